"""A month of believable suggestion history for a demo database (the supervisor screen's data).

Only on a database made by ``sayonce demo`` (it has the ``demo.seed`` marker) and only once:
suggestions are invented from the shipped playbook, the demo's agents and customers, with
acceptance and success rates that differ by action, agent and segment, so the charts have
something to say. A few high-risk requests are left waiting for approval "now".
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.assist.playbook import Action, load_default_playbook
from sayonce.store import Agent, Customer, MetaValue, Role, Store, Suggestion, utcnow
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

MARKER = "demo.review_history"
DEMO_MARKER = "demo.seed"
DISMISS = ("not relevant", "customer declined", "already done", "not eligible")
# How likely agents take each kind of action, and how often it works out.
TAKE = {"low": 0.72, "medium": 0.55, "high": 0.42}
SUCCEED = {"low": 0.86, "medium": 0.7, "high": 0.62}


@dataclass(frozen=True, slots=True)
class _World:
    actions: list[Action]
    agents: list[tuple[int, float]]  # id, personal acceptance bias
    customers: list[tuple[int, str | None, str | None]]  # id, segment, tier


def _world(session: Session, rng: random.Random) -> _World | None:
    agents = session.scalars(select(Agent.id).where(Agent.role == Role.AGENT.value)).all()
    customers = session.execute(
        select(Customer.id, Customer.segment, Customer.tier)
        .where(Customer.merged_into_id.is_(None))
        .order_by(Customer.id)
        .limit(2000)
    ).all()
    if not agents or not customers:
        return None
    playbook = load_default_playbook()
    biases = [(int(a), rng.uniform(-0.15, 0.12)) for a in agents]
    return _World(playbook.enabled_actions, biases, [tuple(c) for c in customers])  # type: ignore[misc]


def _reasons(action: Action, tier: str | None, rng: random.Random) -> list[dict[str, Any]]:
    example = rng.choice(action.examples or [action.description])
    score = round(rng.uniform(0.55, 0.93), 2)
    found = [{"text": f"customer said '{example}' ({score})", "kind": "said", "weight": score}]
    if tier in {"gold", "platinum"}:
        found.append({"text": f"{tier.capitalize()} tier", "kind": "profile", "weight": 0.1})
    if rng.random() < 0.3:
        found.append({"text": "2 contacts about this in 7 days", "kind": "history"})
    return found


def _context(action: Action, rng: random.Random) -> str:
    example = rng.choice(action.examples or [action.description])
    return f"agent: Thanks for calling, how can I help?\ncustomer: {example}"


def _one(world: _World, at: datetime, call: str, rng: random.Random) -> Suggestion:
    action = rng.choice(world.actions)
    agent_id, bias = rng.choice(world.agents)
    customer_id, segment, tier = rng.choice(world.customers)
    segment_bias = 0.08 if segment and "loyal" in segment else 0.0
    taken = rng.random() < TAKE[action.risk] + bias + segment_bias
    status, reason, outcome = "expired", None, None
    if taken:
        status = "accepted"
        if action.needs_approval:
            status = "approved" if rng.random() < 0.8 else "rejected"
        if status != "rejected":
            outcome = "success" if rng.random() < SUCCEED[action.risk] else "failure"
    elif rng.random() < 0.7:
        status, reason = "dismissed", rng.choice(DISMISS)
    decided = at + timedelta(seconds=rng.randint(5, 90))
    return Suggestion(
        call_id=call,
        customer_id=customer_id,
        agent_id=agent_id,
        action_id=action.id,
        rank=1,
        score=round(rng.uniform(0.35, 0.95), 3),
        reasons=json.dumps(_reasons(action, tier, rng)),
        context=_context(action, rng),
        risk=action.risk,
        status=status,
        decision_reason=reason,
        shown_at=at,
        decided_at=decided,
        outcome=outcome,
        outcome_at=decided + timedelta(days=1) if outcome else None,
        review_verdict=rng.choice(("good", "good", "bad")) if rng.random() < 0.08 else None,
    )


def _pending(world: _World, now: datetime, rng: random.Random) -> list[Suggestion]:
    risky = [a for a in world.actions if a.needs_approval] or world.actions
    rows = []
    for n in range(3):
        row = _one(world, now - timedelta(minutes=3 * n + 1), f"demo-live-{n}", rng)
        action = risky[n % len(risky)]
        row.action_id, row.risk = action.id, action.risk
        row.reasons = json.dumps(_reasons(action, None, rng))
        row.context = _context(action, rng)
        row.status, row.outcome, row.review_verdict = "pending_approval", None, None
        rows.append(row)
    return rows


def seed_review_demo(
    store: Store, principal: Principal, days: int = 30, per_day: int = 60, seed: int = 7
) -> int:
    """Add suggestion history to a demo database once; return how many rows were added."""
    require(principal, Permission.IMPORT_DATA)
    rng = random.Random(seed)
    now = utcnow()
    with store.write() as session:
        demo = session.get(MetaValue, DEMO_MARKER)
        done = session.get(MetaValue, MARKER)
        if demo is None or done is not None:
            return 0
        world = _world(session, rng)
        if world is None:
            return 0
        rows = []
        for day in range(days, 0, -1):
            for n in range(per_day):
                at = now - timedelta(days=day, minutes=rng.randint(0, 600))
                rows.append(_one(world, at, f"demo-call-{day}-{n // 2}", rng))
        rows += _pending(world, now, rng)
        session.add_all(rows)
        session.add(MetaValue(key=MARKER, value=str(len(rows))))
    return len(rows)
