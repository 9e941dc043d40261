"""Intake benchmarks: importing interactions into SQLite, resolving records against identities.

``import.sqlite``: a JSON Lines file of mixed interactions (calls and chats with turns,
emails, SMS, social posts; a tenth of them with PII to redact) imported into a fresh SQLite
database through :func:`sayonce.intake.importer.import_file` — validation, redaction,
identity resolution, bulk inserts — against a floor of raw ``sqlite3.executemany`` of the
same rows into the same schema. Target: 3,000 interactions/s.

``identity.resolve``: 100,000 incoming records (phones and emails, 70% known) resolved
against 1,000,000 identities with :class:`sayonce.identity.resolve.Resolver` in batches,
against a floor of the raw batched ``IN`` lookups those batches need.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sayonce.bench import Context, Result, benchmark, median, timed
from sayonce.identity.resolve import CustomerRef, Resolver, customer_ref
from sayonce.intake.importer import import_file
from sayonce.intake.transcript import join_turns
from sayonce.store import open_store

IMPORT_TARGET = ">= 3,000 interactions/s"
BATCH = 2_000
# (quick, full) sizes
IMPORT_SIZES = (2_000, 20_000)
IDENTITY_SIZES = (50_000, 1_000_000)
RECORD_SIZES = (5_000, 100_000)
_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_PHRASES = (
    "my parcel has not arrived yet and the tracking page has not moved since Monday",
    "I would like a refund for the blender, the jug arrived cracked",
    "the app keeps logging me out every time I open my statements",
    "can you change the delivery address to my office instead",
    "I already restarted the router twice and it still drops the connection",
    "I will call you back on Friday to confirm the replacement",
    "your refund will reach your card in five business days",
    "thanks, that solves it, have a nice day",
    "I was charged twice for the same order last week",
    "please cancel the subscription at the end of this month",
)
_PII = (
    "my card is 4111 1111 1111 1111",
    "call me back on 415-555-0199",
    "write to me at someone@example.com",
)


def _text(rng: random.Random) -> str:
    text = rng.choice(_PHRASES)
    return f"{text}, {rng.choice(_PII)}" if rng.random() < 0.1 else text


def interaction_records(count: int, seed: int = 11) -> Iterator[dict[str, Any]]:
    """A believable mix of ``count`` interaction records for ``count // 8`` customers."""
    rng = random.Random(seed)
    people = max(1, count // 8)
    for n in range(count):
        person = rng.randrange(people)
        started = _START + timedelta(minutes=n)
        channel = rng.choice(("call", "call", "chat", "chat", "email", "sms", "social"))
        customer: Any = (
            {"phone": f"+1415{person:07d}"} if person % 3 else {"email": f"p{person}@example.com"}
        )
        record: dict[str, Any] = {
            "type": "interaction",
            "source": "bench",
            "id": f"I-{n}",
            "customer": customer,
            "channel": channel,
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(minutes=6)).isoformat(),
            "agent": f"agent{person % 12}",
        }
        if channel in ("call", "chat"):
            record["turns"] = [
                {
                    "speaker": "customer" if k % 2 == 0 else "agent",
                    "text": _text(rng),
                    "offset_ms": k * 9_000,
                }
                for k in range(rng.randint(4, 10))
            ]
        else:
            record["subject"] = "About my order" if channel == "email" else None
            record["text"] = " ".join(_text(rng) for _ in range(rng.randint(1, 3)))
        yield {k: v for k, v in record.items() if v is not None}


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records as JSON Lines; return how many."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
            count += 1
    return count


def _fresh_db(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    open_store(url).dispose()
    return url


def _import_once(url: str, source: Path) -> None:
    store = open_store(url, migrate=False)
    try:
        report = import_file(store, source)
        if not report.written:
            raise RuntimeError(f"benchmark import failed: {report.problems[:1]}")
    finally:
        store.dispose()


def _timed_on_fresh(ctx: Context, name: str, work: Callable[[str], None], runs: int) -> float:
    """Median seconds of ``work(url)``, each run on a freshly migrated (untimed) database."""
    times = []
    for run in range(runs):
        url = _fresh_db(ctx.workdir / f"{name}-{run}.sqlite3")
        times.append(timed(lambda url=url: work(url), 1)[0])  # type: ignore[misc]
    return median(times)


def _floor_rows(
    records: list[dict[str, Any]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    interactions, turns = [], []
    for n, rec in enumerate(records, start=1):
        pairs = [(t["speaker"], t["text"]) for t in rec.get("turns", [])]
        body = join_turns(pairs) if pairs else rec.get("text", "")
        interactions.append(
            (
                n,
                1,
                rec["channel"],
                "inbound",
                rec["started_at"][:19].replace("T", " "),
                body,
                "bench",
                rec["id"],
                datetime.now(UTC).isoformat(" ")[:26],
                1,
            )
        )
        turns += [(n, k, s, t, k * 9_000) for k, (s, t) in enumerate(pairs)]
    return interactions, turns


def _floor_once(url: str, records: list[dict[str, Any]]) -> None:
    interactions, turns = _floor_rows(records)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(
            "INSERT INTO customers (id, ref, display_name, name_key, value_score, "
            "potential_score, consent_personalization, consent_marketing, created_at, "
            "updated_at, version) VALUES (1, 'C-1', '', '', 0, 0, 1, 0, '2026-01-01', "
            "'2026-01-01', 1)"
        )
        connection.executemany(
            "INSERT INTO interactions (id, customer_id, channel, direction, started_at, body, "
            "source, external_id, created_at, version) VALUES (?,?,?,?,?,?,?,?,?,?)",
            interactions,
        )
        connection.executemany(
            "INSERT INTO turns (interaction_id, seq, speaker, text, offset_ms) VALUES (?,?,?,?,?)",
            turns,
        )


@benchmark("import.sqlite")
def import_sqlite(ctx: Context) -> Iterable[Result]:
    """Import a JSON Lines file of interactions into a fresh SQLite database."""
    count = IMPORT_SIZES[not ctx.quick]
    runs = 2 if ctx.quick else 3
    source = ctx.workdir / f"bench-interactions-{count}.jsonl"
    write_jsonl(source, interaction_records(count))
    # as `sayonce import` runs: nothing but the file in hand (held records would slow every
    # full collection of the garbage collector, and the floor does not need them yet)
    ours = _timed_on_fresh(ctx, "import", lambda url: _import_once(url, source), runs)
    records = list(interaction_records(count))
    floor = _timed_on_fresh(ctx, "floor", lambda url: _floor_once(url, records), runs)
    rate = count / ours
    yield Result(
        f"import.sqlite ({count:,} interactions)",
        ours,
        "s",
        floor=floor,
        target=f"{count / 3000:.2f} s",
        note=f"{rate:,.0f} interactions/s; floor = raw executemany of the same rows",
    )
    yield Result("import.sqlite rate", rate, "inter/s", target=IMPORT_TARGET)


def _identity_db(ctx: Context, identities: int) -> str:
    """A database with ``identities`` identities (half phones, half emails), built once."""
    path = ctx.workdir / f"identities-{identities}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists() and ctx.cache.get(str(path)) != "partial":
        return url
    _fresh_db(path)
    customers = identities // 2
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO customers (id, ref, display_name, name_key, value_score, "
            "potential_score, consent_personalization, consent_marketing, created_at, "
            "updated_at, version) VALUES (?, ?, '', '', 0, 0, 1, 0, '2026-01-01', "
            "'2026-01-01', 1)",
            ((i, customer_ref(i)) for i in range(1, customers + 1)),
        )
        connection.executemany(
            "INSERT INTO identities (customer_id, kind, value, verified, created_at) "
            "VALUES (?, ?, ?, 1, '2026-01-01')",
            (
                row
                for i in range(1, customers + 1)
                for row in ((i, "phone", f"+1{2000000000 + i}"), (i, "email", f"c{i}@example.com"))
            ),
        )
    return url


def incoming(count: int, customers: int, seed: int = 5) -> list[CustomerRef]:
    """Incoming references: 70% known customers, by phone, email or both."""
    rng = random.Random(seed)
    refs = []
    for _ in range(count):
        known = rng.random() < 0.7
        i = rng.randint(1, customers) if known else customers + rng.randint(1, 10 * customers)
        phone, email = ("phone", f"+1{2000000000 + i}"), ("email", f"c{i}@example.com")
        keys = rng.choice(((phone,), (email,), (phone, email)))
        refs.append(CustomerRef(keys=keys))
    return refs


def _resolve_all(url: str, refs: list[CustomerRef]) -> None:
    store = open_store(url, migrate=False)
    try:
        with store.engine.connect() as connection, connection.begin() as transaction:
            from sqlalchemy.orm import Session

            session = Session(bind=connection)
            resolver = Resolver(session, source="bench")
            for start in range(0, len(refs), BATCH):
                batch = refs[start : start + BATCH]
                resolver.prefetch(batch)
                for ref in batch:
                    resolver.resolve(ref)
                resolver.flush()
            transaction.rollback()  # leave the database as it was for the next run
    finally:
        store.dispose()


def _floor_lookups(path: Path, refs: list[CustomerRef]) -> None:
    with sqlite3.connect(path) as connection:
        for start in range(0, len(refs), BATCH):
            batch = refs[start : start + BATCH]
            for kind in ("phone", "email"):
                values = sorted({v for r in batch for k, v in r.keys if k == kind})
                for chunk in range(0, len(values), 500):
                    part = values[chunk : chunk + 500]
                    marks = ",".join("?" * len(part))
                    connection.execute(
                        "SELECT value, customer_id FROM identities "  # noqa: S608 (placeholders only)
                        f"WHERE kind = ? AND value IN ({marks})",
                        [kind, *part],
                    ).fetchall()


@benchmark("identity.resolve")
def identity_resolve(ctx: Context) -> Iterable[Result]:
    """Resolve incoming records against a large identity table."""
    identities = IDENTITY_SIZES[not ctx.quick]
    count = RECORD_SIZES[not ctx.quick]
    url = _identity_db(ctx, identities)
    refs = incoming(count, identities // 2)
    runs = 2 if ctx.quick else 3
    ours = median(timed(lambda: _resolve_all(url, refs), runs))
    path = Path(url.removeprefix("sqlite:///"))
    floor = median(timed(lambda: _floor_lookups(path, refs), runs))
    yield Result(
        f"identity.resolve ({count:,} records vs {identities:,} identities)",
        ours,
        "s",
        floor=floor,
        note=f"{count / ours:,.0f} records/s; floor = the raw batched IN lookups",
    )
