"""Twenty agent processes against one database: no lost update, every conflict detected.

Each process (multiprocessing, spawn: a fresh interpreter like a real workstation) writes its
own notes through the desktop's autosave, appends to one shared note with optimistic version
checks, decides suggestions through the assist engine's log, races the others to approve the
same high-risk requests and to merge the same duplicate profiles (``sayonce.identity.merge``).
Afterwards every row is counted: whatever a process was told succeeded is there exactly once.
"""

from __future__ import annotations

import multiprocessing
import re
import traceback
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select

from sayonce.store import (
    AuditEvent,
    ConcurrentEditError,
    Customer,
    MergeRecord,
    Note,
    Role,
    Store,
    Suggestion,
    SuggestionStatus,
    open_store,
)
from sayonce.trust.audit import verify
from sayonce.trust.principal import Principal

PROCESSES = 20
OWN_NOTES = 3  # per process, each saved 3 times while "typing"
SHARED_EDITS = 3  # successful appends to the shared note, per process
CALL_SUGGESTIONS = 3  # per process: 2 accepted, 1 dismissed
CONTESTED = 8  # pending approvals every process tries to approve
PAIRS = 8  # duplicate pairs every process tries to merge
RETRIES: Counter[str] = Counter()  # per process: units of work retried after a busy database


def _append_shared(
    store: Store, agent: Principal, customer_id: int, note_id: int, mark: str
) -> int:
    """Append ``mark`` to the shared note, retrying on conflicts; return conflicts seen."""
    from sayonce.history.notes import save_note

    conflicts = 0
    while True:
        with store.read() as s:
            note = s.get(Note, note_id)
            assert note is not None
            body, version = note.body, note.version
        try:
            new = body + mark
            _retrying(
                partial(save_note, store, agent, customer_id, new, note_id=note_id, version=version)
            )
            return conflicts
        except ConcurrentEditError:
            conflicts += 1


def _retrying(work: Callable[[], Any]) -> Any:
    """Run a unit of work as the desktop does: retried after "database is locked" or a lost
    connection (the error comes at BEGIN, before anything was written), counted."""
    from sayonce.trust.health import with_retry

    def count(_attempt: int, _exc: BaseException) -> None:
        RETRIES["busy"] += 1

    return with_retry(work, attempts=20, on_retry=count)


def _merge_once(store: Store, actor: Principal, survivor: int, absorbed: int) -> None:
    from sayonce.identity.merge import merge

    with store.write() as s:
        merge(s, actor, survivor, absorbed)


def _merge(store: Store, actor: Principal, survivor: int, absorbed: int) -> str:
    """Merge through the identity core: ``merged``, ``already`` or ``conflict``."""
    from sayonce.identity.merge import MergeError

    try:
        _retrying(lambda: _merge_once(store, actor, survivor, absorbed))
    except MergeError:
        return "already"  # another workstation merged them first, and this one saw it
    except ConcurrentEditError:
        return "conflict"  # another workstation merged them at the same moment
    return "merged"


def _agent_work(store: Store, n: int, agent: Principal, world: dict[str, Any]) -> Counter[str]:
    from sayonce.assist.suggestion_log import SuggestionLog
    from sayonce.assist.views import SuggestionView
    from sayonce.history.notes import NoteAutosave
    from sayonce.store import utcnow

    done: Counter[str] = Counter()
    for k in range(OWN_NOTES):
        autosave = NoteAutosave(store, agent, world["customer"])
        for draft in (f"p{n} note {k} draft", f"p{n} note {k} more", f"p{n} note {k} final"):
            _retrying(partial(autosave.save, draft))
            done["note_saves"] += 1
    for j in range(SHARED_EDITS):
        mark = f" <p{n}e{j}>"
        done["shared_conflicts"] += _append_shared(
            store, agent, world["customer"], world["shared_note"], mark
        )
        done["shared_edits"] += 1
    log = SuggestionLog(store, f"call-{n}", world["customer"], agent.agent_id)
    views = [SuggestionView(f"action-{a}", f"Action {a}", 0.5, ()) for a in range(CALL_SUGGESTIONS)]
    _retrying(lambda: log.shown(views, "customer asks about a refund", utcnow()))
    for view, status in zip(views, ("accepted", "accepted", "dismissed"), strict=True):
        reason = None if status == "accepted" else "not now"
        _retrying(partial(log.decide, view, status, utcnow(), reason=reason))
        done["decisions"] += 1
    return done


def _supervisor_work(store: Store, n: int, world: dict[str, Any]) -> Counter[str]:
    from sayonce.review.approvals import AlreadyDecided, approve

    supervisor = Principal(f"sup{n}", Role.SUPERVISOR, world["agents"][n])
    done: Counter[str] = Counter()
    for suggestion_id in world["pending"]:
        try:
            _retrying(partial(approve, store, supervisor, suggestion_id))
            done["approved"] += 1
        except AlreadyDecided:
            done["already_decided"] += 1
    for survivor, absorbed in world["pairs"]:
        done[f"merge_{_merge(store, supervisor, survivor, absorbed)}"] += 1
    return done


def worker(url: str, n: int, world: dict[str, Any], barrier: Any, results: Any) -> None:
    """One workstation: wait for the others, then work; report counts or the error."""
    try:
        store = open_store(url, migrate=False)
        agent = Principal(f"agent{n}", Role.AGENT, world["agents"][n])
        barrier.wait(300)  # start together: maximum contention
        done = _agent_work(store, n, agent, world) + _supervisor_work(store, n, world)
        store.dispose()
        results.put(dict(done + RETRIES))
    except BaseException:
        results.put({"error": traceback.format_exc()})
        raise


def _seed(store: Store) -> dict[str, Any]:
    from sayonce.store import Agent

    with store.write() as s:
        agents = [Agent(username=f"u{n}", display_name=f"U{n}") for n in range(PROCESSES)]
        customer = Customer(ref="C-1")
        pairs = [(Customer(ref=f"C-A{k}"), Customer(ref=f"C-B{k}")) for k in range(PAIRS)]
        s.add_all([*agents, customer, *[c for p in pairs for c in p]])
        s.flush()
        shared = Note(customer_id=customer.id, body="shared:")
        pending = [
            Suggestion(
                call_id="big",
                customer_id=customer.id,
                action_id=f"refund-{k}",
                score=1.0,
                risk="high",
                status=SuggestionStatus.PENDING_APPROVAL.value,
            )
            for k in range(CONTESTED)
        ]
        s.add_all([shared, *pending])
        s.flush()
        return {
            "agents": [a.id for a in agents],
            "customer": customer.id,
            "shared_note": shared.id,
            "pending": [p.id for p in pending],
            "pairs": [(a.id, b.id) for a, b in pairs],
        }


def _run_processes(url: str, world: dict[str, Any]) -> Counter[str]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(url, n, world, barrier, results)) for n in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    totals: Counter[str] = Counter()
    for _ in procs:
        result = results.get(timeout=900)
        assert "error" not in result, result["error"]
        totals.update(result)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    return totals


def _count(store: Store, query: Any) -> int:
    with store.read() as s:
        return int(s.scalar(query) or 0)


@pytest.mark.slow
def test_twenty_processes_lose_no_update(db_url: str) -> None:
    store = open_store(db_url)
    world = _seed(store)
    totals = _run_processes(db_url, world)

    own_notes = select(func.count()).select_from(Note).where(Note.id != world["shared_note"])
    assert _count(store, own_notes) == PROCESSES * OWN_NOTES
    with store.read() as s:
        bodies = s.scalars(select(Note.body).where(Note.id != world["shared_note"])).all()
        shared = s.get(Note, world["shared_note"])
        assert shared is not None
    assert all(b.endswith("final") for b in bodies)  # the last save of each note won

    marks = re.findall(r"<p(\d+)e(\d+)>", shared.body)
    assert len(marks) == len(set(marks)) == totals["shared_edits"] == PROCESSES * SHARED_EDITS
    assert shared.version == 1 + totals["shared_edits"]  # one version per successful save

    decided = select(func.count()).select_from(Suggestion).where(Suggestion.call_id != "big")
    assert _count(store, decided) == totals["decisions"] == PROCESSES * CALL_SUGGESTIONS
    dismissed = decided.where(Suggestion.status == "dismissed")
    assert _count(store, dismissed) == PROCESSES

    approved = select(func.count()).select_from(Suggestion).where(Suggestion.status == "approved")
    assert _count(store, approved) == totals["approved"] == CONTESTED
    assert totals["already_decided"] == CONTESTED * (PROCESSES - 1)

    assert _count(store, select(func.count()).select_from(MergeRecord)) == PAIRS
    assert totals["merge_merged"] == PAIRS
    assert totals["merge_already"] + totals["merge_conflict"] == PAIRS * (PROCESSES - 1)

    with store.read() as s:
        report = verify(s)
        audited = s.scalar(select(func.count()).select_from(AuditEvent))
    assert report.ok and audited == report.checked == CONTESTED + PAIRS
    ops = sum(v for k, v in totals.items() if k not in ("shared_conflicts", "busy"))
    print(
        f"\nconcurrency[{store.dialect}]: {PROCESSES} processes, {ops} operations, "
        f"{totals['shared_conflicts']} note conflicts and {totals['merge_conflict']} merge "
        f"conflicts detected, {totals['busy']} busy/locked retries, 0 updates lost"
    )
    store.dispose()
