"""Merge clusters: the root profile and every profile merged into it, directly or by a chain.

Merges never delete: the absorbed profile points at its survivor (``merged_into_id``). A
chain A→B→C resolves to C. Every query "about a customer" covers the whole cluster.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.store.customers import Customer

# A chain longer than this is a data error (a cycle); stop rather than loop forever.
MAX_DEPTH = 64
_CHUNK = 900  # stays under SQLite's bound-parameter limit


def _parents(session: Session, ids: list[int]) -> dict[int, int | None]:
    found: dict[int, int | None] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = session.execute(
            select(Customer.id, Customer.merged_into_id).where(Customer.id.in_(chunk))
        )
        found.update({row.id: row.merged_into_id for row in rows})
    return found


def roots_of(session: Session, customer_ids: Iterable[int]) -> dict[int, int]:
    """Map each id to its root, following chains; unknown ids map to themselves."""
    wanted = list(dict.fromkeys(customer_ids))
    parent: dict[int, int | None] = {}
    frontier = wanted
    for _ in range(MAX_DEPTH):
        frontier = [i for i in frontier if i not in parent]
        if not frontier:
            break
        step = _parents(session, frontier)
        parent.update({i: step.get(i) for i in frontier})
        frontier = [p for p in step.values() if p is not None]
    return {i: _walk(parent, i) for i in wanted}


def _walk(parent: dict[int, int | None], start: int) -> int:
    current, seen = start, {start}
    for _ in range(MAX_DEPTH):
        nxt = parent.get(current)
        if nxt is None or nxt in seen:
            return current
        seen.add(nxt)
        current = nxt
    return current


def root_of(session: Session, customer_id: int) -> int:
    """The surviving profile ``customer_id`` was (perhaps transitively) merged into."""
    return roots_of(session, [customer_id])[customer_id]


def members(session: Session, root_id: int) -> list[int]:
    """``root_id`` followed by every profile merged into it, directly or through a chain."""
    found, frontier = [root_id], [root_id]
    for _ in range(MAX_DEPTH):
        children = session.scalars(
            select(Customer.id).where(Customer.merged_into_id.in_(frontier)).order_by(Customer.id)
        ).all()
        frontier = [c for c in children if c not in found]
        if not frontier:
            break
        found.extend(frontier)
    return found


def cluster_of(session: Session, customer_id: int) -> list[int]:
    """Every profile id in ``customer_id``'s cluster, root first."""
    return members(session, root_of(session, customer_id))
