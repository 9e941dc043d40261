"""Guided flows: the ordered steps of an action, and how far the agent has got.

A flow starts when the agent accepts the action or reports one of its steps. A step is done
when an ``action`` event names it, or when someone says something close enough to the step
(the agent's "I've blocked the old card now"); the same utterance vector ranking computed is
reused, so hearing steps costs no extra encode. A step whose ``condition`` does not hold for
this customer is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sayonce.assist.eligibility import Verdict
from sayonce.assist.playbook import Action, Rules, Step
from sayonce.assist.relevance import ActionIndex, Vector

HEARD_AT = 0.62  # cosine similarity at which an utterance counts as doing a step
DONE, NEXT, TODO, SKIPPED = "done", "next", "todo", "skipped"


@dataclass(frozen=True, slots=True)
class StepView:
    """One step as the assist panel shows it."""

    action_id: str
    step_id: str
    title: str
    status: str
    how: str | None = None


class GuidedSteps:
    """Progress of every started flow in one call."""

    def __init__(self, index: ActionIndex, condition: Callable[[Rules], Verdict]) -> None:
        """``condition`` tells whether a step's rules hold for this call's customer."""
        self.index = index
        self._condition = condition
        self._flows: dict[str, dict[str, str]] = {}  # action id -> step id -> how it was done

    def start(self, action_id: str) -> None:
        """Begin the flow of ``action_id`` (no-op when it has no steps or already started)."""
        action = self._action(action_id)
        if action is not None and action.steps:
            self._flows.setdefault(action_id, {})

    def mark(self, action_id: str, step_id: str, how: str) -> bool:
        """Record a step as done; ``False`` when the action has no such step."""
        action = self._action(action_id)
        if action is None or all(s.id != step_id for s in action.steps):
            return False
        self._flows.setdefault(action_id, {}).setdefault(step_id, how)
        return True

    def hear(self, similarity: Vector, quote: str, also: str | None = None) -> list[str]:
        """Mark the step an utterance is about; ``also`` is an unstarted flow worth hearing.

        At most one step per flow (the closest pending one) is marked per utterance: "I've
        blocked the card" is close to "ship a new card" too, but it is not that step.
        Returns the ``action/step`` keys newly done.
        """
        best: dict[str, tuple[float, str]] = {}
        for k, (action_id, step_id) in enumerate(self.index.steps):
            if action_id not in self._flows and action_id != also:
                continue
            if self.status(action_id, step_id) in (DONE, SKIPPED):
                continue
            score = float(similarity[k])
            if score >= HEARD_AT and score > best.get(action_id, (0.0, ""))[0]:
                best[action_id] = (score, step_id)
        for action_id, (score, step_id) in best.items():
            self.mark(action_id, step_id, f"said '{quote}' ({score:.2f})")
        return [f"{action_id}/{step_id}" for action_id, (_, step_id) in best.items()]

    def started(self, action_id: str) -> bool:
        """Whether the flow of ``action_id`` is under way."""
        return action_id in self._flows

    def complete(self, action_id: str) -> bool:
        """Every step that applies to this customer is done."""
        action = self._action(action_id)
        if action is None or action_id not in self._flows:
            return False
        return all(self.status(action_id, s.id) in (DONE, SKIPPED) for s in action.steps)

    def next_step(self, action_id: str) -> Step | None:
        """The first step still to do (``None`` when none is left)."""
        action = self._action(action_id)
        for step in action.steps if action else []:
            if self.status(action_id, step.id) not in (DONE, SKIPPED):
                return step
        return None

    def status(self, action_id: str, step_id: str) -> str:
        """``done``, ``skipped`` (its condition does not hold) or ``todo``."""
        if step_id in self._flows.get(action_id, {}):
            return DONE
        step = self._step(action_id, step_id)
        if (
            step is not None
            and step.condition is not None
            and not self._condition(step.condition).ok
        ):
            return SKIPPED
        return TODO

    def views(self) -> tuple[StepView, ...]:
        """Every step of every started flow, in order, the next one marked."""
        views = []
        for action_id, done in self._flows.items():
            action = self._action(action_id)
            upcoming = self.next_step(action_id)
            for step in action.steps if action else []:
                status = self.status(action_id, step.id)
                if upcoming is not None and step.id == upcoming.id:
                    status = NEXT
                how = done.get(step.id)
                if status == SKIPPED and step.condition is not None:
                    how = self._condition(step.condition).failed
                views.append(StepView(action_id, step.id, step.title, status, how))
        return tuple(views)

    def _action(self, action_id: str) -> Action | None:
        position = self.index.position.get(action_id)
        return None if position is None else self.index.actions[position]

    def _step(self, action_id: str, step_id: str) -> Step | None:
        action = self._action(action_id)
        return next((s for s in action.steps if s.id == step_id), None) if action else None
