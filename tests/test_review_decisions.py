"""Approvals of high-risk actions and supervisors' verdicts (both backends)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sayonce.review import approvals, verdicts
from sayonce.review.approvals import AlreadyDecided
from sayonce.store import AuditEvent, ConcurrentEditError, Store, Suggestion
from tests.review_data import SPECS, Seeded, seed


@pytest.fixture
def seeded(store: Store) -> Seeded:
    return seed(store)


def _pending_ids(seeded: Seeded) -> list[int]:
    return [
        seeded.suggestion_ids[n] for n, spec in enumerate(SPECS) if spec[3] == "pending_approval"
    ]


def _audit(store: Store, action: str) -> list[AuditEvent]:
    with store.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_pending_lists_requests_oldest_first_with_reasons(store: Store, seeded: Seeded) -> None:
    found = approvals.pending(store, seeded.supervisor)
    assert [r.id for r in found] == _pending_ids(seeded)
    assert found[0].reasons and found[0].row.risk == "high"


def test_approval_reaches_the_agent_who_asked(store: Store, seeded: Seeded) -> None:
    request = _pending_ids(seeded)[0]
    agent = seeded.agent(0)
    before = approvals.decisions(store, agent, [request])
    assert [d.status for d in before] == ["pending_approval"]

    approvals.approve(store, seeded.supervisor, request, "ok, goodwill refund")

    after = approvals.decisions(store, agent, [request])
    assert [(d.status, d.reason) for d in after] == [("approved", "ok, goodwill refund")]
    assert after[0].decided_at is not None
    assert request not in [r.id for r in approvals.pending(store, seeded.supervisor)]
    with store.read() as s:
        row = s.get(Suggestion, request)
        assert row is not None and row.approved_by == seeded.supervisor_id
    events = _audit(store, "suggestion.approve")
    assert [(e.target_id, e.actor) for e in events] == [(str(request), "sup")]


def test_an_agent_sees_only_their_own_requests(store: Store, seeded: Seeded) -> None:
    request = _pending_ids(seeded)[0]  # asked by agent 0
    assert approvals.decisions(store, seeded.agent(1), [request]) == []


def test_a_request_is_decided_once(store: Store, seeded: Seeded) -> None:
    request = _pending_ids(seeded)[1]
    approvals.reject(store, seeded.supervisor, request, "customer already had one this year")
    with pytest.raises(AlreadyDecided, match="already rejected"):
        approvals.approve(store, seeded.supervisor, request)
    assert [d.status for d in approvals.decisions(store, seeded.agent(0), [request])] == [
        "rejected"
    ]
    assert len(_audit(store, "suggestion.reject")) == 1
    assert _audit(store, "suggestion.approve") == []


def test_rejecting_needs_a_reason_and_only_pending_rows_can_be_decided(
    store: Store, seeded: Seeded
) -> None:
    request = _pending_ids(seeded)[0]
    with pytest.raises(ValueError, match="why"):
        approvals.reject(store, seeded.supervisor, request, "  ")
    accepted = seeded.suggestion_ids[0]
    with pytest.raises(AlreadyDecided, match="accepted"):
        approvals.approve(store, seeded.supervisor, accepted)
    with pytest.raises(AlreadyDecided, match="no longer exists"):
        approvals.approve(store, seeded.supervisor, 99_999)


def test_rejection_reason_is_redacted(store: Store, seeded: Seeded) -> None:
    request = _pending_ids(seeded)[0]
    approvals.reject(store, seeded.supervisor, request, "call them on 415-555-0134 instead")
    [decision] = approvals.decisions(store, seeded.agent(0), [request])
    assert decision.reason is not None and "555-0134" not in decision.reason


def test_verdict_is_stored_for_learning_and_audited(store: Store, seeded: Seeded) -> None:
    target = seeded.suggestion_ids[1]
    version = verdicts.mark(
        store, seeded.supervisor, target, "bad", "card was not lost, it expired"
    )
    with store.read() as s:
        row = s.get(Suggestion, target)
        assert row is not None
        assert (row.review_verdict, row.reviewed_by) == ("bad", seeded.supervisor_id)
        assert row.review_comment == "card was not lost, it expired"
        assert row.version == version
    [event] = _audit(store, "suggestion.review")
    assert "expired" not in event.detail  # the audit holds codes, not free text

    verdicts.mark(store, seeded.supervisor, target, None, expected_version=version)
    with store.read() as s:
        row = s.get(Suggestion, target)
        assert row is not None and row.review_verdict is None and row.review_comment is None


def test_a_stale_verdict_does_not_overwrite_a_newer_one(store: Store, seeded: Seeded) -> None:
    target = seeded.suggestion_ids[2]
    with store.read() as s:
        row = s.get(Suggestion, target)
        assert row is not None
        seen = row.version
    verdicts.mark(store, seeded.supervisor, target, "good", expected_version=seen)
    with pytest.raises(ConcurrentEditError):
        verdicts.mark(store, seeded.supervisor, target, "bad", expected_version=seen)
    with store.read() as s:
        row = s.get(Suggestion, target)
        assert row is not None and row.review_verdict == "good"
    with pytest.raises(ValueError):
        verdicts.mark(store, seeded.supervisor, target, "meh")
