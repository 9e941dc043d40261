"""The agent's live call panel: transcript, sentiment, suggestions, guided steps, wrap-up.

It renders what the assist worker sends and forwards the agent's decisions; it never waits on
the session. Keyboard: Ctrl+Enter (or A in the list) accepts the selected suggestion, Ctrl+D
(or D) dismisses it with a reason picked from a menu (keys 1-5), F6 focuses the suggestions,
Ctrl+S confirms the wrap-up. Requests waiting for a supervisor are polled every few seconds.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sayonce.assist.reasons import DismissReason
from sayonce.assist.wrap_up import DISPOSITIONS
from sayonce.privacy.redact import redact
from sayonce.ui import review_style, themes
from sayonce.ui.assist_worker import AssistWorker
from sayonce.ui.live_call_delegates import SuggestionDelegate, TranscriptDelegate
from sayonce.ui.live_call_models import SuggestionItem, SuggestionModel, TranscriptModel
from sayonce.ui.sparkline import SentimentSparkline, tone_of
from sayonce.ui.wrap_up_editor import WrapUpEditor

DISMISS_REASONS = tuple(reason.value for reason in DismissReason)
APPROVAL_POLL_MS = 2000
STEP_MARKS = {"done": "✓", "next": "➜", "todo": "○", "skipped": "–"}
STEP_TONES = {"done": "ok", "next": "accent", "todo": "muted", "skipped": "muted"}


def _card(title: str, body: QWidget, extra: QWidget | None = None) -> QFrame:
    frame = QFrame()
    frame.setObjectName("card")
    label = QLabel(title.upper())
    label.setObjectName("cardTitle")
    head = QHBoxLayout()
    head.addWidget(label)
    head.addStretch(1)
    if extra is not None:
        head.addWidget(extra)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 10)
    layout.setSpacing(6)
    layout.addLayout(head)
    layout.addWidget(body)
    return frame


def _badge(text: str = "", tone: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("badge")
    label.setProperty("tone", tone)
    return label


def _set_tone(label: QLabel, tone: str) -> None:
    label.setProperty("tone", tone)
    label.style().unpolish(label)
    label.style().polish(label)


class LiveCallPanel(QWidget):
    """Everything an agent needs during a call, updated after every utterance."""

    def __init__(self, worker: AssistWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveCallPanel")
        self.worker = worker
        self.call_id: str | None = None
        self.decided: dict[str, Any] = {}  # action_id -> Decision from a supervisor
        self._pending: set[str] = set()
        self._last_sentiment: float | None = None
        self._build()
        self._wire()
        review_style.apply(self)

    # --- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.status = _badge("Waiting for a call", "")
        self.customer = QLabel("No call")
        self.customer.setObjectName("statValue")
        self.intent = _badge("", "accent")
        self.intent.hide()
        self.sparkline = SentimentSparkline()
        self.sentiment_value = QLabel("–")
        self.sentiment_value.setObjectName("statValue")
        self.sentiment_value.setMinimumWidth(44)
        self.notice = QLabel()
        self.notice.setObjectName("banner")
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.transcript_model = TranscriptModel(self)
        self.transcript = QListView()
        self.transcript.setObjectName("transcript")
        self.transcript.setModel(self.transcript_model)
        self.transcript.setItemDelegate(TranscriptDelegate(self.transcript))
        self.transcript.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.transcript.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.transcript.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.transcript.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.transcript.setResizeMode(QListView.ResizeMode.Adjust)
        self.transcript.setAccessibleName("Transcript")
        # Stay pinned to the newest line unless the agent scrolled up to read.
        self._follow = True
        bar = self.transcript.verticalScrollBar()
        bar.valueChanged.connect(lambda value: setattr(self, "_follow", value >= bar.maximum()))
        bar.rangeChanged.connect(self._keep_following)

        self.suggestion_model = SuggestionModel(self)
        self.suggestions = QListView()
        self.suggestions.setObjectName("suggestions")
        self.suggestions.setModel(self.suggestion_model)
        self.suggestions.setItemDelegate(SuggestionDelegate(self.suggestions))
        self.suggestions.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.suggestions.setAccessibleName("Suggestions")
        self.suggestions.setMinimumHeight(220)
        self.empty = QLabel("Suggestions appear as the customer speaks.")
        self.empty.setObjectName("muted")

        self.steps = QListWidget()
        self.steps.setObjectName("steps")
        self.steps.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.steps.setAccessibleName("Guided steps")
        self.facts = QListWidget()
        self.facts.setObjectName("facts")
        self.facts.setWordWrap(True)
        self.facts.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.facts.setAccessibleName("Already told us")
        self.no_steps = QLabel("Accept an action with steps to follow it here.")
        self.no_steps.setObjectName("muted")
        self.wrap_up = WrapUpEditor(DISPOSITIONS)
        self.wrap_up.hide()

        header = QHBoxLayout()
        header.setSpacing(8)
        header.addWidget(self.customer)
        header.addWidget(self.status)
        header.addWidget(self.intent)
        header.addStretch(1)
        header.addWidget(QLabel("Sentiment"))
        header.addWidget(self.sparkline, 1)
        header.addWidget(self.sentiment_value)

        keys = QLabel("Ctrl+Enter · Ctrl+D")
        keys.setToolTip(
            "Ctrl+Enter accepts, Ctrl+D dismisses the selected suggestion (A / D when the list "
            "has the focus, F6); 1-5 pick the dismiss reason"
        )
        keys.setObjectName("muted")
        suggestions_box = QWidget()
        box = QVBoxLayout(suggestions_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.empty)
        box.addWidget(self.suggestions, 1)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(_card("Transcript", self.transcript), 1)
        column.addWidget(self.wrap_up)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(_card("Next best actions", suggestions_box, keys))
        right.addWidget(_card("Guided steps", self._with_hint(self.steps, self.no_steps)))
        right.addWidget(_card("Already told us", self.facts))
        right.setStretchFactor(0, 5)
        right.setStretchFactor(1, 2)
        right.setStretchFactor(2, 2)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(right)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 1)
        body.setChildrenCollapsible(False)
        right.setMinimumWidth(340)
        left.setMinimumWidth(300)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.notice)
        layout.addWidget(body, 1)

    def _keep_following(self, _low: int, high: int) -> None:
        if self._follow:
            self.transcript.verticalScrollBar().setValue(high)

    @staticmethod
    def _with_hint(widget: QWidget, hint: QLabel) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(hint)
        layout.addWidget(widget, 1)
        return box

    def _wire(self) -> None:
        self.worker.updated.connect(self.show_update)
        self.worker.trend.connect(self.show_trend)
        self.worker.facts.connect(self.show_facts)
        self.worker.decisions.connect(self.show_decisions)
        self.worker.wrapped.connect(self.wrap_up.saved)
        self.worker.failed.connect(self.show_problem)
        self.worker.ready.connect(lambda: self.notice.hide())
        self.wrap_up.confirmed.connect(self.worker.confirm_wrap_up)
        self.poll = QTimer(self)
        self.poll.setInterval(APPROVAL_POLL_MS)
        self.poll.timeout.connect(self.worker.poll_approvals)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("Ctrl+Return", self.accept_selected),
            ("Ctrl+Enter", self.accept_selected),
            ("Ctrl+D", self.dismiss_selected),
            ("F6", self.suggestions.setFocus),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
        for keys, slot in (("A", self.accept_selected), ("D", self.dismiss_selected)):
            shortcut = QShortcut(QKeySequence(keys), self.suggestions)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

    # --- input -----------------------------------------------------------------------------

    def post(self, event: Any) -> None:
        """An intake event (from telephony or the simulator): show it now, then assist."""
        kind = getattr(event, "type", "")
        if kind == "call_started":
            self._new_call(event)
        elif kind == "utterance" and event.text.strip():
            self.transcript_model.append(event.speaker, redact(event.text))
        elif kind == "call_ended":
            _set_tone(self.status, "")
            self.status.setText("Call ended")
        self.worker.post(event)

    def _new_call(self, event: Any) -> None:
        self.call_id = event.call_id
        self.transcript_model.clear()
        self._follow = True
        self.suggestion_model.set_items([])
        self.sparkline.clear()
        self.steps.clear()
        self.facts.clear()
        self.wrap_up.reset()
        self.wrap_up.hide()
        self.decided.clear()
        self._pending.clear()
        self._last_sentiment = None
        self.customer.setText(event.customer or "Caller " + redact(event.from_))
        self.status.setText("On call")
        _set_tone(self.status, "ok")
        self.intent.hide()

    # --- rendering -------------------------------------------------------------------------

    def show_update(self, update: Any) -> None:
        """Render one AssistUpdate from the worker."""
        if self.call_id is not None and update.call_id != self.call_id:
            return  # a late update of the previous call
        if update.customer_ref:
            self.customer.setText(update.customer_ref)
        self._show_intent(update.intent, update.intent_score)
        self._show_suggestions(update.suggestions)
        self._show_steps(update.steps)
        if update.wrap_up is not None:
            draft = update.wrap_up
            self.wrap_up.fill(update.call_id, draft.summary, draft.disposition, draft.why)
            self.wrap_up.show()

    def _show_intent(self, intent: str | None, score: float) -> None:
        self.intent.setVisible(bool(intent))
        if intent:
            self.intent.setText(f"{intent.replace('-', ' ')} · {score:.0%}")

    def show_trend(self, values: list[float]) -> None:
        """New sentiment readings (every customer turn, even when updates were coalesced)."""
        for value in values:
            if value != self._last_sentiment:
                self._last_sentiment = value
                self.sparkline.add(value)
        if self._last_sentiment is None:
            return
        value = self._last_sentiment
        self.sentiment_value.setText(f"{value:+.2f}")
        color = themes.current().color(tone_of(value)).name()
        self.sentiment_value.setStyleSheet(f"color: {color};")

    def _show_suggestions(self, views: Any) -> None:
        selected = self.selected_action()
        items = [self._item(view) for view in views]
        self._pending = {v.action_id for v in views if self._awaiting(v)}
        self.suggestion_model.set_items(items)
        self.empty.setVisible(not items)
        ids = [item.action_id for item in items]
        row = ids.index(selected) if selected in ids else 0
        if items:
            self.suggestions.setCurrentIndex(self.suggestion_model.index(row))
        if self._pending - set(self.decided):
            self.poll.start()
        else:
            self.poll.stop()

    @staticmethod
    def _awaiting(view: Any) -> bool:
        return any("approval" in r.text for r in view.reasons) and view.in_progress

    def _item(self, view: Any) -> SuggestionItem:
        reasons = tuple(r.text for r in view.reasons)
        title = view.title
        if view.step_title and view.in_progress:
            title = f"{view.title} — next: {view.step_title}"
        return SuggestionItem(
            view.action_id, view.step_id, title, view.score, reasons, self._badge_of(view)
        )

    def _badge_of(self, view: Any) -> tuple[str, str] | None:
        decision = self.decided.get(view.action_id)
        if decision is not None:
            if decision.status == "approved":
                return ("Approved", "ok")
            if decision.status == "rejected":
                return ("Rejected", "danger")
        if self._awaiting(view):
            return ("Awaiting approval", "warn")
        if view.in_progress:
            return ("In progress", "accent")
        if view.needs_approval:
            return ("Needs approval", "warn")
        return None

    def _show_steps(self, steps: Any) -> None:
        self.steps.clear()
        self.no_steps.setVisible(not steps)
        theme = themes.current()
        for step in steps:
            mark = STEP_MARKS.get(step.status, "○")
            item = QListWidgetItem(f"{mark}  {step.title}")
            item.setForeground(theme.color(STEP_TONES.get(step.status, "text")))
            item.setToolTip(step.how or step.status)
            item.setData(Qt.ItemDataRole.UserRole, step.status)
            self.steps.addItem(item)

    def show_facts(self, facts: Any) -> None:
        """The caller's "already told us" facts."""
        self.facts.clear()
        for fact in facts:
            when = fact.at.strftime("%d %b")
            item = QListWidgetItem(f"{fact.title}: {fact.text}  ({fact.channel}, {when})")
            item.setToolTip(fact.text)
            self.facts.addItem(item)
        if not facts:
            self.facts.addItem(QListWidgetItem("Nothing on record for this caller yet."))

    def show_decisions(self, decisions: dict[str, Any]) -> None:
        """Supervisors' answers to this call's approval requests."""
        self.decided.update({a: d for a, d in decisions.items() if d.status != "pending_approval"})
        titles = {i.action_id: i.title for i in self.suggestion_model.items()}
        for action_id, decision in decisions.items():
            if decision.status == "rejected":
                # the session drops the action from the list in its next update; say why here
                reason = f": {decision.reason}" if decision.reason else ""
                title = titles.get(action_id, action_id)
                self.show_problem(f"A supervisor rejected “{title}”{reason}")
            elif decision.status == "approved":
                self.notice.hide()
        items = [
            SuggestionItem(i.action_id, i.step_id, i.title, i.score, i.reasons, self._decided(i))
            for i in self.suggestion_model.items()
        ]
        self.suggestion_model.set_items(items)
        if not self._pending - set(self.decided):
            self.poll.stop()

    def _decided(self, item: SuggestionItem) -> tuple[str, str] | None:
        decision = self.decided.get(item.action_id)
        if decision is None:
            return item.badge
        return ("Approved", "ok") if decision.status == "approved" else ("Rejected", "danger")

    def show_problem(self, message: str) -> None:
        """A banner above the panel (the call goes on)."""
        self.notice.setText(message)
        self.notice.show()

    # --- decisions -------------------------------------------------------------------------

    def selected_action(self) -> str | None:
        """The action id of the selected suggestion (the top one by default)."""
        index = self.suggestions.currentIndex()
        item = self.suggestion_model.item(index.row() if index.isValid() else 0)
        return item.action_id if item else None

    def accept_selected(self) -> None:
        """Accept the selected suggestion."""
        index = self.suggestions.currentIndex()
        item = self.suggestion_model.item(index.row() if index.isValid() else 0)
        if item is not None and (item.badge is None or item.badge[0] == "Needs approval"):
            self.worker.accept(item.action_id, None)

    def dismiss_selected(self) -> None:
        """Ask why, then dismiss the selected suggestion."""
        action = self.selected_action()
        if action is None:
            return
        menu = self.dismiss_menu(action)
        rect = self.suggestions.visualRect(self.suggestions.currentIndex())
        menu.popup(self.suggestions.viewport().mapToGlobal(rect.bottomLeft()))

    def dismiss_menu(self, action_id: str) -> QMenu:
        """The reason picker (1-5 choose a reason)."""
        menu = QMenu(self)
        menu.setObjectName("dismissMenu")
        for number, reason in enumerate(DISMISS_REASONS, start=1):
            act = menu.addAction(f"&{number}  {reason.capitalize()}")
            act.triggered.connect(lambda _=False, r=reason: self.worker.dismiss(action_id, r))
        return menu

    def current_index(self) -> QModelIndex:
        """The selected suggestion's index."""
        return self.suggestions.currentIndex()
