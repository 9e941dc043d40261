"""The review queue: filters, keyset pages and the detail of one suggestion (both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sayonce.review import detail, queue
from sayonce.review.queue import NO_SEGMENT, UNREVIEWED, QueueFilter
from sayonce.store import Store
from tests.review_data import SEGMENTS, SPECS, T0, Seeded, seed


@pytest.fixture
def seeded(store: Store) -> Seeded:
    return seed(store)


def _all(
    store: Store, seeded: Seeded, filters: QueueFilter, limit: int = 3
) -> list[queue.QueueRow]:
    rows, after = [], None
    while True:
        page = queue.page(store, seeded.supervisor, filters, after, limit)
        rows += page.rows
        if page.next_cursor is None:
            return rows
        after = page.next_cursor


def test_pages_cover_every_suggestion_once_newest_first(store: Store, seeded: Seeded) -> None:
    rows = _all(store, seeded, QueueFilter(), limit=2)
    assert sorted(r.id for r in rows) == seeded.suggestion_ids
    keys = [(r.shown_at, r.id) for r in rows]
    assert keys == sorted(keys, reverse=True)
    # two suggestions share a timestamp; the page boundary between them must not lose one
    assert len({r.shown_at for r in rows}) < len(rows)
    assert queue.count(store, seeded.supervisor) == len(rows)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (QueueFilter(action_id="refund"), lambda spec: spec[0] == "refund"),
        (QueueFilter(statuses=("dismissed",)), lambda spec: spec[3] == "dismissed"),
        (QueueFilter(verdict="good"), lambda spec: spec[5] == "good"),
        (
            QueueFilter(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=30)),
            lambda spec: 10 <= spec[6] < 30,
        ),
    ],
)
def test_filters_select_the_matching_suggestions(
    store: Store, seeded: Seeded, filters: QueueFilter, expected: object
) -> None:
    rows = _all(store, seeded, filters)
    want = {seeded.suggestion_ids[n] for n, spec in enumerate(SPECS) if expected(spec)}  # type: ignore[operator]
    assert {r.id for r in rows} - {seeded.suggestion_ids[-1]} == want
    assert all(filters.action_id in (None, r.action_id) for r in rows)


def test_filter_by_agent_and_unreviewed(store: Store, seeded: Seeded) -> None:
    agent = seeded.agent_ids[1]
    rows = _all(store, seeded, QueueFilter(agent_id=agent, verdict=UNREVIEWED))
    want = {
        seeded.suggestion_ids[n] for n, spec in enumerate(SPECS) if spec[1] == 1 and spec[5] is None
    }
    assert {r.id for r in rows} == want
    assert {r.agent_name for r in rows} == {"Agent 1"}


def test_segment_of_a_merged_profile_is_the_survivors(store: Store, seeded: Seeded) -> None:
    rows = _all(store, seeded, QueueFilter(segment="loyal"))
    loyal = {i for i, segment in enumerate(SEGMENTS) if segment == "loyal"}
    want = {seeded.suggestion_ids[n] for n, spec in enumerate(SPECS) if spec[2] in loyal}
    dup = seeded.suggestion_ids[-1]  # shown to the duplicate whose own segment is "new"
    assert {r.id for r in rows} == want | {dup}
    new_rows = _all(store, seeded, QueueFilter(segment="new"))
    assert dup not in {r.id for r in new_rows}
    none_rows = _all(store, seeded, QueueFilter(segment=NO_SEGMENT))
    assert {r.customer_ref for r in none_rows} == {"C-3"}


def test_customer_filter_covers_the_merge_cluster(store: Store, seeded: Seeded) -> None:
    rows = _all(store, seeded, QueueFilter(customer_id=seeded.customer_ids[0]))
    assert {r.customer_ref for r in rows} == {"C-0", "C-dup"}


def test_choices_offer_actions_agents_and_segments(store: Store, seeded: Seeded) -> None:
    found = queue.choices(store, seeded.supervisor)
    assert found.actions == sorted({spec[0] for spec in SPECS})
    assert [name for _, name in found.agents] == ["Agent 0", "Agent 1", "Sam Supervisor"]
    assert found.segments == ["loyal", "new"]


def test_detail_shows_the_conversation_around_the_suggestion(store: Store, seeded: Seeded) -> None:
    shown = detail.detail(store, seeded.supervisor, seeded.suggestion_ids[0])
    assert shown is not None
    assert shown.row.action_id == "replace-card"
    assert shown.reasons[0]["text"].startswith("customer said")
    said = [(line.speaker, line.text, line.before) for line in shown.conversation]
    assert said[0] == ("customer", "Hi, I lost my debit card yesterday", True)
    assert ("agent", "Done, I will order a new one", False) in said
    assert [before for *_, before in said] == sorted((b for *_, b in said), reverse=True)


def test_detail_falls_back_to_the_stored_excerpt(store: Store, seeded: Seeded) -> None:
    shown = detail.detail(store, seeded.supervisor, seeded.suggestion_ids[3])
    assert shown is not None
    assert [(line.speaker, line.text) for line in shown.conversation] == [
        ("customer", "I want my money back"),
        ("agent", "let me check"),
    ]
    assert detail.detail(store, seeded.supervisor, 10_000) is None
