"""Playbook management: actions with enable/disable, an edit form, versions and their diff.

Every save goes through :mod:`sayonce.review.playbooks`, which validates it with the assist
engine's loader, stores a new version and audits it; an invalid edit shows the loader's
message (file, line, field) and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sayonce.review import playbooks
from sayonce.review.playbooks import ActionEdit, ActionSummary, Revision
from sayonce.store import Store
from sayonce.trust.permissions import Permission, can
from sayonce.trust.principal import Principal
from sayonce.ui import review_style, themes
from sayonce.ui.review_models import TableModel, when
from sayonce.ui.tasks import TaskRunner

PLAYBOOK = "default"
COLUMNS = [
    ("On", lambda a: "✓" if a.enabled else "—"),
    ("Action", lambda a: a.title),
    ("Id", lambda a: a.id),
    ("Risk", lambda a: a.risk),
    ("Value", lambda a: f"{a.value:.2f}"),
    ("Steps", lambda a: len(a.steps)),
]


class DiffHighlighter(QSyntaxHighlighter):
    """Colours a unified diff: additions green, removals red, hunks muted."""

    def highlightBlock(self, text: str) -> None:
        theme = themes.current()
        token = None
        if text.startswith(("+++", "---")):
            token = "muted"
        elif text.startswith("+"):
            token = "ok"
        elif text.startswith("-"):
            token = "danger"
        elif text.startswith("@@"):
            token = "accent"
        if token is not None:
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(theme.tokens[token]))
            self.setFormat(0, len(text), fmt)


class PlaybookTab(QWidget):
    """The playbook calls run on, its versions and what changed between them."""

    def __init__(self, store: Store, principal: Principal, runner: TaskRunner) -> None:
        super().__init__()
        self.store, self.principal, self.runner = store, principal, runner
        self.editable = can(principal, Permission.EDIT_PLAYBOOK)
        self.model = TableModel(COLUMNS, self)
        self.version = 0
        self.revisions: list[Revision] = []
        self._build()

    # --- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.table = review_style.row_table("playbookActions", self.model)
        for column, width in enumerate((36, 250, 150, 64, 56)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._fill_form())
        self.heading = QLabel()
        self.heading.setObjectName("statValue")
        tabs = QTabWidget()
        tabs.addTab(self._form(), "Edit action")
        tabs.addTab(self._history(), "Versions and changes")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.heading)
        left_layout.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(tabs)
        split.setSizes([620, 780])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(split)

    def _form(self) -> QWidget:
        box = QWidget()
        self.enabled = QCheckBox("Suggest this action")
        self.title = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(70)
        self.examples = QPlainTextEdit()
        self.examples.setPlaceholderText("One example phrase per line")
        self.examples.setMaximumHeight(130)
        self.eligibility = QPlainTextEdit()
        self.eligibility.setPlaceholderText("tier: [gold, platinum]\nmin_value: 100")
        self.eligibility.setFont(QFont("monospace"))
        self.eligibility.setMinimumHeight(110)
        self.value = QDoubleSpinBox()
        self.value.setRange(0.0, 1.0)
        self.value.setSingleStep(0.05)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Why this change (kept in the history)")
        self.save_button = QPushButton("Save as new version")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save_edit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("muted")
        form = QFormLayout(box)
        form.addRow("", self.enabled)
        form.addRow("Title", self.title)
        form.addRow("Description", self.description)
        form.addRow("Examples", self.examples)
        form.addRow("Eligibility", self.eligibility)
        form.addRow("Value", self.value)
        form.addRow("Comment", self.comment)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        form.addRow(row)
        form.addRow(self.message)
        for name, widget in (
            ("Title", self.title),
            ("Description", self.description),
            ("Examples", self.examples),
            ("Eligibility", self.eligibility),
            ("Value", self.value),
            ("Comment", self.comment),
        ):
            widget.setAccessibleName(name)
            widget.setEnabled(self.editable)
        self.enabled.setEnabled(self.editable)
        self.save_button.setEnabled(self.editable)
        return box

    def _history(self) -> QWidget:
        box = QWidget()
        self.versions = QListWidget()
        self.versions.setObjectName("playbookVersions")
        self.versions.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.versions.currentRowChanged.connect(lambda _row: self.show_diff())
        self.diff = QPlainTextEdit()
        self.diff.setObjectName("playbookDiff")
        self.diff.setReadOnly(True)
        self.diff.setFont(QFont("monospace"))
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.highlighter = DiffHighlighter(self.diff.document())
        self.restore_button = QPushButton("Restore this version")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_selected)
        layout = QVBoxLayout(box)
        layout.addWidget(QLabel("Each version against the one before it:"))
        layout.addWidget(self.versions, 1)
        layout.addWidget(self.diff, 2)
        layout.addWidget(self.restore_button)
        return box

    # --- data ------------------------------------------------------------------------------

    def start(self) -> None:
        """Load the current version's actions and the version history."""
        store, principal = self.store, self.principal

        def work() -> tuple[Revision, list[ActionSummary], list[Revision]]:
            return (
                playbooks.current(store, principal, PLAYBOOK),
                playbooks.actions(store, principal, PLAYBOOK),
                playbooks.history(store, principal, PLAYBOOK),
            )

        self.runner.submit(work, self._loaded, self._failed)

    def _loaded(self, answer: tuple[Revision, list[ActionSummary], list[Revision]]) -> None:
        current, actions, history = answer
        self.version = current.version
        selected = self.selected()
        self.model.set_rows(actions)
        ids = [a.id for a in actions]
        self.table.selectRow(ids.index(selected.id) if selected and selected.id in ids else 0)
        enabled = sum(a.enabled for a in actions)
        shipped = " (as shipped)" if current.version == 0 else ""
        self.heading.setText(
            f"Playbook “{PLAYBOOK}” version {current.version}{shipped} · "
            f"{enabled} of {len(actions)} actions on"
        )
        self.revisions = history
        self.versions.clear()
        for revision in history:
            who = revision.author or "SayOnce"
            text = f"v{revision.version} · {when(revision.at)} · {who} — {revision.comment or ''}"
            self.versions.addItem(QListWidgetItem(text))
        if history:
            self.versions.setCurrentRow(0)
        else:
            self.diff.setPlainText("No changes yet: calls run on the playbook as shipped.")

    def selected(self) -> ActionSummary | None:
        """The action selected in the table."""
        index = self.table.currentIndex()
        row = self.model.row(index.row()) if index.isValid() else None
        return row if isinstance(row, ActionSummary) else None

    def _fill_form(self) -> None:
        action = self.selected()
        if action is None:
            return
        self.enabled.setChecked(action.enabled)
        self.title.setText(action.title)
        self.description.setPlainText(action.description)
        self.examples.setPlainText("\n".join(action.examples))
        self.eligibility.setPlainText(action.eligibility)
        self.value.setValue(action.value)
        self.message.clear()

    def edit_from_form(self) -> ActionEdit | None:
        """The fields the supervisor changed (``None`` when nothing changed)."""
        action = self.selected()
        if action is None:
            return None
        examples = [line.strip() for line in self.examples.toPlainText().splitlines()]
        changes: dict[str, Any] = {
            "enabled": self.enabled.isChecked(),
            "title": self.title.text().strip(),
            "description": self.description.toPlainText().strip(),
            "examples": [e for e in examples if e],
            "eligibility": self.eligibility.toPlainText().strip(),
            "value": round(self.value.value(), 2),
        }
        before = {
            "enabled": action.enabled,
            "title": action.title,
            "description": action.description,
            "examples": list(action.examples),
            "eligibility": action.eligibility.strip(),
            "value": round(action.value, 2),
        }
        changed = {k: v for k, v in changes.items() if v != before[k]}
        return ActionEdit(**changed) if changed else None

    def save_edit(self) -> None:
        """Validate and save the form as a new version."""
        action, edit = self.selected(), self.edit_from_form()
        if action is None or edit is None:
            self.message.setText("Nothing changed.")
            return
        store, principal, base = self.store, self.principal, self.version
        comment = self.comment.text().strip() or None
        action_id = action.id
        self.save_button.setEnabled(False)
        self.runner.submit(
            lambda: playbooks.edit_action(
                store, principal, PLAYBOOK, action_id, edit, comment, base_version=base
            ),
            self._saved,
            self._failed,
        )

    def _saved(self, revision: Revision) -> None:
        self.save_button.setEnabled(self.editable)
        self.comment.clear()
        self.message.setText(f"Saved as version {revision.version}; new calls use it.")
        self.start()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(self.editable)
        self.message.setText(f"Not saved: {exc}")

    def show_diff(self) -> None:
        """The selected version against the one before it."""
        row = self.versions.currentRow()
        if not 0 <= row < len(self.revisions):
            return
        new = self.revisions[row].version
        self.restore_button.setEnabled(self.editable and row > 0)
        store, principal = self.store, self.principal
        old = new - 1

        def work() -> str:
            text = playbooks.diff(store, principal, PLAYBOOK, old, new) if old >= 0 else ""
            return text or "No differences (the version as shipped)."

        self.runner.submit(work, self.diff.setPlainText, self._failed, key="diff")

    def restore_selected(self) -> None:
        """Save the selected old version as the newest one."""
        row = self.versions.currentRow()
        if not 0 < row < len(self.revisions):
            return
        version = self.revisions[row].version
        store, principal = self.store, self.principal
        self.runner.submit(
            lambda: playbooks.restore(store, principal, PLAYBOOK, version),
            self._saved,
            self._failed,
        )
