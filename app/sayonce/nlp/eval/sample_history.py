"""A customer with a long history built from the labelled conversations (benchmarks, tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from sayonce.nlp.conversation import TurnText
from sayonce.nlp.eval.datasets import conversations
from sayonce.privacy.redact import redact
from sayonce.store import Customer, Interaction, Turn


def long_call(turns: int = 30) -> list[TurnText]:
    """A call of ``turns`` turns, stitched from the labelled calls and chats."""
    pool = [t for c in conversations() if len(c.turns) > 1 for t in c.turns]
    return [
        TurnText(n, pool[n % len(pool)].speaker, pool[n % len(pool)].text) for n in range(turns)
    ]


def seed_customer(session: Session, interactions: int, ref: str = "C-NLP-0001") -> int:
    """Add a customer with ``interactions`` contacts (one a day, newest last); return its id."""
    customer = Customer(ref=ref, display_name="Sample Customer", name_key="sample customer")
    session.add(customer)
    session.flush()
    labelled = conversations()
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    for n in range(interactions):
        item = labelled[n % len(labelled)]
        at = start + timedelta(days=n)
        texts = [TurnText(t.seq, t.speaker, redact(t.text)) for t in item.turns]
        interaction = Interaction(
            customer_id=customer.id,
            channel=item.channel,
            direction="outbound" if texts[0].speaker == "agent" and len(texts) == 1 else "inbound",
            started_at=at,
            body="\n".join(f"{t.speaker.capitalize()}: {t.text}" for t in texts),
            source="sample",
            external_id=f"{ref}-{n}",
        )
        session.add(interaction)
        session.flush()
        if len(texts) > 1:
            session.add_all(
                Turn(interaction_id=interaction.id, seq=t.seq, speaker=t.speaker, text=t.text)
                for t in texts
            )
    session.flush()
    return customer.id
