"""Small, hand-built customer histories for the desktop's core and UI tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sayonce.identity.normalize import name_key
from sayonce.store import (
    Agent,
    CampaignEvent,
    Case,
    Customer,
    Fact,
    Identity,
    Interaction,
    LoyaltyEvent,
    Note,
    Order,
    Store,
    SurveyResponse,
    Turn,
)
from sayonce.store.agents import Role
from sayonce.trust.principal import Principal

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CHANNELS = ("call", "chat", "email", "sms", "social", "web", "store")


def agent_principal(store: Store, username: str = "dana") -> Principal:
    """An agent row and its principal."""
    with store.write() as s:
        agent = Agent(username=username, display_name=username.capitalize(), role="agent")
        s.add(agent)
        s.flush()
        return Principal(username, Role.AGENT, agent.id, agent.display_name)


def customer(
    store: Store,
    name: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    handle: str | None = None,
    tier: str | None = "gold",
    verified: bool = True,
    merged_into: int | None = None,
) -> int:
    """A customer with the given identities (values already normalized)."""
    given, _, family = name.partition(" ")
    with store.write() as s:
        c = Customer(
            ref="tmp-" + name,
            display_name=name,
            given_name=given,
            family_name=family or None,
            name_key=name_key(given, family),
            tier=tier,
            segment="loyal regular",
            value_score=1234.5,
            preferred_channel="chat",
            birthday=date(1980, 3, 9),
            merged_into_id=merged_into,
        )
        s.add(c)
        s.flush()
        c.ref = f"C-{c.id:06d}"
        for kind, value in (("phone", phone), ("email", email), ("social", handle)):
            if value:
                s.add(Identity(customer_id=c.id, kind=kind, value=value, verified=verified))
        return c.id


def interactions(
    store: Store,
    customer_id: int,
    n: int,
    *,
    start: datetime = T0,
    step: timedelta = timedelta(hours=7),
) -> list[int]:
    """``n`` interactions, one every ``step``, cycling through channels; calls get turns."""
    ids = []
    with store.write() as s:
        for i in range(n):
            channel = CHANNELS[i % len(CHANNELS)]
            at = start + i * step
            body = f"customer: my parcel {i} is late\nagent: I will check order A-{10000 + i}"
            it = Interaction(
                customer_id=customer_id,
                channel=channel,
                started_at=at,
                ended_at=at + timedelta(minutes=6),
                subject=f"Contact {i}" if channel == "email" else None,
                body=body,
                external_id=f"ix-{customer_id}-{i}-{uuid.uuid4().hex[:8]}",
                sentiment=-0.4,
            )
            s.add(it)
            s.flush()
            if channel in ("call", "chat"):
                s.add(
                    Turn(
                        interaction_id=it.id,
                        seq=0,
                        speaker="customer",
                        text=f"my parcel {i} is late",
                    )
                )
                s.add(
                    Turn(
                        interaction_id=it.id,
                        seq=1,
                        speaker="agent",
                        text=f"I will check order A-{10000 + i}",
                    )
                )
            ids.append(it.id)
    return ids


def other_sources(store: Store, customer_id: int, at: datetime = T0) -> None:
    """One item of every non-interaction source, an hour apart after ``at``."""
    h = timedelta(hours=1)
    with store.write() as s:
        s.add(
            Order(
                customer_id=customer_id,
                number=f"A-9{customer_id:04d}",
                placed_at=at + h,
                total=Decimal("59.90"),
                items='[{"name": "Kettle", "qty": 1}]',
                external_id=f"o-{customer_id}",
            )
        )
        s.add(
            SurveyResponse(
                customer_id=customer_id,
                kind="nps",
                score=3,
                comment="slow refund",
                responded_at=at + 2 * h,
                external_id=f"s-{customer_id}",
            )
        )
        s.add(
            LoyaltyEvent(
                customer_id=customer_id,
                at=at + 3 * h,
                kind="tier_change",
                tier="gold",
                points=250,
                external_id=f"l-{customer_id}",
            )
        )
        s.add(
            CampaignEvent(
                customer_id=customer_id,
                at=at + 4 * h,
                campaign="Spring sale",
                kind="opened",
                channel="email",
                external_id=f"c-{customer_id}",
            )
        )
        s.add(
            Case(
                customer_id=customer_id,
                number=f"K-{customer_id:04d}",
                title="Late refund",
                opened_at=at + 5 * h,
                external_id=f"k-{customer_id}",
            )
        )
        s.add(
            Note(
                customer_id=customer_id,
                body="Prefers email follow-ups",
                created_at=at + 6 * h,
                updated_at=at + 6 * h,
            )
        )


def fact(
    store: Store,
    customer_id: int,
    interaction_id: int,
    kind: str,
    text: str,
    at: datetime = T0,
    value: str | None = None,
    resolved: bool = False,
) -> None:
    """One "already told us" fact."""
    with store.write() as s:
        s.add(
            Fact(
                customer_id=customer_id,
                interaction_id=interaction_id,
                kind=kind,
                text=text,
                value=value,
                at=at,
                resolved=resolved,
            )
        )
