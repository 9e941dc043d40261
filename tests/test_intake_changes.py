"""Seeing what other workstations wrote: two stores on one database, polled like the UI does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from sayonce.identity.merge import merge
from sayonce.intake.changes import changed_since, latest_change_marker
from sayonce.store import Customer, Interaction, Note, Store, open_store
from sayonce.trust.principal import Principal

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def two_stores(db_url: str) -> Iterator[tuple[Store, Store]]:
    """Two workstations: two engines on the same database."""
    here, there = open_store(db_url), open_store(db_url)
    yield here, there
    here.dispose()
    there.dispose()


def _customer(store: Store, name: str) -> int:
    with store.write() as s:
        customer = Customer(ref=f"C-{name}", display_name=name)
        s.add(customer)
        s.flush()
        return customer.id


def _interaction(store: Store, customer_id: int, ext: str) -> None:
    with store.write() as s:
        s.add(Interaction(customer_id=customer_id, channel="call", started_at=T0, external_id=ext))


def test_new_and_edited_rows_show_up_once(two_stores: tuple[Store, Store]) -> None:
    here, there = two_stores
    ann, bob = _customer(there, "ann"), _customer(there, "bob")
    with here.read() as s:
        marker = latest_change_marker(s)
        assert not changed_since(s, marker)
    _interaction(there, ann, "i1")
    with there.write() as s:
        s.add(Note(customer_id=bob, body="called about the refund"))
    with here.read() as s:
        changes = changed_since(s, marker)
    assert changes.customer_ids == {ann, bob} and changes.new_interactions == 1
    with here.read() as s:
        assert not changed_since(s, changes.marker)  # reported once
    with there.write() as s:
        note = s.query(Note).one()
        note.body += " and wants a call back"
    with here.read() as s:
        again = changed_since(s, changes.marker)
    assert again.customer_ids == {bob} and again.new_interactions == 0


def test_a_merge_reports_the_root_the_ui_shows(two_stores: tuple[Store, Store]) -> None:
    here, there = two_stores
    ann, bob = _customer(there, "ann"), _customer(there, "bob")
    with here.read() as s:
        marker = latest_change_marker(s)
    with there.write() as s:
        merge(s, Principal.system(), ann, bob)
    _interaction(there, bob, "i2")
    with here.read() as s:
        changes = changed_since(s, marker)
    assert bob in changes.customer_ids and changes.root_ids == {ann}


def test_a_workstation_clock_behind_is_still_seen(two_stores: tuple[Store, Store]) -> None:
    here, there = two_stores
    ann = _customer(there, "ann")
    with there.write() as s:
        s.add(Note(customer_id=ann, body="first"))
    with here.read() as s:
        marker = latest_change_marker(s)
    late = datetime.now(UTC) - timedelta(seconds=60)  # written by a PC whose clock is slow
    with there.write() as s:
        s.add(Note(customer_id=ann, body="second", created_at=late, updated_at=late))
    with here.read() as s:
        assert changed_since(s, marker).customer_ids == {ann}


@pytest.mark.postgres
def test_a_late_commit_with_a_lower_id_is_not_missed(pg_url: str) -> None:
    here, slow, fast = open_store(pg_url), open_store(pg_url), open_store(pg_url)
    try:
        ann, bob = _customer(fast, "ann"), _customer(fast, "bob")
        with here.read() as s:
            marker = latest_change_marker(s)
        with slow.write() as s:
            s.add(Interaction(customer_id=ann, channel="call", started_at=T0, external_id="slow"))
            s.flush()  # holds the lower id, not committed yet
            _interaction(fast, bob, "fast")
            with here.read() as r:
                first = changed_since(r, marker)
            assert first.customer_ids == {bob}
        with here.read() as s:
            second = changed_since(s, first.marker)
        assert second.customer_ids == {ann}
        with here.read() as s:
            ids = s.execute(text("SELECT external_id, id FROM interactions ORDER BY id")).all()
        assert [e for e, _ in ids] == ["slow", "fast"]  # the late one really had the lower id
    finally:
        for store in (here, slow, fast):
            store.dispose()
