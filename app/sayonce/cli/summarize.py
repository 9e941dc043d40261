"""``sayonce summarize``: a customer's brief and summaries, or one conversation from a file."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args, record_view, viewed_cluster
from sayonce.cli.sign_in import add_signin_options, principal_from_args
from sayonce.nlp.conversation import TurnText

SPEAKERS = {
    "customer": "customer",
    "caller": "customer",
    "agent": "agent",
    "rep": "agent",
    "bot": "bot",
    "system": "system",
}


def register(sub: Any) -> None:
    """Add the ``summarize`` subcommand."""
    parser = sub.add_parser(
        "summarize",
        help="print a customer's brief and per-interaction summaries, or summarize a file",
        description="Summaries are extractive and structured (issue, actions, outcome, "
        "promises, sentiment, entities), each point linked to its turn. With "
        "SAYONCE_SUMMARIZER_PATH set, an abstractive line from that local model is added.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--customer", metavar="REF", help="customer reference or id")
    source.add_argument(
        "--file",
        type=Path,
        metavar="CONV.jsonl",
        help="a conversation: one JSON object per line, {speaker, text, offset_ms?}",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--limit", type=int, default=10, help="per-interaction summaries to print (newest first)"
    )
    parser.add_argument(
        "--at", metavar="ISO-TIME", help="when the file's conversation happened (for dates)"
    )
    add_db_option(parser)
    add_signin_options(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        return _file(args) if args.file else _customer(args)
    except (ValueError, OSError, LookupError, PermissionError) as exc:
        print(f"sayonce: {exc}", file=sys.stderr)
        return 2


def read_turns(path: Path) -> list[TurnText]:
    """Interchange turns from a JSONL file; errors name the line."""
    turns: list[TurnText] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            speaker = str(item["speaker"]).strip().lower()
            text = str(item["text"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: expected {{speaker, text}}: {exc}") from exc
        if speaker not in SPEAKERS:
            raise ValueError(f"{path}:{number}: unknown speaker {speaker!r}")
        turns.append(TurnText(len(turns), SPEAKERS[speaker], text))
    if not turns:
        raise ValueError(f"{path}: no turns")
    return turns


def _file(args: argparse.Namespace) -> int:
    from sayonce.nlp.abstractive import configured_summarizer
    from sayonce.nlp.summarize import summarize

    turns = read_turns(args.file)
    at = datetime.fromisoformat(args.at) if args.at else None
    summary = summarize(turns, at=at)
    model = configured_summarizer()
    if model is not None:
        summary.abstract = model.summarize(" ".join(t.text for t in summary_turns(turns)))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(render_summary(summary))
    return 0


def summary_turns(turns: list[TurnText]) -> list[TurnText]:
    """Turns with their text redacted (what the abstractive model may see)."""
    from sayonce.privacy.redact import redact

    return [TurnText(t.seq, t.speaker, redact(t.text)) for t in turns]


def _customer(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from sayonce.nlp.enrich import brief_stored, cached_summaries
    from sayonce.store import Interaction

    store = open_from_args(args)
    try:
        principal = principal_from_args(args, store)
        cluster = viewed_cluster(store, principal, args.customer)
        brief = brief_stored(store, cluster)
        with store.read() as session:
            ids = session.scalars(
                select(Interaction.id)
                .where(Interaction.customer_id.in_(cluster))
                .order_by(Interaction.started_at.desc(), Interaction.id.desc())
                .limit(max(0, args.limit))
            ).all()
            found = cached_summaries(session, ids)
        record_view(store, principal, cluster, {"via": "cli.summarize"})
    finally:
        store.dispose()
    summaries = [found[i] for i in ids if i in found]
    if args.json:
        payload = {"brief": brief.to_dict(), "summaries": [s.to_dict() for s in summaries]}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    print(render_brief(brief))
    for summary in summaries:
        print(f"\n--- interaction {summary.interaction_id}")
        print(render_summary(summary))
    return 0


def render_brief(brief: Any) -> str:
    """The brief as text."""
    lines = [f"The customer so far ({brief.interactions} interactions)"]
    if brief.open_promises:
        lines.append("Open promises:")
        lines += [
            f"  - {p.text}  [{p.channel} {p.at[:10]}, turn {p.turn}]" for p in brief.open_promises
        ]
    if brief.points:
        lines.append("Newest first:")
        lines += [f"  - {p.kind}: {p.text}  [{p.channel} {p.at[:10]}]" for p in brief.points]
    if brief.entities:
        lines.append("Mentioned: " + ", ".join(f"{e['kind']} {e['value']}" for e in brief.entities))
    if brief.sentiment:
        lines.append(f"Sentiment: latest {brief.sentiment['latest']:+.2f}, "
                     f"recent mean {brief.sentiment['recent_mean']:+.2f}")  # fmt: skip
    return "\n".join(lines)


def render_summary(summary: Any) -> str:
    """One summary as labelled lines, each with the turn it comes from."""
    lines = []
    for label, points in (
        ("Issue", summary.issue),
        ("Done", summary.actions),
        ("Promised", summary.promises),
        ("Next", summary.next_steps),
    ):
        lines += [f"{label + ':':<10} {p.text}  [turn {p.turn}]" for p in points]
    outcome = f" - {summary.outcome.text}  [turn {summary.outcome.turn}]" if summary.outcome else ""
    lines.append(f"{'Outcome:':<10} {summary.outcome_label}{outcome}")
    mood = summary.sentiment
    lines.append(f"{'Sentiment:':<10} {mood.label} ({mood.score:+.2f}), {mood.trend}")
    if summary.entities:
        named = ", ".join(f"{m.kind} {m.value} [turn {m.turn}]" for m in summary.entities)
        lines.append(f"{'Entities:':<10} {named}")
    if summary.abstract:
        lines.append(f"{'Abstract:':<10} {summary.abstract}")
    return "\n".join(lines)
