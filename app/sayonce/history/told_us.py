"""What the customer already told us: facts extracted from earlier contacts, with their source.

The NLP module extracts the facts (``sayonce.nlp.facts``) into ``Fact`` rows; this module only
reads them, so the panel works (and stays fast) whether or not the models have loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
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


def told_us(session: Session, cluster: Sequence[int], limit: int = LIMIT) -> list[ToldUs]:
    """Facts of the customer ``cluster``: open ones first, grouped by kind, newest first."""
    kind_rank = case(
        {kind: n for n, kind in enumerate(KIND_ORDER)}, value=Fact.kind, else_=len(KIND_ORDER)
    )
    rows = session.execute(
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
            Interaction.started_at,
        )
        .join(Interaction, Interaction.id == Fact.interaction_id)
        .where(Fact.customer_id.in_(cluster))
        .order_by(Fact.resolved, kind_rank, Fact.at.desc(), Fact.id.desc())
        .limit(limit)
    ).all()
    return [ToldUs(*row) for row in rows]
