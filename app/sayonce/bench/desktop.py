"""Desktop benchmarks: screen pop in the core and to a painted window, start-up, UI stalls.

Targets (issue 4): caller number → header and first timeline page p95 ≤ 50 ms in the core at
1,000,000 interactions and ≤ 150 ms to a painted window; window visible ≤ 2 s after launch;
the event loop never stalls more than 50 ms during screen pop, scrolling or model loading.
The large database is the store benchmarks' (:func:`sayonce.bench.store.large_database`).
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from sayonce.bench import Context, Result, benchmark, median, p95
from sayonce.bench.store import large_database
from sayonce.history.desk import Desk
from sayonce.store import Agent, Role, Store, open_store
from sayonce.trust.principal import Principal

SEED = 11
STALL_LIMIT_MS = 50.0


def _callers(path: Path, count: int) -> list[str]:
    """Phone numbers (E.164, as telephony sends them) of random customers."""
    rng = random.Random(SEED)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        top = connection.execute("SELECT max(id) FROM identities").fetchone()[0] or 0
        found: list[str] = []
        while len(found) < count:
            row = connection.execute(
                "SELECT value FROM identities WHERE kind = 'phone' AND id >= ? LIMIT 1",
                (rng.randint(1, max(1, top)),),
            ).fetchone()
            if row is not None:
                found.append(row[0])
    return found


def _busiest_caller(path: Path) -> str:
    """The phone number of the customer with the longest history."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        row = connection.execute(
            "SELECT i.value FROM identities i JOIN (SELECT customer_id, count(*) n FROM "
            "interactions GROUP BY customer_id ORDER BY n DESC LIMIT 1) b "
            "ON b.customer_id = i.customer_id WHERE i.kind = 'phone' LIMIT 1"
        ).fetchone()
    return str(row[0])


def _desk(store: Store) -> Desk:
    with store.write() as session:
        agent = session.query(Agent).filter_by(username="bench-agent").one_or_none()
        if agent is None:
            agent = Agent(username="bench-agent", display_name="Bench Agent", role=Role.AGENT)
            session.add(agent)
            session.flush()
        return Desk(store, Principal("bench-agent", Role.AGENT, agent.id, "Bench Agent"))


def _direct_pop(connection: sqlite3.Connection, phone: str) -> None:
    """The floor: hand-written SQL for the same answer (identity → customer → header → page)."""
    ids = [
        r[0]
        for r in connection.execute(
            "SELECT customer_id FROM identities WHERE kind = 'phone' AND value = ?", (phone,)
        )
    ]
    if len(ids) != 1:
        return
    customer = ids[0]
    connection.execute("SELECT * FROM customers WHERE id = ?", (customer,)).fetchall()
    connection.execute(
        "SELECT kind, value FROM identities WHERE customer_id = ?", (customer,)
    ).fetchall()
    connection.execute(
        "SELECT id, channel, started_at, subject, substr(body, 1, 320) FROM interactions "
        "WHERE customer_id = ? ORDER BY started_at DESC, id DESC LIMIT 51",
        (customer,),
    ).fetchall()


def _timed_each(
    fn: Callable[[str], Any], inputs: list[str], cpu: list[float] | None = None
) -> list[float]:
    """Wall-clock seconds per call; with ``cpu``, this thread's CPU seconds are added to it.

    On a shared machine the wall clock includes waiting for a core; CPU time does not, so
    both are reported.
    """
    times = []
    for value in inputs:
        start, used = time.perf_counter(), time.thread_time()
        fn(value)
        times.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.thread_time() - used)
    return times


@benchmark("desktop.pop")
def screen_pop_core(ctx: Context) -> Iterable[Result]:
    """Caller number → header, first timeline page and facts, in the core (audit included)."""
    path = large_database(ctx)
    callers = _callers(path, 100 if ctx.quick else 300)
    store = open_store(f"sqlite:///{path}")
    desk = _desk(store)
    direct = sqlite3.connect(path)
    try:
        _timed_each(desk.pop, callers[:20])  # warm the page cache, as a running app has
        cpu: list[float] = []
        times = _timed_each(desk.pop, callers, cpu)
        floor = _timed_each(lambda p: _direct_pop(direct, p), callers)
        busiest = _busiest_caller(path)
        heavy_cpu: list[float] = []
        heavy = _timed_each(desk.pop, [busiest] * (20 if ctx.quick else 50), heavy_cpu)
        view = desk.pop(busiest).view
        items = view.profile.interaction_count if view else 0
    finally:
        direct.close()
        store.dispose()
    scale = f"{ctx.scale:,} interactions"
    yield Result(
        "screen pop, core (caller → header + page 1)",
        median(times) * 1000,
        "ms",
        floor=median(floor) * 1000,
        p95=p95(times) * 1000,
        target="p95 <= 50 ms",
        note=f"{len(callers)} callers, {scale}",
    )
    yield Result(
        "screen pop, core: CPU time",
        median(cpu) * 1000,
        "ms",
        p95=p95(cpu) * 1000,
        note=f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores meanwhile",
    )
    yield Result(
        "screen pop, core, busiest customer",
        median(heavy) * 1000,
        "ms",
        p95=p95(heavy) * 1000,
        target="p95 <= 50 ms",
        note=f"{items:,} contacts in one profile",
    )
    yield Result(
        "screen pop, core, busiest customer: CPU time",
        median(heavy_cpu) * 1000,
        "ms",
        p95=p95(heavy_cpu) * 1000,
    )


def _app() -> Any:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from sayonce.ui import themes
    from sayonce.ui.app import make_app

    app = make_app()
    themes.apply(app, "light")
    return app


def _wait(app: Any, done: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Run the event loop until ``done()`` (idle in between: no CPU spent on waiting)."""
    from PySide6.QtCore import QEventLoop, QTimer

    if done():
        return
    loop, finished = QEventLoop(), [False]
    check = QTimer(interval=1)
    check.timeout.connect(partial(_quit_when, done, loop, finished))
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    check.start()
    loop.exec()
    check.stop()
    if not finished[0]:
        raise TimeoutError(f"the window did not answer in time ({timeout_s} s)")


def _quit_when(done: Callable[[], bool], loop: Any, finished: list[bool]) -> None:
    if not finished[0] and done():  # done() may act (close a pick list): call it once
        finished[0] = True
        loop.quit()


@benchmark("desktop.window")
def screen_pop_window(ctx: Context) -> Iterable[Result]:
    """Caller number → painted window; event-loop stalls during pops and scrolling.

    Wall-clock figures include waiting for a core on a shared machine; the UI thread's CPU
    time per pop is the work that would freeze the window on an idle one.
    """
    from sayonce.ui.heartbeat import StallMeter
    from sayonce.ui.main_window import MainWindow

    path = large_database(ctx)
    callers = _callers(path, 60 if ctx.quick else 200)
    app = _app()
    store = open_store(f"sqlite:///{path}")
    desk = _desk(store)
    window = MainWindow(desk, load_models=False, poll_ms=1000)
    window.resize(1440, 900)
    window.show()
    shown: list[int] = []
    window.customer_shown.connect(shown.append)
    meter = StallMeter()
    times, ui_cpu = [], []
    try:
        _wait(app, lambda: window.isVisible())
        meter.start()
        for phone in callers:
            before = len(shown)
            start, used = time.perf_counter(), time.thread_time()
            window.incoming(phone)
            try:
                _wait(app, partial(_answered, window, shown, before))
            except TimeoutError as exc:
                raise TimeoutError(f"{exc}: pop of {phone}: {window.db_status.text()}") from exc
            window.repaint()  # the frame the agent sees
            times.append(time.perf_counter() - start)
            ui_cpu.append(time.thread_time() - used)
        pop_stall = meter.stop()
        busiest = desk.find(_busiest_caller(path))
        before = len(shown)
        window.open_customer(busiest or 1)
        _wait(app, partial(_answered, window, shown, before))
        scroll = list(_scroll(app, window, meter, pages=5 if ctx.quick else 20))
    finally:
        window.close()
        store.dispose()
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    yield Result(
        "screen pop to a painted window",
        median(times) * 1000,
        "ms",
        p95=p95(times) * 1000,
        target="p95 <= 150 ms",
        note=f"{len(callers)} callers, {load}",
    )
    yield Result(
        "screen pop: UI-thread CPU per pop",
        median(ui_cpu) * 1000,
        "ms",
        p95=p95(ui_cpu) * 1000,
        note=f"max {max(ui_cpu) * 1000:.1f} ms",
    )
    yield Result(
        "event-loop stall during screen pops (max)", pop_stall, "ms", target="<= 50 ms", note=load
    )
    yield from scroll


def _answered(window: Any, shown: list[int], before: int) -> bool:
    return len(shown) > before or _no_single_match(window)


def _no_single_match(window: Any) -> bool:
    # ambiguous or unknown callers end in a pick list or a new profile; both are "answered"
    dialog = getattr(window, "pick_dialog", None)
    if dialog is not None and dialog.isVisible():
        dialog.reject()
        return True
    return False


def _grew(model: Any, before: int) -> bool:
    return bool(model.rowCount() > before or model.exhausted)


def _scroll(app: Any, window: Any, meter: Any, pages: int) -> Iterable[Result]:
    from PySide6.QtCore import QModelIndex

    model, view = window.timeline_model, window.timeline.list
    times, ui_cpu = [], []
    meter.start()
    for _ in range(pages):
        _wait(app, lambda: not model.loading)
        if model.exhausted:
            break
        before = model.rowCount()
        start, used = time.perf_counter(), time.thread_time()
        view.scrollToBottom()  # the view asks for the next page itself
        if model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        _wait(app, partial(_grew, model, before))
        view.scrollToBottom()
        window.repaint()
        times.append(time.perf_counter() - start)
        ui_cpu.append(time.thread_time() - used)
    stall = meter.stop()
    rows = model.rowCount()
    yield Result(
        "scroll: next timeline page appended and painted",
        median(times) * 1000 if times else 0.0,
        "ms",
        p95=p95(times) * 1000 if times else None,
        note=f"{rows:,} rows of the longest history loaded",
    )
    yield Result(
        "scroll: UI-thread CPU per page",
        median(ui_cpu) * 1000 if ui_cpu else 0.0,
        "ms",
        note=f"max {max(ui_cpu, default=0) * 1000:.1f} ms",
    )
    yield Result("event-loop stall while scrolling (max)", stall, "ms", target="<= 50 ms")


_BARE_WINDOW = (
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication([]); w = QMainWindow(); w.show(); app.processEvents(); print('visible')"
)


def _launch(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=180, check=False
    )
    if "visible" not in done.stdout:
        raise RuntimeError(f"{command[:3]} did not show its window: {done.stderr[-500:]}")
    return time.perf_counter() - start


@benchmark("desktop.startup")
def startup(ctx: Context) -> Iterable[Result]:
    """``sayonce run`` until the window is visible (a new process each time).

    The floor is a bare PySide6 window in a new process: what any Qt app pays to start.
    """
    path = large_database(ctx)
    runs = 2 if ctx.quick else 5
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = [sys.executable, "-m", "sayonce", "run", "--db", f"sqlite:///{path}"]
    times = [_launch([*run, "--exit-when-visible"], env) for _ in range(runs)]
    floor = [_launch([sys.executable, "-c", _BARE_WINDOW], env) for _ in range(runs)]
    yield Result(
        "launch → window visible (new process)",
        median(times),
        "s",
        floor=median(floor),
        p95=max(times),
        target="<= 2 s",
        note=f"{runs} launches, {ctx.scale:,}-interaction database, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
    )


@benchmark("desktop.models")
def model_loading(ctx: Context) -> Iterable[Result]:
    """Event-loop stalls while models load after the window is up.

    Three figures: what the desktop loads itself (the NLP modules behind the brief); the live
    assist session as the desktop runs it (a helper process starts, loads the embedding model
    and the playbook, then answers a first utterance); and, for comparison, the embedding
    model (torch) loaded on a worker thread of the window's own process, which is what the
    helper process avoids.
    """
    from sayonce.ui import brief

    path = large_database(ctx)
    seconds, stall, over = _load_in_window(path, brief.warm_up)
    yield from _load_results("NLP modules for the brief", seconds, stall, over)
    seconds, stall, over, note = _assist_in_window(path)
    yield from _load_results("live assist session (helper process)", seconds, stall, over, note)
    seconds, stall, over = _load_in_window(path, brief.load_encoder)
    yield from _load_results("embedding model (torch) in-process", seconds, stall, over)


def _load_results(
    label: str, seconds: float, stall: float, over: int, note: str = ""
) -> Iterable[Result]:
    yield Result(f"{label}: ready after", seconds, "s", note=note)
    yield Result(
        f"{label}: event-loop stall (max)",
        stall,
        "ms",
        target="<= 50 ms",
        note=f"{over} beats over 50 ms; load average {os.getloadavg()[0]:.1f}",
    )


def _load_in_window(path: Path, load: Callable[[], str]) -> tuple[float, float, int]:
    from sayonce.ui.heartbeat import StallMeter
    from sayonce.ui.main_window import MainWindow

    app = _app()
    store = open_store(f"sqlite:///{path}")
    window = MainWindow(_desk(store), load_models=False)
    window.show()
    meter = StallMeter()
    ready: list[str] = []
    try:
        meter.start()
        start = time.perf_counter()
        window.nlp.submit(load, ready.append)
        _wait(app, lambda: bool(ready), timeout_s=300)
        seconds = time.perf_counter() - start
        stall = meter.stop()
    finally:
        window.close()
        store.dispose()
    return seconds, stall, meter.over(STALL_LIMIT_MS)


def _assist_in_window(path: Path) -> tuple[float, float, int, str]:
    """The docked live call panel starts its helper; a first utterance gets suggestions."""
    from sayonce.intake.events import CallStarted, Utterance
    from sayonce.store import utcnow
    from sayonce.ui.heartbeat import StallMeter
    from sayonce.ui.live_call_launch import LiveCall
    from sayonce.ui.main_window import MainWindow

    app = _app()
    store = open_store(f"sqlite:///{path}")
    desk = _desk(store)
    window = MainWindow(desk, load_models=False)
    window.show()
    live = LiveCall(window, store, desk.principal)
    worker = live.worker
    ready: list[str] = []
    worker.ready.connect(lambda: ready.append("ready"))
    worker.failed.connect(ready.append)
    answered: list[Any] = []
    worker.updated.connect(lambda update: answered.append(update) if update.suggestions else None)
    meter = StallMeter()
    note = ""
    try:
        _wait(app, window.isVisible)
        meter.start()
        start = time.perf_counter()
        live.start()
        _wait(app, lambda: bool(ready), timeout_s=300)
        seconds = time.perf_counter() - start
        if ready[0] != "ready":
            raise RuntimeError(f"the assist helper did not start: {ready[0]}")
        call = {"call_id": "bench-1", "from": "+15550100", "at": utcnow()}
        live.panel.post(CallStarted.model_validate(call))
        live.panel.post(Utterance(call_id="bench-1", speaker="customer", text="I lost my card"))
        _wait(app, lambda: bool(answered), timeout_s=60)
        stall = meter.stop()
        note = f"stall until the first suggestions; {_helper_memory(worker.helper_pid)}"
    finally:
        live.stop()
        window.close()
        store.dispose()
    return seconds, stall, meter.over(STALL_LIMIT_MS), note


def _helper_memory(pid: int | None) -> str:
    """Resident memory of the helper and of this (window) process, where /proc says."""

    def rss_mb(which: str) -> float | None:
        try:
            for line in Path(f"/proc/{which}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    helper, here = rss_mb(str(pid)) if pid else None, rss_mb("self")
    if helper is None or here is None:
        return f"helper pid {pid}"
    return f"resident memory: helper {helper:.0f} MB, window process {here:.0f} MB"


@benchmark("desktop.semantic")
def semantic_in_window(ctx: Context) -> Iterable[Result]:
    """Search by meaning in the window: the first search starts the helper, later ones are warm.

    The first search of a session starts the search helper process (it loads the embedding
    model) and indexes the customer's history (the one closest to 200 interactions in a fresh
    copy of the semantic benchmark's database, so nothing is embedded yet); a 5 ms heartbeat
    measures the longest event-loop stall meanwhile. Then warm searches of the same customer:
    query posted → hits on screen.
    """
    from sayonce.bench.semantic import MAX_SCALE, QUERIES, _copy, _customer
    from sayonce.ui.heartbeat import StallMeter
    from sayonce.ui.main_window import MainWindow
    from sayonce.ui.semantic_worker import SearchStatus

    scale = min(ctx.scale, MAX_SCALE)
    demo = large_database(Context(ctx.workdir, scale=scale, quick=ctx.quick, cache=ctx.cache))
    path = _copy(demo, ctx.workdir / f"desktop-semantic-{scale}.sqlite3")
    app = _app()
    store = open_store(f"sqlite:///{path}")
    cluster, size = _customer(store)
    window = MainWindow(_desk(store), load_models=False, poll_ms=1000)
    window.resize(1440, 900)
    window.show()
    shown: list[Any] = []
    failed: list[str] = []
    steps: list[tuple[float, SearchStatus]] = []
    window.meaning.shown.connect(shown.append)
    window.meaning.unavailable.connect(failed.append)
    meter = StallMeter()
    warm: list[float] = []
    try:
        customer: list[int] = []
        window.customer_shown.connect(customer.append)
        window.open_customer(cluster[0])
        _wait(app, lambda: bool(customer))
        window.timeline.set_meaning(True)
        meter.start()
        start = time.perf_counter()
        window.meaning.search(QUERIES[0])
        assert window.meaning.searcher is not None
        window.meaning.searcher.status.connect(
            lambda status: steps.append((time.perf_counter() - start, status))
        )
        _wait(app, lambda: bool(shown or failed), timeout_s=900)
        first = time.perf_counter() - start
        first_stall = meter.stop()
        first_over = meter.over(STALL_LIMIT_MS)
        if failed:
            raise RuntimeError(f"search by meaning failed: {failed[0]}")
        memory = _helper_memory(window.meaning.helper_pid)
        meter.start()
        for query in QUERIES[1:] * (1 if ctx.quick else 3):
            before = len(shown)
            begun = time.perf_counter()
            window.meaning.search(query)
            _wait(app, partial(_answered_after, shown, failed, before), timeout_s=60)
            window.repaint()
            warm.append(time.perf_counter() - begun)
        warm_stall = meter.stop()
    finally:
        window.close()
        store.dispose()
    indexing = [at for at, status in steps if status.text.startswith("Indexing")]
    loaded = f"model ready after {indexing[0]:.1f} s, " if indexing else ""
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    yield Result(
        f"first search by meaning, {size} interactions: results after",
        first,
        "s",
        note=f"{loaded}helper start, model, indexing the history; {memory}",
    )
    yield Result(
        "event-loop stall during the first search by meaning (max)",
        first_stall,
        "ms",
        target="<= 50 ms",
        note=f"{first_over} beats over 50 ms; {load}",
    )
    yield Result(
        "warm search by meaning: query → hits on screen",
        median(warm) * 1000,
        "ms",
        p95=p95(warm) * 1000,
        note=f"{len(warm)} queries; longest stall meanwhile {warm_stall:.0f} ms",
    )


def _answered_after(shown: list[Any], failed: list[str], before: int) -> bool:
    return len(shown) > before or bool(failed)
