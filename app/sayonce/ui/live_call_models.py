"""Item models of the live call panel: the transcript and the suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()
SPEAKER_ROLE = Qt.ItemDataRole.UserRole + 1
REASONS_ROLE = Qt.ItemDataRole.UserRole + 2
SCORE_ROLE = Qt.ItemDataRole.UserRole + 3
BADGE_ROLE = Qt.ItemDataRole.UserRole + 4  # (text, tone) or None
ACTION_ROLE = Qt.ItemDataRole.UserRole + 5
STEP_ROLE = Qt.ItemDataRole.UserRole + 6


@dataclass(frozen=True, slots=True)
class Line:
    """One utterance as shown (already redacted)."""

    speaker: str
    text: str


class TranscriptModel(QAbstractListModel):
    """What was said so far, in order; lines are appended as they arrive."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lines: list[Line] = []

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._lines)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return line.text
        if role == SPEAKER_ROLE:
            return line.speaker
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{line.speaker}: {line.text}"
        return None

    def append(self, speaker: str, text: str) -> None:
        """Add a line at the end."""
        row = len(self._lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.append(Line(speaker, text))
        self.endInsertRows()

    def clear(self) -> None:
        """Empty the transcript (a new call)."""
        self.beginResetModel()
        self._lines.clear()
        self.endResetModel()

    def lines(self) -> list[Line]:
        """Every line so far."""
        return list(self._lines)


@dataclass(frozen=True, slots=True)
class SuggestionItem:
    """A suggestion as the panel shows it, with what happened to it so far."""

    action_id: str
    step_id: str | None
    title: str
    score: float
    reasons: tuple[str, ...]
    badge: tuple[str, str] | None  # (text, tone)


class SuggestionModel(QAbstractListModel):
    """The suggestions of the latest update, best first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[SuggestionItem] = []

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        values = {
            Qt.ItemDataRole.DisplayRole: item.title,
            Qt.ItemDataRole.ToolTipRole: "\n".join(item.reasons),
            Qt.ItemDataRole.AccessibleTextRole: f"{item.title}. " + ". ".join(item.reasons),
            REASONS_ROLE: item.reasons,
            SCORE_ROLE: item.score,
            BADGE_ROLE: item.badge,
            ACTION_ROLE: item.action_id,
            STEP_ROLE: item.step_id,
        }
        return values.get(role)

    def set_items(self, items: list[SuggestionItem]) -> None:
        """Show ``items``; rows whose action stays the same are updated in place."""
        same = [i.action_id for i in items] == [i.action_id for i in self._items]
        if same and items:
            self._items = list(items)
            self.dataChanged.emit(self.index(0), self.index(len(items) - 1))
            return
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> SuggestionItem | None:
        """The suggestion at ``row``."""
        return self._items[row] if 0 <= row < len(self._items) else None

    def items(self) -> list[SuggestionItem]:
        """Every suggestion shown."""
        return list(self._items)
