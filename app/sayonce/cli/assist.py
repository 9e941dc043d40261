"""``sayonce assist`` (replay a call through the live session) and ``sayonce eval-assist``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sayonce.cli.common import add_db_option


def register(sub: Any) -> None:
    """Add the ``assist`` and ``eval-assist`` subcommands."""
    parser = sub.add_parser(
        "assist",
        help="replay a call's events through the next-best-action engine",
        description="Replay intake events (JSON lines: call_started, utterance, action, "
        "call_ended) through the same live session the desktop uses, printing the intent, "
        "sentiment and suggestions after every event and the wrap-up at the end. With --db "
        "the caller's profile is read from the database and shown suggestions are recorded.",
    )
    parser.add_argument("--playbook", type=Path, help="playbook YAML (default: the shipped one)")
    parser.add_argument("--events", type=Path, required=True, help="events file (JSON lines)")
    add_db_option(parser)
    parser.add_argument("--customer", metavar="REF", help="the caller's profile ref (needs a DB)")
    parser.add_argument("--json", action="store_true", help="one JSON object per event")
    parser.add_argument("--top", type=int, default=3, help="suggestions to show (default 3)")
    parser.set_defaults(func=_assist)

    evaluate = sub.add_parser(
        "eval-assist",
        help="top-1/top-3 accuracy of next-best actions on labelled replayed calls",
        description="Replay labelled calls and report how often the right action is first "
        "(top-1) or in the first three (top-3) after the first and second customer turns and "
        "at the end of the call. --learning also measures rankings before and after learning "
        "from simulated agents' feedback.",
    )
    evaluate.add_argument("--playbook", type=Path, help="playbook YAML (default: the shipped one)")
    evaluate.add_argument("--replays", type=Path, help="folder with labels.yaml (default: tests)")
    evaluate.add_argument("--learning", action="store_true", help="also measure learning")
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.set_defaults(func=_eval)


def _load_playbook(path: Path | None) -> Any:
    from sayonce.assist.playbook import PlaybookError, load_default_playbook, load_playbook

    try:
        return load_playbook(path) if path else load_default_playbook()
    except PlaybookError as exc:
        print(f"sayonce assist: the playbook has errors:\n{exc}", file=sys.stderr)
        return None


def _assist(args: argparse.Namespace) -> int:
    from sayonce.assist.relevance import ActionIndex
    from sayonce.assist.replay import ReplayClock, read_events, replay
    from sayonce.assist.session import LiveSession
    from sayonce.cli.common import open_from_args
    from sayonce.intake.events import CallStarted, EventError
    from sayonce.nlp.embeddings import get_encoder

    playbook = _load_playbook(args.playbook)
    if playbook is None:
        return 2
    try:
        events = read_events(args.events)
    except EventError as exc:
        print(f"sayonce assist: {exc}", file=sys.stderr)
        return 2
    if args.customer:
        events = [
            e.model_copy(update={"customer": args.customer}) if isinstance(e, CallStarted) else e
            for e in events
        ]
    store = open_from_args(args) if (args.db or args.customer) else None
    clock = ReplayClock()
    session = LiveSession(
        playbook, ActionIndex(playbook, get_encoder()), store=store, clock=clock, top_k=args.top
    )
    printer = _JsonPrinter() if args.json else _TextPrinter()
    for event, update in zip(events, replay(session, events, clock), strict=True):
        printer.event(event, update)
    if session.call is not None:
        printer.wrap_up(session.wrap_up())
    if store is not None:
        store.dispose()
    return 0


class _JsonPrinter:
    def event(self, _event: Any, update: Any) -> None:
        print(json.dumps(update.to_json()), flush=True)

    def wrap_up(self, draft: Any) -> None:
        print(json.dumps({"event": "wrap_up", **draft.to_json()}), flush=True)


class _TextPrinter:
    """A readable transcript: who said what, and the suggestions whenever they change."""

    def __init__(self) -> None:
        self._shown: list[tuple[str, str | None]] = []

    def event(self, event: Any, update: Any) -> None:
        if event.type == "call_started":
            who = f"customer {update.customer_ref}" if update.customer_ref else "unknown caller"
            print(f"== call {event.call_id} from {event.from_} ({who})")
        elif event.type == "utterance":
            print(f"{event.speaker:<9} {event.text}")
        elif event.type == "action":
            print(f"{'action':<9} {event.action_id}{'/' + event.step_id if event.step_id else ''}")
        else:
            print("== call ended")
        if event.type == "utterance" and event.speaker == "customer":
            mood = "-" if update.sentiment is None else f"{update.sentiment:+.2f}"
            intent = f"{update.intent} ({update.intent_score:.2f})" if update.intent else "-"
            print(f"{'':9} intent {intent} · sentiment {mood} · {update.latency_ms:.0f} ms")
        shown = [(s.action_id, s.step_id) for s in update.suggestions]
        if shown != self._shown:
            self._shown = shown
            for n, s in enumerate(update.suggestions, start=1):
                step = f" — next: {s.step_title}" if s.step_title else ""
                flag = " [needs approval]" if s.needs_approval else ""
                print(f"{'':9} {n}. {s.title}{step}{flag}  ({s.score:.2f})")
                for reason in s.reasons:
                    print(f"{'':14}· {reason.text}")

    def wrap_up(self, draft: Any) -> None:
        print(f"== wrap-up: {draft.disposition} ({draft.why})")
        print(f"{'':9} {draft.summary}")


def _eval(args: argparse.Namespace) -> int:
    from sayonce.assist import evaluation
    from sayonce.assist.relevance import ActionIndex
    from sayonce.assist.replay import CachingEncoder
    from sayonce.nlp.embeddings import get_encoder

    playbook = _load_playbook(args.playbook)
    if playbook is None:
        return 2
    root = args.replays or evaluation.default_replays_dir()
    index = ActionIndex(playbook, CachingEncoder(get_encoder()))
    results = evaluation.run_all(playbook, index, root, learning=args.learning)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for name, table in results.items():
        print(f"== {name}")
        for checkpoint, scores in table.items():
            print(f"   {checkpoint:<18} top-1 {scores['top1']:.3f}   top-3 {scores['top3']:.3f}")
    return 0
