"""Search by meaning in the desktop, driven like an agent would: the model in a helper process.

Most tests give the helper a bag-of-words encoder (tests/semantic_fakes.py) so the real
search host, indexing and ranking run in a second or two; the slow test runs the real MiniLM
where the app does, and checks torch never reaches the window's process.
"""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from sqlalchemy import select

from sayonce.history.desk import Desk
from sayonce.history.semantic import SemanticHit
from sayonce.history.semantic_host import INDEX_STEP
from sayonce.store import Embedding, Interaction, open_store
from sayonce.ui.main_window import MainWindow
from sayonce.ui.semantic_panel import HitsModel
from sayonce.ui.semantic_worker import LOADING, SearchStatus, SemanticSearcher
from sayonce.ui.timeline_model import ItemRole
from tests import historydata as hd
from tests.semantic_fakes import bag_of_words_search_host, failing_search_host
from tests.ui_checks import nothing_left_running  # noqa: F401  (autouse fixture)

WAIT = 30_000
MODEL_WAIT = 240_000  # the real model loads in the helper: seconds, more on a busy machine
FILLER = 60  # newer contacts than the ones that matter: the first timeline page is 50 items
HISTORY = [
    ("email", "Where is my parcel", "My parcel was due on Monday and it has not arrived yet."),
    (
        "call",
        None,
        "Agent: Thanks for calling Northwind, how can I help?\n"
        "Customer: Hi. I tried to buy a winter jacket online. My card was declined at checkout.\n"
        "Agent: I'm sorry. I can see the bank blocked it, I've asked them to allow it.\n"
        "Customer: OK thanks.",
    ),
    ("chat", None, "Customer: I moved house and need to change my address.\nAgent: Done!"),
    ("sms", None, "Your password reset code expires in ten minutes, do not share it."),
    ("email", "Store opening hours", "Is the Riverside store open on Sunday mornings?"),
]
DECLINED = "Customer: My card was declined at checkout."


@pytest.fixture
def world(sqlite_url: str) -> Iterator[dict[str, Any]]:
    store = open_store(sqlite_url)
    me = hd.agent_principal(store)
    ann = hd.customer(store, "Ann Lee", phone="+14155550101")
    with store.write() as s:
        for n, (channel, subject, body) in enumerate(HISTORY):
            s.add(
                Interaction(
                    customer_id=ann,
                    channel=channel,
                    started_at=hd.T0 + timedelta(days=n),
                    subject=subject,
                    body=body,
                    external_id=f"ann-{n}",
                )
            )
    hd.interactions(store, ann, FILLER, start=hd.T0 + timedelta(days=30))
    sue = hd.customer(store, "Sue Twin", phone="+14155550177")
    hd.interactions(store, sue, 3)
    with store.read() as s:
        declined = s.scalar(select(Interaction.id).where(Interaction.external_id == "ann-1"))
    yield {
        "store": store,
        "url": sqlite_url,
        "me": me,
        "ann": ann,
        "sue": sue,
        "declined": declined,
    }
    store.dispose()


def make_window(qtbot: Any, world: dict[str, Any], builder: Any) -> MainWindow:
    window = MainWindow(Desk(world["store"], world["me"]), load_models=False, poll_ms=100)
    if builder is not None:
        window.meaning.builder = builder
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT):
        window.open_customer(world["ann"])
    return window


@pytest.fixture
def window(qtbot: Any, world: dict[str, Any]) -> MainWindow:
    """The desktop on Ann, its search helper building the bag-of-words host."""
    return make_window(qtbot, world, bag_of_words_search_host)


def search(qtbot: Any, window: MainWindow, text: str, timeout: int = WAIT) -> list[SemanticHit]:
    """Type ``text`` in the find box in "By meaning" mode; the hits once shown."""
    timeline = window.timeline
    timeline.focus_meaning()
    timeline.find_box.clear()
    with qtbot.waitSignal(window.meaning.shown, timeout=timeout) as shown:
        qtbot.keyClicks(timeline.find_box, text)
    hits: list[SemanticHit] = shown.args[0]
    return hits


def gone(pid: int) -> bool:
    """No process, not even an unreaped zombie, has this id."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def snippets(window: MainWindow) -> list[str]:
    model = window.timeline.meaning_pane.model
    return [model.index(row, 0).data(ItemRole).snippet for row in range(model.rowCount())]


def test_by_meaning_shows_the_sentence_and_enter_shows_it_in_the_timeline(
    qtbot: Any, window: MainWindow, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    pane = window.timeline.meaning_pane
    seen: list[SearchStatus] = []
    show_status = pane.show_status
    monkeypatch.setattr(pane, "show_status", lambda s: (seen.append(s), show_status(s)))
    assert not pane.isVisible()

    hits = search(qtbot, window, "card declined checkout")

    assert pane.isVisible() and window.timeline.by_meaning()
    assert hits[0].interaction_id == world["declined"]
    assert snippets(window)[0] == DECLINED  # who said it, and the sentence, not the first line
    assert "closest first" in pane.status.text() and not pane.busy.isVisible()
    # the first search loaded the model, then indexed the history in steps, with progress
    texts = [s.text for s in seen]
    total = len(HISTORY) + FILLER
    assert texts[0] == LOADING
    indexing = [s for s in seen if s.text.startswith("Indexing")]
    assert indexing[0].text == f"Indexing {total} conversations…" and indexing[0].total == total
    assert len(indexing) == -(-total // INDEX_STEP)
    assert [s.done for s in indexing] == sorted(s.done for s in indexing)
    # the timeline is not filtered by the words meanwhile: everything is still there
    assert window.timeline.current_filter().text == ""
    assert window.timeline_model.row_of("interaction", world["declined"]) is None  # older

    # ↓ from the find box goes to the results; Enter shows the hit among its neighbours
    qtbot.keyClick(window.timeline.find_box, Qt.Key.Key_Down)
    assert pane.list.hasFocus() and pane.list.currentIndex().row() == 0
    qtbot.keyClick(pane.list, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            (item := window.timeline.current_item()) is not None and item.id == world["declined"]
        ),
        timeout=WAIT,
    )
    qtbot.waitUntil(lambda: "declined at checkout" in window.timeline.reader.toPlainText())
    assert window.timeline.find_box.text() == "card declined checkout"  # the search stays
    assert snippets(window)[0] == DECLINED

    # a second search for this customer encodes only the query: no loading, no indexing
    seen.clear()
    again = search(qtbot, window, "moved house new address")
    assert again[0].snippet == "I moved house and need to change my address."
    assert [s.text for s in seen] == ["Searching…"]


def test_first_results_show_while_older_conversations_are_still_indexed(
    qtbot: Any, window: MainWindow, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    pane = window.timeline.meaning_pane
    shown: list[tuple[bool, list[int], bool]] = []
    show_hits = pane.show_hits

    def record(query: str, hits: list[SemanticHit], *, partial: bool = False) -> None:
        show_hits(query, hits, partial=partial)
        shown.append((partial, [h.interaction_id for h in hits], pane.busy.isVisible()))

    monkeypatch.setattr(pane, "show_hits", record)
    hits = search(qtbot, window, "my parcel is late")

    with world["store"].read() as s:
        newest = set(
            s.scalars(
                select(Interaction.id)
                .where(Interaction.customer_id == world["ann"])
                .order_by(Interaction.started_at.desc())
                .limit(INDEX_STEP)
            )
        )
    early = [ids for partial, ids, _ in shown if partial]
    assert early, "nothing was shown before the whole history was indexed"
    assert set(early[0]) <= newest  # what was indexed first: the newest conversations
    assert all(busy for partial, _, busy in shown if partial)  # still working, and it says so
    assert shown[-1][0] is False and not pane.busy.isVisible()
    assert len(hits) > len(early[0])  # the final answer covers the whole history


def test_switching_off_brings_back_the_words_filter(
    qtbot: Any, window: MainWindow, world: dict[str, Any]
) -> None:
    search(qtbot, window, "parcel 42")
    before = window.timeline_model.rowCount()
    with qtbot.waitSignal(window.timeline_model.page_arrived, timeout=WAIT):
        window.timeline.set_meaning(False)
    assert not window.timeline.meaning_pane.isVisible()
    assert window.timeline.current_filter().text == "parcel 42"
    assert 0 < window.timeline_model.rowCount() < before
    assert all("parcel 42" in i.snippet for i in window.timeline_model.items())


def test_the_latest_query_wins(qtbot: Any, window: MainWindow, world: dict[str, Any]) -> None:
    window.timeline.set_meaning(True)
    shown: list[list[SemanticHit]] = []
    window.meaning.shown.connect(shown.append)
    for query in ("parcel late", "opening hours", "card declined checkout"):
        window.meaning.search(query)  # each overtakes the last while the helper loads
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT)
    qtbot.wait(300)
    assert len(shown) == 1 and shown[0][0].interaction_id == world["declined"]
    assert "card declined checkout" in window.timeline.meaning_pane.status.text()


def test_another_customer_clears_the_results_and_searches_their_history(
    qtbot: Any, window: MainWindow, world: dict[str, Any]
) -> None:
    search(qtbot, window, "card declined checkout")
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT):
        window.open_customer(world["sue"])
    pane = window.timeline.meaning_pane
    assert pane.model.rowCount() == 0 and window.timeline.find_box.text() == ""
    assert pane.isVisible()  # the mode stays on: the agent searches Sue the same way
    hits = search(qtbot, window, "parcel late")
    with world["store"].read() as s:
        owners = {s.get(Interaction, h.interaction_id).customer_id for h in hits}  # type: ignore[union-attr]
    assert owners == {world["sue"]}


def test_closing_the_window_stops_the_helper(
    qtbot: Any, window: MainWindow, world: dict[str, Any]
) -> None:
    search(qtbot, window, "opening hours")
    pid = window.meaning.helper_pid
    assert pid is not None and pid != os.getpid() and not gone(pid)
    window.close()
    assert window.meaning.searcher is not None and not window.meaning.searcher.is_running()
    assert gone(pid)


def test_closing_while_the_model_loads_ends_the_helper_at_once(
    qtbot: Any, world: dict[str, Any]
) -> None:
    window = make_window(qtbot, world, None)  # the app's own helper: MiniLM, seconds to load
    window.timeline.focus_meaning()
    qtbot.keyClicks(window.timeline.find_box, "my payment got refused")
    qtbot.waitUntil(lambda: window.meaning.helper_pid is not None, timeout=WAIT)
    assert window.timeline.meaning_pane.status.text() == LOADING
    pid = window.meaning.helper_pid
    assert pid is not None
    started = time.perf_counter()
    window.close()
    assert time.perf_counter() - started < 5  # not the seconds the model takes to load
    assert gone(pid)


def test_a_helper_that_cannot_start_falls_back_to_the_words(
    qtbot: Any, world: dict[str, Any]
) -> None:
    window = make_window(qtbot, world, failing_search_host)
    timeline = window.timeline
    timeline.focus_meaning()
    with qtbot.waitSignal(window.meaning.unavailable, timeout=WAIT) as failed:
        qtbot.keyClicks(timeline.find_box, "parcel 42")
    assert failed.args[0] == "Search by meaning is unavailable: the model folder is empty"
    pane = timeline.meaning_pane
    assert pane.isVisible() and not pane.list.isVisible()
    assert pane.status.text().startswith("Search by meaning is unavailable: the model folder")
    assert "every-word matches instead" in pane.status.text()
    assert not timeline.by_meaning() and timeline.current_filter().text == "parcel 42"
    qtbot.waitUntil(
        lambda: (
            window.timeline_model.rowCount() > 0
            and all("parcel 42" in i.snippet for i in window.timeline_model.items())
        ),
        timeout=WAIT,
    )
    pid = window.meaning.helper_pid
    assert pid is not None and gone(pid)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_helper_that_dies_falls_back_and_the_next_search_starts_another(
    qtbot: Any, window: MainWindow, world: dict[str, Any]
) -> None:
    search(qtbot, window, "opening hours")
    pid = window.meaning.helper_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with qtbot.waitSignal(window.meaning.unavailable, timeout=WAIT) as failed:
        window.meaning.search("card declined")
    assert "exit code -9" in failed.args[0] and not window.timeline.by_meaning()
    hits = search(qtbot, window, "card declined checkout")  # switched on again: a new helper
    assert hits[0].interaction_id == world["declined"]
    assert window.meaning.helper_pid not in (None, pid) and gone(pid)


def test_an_in_memory_database_says_search_by_meaning_is_unavailable(qtbot: Any) -> None:
    store = open_store("sqlite://")  # another process cannot open it
    try:
        searcher = SemanticSearcher(store, hd.agent_principal(store))
        with qtbot.waitSignal(searcher.failed, timeout=WAIT) as failed:
            searcher.search([1], "parcel")
        assert "in memory" in failed.args[0]
        assert not searcher.is_running() and searcher.helper_pid is None
    finally:
        store.dispose()


def test_the_hits_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = HitsModel()
    hit = SemanticHit(1, 2, hd.T0, "call", None, "My card was declined.", "customer", 0.7, True)
    model.set_hits([hit, SemanticHit(3, 2, hd.T0, "fax", "Re: order", "Where is it?", None, 0.35)])
    qtmodeltester.check(model)
    first = model.index(0, 0).data(ItemRole)
    assert (first.title, first.snippet) == ("Call", "Customer: My card was declined.")
    assert first.meta == "close match · has every word"
    second = model.index(1, 0).data(ItemRole)
    assert (second.channel, second.title, second.meta) == ("web", "Re: order", "related")


@pytest.mark.slow
def test_the_real_model_finds_the_paraphrase_and_torch_stays_out_of_the_window(
    qtbot: Any, world: dict[str, Any]
) -> None:
    torch_here = "torch" in sys.modules  # another test of this run may have loaded it
    window = make_window(qtbot, world, None)  # the app's own helper: MiniLM
    hits = search(qtbot, window, "my payment got refused", timeout=MODEL_WAIT)
    assert hits[0].interaction_id == world["declined"]
    assert snippets(window)[0] == DECLINED
    pid = window.meaning.helper_pid
    assert pid is not None and pid != os.getpid()
    if sys.platform.startswith("linux"):
        assert "libtorch" in Path(f"/proc/{pid}/maps").read_text()  # the model is over there
    assert ("torch" in sys.modules) == torch_here  # and not here
    assert ("sentence_transformers" in sys.modules) == torch_here
    window.close()
    assert gone(pid)
    with world["store"].read() as s:  # the helper kept the vectors for the next session
        kept = s.scalars(select(Embedding.model).where(Embedding.customer_id == world["ann"]))
        assert list(kept) == ["minilm"] * (len(HISTORY) + FILLER)


@pytest.mark.slow
def test_sayonce_run_finds_by_meaning_and_saves_the_results(
    world: dict[str, Any], tmp_path: Path
) -> None:
    shot = tmp_path / "meaning.png"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SAYONCE_OS_USER_MAP": f"{getpass.getuser()}={world['me'].username}",
    }
    argv = ["run", "--db", world["url"], "--customer", f"C-{world['ann']:06d}", "--no-models"]
    argv += ["--find", "my payment got refused", "--by-meaning", "--screenshot", str(shot)]
    done = subprocess.run(
        [sys.executable, "-m", "sayonce", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]  # 1 if search by meaning had failed
    assert QImage(str(shot)).size().toTuple() == (1440, 900)
    with world["store"].read() as s:  # the search ran: Ann's history was indexed
        kept = s.scalars(
            select(Embedding.interaction_id).where(Embedding.customer_id == world["ann"])
        )
        assert len(list(kept)) == len(HISTORY) + FILLER


@pytest.mark.slow
def test_the_desktop_semantic_benchmark_runs_on_a_small_database(tmp_path: Path) -> None:
    import sayonce.bench.desktop  # noqa: F401  (registers the benchmarks)
    from sayonce.bench import REGISTRY, Context

    ctx = Context(workdir=tmp_path, scale=1500, quick=True)
    by_name = {r.name.split(",")[0]: r for r in REGISTRY["desktop.semantic"](ctx)}
    first = by_name["first search by meaning"]
    assert first.unit == "s" and first.median > 0 and "model ready after" in first.note
    assert by_name["event-loop stall during the first search by meaning (max)"].median > 0
    warm = by_name["warm search by meaning: query → hits on screen"]
    assert 0 < warm.median <= (warm.p95 or 0)
