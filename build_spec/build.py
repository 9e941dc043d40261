"""Build the one-folder SayOnce bundle and measure it (``make package``).

Steps: check the build environment (CPU-only torch, exactly one Qt binding, models prepared,
icons rendered), run PyInstaller with ``build_spec/sayonce.spec`` into ``build/`` and
``dist/sayonce/``, then run the bundle's ``sayonce selftest``, measure its size (total and the
ten heaviest folders) and its cold start to a rendered window, and write everything to
``build/package-report.json``. Exit status: 0 when the bundle built and its self-test passed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "sayonce.spec"
OTHER_QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distpath", type=Path, default=ROOT / "dist", help="bundle parent")
    parser.add_argument(
        "--workpath", type=Path, default=ROOT / "build" / "pyinstaller", help="build cache"
    )
    parser.add_argument(
        "--report", type=Path, default=ROOT / "build" / "package-report.json", help="JSON report"
    )
    parser.add_argument("--clean", action="store_true", help="discard PyInstaller's cache first")
    parser.add_argument("--skip-build", action="store_true", help="measure the existing bundle")
    parser.add_argument("--runs", type=int, default=3, help="cold-start launches to time")
    parser.add_argument("--no-cold-start", action="store_true", help="skip the launch timing")
    return parser.parse_args(argv)


def preflight() -> list[str]:
    """Problems with the build environment that would make a wrong bundle (empty if none)."""
    problems = []
    cuda = sorted(
        d.metadata["Name"]
        for d in importlib.metadata.distributions()
        if (d.metadata["Name"] or "").lower().startswith("nvidia-")
    )
    if cuda:
        problems.append(f"CUDA packages installed ({', '.join(cuda)}): install the CPU torch")
    torch_version = importlib.metadata.version("torch")
    if "+cu" in torch_version or "+rocm" in torch_version:
        problems.append(f"torch {torch_version} is a GPU build: install the CPU build")
    others = [name for name in OTHER_QT_BINDINGS if importlib.util.find_spec(name)]
    if others:
        problems.append(f"other Qt bindings installed ({', '.join(others)}): keep only PySide6")
    if importlib.util.find_spec("PyInstaller") is None:
        problems.append("PyInstaller is missing: pip install -e '.[package]'")
    return problems


def prepare_inputs() -> None:
    """Fill models/ from the installed model package and render the icons if missing."""
    from sayonce.nlp import models

    for line in models.prepare(ROOT / "models"):
        print(f"models: {line}")
    missing = [detail for _name, ok, detail in models.check(ROOT / "models") if not ok]
    if missing:
        raise SystemExit("build.py: models are not ready: " + "; ".join(missing))
    icons = (HERE / "windows" / "sayonce.ico", HERE / "linux" / "sayonce.png")
    if not all(icon.exists() for icon in icons):
        sys.path.insert(0, str(HERE))
        from make_icons import make_icons

        make_icons()


def run_pyinstaller(args: argparse.Namespace) -> float:
    """Build the bundle; return the seconds it took."""
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(args.distpath), "--workpath", str(args.workpath), str(SPEC),
    ]  # fmt: skip
    if args.clean:
        command.insert(3, "--clean")
    print("build.py: " + " ".join(command), flush=True)
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    return time.perf_counter() - start


def run_selftest(bundle: Path) -> dict[str, object]:
    """Run the bundle's own ``sayonce selftest``; return its exit code, time and output."""
    from sayonce.bench.package import run_bundle

    start = time.perf_counter()
    done = run_bundle(bundle, ["selftest"])
    seconds = time.perf_counter() - start
    print(done.stdout, end="")
    print(done.stderr, end="", file=sys.stderr)
    return {
        "exit_code": done.returncode,
        "seconds": round(seconds, 2),
        "output": done.stdout.splitlines(),
        "errors": done.stderr.splitlines()[-40:],
    }


def _print_summary(report: dict) -> None:
    size = report["bundle"]
    print(f"\nbundle: {size['path']}  {size['total_mb']:.0f} MB in {size['files']} files", end="")
    print(f"  (target <= {size['target_bytes'] / 1e6:.0f} MB)")
    for row in size["top_folders"]:
        print(f"  {row['bytes'] / 1e6:8.1f} MB  {row['folder']}")
    if report.get("build_seconds") is not None:
        print(f"build time: {report['build_seconds']:.0f} s")
    cold = report.get("cold_start")
    if isinstance(cold, dict) and "first_s" in cold:
        print(
            f"window shown after launch: first {cold['first_s']:.2f} s, median "
            f"{cold['median_s']:.2f} s (target <= {cold['target_s']:g} s); "
            f"interpreter alone {cold['interpreter_s']:.2f} s"
        )
        if cold.get("cpu_s"):
            cpu = ", ".join(f"{t:.2f}" for t in cold["cpu_s"])
            load = cold.get("load_average") or 0.0
            print(f"  CPU time of those launches: {cpu} s (load average {load:.1f})")
        if cold.get("customer_s") is not None:
            print(f"customer and brief on screen after launch: {cold['customer_s']:.2f} s")
    elif cold:
        print(f"cold start: not measured: {cold}")
    selftest = report["selftest"]
    print(f"selftest from the bundle: exit {selftest['exit_code']} in {selftest['seconds']} s")


def main(argv: list[str] | None = None) -> int:
    """Build, measure, report."""
    args = _parse(argv)
    sys.path.insert(0, str(ROOT / "app"))
    from sayonce import __version__
    from sayonce.bench import package

    problems = preflight()
    if problems:
        print("build.py: cannot build:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    bundle = args.distpath / "sayonce"
    build_seconds = None
    if not args.skip_build:
        prepare_inputs()
        build_seconds = run_pyinstaller(args)
    if not package.executable(bundle).exists():
        print(f"build.py: no bundle at {bundle}", file=sys.stderr)
        return 1
    report: dict[str, object] = {
        "version": __version__,
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(build_seconds, 1) if build_seconds is not None else None,
        "bundle": {"path": str(bundle), **package.size_report(package.bundle_size(bundle))},
    }
    report["selftest"] = run_selftest(bundle)
    if not args.no_cold_start:
        workdir = args.report.parent / "cold-start"
        shutil.rmtree(workdir, ignore_errors=True)  # a fresh demo database, written by the bundle
        try:
            cold = package.measure_cold_start(bundle, workdir, args.runs)
            report["cold_start"] = package.cold_start_report(cold)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            report["cold_start"] = f"failed: {exc}"
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _print_summary(report)
    print(f"report: {args.report}")
    return 0 if report["selftest"]["exit_code"] == 0 else 1  # type: ignore[index]


if __name__ == "__main__":
    sys.exit(main())
