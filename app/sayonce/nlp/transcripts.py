"""Stored interactions as turns: the input every NLP function takes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.nlp.conversation import AGENT, CUSTOMER, TurnText
from sayonce.store import Interaction, Turn


def interaction_turns(session: Session, interaction: Interaction) -> list[TurnText]:
    """The turns of a call or chat, or its body as one turn (emails, SMS, posts, notes)."""
    rows = session.execute(
        select(Turn.seq, Turn.speaker, Turn.text)
        .where(Turn.interaction_id == interaction.id)
        .order_by(Turn.seq)
    ).all()
    if rows:
        return [TurnText(seq, speaker, text) for seq, speaker, text in rows]
    speaker = AGENT if interaction.direction == "outbound" else CUSTOMER
    return [TurnText(0, speaker, interaction.body)] if interaction.body.strip() else []
