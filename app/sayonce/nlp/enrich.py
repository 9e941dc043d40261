"""What the UI and assist call, off the UI thread: summaries and briefs of stored contacts.

Functions taking a ``Session`` work inside the caller's transaction; the ``*_stored``
ones take the :class:`~sayonce.store.Store` and open their own short sessions (read, then
a brief write to cache what was computed), which is what a worker thread should use.
"""

from __future__ import annotations

from collections.abc import Sequence

from sayonce.nlp.brief import Brief, BriefPoint, build_brief, customer_brief
from sayonce.nlp.summary import InteractionSummaryData
from sayonce.nlp.summary_cache import (
    cached_summaries,
    current_version,
    save_summaries,
    summarize_interaction,
)
from sayonce.store import Store

__all__ = [
    "Brief",
    "BriefPoint",
    "InteractionSummaryData",
    "brief_stored",
    "cached_summaries",
    "current_version",
    "customer_brief",
    "summarize_interaction",
    "summarize_stored",
]


def summarize_stored(store: Store, interaction_id: int) -> InteractionSummaryData:
    """The interaction's summary: from the cache, or computed and then cached."""
    with store.read() as session:
        cached = cached_summaries(session, [interaction_id]).get(interaction_id)
        if cached is not None:
            return cached
        summary = summarize_interaction(session, interaction_id, cache=False)
    with store.write() as session:
        save_summaries(session, [summary])
    return summary


def brief_stored(store: Store, customer_ids: Sequence[int]) -> Brief:
    """The customer brief; summaries it had to compute are cached for next time."""
    with store.read() as session:
        brief, fresh = build_brief(session, customer_ids)
    if fresh:
        with store.write() as session:
            save_summaries(session, fresh)
    return brief
