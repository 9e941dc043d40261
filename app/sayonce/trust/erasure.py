"""Privacy request, erasure: anonymize a person in place, everywhere they appear.

In one transaction (all or nothing), for every profile of the person's merge cluster:
names, birthday and address are cleared and identities deleted; the text of their
interactions, turns, notes, cases and survey comments is replaced; derived data (facts,
NLP analyses, embeddings) is deleted; and mentions of their full name, phones, emails,
handles and ids in *other* records' free text are replaced too. The full-text index follows
through its triggers (SQLite) or expression index (PostgreSQL). Orders, dates, channels and
scores stay, so counts and analytics still add up. The audit entry holds ids and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from sayonce.store.agents import Suggestion
from sayonce.store.base import Base, utcnow
from sayonce.store.commerce import Case, LoyaltyEvent, Note, Order, SurveyResponse
from sayonce.store.customers import Customer, MergeRecord, NeverMerge
from sayonce.store.interactions import Embedding, Fact, Interaction, InteractionSummary, Turn
from sayonce.trust.audit import AuditAction, record
from sayonce.trust.mentions import ERASED, Term, scrub, terms_for
from sayonce.trust.permissions import Permission, require
from sayonce.trust.person import person_ids
from sayonce.trust.principal import Principal

# Free-text columns searched for mentions of the person in other people's records.
TEXT_COLUMNS: tuple[tuple[type[Base], tuple[str, ...]], ...] = (
    (Interaction, ("subject", "body", "summary")),
    (Turn, ("text",)),
    (Note, ("body",)),
    (Fact, ("text", "value")),
    (InteractionSummary, ("data",)),
    (Suggestion, ("context", "decision_reason", "review_comment")),
    (SurveyResponse, ("comment",)),
    (Case, ("title",)),
    (LoyaltyEvent, ("description",)),
    (Order, ("items",)),
    (MergeRecord, ("snapshot", "reasons")),
    (NeverMerge, ("reason",)),
)


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What was erased: the person's profile ids and how many rows of each kind changed."""

    customer_ids: list[int]
    counts: dict[str, int] = field(default_factory=dict)


def _own_interactions(ids: list[int]) -> Any:
    return select(Interaction.id).where(Interaction.customer_id.in_(ids)).scalar_subquery()


def _anonymize_profiles(session: Session, customers: list[Customer]) -> None:
    now = utcnow()
    for c in customers:
        c.display_name, c.given_name, c.family_name, c.name_key = ERASED, None, None, ""
        c.birthday, c.city, c.postcode, c.country, c.language = None, None, None, None, None
        c.consent_personalization, c.consent_marketing = False, False
        c.opted_out_at, c.erased_at = c.opted_out_at or now, now
        c.identities.clear()  # delete-orphan: the identity rows are deleted


def _replace_own_text(session: Session, ids: list[int]) -> dict[str, int]:
    own = _own_interactions(ids)
    counts = {}
    updates: list[tuple[type[Base], ColumnElement[bool], dict[Any, Any]]] = [
        (Turn, Turn.interaction_id.in_(own), {"text": ERASED}),
        (
            Interaction,
            Interaction.customer_id.in_(ids),
            {
                "subject": ERASED,
                "body": ERASED,
                "summary": None,
                "version": Interaction.version + 1,
            },
        ),
        (Note, Note.customer_id.in_(ids), {"body": ERASED, "version": Note.version + 1}),
        (Case, Case.customer_id.in_(ids), {"title": ERASED}),
        (SurveyResponse, SurveyResponse.customer_id.in_(ids), {"comment": None}),
        (LoyaltyEvent, LoyaltyEvent.customer_id.in_(ids), {"description": None}),
        (Suggestion, Suggestion.customer_id.in_(ids), {"context": None}),
    ]
    for model, where, values in updates:
        result = session.execute(
            update(model).where(where).values(values).execution_options(synchronize_session=False)
        )
        counts[f"{model.__tablename__}_replaced"] = _rowcount(result)
    # Derived data computed from the erased text goes after the text itself: a semantic-search
    # writer holding the interaction rows (sayonce.history.semantic) finishes first and its
    # vectors are deleted here, or waits and then finds the text changed and writes nothing.
    for derived, where in (
        (Fact, or_(Fact.customer_id.in_(ids), Fact.interaction_id.in_(own))),
        (InteractionSummary, InteractionSummary.interaction_id.in_(own)),
        (Embedding, or_(Embedding.customer_id.in_(ids), Embedding.interaction_id.in_(own))),
    ):
        counts[f"{derived.__tablename__}_deleted"] = _rowcount(
            session.execute(delete(derived).where(where))
        )
    return counts


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _like_escape(fragment: str) -> str:
    return fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _candidates(column: InstrumentedAttribute[Any], terms: list[Term]) -> ColumnElement[bool]:
    # A cheap LIKE narrows the rows; the exact pattern is applied in Python afterwards.
    return or_(*(column.ilike(f"%{_like_escape(t.like)}%", escape="\\") for t in terms))


def _scrub_table(
    session: Session, model: type[Base], columns: tuple[str, ...], terms: list[Term]
) -> list[Any]:
    attrs = [getattr(model, name) for name in columns]
    query = select(model).where(or_(*(_candidates(a, terms) for a in attrs)))
    changed = []
    for row in session.scalars(query):
        touched = False
        for name in columns:
            before = getattr(row, name)
            after = scrub(before, terms) if isinstance(before, str) else before
            if after != before:
                setattr(row, name, after)
                touched = True
        if touched:
            changed.append(row)
    return changed


def _scrub_mentions(session: Session, terms: list[Term]) -> dict[str, int]:
    counts: dict[str, int] = {}
    if not terms:
        return counts
    for model, columns in TEXT_COLUMNS:
        changed = _scrub_table(session, model, columns, terms)
        counts[f"{model.__tablename__}_mentions"] = len(changed)
        if model is Interaction and changed:
            # Their analyses and vectors were computed from the old text: recompute later
            # (the new text is written first, for the same reason as in _replace_own_text).
            session.flush()
            touched = [row.id for row in changed]
            session.execute(delete(Embedding).where(Embedding.interaction_id.in_(touched)))
    session.flush()
    return counts


def erase_person(session: Session, principal: Principal, customer_id: int) -> ErasureReport:
    """Erase ``customer_id``'s person (the whole merge cluster) inside the caller's transaction."""
    require(principal, Permission.ERASE_DATA)
    ids = person_ids(session, customer_id)
    customers = list(session.scalars(select(Customer).where(Customer.id.in_(ids))))
    terms = terms_for(customers)
    session.flush()
    counts = _replace_own_text(session, ids)
    counts |= _scrub_mentions(session, terms)
    _anonymize_profiles(session, customers)
    session.flush()
    counts["customers"] = len(customers)
    record(
        session,
        principal,
        AuditAction.ERASE,
        "customer",
        ids[0],
        {"customer_ids": ids, "counts": counts},
    )
    return ErasureReport(ids, counts)
