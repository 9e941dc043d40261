"""Runs the desktop's commands against one live session and says what came of each.

The desktop drives a :class:`~sayonce.assist.session.LiveSession` with a handful of commands
(an intake event, accept, dismiss, an outcome, the wrap-up, "what did the supervisors
decide?"). :class:`SessionHost` applies one command and returns its results as a list of
``(kind, value)`` pairs of plain, picklable data, so the same host serves the desktop from a
worker thread or from a helper process (:mod:`sayonce.assist.host_process`):

* ``("updated", AssistUpdate)``: the panel's new state;
* ``("facts", list[ToldUs])``: what the caller already told us (after ``call_started``);
* ``("decisions", {action_id: Decision})``: supervisors' answers to this call's requests;
* ``("wrapped", interaction_id)``: the wrap-up is stored;
* ``("failed", message)``: the command could not be applied (the call goes on).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sayonce.assist.session import LiveSession
from sayonce.nlp.host_process import Command, Output
from sayonce.store import Store, SuggestionStatus

log = logging.getLogger(__name__)

FACTS_LIMIT = 12
DECIDED = {SuggestionStatus.APPROVED.value, SuggestionStatus.REJECTED.value}

# suggestion ids -> their decisions (objects with suggestion_id, status, reason), e.g.
# sayonce.review.approvals.decisions bound to a store and the agent
ApprovalLookup = Callable[[list[int]], Iterable[Any]]


# Command (from sayonce.nlp.host_process) kinds this host applies: event / accept / dismiss /
# outcome / wrap_up / approvals (and stop, which ends a helper process).
__all__ = ["ApprovalLookup", "Command", "Output", "SessionHost"]


class SessionHost:
    """Owns one live session (and the database it records to) and applies commands to it."""

    def __init__(
        self,
        session: LiveSession,
        store: Store | None = None,
        approvals: ApprovalLookup | None = None,
    ) -> None:
        """``store`` reads the caller's facts; ``approvals`` looks up supervisors' decisions."""
        self.session = session
        self.store = store
        self.approvals = approvals

    def run(self, command: Command) -> list[Output]:
        """Apply one command; what it produced, in order (a failure is an output too)."""
        out: list[Output] = []
        try:
            self._apply(command, out)
        except Exception as exc:  # shown in the panel; the call goes on
            log.exception("assist command %s failed", command.kind)
            out.append(("failed", str(exc) or type(exc).__name__))
        return out

    def _apply(self, command: Command, out: list[Output]) -> None:
        session, kind, args = self.session, command.kind, command.args
        if kind == "event":
            out.append(("updated", session.handle(args[0])))
            if args[0].type == "call_started":
                out.append(("facts", self._facts()))
        elif kind == "accept":
            out.append(("updated", session.accept(*args)))
        elif kind == "dismiss":
            out.append(("updated", session.dismiss(*args)))
        elif kind == "outcome":
            session.record_outcome(*args)
        elif kind == "wrap_up":
            out.append(("wrapped", session.confirm_wrap_up(*args)))
        elif kind == "approvals":
            self._poll_approvals(out)
        else:
            raise ValueError(f"unknown assist command {kind!r}")

    def _facts(self) -> list[Any]:
        call = self.session.call
        customer_id = call.context.customer_id if call is not None else None
        if self.store is None or customer_id is None:
            return []
        from sayonce.history.told_us import told_us
        from sayonce.identity.cluster import cluster_of

        with self.store.read() as session:
            return told_us(session, cluster_of(session, customer_id), limit=FACTS_LIMIT)

    def _poll_approvals(self, out: list[Output]) -> None:
        waiting = self.session.awaiting_approval()
        if self.approvals is None or not waiting:
            return
        found = {waiting[d.suggestion_id]: d for d in self.approvals(list(waiting))}
        out.append(("decisions", found))
        settled = {a: (d.status, d.reason) for a, d in found.items() if d.status in DECIDED}
        update = self.session.supervisor_decided(settled) if settled else None
        if update is not None:
            out.append(("updated", update))
