"""The timeline panel: channel filters, search in the customer, jump to a date, list, reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sayonce.history.detail import ItemDetail
from sayonce.history.items import TimelineFilter, TimelineItem
from sayonce.ui import themes
from sayonce.ui.detail_html import detail_html, hint_html
from sayonce.ui.flow_layout import FlowLayout
from sayonce.ui.icons import icon
from sayonce.ui.semantic_panel import MeaningPane
from sayonce.ui.timeline_delegate import TimelineDelegate
from sayonce.ui.timeline_model import ItemRole, TimelineModel

FIND_DELAY_MS = 250
CHIP_ROWS_WITH_LABELS = 2  # narrower than that: the filter chips show their icons only


@dataclass(frozen=True)
class FilterGroup:
    """One filter chip: a label, its icon and the channel/kind keys it shows."""

    label: str
    icon: str
    keys: frozenset[str]


GROUPS = (
    FilterGroup("Calls", "call", frozenset({"call"})),
    FilterGroup("Chats", "chat", frozenset({"chat", "sms"})),
    FilterGroup("Email", "email", frozenset({"email"})),
    FilterGroup("Social", "social", frozenset({"social"})),
    FilterGroup("Web && store", "web", frozenset({"web", "store"})),
    FilterGroup("Orders", "order", frozenset({"order"})),
    FilterGroup("Surveys", "survey", frozenset({"survey"})),
    FilterGroup("Loyalty", "loyalty", frozenset({"loyalty", "campaign"})),
    FilterGroup("Notes", "note", frozenset({"note", "case"})),
)


class TimelineView(QWidget):
    """Everything under the profile header: the customer's history, filtered and searchable."""

    filter_changed = Signal(object)  # TimelineFilter
    jump_requested = Signal(object)  # datetime (UTC) or None for "newest"
    expand_requested = Signal(object)  # TimelineItem
    meaning_toggled = Signal(bool)  # "By meaning" switched on or off
    meaning_requested = Signal(str)  # search by meaning for this text ("" = nothing typed)

    def __init__(self, model: TimelineModel, parent: QWidget | None = None) -> None:
        """Show ``model``."""
        super().__init__(parent)
        self.model = model
        self.chips: list[QToolButton] = []
        self._chip_widths: list[int] = []
        self._find_timer = QTimer(self, singleShot=True, interval=FIND_DELAY_MS)
        self._find_timer.timeout.connect(self._find_now)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 6)
        layout.setSpacing(8)
        layout.addLayout(self._title_row())
        layout.addLayout(self._chip_row())
        self.list = self._list_view()
        self.reader = QTextBrowser(self)
        self.reader.setAccessibleName("Item reader")
        self.reader.setOpenLinks(False)
        self.reader.setHtml(hint_html(themes.current()))
        self.meaning_pane = MeaningPane(self)  # results of a search by meaning, over the list
        self.results_split = QSplitter(Qt.Orientation.Vertical, self)
        self.results_split.setObjectName("meaningSplit")
        self.results_split.addWidget(self.meaning_pane)
        self.results_split.addWidget(self.list)
        self.results_split.setChildrenCollapsible(False)
        self._meaning_sized = False
        self.split = QSplitter(Qt.Orientation.Vertical, self)
        self.split.setObjectName("timelineSplit")
        self.split.addWidget(self.results_split)
        self.split.addWidget(self.reader)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)
        layout.addWidget(self.split, 1)
        # one highlighted row at a time: a hit, or a timeline item (the reading pane shows it)
        self.meaning_pane.hit_selected.connect(lambda _item: self.list.clearSelection())
        self.list.selectionModel().currentChanged.connect(
            lambda *_: self.meaning_pane.list.clearSelection()
        )
        model.loading_changed.connect(self._show_loading)
        model.modelReset.connect(self._update_count)
        model.rowsInserted.connect(self._update_count)

    # -- construction -------------------------------------------------------------------

    def _title_row(self) -> FlowLayout:
        row = FlowLayout(h_spacing=6, v_spacing=6)  # wraps beside a docked live call panel
        title = QLabel("Timeline", self)
        title.setObjectName("cardTitle")
        self.count = QLabel("", self)
        self.count.setObjectName("muted")
        self.find_box = QLineEdit(self)
        self.find_box.setPlaceholderText("Search this customer's history  (Ctrl+F)")
        self.find_box.setAccessibleName("Search this customer's history")
        self.find_box.setClearButtonEnabled(True)
        self._find_icon = self.find_box.addAction(
            icon("search", themes.current().color("muted")),
            QLineEdit.ActionPosition.LeadingPosition,
        )
        self.find_box.textEdited.connect(lambda _text: self._find_timer.start())
        self.find_box.returnPressed.connect(self._find_now)
        self.meaning = QToolButton(self)
        self.meaning.setObjectName("chip")
        self.meaning.setCheckable(True)
        self.meaning.setText("By meaning")
        self.meaning.setToolTip("Search by what was meant, not only the words typed (Ctrl+Shift+F)")
        self.meaning.setAccessibleName("Search by meaning")
        self.meaning.toggled.connect(self._meaning_toggled)
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMM yyyy")
        self.date.setDate(QDate.currentDate())
        self.date.setAccessibleName("Jump to date")
        self.date.setToolTip("Jump to a date (Ctrl+G, then Enter)")
        self.date.editingFinished.connect(self._jump)
        self.newest = QPushButton("Newest", self)
        self.newest.setToolTip("Back to the newest items (Home)")
        self.newest.setAccessibleName("Back to the newest items")
        self.newest.clicked.connect(lambda: self.jump_requested.emit(None))
        row.addWidget(title)
        row.addWidget(self.count)
        row.addWidget(self.find_box)  # expanding: takes the row's spare width
        row.addWidget(self.meaning)
        row.addWidget(self.date)
        row.addWidget(self.newest)
        return row

    def _chip_row(self) -> FlowLayout:
        row = FlowLayout(h_spacing=6, v_spacing=6)  # chips wrap rather than lose their labels
        for number, group in enumerate(GROUPS, start=1):
            chip = QToolButton(self)
            chip.setObjectName("chip")
            chip.setCheckable(True)
            chip.setText(group.label)
            chip.setIcon(icon(group.icon, themes.current().kind_color(group.icon)))
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            label = group.label.replace("&&", "&")
            chip.setToolTip(f"Show only {label.lower()} (Ctrl+{number}); Ctrl+0 shows all")
            chip.setAccessibleName(f"Filter: {label}")
            chip.toggled.connect(self._emit_filter)
            self.chips.append(chip)
            row.addWidget(chip)
        return row

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Filter chips keep their labels on up to two rows, else show icons (and tooltips)."""
        super().resizeEvent(event)
        self._fit_chips(event.size().width())

    def _fit_chips(self, width: int) -> None:
        text_style = Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        if not self._chip_widths or self.chips[0].toolButtonStyle() == text_style:
            self._chip_widths = [chip.sizeHint().width() for chip in self.chips]
        layout = self.layout()
        room, rows, x = width, 1, 0
        if layout is not None:
            room -= layout.contentsMargins().left() + layout.contentsMargins().right()
        for chip_width in self._chip_widths:
            if x and x + 6 + chip_width > room:
                rows, x = rows + 1, chip_width
            else:
                x += (6 if x else 0) + chip_width
        labels = rows <= CHIP_ROWS_WITH_LABELS
        style = text_style if labels else Qt.ToolButtonStyle.ToolButtonIconOnly
        for chip in self.chips:
            if chip.toolButtonStyle() != style:
                chip.setToolButtonStyle(style)
                chip.setProperty("iconOnly", not labels)  # narrower padding (desktop.qss)
                chip.style().unpolish(chip)
                chip.style().polish(chip)

    def _list_view(self) -> QListView:
        view = QListView(self)
        view.setModel(self.model)
        view.setItemDelegate(TimelineDelegate(view))
        view.setUniformItemSizes(True)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setMouseTracking(True)
        view.setAccessibleName("Customer timeline")
        view.activated.connect(self._expand_index)
        view.doubleClicked.connect(self._expand_index)
        return view

    def apply_theme(self) -> None:
        """Redraw icons and the reading pane in the current theme's colours."""
        theme = themes.current()
        self._find_icon.setIcon(icon("search", theme.color("muted")))
        for group, chip in zip(GROUPS, self.chips, strict=True):
            chip.setIcon(icon(group.icon, theme.kind_color(group.icon)))
        self.list.viewport().update()
        self.meaning_pane.list.viewport().update()

    # -- filters ------------------------------------------------------------------------

    def current_filter(self) -> TimelineFilter:
        """The filter the controls describe."""
        chosen = [g.keys for g, chip in zip(GROUPS, self.chips, strict=True) if chip.isChecked()]
        keys = frozenset().union(*chosen) if chosen else None
        words = "" if self.by_meaning() else self.find_box.text().strip()
        return TimelineFilter(keys=keys, text=words)

    def _emit_filter(self) -> None:
        self._find_timer.stop()
        self.filter_changed.emit(self.current_filter())

    def _find_now(self) -> None:
        """What was typed in the find box: a words filter, or a search by meaning."""
        if self.by_meaning():
            self._find_timer.stop()
            self.meaning_requested.emit(self.find_box.text().strip())
        else:
            self._emit_filter()

    # -- search by meaning --------------------------------------------------------------

    def by_meaning(self) -> bool:
        """Whether the find box searches by meaning (else: every word, as a filter)."""
        return self.meaning.isChecked()

    def set_meaning(self, on: bool) -> None:
        """Switch "By meaning" on or off (as the toggle does)."""
        self.meaning.setChecked(on)

    def focus_meaning(self) -> None:
        """Search by meaning and put the cursor in the find box (Ctrl+Shift+F)."""
        self.set_meaning(True)
        self.focus_find()

    def show_meaning_pane(self, visible: bool) -> None:
        """Show the results of a search by meaning above the timeline list (or hide them)."""
        self.meaning_pane.setVisible(visible)
        if visible and not self._meaning_sized:
            self._meaning_sized = True
            total = max(1, sum(self.results_split.sizes()))
            self.results_split.setSizes([total * 3 // 5, total * 2 // 5])

    def search_for(self, text: str, by_meaning: bool = False) -> None:
        """Search this customer's history for ``text`` now, as if typed (``sayonce run --find``)."""
        self.set_meaning(by_meaning)
        self.find_box.setText(text)
        self._find_now()

    def _meaning_toggled(self, on: bool) -> None:
        self._find_timer.stop()
        self.find_box.setPlaceholderText(
            "Search by meaning, e.g. “payment refused”  (Ctrl+Shift+F)"
            if on
            else "Search this customer's history  (Ctrl+F)"
        )
        if self.find_box.text().strip():  # the words filter goes (on) or comes back (off)
            self.filter_changed.emit(self.current_filter())
        self.meaning_toggled.emit(on)
        if on:
            self.meaning_requested.emit(self.find_box.text().strip())

    def clear_chips(self) -> None:
        """Uncheck every filter chip without reloading (the caller reloads)."""
        for chip in self.chips:
            chip.blockSignals(True)
            chip.setChecked(False)
            chip.blockSignals(False)

    def toggle_group(self, number: int) -> None:
        """Toggle chip ``number`` (1-based), as Ctrl+number does."""
        if 1 <= number <= len(self.chips):
            self.chips[number - 1].toggle()

    def clear_filters(self) -> None:
        """Show everything again (Ctrl+0)."""
        changed = False
        for chip in self.chips:
            if chip.isChecked():
                chip.blockSignals(True)
                chip.setChecked(False)
                chip.blockSignals(False)
                changed = True
        if changed:
            self._emit_filter()

    def reset_controls(self) -> None:
        """A new customer: no filter, empty search, the reading pane back to its hint."""
        for chip in self.chips:
            chip.blockSignals(True)
            chip.setChecked(False)
            chip.blockSignals(False)
        self.find_box.clear()
        self._find_timer.stop()
        self.reader.setHtml(hint_html(themes.current()))

    def focus_find(self) -> None:
        """Put the cursor in the find-in-customer box (Ctrl+F)."""
        self.find_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_box.selectAll()

    def _jump(self) -> None:
        day = self.date.date().toPython()
        assert isinstance(day, date)
        end_of_day = datetime.combine(day, time.max).astimezone(UTC)
        self.jump_requested.emit(end_of_day)

    # -- moving and reading -------------------------------------------------------------

    def current_item(self) -> TimelineItem | None:
        """The selected item."""
        index = self.list.currentIndex()
        return index.data(ItemRole) if index.isValid() else None

    def select_row(self, row: int) -> None:
        """Select ``row`` and scroll to it."""
        index = self.model.index(row, 0)
        if index.isValid():
            self.list.setCurrentIndex(index)
            self.list.scrollTo(index)

    def step(self, delta: int) -> None:
        """Select the next (``+1``) or previous (``-1``) item, as J/K do."""
        if self.model.rowCount() == 0:
            return
        current = self.list.currentIndex().row()
        row = 0 if current < 0 else max(0, min(self.model.rowCount() - 1, current + delta))
        self.select_row(row)
        if row >= self.model.rowCount() - 3 and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())

    def expand_current(self) -> None:
        """Open the selected item in the reading pane (Enter)."""
        item = self.current_item()
        if item is not None:
            self.expand_requested.emit(item)

    def _expand_index(self, index: QModelIndex) -> None:
        item = index.data(ItemRole)
        if item is not None:
            self.expand_requested.emit(item)

    def show_detail(self, detail: ItemDetail | None) -> None:
        """Fill the reading pane."""
        if detail is None:
            self.reader.setHtml("<p>This item no longer exists.</p>")
        else:
            self.reader.setHtml(detail_html(detail, themes.current()))

    def _show_loading(self, _loading: bool) -> None:
        self._update_count()

    def _update_count(self, *_args: object) -> None:
        shown = self.model.rowCount()
        if self.model.loading:
            self.count.setText(f"{shown:,} items · loading…" if shown else "loading…")
        elif shown or not self.model.exhausted:
            self.count.setText(f"{shown:,}{'' if self.model.exhausted else '+'} items")
        else:
            self.count.setText("No items")

    @staticmethod
    def shortcut_help() -> list[tuple[str, str]]:
        """The keys this panel answers to (documented in docs/desktop.md)."""
        return [
            (QKeySequence("Ctrl+F").toString(), "search this customer's history"),
            (QKeySequence("Ctrl+Shift+F").toString(), "search this customer's history by meaning"),
            ("J / K, Alt+Down / Alt+Up", "next / previous item"),
            ("Enter", "read the selected item in full"),
            ("Ctrl+1 … Ctrl+9", "show only one kind of item (toggle)"),
            ("Ctrl+0", "show everything"),
            ("Ctrl+G", "jump to a date"),
            ("Home", "back to the newest items"),
        ]
