"""Per-interaction summaries cached in ``interaction_summaries`` (JSON, keyed by model version).

A customer's brief reads these instead of recomputing; a change of rules or of the
configured seq2seq model changes the version, and stale rows are recomputed on demand.
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
from sayonce.store import Interaction, InteractionSummary, utcnow


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


def save_summaries(session: Session, summaries: Iterable[InteractionSummaryData]) -> None:
    """Insert or replace cached summaries (each must carry its ``interaction_id``)."""
    for summary in summaries:
        if summary.interaction_id is None:
            raise ValueError("a summary to cache needs its interaction_id")
        row = session.get(InteractionSummary, summary.interaction_id)
        if row is None:
            session.add(
                InteractionSummary(
                    interaction_id=summary.interaction_id,
                    model=summary.model,
                    data=summary.to_json(),
                )
            )
        else:
            row.model, row.data, row.created_at = summary.model, summary.to_json(), utcnow()
    session.flush()


def summarize_interaction(
    session: Session, interaction_id: int, refresh: bool = False, cache: bool = True
) -> InteractionSummaryData:
    """The cached summary of an interaction, computed when missing or stale.

    With ``cache`` the new summary is added to the session: call inside ``store.write()``.
    """
    row = session.get(InteractionSummary, interaction_id)
    if row is not None and row.model == current_version() and not refresh:
        return InteractionSummaryData.from_json(row.data)
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise KeyError(f"no interaction {interaction_id}")
    summary = compute_summary(session, interaction)
    if cache:
        save_summaries(session, [summary])
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
