"""Plain data the timeline hands to the UI: items, their sort key, and what to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

# C0 control characters except tab, newline and carriage return (PostgreSQL refuses NUL).
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
_CONTROL[0x7F] = None


def typed(text: str) -> str:
    """What an agent typed, made safe for every backend: control characters removed."""
    return text.translate(_CONTROL)


class ItemKind(StrEnum):
    """Where a timeline item comes from."""

    INTERACTION = "interaction"
    NOTE = "note"
    CASE = "case"
    ORDER = "order"
    SURVEY = "survey"
    LOYALTY = "loyalty"
    CAMPAIGN = "campaign"


# Ties on the same timestamp: a contact sorts above the note written about it, and so on.
RANK: dict[str, int] = {
    ItemKind.INTERACTION: 6,
    ItemKind.NOTE: 5,
    ItemKind.CASE: 4,
    ItemKind.ORDER: 3,
    ItemKind.SURVEY: 2,
    ItemKind.LOYALTY: 1,
    ItemKind.CAMPAIGN: 0,
}


class Cursor(NamedTuple):
    """A position in the timeline: the key of an item, ``(at, rank, id)``."""

    at: datetime
    rank: int
    id: int


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One row of the timeline."""

    kind: str
    id: int
    at: datetime
    channel: str  # icon and filter key: call, chat, email ... or the kind for other sources
    title: str
    snippet: str
    meta: str = ""  # one short line: direction, agent, status, score ...
    customer_id: int = 0
    sentiment: float | None = None

    @property
    def cursor(self) -> Cursor:
        """This item's sort key."""
        return Cursor(self.at, RANK[self.kind], self.id)


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """What to show: ``keys`` are channels and kinds (``None`` = everything); ``text`` searches."""

    keys: frozenset[str] | None = None
    text: str = ""

    def wants(self, key: str) -> bool:
        """Whether items with this channel/kind key are shown."""
        return self.keys is None or key in self.keys
