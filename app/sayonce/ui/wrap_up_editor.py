"""The wrap-up editor: the generated summary and disposition, editable, confirmed with Ctrl+S."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class WrapUpEditor(QFrame):
    """Shown at hang-up; ``confirmed(summary, disposition)`` when the agent saves it."""

    confirmed = Signal(str, str)

    def __init__(self, dispositions: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        title = QLabel("WRAP-UP")
        title.setObjectName("cardTitle")
        self.why = QLabel()
        self.why.setObjectName("muted")
        self.why.setWordWrap(True)
        self.summary = QPlainTextEdit()
        self.summary.setAccessibleName("Wrap-up summary")
        self.summary.setPlaceholderText("The summary appears when the call ends.")
        self.summary.setMinimumHeight(84)
        self.summary.setMaximumHeight(150)
        self.disposition = QComboBox()
        self.disposition.setAccessibleName("Disposition")
        self.disposition.addItems(list(dispositions))
        self.save = QPushButton("Save  (Ctrl+S)")
        self.save.setToolTip("Store the summary and disposition with the call")
        self.save.setObjectName("primary")
        self.save.clicked.connect(self._confirm)
        self.state = QLabel()
        self.state.setObjectName("muted")
        self.state.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Disposition"))
        row.addWidget(self.disposition, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.state, 1)
        actions.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(self.why)
        layout.addLayout(actions)
        shortcut = QShortcut(QKeySequence("Ctrl+S"), self)
        shortcut.activated.connect(self._confirm)
        self._filled_for: str | None = None

    def fill(self, call_id: str, summary: str, disposition: str, why: str) -> None:
        """Show the draft once per call (the agent's edits are never overwritten)."""
        if self._filled_for == call_id:
            return
        self._filled_for = call_id
        self.summary.setPlainText(summary)
        found = self.disposition.findText(disposition)
        self.disposition.setCurrentIndex(max(0, found))
        self.why.setText(f"Suggested because {why}" if why else "")
        self.state.setText("Check the summary, then save it with the call.")
        self.save.setEnabled(True)

    def reset(self) -> None:
        """Empty the editor for a new call."""
        self._filled_for = None
        self.summary.clear()
        self.why.clear()
        self.state.clear()

    def saved(self, interaction_id: int) -> None:
        """The wrap-up is stored."""
        self.state.setText(f"Saved to the customer's history (interaction {interaction_id}).")
        self.save.setEnabled(False)

    def _confirm(self) -> None:
        text = self.summary.toPlainText().strip()
        if not text or not self.save.isEnabled():
            return
        self.save.setEnabled(False)
        self.state.setText("Saving…")
        self.confirmed.emit(text, self.disposition.currentText())
