"""Opening a customer: header, first timeline page and "already told us", in one read.

This is the core of a screen pop, so it is lean: one short read session of indexed probes,
then one short write for the audit row (every profile view is audited, below the UI).
"""

from __future__ import annotations

from dataclasses import dataclass

from sayonce.history import timeline
from sayonce.history.items import TimelineFilter
from sayonce.history.profile import Profile, load_profile
from sayonce.history.told_us import ToldUs, told_us
from sayonce.identity.cluster import cluster_of
from sayonce.store import Store
from sayonce.trust.audit import AuditAction, record
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal


@dataclass(frozen=True, slots=True)
class CustomerView:
    """Everything the window shows first about one customer."""

    profile: Profile
    page: timeline.TimelinePage
    told_us: list[ToldUs]

    @property
    def cluster(self) -> list[int]:
        """The customer's merge cluster, root first."""
        return self.profile.member_ids


def open_customer(
    store: Store,
    principal: Principal,
    customer_id: int,
    flt: TimelineFilter | None = None,
    *,
    page_size: int = timeline.PAGE_SIZE,
) -> CustomerView:
    """Load ``customer_id``'s cluster for display, and audit the view."""
    require(principal, Permission.VIEW_PROFILE)
    with store.read() as session:
        cluster = cluster_of(session, customer_id)
        view = CustomerView(
            profile=load_profile(session, customer_id, cluster),
            page=timeline.page(session, cluster, flt=flt, limit=page_size),
            told_us=told_us(session, cluster),
        )
    with store.write() as session:
        record(session, principal, AuditAction.PROFILE_VIEW, "customer", view.profile.customer_id)
    return view
