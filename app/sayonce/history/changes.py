"""What other workstations wrote since we last looked: a cheap marker polled about once a second.

The marker is a handful of ``max(id)`` / ``max(updated_at)`` probes on primary keys and indexes,
so polling costs next to nothing; when it moves, :func:`changed_customers` names the customers
whose timelines need refreshing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sayonce.store import Case, Fact, Interaction, Note, Order, SurveyResponse


@dataclass(frozen=True, slots=True)
class ChangeMarker:
    """The newest row of each table the desktop shows."""

    interaction_id: int = 0
    note_id: int = 0
    note_updated_at: datetime | None = None
    order_id: int = 0
    survey_id: int = 0
    case_id: int = 0
    fact_id: int = 0


def marker(session: Session) -> ChangeMarker:
    """The current marker."""
    return ChangeMarker(
        interaction_id=session.scalar(select(func.max(Interaction.id))) or 0,
        note_id=session.scalar(select(func.max(Note.id))) or 0,
        note_updated_at=session.scalar(select(func.max(Note.updated_at))),
        order_id=session.scalar(select(func.max(Order.id))) or 0,
        survey_id=session.scalar(select(func.max(SurveyResponse.id))) or 0,
        case_id=session.scalar(select(func.max(Case.id))) or 0,
        fact_id=session.scalar(select(func.max(Fact.id))) or 0,
    )


def changed_customers(session: Session, old: ChangeMarker, new: ChangeMarker) -> set[int]:
    """Customers with rows written between ``old`` and ``new``."""
    if old == new:
        return set()
    probes = [
        (Interaction.customer_id, Interaction.id, old.interaction_id),
        (Note.customer_id, Note.id, old.note_id),
        (Order.customer_id, Order.id, old.order_id),
        (SurveyResponse.customer_id, SurveyResponse.id, old.survey_id),
        (Case.customer_id, Case.id, old.case_id),
        (Fact.customer_id, Fact.id, old.fact_id),
    ]
    found: set[int] = set()
    for owner, pk, since in probes:
        found.update(session.scalars(select(owner).where(pk > since).distinct()))
    if old.note_updated_at is not None and new.note_updated_at != old.note_updated_at:
        found.update(
            session.scalars(
                select(Note.customer_id).where(Note.updated_at > old.note_updated_at).distinct()
            )
        )
    return found
