"""The packaging tools that need no build: size accounting, the report, the Linux installer."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sayonce.bench import Context
from sayonce.bench import package as bench_package

ROOT = Path(__file__).resolve().parents[1]


def _file(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_bundle_size_groups_by_folder_and_counts_links_once(tmp_path: Path) -> None:
    bundle = tmp_path / "sayonce"
    _file(bundle / "sayonce", 700)
    _file(bundle / "_internal" / "torch" / "lib" / "libtorch_cpu.so", 5000)
    _file(bundle / "_internal" / "torch" / "lib" / "deeper" / "libx.so", 1000)
    _file(bundle / "_internal" / "PySide6" / "Qt" / "lib" / "libQt6Core.so.6", 800)
    _file(bundle / "_internal" / "libpython3.11.so.1.0", 300)
    (bundle / "_internal" / "libtorch_cpu.so").symlink_to(
        bundle / "_internal" / "torch" / "lib" / "libtorch_cpu.so"
    )

    size = bench_package.bundle_size(bundle)

    assert size.total_bytes == 7800
    assert size.files == 5
    assert size.top[0] == ("_internal/torch/lib", 6000)
    assert dict(size.top) == {
        "_internal/torch/lib": 6000,
        "_internal/PySide6/Qt": 800,
        "sayonce (executable)": 700,
        "_internal": 300,
    }
    assert size.dominated_by(1).startswith("_internal/torch/lib 0 MB (77%)")


def test_bench_reads_the_build_report_when_no_bundle_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = bench_package.BundleSize(950_000_000, 5000, [("_internal/torch/lib", 470_000_000)])
    cold = bench_package.ColdStart(
        2.4, [2.4, 1.9, 2.0], 0.4, 9.5, "test", cpu_s=[1.3, 1.1, 1.2], load_average=3.0
    )
    report = tmp_path / "package-report.json"
    report.write_text(
        json.dumps(
            {
                "built_at": "2026-01-01T00:00:00+00:00",
                "bundle": bench_package.size_report(size),
                "cold_start": bench_package.cold_start_report(cold),
            }
        )
    )
    monkeypatch.setattr(bench_package, "bundle_dir", lambda: tmp_path / "missing")
    monkeypatch.setattr(bench_package, "report_path", lambda: report)

    results = {r.name: r for r in bench_package.package_figures(Context(workdir=tmp_path))}

    assert results["bundle size unpacked"].median == pytest.approx(950.0)
    assert results["  of which _internal/torch/lib"].median == pytest.approx(470.0)
    window = results["window shown after launch (bundle)"]
    assert window.median == pytest.approx(2.0)
    assert window.p95 == pytest.approx(2.4)
    assert "first launch 2.40 s" in window.note
    assert window.ratio == pytest.approx(5.0)  # against the bare interpreter start
    assert results["customer and brief on screen after launch"].median == pytest.approx(9.5)
    assert results["window shown after launch: CPU time"].median == pytest.approx(1.2)


def test_bench_says_how_to_get_figures_when_nothing_was_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_package, "bundle_dir", lambda: tmp_path / "missing")
    monkeypatch.setattr(bench_package, "report_path", lambda: tmp_path / "missing.json")

    (result,) = bench_package.package_figures(Context(workdir=tmp_path))

    assert math.isnan(result.median)
    assert "make package" in result.note


def test_size_report_flags_a_bundle_over_the_target() -> None:
    over = bench_package.BundleSize(bench_package.SIZE_TARGET_BYTES + 1, 1, [])
    under = bench_package.BundleSize(bench_package.SIZE_TARGET_BYTES, 1, [])
    assert bench_package.size_report(over)["within_target"] is False
    assert bench_package.size_report(under)["within_target"] is True


def _fake_bundle(folder: Path) -> Path:
    bundle = folder / "sayonce"
    launcher = bundle / "sayonce"
    launcher.parent.mkdir(parents=True)
    launcher.write_text("#!/bin/sh\necho sayonce 0.1.0\n")
    launcher.chmod(0o755)
    icon = bundle / "_internal" / "resources" / "icons" / "sayonce.svg"
    icon.parent.mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "icons" / "sayonce.svg", icon)
    return bundle


def test_linux_install_script_installs_menu_entry_icons_and_command(tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path / "dist")
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home)}
    env.pop("XDG_DATA_HOME", None)
    script = ROOT / "build_spec" / "linux" / "install.sh"

    subprocess.run(["sh", str(script), str(bundle)], env=env, check=True, capture_output=True)

    target = home / ".local" / "lib" / "sayonce"
    entry = (home / ".local" / "share" / "applications" / "sayonce.desktop").read_text()
    assert f"Exec={target}/sayonce run\n" in entry
    assert "@BUNDLE@" not in entry
    assert "Icon=sayonce\n" in entry
    icons = home / ".local" / "share" / "icons" / "hicolor"
    assert (icons / "256x256" / "apps" / "sayonce.png").read_bytes()[:4] == b"\x89PNG"
    assert (icons / "scalable" / "apps" / "sayonce.svg").exists()
    command = home / ".local" / "bin" / "sayonce"
    assert subprocess.run([str(command)], capture_output=True, text=True).stdout.startswith(
        "sayonce"
    )

    subprocess.run(["sh", str(script), "--uninstall"], env=env, check=True, capture_output=True)
    assert not target.exists()
    assert not command.exists()
    assert not (home / ".local" / "share" / "applications" / "sayonce.desktop").exists()


def test_desktop_entry_is_well_formed() -> None:
    lines = (ROOT / "build_spec" / "linux" / "sayonce.desktop").read_text().splitlines()
    assert lines[0] == "[Desktop Entry]"
    main = lines[: lines.index("")] if "" in lines else lines
    keys = dict(line.split("=", 1) for line in main[1:])
    assert keys["Type"] == "Application"
    assert keys["Exec"].startswith("@BUNDLE@/sayonce")
    assert keys["Categories"].endswith(";")
    assert {"Name", "Comment", "Icon", "Terminal"} <= keys.keys()


def test_windows_icon_holds_every_size_the_installer_needs() -> None:
    data = (ROOT / "build_spec" / "windows" / "sayonce.ico").read_bytes()
    assert data[:4] == b"\x00\x00\x01\x00"
    count = int.from_bytes(data[4:6], "little")
    sizes = {data[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes
