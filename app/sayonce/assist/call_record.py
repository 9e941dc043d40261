"""Storing a finished call's confirmed wrap-up on its interaction, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.intake.transcript import join_turns
from sayonce.store import Interaction, Turn

# The intake's CallRecorder stores calls under this source with the call id as external id;
# using the same key means whichever of the two writes first, the call is stored once.
LIVE_SOURCE = "intake"


@dataclass(frozen=True, slots=True)
class CallRecord:
    """What is known about a call when its wrap-up is confirmed (all text redacted)."""

    call_id: str
    channel: str
    customer_id: int | None
    agent_id: int | None
    started_at: datetime
    ended_at: datetime | None
    turns: Sequence[tuple[str, str]]
    intent: str | None
    sentiment: float | None
    subject: str | None = None


def save_wrap_up(session: Session, call: CallRecord, summary: str, disposition: str) -> int:
    """Put the summary and disposition on the call's interaction (created if the intake has not).

    Returns the interaction id. The caller owns the transaction.
    """
    interaction = session.scalars(
        select(Interaction)
        .where(Interaction.external_id == call.call_id, Interaction.channel.in_(("call", "chat")))
        .order_by(Interaction.id.desc())
        .limit(1)
    ).first()
    if interaction is None:
        interaction = _new_interaction(call)
        session.add(interaction)
    interaction.summary = summary
    interaction.disposition = disposition
    interaction.intent = interaction.intent or call.intent
    if interaction.sentiment is None:
        interaction.sentiment = call.sentiment
    if interaction.ended_at is None:
        interaction.ended_at = call.ended_at
    session.flush()
    return interaction.id


def _new_interaction(call: CallRecord) -> Interaction:
    if call.customer_id is None:
        raise ValueError(
            "This call has no customer profile yet; link the caller to a profile first, "
            "then confirm the wrap-up."
        )
    return Interaction(
        customer_id=call.customer_id,
        channel=call.channel,
        started_at=call.started_at,
        ended_at=call.ended_at,
        agent_id=call.agent_id,
        subject=call.subject,
        body=join_turns(call.turns),
        source=LIVE_SOURCE,
        external_id=call.call_id,
        intent=call.intent,
        sentiment=call.sentiment,
        turns=[
            Turn(seq=seq, speaker=speaker, text=text)
            for seq, (speaker, text) in enumerate(call.turns)
        ],
    )
