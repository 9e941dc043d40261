"""With a database: the caller's profile, recorded suggestions, decisions and the wrap-up."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sayonce.assist.customer_context import find_customer, load_customer_context
from sayonce.assist.playbook import Playbook
from sayonce.assist.reasons import DismissReason
from sayonce.assist.relevance import ActionIndex
from sayonce.assist.session import LiveSession
from sayonce.store import Customer, Interaction, Store, Suggestion, Turn
from tests.assist_support import START, action, add_customer, ended, said, started


def live(store: Store, playbook: Playbook, index: ActionIndex) -> LiveSession:
    return LiveSession(playbook, index, store=store, clock=lambda: START + timedelta(minutes=1))


def suggestions(store: Store) -> dict[str, Suggestion]:
    with store.read() as session:
        return {s.action_id: s for s in session.scalars(select(Suggestion))}


def test_context_covers_the_merge_cluster_and_finds_the_caller(store: Store) -> None:
    survivor = add_customer(store, "C-000001", "+441134960000", tier="gold", orders=[5])
    absorbed = add_customer(store, "C-000002", "+441134960099", orders=[2, 40])
    with store.write() as session:
        row = session.get(Customer, absorbed)
        assert row is not None
        row.merged_into_id = survivor
    with store.read() as session:
        assert find_customer(session, None, "+44 113 496 0099") == survivor
        assert find_customer(session, "C-000001") == survivor
        assert find_customer(session, None, "+15550000000") is None
        context = load_customer_context(session, absorbed, START)
    assert context.customer_id == survivor and set(context.cluster_ids) == {survivor, absorbed}
    assert context.tier == "gold"
    assert sorted(o.number for o in context.recent_orders) == ["A-1000", "A-1000", "A-1001"]


def test_shown_suggestions_and_decisions_are_recorded(
    store: Store, default_playbook: Playbook, default_index: ActionIndex
) -> None:
    customer = add_customer(store, tier="silver", segment="regulars")
    session = live(store, default_playbook, default_index)
    assert session.handle(started()).customer_ref == "C-000001"
    session.handle(said("My parcel still hasn't arrived, the tracking hasn't moved for a week"))
    rows = suggestions(store)
    assert rows["delivery-problem"].status == "shown"
    assert rows["delivery-problem"].customer_id == customer
    reasons = json.loads(rows["delivery-problem"].reasons)
    assert reasons[0]["kind"] == "said" and "parcel" in reasons[0]["quote"]
    assert "parcel" in (rows["delivery-problem"].context or "")

    session.accept("delivery-problem")
    session.record_outcome("delivery-problem", "success")
    others = [a for a in rows if a != "delivery-problem"]
    assert others  # a delivery complaint brings up more than one idea
    session.dismiss(others[0], DismissReason.NOT_RELEVANT)
    session.handle(ended())
    rows = suggestions(store)
    assert rows["delivery-problem"].status == "accepted"
    assert rows["delivery-problem"].outcome == "success"
    assert rows["delivery-problem"].decided_at is not None
    assert rows[others[0]].status == "dismissed"
    assert rows[others[0]].decision_reason == "not relevant"


def test_undecided_suggestions_expire_when_the_call_ends(
    store: Store, default_playbook: Playbook, default_index: ActionIndex
) -> None:
    add_customer(store)
    session = live(store, default_playbook, default_index)
    session.handle(started())
    session.handle(said("Is the shop in town open on Sunday?"))
    session.handle(ended())
    assert {s.status for s in suggestions(store).values()} == {"expired"}


def test_high_risk_acceptance_is_recorded_as_pending_approval(
    store: Store, default_playbook: Playbook, default_index: ActionIndex
) -> None:
    add_customer(store, orders=[3])
    session = live(store, default_playbook, default_index)
    session.handle(started())
    session.handle(said("The blender broke after a day and I want my money back"))
    session.accept("refund")
    row = suggestions(store)["refund"]
    assert row.status == "pending_approval" and row.risk == "high"


def test_contact_policy_counts_offers_recorded_earlier(
    store: Store, default_playbook: Playbook, default_index: ActionIndex
) -> None:
    add_customer(store)
    first = live(store, default_playbook, default_index)
    first.handle(started("call-1"))
    first.handle(said("I've just moved house, my address has changed", call_id="call-1"))
    first.handle(said("I'd like to pause my subscription while I'm travelling", call_id="call-1"))
    first.accept("pause-subscription")
    first.handle(ended("call-1"))

    second = live(store, default_playbook, default_index)
    second.handle(started("call-2", at=START + timedelta(days=3)))
    update = second.handle(
        said("I'm going away again, can I put the deliveries on hold?", call_id="call-2")
    )
    assert "pause-subscription" not in [s.action_id for s in update.suggestions]
    assert ("pause-subscription", "offered 1 times in 180 days (limit 1)") in update.suppressed


def test_confirmed_wrap_up_is_stored_with_the_call_in_one_go(
    store: Store, default_playbook: Playbook, default_index: ActionIndex
) -> None:
    customer = add_customer(store)
    session = live(store, default_playbook, default_index)
    session.handle(started())
    session.handle(said("I lost my card, the number was 4111 1111 1111 1111"))
    session.accept("replace-card")
    for step in ("verify-identity", "block-card", "ship-card"):
        session.handle(action("replace-card", step))
    draft = session.handle(ended()).wrap_up
    assert draft is not None and draft.disposition == "resolved"
    assert "4111" not in draft.summary  # redacted before anything is kept

    edited = draft.summary + " Customer asked for card 4111 1111 1111 1111 to be cancelled."
    interaction_id = session.confirm_wrap_up(edited, "resolved")
    with store.read() as db:
        interaction = db.get(Interaction, interaction_id)
        assert interaction is not None
        assert interaction.customer_id == customer
        assert interaction.disposition == "resolved"
        assert interaction.intent == "lost-card"
        assert "4111" not in (interaction.summary or "") and "[CARD]" in (interaction.summary or "")
        assert "4111" not in interaction.body
        turns = db.scalar(select(func.count()).where(Turn.interaction_id == interaction_id))
        assert turns == 1
        linked = db.scalars(select(Suggestion.interaction_id)).all()
        assert linked and set(linked) == {interaction_id}


def test_wrap_up_lands_on_the_call_the_intake_already_stored(
    store: Store, default_playbook: Playbook, default_index: ActionIndex
) -> None:
    customer = add_customer(store)
    with store.write() as db:
        db.add(
            Interaction(
                customer_id=customer,
                channel="call",
                started_at=START,
                body="customer: hello",
                source="intake",
                external_id="call-1",
            )
        )
    session = live(store, default_playbook, default_index)
    session.handle(started())
    session.handle(said("What time do you open on Saturday?"))
    session.handle(ended())
    stored = session.confirm_wrap_up("Asked about Saturday opening hours.", "information given")
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(Interaction)) == 1
        interaction = db.get(Interaction, stored)
        assert interaction is not None and interaction.summary == (
            "Asked about Saturday opening hours."
        )
        assert interaction.body == "customer: hello"  # the intake's transcript is kept


def test_a_wrap_up_with_an_unknown_disposition_is_refused(
    store: Store, default_playbook: Playbook, default_index: ActionIndex
) -> None:
    add_customer(store)
    session = live(store, default_playbook, default_index)
    session.handle(started())
    session.handle(ended())
    with pytest.raises(ValueError, match="unknown disposition"):
        session.confirm_wrap_up("x", "sort of done")
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(Interaction)) == 0


def test_linking_the_caller_mid_call_switches_eligibility_and_records(
    store: Store, default_playbook: Playbook, default_index: ActionIndex
) -> None:
    customer = add_customer(store, ref="C-000009", phone="+15550009999", orders=[4])
    session = live(store, default_playbook, default_index)
    session.handle(started())  # the number is not on file: an unknown caller
    update = session.handle(said("The toaster I bought is broken, I want a refund"))
    assert "refund" not in [s.action_id for s in update.suggestions]
    update = session.link_customer(customer)
    assert update.customer_ref == "C-000009"
    assert "refund" in [s.action_id for s in update.suggestions]
    assert suggestions(store)["refund"].customer_id == customer
