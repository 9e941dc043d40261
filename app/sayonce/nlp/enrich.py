"""What the UI and assist call (off the UI thread): cached summaries of stored interactions.

Summaries are cached in ``interaction_summaries`` as JSON keyed by model version, so a
customer's brief reads them instead of recomputing. Functions taking a ``Session`` work
inside the caller's transaction; :func:`summarize_stored` opens its own short sessions.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.config import summarizer_path
from sayonce.nlp.abstractive import configured_summarizer, summarizer_version
from sayonce.nlp.conversation import sentences
from sayonce.nlp.summarize import summarize
from sayonce.nlp.summary import EXTRACTIVE_VERSION, InteractionSummaryData
from sayonce.nlp.transcripts import interaction_turns
from sayonce.store import Interaction, InteractionSummary, Store, utcnow


def current_version() -> str:
    """Model version of summaries made now: extractive rules, plus the seq2seq model if set."""
    folder = summarizer_path()
    return f"{EXTRACTIVE_VERSION}+{summarizer_version(folder)}" if folder else EXTRACTIVE_VERSION


def compute_summary(session: Session, interaction: Interaction) -> InteractionSummaryData:
    """Summarize one stored interaction now (no cache)."""
    turns = interaction_turns(session, interaction)
    summary = summarize(turns, at=interaction.started_at)
    summary.interaction_id = interaction.id
    model = configured_summarizer()
    if model is not None:
        summary.abstract = model.summarize(" ".join(s.text for s in sentences(turns)))
    summary.model = current_version()
    return summary


def summarize_interaction(
    session: Session, interaction_id: int, refresh: bool = False
) -> InteractionSummaryData:
    """The cached summary of an interaction, computed and cached when missing or stale.

    Call inside ``store.write()`` for the cache to be kept.
    """
    version = current_version()
    row = session.get(InteractionSummary, interaction_id)
    if row is not None and row.model == version and not refresh:
        return InteractionSummaryData.from_json(row.data)
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise KeyError(f"no interaction {interaction_id}")
    summary = compute_summary(session, interaction)
    if row is None:
        session.add(
            InteractionSummary(interaction_id=interaction_id, model=version, data=summary.to_json())
        )
    else:
        row.model, row.data, row.created_at = version, summary.to_json(), utcnow()
    session.flush()
    return summary


def cached_summaries(
    session: Session, interaction_ids: Iterable[int]
) -> dict[int, InteractionSummaryData]:
    """Up-to-date cached summaries of these interactions (missing or stale ones left out)."""
    ids = list(interaction_ids)
    if not ids:
        return {}
    version = current_version()
    rows = session.execute(
        select(InteractionSummary.interaction_id, InteractionSummary.data).where(
            InteractionSummary.interaction_id.in_(ids), InteractionSummary.model == version
        )
    ).all()
    return {i: InteractionSummaryData.from_json(data) for i, data in rows}


def summarize_stored(store: Store, interaction_id: int) -> InteractionSummaryData:
    """For a worker thread: read the cache, or compute and write it, in short sessions."""
    with store.read() as session:
        found = cached_summaries(session, [interaction_id]).get(interaction_id)
    if found is not None:
        return found
    with store.write() as session:
        return summarize_interaction(session, interaction_id)
