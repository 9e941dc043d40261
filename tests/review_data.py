"""A small, known set of suggestions for the review tests (agents, customers, calls)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sayonce.store import (
    Agent,
    Customer,
    Interaction,
    Role,
    Store,
    Suggestion,
    SuggestionStatus,
    Turn,
)
from sayonce.trust.principal import Principal

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# (action, agent index, customer index, status, outcome, verdict, minutes after T0)
SPECS: list[tuple[str, int, int, str, str | None, str | None, int]] = [
    ("replace-card", 0, 0, "accepted", "success", "good", 0),
    ("replace-card", 0, 1, "dismissed", None, None, 5),
    ("replace-card", 1, 2, "accepted", "failure", "bad", 10),
    ("refund", 0, 0, "pending_approval", None, None, 15),
    ("refund", 1, 1, "approved", "success", None, 20),
    ("refund", 1, 3, "rejected", None, None, 25),
    ("branch-hours", 1, 2, "shown", None, None, 30),
    ("branch-hours", 0, 3, "dismissed", None, "good", 30),  # same minute: keyset ties
    ("retention-offer", 0, 0, "pending_approval", None, None, 40),
    ("retention-offer", 1, 2, "accepted", "success", None, 24 * 60 + 5),  # next day
]
SEGMENTS = ["loyal", "new", "loyal", None]


@dataclass
class Seeded:
    """Ids of what :func:`seed` wrote."""

    agent_ids: list[int] = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)
    suggestion_ids: list[int] = field(default_factory=list)
    merged_id: int = 0  # a duplicate profile merged into customer 0
    interaction_id: int = 0
    supervisor_id: int = 0

    def agent(self, index: int) -> Principal:
        """The principal of agent ``index``."""
        return Principal(f"agent{index}", Role.AGENT, self.agent_ids[index])

    @property
    def supervisor(self) -> Principal:
        """The supervisor who reviews."""
        return Principal("sup", Role.SUPERVISOR, self.supervisor_id)


def seed(store: Store) -> Seeded:
    """Two agents, a supervisor, four customers (+ one merged duplicate), ten suggestions."""
    out = Seeded()
    with store.write() as s:
        agents = [Agent(username=f"agent{i}", display_name=f"Agent {i}") for i in range(2)]
        sup = Agent(username="sup", display_name="Sam Supervisor", role=Role.SUPERVISOR.value)
        customers = [
            Customer(ref=f"C-{i}", display_name=f"Customer {i}", segment=segment)
            for i, segment in enumerate(SEGMENTS)
        ]
        s.add_all([*agents, sup, *customers])
        s.flush()
        # A duplicate profile of customer 0 with a different segment, merged into customer 0:
        # its suggestions count under the survivor's segment.
        merged = Customer(
            ref="C-dup",
            display_name="Customer 0 dup",
            segment="new",
            merged_into_id=customers[0].id,
        )
        s.add(merged)
        s.flush()
        call = Interaction(
            customer_id=customers[0].id,
            channel="call",
            started_at=T0 - timedelta(minutes=2),
            external_id="call-0",
            body="",
        )
        s.add(call)
        s.flush()
        lines = [
            ("customer", "Hi, I lost my debit card yesterday", 0),
            ("agent", "Sorry to hear that, let me help", 30),
            ("customer", "Can you block it please", 60),
            ("agent", "Done, I will order a new one", 150),  # after the suggestion (T0)
            ("customer", "Thanks a lot", 170),
        ]
        for seq, (speaker, text, seconds) in enumerate(lines):
            s.add(
                Turn(
                    interaction_id=call.id,
                    seq=seq,
                    speaker=speaker,
                    text=text,
                    offset_ms=seconds * 1000,
                )
            )
        for n, (action, agent, customer, status, outcome, verdict, minutes) in enumerate(SPECS):
            at = T0 + timedelta(minutes=minutes)
            s.add(
                Suggestion(
                    call_id=f"call-{n}",
                    interaction_id=call.id if n == 0 else None,
                    customer_id=customers[customer].id,
                    agent_id=agents[agent].id,
                    action_id=action,
                    score=0.9 - n * 0.05,
                    reasons=json.dumps(
                        [{"text": f"customer said '{action}' (0.8)", "weight": 0.8, "evidence": 0}]
                    ),
                    context="customer: I want my money back\nagent: let me check",
                    risk="high" if action in {"refund", "retention-offer"} else "low",
                    status=status,
                    outcome=outcome,
                    review_verdict=verdict,
                    shown_at=at,
                    decided_at=at + timedelta(seconds=20) if status != "shown" else None,
                )
            )
        # one suggestion for the merged duplicate (customer 0's cluster, segment "loyal")
        s.add(
            Suggestion(
                call_id="call-dup",
                customer_id=merged.id,
                agent_id=agents[0].id,
                action_id="replace-card",
                score=0.5,
                status=SuggestionStatus.ACCEPTED.value,
                outcome="success",
                shown_at=T0 + timedelta(minutes=50),
            )
        )
        s.flush()
        out.agent_ids = [a.id for a in agents]
        out.customer_ids = [c.id for c in customers]
        out.merged_id = merged.id
        out.interaction_id = call.id
        out.supervisor_id = sup.id
    with store.read() as s:
        from sqlalchemy import select

        out.suggestion_ids = list(s.scalars(select(Suggestion.id).order_by(Suggestion.id)))
    return out


MINIMAL_PLAYBOOK = """\
# The minimal playbook from issue 6, with a comment that must survive edits.
actions:
  - id: replace-card
    title: Order a replacement card
    description: The customer lost their card or it was stolen or damaged.
    examples: ["I lost my debit card", "my card was stolen"]
    steps:
      - {id: verify-identity, title: Verify identity}
      - {id: block-card, title: Block the old card}
      - {id: ship-card, title: Ship a new card}
  # opening hours differ per branch; the agent reads them from the branch finder
  - id: branch-hours
    title: Give branch opening hours
    description: The customer asks when a branch is open.
"""
