"""Bundle figures: unpacked size (and what dominates it) and cold start to a rendered window.

``build_spec/build.py`` (``make package``) uses these functions to write
``build/package-report.json``; ``sayonce bench package`` measures ``dist/sayonce`` again when it
exists, or reads that report. Targets: a window within 3 s cold, at most 1.2 GB unpacked.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sayonce.bench import Context, Result, benchmark, median
from sayonce.config import bundle_root

SIZE_TARGET_BYTES = 1_200_000_000
WINDOW_TARGET_S = 3.0
MB = 1_000_000


@dataclass(frozen=True, slots=True)
class BundleSize:
    """Bytes on disk of an unpacked bundle, and the folders that weigh most."""

    total_bytes: int
    files: int
    top: list[tuple[str, int]]

    def dominated_by(self, count: int = 3) -> str:
        """E.g. ``_internal/torch/lib 447 MB (41%), ...``."""
        return ", ".join(
            f"{folder} {size / MB:.0f} MB ({100 * size / max(1, self.total_bytes):.0f}%)"
            for folder, size in self.top[:count]
        )


def bundle_dir() -> Path:
    """The one-folder bundle ``make package`` writes (``dist/sayonce``)."""
    return bundle_root() / "dist" / "sayonce"


def report_path() -> Path:
    """The JSON report ``make package`` writes."""
    return bundle_root() / "build" / "package-report.json"


def executable(bundle: Path) -> Path:
    """The ``sayonce`` command inside a bundle."""
    return bundle / ("sayonce.exe" if sys.platform == "win32" else "sayonce")


def _group(relative: Path, depth: int) -> str:
    folders = relative.parts[:-1]
    if not folders:
        return f"{relative.name} (executable)"  # it embeds the app's compiled Python code
    keep = depth + 1 if folders[0] == "_internal" else depth
    return "/".join(folders[:keep])


def bundle_size(bundle: Path, depth: int = 2, top: int = 10) -> BundleSize:
    """Size of every regular file under ``bundle`` (links counted once), grouped by folder."""
    totals: dict[str, int] = defaultdict(int)
    files = 0
    for folder, _dirs, names in os.walk(bundle):
        for name in names:
            path = Path(folder) / name
            if path.is_symlink():
                continue
            size = path.stat().st_size
            totals[_group(path.relative_to(bundle), depth)] += size
            files += 1
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    return BundleSize(sum(totals.values()), files, ranked[:top])


def _offscreen_env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run_bundle(
    bundle: Path, args: list[str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the bundle's ``sayonce`` with ``args`` (offscreen), capturing its output."""
    return subprocess.run(
        [str(executable(bundle)), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_offscreen_env(),
        check=False,
    )


def _failure(command: list[str], code: int | None, errors: str) -> RuntimeError:
    return RuntimeError(f"`{' '.join(command)}` failed ({code}): {errors[-2000:]}")


def _children_cpu() -> float:
    """CPU seconds used so far by finished child processes (0 where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_to_window(bundle: Path, db_url: str, timeout: float = 120) -> tuple[float, float]:
    """Wall and CPU seconds from launching ``sayonce run`` to its main window being shown.

    The CPU figure (the launched process's user + system time, to its exit right after the
    window showed) is what the wall time would be on an idle machine: it does not grow when
    other processes compete for the cores.
    """
    command = [str(executable(bundle)), "run", "--db", db_url, "--exit-when-visible"]
    cpu_before = _children_cpu()
    start = time.perf_counter()
    seen: float | None = None
    with subprocess.Popen(
        command,
        env=_offscreen_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:  # the app prints "visible after ..." once the window shows
            if line.startswith("visible after"):
                seen = time.perf_counter() - start
        _, errors = process.communicate(timeout=timeout)
    if process.returncode != 0 or seen is None:
        raise _failure(command, process.returncode, errors)
    return seen, _children_cpu() - cpu_before


def time_to_customer(bundle: Path, db_url: str, shot: Path, timeout: float = 300) -> float:
    """Seconds from launch to a customer with its brief on screen and saved as a picture."""
    shot.unlink(missing_ok=True)
    command = [str(executable(bundle)), "run", "--db", db_url, "--screenshot", str(shot)]
    start = time.perf_counter()
    done = subprocess.run(
        command, env=_offscreen_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0 or not shot.exists():
        raise _failure(command, done.returncode, done.stderr)
    return time.perf_counter() - start  # the app exits right after saving the picture


def make_demo_database(bundle: Path, path: Path) -> str:
    """A small demo database written by the bundle's own ``sayonce run``; return its URL."""
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    command = ["run", "--db", url, "--no-models", "--screenshot", str(path.with_suffix(".png"))]
    done = run_bundle(bundle, [*command, "--demo-customers", "200", "--demo-interactions", "3000"])
    if done.returncode != 0:
        raise _failure(command, done.returncode, done.stderr)
    return url


def time_to_version(bundle: Path) -> float:
    """Seconds for ``sayonce --version``: the frozen interpreter's own start-up cost."""
    start = time.perf_counter()
    done = run_bundle(bundle, ["--version"], timeout=120)
    if done.returncode != 0:
        raise _failure(["--version"], done.returncode, done.stderr)
    return time.perf_counter() - start


@dataclass(frozen=True, slots=True)
class ColdStart:
    """Launch-to-window times: the first launch after the build, then repeats."""

    first_s: float
    runs_s: list[float]
    interpreter_s: float
    customer_s: float | None
    method: str
    cpu_s: list[float] = field(default_factory=list)
    load_average: float | None = None

    @property
    def median_s(self) -> float:
        """Median over every launch."""
        return median(self.runs_s)


def measure_cold_start(
    bundle: Path, workdir: Path, runs: int = 3, with_customer: bool = True
) -> ColdStart:
    """Launch the bundle ``runs`` times, timing its window; then once to a customer's brief."""
    workdir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    # The first launch is the first of the bundle's processes; the files themselves are in
    # the page cache already (the build just wrote them), as after any recent install.
    window_db = f"sqlite:///{workdir / 'window.sqlite3'}"
    launches = [time_to_window(bundle, window_db) for _ in range(runs)]
    customer = None
    if with_customer:
        demo = make_demo_database(bundle, workdir / "package-demo.sqlite3")
        customer = time_to_customer(bundle, demo, workdir / "customer.png")
    return ColdStart(
        first_s=launches[0][0],
        runs_s=[wall for wall, _ in launches],
        interpreter_s=time_to_version(bundle),
        customer_s=customer,
        method="process launch to the main window shown (`sayonce run --exit-when-visible`, "
        "QT_QPA_PLATFORM=offscreen); cpu_s: that process's CPU time; customer_s: launch to "
        "the saved screenshot of a demo customer with models loaded (`sayonce run --screenshot`)",
        cpu_s=[cpu for _, cpu in launches],
        load_average=load,
    )


def size_report(size: BundleSize) -> dict[str, object]:
    """The size part of the JSON report."""
    return {
        "total_bytes": size.total_bytes,
        "total_mb": round(size.total_bytes / MB, 1),
        "files": size.files,
        "target_bytes": SIZE_TARGET_BYTES,
        "within_target": size.total_bytes <= SIZE_TARGET_BYTES,
        "top_folders": [{"folder": f, "bytes": b} for f, b in size.top],
        "dominated_by": size.dominated_by(),
    }


def cold_start_report(cold: ColdStart) -> dict[str, object]:
    """The cold-start part of the JSON report."""
    return {
        **asdict(cold),
        "median_s": cold.median_s,
        "target_s": WINDOW_TARGET_S,
        "within_target": cold.first_s <= WINDOW_TARGET_S,
    }


def _size_results(size: BundleSize, source: str) -> Iterable[Result]:
    yield Result(
        "bundle size unpacked",
        size.total_bytes / MB,
        "MB",
        target=f"<= {SIZE_TARGET_BYTES / MB:.0f} MB",
        note=f"{size.files} files; {source}",
    )
    for folder, size_bytes in size.top[:5]:
        share = 100 * size_bytes / max(1, size.total_bytes)
        yield Result(f"  of which {folder}", size_bytes / MB, "MB", note=f"{share:.0f}%")


def _cold_results(cold: ColdStart) -> Iterable[Result]:
    yield Result(
        "window shown after launch (bundle)",
        cold.median_s,
        "s",
        floor=cold.interpreter_s,
        p95=max(cold.runs_s),
        target=f"<= {WINDOW_TARGET_S:g} s",
        note=f"first launch {cold.first_s:.2f} s of {len(cold.runs_s)}; "
        f"load average {cold.load_average or 0:.1f}; floor = `sayonce --version`",
    )
    if cold.cpu_s:
        yield Result(
            "window shown after launch: CPU time",
            median(cold.cpu_s),
            "s",
            target=f"<= {WINDOW_TARGET_S:g} s",
            note="user + system time of that process: the wall time on an idle machine",
        )
    if cold.customer_s is not None:
        yield Result(
            "customer and brief on screen after launch",
            cold.customer_s,
            "s",
            note="demo database; includes loading the NLP models in the background",
        )


def _from_report(path: Path) -> Iterable[Result]:
    data = json.loads(path.read_text(encoding="utf-8"))
    bundle = data["bundle"]
    top = [(row["folder"], int(row["bytes"])) for row in bundle["top_folders"]]
    size = BundleSize(int(bundle["total_bytes"]), int(bundle["files"]), top)
    yield from _size_results(size, f"from {path.name} of {data.get('built_at', '?')}")
    cold = data.get("cold_start")
    if isinstance(cold, dict):
        fields = {name: cold[name] for name in ColdStart.__dataclass_fields__ if name in cold}
        yield from _cold_results(ColdStart(**fields))


@benchmark("package")
def package_figures(ctx: Context) -> Iterable[Result]:
    """Size and cold start of the bundle in ``dist/sayonce`` (or of the last report)."""
    bundle, report = bundle_dir(), report_path()
    if executable(bundle).exists():
        yield from _size_results(bundle_size(bundle), f"measured in {bundle}")
        runs = 1 if ctx.quick else 3
        yield from _cold_results(measure_cold_start(bundle, ctx.workdir, runs, not ctx.quick))
    elif report.exists():
        yield from _from_report(report)
    else:
        yield Result(
            "bundle size unpacked", math.nan, "MB", note="no bundle: run `make package` first"
        )
