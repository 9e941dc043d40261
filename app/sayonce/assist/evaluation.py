"""Offline evaluation of next-best actions on labelled, replayed calls.

For every call, the right action's place in the suggestion list is read after the first and
second customer turns and at the end of the call; top-1 and top-3 accuracy follow. ``action``
events are withheld, so what is measured is the ranking, not the agent who took the action.

The learning check trains on one batch of calls and tests on another, written separately:
simulated agents work through the training calls with no learning (accepting the right action
when it is shown, dismissing a wrong first suggestion as "not relevant", leaving the rest),
the feedback they leave trains the priors, and the test calls are replayed without and with
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sayonce.assist.learning import FeedbackStats
from sayonce.assist.playbook import Playbook
from sayonce.assist.reasons import DismissReason
from sayonce.assist.relevance import ActionIndex
from sayonce.assist.replay import ReplayClock, context_from_profile, read_events, replay
from sayonce.assist.session import Event, LiveSession
from sayonce.assist.views import AssistUpdate
from sayonce.config import bundle_root
from sayonce.intake.events import ActionTaken, CallEnded, CallStarted, Utterance

CHECKPOINTS = ("customer turn 1", "customer turn 2", "end of call")


@dataclass(frozen=True, slots=True)
class LabelledCall:
    """A replay file, the action a good agent takes, and the caller's profile."""

    name: str
    events: tuple[Event, ...]
    expect: str
    profile: dict[str, Any]
    fold: int | None = None


@dataclass(frozen=True, slots=True)
class CallResult:
    """Where the right action stood at each checkpoint (``None``: not in the list)."""

    name: str
    expect: str
    ranks: dict[str, int | None]
    top_at_end: str | None


@dataclass(slots=True)
class Report:
    """Top-1 and top-3 accuracy per checkpoint, and every call's result."""

    calls: list[CallResult] = field(default_factory=list)

    def accuracy(self, checkpoint: str, k: int) -> float:
        """Share of calls with the right action in the first ``k`` suggestions."""
        if not self.calls:
            return 0.0
        hits = sum(1 for c in self.calls if (r := c.ranks.get(checkpoint)) is not None and r <= k)
        return hits / len(self.calls)

    def table(self) -> dict[str, dict[str, float]]:
        """``{checkpoint: {"top1": .., "top3": ..}}``."""
        return {
            c: {"top1": round(self.accuracy(c, 1), 3), "top3": round(self.accuracy(c, 3), 3)}
            for c in CHECKPOINTS
        }


def default_replays_dir() -> Path:
    """The labelled replays kept with the tests."""
    return bundle_root() / "tests" / "data" / "replays"


def load_labelled(folder: str | Path | None = None) -> list[LabelledCall]:
    """Read ``labels.yaml`` and every replay it names."""
    root = Path(folder) if folder else default_replays_dir()
    labels = yaml.safe_load((root / "labels.yaml").read_text(encoding="utf-8"))
    defaults = labels.get("defaults", {})
    return [
        LabelledCall(
            name=item["file"].removesuffix(".jsonl"),
            events=tuple(read_events(root / item["file"])),
            expect=item["expect"],
            profile={**defaults, **item.get("customer", {})},
            fold=item.get("fold"),
        )
        for item in labels["calls"]
    ]


def evaluate(
    playbook: Playbook,
    index: ActionIndex,
    calls: Sequence[LabelledCall],
    feedback: FeedbackStats | None = None,
) -> Report:
    """Replay every call (without its action events) and score the rankings."""
    report = Report()
    for call in calls:
        updates = _run(playbook, index, call, feedback or FeedbackStats())
        report.calls.append(_score(call, updates))
    return report


def learning_effect(
    playbook: Playbook,
    index: ActionIndex,
    train: Sequence[LabelledCall],
    test: Sequence[LabelledCall],
) -> tuple[Report, Report]:
    """Rankings of ``test`` calls before and after learning from feedback on ``train`` calls."""
    stats = FeedbackStats()
    for call in train:
        _work_through(playbook, index, call, stats)
    return evaluate(playbook, index, test), evaluate(playbook, index, test, stats)


def cross_validated_learning(
    playbook: Playbook, index: ActionIndex, calls: Sequence[LabelledCall]
) -> tuple[Report, Report]:
    """Each fold's calls ranked before and after learning from every other fold's calls."""
    before, after = Report(), Report()
    for fold in sorted({c.fold for c in calls if c.fold is not None}):
        train = [c for c in calls if c.fold != fold]
        test = [c for c in calls if c.fold == fold]
        without, learned = learning_effect(playbook, index, train, test)
        before.calls += without.calls
        after.calls += learned.calls
    return before, after


def _run(
    playbook: Playbook, index: ActionIndex, call: LabelledCall, feedback: FeedbackStats
) -> list[tuple[Event, AssistUpdate]]:
    start = next(e.at for e in call.events if isinstance(e, CallStarted))
    clock = ReplayClock(start)
    context = context_from_profile(call.profile, start)
    session = LiveSession(playbook, index, context=context, feedback=feedback, clock=clock)
    events = [e for e in call.events if not isinstance(e, ActionTaken)]
    return list(zip(events, replay(session, events, clock), strict=True))


def _score(call: LabelledCall, updates: list[tuple[Event, AssistUpdate]]) -> CallResult:
    ranks: dict[str, int | None] = {}
    customer_turns = 0
    for event, update in updates:
        if isinstance(event, Utterance) and event.speaker == "customer":
            customer_turns += 1
            if customer_turns <= 2:
                ranks[CHECKPOINTS[customer_turns - 1]] = _rank(update, call.expect)
    last = updates[-1][1]
    for checkpoint in CHECKPOINTS[:2]:
        ranks.setdefault(checkpoint, _rank(last, call.expect))
    ranks[CHECKPOINTS[2]] = _rank(last, call.expect)
    top = last.suggestions[0].action_id if last.suggestions else None
    return CallResult(call.name, call.expect, ranks, top)


def _rank(update: AssistUpdate, expect: str) -> int | None:
    ids = [s.action_id for s in update.suggestions]
    return ids.index(expect) + 1 if expect in ids else None


def _work_through(
    playbook: Playbook, index: ActionIndex, call: LabelledCall, feedback: FeedbackStats
) -> None:
    """A careful agent handles ``call`` with the live session; its clicks feed ``feedback``.

    Until the right action is accepted, a wrong first suggestion shown after the customer
    spoke is dismissed as "not relevant"; the right action is accepted when it shows up, or
    picked from the playbook at the end.
    """
    start = next(e.at for e in call.events if isinstance(e, CallStarted))
    clock = ReplayClock(start)
    context = context_from_profile(call.profile, start)
    session = LiveSession(playbook, index, context=context, feedback=feedback, clock=clock)
    accepted = False
    spoke = False
    for event in call.events:
        if isinstance(event, ActionTaken):
            continue
        if isinstance(event, CallEnded) and not accepted:
            session.accept(call.expect)
            accepted = True
        clock.follow(event)
        update = session.handle(event)
        spoke = spoke or (isinstance(event, Utterance) and event.speaker == "customer")
        fresh = [s for s in update.suggestions if not s.in_progress]
        if not accepted and any(s.action_id == call.expect for s in fresh):
            session.accept(call.expect)
            accepted = True
        elif not accepted and spoke and fresh and fresh[0].action_id != call.expect:
            session.dismiss(fresh[0].action_id, DismissReason.NOT_RELEVANT)


BATCHES = {"first batch": ".", "later batch": "later", "recurring kinds": "recurring"}


def run_all(
    playbook: Playbook, index: ActionIndex, root: str | Path, *, learning: bool = False
) -> dict[str, dict[str, dict[str, float]]]:
    """Accuracy on every batch of labelled calls under ``root``.

    With ``learning``, also the before/after figures of the three learning checks:
    first->later, later->first, and 4-fold cross-validation over the recurring kinds.
    """
    folder = Path(root)
    batches = {
        name: load_labelled(folder / sub)
        for name, sub in BATCHES.items()
        if (folder / sub / "labels.yaml").is_file()
    }
    results = {
        f"{name} ({len(calls)} calls)": evaluate(playbook, index, calls).table()
        for name, calls in batches.items()
    }
    if not learning:
        return results
    first, later = batches.get("first batch", []), batches.get("later batch", [])
    checks = []
    if first and later:
        checks += [
            ("learn first, test later", learning_effect(playbook, index, first, later)),
            ("learn later, test first", learning_effect(playbook, index, later, first)),
        ]
    if batches.get("recurring kinds"):
        recurring = cross_validated_learning(playbook, index, batches["recurring kinds"])
        checks.append(("recurring kinds, 4-fold", recurring))
    for name, (before, after) in checks:
        results[f"{name}: before learning"] = before.table()
        results[f"{name}: after learning"] = after.table()
    return results
