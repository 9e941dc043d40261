"""The person a privacy request or consent change is about: a customer and its merge cluster.

Merges never delete, so one person may be several customer rows: the root and every profile
merged into it (directly or through a chain). Privacy requests and consent cover them all.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.store.customers import Customer

# A merge chain longer than this is a data error (a cycle); stop rather than loop forever.
MAX_DEPTH = 64


class UnknownCustomerError(LookupError):
    """No customer has the given reference; ``str()`` says what was looked for."""


def find_customer_id(session: Session, ref: str | int) -> int:
    """The id of the customer with reference ``ref`` (``C-000123``) or numeric id ``ref``."""
    text = str(ref).strip()
    found = session.scalar(select(Customer.id).where(Customer.ref == text))
    if found is None and text.isdigit():
        found = session.scalar(select(Customer.id).where(Customer.id == int(text)))
    if found is None:
        raise UnknownCustomerError(f"No customer with the reference {text!r}.")
    return found


def root_of(session: Session, customer_id: int) -> int:
    """The surviving profile ``customer_id`` was (perhaps transitively) merged into."""
    current, seen = customer_id, {customer_id}
    for _ in range(MAX_DEPTH):
        parent = session.scalar(select(Customer.merged_into_id).where(Customer.id == current))
        if parent is None or parent in seen:
            return current
        seen.add(parent)
        current = parent
    return current


def person_ids(session: Session, customer_id: int) -> list[int]:
    """Every customer id of the person ``customer_id`` belongs to, the root first."""
    found = [root_of(session, customer_id)]
    frontier = list(found)
    for _ in range(MAX_DEPTH):
        children = session.scalars(
            select(Customer.id).where(Customer.merged_into_id.in_(frontier)).order_by(Customer.id)
        ).all()
        frontier = [c for c in children if c not in found]
        if not frontier:
            break
        found.extend(frontier)
    return found
