"""The demo generator: deterministic, believable, consistent, and safe with existing data."""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from sayonce.demo import DemoRefused, DemoStats, generate
from sayonce.identity import normalize
from sayonce.privacy.redact import redact
from sayonce.store import (
    Agent,
    Base,
    CampaignEvent,
    Case,
    Customer,
    Fact,
    Identity,
    IdentityKind,
    Interaction,
    LoyaltyEvent,
    MetaValue,
    Order,
    Store,
    SurveyResponse,
    Turn,
    open_store,
)

AS_OF = date(2026, 5, 4)
# Columns that hold the wall-clock time of generation, not demo data.
NOW_COLUMNS = {("agents", "created_at")}
SMALL = {"customers": 60, "interactions": 1_500, "seed": 11, "as_of": AS_OF}


def _dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the demo fills, in id order."""
    out = {}
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in ("meta", "audit_events"):
                continue
            columns = [c for c in table.columns if (table.name, c.name) not in NOW_COLUMNS]
            query = select(*columns).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(query)]
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, DemoStats]]:
    """One small SQLite demo shared by the read-only checks below."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    store = open_store(f"sqlite:///{path}")
    stats = generate(store, **SMALL)  # type: ignore[arg-type]
    yield store, stats
    store.dispose()


def test_same_seed_gives_the_same_data_whatever_the_batch_size(
    demo: tuple[Store, DemoStats], tmp_path: Path
) -> None:
    store, _ = demo
    again = open_store(f"sqlite:///{tmp_path / 'again.sqlite3'}")
    generate(again, batch_interactions=97, **SMALL)  # type: ignore[arg-type]
    first, second = _dump(store), _dump(again)
    assert first["interactions"] and first == second
    again.dispose()


def test_another_seed_gives_other_data(demo: tuple[Store, DemoStats], tmp_path: Path) -> None:
    store, _ = demo
    other = open_store(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    generate(other, **{**SMALL, "seed": 12})  # type: ignore[arg-type]
    assert _dump(store)["customers"] != _dump(other)["customers"]
    other.dispose()


def test_sizes_are_exact_and_every_kind_of_record_is_there(demo: tuple[Store, DemoStats]) -> None:
    store, stats = demo
    with store.read() as s:

        def count(model: Any, *where: Any) -> int:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

        assert count(Customer) == stats.customers == 60
        assert count(Interaction) == stats.interactions == 1_500
        channels = set(s.scalars(select(Interaction.channel).distinct()))
        assert channels >= {"call", "chat", "email", "sms", "social", "web", "store"}
        assert count(Turn) == stats.turns > 0
        assert count(Order) == stats.orders > 0
        assert count(SurveyResponse, SurveyResponse.kind == "nps") > 0
        assert count(SurveyResponse, SurveyResponse.kind == "csat") > 0
        assert count(LoyaltyEvent, LoyaltyEvent.kind == "tier_up") > 0
        assert count(CampaignEvent, CampaignEvent.kind == "opened") > 0
        assert count(Case, Case.status == "closed") > 0
        assert count(Case, Case.status != "closed") > 0
        assert count(Fact) == stats.facts > 0
        assert set(s.scalars(select(Agent.role))) == {"agent", "supervisor", "admin"}
        assert count(Customer, Customer.consent_personalization.is_(False)) > 0
        assert count(Customer, Customer.birthday.is_(None)) < stats.customers // 4
        tiers = set(s.scalars(select(Customer.tier)))
        assert {"bronze", "silver", "gold", "platinum"} & tiers and None in tiers


def test_identities_are_normalized_and_unrelated_people_share_none(
    demo: tuple[Store, DemoStats],
) -> None:
    store, _ = demo
    with store.read() as s:
        rows = s.execute(
            select(
                Identity.kind, Identity.raw, Identity.value, Identity.customer_id, Customer.country
            ).join(Customer, Customer.id == Identity.customer_id)
        ).all()
        meta = {m.key: m.value for m in s.scalars(select(MetaValue))}
    kinds = Counter(r.kind for r in rows)
    assert all(kinds[k] for k in ("phone", "email", "social", "account", "loyalty"))
    for kind, raw, value, _, country in rows:
        region = "GB" if country == "GB" else "US"
        assert normalize.identity(kind, raw, region) == value
    owners: dict[tuple[str, str], set[int]] = defaultdict(set)
    for kind, _, value, customer_id, _ in rows:
        owners[(kind, value)].add(customer_id)
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    refs = {c.id: c.ref for c in _customers(store)}
    explained = {
        frozenset((d["profile"], d["same_as"])) for d in json.loads(meta["demo.duplicates"])
    }
    explained |= {frozenset(pair) for pair in json.loads(meta["demo.households"])}
    for ids in shared.values():
        assert frozenset(refs[i] for i in ids) in explained


def _customers(store: Store) -> list[Customer]:
    with store.read() as s:
        return list(s.scalars(select(Customer)))


def test_second_profiles_and_households_give_identity_resolution_work(
    demo: tuple[Store, DemoStats],
) -> None:
    store, stats = demo
    by_ref = {c.ref: c for c in _customers(store)}
    with store.read() as s:
        meta = {
            m.key: json.loads(m.value)
            for m in s.scalars(select(MetaValue))
            if m.key in ("demo.duplicates", "demo.households")
        }
    twins = meta["demo.duplicates"]
    assert len(twins) == stats.duplicates > 0
    for twin in twins:
        a, b = by_ref[twin["profile"]], by_ref[twin["same_as"]]
        assert a.id > b.id and a.birthday == b.birthday
        if twin["kind"] in ("same_phone", "moved"):
            assert a.display_name == b.display_name
        else:  # a nickname, a typo or dropped accents: only fuzzy matching finds them
            assert a.display_name != b.display_name
    for head, member in meta["demo.households"]:
        a, b = by_ref[head], by_ref[member]
        assert a.family_name == b.family_name and a.given_name != b.given_name


def test_storylines_cross_channels_and_refer_back(demo: tuple[Store, DemoStats]) -> None:
    store, _ = demo
    with store.read() as s:
        cases = s.scalars(select(Case).where(Case.title.like("Refund for order %"))).all()
        assert cases
        crossed = 0
        for case in cases:
            contacts = s.scalars(
                select(Interaction)
                .where(Interaction.case_id == case.id)
                .order_by(Interaction.started_at)
            ).all()
            number = re.search(r"A-\d+", case.title).group()  # type: ignore[union-attr]
            order = s.scalar(select(Order).where(Order.number == number))
            assert order is not None and order.customer_id == case.customer_id
            assert order.placed_at < contacts[0].started_at
            channels = [c.channel for c in contacts]
            if {"chat", "email", "call"} <= set(channels):
                crossed += 1
                call = next(c for c in contacts if c.channel == "call")
                assert number in call.body and ("chat" in call.body or "email" in call.body)
                assert case.status == "closed" and order.status == "refunded"
        assert crossed


def test_recent_problems_are_still_open_and_nothing_happens_after_today(
    demo: tuple[Store, DemoStats],
) -> None:
    store, _ = demo
    today = datetime(2026, 5, 4).astimezone()
    with store.read() as s:
        latest = s.scalar(select(func.max(Interaction.started_at)))
        open_cases = s.scalars(select(Case).where(Case.status != "closed")).all()
        too_early = s.scalar(
            select(func.count())
            .select_from(Interaction)
            .join(Customer, Customer.id == Interaction.customer_id)
            .where(Interaction.started_at < Customer.created_at)
        )
    assert latest is not None and latest < today
    assert any(c.opened_at > today - timedelta(days=12) for c in open_cases)
    assert too_early == 0


def test_conversations_are_stored_as_joined_redacted_turns(demo: tuple[Store, DemoStats]) -> None:
    store, _ = demo
    labels = {"customer": "Customer", "agent": "Agent", "bot": "Bot"}
    with store.read() as s:
        calls = s.scalars(
            select(Interaction).where(Interaction.channel.in_(["call", "chat"])).limit(200)
        ).all()
        for call in calls:
            turns = s.scalars(select(Turn).where(Turn.interaction_id == call.id).order_by(Turn.seq))
            joined = "\n".join(f"{labels[t.speaker]}: {t.text}" for t in turns)
            assert call.body == joined
            assert call.agent_id is not None and call.ended_at > call.started_at
        texts = [
            text
            for row in s.execute(select(Interaction.subject, Interaction.body, Interaction.summary))
            for text in row
            if text
        ]
        texts += s.scalars(select(Case.title)).all()
    assert [t for t in texts if redact(t) != t] == []
    assert any("[CARD]" in body for body in texts) or all("card number" not in b for b in texts)


def test_marketing_and_tracking_follow_consent(demo: tuple[Store, DemoStats]) -> None:
    store, _ = demo
    with store.read() as s:
        events = s.execute(
            select(CampaignEvent.customer_id, CampaignEvent.kind, CampaignEvent.at)
            .join(Customer, Customer.id == CampaignEvent.customer_id)
            .where(Customer.consent_marketing.is_(False))
        ).all()
        tracked_after_opt_out = s.scalar(
            select(func.count())
            .select_from(Interaction)
            .join(Customer, Customer.id == Interaction.customer_id)
            .where(Interaction.channel == "web", Interaction.started_at >= Customer.opted_out_at)
        )
        opted_out = s.scalar(select(func.count()).where(Customer.opted_out_at.is_not(None)))
    stopped = {e.customer_id: e.at for e in events if e.kind == "unsubscribed"}
    sent = [e for e in events if e.kind == "sent"]
    assert stopped and opted_out
    assert all(e.customer_id in stopped and e.at < stopped[e.customer_id] for e in sent)
    assert tracked_after_opt_out == 0


def test_facts_point_at_what_the_customer_said(demo: tuple[Store, DemoStats]) -> None:
    store, _ = demo
    with store.read() as s:
        orders = s.execute(
            select(Fact.value, Fact.customer_id).where(Fact.kind == "order_number")
        ).all()
        owned = {(n, c) for n, c in s.execute(select(Order.number, Order.customer_id))}
        kinds = set(s.scalars(select(Fact.kind)))
        open_promises = s.scalar(
            select(func.count())
            .select_from(Fact)
            .where(Fact.kind == "promise", Fact.resolved.is_(False))
        )
    assert orders and all((value, customer) in owned for value, customer in orders)
    assert {"order_number", "promise", "tried", "problem"} <= kinds
    assert open_promises


def test_progress_reports_climb_to_the_total(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    seen: list[tuple[int, int]] = []
    generate(
        store,
        customers=100,
        interactions=2_500,
        as_of=AS_OF,
        progress=lambda d, t: seen.append((d, t)),
    )
    store.dispose()
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == 2_500 and len(done) > 1
    assert {t for _, t in seen} == {2_500}


def test_a_database_with_data_is_refused_and_left_as_it_was(sqlite_store: Store) -> None:
    with sqlite_store.write() as s:
        s.add(Customer(ref="C-REAL", display_name="Real Person", name_key="real person"))
    with pytest.raises(DemoRefused, match="empty database"):
        generate(sqlite_store, customers=5, interactions=20, as_of=AS_OF)
    with sqlite_store.read() as s:
        assert s.scalars(select(Customer.ref)).all() == ["C-REAL"]
        assert s.scalar(select(func.count()).select_from(Interaction)) == 0


def test_demo_on_each_backend_leaves_a_working_database(store: Store) -> None:
    stats = generate(store, customers=25, interactions=400, seed=3, as_of=AS_OF)
    assert stats.interactions == 400 and stats.customers == 25
    with store.write() as s:  # ids we chose never collide with ones the database hands out
        customer = Customer(ref="C-NEW", display_name="New Caller", name_key="new caller")
        s.add(customer)
        s.flush()
        s.add(
            Interaction(
                customer_id=customer.id,
                channel="call",
                started_at=datetime(2026, 5, 4, 9).astimezone(),
                body="Customer: the zyxwvut blender is broken",
                external_id="live-1",
            )
        )
    if store.dialect == "sqlite":
        search = "SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH :q"
    else:
        search = (
            "SELECT count(*) FROM interactions WHERE to_tsvector('english', "
            "coalesce(subject, '') || ' ' || body) @@ plainto_tsquery('english', :q)"
        )
    with store.read() as s:
        assert s.scalar(text(search), {"q": "refund"}) > 0
        assert s.scalar(text(search), {"q": "zyxwvut"}) == 1
        seed = s.get(MetaValue, "demo.seed")
    assert seed is not None and seed.value == "3"


def test_a_used_up_phone_range_leaves_people_without_a_phone() -> None:
    from sayonce.demo import people, seeds

    london = next(c for c in seeds.people().cities if c.city == "London")
    taken = people.Taken()
    rng = random.Random(1)
    numbers = {people.phone_raw(rng, london, taken) for _ in range(4_000)}
    assert len({n[1] for n in numbers if n}) == 2_000  # both fictional ranges, no repeats
    person = people.make_person(rng, seeds.people(), 1, datetime(2026, 5, 4, tzinfo=UTC))
    person.city = london
    assert people.add_home_phone(rng, person, taken) is False
    assert person.first(IdentityKind.PHONE) is None
