"""Benchmarks of the live call assist: the per-utterance update, against embedding one sentence.

The floor is the encoder alone embedding the same sentence (one ``encode`` call), so the ratio
shows what redaction, sentiment, entities, relevance, eligibility, ranking, guided steps and
(in the second figure) recording the shown suggestions add on top of the one encode call
each utterance costs.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sayonce.bench import Context, Result, benchmark, median, p95

if TYPE_CHECKING:
    from sayonce.assist.session import LiveSession
    from sayonce.store import Store

TARGET_P95_MS = 40.0


def _utterances() -> list[tuple[str, str]]:
    """(speaker, text) of every utterance in the labelled replays."""
    from sayonce.assist.evaluation import BATCHES, default_replays_dir, load_labelled
    from sayonce.intake.events import Utterance

    root = default_replays_dir()
    found: list[tuple[str, str]] = []
    for sub in BATCHES.values():
        if (root / sub / "labels.yaml").is_file():
            for call in load_labelled(root / sub):
                found += [(e.speaker, e.text) for e in call.events if isinstance(e, Utterance)]
    return found


def _session(ctx: Context, record: bool) -> tuple[LiveSession, Store | None]:
    from sayonce.assist.customer_context import CustomerContext
    from sayonce.assist.playbook import load_default_playbook
    from sayonce.assist.relevance import ActionIndex
    from sayonce.assist.session import LiveSession
    from sayonce.nlp.embeddings import get_encoder
    from sayonce.store import open_store

    playbook = load_default_playbook()
    index = ctx.cache.get("assist.index")
    if not isinstance(index, ActionIndex):
        index = ActionIndex(playbook, get_encoder())
        ctx.cache["assist.index"] = index
    store = open_store(f"sqlite:///{ctx.workdir / 'assist-bench.sqlite3'}") if record else None
    context = CustomerContext(customer_id=None, tier="gold", segment="regulars")
    session = LiveSession(playbook, index, store=store, context=context)
    return session, store


def _measure(ctx: Context, record: bool) -> dict[str, list[float]]:
    """Milliseconds per utterance update and per bare encode of the same (redacted) sentence.

    The two are taken in turn, utterance by utterance, so both see the same machine load
    (other programs share the two cores). Calls of ten utterances; the first twenty
    measurements only warm caches and are dropped.
    """
    from sayonce.intake.events import CallEnded, CallStarted, Utterance
    from sayonce.privacy.redact import redact

    session, store = _session(ctx, record)
    encoder = session.index.encoder
    # customer turns only: each costs an encode (an agent's only when a guided step may be
    # heard), so this is the worst case and the ratio to the bare encode is like for like
    stream = itertools.cycle([u for u in _utterances() if u[0] == "customer"])
    runs = 60 if ctx.quick else 400
    start = datetime(2026, 11, 20, 10, tzinfo=UTC)
    times: dict[str, list[float]] = {"update": [], "floor": [], "update_cpu": [], "floor_cpu": []}
    for call_number in itertools.count():
        call_id = f"bench-{record}-{call_number}"
        session.handle(
            CallStarted.model_validate({"call_id": call_id, "from": "+441134960000", "at": start})
        )
        for (speaker, text), _ in zip(stream, range(10), strict=False):
            event = Utterance.model_validate({"call_id": call_id, "speaker": speaker, "text": text})
            clean = redact(text)
            _timed(times, "floor", functools.partial(encoder.encode, [clean]))
            _timed(times, "update", functools.partial(session.handle, event))
        session.handle(CallEnded(call_id=call_id, at=start + timedelta(minutes=5)))
        if len(times["update"]) >= runs + 20:
            break
    if store is not None:
        store.dispose()
    return {name: values[20:] for name, values in times.items()}


def _timed(times: dict[str, list[float]], name: str, work: Callable[[], object]) -> None:
    """Wall-clock and CPU milliseconds of ``work``.

    Torch runs one thread on two cores, so the CPU time is what the work costs on a core
    nobody else wants: the wall time on a quiet machine.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    times[name].append((time.perf_counter() - wall) * 1000)
    times[f"{name}_cpu"].append((time.process_time() - cpu) * 1000)


@benchmark("assist.utterance")
def utterance_update(ctx: Context) -> Iterable[Result]:
    """Per-utterance assist update, without and with recording suggestions to SQLite."""
    for record in (False, True):
        times = _measure(ctx, record)
        label = " (recording to SQLite)" if record else ""
        for clock in ("", "_cpu"):
            updates, floors = times[f"update{clock}"], times[f"floor{clock}"]
            kind = "CPU time" if clock else "wall time"
            yield Result(
                name=f"assist: update per utterance, {kind}{label}",
                median=median(updates),
                unit="ms",
                floor=median(floors),
                p95=p95(updates),
                target=f"p95 <= {TARGET_P95_MS:.0f} ms",
                note=f"{len(updates)} customer utterances; floor: one encode of the sentence, "
                f"p95 {p95(floors):.1f} ms",
            )


@benchmark("assist.index")
def index_build(ctx: Context) -> Iterable[Result]:
    """Building the action index of the default playbook (embedding every action text)."""
    from sayonce.assist.playbook import load_default_playbook
    from sayonce.assist.relevance import ActionIndex
    from sayonce.nlp import intent
    from sayonce.nlp.embeddings import get_encoder

    playbook = load_default_playbook()
    encoder = get_encoder()
    timings = []
    for _ in range(3 if ctx.quick else 5):
        intent._vectors.clear()  # cold: nothing cached from an earlier build
        began = time.perf_counter()
        ActionIndex(playbook, encoder)
        timings.append((time.perf_counter() - began) * 1000)
    yield Result(
        name="assist: action index build (cold)",
        median=median(timings),
        unit="ms",
        note=f"{len(playbook.actions)} actions",
    )
