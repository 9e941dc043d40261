"""Learning from agents' decisions, outcomes and reviews changes later rankings, and helps."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sayonce.assist import evaluation
from sayonce.assist.customer_context import CustomerContext
from sayonce.assist.learning import FeedbackStats, weights_of
from sayonce.assist.playbook import Playbook
from sayonce.assist.reasons import DismissReason
from sayonce.assist.relevance import ActionIndex
from sayonce.assist.replay import CachingEncoder
from sayonce.assist.session import LiveSession
from sayonce.nlp.embeddings import Encoder
from sayonce.store import Store, Suggestion
from tests.assist_support import START, add_customer, replay_dir, said, started

REGULAR = CustomerContext(customer_id=1, ref="C-1", segment="regulars", customer_since=START)


def test_no_feedback_leaves_every_action_neutral() -> None:
    stats = FeedbackStats()
    assert stats.factor("refund") == (1.0, None)


def test_not_relevant_weighs_more_than_customer_declined() -> None:
    declined, irrelevant = FeedbackStats(), FeedbackStats()
    for stats in (declined, irrelevant):
        for _ in range(6):
            stats.observe("other", None, weights_of("accepted"))
    for _ in range(4):
        declined.observe("refund", None, weights_of("dismissed", "customer declined"))
        irrelevant.observe("refund", None, weights_of("dismissed", "not relevant"))
    assert irrelevant.estimate("refund") < declined.estimate("refund") < 0.5
    assert irrelevant.factor("refund")[0] < 1.0
    reason = irrelevant.factor("refund")[1]
    assert reason is not None and reason.kind == "learning"


def test_outcomes_and_reviews_count_and_segments_shrink_to_their_action() -> None:
    stats = FeedbackStats()
    for _ in range(5):
        stats.observe("refund", "students", weights_of("accepted", outcome="success"))
        stats.observe("other", "students", weights_of("accepted", verdict="bad"))
    assert stats.factor("refund", "students")[0] > 1.0 > stats.factor("other", "students")[0]
    stats.observe("refund", "families", weights_of("dismissed", "not relevant"))
    families = stats.estimate("refund", "families")
    assert stats.estimate("refund", "students") > families > stats.estimate("other")


def test_feedback_is_read_back_from_the_store(store: Store) -> None:
    customer = add_customer(store, segment="regulars")
    said_reason = {"text": "customer said 'x'", "kind": "said", "quote": "I won't need the box"}
    with store.write() as session:
        for n, (action_id, status, reason) in enumerate(
            [("pause", "accepted", None)] * 3 + [("retain", "dismissed", "not relevant")] * 3
        ):
            session.add(
                Suggestion(
                    call_id=f"c{n}", customer_id=customer, action_id=action_id, score=0.5,
                    status=status, decision_reason=reason, shown_at=START,
                    reasons=json.dumps([said_reason]),
                )
            )  # fmt: skip
    with store.read() as session:
        stats = FeedbackStats.load(session)
    assert stats.factor("pause", "regulars")[0] > 1.0 > stats.factor("retain", "regulars")[0]
    signs = {(e.action_id, e.positive) for e in stats.examples.examples}
    assert signs == {("pause", True), ("retain", False)}


def test_a_dismissal_lowers_that_action_for_a_similar_conversation_later(
    default_playbook: Playbook, default_index: ActionIndex
) -> None:
    later_words = "I'm off overseas for a few months, I don't want the boxes while I'm gone."
    feedback = FeedbackStats()

    def scores() -> dict[str, float]:
        session = LiveSession(default_playbook, default_index, context=REGULAR, feedback=feedback)
        session.handle(started(at=START))
        return {s.action_id: s.score for s in session.handle(said(later_words)).suggestions}

    before = scores()
    assert "retention-offer" in before  # the customer is not leaving: a wrong idea
    session = LiveSession(default_playbook, default_index, context=REGULAR, feedback=feedback)
    session.handle(started(at=START + timedelta(hours=1)))
    update = session.handle(
        said("We'll be abroad for months and won't need any deliveries meanwhile.")
    )
    assert "retention-offer" in [s.action_id for s in update.suggestions]
    session.dismiss("retention-offer", DismissReason.NOT_RELEVANT)
    session.accept("pause-subscription")
    after = scores()
    assert after.get("retention-offer", 0.0) < before["retention-offer"]
    assert after["pause-subscription"] >= before["pause-subscription"]


@pytest.fixture(scope="module")
def eval_index(default_playbook: Playbook, minilm: Encoder) -> ActionIndex:
    return ActionIndex(default_playbook, CachingEncoder(minilm))


def test_replayed_calls_rank_the_right_action_well(
    default_playbook: Playbook, eval_index: ActionIndex
) -> None:
    calls = evaluation.load_labelled(replay_dir())
    assert len(calls) >= 25
    report = evaluation.evaluate(default_playbook, eval_index, calls)
    assert report.accuracy("end of call", 3) >= 0.9
    assert report.accuracy("end of call", 1) >= 0.75
    assert report.accuracy("customer turn 2", 1) >= 0.7


def test_learning_from_agents_fixes_recurring_confusions_without_breaking_the_rest(
    default_playbook: Playbook, eval_index: ActionIndex
) -> None:
    recurring = evaluation.load_labelled(replay_dir() / "recurring")
    before, after = evaluation.cross_validated_learning(default_playbook, eval_index, recurring)
    assert after.accuracy("end of call", 1) >= before.accuracy("end of call", 1) + 0.1
    assert after.accuracy("end of call", 3) > before.accuracy("end of call", 3)

    first = evaluation.load_labelled(replay_dir())
    later = evaluation.load_labelled(replay_dir() / "later")
    for train, test in ((first, later), (later, first)):
        before, after = evaluation.learning_effect(default_playbook, eval_index, train, test)
        one_call = 1 / len(test)
        assert after.accuracy("end of call", 1) >= before.accuracy("end of call", 1) - one_call
