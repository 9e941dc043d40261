"""The agent desktop, driven like an agent would: pytest-qt, offscreen, on a real SQLite store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import select

from sayonce.history.desk import Desk
from sayonce.intake.events import CallStarted
from sayonce.store import Interaction, Note, open_store
from sayonce.ui import tasks, themes
from sayonce.ui.main_window import MainWindow
from sayonce.ui.screen_pop import PickListDialog
from sayonce.ui.search_box import CustomerHitsModel
from sayonce.ui.told_us_panel import ToldUsModel
from tests import historydata as hd

WAIT = 5000


@pytest.fixture(autouse=True)
def no_threads_or_timers_left(qapp: QApplication) -> Any:
    """Fail a test that leaves a worker thread or an active QTimer behind (napari's rule)."""
    yield
    qapp.processEvents()
    threads = [r for r in tasks.RUNNERS if r.running()]
    timers = [
        t.objectName() or repr(t)
        for w in qapp.allWidgets()
        for t in w.findChildren(QTimer)
        if t.isActive()
    ]
    assert not threads, f"worker threads still running: {threads}"
    assert not timers, f"timers still active: {timers}"


@pytest.fixture(autouse=True)
def light_theme(qapp: QApplication) -> None:
    themes.apply(qapp, "light")


@pytest.fixture
def world(sqlite_url: str) -> Any:
    store = open_store(sqlite_url)
    me = hd.agent_principal(store)
    ann = hd.customer(store, "Ann Lee", phone="+14155550101", email="ann@example.com")
    ids = hd.interactions(store, ann, 120, step=timedelta(hours=5))
    hd.other_sources(store, ann, at=hd.T0 + timedelta(days=3))
    hd.fact(store, ann, ids[3], "promise", "we will call you back Friday", at=hd.T0)
    hd.fact(store, ann, ids[100], "problem", "the parcel is late", at=hd.T0 + timedelta(days=20))
    sam = hd.customer(store, "Sam Twin", phone="+14155550177")
    sue = hd.customer(store, "Sue Twin", phone="+14155550177")
    hd.interactions(store, sue, 3)
    world = {
        "store": store,
        "url": sqlite_url,
        "me": me,
        "ann": ann,
        "ids": ids,
        "sam": sam,
        "sue": sue,
    }
    yield world
    store.dispose()


@pytest.fixture
def window(qtbot: Any, world: dict[str, Any]) -> MainWindow:
    desk = Desk(world["store"], world["me"])
    win = MainWindow(desk, load_models=False, poll_ms=100)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def open_ann(qtbot: Any, window: MainWindow, world: dict[str, Any]) -> None:
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT) as blocker:
        window.open_customer(world["ann"])
    assert blocker.args == [world["ann"]]


def test_opening_a_customer_shows_header_timeline_and_facts(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)
    assert window.header.name.text() == "Ann Lee"
    assert "C-" in window.header.subtitle.text()
    badges = [
        w.text()
        for w in window.header.findChildren(QLabel)
        if w.objectName() == "badge" and not w.isHidden()
    ]
    assert "Gold" in badges and f"Case K-{world['ann']:04d} · open" in badges
    assert window.timeline_model.rowCount() == 50
    assert window.timeline_model.item(0).at >= window.timeline_model.item(49).at
    assert [f.kind for f in window.told_us.model.facts()] == ["promise", "problem"]
    assert window.windowTitle().startswith("Ann Lee")


def test_scrolling_fetches_more_pages_until_everything_is_loaded(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)
    model = window.timeline_model
    assert model.canFetchMore(QModelIndex())
    for expected in (100, 126):
        window.timeline.list.scrollToBottom()
        model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda n=expected: model.rowCount() == n, timeout=WAIT)
    assert model.exhausted and not model.canFetchMore(QModelIndex())
    keys = [i.cursor for i in model.items()]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == 126


def test_item_models_pass_the_model_tester(qtbot, qtmodeltester, window, world) -> None:
    open_ann(qtbot, window, world)
    qtmodeltester.check(window.timeline_model)
    qtmodeltester.check(window.told_us.model)
    hits = CustomerHitsModel()
    with window.desk.store.read() as session:  # type: ignore[union-attr]
        from sayonce.history.search import find_customers

        hits.set_hits(find_customers(session, "twin"))
    assert hits.rowCount() == 2
    qtmodeltester.check(hits)
    qtmodeltester.check(ToldUsModel())


def test_filters_and_show_all(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)
    model = window.timeline_model
    window.timeline.toggle_group(1)  # calls
    qtbot.waitUntil(lambda: model.rowCount() and {i.channel for i in model.items()} == {"call"})
    window.timeline.toggle_group(6)  # + orders
    qtbot.waitUntil(lambda: {i.channel for i in model.items()} == {"call", "order"})
    window.timeline.clear_filters()
    qtbot.waitUntil(lambda: len({i.channel for i in model.items()}) > 5)


def test_search_within_the_customer(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)
    qtbot.keyClicks(window.timeline.find_box, "parcel 42")
    model = window.timeline_model
    qtbot.waitUntil(lambda: [i.id for i in model.items()] == [world["ids"][42]], timeout=WAIT)


def press_enter(qtbot: Any, window: MainWindow) -> None:
    """Enter where the keyboard is: the results popup when it shows, else the box."""
    popup = window.search.completer_.popup()
    qtbot.keyClick(popup if popup.isVisible() else window.search, Qt.Key.Key_Return)


def test_customer_search_as_you_type_opens_with_enter(qtbot, window, world) -> None:
    window.focus_search()
    qtbot.keyClicks(window.search, "twin")
    qtbot.waitUntil(lambda: window.search.model.rowCount() == 2, timeout=WAIT)
    popup = window.search.completer_.popup()
    assert popup.isVisible() and popup.currentIndex().row() == 0
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    second = window.search.model.hits()[1].customer_id
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT) as blocker:
        press_enter(qtbot, window)
    assert blocker.args == [second]
    window.focus_search()
    qtbot.keyClicks(window.search, "415-555-0101")
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT) as blocker:
        press_enter(qtbot, window)  # at once: the box opens the first hit when it arrives
    assert blocker.args == [world["ann"]]


def test_screen_pop_one_match_opens_the_profile(qtbot, window, world) -> None:
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT) as blocker:
        window.incoming("(415) 555-0101")
    assert blocker.args == [world["ann"]]


def test_screen_pop_several_matches_offer_a_pick_list(qtbot, window, world) -> None:
    window.incoming("+1 415 555 0177")
    qtbot.waitUntil(lambda: isinstance(getattr(window, "pick_dialog", None), PickListDialog))
    dialog = window.pick_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert {h.customer_id for h in dialog.model.hits()} == {world["sam"], world["sue"]}
    row = [h.customer_id for h in dialog.model.hits()].index(world["sue"])
    dialog.list.setCurrentIndex(dialog.model.index(row, 0))
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT) as blocker:
        dialog.accept()
    assert blocker.args == [world["sue"]]


def test_screen_pop_unknown_contact_creates_an_unverified_profile(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)  # a gold customer first: nothing of hers may stay on screen
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT) as blocker:
        window.incoming("+1 212 555 0100")
    created = blocker.args[0]
    assert created not in (world["ann"], world["sam"], world["sue"])
    assert window.view is not None and window.view.profile.unverified
    badges = [
        w.text()
        for w in window.header.findChildren(QLabel)
        if w.objectName() == "badge" and not w.isHidden()
    ]
    assert "Unverified profile" in badges and "Gold" not in badges
    assert window.header.name.text() == "Unverified contact"
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT) as again:
        window.incoming("212-555-0100")
    assert again.args == [created]


def test_live_intake_events_from_another_thread_pop_the_caller(qtbot, window, world) -> None:
    class Hub:
        def __init__(self) -> None:
            self.callbacks: list[Any] = []

        def subscribe(self, callback: Any) -> Any:
            self.callbacks.append(callback)
            return lambda: self.callbacks.remove(callback)

    hub = Hub()
    window.intake.attach(hub)
    event = CallStarted.model_validate(
        {"call_id": "c1", "from": "+14155550101", "at": datetime.now(UTC)}
    )
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT) as blocker:
        thread = threading.Thread(target=lambda: [cb(event) for cb in hub.callbacks])
        thread.start()
        thread.join()
    assert blocker.args == [world["ann"]]


def test_notes_autosave_while_typing_and_show_in_the_timeline(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)
    qtbot.keyClicks(window.notes.edit, "Customer prefers a callback")
    qtbot.waitUntil(lambda: window.notes.status.text().startswith("Saved"), timeout=WAIT)
    top = window.timeline_model.item(0)
    assert top.kind == "note" and top.snippet == "Customer prefers a callback"
    qtbot.keyClicks(window.notes.edit, " after 5pm")
    qtbot.waitUntil(
        lambda: window.timeline_model.item(0).snippet == "Customer prefers a callback after 5pm",
        timeout=WAIT,
    )
    other = open_store(world["url"])  # another workstation reads the same database
    with other.read() as session:
        bodies = list(session.scalars(select(Note.body).where(Note.customer_id == world["ann"])))
    other.dispose()
    assert "Customer prefers a callback after 5pm" in bodies
    assert len([b for b in bodies if b.startswith("Customer prefers")]) == 1


def test_closing_the_window_flushes_the_note_being_typed(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)
    qtbot.keyClicks(window.notes.edit, "typed just before closing")
    window.close()  # before the debounce timer fires
    with world["store"].read() as session:
        bodies = list(session.scalars(select(Note.body)))
    assert "typed just before closing" in bodies


def test_keyboard_next_previous_and_enter_to_read(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)
    window.activateWindow()
    window.timeline.list.setFocus()
    assert window.timeline.list.currentIndex().row() == 0
    qtbot.keyClick(window.timeline.list, Qt.Key.Key_J)
    qtbot.keyClick(window.timeline.list, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert window.timeline.list.currentIndex().row() == 2
    qtbot.keyClick(window.timeline.list, Qt.Key.Key_K)
    assert window.timeline.list.currentIndex().row() == 1
    item = window.timeline.current_item()
    qtbot.keyClick(window.timeline.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: item.title in window.timeline.reader.toPlainText(), timeout=WAIT)


def test_a_fact_links_to_the_contact_it_came_from(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)
    promise = window.told_us.model.facts()[0]  # said in an old contact, beyond the first page
    assert window.timeline_model.row_of("interaction", promise.interaction_id) is None
    window.told_us.fact_activated.emit(promise)
    qtbot.waitUntil(
        lambda: getattr(window.timeline.current_item(), "id", None) == promise.interaction_id,
        timeout=WAIT,
    )
    qtbot.waitUntil(lambda: "my parcel 3 is late" in window.timeline.reader.toPlainText())


def test_contacts_written_elsewhere_appear_within_two_seconds(qtbot, window, world) -> None:
    open_ann(qtbot, window, world)
    other = open_store(world["url"])
    with other.write() as session:
        session.add(
            Interaction(
                customer_id=world["ann"],
                channel="call",
                started_at=datetime.now(UTC),
                body="customer: calling from another desk",
                external_id="elsewhere-1",
            )
        )
    other.dispose()
    qtbot.waitUntil(lambda: "another desk" in window.timeline_model.item(0).snippet, timeout=2000)


def test_layout_and_theme_are_remembered(qtbot, world, tmp_path, monkeypatch) -> None:
    restored: list[Any] = []
    real_restore = MainWindow.restoreGeometry
    monkeypatch.setattr(
        MainWindow, "restoreGeometry", lambda self, g: restored.append(g) or real_restore(self, g)
    )
    settings = QSettings(str(tmp_path / "desktop.ini"), QSettings.Format.IniFormat)
    desk = Desk(world["store"], world["me"])
    first = MainWindow(desk, settings=settings, load_models=False)
    qtbot.addWidget(first)
    first.show()
    first.resize(1234, 777)
    first.body.setSizes([500, 700])
    first.toggle_theme()
    assert themes.current().name == "dark"
    first.close()
    second = MainWindow(desk, settings=settings, load_models=False)
    qtbot.addWidget(second)
    second.show()
    # the offscreen screen is 800 px wide, so Qt clamps the size: check the saved one came back
    assert restored and bytes(restored[-1]) == bytes(settings.value("geometry"))
    saved_split = settings.value("splitters/bodySplit")
    assert bytes(second.body.saveState()) == bytes(saved_split)
    assert settings.value("theme") == "dark"
    second.close()


def test_side_panel_slot_for_the_live_call_assist(qtbot, window) -> None:
    panel = QLabel("assist")
    dock = window.add_side_panel(panel, "Live call")
    qtbot.waitUntil(dock.isVisible)
    assert dock.widget() is panel and panel.isVisible()
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea


def test_controls_have_accessible_names(window) -> None:
    for widget in (
        window.search,
        window.timeline.find_box,
        window.timeline.list,
        window.timeline.date,
        window.told_us.list,
        window.notes.edit,
        *window.timeline.chips,
    ):
        assert widget.accessibleName(), widget


def test_calls_posted_to_the_loopback_intake_pop_the_caller(qtbot, window, world) -> None:
    import json
    import urllib.request

    from sayonce.ui.live_intake import LiveIntake

    live = LiveIntake(world["store"], listen="127.0.0.1:0")
    where = live.start()
    try:
        window.intake.attach(live.hub)
        host, port = live._server.address  # type: ignore[union-attr]
        assert str(port) in where
        event = {
            "type": "call_started",
            "call_id": "live-1",
            "from": "+14155550101",
            "at": datetime.now(UTC).isoformat(),
        }
        request = urllib.request.Request(
            f"http://{host}:{port}/events", data=json.dumps(event).encode(), method="POST"
        )
        with qtbot.waitSignal(window.customer_shown, timeout=WAIT) as blocker:
            urllib.request.urlopen(request, timeout=5).read()
        assert blocker.args == [world["ann"]]
    finally:
        window.intake.detach()
        live.stop()


def test_the_brief_puts_open_promises_first_without_repeats() -> None:
    from sayonce.nlp.brief import Brief, BriefPoint
    from sayonce.ui.brief import brief_lines

    def point(kind: str, text: str) -> BriefPoint:
        return BriefPoint(kind, text, 1, "2025-03-01T09:00:00+00:00", "call", 0, 0, len(text))

    brief = Brief(
        customer_ids=[1],
        open_promises=[point("promise", "We will call you back Friday.")],
        points=[
            point("issue", "The parcel is late."),
            point("promise", "We will call you back Friday."),
            point("action", "Refund approved."),
        ],
    )
    assert brief_lines(brief) == [
        "Promised: We will call you back Friday.",
        "The parcel is late.",
        "Action: Refund approved.",
    ]


@pytest.mark.postgres
def test_a_banner_shows_while_the_database_is_away(qtbot, pg_server, pg_url) -> None:
    store = open_store(pg_url)
    me = hd.agent_principal(store)
    ann = hd.customer(store, "Ann Lee", phone="+14155550101")
    win = MainWindow(Desk(store, me), load_models=False, poll_ms=60_000)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.customer_shown, timeout=WAIT):
        win.open_customer(ann)
    pg_server.pause()
    try:
        win.refresh()  # the next query fails: the window looks at the connection at once
        qtbot.waitUntil(win.banner.isVisible, timeout=30_000)
        assert "cannot be reached" in win.banner.text()
    finally:
        pg_server.resume()
    qtbot.waitUntil(lambda: not win.banner.isVisible(), timeout=30_000)
    win.close()
    store.dispose()
