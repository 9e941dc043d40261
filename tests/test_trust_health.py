"""The database goes away and comes back: detected, retried, reconnected without a restart."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from sayonce.store import Customer, Note, Store, open_store
from sayonce.trust.health import ConnectionWatch, check_connection, with_retry
from tests.pgserver import PostgresServer

pytestmark = pytest.mark.postgres


def _add_note(store: Store, customer_id: int, body: str) -> int:
    with store.write() as s:
        note = Note(customer_id=customer_id, body=body)
        s.add(note)
        s.flush()
        return note.id


def test_postgres_outage_is_seen_and_work_resumes(pg_url: str, pg_server: PostgresServer) -> None:
    store = open_store(pg_url)
    with store.write() as s:
        customer = Customer(ref="C-1")
        s.add(customer)
        s.flush()
        cid = customer.id
    _add_note(store, cid, "before")  # the pool now holds a connection that will die
    watch = ConnectionWatch(store)
    pg_server.pause()
    resumed = threading.Event()
    retries: list[int] = []
    try:
        assert not check_connection(store)
        state = watch.poll()
        assert not state.online and state.failures == 1 and "reconnects by itself" in state.message
        assert watch.poll().failures == 2

        def resume_after_first_retry(attempt: int, _exc: BaseException) -> None:
            retries.append(attempt)
            if attempt == 2 and not resumed.is_set():
                pg_server.resume()
                resumed.set()

        note_id = with_retry(
            lambda: _add_note(store, cid, "during the outage"),
            attempts=10,
            delay=lambda _n: 0.05,
            on_retry=resume_after_first_retry,
        )
    finally:
        if not resumed.is_set():
            pg_server.resume()
    assert retries[:2] == [1, 2]
    assert check_connection(store)
    state = watch.poll()
    assert state.online and state.failures == 0
    with store.read() as s:
        bodies = s.scalars(select(Note.body).order_by(Note.id)).all()
        assert s.get(Note, note_id) is not None
    assert bodies == ["before", "during the outage"]  # written once, not twice
    store.dispose()


def test_retry_gives_up_and_raises_the_last_error(pg_url: str, pg_server: PostgresServer) -> None:
    store = open_store(pg_url)
    pg_server.pause()
    try:
        with pytest.raises(OperationalError):
            with_retry(lambda: _add_note(store, 1, "x"), attempts=3, delay=lambda _n: 0.01)
    finally:
        pg_server.resume()
    store.dispose()


def test_real_errors_are_not_retried(pg_url: str) -> None:
    store = open_store(pg_url)
    calls = []

    def bad() -> int:
        calls.append(1)
        return _add_note(store, 999_999, "no such customer")

    with pytest.raises(IntegrityError):
        with_retry(bad, attempts=5, delay=lambda _n: 0.0)
    assert len(calls) == 1
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Note)) == 0
    store.dispose()
