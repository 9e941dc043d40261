"""The store: schema, migrations, pragmas, time zones and clear errors on bad set-ups."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from sayonce.store import (
    Base,
    ConcurrentEditError,
    Customer,
    DatabaseURLError,
    DataDirError,
    Identity,
    Interaction,
    NewerDatabaseError,
    Store,
    open_store,
)
from sayonce.store.migrate import current_revision, head_revision
from sayonce.store.migrations.env_filters import include_object


def _customer(ref: str = "C-1") -> Customer:
    return Customer(ref=ref, display_name="Ann Lee", name_key="ann lee")


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={"include_object": include_object},
        )
        assert compare_metadata(ctx, Base.metadata) == []
    assert current_revision(store.engine) == head_revision(store.engine)


def test_times_round_trip_as_aware_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    started = datetime(2026, 5, 4, 12, 30, tzinfo=paris)
    with store.write() as s:
        c = _customer()
        s.add(c)
        s.flush()
        s.add(Interaction(customer_id=c.id, channel="call", started_at=started, external_id="x1"))
    with store.read() as s:
        got = s.scalars(select(Interaction)).one().started_at
    assert got == started
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"), store.write() as s:
        c = _customer()
        s.add(c)
        s.flush()
        s.add(
            Interaction(
                customer_id=c.id, channel="call", started_at=datetime(2026, 1, 1), external_id="x"
            )
        )
    with store.read() as s:  # the failed transaction left nothing behind
        assert s.scalars(select(Customer)).all() == []


def test_failed_write_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as s:
        s.add(_customer("C-1"))
        s.flush()
        raise RuntimeError("boom")
    with store.read() as s:
        assert s.scalar(select(Customer).where(Customer.ref == "C-1")) is None


def test_identities_belong_to_their_customer(store: Store) -> None:
    with store.write() as s:
        c = _customer()
        c.identities.append(Identity(kind="phone", value="+14155550101"))
        c.identities.append(Identity(kind="email", value="ann@example.com"))
        s.add(c)
    with store.read() as s:
        ident = s.scalars(select(Identity).where(Identity.value == "+14155550101")).one()
        assert ident.customer.ref == "C-1"
        assert len(ident.customer.identities) == 2


def test_concurrent_edit_is_detected(store: Store) -> None:
    with store.write() as s:
        s.add(_customer())
    with store.read() as s:
        stale = s.scalars(select(Customer)).one()
    with store.write() as s:
        fresh = s.scalars(select(Customer)).one()
        fresh.tier = "gold"
    with pytest.raises(ConcurrentEditError), store.write() as s:
        s.add(stale)  # re-attached with the old version number
        stale.tier = "silver"
    with store.read() as s:
        assert s.scalars(select(Customer)).one().tier == "gold"


def test_full_text_search_finds_interactions(store: Store) -> None:
    with store.write() as s:
        c = _customer()
        s.add(c)
        s.flush()
        s.add(
            Interaction(
                customer_id=c.id,
                channel="email",
                subject="Refund for order 1042",
                body="My refund still has not arrived",
                external_id="e1",
                started_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    with store.read() as s:
        if store.dialect == "sqlite":
            sql = "SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH 'refunds'"
        else:
            sql = (
                "SELECT id FROM interactions WHERE to_tsvector('english', "
                "coalesce(subject, '') || ' ' || body) @@ plainto_tsquery('english', 'refunds')"
            )
        assert len(s.execute(text(sql)).all()) == 1


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_bad_database_url_says_what_to_use() -> None:
    with pytest.raises(DatabaseURLError, match="SQLAlchemy URL"):
        open_store("not a url")
    with pytest.raises(DatabaseURLError, match=r"SQLite .* or PostgreSQL"):
        open_store("mysql://localhost/x")


def test_unwritable_data_folder_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if (
        os.geteuid() == 0
    ):  # root may write anywhere: make the permission check see what a user would
        monkeypatch.setattr(os, "access", lambda *_a, **_k: False)
    with pytest.raises(DataDirError, match="not writable"):
        open_store(f"sqlite:///{locked / 'x.sqlite3'}")


def test_data_folder_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DataDirError, match="Cannot create the data folder"):
        open_store(f"sqlite:///{blocker / 'sub' / 'x.sqlite3'}")


def test_newer_database_is_refused_and_left_alone(sqlite_url: str, tmp_path: Path) -> None:
    open_store(sqlite_url).dispose()
    path = tmp_path / "sayonce.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = path.read_bytes()
    with pytest.raises(NewerDatabaseError, match="newer SayOnce"):
        open_store(sqlite_url)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "9999_future",
        )
    assert len(before) > 0


def test_upgrade_backs_up_sqlite_first(sqlite_url: str, tmp_path: Path) -> None:
    open_store(sqlite_url).dispose()
    path = tmp_path / "sayonce.sqlite3"
    with sqlite3.connect(path) as conn:  # pretend the database is one revision behind
        conn.execute("DROP TRIGGER interactions_fts_au")
        conn.execute("DROP TRIGGER interactions_fts_ad")
        conn.execute("DROP TRIGGER interactions_fts_ai")
        conn.execute("DROP TABLE interactions_fts")
        conn.execute("UPDATE alembic_version SET version_num = '0001_initial'")
    open_store(sqlite_url).dispose()
    backups = list(tmp_path.glob("sayonce.sqlite3.0001_initial.*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "0001_initial",
        )
