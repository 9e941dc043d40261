"""A small, known world for trust tests: Maria (two merged profiles) and Tom, who mentions her."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np

from sayonce.store import (
    Agent,
    AuditEvent,
    Case,
    Customer,
    Embedding,
    Fact,
    Identity,
    Interaction,
    InteractionSummary,
    MergeRecord,
    Note,
    Order,
    Store,
    Suggestion,
    SurveyResponse,
    Turn,
)

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    """Ids of what was seeded."""

    maria: int
    maria_old: int
    tom: int
    maria_call: int
    tom_call: int
    agent: int


def _interaction(customer: Customer, ext: str, subject: str, turns: list[str]) -> Interaction:
    body = "\n".join(turns)
    return Interaction(
        customer_id=customer.id,
        channel="call",
        started_at=T0,
        subject=subject,
        body=body,
        external_id=ext,
    )


def seed(store: Store) -> World:
    """Maria Lopez (absorbed profile merged into the main one) and Tom Baker."""
    with store.write() as s:
        agent = Agent(username="ann", display_name="Ann", role="agent")
        maria = Customer(
            ref="C-000001",
            display_name="Maria Lopez",
            given_name="Maria",
            family_name="Lopez",
            name_key="maria lopez",
            city="Lyon",
        )
        maria.identities = [
            Identity(kind="phone", value="+15551234567", raw="(555) 123-4567"),
            Identity(kind="email", value="maria.lopez@example.com"),
        ]
        old = Customer(ref="C-000002", display_name="M. Lopez", name_key="m lopez")
        old.identities = [Identity(kind="social", value="twitter:mlopez88")]
        tom = Customer(ref="C-000003", display_name="Tom Baker", name_key="tom baker")
        s.add_all([agent, maria, old, tom])
        s.flush()
        old.merged_into_id = maria.id
        s.add(
            MergeRecord(
                survivor_id=maria.id,
                absorbed_id=old.id,
                actor="ann",
                snapshot=json.dumps({"absorbed_name": "Maria Lopez"}),
            )
        )
        call = _interaction(
            maria,
            "m1",
            "Refund for blender",
            ["Hi, I am Maria Lopez", "My blender zorbulates loudly"],
        )
        old_call = _interaction(old, "m2", "Loyalty", ["I tweet as @mlopez88"])
        tom_call = _interaction(
            tom,
            "t1",
            "Delivery",
            [
                "My neighbour Maria Lopez took my parcel",
                "call her on 555-123-4567 or maria.lopez@example.com",
            ],
        )
        s.add_all([call, old_call, tom_call])
        s.flush()
        for inter in (call, old_call, tom_call):
            for seq, text in enumerate(inter.body.split("\n")):
                s.add(Turn(interaction_id=inter.id, seq=seq, speaker="customer", text=text))
            s.add(InteractionSummary(interaction_id=inter.id, model="t", data='{"issue": "x"}'))
            vector = np.ones(4, dtype=np.float32).tobytes()
            s.add(
                Embedding(
                    interaction_id=inter.id, customer_id=inter.customer_id, model="t", vector=vector
                )
            )
        s.add(
            Fact(
                customer_id=maria.id,
                interaction_id=call.id,
                kind="problem",
                text="My blender zorbulates loudly",
                at=T0,
            )
        )
        s.add(Note(customer_id=maria.id, agent_id=agent.id, body="Maria prefers email"))
        s.add(Note(customer_id=tom.id, agent_id=agent.id, body="Tom says Maria Lopez is his aunt"))
        s.add(
            Order(
                customer_id=maria.id,
                number="O-1",
                placed_at=T0,
                total=Decimal("49.90"),
                external_id="o1",
            )
        )
        s.add(
            SurveyResponse(
                customer_id=maria.id,
                kind="nps",
                score=9,
                comment="Great, Maria",
                responded_at=T0,
                external_id="s1",
            )
        )
        s.add(
            Case(
                customer_id=maria.id,
                number="K-1",
                title="Maria Lopez blender",
                opened_at=T0,
                external_id="k1",
            )
        )
        s.add(
            Suggestion(
                call_id="c1",
                customer_id=maria.id,
                action_id="refund",
                score=0.9,
                context="Maria Lopez wants a refund",
            )
        )
        s.flush()
        return World(maria.id, old.id, tom.id, call.id, tom_call.id, agent.id)


def audit_count(store: Store) -> int:
    """How many audit rows there are."""
    with store.read() as s:
        return s.query(AuditEvent).count()
