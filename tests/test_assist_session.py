"""The live session: suggestions with reasons, guided steps, suppression, consent, approval."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from sayonce.assist.customer_context import CustomerContext, OfferFact
from sayonce.assist.playbook import Playbook
from sayonce.assist.reasons import DismissReason
from sayonce.assist.relevance import ActionIndex
from sayonce.assist.session import LiveSession
from sayonce.assist.views import AssistUpdate
from tests.assist_support import START, action, birthday_in, ended, said, started

GOLD = CustomerContext(customer_id=1, ref="C-1", tier="gold", segment="regulars")


def session_for(playbook: Playbook, index: ActionIndex, **kwargs: object) -> LiveSession:
    return LiveSession(playbook, index, clock=lambda: START, **kwargs)  # type: ignore[arg-type]


def ids(update: AssistUpdate) -> list[str]:
    return [s.action_id for s in update.suggestions]


def test_minimal_playbook_suggests_the_card_with_its_first_step_and_the_words_why(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    update = session.handle(said("Hi, I think I left my debit card in a taxi last night"))
    top = update.suggestions[0]
    assert top.action_id == "replace-card"
    assert top.step_id == "verify-identity" and top.step_title == "Verify identity"
    said_reason = top.reasons[0]
    assert said_reason.kind == "said" and said_reason.text.startswith("customer said '")
    assert "card" in said_reason.text and said_reason.evidence == "turn 0"
    assert update.intent == "replace-card"


def test_minimal_playbook_answers_a_question_about_opening_hours(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    update = session.handle(said("What time does the branch on King Street open on Saturday?"))
    assert ids(update)[0] == "branch-hours"


def test_nothing_is_suggested_before_anyone_speaks_without_proactive_actions(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    assert session.handle(started()).suggestions == ()
    assert session.handle(said("Good morning!")).suggestions == ()


def test_action_events_walk_the_guided_steps_and_finish_the_action(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    session.handle(said("my card was stolen from my bag"))
    update = session.handle(action("replace-card", "verify-identity"))
    assert [(s.step_id, s.status) for s in update.steps] == [
        ("verify-identity", "done"),
        ("block-card", "next"),
        ("ship-card", "todo"),
    ]
    pinned = update.suggestions[0]
    assert pinned.in_progress and pinned.step_id == "block-card"
    session.handle(action("replace-card", "block-card"))
    update = session.handle(action("replace-card", "ship-card"))
    assert "replace-card" not in ids(update)
    assert ("replace-card", "done in this call") in update.suppressed
    update = session.handle(said("and my card is gone, somebody stole it"))
    assert "replace-card" not in ids(update)


def test_what_the_agent_says_completes_the_matching_step_only(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    session.handle(said("I lost my debit card"))
    session.handle(action("replace-card", "verify-identity"))
    update = session.handle(said("Right, I've blocked the old card for you now.", "agent"))
    status = {s.step_id: s.status for s in update.steps}
    assert status == {"verify-identity": "done", "block-card": "done", "ship-card": "next"}
    how = next(s.how for s in update.steps if s.step_id == "block-card")
    assert how is not None and how.startswith("said '")


def test_a_dismissed_suggestion_is_not_suggested_again_in_the_call(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    session.handle(said("I lost my debit card"))
    update = session.dismiss("replace-card", DismissReason.CUSTOMER_DECLINED)
    assert "replace-card" not in ids(update)
    update = session.handle(said("yes the card, it is lost, I dropped it"))
    assert "replace-card" not in ids(update)
    assert ("replace-card", "dismissed in this call") in update.suppressed


def test_personalized_offers_respect_an_opt_out(
    default_playbook: Playbook, default_index: ActionIndex
) -> None:
    birthday = dataclasses.replace(GOLD, birthday=birthday_in(2))
    session = session_for(default_playbook, default_index, context=birthday)
    offered = session.handle(started())
    assert "birthday-offer" in ids(offered)
    reasons = next(s.reasons for s in offered.suggestions if s.action_id == "birthday-offer")
    assert "birthday in 2 days" in [r.text for r in reasons]

    opted_out = dataclasses.replace(birthday, opted_out=True)
    session = session_for(default_playbook, default_index, context=opted_out)
    update = session.handle(started())
    assert "birthday-offer" not in ids(update)
    assert ("birthday-offer", "customer opted out of personalization") in update.suppressed


def test_contact_policy_stops_an_offer_made_too_often(
    default_playbook: Playbook, default_index: ActionIndex
) -> None:
    recent = OfferFact("birthday-offer", START - timedelta(days=20))
    context = dataclasses.replace(GOLD, birthday=birthday_in(1), offers=(recent,))
    update = session_for(default_playbook, default_index, context=context).handle(started())
    assert "birthday-offer" not in ids(update)
    assert ("birthday-offer", "offered 1 times in 300 days (limit 1)") in update.suppressed


def test_eligibility_keeps_actions_from_customers_they_do_not_fit(
    default_playbook: Playbook, default_index: ActionIndex
) -> None:
    session = session_for(default_playbook, default_index)  # an unknown caller: no orders
    session.handle(started())
    update = session.handle(said("I want a refund for the order, it arrived broken"))
    assert "refund" not in ids(update)
    assert any(a == "refund" and why.startswith("not eligible") for a, why in update.suppressed)


def test_a_high_risk_action_waits_for_approval(
    default_playbook: Playbook, default_index: ActionIndex
) -> None:
    context = dataclasses.replace(GOLD, recent_orders=())
    session = session_for(default_playbook, default_index, context=context)
    session.handle(started())
    update = session.handle(said("I want to cancel my membership, it's too expensive now"))
    retention = next(s for s in update.suggestions if s.action_id == "retention-offer")
    assert retention.needs_approval and retention.risk == "high"
    update = session.accept("retention-offer")
    pinned = update.suggestions[0]
    assert pinned.action_id == "retention-offer" and pinned.in_progress
    assert pinned.reasons[0].text == "awaiting a supervisor's approval"
    assert session.wrap_up().disposition == "follow-up needed"


def _waiting_for_approval(playbook: Playbook, index: ActionIndex) -> LiveSession:
    context = dataclasses.replace(GOLD, recent_orders=())
    session = session_for(playbook, index, context=context)
    session.handle(started())
    session.handle(said("I want to cancel my membership, it's too expensive now"))
    session.accept("retention-offer")
    return session


def test_a_rejected_request_is_unpinned_and_not_suggested_again(
    default_playbook: Playbook, default_index: ActionIndex
) -> None:
    session = _waiting_for_approval(default_playbook, default_index)
    update = session.supervisor_decided({"retention-offer": ("rejected", "offer budget spent")})
    assert update is not None
    assert "retention-offer" not in ids(update)
    why = ("retention-offer", "rejected by a supervisor: offer budget spent")
    assert why in update.suppressed
    update = session.handle(said("so I am cancelling, unless you can offer me something"))
    assert "retention-offer" not in ids(update) and why in update.suppressed
    assert session.supervisor_decided({"retention-offer": ("rejected", None)}) is None
    draft = session.wrap_up()
    assert "Awaiting approval" not in draft.summary
    title = default_playbook.action("retention-offer").title
    assert f"Not done: {title}" in draft.summary
    assert "approval" not in draft.why  # nothing waits for a supervisor any more


def test_a_rejection_without_a_note_still_says_who(
    default_playbook: Playbook, default_index: ActionIndex
) -> None:
    session = _waiting_for_approval(default_playbook, default_index)
    update = session.supervisor_decided({"retention-offer": ("rejected", None)})
    assert update is not None
    assert ("retention-offer", "rejected by a supervisor") in update.suppressed


def test_an_approved_request_goes_ahead_with_its_steps(
    default_playbook: Playbook, default_index: ActionIndex
) -> None:
    session = _waiting_for_approval(default_playbook, default_index)
    assert session.supervisor_decided({"retention-offer": ("pending_approval", None)}) is None
    update = session.supervisor_decided({"retention-offer": ("approved", "ok")})
    assert update is not None
    pinned = update.suggestions[0]
    action = default_playbook.action("retention-offer")
    assert pinned.action_id == "retention-offer" and pinned.in_progress
    assert pinned.reasons[0].text == f"in progress: 0 of {len(action.steps)} steps done"
    assert pinned.step_id == action.steps[0].id
    assert session.wrap_up().why == f"{action.title} was left part-way"


def test_repeat_contacts_are_a_reason_with_evidence(
    default_playbook: Playbook, default_index: ActionIndex
) -> None:
    from sayonce.assist.customer_context import ContactFact

    contacts = tuple(ContactFact(START - timedelta(days=d), "chat", "outage", None) for d in (1, 2))
    context = dataclasses.replace(GOLD, recent_contacts=contacts)
    session = session_for(default_playbook, default_index, context=context)
    update = session.handle(started())
    outage = next(s for s in update.suggestions if s.action_id == "outage-help")
    texts = [r.text for r in outage.reasons]
    assert "2 contacts about this in 2 days" in texts
    update = session.handle(said("my internet has been down since yesterday"))
    assert ids(update)[0] == "outage-help"


def test_partial_transcripts_are_shown_not_analysed(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    from sayonce.intake.events import Utterance

    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    partial = Utterance(call_id="call-1", speaker="customer", text="I lost my card", final=False)
    assert session.handle(partial).suggestions == ()


def test_the_update_is_frozen_plain_data_with_its_cost(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    update = session.handle(said("I lost my debit card"))
    assert update.latency_ms > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        update.intent = "x"  # type: ignore[misc]
    line = update.to_json()
    assert set(line) >= {"event", "intent", "sentiment", "suggestions", "latency_ms"}
    assert set(line["suggestions"][0]) >= {"action_id", "step_id", "title", "score", "reasons"}


def test_sentiment_follows_the_customer(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    angry = session.handle(said("This is awful, I am furious, you lost my card again!"))
    assert angry.sentiment is not None and angry.sentiment < 0
    calmer = session.handle(said("Thank you so much, that is wonderful, great help"))
    assert calmer.sentiment is not None and calmer.sentiment > angry.sentiment


def test_wrap_up_summarizes_and_suggests_a_disposition(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    session.handle(said("Hello, I lost my debit card on the train this morning"))
    for step in ("verify-identity", "block-card", "ship-card"):
        session.handle(action("replace-card", step))
    session.handle(said("The new card will arrive within 5 days.", "agent"))
    update = session.handle(ended())
    draft = update.wrap_up
    assert draft is not None
    assert "lost my debit card" in draft.summary
    assert "Order a replacement card" in draft.summary
    assert draft.disposition == "follow-up needed"  # the agent promised a delivery
    assert "within 5 days" in " ".join(draft.promises)


def test_an_unknown_action_event_is_ignored(
    minimal_playbook: Playbook, minimal_index: ActionIndex
) -> None:
    session = session_for(minimal_playbook, minimal_index)
    session.handle(started())
    update = session.handle(action("no-such-action"))
    assert update.steps == () and update.suggestions == ()
