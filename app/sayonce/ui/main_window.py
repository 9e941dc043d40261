"""The agent desktop: search, screen pop, profile header, timeline, "already told us", notes.

Every database call runs on one worker (:class:`~sayonce.ui.tasks.TaskRunner`); the NLP models
load on another after the window is shown. The window only ever renders results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from sayonce.history.customer_view import CustomerView
from sayonce.history.desk import Desk
from sayonce.history.items import RANK, Cursor, ItemKind, TimelineFilter, TimelineItem
from sayonce.history.notes import SavedNote, note_item
from sayonce.history.search import CustomerHit
from sayonce.history.timeline import TimelinePage, cursor_before
from sayonce.history.told_us import ToldUs
from sayonce.trust.health import ConnectionState
from sayonce.ui import brief, themes
from sayonce.ui.icons import icon, pixmap
from sayonce.ui.notes_editor import NotesEditor
from sayonce.ui.profile_header import ProfileHeader
from sayonce.ui.screen_pop import (
    IncomingContactDialog,
    IntakeBridge,
    PickListDialog,
    ScreenPopController,
    caller_of,
)
from sayonce.ui.search_box import CustomerSearchBox
from sayonce.ui.semantic_search import MeaningSearch
from sayonce.ui.tasks import TaskRunner
from sayonce.ui.timeline_model import TimelineModel
from sayonce.ui.timeline_view import TimelineView
from sayonce.ui.told_us_panel import ToldUsPanel
from sayonce.ui.updates import Updates

POLL_MS = 1000
DETAIL_DELAY_MS = 150
# Narrowest the timeline and the "already told us" column may get: with the live call panel
# docked (700 px or more) at 1366 px, both still fit side by side and nothing is clipped.
TIMELINE_MIN_WIDTH = 340
SIDE_MIN_WIDTH = 250


class MainWindow(QMainWindow):
    """One agent's window onto the customer history."""

    customer_shown = Signal(int)  # header, first timeline page and facts are in the widgets
    desk_ready = Signal()
    models_ready = Signal(str)
    closing = Signal()  # before the workers stop: owners of live sources stop them here

    def __init__(
        self,
        desk: Desk | None = None,
        *,
        settings: QSettings | None = None,
        poll_ms: int = POLL_MS,
        load_models: bool = True,
    ) -> None:
        """A window over ``desk`` (or none yet: call :meth:`set_desk` when the store is open)."""
        super().__init__()
        self.setWindowTitle("SayOnce")
        self.setWindowIcon(icon("logo", "#2563eb"))
        self.setMinimumSize(1100, 700)
        self.desk: Desk | None = None
        self.view: CustomerView | None = None
        self.settings = settings
        self.db = TaskRunner("sayonce-db", self)
        self.nlp = TaskRunner("sayonce-nlp", self)
        self.db.failed.connect(self._show_error)
        self.nlp.failed.connect(lambda exc: self._set_models(f"Models failed: {exc}"))
        self._filter = TimelineFilter()
        self._start: Cursor | None = None
        self._select_after_load: tuple[str, int] | None = None
        self._load_models = load_models
        self._models_status = ""
        self.opened_at = 0.0  # perf_counter of the last open request (for measurements)
        self._build()
        self._shortcuts()
        self.pops = ScreenPopController(self.db, self)
        self.pops.opened.connect(self.show_view)
        self.pops.pick.connect(self._pick)
        self.pops.created.connect(self._created)
        self.pops.failed.connect(self._show_error)
        self.intake = IntakeBridge(self)
        self.intake.received.connect(self._intake_event)
        self.updates = Updates(self.db, poll_ms, self)
        self.updates.changed.connect(self._changed_elsewhere)
        self.updates.connection.connect(self._show_health)
        self._detail_timer = QTimer(self, singleShot=True, interval=DETAIL_DELAY_MS)
        self._detail_timer.timeout.connect(self.timeline.expand_current)
        self._restore_layout()
        if desk is not None:
            self.set_desk(desk)

    # -- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.search = CustomerSearchBox(self.db, self)
        self.search.customer_chosen.connect(self.open_customer)
        self._toolbar()
        self.header = ProfileHeader(self)
        self.timeline_model = TimelineModel(self.db, self)
        self.timeline_model.page_arrived.connect(self._page_arrived)
        self.timeline_model.load_failed.connect(self._show_error)
        self.timeline = TimelineView(self.timeline_model, self)
        self.timeline.filter_changed.connect(self._filter_changed)
        self.timeline.jump_requested.connect(self._jump)
        self.timeline.expand_requested.connect(self._expand)
        self.timeline.list.selectionModel().currentChanged.connect(
            lambda *_: self._detail_timer.start()
        )
        self.meaning = MeaningSearch(self.timeline, self)  # "By meaning", in a helper process
        self.timeline.meaning_pane.hit_selected.connect(self._expand)
        self.timeline.meaning_pane.hit_activated.connect(
            lambda item: self.show_interaction(item.id, item.at, focus=True)
        )
        timeline_card = QWidget(self)
        timeline_card.setObjectName("card")
        timeline_card.setMinimumWidth(TIMELINE_MIN_WIDTH)
        card_layout = QVBoxLayout(timeline_card)
        card_layout.setContentsMargins(0, 0, 0, 0)
        card_layout.addWidget(self.timeline)
        self.told_us = ToldUsPanel(self)
        self.told_us.fact_activated.connect(self._show_fact_source)
        self.notes = NotesEditor(self.db, self)
        self.notes.saved.connect(self._note_saved)
        self.side = QSplitter(Qt.Orientation.Vertical, self)
        self.side.setObjectName("sideSplit")
        self.side.addWidget(self.told_us)
        self.side.addWidget(self.notes)
        self.side.setMinimumWidth(SIDE_MIN_WIDTH)
        self.side.setStretchFactor(0, 3)
        self.side.setStretchFactor(1, 1)
        self.side.setSizes([560, 200])
        self.body = QSplitter(Qt.Orientation.Horizontal, self)
        self.body.setObjectName("bodySplit")
        self.body.addWidget(timeline_card)
        self.body.addWidget(self.side)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 2)
        self.body.setSizes([960, 400])
        customer_page = QWidget(self)
        page_layout = QVBoxLayout(customer_page)
        page_layout.setContentsMargins(12, 12, 12, 8)
        page_layout.setSpacing(10)
        page_layout.addWidget(self.header)
        page_layout.addWidget(self.body, 1)
        self.customer_page = customer_page
        self.empty = QLabel(self)
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setText(
            "Find a customer with <b>Ctrl+K</b>, or take an incoming contact with <b>Ctrl+I</b>."
        )
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(customer_page)
        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Connection problem")
        self.banner.setVisible(False)
        central = QWidget(self)
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.banner)
        central_layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._status_bar()

    def _toolbar(self) -> None:
        bar = QToolBar("Main", self)
        bar.setObjectName("topBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        logo = QLabel(self)
        logo.setPixmap(pixmap("logo", "#2563eb", 26))
        bar.addWidget(logo)
        brand = QLabel("SayOnce", self)
        brand.setObjectName("brand")
        bar.addWidget(brand)
        bar.addWidget(self.search)
        spacer = QWidget(self)
        spacer.setSizePolicy(
            spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred
        )
        bar.addWidget(spacer)
        muted = themes.current().color("text")
        self.incoming_action = QAction(icon("incoming", muted), "Incoming contact", self)
        self.incoming_action.setShortcut(QKeySequence("Ctrl+I"))
        self.incoming_action.setToolTip("Simulate an incoming call or chat (Ctrl+I)")
        self.incoming_action.triggered.connect(self.simulate_incoming)
        bar.addAction(self.incoming_action)
        self.theme_action = QAction(icon("theme", muted), "Theme", self)
        self.theme_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.theme_action.setToolTip("Switch light/dark theme (Ctrl+Shift+L)")
        self.theme_action.triggered.connect(self.toggle_theme)
        bar.addAction(self.theme_action)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.agent_label = QLabel("", self)
        self.agent_label.setObjectName("muted")
        bar.addWidget(self.agent_label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _status_bar(self) -> None:
        bar = self.statusBar()
        self.db_status = QLabel("Opening the database…", self)
        self.models_status = QLabel("", self)
        self.progress = QProgressBar(self)
        self.progress.setFixedWidth(220)
        self.progress.setVisible(False)
        self.progress.setAccessibleName("Progress")
        bar.addWidget(self.db_status, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.models_status)

    def _shortcuts(self) -> None:
        keys: list[tuple[str, Callable[[], Any]]] = [
            ("Ctrl+K", self.focus_search),
            ("Ctrl+L", self.focus_search),
            ("Ctrl+F", self.timeline.focus_find),
            ("Ctrl+Shift+F", self.timeline.focus_meaning),
            ("J", lambda: self.timeline.step(1)),
            ("K", lambda: self.timeline.step(-1)),
            ("Alt+Down", lambda: self.timeline.step(1)),
            ("Alt+Up", lambda: self.timeline.step(-1)),
            ("Ctrl+G", self._focus_date),
            ("Home", lambda: self._jump(None)),
            ("Ctrl+N", self.notes.new_note),
            ("Ctrl+0", self.timeline.clear_filters),
            ("F5", self.refresh),
        ]
        for number in range(1, 10):
            keys.append((f"Ctrl+{number}", partial(self.timeline.toggle_group, number)))
        self.shortcuts = []
        for sequence, slot in keys:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    def add_side_panel(self, widget: QWidget, title: str) -> QDockWidget:
        """Dock ``widget`` on the right (e.g. the live call assist panel); returns the dock."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        if self.settings is not None:
            state = self.settings.value("windowState")
            if isinstance(state, QByteArray):
                self.restoreState(state)
        return dock

    # -- store and agent ----------------------------------------------------------------

    def set_desk(self, desk: Desk) -> None:
        """The store is open and the agent signed in: start working."""
        self.desk = desk
        self.search.set_search(desk.search)
        self.pops.set_core(desk.pop, desk.new_profile)
        who = desk.principal.display_name or desk.principal.username
        self.agent_label.setText(f"{who} · {desk.principal.role}")
        where = "PostgreSQL" if desk.store.dialect == "postgresql" else "this computer"
        self.db_status.setText(f"Connected to the customer database on {where}")
        self.updates.start(desk)
        self.meaning.set_desk(desk)
        if self._load_models:
            self._set_models("Models loading…")
            self.nlp.submit(brief.warm_up, self._models_loaded, key="warm-up")
        self.desk_ready.emit()

    def _set_models(self, text: str) -> None:
        self._models_status = text
        self.models_status.setText(text)

    def _models_loaded(self, text: str) -> None:
        self._set_models(text)
        self.models_ready.emit(text)
        if self.view is not None:
            self._request_brief()

    # -- opening customers --------------------------------------------------------------

    def open_customer(self, customer_id: int) -> None:
        """Show ``customer_id`` (the header, first page and facts load on the worker)."""
        desk = self.desk
        if desk is None:
            return
        self.opened_at = time.perf_counter()
        self.db.submit(lambda: desk.open(customer_id), self.show_view, self._show_error, key="open")

    def open_reference(self, reference: str) -> None:
        """Open the customer a ref, phone, email or id names."""
        desk = self.desk
        if desk is not None:
            self.db.submit(lambda: desk.find(reference), self._found_reference, key="open")

    def _found_reference(self, customer_id: int | None) -> None:
        if customer_id is None:
            self._show_error("No customer matches that reference.")
        else:
            self.open_customer(customer_id)

    def show_view(self, view: CustomerView) -> None:
        """Render a loaded customer."""
        desk = self.desk
        if desk is None:
            return
        self.notes.flush()
        self.view = view
        self._filter = TimelineFilter()
        self._start = None
        self._select_after_load = None
        self.timeline.reset_controls()
        self.meaning.set_customer(list(view.cluster))
        self.header.set_profile(view.profile)
        self.timeline_model.show(self._loader(), view.page)
        self.told_us.set_facts(view.told_us)
        self.notes.set_autosave(desk.autosave(view.profile.customer_id))
        self.stack.setCurrentWidget(self.customer_page)
        self.setWindowTitle(f"{view.profile.display_name} · SayOnce")
        if view.page.items:
            self.timeline.select_row(0)
        self._request_brief()
        self.customer_shown.emit(view.profile.customer_id)

    def _loader(self) -> Callable[[Cursor | None], TimelinePage]:
        desk, view, flt, start = self.desk, self.view, self._filter, self._start
        assert desk is not None and view is not None
        cluster = list(view.cluster)
        return lambda cursor: desk.page(cluster, cursor or start, flt)

    def _request_brief(self) -> None:
        desk, view = self.desk, self.view
        if desk is None or view is None:
            return
        if not self._load_models or self._models_status in ("", "Models loading…"):
            self.told_us.set_brief("Models loading… the brief appears here shortly.", pending=True)
            if not self._load_models:
                self.told_us.set_brief("Brief not loaded (models off).", pending=True)
            return
        cluster = list(view.cluster)
        self.nlp.submit(
            lambda: brief.load_brief(desk.store, cluster),
            self._show_brief,
            lambda exc: self.told_us.set_brief(f"Brief unavailable: {exc}", pending=True),
            key="brief",
        )

    def _show_brief(self, text: str) -> None:
        self.told_us.set_brief(text or "Nothing to sum up yet.", pending=not text)

    # -- timeline interactions ----------------------------------------------------------

    def _filter_changed(self, flt: TimelineFilter) -> None:
        if self.view is None:
            return
        self._filter = flt
        self.timeline_model.show(self._loader())

    def _jump(self, at: datetime | None) -> None:
        if self.view is None:
            return
        self._start = None if at is None else cursor_before(at)
        self.timeline_model.show(self._loader())
        if at is None:
            self._select_after_load = None

    def _focus_date(self) -> None:
        self.timeline.date.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _page_arrived(self, _count: int) -> None:
        target = self._select_after_load
        row = self.timeline_model.row_of(*target) if target else None
        if row is not None:
            self._select_after_load = None
            self.timeline.select_row(row)
            self.timeline.expand_current()
        elif self.timeline.list.currentIndex().row() < 0 and self.timeline_model.rowCount():
            self.timeline.select_row(0)

    def _expand(self, item: TimelineItem) -> None:
        desk = self.desk
        if desk is not None:
            self.db.submit(
                lambda: desk.detail(item.kind, item.id), self.timeline.show_detail, key="detail"
            )

    def _show_fact_source(self, fact: ToldUs | None) -> None:
        if fact is not None:
            self.show_interaction(fact.interaction_id, fact.said_at)

    def show_interaction(self, interaction_id: int, at: datetime, focus: bool = False) -> None:
        """Select an interaction in the timeline and read it (``focus``: move to the list)."""
        if self.view is None:
            return
        if focus:
            self.timeline.list.setFocus(Qt.FocusReason.OtherFocusReason)
        row = self.timeline_model.row_of(ItemKind.INTERACTION, interaction_id)
        if row is not None:
            self.timeline.select_row(row)
            self.timeline.expand_current()
            return
        # not loaded (older, or filtered out): show the timeline from that contact down
        self._filter = TimelineFilter()
        if self.timeline.by_meaning():
            self.timeline.clear_chips()  # the query and its results stay
        else:
            self.timeline.reset_controls()
        self._start = Cursor(at, RANK[ItemKind.INTERACTION], interaction_id + 1)
        self._select_after_load = (ItemKind.INTERACTION, interaction_id)
        self.timeline_model.show(self._loader())

    def _note_saved(self, note: SavedNote) -> None:
        desk = self.desk
        if desk is None or self.view is None or note.customer_id not in self.view.cluster:
            return
        author = desk.principal.display_name or desk.principal.username
        self.timeline_model.upsert(note_item(note, author))

    # -- screen pop ---------------------------------------------------------------------

    def simulate_incoming(self) -> None:
        """Ask for a caller id and pop it, as the phone system would."""
        dialog = IncomingContactDialog(self)
        if dialog.exec() and dialog.contact.text().strip():
            self.incoming(dialog.contact.text())

    def incoming(self, contact: str) -> None:
        """A contact from ``contact`` reached this agent: pop the right profile."""
        self.opened_at = time.perf_counter()
        self.db_status.setText(f"Incoming contact from {contact.strip()}…")
        self.pops.incoming(contact)

    def _pick(self, contact: str, matches: list[CustomerHit]) -> None:
        self.pick_dialog = PickListDialog(contact, matches, self)
        self.pick_dialog.accepted.connect(self._picked)
        self.pick_dialog.open()

    def _picked(self) -> None:
        chosen = self.pick_dialog.chosen()
        if chosen is not None:
            self.open_customer(chosen.customer_id)

    def _created(self, customer_id: int) -> None:
        self.db_status.setText("Unknown contact: a new unverified profile was created.")
        self.open_customer(customer_id)

    def _intake_event(self, event: object) -> None:
        contact = caller_of(event)
        if contact:
            self.incoming(contact)

    # -- staying current ----------------------------------------------------------------

    def _changed_elsewhere(self, customers: frozenset[int]) -> None:
        if self.view is not None and customers & set(self.view.cluster):
            self.refresh(newer_only=True)

    def refresh(self, newer_only: bool = False) -> None:
        """Bring the open customer up to date (F5; automatic when others write)."""
        desk, view = self.desk, self.view
        if desk is None or view is None:
            return
        cluster, flt = list(view.cluster), self._filter
        items = self.timeline_model.items()
        if not newer_only or not items or self._start is not None:
            self.db.submit(lambda: desk.facts(cluster), self.told_us.set_facts, key="facts")
            self.timeline_model.show(self._loader())
            return
        top = items[0].cursor
        self.db.submit(lambda: desk.newer(cluster, top, flt), self._newer, key="newer")
        self.db.submit(lambda: desk.facts(cluster), self.told_us.set_facts, key="facts")

    def _newer(self, answer: tuple[list[TimelineItem], bool]) -> None:
        items, complete = answer
        if complete:
            self.timeline_model.prepend(items)
        else:
            self.timeline_model.show(self._loader())

    # -- the database going away -------------------------------------------------------

    def _show_health(self, state: ConnectionState) -> None:
        was_offline = self.banner.isVisible()
        self.banner.setVisible(not state.online)
        self.banner.setText(state.message)
        if state.online and was_offline:
            self.db_status.setText("Connected again")
            self.refresh()

    # -- misc ---------------------------------------------------------------------------

    def focus_search(self) -> None:
        """Put the cursor in the customer search box (Ctrl+K)."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def toggle_theme(self) -> None:
        """Switch between the light and dark themes."""
        from PySide6.QtWidgets import QApplication

        name = "light" if themes.current().dark else "dark"
        app = QApplication.instance()
        if isinstance(app, QApplication):
            themes.apply(app, name)
        if self.settings is not None:
            self.settings.setValue("theme", name)
        self.apply_theme()

    def apply_theme(self) -> None:
        """Recolour icons and custom-painted parts after a theme change."""
        ink = themes.current().color("text")
        self.incoming_action.setIcon(icon("incoming", ink))
        self.theme_action.setIcon(icon("theme", ink))
        self.search.apply_theme()
        self.timeline.apply_theme()
        self.header.set_profile(self.header.profile)
        self.told_us.list.viewport().update()

    def set_progress(self, text: str, done: int, total: int) -> None:
        """Show long work (demo generation) in the status bar."""
        self.db_status.setText(text)
        self.progress.setVisible(done < total)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _show_error(self, message: object) -> None:
        self.db_status.setText(f"Problem: {message}")

    def _restore_layout(self) -> None:
        if self.settings is None:
            self.resize(1440, 900)
            return
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        for splitter in (self.body, self.side, self.timeline.split):
            state = self.settings.value(f"splitters/{splitter.objectName()}")
            if isinstance(state, QByteArray):
                splitter.restoreState(state)

    def save_layout(self) -> None:
        """Remember geometry, docks and splitters for next time."""
        if self.settings is None:
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        for splitter in (self.body, self.side, self.timeline.split):
            self.settings.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
        self.settings.sync()

    def shutdown(self) -> None:
        """Save the note, stop polling and both workers (idempotent)."""
        self.notes.flush()
        for timer in self.findChildren(QTimer):  # debounce timers too: nothing fires after close
            timer.stop()
        self.intake.detach()
        self.meaning.stop()
        self.db.stop()
        self.nlp.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Keep the layout and the note; end the workers before the window goes."""
        self.save_layout()
        self.closing.emit()
        self.shutdown()
        super().closeEvent(event)


__all__ = ["MainWindow"]
