"""The extra stylesheet of the live call panel and the supervisor screen (theme tokens)."""

from __future__ import annotations

import re

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from sayonce.config import resources_dir
from sayonce.ui import themes


def stylesheet(theme: themes.Theme) -> str:
    """``assist_review.qss`` with the theme's colours."""
    template = (resources_dir() / "themes" / "assist_review.qss").read_text(encoding="utf-8")
    return re.sub(r"@(\w+)", lambda m: theme.tokens.get(m.group(1), m.group(0)), template)


def apply(widget: QWidget) -> None:
    """Style ``widget`` and its children for the current theme."""
    widget.setStyleSheet(stylesheet(themes.current()))


def row_table(
    name: str, model: QAbstractItemModel, *, single: bool = True, stretch: bool = True
) -> QTableView:
    """A review table: whole rows selected, no grid or row numbers, last column stretched."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.horizontalHeader().setStretchLastSection(stretch)
    return table
