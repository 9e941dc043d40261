"""An agent cannot use supervisor functions, even by calling the core directly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sayonce.review import (
    analytics,
    approvals,
    demo_history,
    detail,
    export,
    playbooks,
    queue,
    verdicts,
)
from sayonce.review.playbooks import ActionEdit
from sayonce.store import AuditEvent, PlaybookVersion, Role, Store, Suggestion
from sayonce.trust.permissions import PermissionDenied
from sayonce.trust.principal import Principal
from tests.review_data import MINIMAL_PLAYBOOK, seed

AGENT = Principal("ann", Role.AGENT, 1)

CALLS: dict[str, Callable[[Store, Principal, Path], Any]] = {
    "queue.page": lambda st, p, _: queue.page(st, p),
    "queue.count": lambda st, p, _: queue.count(st, p),
    "queue.choices": lambda st, p, _: queue.choices(st, p),
    "detail.detail": lambda st, p, _: detail.detail(st, p, 1),
    "approvals.pending": lambda st, p, _: approvals.pending(st, p),
    "approvals.approve": lambda st, p, _: approvals.approve(st, p, 4),
    "approvals.reject": lambda st, p, _: approvals.reject(st, p, 4, "no"),
    "verdicts.mark": lambda st, p, _: verdicts.mark(st, p, 1, "good"),
    "analytics.rates": lambda st, p, _: analytics.rates(st, p, "action"),
    "analytics.overall": lambda st, p, _: analytics.overall(st, p),
    "export.export_queue": lambda st, p, d: export.export_queue(st, p, d / "q.csv"),
    "export.export_rates": lambda st, p, d: export.export_rates(st, p, d / "r.csv", "agent"),
    "playbooks.names": lambda st, p, _: playbooks.names(st, p),
    "playbooks.current": lambda st, p, _: playbooks.current(st, p, "t"),
    "playbooks.actions": lambda st, p, _: playbooks.actions(st, p, "t"),
    "playbooks.history": lambda st, p, _: playbooks.history(st, p, "t"),
    "playbooks.revision": lambda st, p, _: playbooks.revision(st, p, "t", 1),
    "playbooks.diff": lambda st, p, _: playbooks.diff(st, p, "t", 1, 1),
    "playbooks.save": lambda st, p, _: playbooks.save(st, p, "t", MINIMAL_PLAYBOOK),
    "playbooks.set_enabled": lambda st, p, _: playbooks.set_enabled(st, p, "t", "x", False),
    "playbooks.edit_action": lambda st, p, _: playbooks.edit_action(
        st, p, "t", "x", ActionEdit(value=0.1)
    ),
    "playbooks.restore": lambda st, p, _: playbooks.restore(st, p, "t", 1),
    "playbooks.latest_version": lambda st, p, _: playbooks.latest_version(st, p, "t"),
    "demo_history.seed_review_demo": lambda st, p, _: demo_history.seed_review_demo(st, p),
}


def _snapshot(store: Store) -> tuple[int, int, list[tuple[str, str | None]]]:
    with store.read() as s:
        audits = int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        versions = int(s.scalar(select(func.count()).select_from(PlaybookVersion)) or 0)
        states = [(r.status, r.review_verdict) for r in s.scalars(select(Suggestion))]
    return audits, versions, states


@pytest.mark.parametrize("name", sorted(CALLS))
def test_agent_is_refused_and_nothing_changes(
    sqlite_store: Store, tmp_path: Path, name: str
) -> None:
    seed(sqlite_store)
    playbooks.save(sqlite_store, Principal.system(), "t", MINIMAL_PLAYBOOK)
    before = _snapshot(sqlite_store)
    with pytest.raises(PermissionDenied, match="ann"):
        CALLS[name](sqlite_store, AGENT, tmp_path)
    assert _snapshot(sqlite_store) == before
    assert list(tmp_path.glob("*.csv")) == []


def test_every_public_review_function_is_covered() -> None:
    modules = [analytics, approvals, demo_history, detail, export, playbooks, queue, verdicts]
    public = set()
    for module in modules:
        for attr, value in vars(module).items():
            takes_principal = "principal" in getattr(value, "__annotations__", {})
            defined_here = getattr(value, "__module__", "") == module.__name__
            if callable(value) and defined_here and takes_principal and not attr.startswith("_"):
                public.add(f"{module.__name__.rsplit('.', 1)[1]}.{attr}")
    # "decisions" and "active" are open to agents on purpose (own requests; running calls)
    assert public - set(CALLS) == {"approvals.decisions", "playbooks.active"}


def test_agent_can_poll_own_requests_and_load_the_active_playbook(sqlite_store: Store) -> None:
    seeded = seed(sqlite_store)
    agent = seeded.agent(0)
    assert approvals.decisions(sqlite_store, agent, seeded.suggestion_ids)
    playbooks.save(sqlite_store, Principal.system(), "t", MINIMAL_PLAYBOOK)
    playbook, version = playbooks.active(sqlite_store, agent, "t")
    assert version == 1 and playbook.actions[0].id == "replace-card"
