"""``sayonce review``: the supervisor's queue, approvals, analytics, playbook and CSV export.

Every subcommand signs in like the desktop does and goes through the same core functions, so
an agent is refused here exactly as in the window.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args
from sayonce.cli.sign_in import add_signin_options, principal_from_args


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from exc


def _common(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    add_signin_options(parser)


def _period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="from this day (UTC)")
    parser.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="before this day (UTC)")


def register(sub: Any) -> None:
    """Add ``review`` and its subcommands."""
    parser = sub.add_parser(
        "review",
        help="supervisor review: queue, approvals, analytics, playbook versions, CSV export",
        description="Review what the engine suggested and what agents did with it. "
        "Needs the supervisor or admin role.",
    )
    commands = parser.add_subparsers(dest="review_command", metavar="SUBCOMMAND", required=True)

    queue = commands.add_parser("queue", help="list suggestions, newest first")
    _common(queue)
    _period(queue)
    queue.add_argument("--action", help="only this action id")
    queue.add_argument("--agent", type=int, metavar="ID", help="only this agent id")
    queue.add_argument("--segment", help="only customers in this segment")
    queue.add_argument("--status", action="append", default=[], help="decision (repeatable)")
    queue.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    queue.add_argument("--json", action="store_true", help="one JSON object per line")
    queue.set_defaults(func=_queue)

    pending = commands.add_parser("pending", help="high-risk actions waiting for approval")
    _common(pending)
    pending.set_defaults(func=_pending)
    for name, verb in (("approve", "approve"), ("reject", "reject")):
        decide = commands.add_parser(name, help=f"{verb} a pending request")
        _common(decide)
        decide.add_argument("suggestion", type=int, metavar="SUGGESTION_ID")
        decide.add_argument("--reason", required=name == "reject", help="what the agent is told")
        decide.set_defaults(func=_decide, verb=name)

    verdict = commands.add_parser("verdict", help="mark a decision good or bad")
    _common(verdict)
    verdict.add_argument("suggestion", type=int, metavar="SUGGESTION_ID")
    verdict.add_argument("verdict", choices=["good", "bad", "clear"])
    verdict.add_argument("--comment")
    verdict.set_defaults(func=_verdict)

    rates = commands.add_parser("analytics", help="acceptance and outcome rates")
    _common(rates)
    _period(rates)
    rates.add_argument("--by", choices=["action", "agent", "segment"], default="action")
    rates.add_argument("--json", action="store_true")
    rates.set_defaults(func=_rates)

    export = commands.add_parser("export", help="write the queue or the rates as CSV (audited)")
    _common(export)
    _period(export)
    export.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    export.add_argument("--rates", choices=["action", "agent", "segment"], help="rates instead")
    export.add_argument("--action", help="queue: only this action id")
    export.set_defaults(func=_export)

    book = commands.add_parser("playbook", help="playbook versions: history, diff, enable, ...")
    _common(book)
    book.add_argument("what", choices=["history", "diff", "enable", "disable", "restore", "show"])
    book.add_argument("args", nargs="*", help="diff OLD NEW | enable/disable ACTION | restore V")
    book.add_argument("--name", default="default", help="playbook name (default: default)")
    book.add_argument("--comment", help="why (kept in the history)")
    book.set_defaults(func=_playbook)


def _open(args: argparse.Namespace) -> tuple[Any, Any]:
    store = open_from_args(args)
    return store, principal_from_args(args, store)


def _guard(fn: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(fn(args))
        except PermissionError as exc:  # refused by the role, or the sign-in failed
            print(f"sayonce review: {exc}", file=sys.stderr)
            return 3
        except (KeyError, ValueError) as exc:
            print(f"sayonce review: {exc}", file=sys.stderr)
            return 2

    return run


@_guard
def _queue(args: argparse.Namespace) -> int:
    from sayonce.review.queue import QueueFilter, page

    store, principal = _open(args)
    filters = QueueFilter(
        action_id=args.action,
        agent_id=args.agent,
        segment=args.segment,
        statuses=tuple(args.status),
        since=args.since,
        until=args.until,
    )
    rows = page(store, principal, filters, None, args.limit).rows
    for row in rows:
        if args.json:
            data = {k: getattr(row, k) for k in row.__dataclass_fields__}
            print(json.dumps(data, default=str))
        else:
            print(
                f"{row.id:>7}  {row.shown_at:%Y-%m-%d %H:%M}  {row.action_id:<22} "
                f"{row.status:<17} {row.agent_name:<18} {row.customer_ref:<10} "
                f"{row.decision_reason or ''}"
            )
    return 0


@_guard
def _pending(args: argparse.Namespace) -> int:
    from sayonce.review.approvals import pending

    store, principal = _open(args)
    requests = pending(store, principal)
    for request in requests:
        row = request.row
        print(f"{row.id:>7}  {row.action_id:<22} {row.agent_name:<18} {row.customer_ref}")
    if not requests:
        print("No requests waiting.")
    return 0


@_guard
def _decide(args: argparse.Namespace) -> int:
    from sayonce.review import approvals

    store, principal = _open(args)
    if args.verb == "approve":
        approvals.approve(store, principal, args.suggestion, args.reason)
    else:
        approvals.reject(store, principal, args.suggestion, args.reason)
    print(f"Suggestion {args.suggestion}: {args.verb}d.")
    return 0


@_guard
def _verdict(args: argparse.Namespace) -> int:
    from sayonce.review import verdicts

    store, principal = _open(args)
    value = None if args.verdict == "clear" else args.verdict
    verdicts.mark(store, principal, args.suggestion, value, args.comment)
    print(f"Suggestion {args.suggestion}: verdict {args.verdict}.")
    return 0


def _pct(value: float | None) -> str:
    return "    —" if value is None else f"{value:5.0%}"


@_guard
def _rates(args: argparse.Namespace) -> int:
    from sayonce.review.analytics import rates

    store, principal = _open(args)
    found = rates(store, principal, args.by, args.since, args.until)
    for r in found:
        if args.json:
            print(
                json.dumps(
                    {
                        "key": r.key,
                        "label": r.label,
                        "shown": r.shown,
                        "taken": r.taken,
                        "dismissed": r.dismissed,
                        "acceptance_rate": r.acceptance_rate,
                        "outcome_rate": r.outcome_rate,
                    }
                )
            )
        else:
            print(
                f"{r.label:<24} shown {r.shown:>6}  accepted {_pct(r.acceptance_rate)}  "
                f"success {_pct(r.outcome_rate)}"
            )
    return 0


@_guard
def _export(args: argparse.Namespace) -> int:
    from sayonce.review import export
    from sayonce.review.queue import QueueFilter

    store, principal = _open(args)
    if args.rates:
        count = export.export_rates(store, principal, args.out, args.rates, args.since, args.until)
    else:
        filters = QueueFilter(action_id=args.action, since=args.since, until=args.until)
        count = export.export_queue(store, principal, args.out, filters)
    print(f"Wrote {count:,} rows to {args.out} (recorded in the audit log).")
    return 0


@_guard
def _playbook(args: argparse.Namespace) -> int:
    from sayonce.review import playbooks

    store, principal = _open(args)
    name, extra = args.name, args.args
    if args.what == "history":
        for rev in playbooks.history(store, principal, name):
            at = f"{rev.at:%Y-%m-%d %H:%M}" if rev.at else ""
            print(f"v{rev.version:<4} {at}  {rev.author or 'SayOnce':<14} {rev.comment or ''}")
    elif args.what == "show":
        print(playbooks.current(store, principal, name).content, end="")
    elif args.what == "diff":
        old, new = (int(extra[0]), int(extra[1])) if len(extra) == 2 else (0, -1)
        if new < 0:
            new = playbooks.latest_version(store, principal, name)
        print(playbooks.diff(store, principal, name, old, new) or "No differences.", end="")
    elif args.what in ("enable", "disable"):
        if len(extra) != 1:
            raise ValueError(f"say which action to {args.what}")
        enabled = args.what == "enable"
        rev = playbooks.set_enabled(store, principal, name, extra[0], enabled, args.comment)
        print(f"Saved {name} version {rev.version}.")
    else:
        if len(extra) != 1:
            raise ValueError("say which version to restore")
        rev = playbooks.restore(store, principal, name, int(extra[0]), args.comment)
        print(f"Saved {name} version {rev.version} (a copy of version {extra[0]}).")
    return 0
