"""Semantic search in a customer's history: warm query latency, first search, backfill rate.

The database is a copy of the demo of ``min(ctx.scale, 20,000)`` interactions (generated once
into ``ctx.workdir`` by :func:`sayonce.bench.store.large_database`, never modified); the
customer is the one whose history is closest to 200 interactions (C-000001 at 20,000).

Targets: a warm query (vectors stored) p95 <= 100 ms; the backfill is reported in
interactions/s against the floor of encoding the same sentences with the raw encoder. The
labelled query set (``resources/eval/search_queries.yaml``) gives hit@1 for full-text,
semantic and hybrid ranking.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import func, select

from sayonce.bench import Context, Result, benchmark, median, p95, timed
from sayonce.history.semantic import SentenceEncoder
from sayonce.store import Customer, Embedding, Interaction, Role, Store, open_store
from sayonce.trust.principal import Principal

QUERY_TARGET_MS = 100
HISTORY = 200
MAX_SCALE = 20_000
QUERIES = (
    "my payment got refused",
    "where is my parcel",
    "charged twice for the same order",
    "I want to cancel my membership",
    "the app keeps logging me out",
    "refund has not arrived",
    "change my delivery address",
    "the item arrived broken",
)
AGENT = Principal("bench", Role.AGENT, display_name="bench")


def _copy(source: Path, target: Path) -> Path:
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def _database(ctx: Context) -> Path:
    from sayonce.bench.store import large_database

    scale = min(ctx.scale, MAX_SCALE)
    demo = large_database(Context(ctx.workdir, scale=scale, quick=ctx.quick, cache=ctx.cache))
    return _copy(demo, ctx.workdir / f"semantic-{scale}.sqlite3")


def _customer(store: Store) -> tuple[list[int], int]:
    """The cluster whose history is closest to :data:`HISTORY` interactions, and its size."""
    from sayonce.trust.person import person_ids

    with store.read() as session:
        count = func.count().label("n")
        row = session.execute(
            select(Interaction.customer_id, count)
            .group_by(Interaction.customer_id)
            .order_by(func.abs(count - HISTORY), Interaction.customer_id)
            .limit(1)
        ).one()
        cluster = person_ids(session, row.customer_id)
        size = session.scalar(select(func.count()).where(Interaction.customer_id.in_(cluster)))
    return cluster, int(size or 0)


def _ms(values: list[float]) -> list[float]:
    return [v * 1000 for v in values]


def _unembedded_texts(store: Store, limit: int) -> list[str]:
    """The sentences of the first ``limit`` interactions that have no vectors (backfill order)."""
    from sayonce.history.semantic import chunks_of

    with store.read() as session:
        rows = session.execute(
            select(Interaction.subject, Interaction.body)
            .join(Customer, Customer.id == Interaction.customer_id)
            .outerjoin(Embedding, Embedding.interaction_id == Interaction.id)
            .where(Embedding.interaction_id.is_(None), Customer.erased_at.is_(None))
            .order_by(Interaction.id)
            .limit(limit)
        ).all()
    return [chunk.text for row in rows for chunk in chunks_of(row.subject, row.body)]


def _storage(store: Store) -> tuple[float, float]:
    """Average bytes of vectors per embedded interaction, and sentences per interaction."""
    with store.read() as session:
        rows, size, chunks = session.execute(
            select(
                func.count(), func.sum(func.length(Embedding.vector)), func.sum(Embedding.chunks)
            )
        ).one()
    return (size or 0) / max(1, rows), (chunks or 0) / max(1, rows)


@benchmark("history.semantic")
def semantic_history(ctx: Context) -> Iterable[Result]:
    """Semantic search over a ~200-interaction history; the bulk backfill's rate."""
    from sayonce.history.semantic import embed_missing, semantic_search
    from sayonce.nlp.embeddings import get_encoder

    encoder = get_encoder()
    encoder.encode(["warm up the model"])
    path = _database(ctx)
    store = open_store(f"sqlite:///{path}")
    try:
        cluster, size = _customer(store)
        first = timed(lambda: semantic_search(store, AGENT, cluster, QUERIES[0], encoder), 1)[0]
        yield Result(
            f"first semantic search, {size} interactions",
            first,
            "s",
            note="computes and stores every vector of the history (bulk, all cores)",
        )
        runs = 20 if ctx.quick else 100
        turn = iter(range(10**9))

        def query() -> None:
            semantic_search(store, AGENT, cluster, QUERIES[next(turn) % len(QUERIES)], encoder)

        warm = _ms(timed(query, runs))
        floor = _ms(timed(lambda: encoder.encode([QUERIES[next(turn) % len(QUERIES)]]), runs))
        yield Result(
            f"semantic search, {size} interactions (warm)",
            median(warm),
            "ms",
            floor=median(floor),
            p95=p95(warm),
            target=f"p95 <= {QUERY_TARGET_MS} ms",
            note="hybrid rank; floor: encoding the query alone",
        )

        count = 300 if ctx.quick else 2_000
        texts = _unembedded_texts(store, count)
        cpu = time.process_time()
        report = embed_missing(store, encoder, limit=count)
        cpu = time.process_time() - cpu
        raw = timed(lambda: encoder.encode_bulk(texts), 1)[0]  # the same sentences, after
        sentences = report.sentences / max(1, report.embedded)
        yield Result(
            f"backfill {report.embedded:,} interactions",
            report.rate,
            "inter/s",
            floor=report.embedded / max(1e-9, raw),
            note=f"{sentences:.1f} sentences each, {report.sentences / report.seconds:.0f} "
            f"sentences/s, {report.sentences / max(1e-9, cpu):.0f} per CPU-second; floor: "
            "encode_bulk of the same sentences, in inter/s",
        )
        per_interaction, per_chunks = _storage(store)
        yield Result(
            "vector storage per interaction",
            per_interaction / 1024,
            "KB",
            note=f"{per_chunks:.1f} sentences of {encoder.dimension} float16 values",
        )
    finally:
        store.dispose()
    yield from _quality(ctx, encoder)


def _quality(ctx: Context, encoder: SentenceEncoder) -> Iterable[Result]:
    """Hit@1 of full-text, semantic and hybrid ranking on the labelled queries."""
    from sayonce.history.search_eval import evaluate, seed_eval_customer

    path = ctx.workdir / "semantic-eval.sqlite3"
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path}")
    try:
        customer, labels = seed_eval_customer(store)
        scores = evaluate(store, AGENT, encoder, customer, labels)
    finally:
        store.dispose()
    by = {(s.mode, s.kind): s for s in scores}
    for mode in ("fulltext", "semantic", "hybrid"):
        para, keyword, total = by[(mode, "paraphrase")], by[(mode, "keyword")], by[(mode, "all")]
        yield Result(
            f"labelled queries, {mode}: hit@1",
            total.hit_at_1,
            "share",
            note=f"paraphrases {para.hit_at_1:.2f} ({para.queries}), exact ids and names "
            f"{keyword.hit_at_1:.2f} ({keyword.queries}); MRR {total.mrr:.2f}",
        )
