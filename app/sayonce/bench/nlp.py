"""NLP figures: a 30-turn summary, a warm brief over 200 contacts, embedding speed, memory.

Targets (issue 5): summary <= 150 ms, brief <= 300 ms warm, >= 150 sentences/s batched on
2 cores, resident memory with the models loaded <= 700 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sayonce.bench import Context, Result, benchmark, median, p95, timed

if TYPE_CHECKING:
    from sayonce.store import Store

SUMMARY_TARGET_MS = 150
BRIEF_TARGET_MS = 300
EMBED_TARGET = 150
RSS_TARGET_MB = 700


def _ms(values: list[float]) -> list[float]:
    return [v * 1000 for v in values]


@benchmark("nlp.summarize")
def summarize_call(ctx: Context) -> Iterable[Result]:
    """Structured summary of a 30-turn call; floor: redacting and splitting it into sentences."""
    from sayonce.nlp.conversation import TurnText, sentences
    from sayonce.nlp.eval.sample_history import long_call
    from sayonce.nlp.summarize import summarize
    from sayonce.privacy.redact import redact

    call = long_call(30)
    runs = 10 if ctx.quick else 50
    summarize(call)  # VADER's lexicon loads once per process
    ours = _ms(timed(lambda: summarize(call), runs))
    floor = _ms(
        timed(lambda: sentences([TurnText(t.seq, t.speaker, redact(t.text)) for t in call]), runs)
    )
    yield Result(
        "summarize a 30-turn call",
        median(ours),
        "ms",
        floor=median(floor),
        p95=p95(ours),
        target=f"<= {SUMMARY_TARGET_MS} ms",
        note="floor: redact + sentence split",
    )


def _brief_store(workdir: Path, interactions: int) -> tuple[Store, int]:
    from sayonce.nlp.enrich import brief_stored
    from sayonce.nlp.eval.sample_history import seed_customer
    from sayonce.store import open_store

    path = workdir / f"nlp-brief-{interactions}.sqlite3"
    path.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path}")
    with store.write() as session:
        customer = seed_customer(session, interactions)
    brief_stored(store, [customer])  # warms the summary cache
    return store, customer


@benchmark("nlp.brief")
def brief_warm(ctx: Context) -> Iterable[Result]:
    """Customer brief over 200 interactions with summaries cached; floor: reading the cache."""
    from sqlalchemy import select

    from sayonce.nlp.brief import customer_brief
    from sayonce.store import Interaction, InteractionSummary

    store, customer = _brief_store(ctx.workdir, 200)
    runs = 5 if ctx.quick else 20

    def ours() -> None:
        with store.read() as session:
            customer_brief(session, [customer], compute_missing=False)

    def floor() -> None:
        with store.read() as session:
            rows = session.execute(
                select(InteractionSummary.data)
                .join(Interaction, Interaction.id == InteractionSummary.interaction_id)
                .where(Interaction.customer_id == customer)
                .order_by(Interaction.started_at.desc())
                .limit(200)
            ).scalars()
            [json.loads(r) for r in rows]

    ours()
    mine, base = _ms(timed(ours, runs)), _ms(timed(floor, runs))
    store.dispose()
    yield Result(
        "brief over 200 interactions (warm)",
        median(mine),
        "ms",
        floor=median(base),
        p95=p95(mine),
        target=f"<= {BRIEF_TARGET_MS} ms",
        note="floor: one query + json.loads of the cached rows",
    )


def _throughput(
    encode: Callable[[list[str]], object], texts: list[str], runs: int
) -> tuple[list[float], float]:
    """Wall times of ``runs`` encodes, and sentences per CPU-second (what a busy machine hides)."""
    cpu = time.process_time()
    walls = timed(lambda: encode(texts), runs)
    return walls, len(texts) * runs / max(1e-9, time.process_time() - cpu)


@benchmark("nlp.embed")
def embed_throughput(ctx: Context) -> Iterable[Result]:
    """Batched embeddings, live (capped threads) and bulk (every core); floor: raw encode."""
    from sayonce.nlp.conversation import sentences
    from sayonce.nlp.embeddings import TORCH_THREADS, get_encoder
    from sayonce.nlp.eval.datasets import conversations

    encoder = get_encoder()
    # Sentences of the labelled conversations (8 words on average), as they get embedded.
    pool = [s.text for c in conversations() for s in sentences(c.turns)]
    texts = [pool[n % len(pool)] for n in range(128 if ctx.quick else 512)]
    runs = 2 if ctx.quick else 3
    encoder.encode(texts[:64])  # first call builds kernels
    live, live_cpu = _throughput(encoder.encode, texts, runs)
    raw, _ = _throughput(
        lambda t: encoder._model.encode(t, batch_size=64, show_progress_bar=False), texts, runs
    )
    bulk, bulk_cpu = _throughput(encoder.encode_bulk, texts, runs)
    yield Result(
        f"embed {len(texts)} sentences, live ({TORCH_THREADS} thread)",
        median(live),
        "s",
        floor=median(raw),
        note=f"{len(texts) / median(live):.0f} sentences/s; {live_cpu:.0f} per CPU-second; "
        "floor: SentenceTransformer.encode",
    )
    yield Result(
        "embedding throughput, bulk (all cores)",
        len(texts) / median(bulk),
        "sent/s",
        target=f">= {EMBED_TARGET} sentences/s",
        note=f"{bulk_cpu:.0f} sentences per CPU-second",
    )


def rss_mb() -> float:
    """Resident memory of this process (VmRSS from /proc/self/status), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def loaded_rss() -> dict[str, float | bool]:
    """RSS before and after loading the embedding model, VADER and the summarizer (if set)."""
    from sayonce.nlp.abstractive import configured_summarizer
    from sayonce.nlp.embeddings import get_encoder
    from sayonce.nlp.sentiment import sentiment

    before = rss_mb()
    get_encoder().encode(["warm up the model"])
    sentiment("load the lexicon")
    summarizer = configured_summarizer() is not None
    return {"before": before, "after": rss_mb(), "summarizer": summarizer}


_MEASURE = "import json; from sayonce.bench.nlp import loaded_rss; print(json.dumps(loaded_rss()))"


@benchmark("nlp.memory")
def memory(ctx: Context) -> Iterable[Result]:
    """Resident memory of a fresh process once the models are loaded (VmRSS)."""
    if getattr(sys, "frozen", False):
        figures = loaded_rss()  # an installer bundle cannot run -c; this process is fresh enough
    else:
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE], capture_output=True, text=True, check=True
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    yield Result(
        "resident memory with models loaded",
        float(figures["after"]),
        "MB",
        target=f"<= {RSS_TARGET_MB} MB",
        note=f"fresh process: {float(figures['before']):.0f} MB before loading; summarizer "
        f"{'loaded' if figures['summarizer'] else 'not configured'}",
    )
