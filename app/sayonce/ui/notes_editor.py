"""Notes without a save button: saved ~400 ms after typing stops, and on focus-out and close.

Each save runs on the database worker through the core's :class:`NoteAutosave` (one short
transaction), so typing never waits on the database and killing the app loses at most the
last second. A failed save keeps the text dirty and is retried.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sayonce.history.notes import NoteAutosave, SavedNote
from sayonce.ui.tasks import TaskRunner

SAVE_DELAY_MS = 400
RETRY_MS = 2000


class NotesEditor(QFrame):
    """The note being written about the open customer."""

    saved = Signal(object)  # SavedNote

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        """Save through ``runner`` (the database worker)."""
        super().__init__(parent)
        self.setObjectName("card")
        self._runner = runner
        self._autosave: NoteAutosave | None = None
        self._dirty = False
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(6)
        top = QHBoxLayout()
        title = QLabel("Note", self)
        title.setObjectName("cardTitle")
        self.status = QLabel("", self)
        self.status.setObjectName("muted")
        self.new_button = QPushButton("New note", self)
        self.new_button.setToolTip("Start another note (Ctrl+N)")
        self.new_button.setAccessibleName("Start a new note")
        self.new_button.clicked.connect(self.new_note)
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.status)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.edit = QPlainTextEdit(self)
        self.edit.setPlaceholderText(
            "Type a note: it is saved as you type, for every agent to see."
        )
        self.edit.setAccessibleName("Note about this customer")
        self.edit.textChanged.connect(self._changed)
        self.edit.installEventFilter(self)
        layout.addWidget(self.edit, 1)
        self.setEnabled(False)

    def set_autosave(self, autosave: NoteAutosave | None) -> None:
        """Write future text to ``autosave``'s note (flushing what was typed before)."""
        self.flush()
        self._autosave = autosave
        self.edit.blockSignals(True)
        self.edit.clear()
        self.edit.blockSignals(False)
        self._dirty = False
        self.status.setText("")
        self.setEnabled(autosave is not None)

    def new_note(self) -> None:
        """Finish this note and start another on the same customer (Ctrl+N)."""
        current = self._autosave
        if current is not None:
            self.set_autosave(NoteAutosave(current.store, current.principal, current.customer_id))
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @property
    def dirty(self) -> bool:
        """Typed text not yet handed to the worker."""
        return self._dirty

    def _changed(self) -> None:
        self._dirty = True
        self.status.setText("Editing…")
        self._timer.start(SAVE_DELAY_MS)

    def flush(self) -> None:
        """Hand the text to the worker now (focus-out, close, customer change)."""
        self._timer.stop()
        autosave = self._autosave
        if not self._dirty or autosave is None:
            return
        text = self.edit.toPlainText()
        self._dirty = False
        self.status.setText("Saving…")
        self._runner.submit(
            lambda: autosave.save(text),
            lambda note: self._done(autosave, note),
            lambda exc: self._failed(autosave, exc),
        )

    def _done(self, autosave: NoteAutosave, note: SavedNote | None) -> None:
        if autosave is not self._autosave:
            return
        if note is not None:
            self.saved.emit(note)
        if not self._dirty:
            self.status.setText(f"Saved {datetime.now():%H:%M:%S}")

    def _failed(self, autosave: NoteAutosave, exc: BaseException) -> None:
        if autosave is not self._autosave:
            return
        self._dirty = True
        self.status.setText("Not saved yet, retrying…")
        self.status.setToolTip(str(exc))
        self._timer.start(RETRY_MS)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Save when the editor loses focus."""
        if watched is self.edit and event.type() == QEvent.Type.FocusOut:
            self.flush()
        return super().eventFilter(watched, event)
