"""Store benchmarks: demo generation rate, opening a large database, customer lookups.

The large database (``ctx.scale`` interactions, 1,000,000 by default) is generated once into
``ctx.workdir`` and reused by later runs and by other benchmark modules
(:func:`large_database`). Lookups are timed through the product's own path,
:func:`sayonce.identity.lookup.find_customers` in a fresh session each time, against a floor
of the hand-written ``sqlite3`` query on the normalized value.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select

from sayonce.bench import Context, Result, benchmark, median, p95, timed
from sayonce.demo import generate
from sayonce.identity.lookup import find_customers
from sayonce.store import Customer, Identity, open_store

LOOKUP_TARGET = "p95 <= 5 ms"
INTERACTIONS_PER_CUSTOMER = 25
SEED = 7
FLOOR_SQL = {
    "phone": "SELECT i.customer_id FROM identities i WHERE i.kind = 'phone' AND i.value = ?",
    "email": "SELECT i.customer_id FROM identities i WHERE i.kind = 'email' AND i.value = ?",
    "id": "SELECT id FROM customers WHERE ref = ?",
}
FIRST_QUERY_SQL = "SELECT id, display_name FROM customers WHERE ref = ?"


def _tqdm_progress(total: int) -> Callable[[int, int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, unit=" interactions", unit_scale=True, file=sys.stderr, leave=False)

    def progress(done: int, _total: int) -> None:
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def _demo_meta(path: Path) -> dict[str, str]:
    """The ``demo.*`` meta values of an SQLite file (empty if it is not a finished demo)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            rows = connection.execute("SELECT key, value FROM meta WHERE key LIKE 'demo.%'")
            return {key[5:]: value for key, value in rows}
    except sqlite3.Error:
        return {}


def large_database(ctx: Context) -> Path:
    """The SQLite demo database of ``ctx.scale`` interactions, generated once and reused."""
    path = ctx.workdir / f"demo-{ctx.scale}.sqlite3"
    meta = _demo_meta(path) if path.exists() else {}
    if meta.get("status") != "complete" or meta.get("interactions") != str(ctx.scale):
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        store = open_store(f"sqlite:///{path}")
        try:
            stats = generate(
                store,
                customers=max(1, ctx.scale // INTERACTIONS_PER_CUSTOMER),
                interactions=ctx.scale,
                seed=SEED,
                progress=_tqdm_progress(ctx.scale),
            )
        finally:
            store.dispose()
        ctx.cache["large_generated"] = stats
    return path


@benchmark("store.demo")
def demo_generation(ctx: Context) -> Iterable[Result]:
    """Interactions generated and written per second, into fresh SQLite files."""
    size = min(ctx.scale, 5_000 if ctx.quick else 20_000)
    rates = []
    for run in range(1 if ctx.quick else 3):
        path = ctx.workdir / f"demo-rate-{run}.sqlite3"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        store = open_store(f"sqlite:///{path}")
        try:
            stats = generate(
                store,
                customers=max(1, size // INTERACTIONS_PER_CUSTOMER),
                interactions=size,
                seed=run,
            )
        finally:
            store.dispose()
        rates.append(stats.rate)
    yield Result(
        "demo generation rate",
        median(rates),
        "inter/s",
        note=f"{size:,} interactions with turns, orders, facts... into SQLite",
    )


@benchmark("store.open")
def open_large(ctx: Context) -> Iterable[Result]:
    """Open (engine, migration check) a large SQLite database and run a first query."""
    path = large_database(ctx)
    yield from _large_figures(ctx, path)
    url = f"sqlite:///{path}"
    ref = "C-000001"

    def ours() -> None:
        store = open_store(url)
        with store.read() as session:
            session.execute(select(Customer.id, Customer.display_name).where(Customer.ref == ref))
        store.dispose()

    def floor() -> None:
        connection = sqlite3.connect(path)
        connection.execute(FIRST_QUERY_SQL, (ref,)).fetchall()
        connection.close()

    runs = 3 if ctx.quick else 7
    ours_times, floor_times = timed(ours, runs), timed(floor, runs)
    yield Result(
        f"open {ctx.scale:,}-interaction SQLite + first query",
        median(ours_times) * 1000,
        "ms",
        floor=median(floor_times) * 1000,
        p95=p95(ours_times) * 1000,
        note="open_store (engine, pragmas, migration check) vs sqlite3.connect",
    )


def _large_figures(ctx: Context, path: Path) -> Iterable[Result]:
    """The large database's size, and how long generating it took."""
    size = path.stat().st_size + sum(p.stat().st_size for p in (Path(f"{path}-wal"),) if p.exists())
    stats = json.loads(_demo_meta(path).get("stats", "{}"))
    if stats:
        fresh = "this run" if "large_generated" in ctx.cache else "when it was built"
        yield Result(
            f"generate {ctx.scale:,}-interaction demo (one run)",
            float(stats["seconds"]),
            "s",
            note=f"{stats['interactions'] / stats['seconds']:,.0f} interactions/s, {fresh}",
        )
    yield Result(f"{ctx.scale:,}-interaction SQLite file size", size / 1e6, "MB")


def _samples(path: Path, count: int) -> dict[str, list[tuple[str, str]]]:
    """``(input, normalized value)`` pairs for phone (E.164), email (as typed) and ref lookups."""
    rng = random.Random(SEED)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        top = connection.execute("SELECT max(id) FROM identities").fetchone()[0] or 0
        out: dict[str, list[tuple[str, str]]] = {"phone": [], "email": [], "id": []}
        for kind in ("phone", "email"):
            while len(out[kind]) < count:
                start = rng.randint(1, max(1, top))
                row = connection.execute(
                    "SELECT raw, value FROM identities WHERE kind = ? AND id >= ? LIMIT 1",
                    (kind, start),
                ).fetchone()
                if row is not None:
                    # a screen pop gets the caller's number from telephony in E.164
                    raw = row[1] if kind == "phone" else row[0]
                    out[kind].append((raw, row[1]))
        customers = connection.execute("SELECT max(id) FROM customers").fetchone()[0] or 1
        refs = [f"C-{rng.randint(1, customers):06d}" for _ in range(count)]
        out["id"] = [(ref, ref) for ref in refs]
    return out


def _store_query(kind: str, value: str) -> Select[Any]:
    """The store-level lookup: normalized identity (or ref) to customer id, via the index."""
    if kind == "id":
        return select(Customer.id).where(Customer.ref == value)
    return select(Identity.customer_id).where(Identity.kind == kind, Identity.value == value)


@benchmark("store.lookup")
def customer_lookup(ctx: Context) -> Iterable[Result]:
    """Customer lookup by phone, email and id at the large database's scale.

    Two figures each: the product's lookup (``find_customers`` on the input: every reading
    of it, merge clusters resolved) and the store query alone on the normalized value; both
    in a fresh session per lookup, as a screen pop does, against the direct ``sqlite3`` query.
    """
    path = large_database(ctx)
    count = 200 if ctx.quick else 500
    samples = _samples(path, count)
    store = open_store(f"sqlite:///{path}")
    direct = sqlite3.connect(path)
    try:
        # Warm the page cache once for every sample, so the three timings compare code rather
        # than which one happened to touch the disk first (a working screen-pop index is hot).
        for kind, pairs in samples.items():
            for raw, value in pairs:
                direct.execute(FLOOR_SQL[kind], (value,)).fetchall()
                with store.read() as session:
                    find_customers(session, raw)
        for kind, pairs in samples.items():
            full, core, floor = [], [], []
            misses = 0
            for raw, value in pairs:
                start = time.perf_counter()
                with store.read() as session:
                    misses += not find_customers(session, raw)
                full.append(time.perf_counter() - start)
                start = time.perf_counter()
                with store.read() as session:
                    session.execute(_store_query(kind, value)).all()
                core.append(time.perf_counter() - start)
                start = time.perf_counter()
                direct.execute(FLOOR_SQL[kind], (value,)).fetchall()
                floor.append(time.perf_counter() - start)
            where = f"at {ctx.scale:,} interactions"
            for label, times in (
                (f"find_customers by {kind}", full),
                (f"store query by {kind}", core),
            ):
                yield Result(
                    f"{label} {where}",
                    median(times) * 1000,
                    "ms",
                    floor=median(floor) * 1000,
                    p95=p95(times) * 1000,
                    target=LOOKUP_TARGET,
                    note=f"{len(pairs)} lookups, warm cache"
                    + (f", {misses} not found" if misses else ""),
                )
    finally:
        direct.close()
        store.dispose()
