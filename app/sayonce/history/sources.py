"""The tables a timeline is made of, each read with its own keyset-paginated query."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased

from sayonce.history.fulltext import interaction_match, search_params
from sayonce.history.items import RANK, ItemKind, TimelineFilter, TimelineItem, typed
from sayonce.store import (
    Agent,
    CampaignEvent,
    Case,
    Channel,
    Interaction,
    LoyaltyEvent,
    Note,
    Order,
    SurveyResponse,
)

SNIPPET_CHARS = 280
CHANNELS = frozenset(c.value for c in Channel)

_CHANNEL_TITLES = {
    "call": "Call",
    "chat": "Chat",
    "email": "Email",
    "sms": "SMS",
    "social": "Social message",
    "web": "Web visit",
    "store": "Store visit",
    "survey": "Survey",
}


def like_pattern(text: str) -> str:
    r"""``%text%`` with LIKE wildcards in ``text`` escaped (the escape character is ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any) -> ColumnElement[bool]:
    return column.ilike(bindparam("like"), escape="\\")  # type: ignore[no-any-return]


def squash(text: str | None, limit: int = SNIPPET_CHARS) -> str:
    """One line of at most ``limit`` characters."""
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _minutes(row: Row[Any]) -> str:
    if row.ended_at is None:
        return ""
    seconds = (row.ended_at - row.started_at).total_seconds()
    return f"{max(1, round(seconds / 60))} min" if seconds > 0 else ""


class Shape(NamedTuple):
    """What a filter changes in the SQL (the values themselves are bound at execution).

    ``text`` is ``""`` (no search), ``"words"`` (searchable words: full-text and LIKE) or
    ``"other"`` (only punctuation: LIKE only, interactions cannot match).
    """

    keys: frozenset[str] | None
    text: str

    def wants(self, key: str) -> bool:
        """Whether items with this channel/kind key are shown."""
        return self.keys is None or key in self.keys


def shape_of(flt: TimelineFilter) -> tuple[Shape, dict[str, str]]:
    """The SQL shape of a filter and the values to bind (``like``, ``fts``, ``tsq``)."""
    query = typed(flt.text).strip()
    if not query:
        return Shape(flt.keys, ""), {}
    words = search_params(query)
    values = {"like": like_pattern(query), **(words or {})}
    return Shape(flt.keys, "words" if words else "other"), values


@dataclass(frozen=True)
class Source:
    """One table of the timeline: how to select, bound, filter and present its rows."""

    kind: str
    table: Any
    at: InstrumentedAttribute[Any]
    pk: InstrumentedAttribute[int]
    owner: InstrumentedAttribute[int]
    select: Callable[[], Select]
    item: Callable[[Row[Any]], TimelineItem]
    where: Callable[[Shape, str], ColumnElement[bool] | None]

    @property
    def rank(self) -> int:
        """Tie-break rank of this source's items."""
        return RANK[self.kind]


def _plain_filter(key: str, text_columns: tuple[Any, ...]) -> Callable[..., Any]:
    def where(shape: Shape, _dialect: str) -> ColumnElement[bool] | None:
        if not shape.wants(key):
            return None
        if not shape.text:
            return true()
        return or_(*(_contains(column) for column in text_columns))

    return where


# --- interactions -------------------------------------------------------------------------

_agent = aliased(Agent)


def _select_interactions() -> Select:
    return select(
        Interaction.id,
        Interaction.customer_id,
        Interaction.channel,
        Interaction.direction,
        Interaction.started_at,
        Interaction.ended_at,
        Interaction.subject,
        func.substr(Interaction.body, 1, SNIPPET_CHARS + 40).label("snippet"),
        Interaction.sentiment,
        Interaction.intent,
        Interaction.disposition,
        _agent.display_name.label("agent_name"),
    ).outerjoin(_agent, _agent.id == Interaction.agent_id)


def channel_title(channel: str) -> str:
    """A channel's title: "Call", "Chat", "SMS", "Social message" ..."""
    return _CHANNEL_TITLES.get(channel, channel.capitalize())


def interaction_title(subject: str | None, direction: str, channel: str) -> str:
    """The subject, or "Inbound call", "Outbound email" ..."""
    kind = _CHANNEL_TITLES.get(channel, channel)
    return subject or f"{direction.capitalize()} {kind[0].lower()}{kind[1:]}"


def _interaction_item(row: Row[Any]) -> TimelineItem:
    channel = row.channel if row.channel in CHANNELS else "web"
    title = interaction_title(row.subject, row.direction, channel)
    outcome = (row.disposition or "").replace("_", " ")
    parts = [row.direction, _minutes(row), row.agent_name or "", outcome]
    return TimelineItem(
        kind=ItemKind.INTERACTION,
        id=row.id,
        at=row.started_at,
        channel=channel,
        title=squash(title, 120),
        snippet=squash(row.snippet),
        meta=" · ".join(p for p in parts if p),
        customer_id=row.customer_id,
        sentiment=row.sentiment,
    )


def _interaction_where(shape: Shape, dialect: str) -> ColumnElement[bool] | None:
    wanted = CHANNELS if shape.keys is None else CHANNELS & shape.keys
    if not wanted or shape.text == "other":
        return None
    condition: ColumnElement[bool] = (
        true() if wanted == CHANNELS else Interaction.channel.in_(sorted(wanted))
    )
    if shape.text == "words":
        condition = condition & interaction_match(dialect)
    return condition


INTERACTIONS = Source(
    ItemKind.INTERACTION,
    Interaction.__table__,
    Interaction.started_at,
    Interaction.id,
    Interaction.customer_id,
    _select_interactions,
    _interaction_item,
    _interaction_where,
)

# --- notes --------------------------------------------------------------------------------


def _select_notes() -> Select:
    return select(
        Note.id,
        Note.customer_id,
        Note.created_at,
        Note.updated_at,
        func.substr(Note.body, 1, SNIPPET_CHARS + 40).label("snippet"),
        _agent.display_name.label("agent_name"),
    ).outerjoin(_agent, _agent.id == Note.agent_id)


def _note_item(row: Row[Any]) -> TimelineItem:
    edited = (row.updated_at - row.created_at).total_seconds() > 60
    meta = f"by {row.agent_name}" if row.agent_name else "agent note"
    return TimelineItem(
        kind=ItemKind.NOTE,
        id=row.id,
        at=row.created_at,
        channel="note",
        title="Note",
        snippet=squash(row.snippet),
        meta=meta + (" · edited" if edited else ""),
        customer_id=row.customer_id,
    )


NOTES = Source(
    ItemKind.NOTE,
    Note.__table__,
    Note.created_at,
    Note.id,
    Note.customer_id,
    _select_notes,
    _note_item,
    _plain_filter("note", (Note.body,)),
)

# --- cases --------------------------------------------------------------------------------


def _select_cases() -> Select:
    return select(
        Case.id,
        Case.customer_id,
        Case.number,
        Case.title,
        Case.status,
        Case.priority,
        Case.opened_at,
        Case.closed_at,
    )


def _case_item(row: Row[Any]) -> TimelineItem:
    return TimelineItem(
        kind=ItemKind.CASE,
        id=row.id,
        at=row.opened_at,
        channel="case",
        title=squash(f"Case {row.number} opened: {row.title}", 120),
        snippet="",
        meta=" · ".join(p for p in (row.status, f"{row.priority} priority") if p),
        customer_id=row.customer_id,
    )


CASES = Source(
    ItemKind.CASE,
    Case.__table__,
    Case.opened_at,
    Case.id,
    Case.customer_id,
    _select_cases,
    _case_item,
    _plain_filter("case", (Case.title, Case.number)),
)

# --- orders -------------------------------------------------------------------------------


def _select_orders() -> Select:
    return select(
        Order.id,
        Order.customer_id,
        Order.number,
        Order.placed_at,
        Order.status,
        Order.total,
        Order.currency,
        Order.items,
    )


def order_lines(items_json: str) -> list[str]:
    """``"2 × Name"`` for each line of an order's items JSON (tolerates malformed JSON)."""
    try:
        items = json.loads(items_json or "[]")
    except ValueError:
        return []
    lines = []
    for entry in items if isinstance(items, list) else []:
        if isinstance(entry, dict):
            name = entry.get("name") or entry.get("sku") or "item"
            lines.append(f"{entry.get('qty', 1)} × {name}")
    return lines


def _order_item(row: Row[Any]) -> TimelineItem:
    return TimelineItem(
        kind=ItemKind.ORDER,
        id=row.id,
        at=row.placed_at,
        channel="order",
        title=f"Order {row.number} · {row.total:,.2f} {row.currency}",
        snippet=squash(", ".join(order_lines(row.items))),
        meta=row.status,
        customer_id=row.customer_id,
    )


ORDERS = Source(
    ItemKind.ORDER,
    Order.__table__,
    Order.placed_at,
    Order.id,
    Order.customer_id,
    _select_orders,
    _order_item,
    _plain_filter("order", (Order.number, Order.items)),
)

# --- surveys ------------------------------------------------------------------------------

SCALES = {"nps": 10, "csat": 5, "ces": 7}


def _select_surveys() -> Select:
    return select(
        SurveyResponse.id,
        SurveyResponse.customer_id,
        SurveyResponse.kind,
        SurveyResponse.score,
        SurveyResponse.comment,
        SurveyResponse.responded_at,
    )


def _survey_item(row: Row[Any]) -> TimelineItem:
    scale = SCALES.get(row.kind, 10)
    return TimelineItem(
        kind=ItemKind.SURVEY,
        id=row.id,
        at=row.responded_at,
        channel="survey",
        title=f"{row.kind.upper()} {row.score}/{scale}",
        snippet=squash(row.comment),
        meta="survey response",
        customer_id=row.customer_id,
        sentiment=(2 * row.score / scale) - 1 if scale else None,
    )


SURVEYS = Source(
    ItemKind.SURVEY,
    SurveyResponse.__table__,
    SurveyResponse.responded_at,
    SurveyResponse.id,
    SurveyResponse.customer_id,
    _select_surveys,
    _survey_item,
    _plain_filter("survey", (SurveyResponse.comment,)),
)

# --- loyalty ------------------------------------------------------------------------------


def _select_loyalty() -> Select:
    return select(
        LoyaltyEvent.id,
        LoyaltyEvent.customer_id,
        LoyaltyEvent.at,
        LoyaltyEvent.kind,
        LoyaltyEvent.tier,
        LoyaltyEvent.points,
        LoyaltyEvent.description,
    )


def _loyalty_item(row: Row[Any]) -> TimelineItem:
    what = row.kind.replace("_", " ").capitalize()
    extra = f" · {row.tier}" if row.tier else ""
    points = f" · {row.points:+,} points" if row.points else ""
    return TimelineItem(
        kind=ItemKind.LOYALTY,
        id=row.id,
        at=row.at,
        channel="loyalty",
        title=f"Loyalty: {what}{extra}{points}",
        snippet=squash(row.description),
        meta="loyalty programme",
        customer_id=row.customer_id,
    )


LOYALTY = Source(
    ItemKind.LOYALTY,
    LoyaltyEvent.__table__,
    LoyaltyEvent.at,
    LoyaltyEvent.id,
    LoyaltyEvent.customer_id,
    _select_loyalty,
    _loyalty_item,
    _plain_filter("loyalty", (LoyaltyEvent.description,)),
)

# --- campaigns ----------------------------------------------------------------------------


def _select_campaigns() -> Select:
    return select(
        CampaignEvent.id,
        CampaignEvent.customer_id,
        CampaignEvent.at,
        CampaignEvent.campaign,
        CampaignEvent.kind,
        CampaignEvent.channel,
    )


def _campaign_item(row: Row[Any]) -> TimelineItem:
    return TimelineItem(
        kind=ItemKind.CAMPAIGN,
        id=row.id,
        at=row.at,
        channel="campaign",
        title=squash(f"Campaign “{row.campaign}”: {row.kind}", 120),
        snippet="",
        meta=f"by {row.channel}" if row.channel else "marketing",
        customer_id=row.customer_id,
    )


CAMPAIGNS = Source(
    ItemKind.CAMPAIGN,
    CampaignEvent.__table__,
    CampaignEvent.at,
    CampaignEvent.id,
    CampaignEvent.customer_id,
    _select_campaigns,
    _campaign_item,
    _plain_filter("campaign", (CampaignEvent.campaign,)),
)

ALL: tuple[Source, ...] = (INTERACTIONS, NOTES, CASES, ORDERS, SURVEYS, LOYALTY, CAMPAIGNS)
FILTER_KEYS: tuple[str, ...] = (
    *sorted(CHANNELS),
    "note",
    "case",
    "order",
    "loyalty",
    "campaign",
)
