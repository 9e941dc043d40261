"""What the customer already told us: facts extracted from earlier contacts, with their source.

The NLP module extracts the facts (``sayonce.nlp.facts``) into ``Fact`` rows; this module only
reads them, so the panel works (and stays fast) whether or not the models have loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Integer, bindparam, select
from sqlalchemy.orm import Session

from sayonce.store import Fact, Interaction

LIMIT = 60

# The panel groups by kind in this order: what we promised comes first, so it gets kept.
KIND_ORDER = ("promise", "problem", "tried", "order_number", "preference")
KIND_TITLES = {
    "promise": "We promised",
    "problem": "Problem",
    "tried": "Already tried",
    "order_number": "Order",
    "preference": "Preference",
}


@dataclass(frozen=True, slots=True)
class ToldUs:
    """One fact and where it was said."""

    id: int
    kind: str
    text: str
    value: str | None
    at: datetime
    interaction_id: int
    turn_seq: int | None
    channel: str
    resolved: bool
    said_at: datetime  # when the contact it comes from started (its place in the timeline)

    @property
    def title(self) -> str:
        """The kind as shown in the panel."""
        return KIND_TITLES.get(self.kind, self.kind.replace("_", " ").capitalize())


_FACTS = (
    select(
        Fact.id,
        Fact.kind,
        Fact.text,
        Fact.value,
        Fact.at,
        Fact.interaction_id,
        Fact.turn_seq,
        Interaction.channel,
        Fact.resolved,
        Interaction.started_at.label("said_at"),
    )
    .join(Interaction, Interaction.id == Fact.interaction_id)
    .where(
        Fact.customer_id.in_(bindparam("ids", expanding=True)),
        Fact.resolved == bindparam("resolved", type_=Boolean),
    )
    # newest first along the (customer_id, at) index: no sort of a long history's facts
    .order_by(Fact.at.desc(), Fact.id.desc())
    .limit(bindparam("limit", type_=Integer))
)


def told_us(session: Session, cluster: Sequence[int], limit: int = LIMIT) -> list[ToldUs]:
    """Facts of the customer ``cluster``: open ones first, each group by kind, newest first.

    Only the newest facts are considered (twice ``limit`` of each state), so repeats
    (one order number said in three calls) can be dropped and the list stays short.
    """
    connection = session.connection()
    found: list[ToldUs] = []
    for resolved in (False, True):
        params = {"ids": list(cluster), "resolved": resolved, "limit": limit * 2}
        rows = [ToldUs(**row._asdict()) for row in connection.execute(_FACTS, params)]
        found += sorted(_distinct(rows), key=_kind_order)
        if len(found) >= limit:
            break
    return found[:limit]


def _kind_order(fact: ToldUs) -> int:
    return KIND_ORDER.index(fact.kind) if fact.kind in KIND_ORDER else len(KIND_ORDER)


def _distinct(facts: list[ToldUs]) -> list[ToldUs]:
    """The newest of facts saying the same thing (an order number mentioned in three calls)."""
    seen: set[tuple[str, bool, str]] = set()
    kept = []
    for fact in facts:
        key = (fact.kind, fact.resolved, (fact.value or " ".join(fact.text.casefold().split())))
        if key not in seen:
            seen.add(key)
            kept.append(fact)
    return kept
