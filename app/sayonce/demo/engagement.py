"""Marketing engagement, NPS answers and agents' notes for a demo customer.

Marketing follows consent: nothing is sent to someone who has not agreed, or after they
unsubscribed or opted out.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sayonce.demo.people import Person
from sayonce.demo.rows import Ids, Rows
from sayonce.demo.seeds import Campaign

# NPS score ranges by segment (others: 5..10)
NPS_RANGES = {"vip": (8, 10), "loyalist": (7, 10), "at_risk": (0, 6), "bargain_hunter": (4, 9)}
NPS_COMMENTS = {
    "detractor": ("Too many problems with deliveries.", "Prices keep going up.", "Hard to reach."),
    "passive": ("Fine overall.", "Good products, service could be faster."),
    "promoter": ("Always helpful staff.", "Love the Rewards programme.", "Great range and fast."),
}


# each step of a campaign's funnel, and the chance a customer takes it after the one before
FUNNEL = (("sent", 1.0), ("opened", 0.45), ("clicked", 0.3), ("converted", 0.2))


def may_market(person: Person, at: datetime) -> bool:
    """Whether marketing to ``person`` at ``at`` respects their consent."""
    if person.consent_marketing:
        return True
    return person.unsubscribed_at is not None and at < person.unsubscribed_at


def campaign_events(
    rng: random.Random,
    person: Person,
    campaigns: tuple[Campaign, ...],
    ids: Ids,
    rows: Rows,
    as_of: datetime,
) -> None:
    """Sends, opens, clicks and conversions of each year's campaigns, and an unsubscribe."""
    for year in range(person.since.year, as_of.year + 1):
        for campaign in campaigns:
            if campaign.segments and person.segment.segment not in campaign.segments:
                continue
            month, day = (int(part) for part in campaign.date.split("-"))
            sent = datetime(year, month, day, 15, tzinfo=UTC) + timedelta(minutes=rng.randrange(90))
            if not (person.since < sent < as_of) or not may_market(person, sent):
                continue
            if rng.random() >= campaign.reach:
                continue
            name = f"{campaign.name} {year}"
            at = sent
            for kind, chance in (
                ("sent", 1.0),
                ("opened", 0.45),
                ("clicked", 0.3),
                ("converted", 0.2),
            ):
                if rng.random() >= chance:
                    break
                if kind != "sent":
                    at += timedelta(minutes=rng.uniform(5, 2_000))
                if at >= as_of:
                    break
                add_campaign_event(ids, rows, person.id, at, name, kind, campaign.channel)
    if person.unsubscribed_at is not None:
        add_campaign_event(
            ids, rows, person.id, person.unsubscribed_at, "All marketing", "unsubscribed", "email"
        )


def add_campaign_event(
    ids: Ids, rows: Rows, customer_id: int, at: datetime, name: str, kind: str, channel: str
) -> None:
    """Queue one ``campaign_events`` row."""
    event_id = ids.take("campaign_events")
    rows.add(
        "campaign_events",
        {
            "id": event_id,
            "customer_id": customer_id,
            "at": at,
            "campaign": name,
            "kind": kind,
            "channel": channel,
            "source": "demo",
            "external_id": f"M{event_id}",
        },
    )


def nps_answers(rng: random.Random, person: Person, ids: Ids, rows: Rows, as_of: datetime) -> None:
    """Relationship NPS surveys: about one answer in three customer-years."""
    low, high = NPS_RANGES.get(person.segment.segment, (5, 10))
    years = max(1, (as_of - person.since).days // 365)
    for _ in range(years):
        if rng.random() >= 0.33:
            continue
        span = (as_of - person.since).total_seconds()
        at = person.since + timedelta(seconds=rng.uniform(0, span))
        score = rng.randint(low, high)
        band = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
        survey_id = ids.take("survey_responses")
        rows.add(
            "survey_responses",
            {
                "id": survey_id,
                "customer_id": person.id,
                "interaction_id": None,
                "kind": "nps",
                "score": score,
                "comment": rng.choice(NPS_COMMENTS[band]) if rng.random() < 0.4 else None,
                "responded_at": at,
                "source": "demo",
                "external_id": f"S{survey_id}",
            },
        )


def agent_note(
    rng: random.Random,
    person: Person,
    notes: tuple[str, ...],
    agent_id: int,
    ids: Ids,
    rows: Rows,
    as_of: datetime,
) -> None:
    """One note an agent left on the profile."""
    span = (as_of - person.since).total_seconds()
    at = person.since + timedelta(seconds=rng.uniform(0, span))
    rows.add(
        "notes",
        {
            "id": ids.take("notes"),
            "customer_id": person.id,
            "agent_id": agent_id,
            "body": rng.choice(notes),
            "created_at": at,
            "updated_at": at,
        },
    )
