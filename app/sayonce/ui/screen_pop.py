"""Screen pop in the window: incoming contact → the right profile, a pick list, or a new profile.

Contacts come from the "Simulate incoming contact" dialog or from the live intake hub. The hub
calls back on its own threads; :class:`IntakeBridge` re-emits each event as a Qt signal, which
Qt queues onto the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from sayonce.history.screen_pop import PopResult
from sayonce.history.search import CustomerHit
from sayonce.ui.search_box import CustomerHitsModel, HitRole
from sayonce.ui.tasks import TaskRunner

Pop = Callable[[str], PopResult]
Create = Callable[[str], int]


class IncomingContactDialog(QDialog):
    """Type the caller's number, email or handle, as the phone system would send it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty dialog."""
        super().__init__(parent)
        self.setWindowTitle("Simulate incoming contact")
        form = QFormLayout(self)
        self.channel = QComboBox(self)
        self.channel.addItems(["Call", "Chat"])
        self.channel.setAccessibleName("Channel")
        self.contact = QLineEdit(self)
        self.contact.setPlaceholderText("+1 415 555 0101, ann@example.com or @handle")
        self.contact.setAccessibleName("Caller number, email or handle")
        form.addRow("Channel", self.channel)
        form.addRow("From", self.contact)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.contact.setFocus()


class PickListDialog(QDialog):
    """Several customers share this number or address: choose who is calling."""

    def __init__(self, contact: str, matches: list[CustomerHit], parent: QWidget | None = None):
        """Offer ``matches`` for ``contact``."""
        super().__init__(parent)
        self.setWindowTitle("Who is calling?")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        label = QLabel(f"{len(matches)} customers match <b>{contact}</b>. Pick the caller:", self)
        layout.addWidget(label)
        self.model = CustomerHitsModel(self)
        self.model.set_hits(matches)
        self.list = QListView(self)
        self.list.setObjectName("pickList")
        self.list.setModel(self.model)
        self.list.setAccessibleName("Matching customers")
        self.list.setCurrentIndex(self.model.index(0, 0))
        self.list.activated.connect(lambda _index: self.accept())
        self.list.doubleClicked.connect(lambda _index: self.accept())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.setFocus()

    def chosen(self) -> CustomerHit | None:
        """The selected customer."""
        index: QModelIndex = self.list.currentIndex()
        return index.data(HitRole) if index.isValid() else None


class ScreenPopController(QObject):
    """Runs a pop on the worker and shows its outcome in the window."""

    opened = Signal(object)  # CustomerView
    pick = Signal(str, object)  # contact, list[CustomerHit]
    created = Signal(int)  # new customer id
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        """Use ``runner`` (the database worker)."""
        super().__init__(parent)
        self._runner = runner
        self._pop: Pop | None = None
        self._create: Create | None = None

    def set_core(self, pop: Pop | None, create: Create | None) -> None:
        """The core functions, bound to the open store and signed-in agent."""
        self._pop, self._create = pop, create

    def incoming(self, contact: str) -> None:
        """A call or chat from ``contact`` reached this agent."""
        pop, contact = self._pop, contact.strip()
        if pop is None or not contact:
            return
        self._runner.submit(
            lambda: pop(contact), self._popped, lambda exc: self.failed.emit(str(exc)), key="open"
        )

    def _popped(self, result: PopResult) -> None:
        if result.view is not None:
            self.opened.emit(result.view)
        elif result.matches:
            self.pick.emit(result.contact, result.matches)
        elif self._create is not None:
            create, contact = self._create, result.contact
            self._runner.submit(
                lambda: create(contact),
                self.created.emit,
                lambda exc: self.failed.emit(str(exc)),
                key="open",
            )


class IntakeBridge(QObject):
    """Brings live intake events (from any thread) onto the UI thread as a signal."""

    received = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        """Not yet attached."""
        super().__init__(parent)
        self._unsubscribe: Callable[[], Any] | None = None

    def receive(self, event: object) -> None:
        """Callback for the hub; safe to call from any thread (the signal is queued)."""
        self.received.emit(event)

    def attach(self, hub: Any) -> None:
        """Subscribe to ``hub`` (anything with ``subscribe(callback)``)."""
        result = hub.subscribe(self.receive)
        self._unsubscribe = result if callable(result) else None

    def detach(self) -> None:
        """Stop listening."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


def caller_of(event: Any) -> str | None:
    """The contact of a ``call_started`` event, else ``None``."""
    if getattr(event, "type", None) == "call_started":
        customer = getattr(event, "customer", None)
        return str(customer or getattr(event, "from_", "") or "") or None
    return None


__all__ = [
    "IncomingContactDialog",
    "IntakeBridge",
    "PickListDialog",
    "ScreenPopController",
    "caller_of",
]
