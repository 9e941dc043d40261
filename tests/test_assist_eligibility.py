"""Eligibility rules over the customer snapshot, with the reasons agents and supervisors see."""

from __future__ import annotations

from datetime import date, timedelta

from sayonce.assist.customer_context import (
    CaseFact,
    ContactFact,
    CustomerContext,
    OrderFact,
)
from sayonce.assist.eligibility import days_to_birthday, evaluate
from sayonce.assist.playbook import Rules
from tests.assist_support import START, birthday_in


def known(**fields: object) -> CustomerContext:
    return CustomerContext(customer_id=7, ref="C-7", **fields)  # type: ignore[arg-type]


def rules(**fields: object) -> Rules:
    return Rules.model_validate(fields)


def test_no_rules_means_everyone_even_an_unknown_caller() -> None:
    assert evaluate(Rules(), CustomerContext(), START).ok


def test_tier_rule_gives_the_tier_as_a_reason() -> None:
    verdict = evaluate(rules(tier=["gold", "platinum"]), known(tier="Gold"), START)
    assert verdict.ok
    assert [r.text for r in verdict.reasons] == ["Gold tier"]
    silver = evaluate(rules(tier=["gold"]), known(tier="silver"), START)
    assert not silver.ok and "silver" in (silver.failed or "")


def test_unknown_caller_fails_rules_that_need_data() -> None:
    verdict = evaluate(rules(tier=["gold"]), CustomerContext(), START)
    assert not verdict.ok and verdict.failed == "unknown caller"
    assert not evaluate(rules(known_customer=True), CustomerContext(), START).ok


def test_birthday_within_days_counts_both_ways_and_across_new_year() -> None:
    window = rules(birthday_within_days=7)
    assert [r.text for r in evaluate(window, known(birthday=birthday_in(3)), START).reasons] == [
        "birthday in 3 days"
    ]
    assert evaluate(window, known(birthday=birthday_in(-2)), START).reasons[0].text == (
        "birthday 2 days ago"
    )
    assert not evaluate(window, known(birthday=birthday_in(20)), START).ok
    assert days_to_birthday(date(1990, 1, 2), date(2026, 12, 30)) == 3
    assert days_to_birthday(date(1988, 2, 29), date(2027, 2, 27)) == 1  # no 29th in 2027


def test_nps_detractor_uses_the_latest_score() -> None:
    detractor = known(latest_nps=(3, START - timedelta(days=10)))
    verdict = evaluate(rules(nps_detractor=True), detractor, START)
    assert verdict.ok and verdict.reasons[0].text.startswith("NPS detractor (3")
    assert not evaluate(rules(nps_detractor=True), known(latest_nps=(9, START)), START).ok
    assert not evaluate(rules(nps_detractor=True), known(), START).ok


def test_recent_orders_window_and_status() -> None:
    orders = (
        OrderFact("A-2", START - timedelta(days=5), "shipped", 20.0),
        OrderFact("A-1", START - timedelta(days=50), "delivered", 80.0),
    )
    customer = known(recent_orders=orders)
    verdict = evaluate(rules(recent_orders={"within_days": 30}), customer, START)
    assert verdict.ok and "#A-2" in verdict.reasons[0].text
    assert not evaluate(rules(recent_orders={"within_days": 3}), customer, START).ok
    delivered = rules(recent_orders={"within_days": 60, "status": ["delivered"]})
    assert "#A-1" in evaluate(delivered, customer, START).reasons[0].text


def test_recent_contacts_about_the_action_count_as_evidence() -> None:
    contacts = (
        ContactFact(START - timedelta(days=1), "chat", "outage", None),
        ContactFact(START - timedelta(days=3), "call", "outage", None),
        ContactFact(START - timedelta(days=2), "email", "refund", None),
    )
    customer = known(recent_contacts=contacts)
    verdict = evaluate(rules(recent_contacts={"within_days": 7}), customer, START, ["outage"])
    assert verdict.ok
    assert verdict.reasons[0].text == "2 contacts about this in 7 days"
    assert not evaluate(
        rules(recent_contacts={"within_days": 2, "min": 2}), customer, START, ["outage"]
    ).ok


def test_consent_and_opt_out() -> None:
    opted_out = known(opted_out=True)
    assert not evaluate(rules(consent=["personalization"]), opted_out, START).ok
    assert not evaluate(
        rules(consent=["personalization"]), known(consent_personalization=False), START
    ).ok
    assert evaluate(rules(consent=["personalization"]), known(), START).ok
    assert not evaluate(rules(consent=["marketing"]), known(), START).ok


def test_open_cases_range_and_evidence() -> None:
    cases = (CaseFact("77", "Router keeps dropping", START - timedelta(days=2)),)
    verdict = evaluate(rules(open_cases={"min": 1}), known(open_cases=cases), START)
    assert verdict.ok and verdict.reasons[0].evidence == "case #77"
    assert not evaluate(rules(open_cases={"max": 0}), known(open_cases=cases), START).ok


def test_tenure_and_value() -> None:
    loyal = known(customer_since=START - timedelta(days=3 * 365 + 10), value_score=1200.0)
    verdict = evaluate(rules(min_tenure_days=365, min_value=1000), loyal, START)
    assert verdict.ok
    assert {r.text for r in verdict.reasons} == {
        "customer for 3 years",
        "high-value customer (1,200)",
    }
    assert not evaluate(rules(min_tenure_days=5000), loyal, START).ok
    assert not evaluate(rules(max_value=100), loyal, START).ok


def test_an_opt_out_on_a_merged_in_profile_still_holds(sqlite_store: object) -> None:
    from datetime import UTC, datetime

    from sayonce.assist.customer_context import load_customer_context
    from sayonce.store import Customer, Store

    assert isinstance(sqlite_store, Store)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with sqlite_store.write() as s:
        root = Customer(ref="C-1", display_name="Ann Lee", consent_personalization=True)
        s.add(root)
        s.flush()
        s.add(
            Customer(
                ref="C-2",
                display_name="Ann Lee",
                consent_personalization=False,
                opted_out_at=now,
                merged_into_id=root.id,
            )
        )
        s.flush()
        root_id = root.id
    with sqlite_store.read() as s:
        context = load_customer_context(s, root_id, now)
    assert context.opted_out
    assert not context.consent_personalization
