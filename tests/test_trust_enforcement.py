"""Issue 9's promise, across areas: an agent calling the core directly is refused, and nothing
is read out or written on the way (no audit row, no file, no change)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sayonce.store import Base, Role, Store
from sayonce.trust.permissions import PermissionDenied
from sayonce.trust.principal import Principal
from tests.trust_seed import seed

AGENT = Principal("ann", Role.AGENT, 1)
SUPERVISOR = Principal("sam", Role.SUPERVISOR, 1)


def _review_queue(store: Store, who: Principal, _out: Path) -> Any:
    from sayonce.review import queue

    return queue.page(store, who)


def _playbook_edit(store: Store, who: Principal, _out: Path) -> Any:
    from sayonce.config import resources_dir
    from sayonce.review import playbooks

    content = (resources_dir() / "playbooks" / "default.yaml").read_text("utf-8")
    return playbooks.save(store, who, "default", content, "agent tries")


def _export(store: Store, who: Principal, out: Path) -> Any:
    from sayonce.trust.export import export_person

    return export_person(store, who, 1, out / "x.json")


def _erase(store: Store, who: Principal, _out: Path) -> Any:
    from sayonce.trust.erasure import erase_person

    with store.write() as s:
        return erase_person(s, who, 1)


def _add_user(store: Store, who: Principal, _out: Path) -> Any:
    from sayonce.trust.accounts import add_user

    with store.write() as s:
        return add_user(s, who, "eve", Role.ADMIN)


def _seed(store: Store) -> None:
    from sayonce.trust.accounts import add_user

    seed(store)
    with store.write() as s:  # an admin exists, so nobody else may bootstrap one
        add_user(s, Principal("installer", Role.ADMIN), "boss", Role.ADMIN)


def _approve(store: Store, who: Principal, _out: Path) -> Any:
    from sayonce.review import approvals

    return approvals.approve(store, who, 1)


CALLS: dict[str, Callable[[Store, Principal, Path], Any]] = {
    "review queue": _review_queue,
    "playbook edit": _playbook_edit,
    "privacy export": _export,
    "privacy erase": _erase,
    "user management": _add_user,
    "high-risk approval": _approve,
}


def _snapshot(store: Store) -> dict[str, int]:
    with store.read() as s:
        return {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("name", list(CALLS))
def test_agent_is_refused_in_the_core(store: Store, tmp_path: Path, name: str) -> None:
    _seed(store)
    before = _snapshot(store)
    with pytest.raises(PermissionDenied, match="ann \\(role agent\\) may not"):
        CALLS[name](store, AGENT, tmp_path)
    assert _snapshot(store) == before
    assert not list(tmp_path.glob("*.json"))


@pytest.mark.parametrize("name", ["privacy export", "privacy erase", "user management"])
def test_supervisor_is_refused_admin_work(store: Store, tmp_path: Path, name: str) -> None:
    _seed(store)
    with pytest.raises(PermissionDenied, match="needs the role admin"):
        CALLS[name](store, SUPERVISOR, tmp_path)


def test_supervisor_reads_the_review_queue(store: Store, tmp_path: Path) -> None:
    _seed(store)
    page = _review_queue(store, SUPERVISOR, tmp_path)
    assert len(page.rows) == 1
