"""``sayonce run`` end to end, and the desktop benchmarks on a tiny database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from sayonce.bench import REGISTRY, Context
from sayonce.store import Customer, open_store


@pytest.mark.slow
def test_run_fills_an_empty_database_and_saves_a_screenshot(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    shot = tmp_path / "desk.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SAYONCE_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sayonce",
            "run",
            "--db",
            db,
            "--demo-customers",
            "20",
            "--demo-interactions",
            "200",
            "--no-models",
            "--theme",
            "dark",
            "--screenshot",
            str(shot),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1440, 900)
    assert image.pixelColor(5, 450).lightness() < 80  # the dark theme was applied
    store = open_store(db)
    with store.read() as session:
        assert session.query(Customer).count() == 20  # the demo was generated first
    store.dispose()


@pytest.mark.slow
def test_desktop_benchmarks_run_on_a_small_database(tmp_path: Path) -> None:
    import sayonce.bench.desktop  # noqa: F401  (registers the benchmarks)

    ctx = Context(workdir=tmp_path, scale=1500, quick=True)
    results = [r for name in ("desktop.pop", "desktop.window") for r in REGISTRY[name](ctx)]
    by_name = {r.name: r for r in results}
    pop = by_name["screen pop, core (caller → header + page 1)"]
    assert pop.unit == "ms" and 0 < pop.median <= (pop.p95 or 0) and pop.floor
    assert by_name["screen pop to a painted window"].median > 0
    assert by_name["event-loop stall during screen pops (max)"].median > 0
