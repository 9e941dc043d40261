"""One agent's desk: the store and the signed-in agent, bound to every query the window runs.

The desktop's worker thread calls these methods; each opens its own short session, checks the
agent's permission and returns plain data. The same object serves the CLI and the benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from sayonce.history import timeline
from sayonce.history.customer_view import CustomerView, open_customer
from sayonce.history.detail import ItemDetail, load_detail
from sayonce.history.items import Cursor, TimelineFilter, TimelineItem
from sayonce.history.notes import NoteAutosave
from sayonce.history.screen_pop import PopResult, caller_id, new_profile, pop
from sayonce.history.search import CustomerHit, find_customers
from sayonce.history.semantic import SemanticResults, SentenceEncoder, semantic_search
from sayonce.history.told_us import ToldUs, told_us
from sayonce.identity.lookup import find_customers as lookup_customers
from sayonce.store import Customer, Interaction, Store
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal


@dataclass(frozen=True)
class Desk:
    """The store as one agent may see it."""

    store: Store
    principal: Principal

    def open(self, customer_id: int, flt: TimelineFilter | None = None) -> CustomerView:
        """Header, first page and facts of ``customer_id`` (audited)."""
        return open_customer(self.store, self.principal, customer_id, flt)

    def page(
        self, cluster: Sequence[int], after: Cursor | None, flt: TimelineFilter | None = None
    ) -> timeline.TimelinePage:
        """The next timeline page."""
        require(self.principal, Permission.VIEW_PROFILE)
        with self.store.read() as session:
            return timeline.page(session, cluster, after=after, flt=flt)

    def newer(
        self, cluster: Sequence[int], top: Cursor | None, flt: TimelineFilter | None = None
    ) -> tuple[list[TimelineItem], bool]:
        """Items that arrived above ``top``."""
        require(self.principal, Permission.VIEW_PROFILE)
        with self.store.read() as session:
            return timeline.newer_than(session, cluster, top, flt)

    def facts(self, cluster: Sequence[int]) -> list[ToldUs]:
        """The "already told us" facts."""
        require(self.principal, Permission.VIEW_PROFILE)
        with self.store.read() as session:
            return told_us(session, cluster)

    def search(self, query: str) -> list[CustomerHit]:
        """Customers matching what was typed."""
        require(self.principal, Permission.VIEW_PROFILE)
        with self.store.read() as session:
            return find_customers(session, query)

    def semantic(
        self,
        cluster: Sequence[int],
        query: str,
        encoder: SentenceEncoder,
        limit: int = 20,
        *,
        indexed_only: bool = False,
    ) -> SemanticResults:
        """Interactions of ``cluster`` closest in meaning to ``query`` (see history.semantic).

        Missing vectors are computed with the live encoder's capped threads, not every core:
        this runs beside the window's event loop. ``indexed_only`` searches only what already
        has vectors (first results while the customer is still being indexed).
        """
        return semantic_search(
            self.store,
            self.principal,
            cluster,
            query,
            encoder,
            limit,
            bulk=False,
            fill=not indexed_only,
        )

    def detail(self, kind: str, item_id: int) -> ItemDetail | None:
        """A timeline item in full."""
        require(self.principal, Permission.VIEW_PROFILE)
        with self.store.read() as session:
            return load_detail(session, kind, item_id)

    def pop(self, contact: str) -> PopResult:
        """Screen pop for an incoming contact."""
        return pop(self.store, self.principal, contact)

    def new_profile(self, contact: str) -> int:
        """A new unverified profile for an unknown contact."""
        return new_profile(self.store, self.principal, contact)

    def autosave(self, customer_id: int) -> NoteAutosave:
        """A new note on ``customer_id``, saved as it is typed."""
        return NoteAutosave(self.store, self.principal, customer_id)

    def find(self, reference: str) -> int | None:
        """The customer a ref, phone, email or id names (the first, if several)."""
        with self.store.read() as session:
            found = lookup_customers(session, caller_id(reference))
            if not found and reference.strip().isdigit():
                found = list(
                    session.scalars(select(Customer.id).where(Customer.id == int(reference)))
                )
            return found[0] if found else None

    def recent_customer(self) -> int | None:
        """The customer of the latest contact (a sensible first screen)."""
        with self.store.read() as session:
            latest = session.scalar(select(func.max(Interaction.id)))
            if latest is None:
                return session.scalar(select(func.min(Customer.id)))
            return session.scalar(select(Interaction.customer_id).where(Interaction.id == latest))

    def is_empty(self) -> bool:
        """No customers at all (a fresh database)."""
        with self.store.read() as session:
            return session.scalar(select(Customer.id).limit(1)) is None
