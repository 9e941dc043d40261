"""An expanded timeline item: the whole transcript, email, order or note, to read in full."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.history.items import ItemKind
from sayonce.history.sources import SCALES, interaction_title, order_lines
from sayonce.store import (
    Agent,
    CampaignEvent,
    Case,
    Interaction,
    InteractionSummary,
    LoyaltyEvent,
    Note,
    Order,
    SurveyResponse,
    Turn,
)


@dataclass(frozen=True, slots=True)
class DetailTurn:
    """One line of a conversation."""

    speaker: str
    text: str
    offset_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """Everything about one item, as plain data."""

    kind: str
    id: int
    title: str
    at: datetime
    channel: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    turns: list[DetailTurn] = field(default_factory=list)
    body: str = ""
    summary: str = ""


def _agent_name(session: Session, agent_id: int | None) -> str:
    if agent_id is None:
        return ""
    return session.scalar(select(Agent.display_name).where(Agent.id == agent_id)) or ""


def _nlp_summary(session: Session, interaction_id: int) -> str:
    data = session.scalar(
        select(InteractionSummary.data).where(InteractionSummary.interaction_id == interaction_id)
    )
    if not data:
        return ""
    try:
        parsed = json.loads(data)
    except ValueError:
        return ""
    text = parsed.get("summary") or parsed.get("text") if isinstance(parsed, dict) else None
    return str(text) if text else ""


def _interaction(session: Session, item_id: int) -> ItemDetail | None:
    row = session.get(Interaction, item_id)
    if row is None:
        return None
    turns = session.execute(
        select(Turn.speaker, Turn.text, Turn.offset_ms)
        .where(Turn.interaction_id == item_id)
        .order_by(Turn.seq)
    ).all()
    minutes = (
        f"{max(1, round((row.ended_at - row.started_at).total_seconds() / 60))} min"
        if row.ended_at and row.ended_at > row.started_at
        else ""
    )
    fields = [
        ("Direction", row.direction),
        ("Duration", minutes),
        ("Agent", _agent_name(session, row.agent_id)),
        ("Intent", (row.intent or "").replace("_", " ")),
        ("Sentiment", f"{row.sentiment:+.2f}" if row.sentiment is not None else ""),
        ("Outcome", (row.disposition or "").replace("_", " ")),
        ("Source", f"{row.source} {row.external_id}"),
    ]
    return ItemDetail(
        kind=ItemKind.INTERACTION,
        id=row.id,
        title=interaction_title(row.subject, row.direction, row.channel),
        at=row.started_at,
        channel=row.channel,
        fields=[(k, v) for k, v in fields if v],
        turns=[DetailTurn(*t) for t in turns],
        body="" if turns else row.body,
        summary=row.summary or _nlp_summary(session, row.id),
    )


def _note(session: Session, item_id: int) -> ItemDetail | None:
    row = session.get(Note, item_id)
    if row is None:
        return None
    fields = [("By", _agent_name(session, row.agent_id)), ("Last saved", f"{row.updated_at:%c}")]
    return ItemDetail(
        ItemKind.NOTE,
        row.id,
        "Note",
        row.created_at,
        "note",
        [f for f in fields if f[1]],
        [],
        row.body,
    )


def _order(session: Session, item_id: int) -> ItemDetail | None:
    row = session.get(Order, item_id)
    if row is None:
        return None
    fields = [("Status", row.status), ("Total", f"{row.total:,.2f} {row.currency}")]
    body = "\n".join(order_lines(row.items))
    return ItemDetail(
        ItemKind.ORDER, row.id, f"Order {row.number}", row.placed_at, "order", fields, [], body
    )


def _survey(session: Session, item_id: int) -> ItemDetail | None:
    row = session.get(SurveyResponse, item_id)
    if row is None:
        return None
    title = f"{row.kind.upper()} {row.score}/{SCALES.get(row.kind, 10)}"
    return ItemDetail(
        ItemKind.SURVEY, row.id, title, row.responded_at, "survey", [], [], row.comment or ""
    )


def _loyalty(session: Session, item_id: int) -> ItemDetail | None:
    row = session.get(LoyaltyEvent, item_id)
    if row is None:
        return None
    fields = [("Tier", row.tier or ""), ("Points", f"{row.points:+,}" if row.points else "")]
    title = f"Loyalty: {row.kind.replace('_', ' ')}"
    return ItemDetail(
        ItemKind.LOYALTY,
        row.id,
        title,
        row.at,
        "loyalty",
        [f for f in fields if f[1]],
        [],
        row.description or "",
    )


def _campaign(session: Session, item_id: int) -> ItemDetail | None:
    row = session.get(CampaignEvent, item_id)
    if row is None:
        return None
    fields = [("Event", row.kind), ("Channel", row.channel or "")]
    return ItemDetail(
        ItemKind.CAMPAIGN,
        row.id,
        f"Campaign “{row.campaign}”",
        row.at,
        "campaign",
        [f for f in fields if f[1]],
    )


def _case(session: Session, item_id: int) -> ItemDetail | None:
    row = session.get(Case, item_id)
    if row is None:
        return None
    fields = [
        ("Status", row.status),
        ("Priority", row.priority),
        ("Closed", f"{row.closed_at:%c}" if row.closed_at else ""),
    ]
    title = f"Case {row.number}: {row.title}"
    return ItemDetail(
        ItemKind.CASE, row.id, title, row.opened_at, "case", [f for f in fields if f[1]]
    )


_LOADERS = {
    ItemKind.INTERACTION: _interaction,
    ItemKind.NOTE: _note,
    ItemKind.ORDER: _order,
    ItemKind.SURVEY: _survey,
    ItemKind.LOYALTY: _loyalty,
    ItemKind.CAMPAIGN: _campaign,
    ItemKind.CASE: _case,
}


def load_detail(session: Session, kind: str, item_id: int) -> ItemDetail | None:
    """The full item, or ``None`` if it no longer exists."""
    loader = _LOADERS.get(ItemKind(kind))
    return loader(session, item_id) if loader else None
