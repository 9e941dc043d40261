"""The record of one call's suggestions: shown, decided, and what came of them.

Each change is one short write transaction, so a crash loses at most the change in flight and
a supervisor's review queue sees suggestions while the call is still going. Without a store
(a replay with no database) the log only keeps what it needs in memory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sayonce.assist.views import SuggestionView
from sayonce.store import Store, Suggestion, SuggestionStatus

CONTEXT_CHARS = 1000


class SuggestionLog:
    """Suggestion rows of one call, keyed by action id."""

    def __init__(
        self,
        store: Store | None,
        call_id: str,
        customer_id: int | None,
        agent_id: int | None = None,
        playbook_version: int | None = None,
    ) -> None:
        """Nothing is written until a suggestion is shown."""
        self.store = store
        self.call_id = call_id
        self.customer_id = customer_id
        self.agent_id = agent_id
        self.playbook_version = playbook_version
        self.ids: dict[str, int | None] = {}
        self.status: dict[str, str] = {}

    def shown(self, views: Sequence[SuggestionView], context: str, at: datetime) -> None:
        """Record suggestions shown for the first time in this call."""
        new = [(rank, v) for rank, v in enumerate(views, start=1) if v.action_id not in self.ids]
        if not new:
            return
        for _, view in new:
            self.status[view.action_id] = SuggestionStatus.SHOWN.value
            self.ids[view.action_id] = None
        if self.store is None:
            return
        with self.store.write() as session:
            rows = [self._row(view, rank, context, at) for rank, view in new]
            session.add_all(rows)
            session.flush()
            for row in rows:
                self.ids[row.action_id] = row.id

    def decide(
        self,
        view: SuggestionView,
        status: str,
        at: datetime,
        reason: str | None = None,
        context: str = "",
    ) -> int | None:
        """Record the agent's decision on a suggestion (shown or not); returns the row id."""
        self.status[view.action_id] = status
        if self.store is None:
            self.ids.setdefault(view.action_id, None)
            return None
        with self.store.write() as session:
            row = self._load(session, view.action_id)
            if row is None:
                row = self._row(view, 0, context, at)
                session.add(row)
            row.status = status
            row.decision_reason = reason
            row.decided_at = at
            session.flush()
            self.ids[view.action_id] = row.id
            return row.id

    def outcome(self, action_id: str, outcome: str, at: datetime) -> None:
        """Record what came of an accepted suggestion (success / failure / unknown)."""
        if self.store is None:
            return
        with self.store.write() as session:
            row = self._load(session, action_id)
            if row is None:
                raise KeyError(f"{action_id!r} was not suggested in call {self.call_id!r}")
            row.outcome = outcome
            row.outcome_at = at

    def expire(self, at: datetime, keep: set[str]) -> None:
        """Suggestions nobody acted on become ``expired`` when the call ends."""
        stale = [
            a for a, s in self.status.items() if s == SuggestionStatus.SHOWN.value and a not in keep
        ]
        for action_id in stale:
            self.status[action_id] = SuggestionStatus.EXPIRED.value
        ids = [self.ids[a] for a in stale if self.ids.get(a) is not None]
        if self.store is None or not ids:
            return
        with self.store.write() as session:
            for row in session.scalars(select(Suggestion).where(Suggestion.id.in_(ids))):
                if row.status == SuggestionStatus.SHOWN.value:
                    row.status = SuggestionStatus.EXPIRED.value
                    row.decided_at = at

    def link(self, session: Session, interaction_id: int) -> None:
        """Point this call's suggestions at the stored interaction (inside its transaction)."""
        ids = [i for i in self.ids.values() if i is not None]
        if ids:
            for row in session.scalars(select(Suggestion).where(Suggestion.id.in_(ids))):
                row.interaction_id = interaction_id

    def _load(self, session: Session, action_id: str) -> Suggestion | None:
        row_id = self.ids.get(action_id)
        return session.get(Suggestion, row_id) if row_id is not None else None

    def _row(self, view: SuggestionView, rank: int, context: str, at: datetime) -> Suggestion:
        return Suggestion(
            call_id=self.call_id,
            customer_id=self.customer_id,
            agent_id=self.agent_id,
            action_id=view.action_id,
            step_id=view.step_id,
            playbook_version=self.playbook_version,
            rank=rank,
            score=view.score,
            reasons=json.dumps([r.to_json() for r in view.reasons]),
            context=context[-CONTEXT_CHARS:] or None,
            risk=view.risk,
            status=SuggestionStatus.SHOWN.value,
            shown_at=at,
        )
