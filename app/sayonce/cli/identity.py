"""Identity commands: lookup, duplicates, merge, unmerge, merges and never-merge.

Customers are named by their ref (``C-000123``) or their numeric id. Merges are made as the
signed-in operating-system user, with admin rights, and audited.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import asdict
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args


def register(sub: Any) -> None:
    """Add the identity subcommands."""
    lookup = sub.add_parser("lookup", help="find customers by phone, email, handle, id or ref")
    lookup.add_argument("value", help="e.g. '+1 415 555 0101', ann@example.com, C-000123")
    _common(lookup, _lookup)

    dup = sub.add_parser(
        "duplicates",
        help="scored duplicate suggestions with their reasons",
        description=(
            "List pairs of profiles that may be one person, best first, with the evidence."
        ),
    )
    dup.add_argument("--customer", metavar="REF", help="only pairs involving this customer")
    dup.add_argument("--min-score", type=float, default=None, help="0..1 (default 0.55)")
    dup.add_argument("--limit", type=int, default=50)
    _common(dup, _duplicates)

    merge = sub.add_parser(
        "merge",
        help="merge ABSORBED into SURVIVOR (non-destructive, undoable)",
        description="Link two profiles as one person. Nothing is deleted; `sayonce unmerge` "
        "undoes it exactly. Use --preview to see what would change first.",
    )
    merge.add_argument("survivor", metavar="SURVIVOR")
    merge.add_argument("absorbed", metavar="ABSORBED")
    merge.add_argument("--preview", action="store_true", help="show what would change; no merge")
    _common(merge, _merge)

    unmerge = sub.add_parser("unmerge", help="undo a merge (see `sayonce merges` for ids)")
    unmerge.add_argument("merge_id", type=int, metavar="MERGE_ID")
    _common(unmerge, _unmerge)

    log = sub.add_parser("merges", help="the merge log: who merged what, why, and undos")
    log.add_argument("--customer", metavar="REF", help="only merges of this customer's cluster")
    log.add_argument("--limit", type=int, default=50)
    _common(log, _merges)

    never = sub.add_parser("never-merge", help="mark two profiles as different people")
    never.add_argument("first", metavar="A")
    never.add_argument("second", metavar="B")
    never.add_argument("--reason", help="why (kept with the decision)")
    _common(never, _never)


def _common(parser: argparse.ArgumentParser, handler: Any) -> None:
    add_db_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=lambda args: _guarded(handler, args))


def _guarded(handler: Any, args: argparse.Namespace) -> int:
    from sayonce.identity.merge import MergeError
    from sayonce.trust.permissions import PermissionDenied

    store = open_from_args(args)
    try:
        return int(handler(store, args))
    except (MergeError, PermissionDenied, LookupError) as exc:
        print(f"sayonce {args.command}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.dispose()


def _principal() -> Any:
    from sayonce.trust.principal import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


def customer_id(session: Any, name: str) -> int:
    """The id of the customer named by ref (``C-000123``) or numeric id."""
    from sqlalchemy import select

    from sayonce.store import Customer

    text = name.strip()
    query = select(Customer.id).where(Customer.ref == text.upper())
    if text.isdigit():
        query = select(Customer.id).where(Customer.id == int(text))
    found = session.scalar(query)
    if found is None:
        raise LookupError(f"no customer {name!r} (give a ref like C-000123 or an id)")
    return int(found)


def _emit(args: argparse.Namespace, data: Any, lines: list[str]) -> int:
    if args.json:
        print(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        print("\n".join(lines))
    return 0


def _lookup(store: Any, args: argparse.Namespace) -> int:
    from sayonce.identity.lookup import find_matches

    with store.read() as session:
        matches = find_matches(session, args.value)
    lines = [
        f"{m.ref}  {m.display_name}  (by {m.matched_by}{', unverified' if m.unverified else ''})"
        for m in matches
    ] or ["no customer found"]
    return _emit(args, [asdict(m) for m in matches], lines)


def _duplicates(store: Any, args: argparse.Namespace) -> int:
    from sayonce.identity.duplicates import DEFAULT_MIN_SCORE, find_duplicates

    with store.read() as session:
        focus = customer_id(session, args.customer) if args.customer else None
        found = find_duplicates(
            session,
            customer_id=focus,
            min_score=DEFAULT_MIN_SCORE if args.min_score is None else args.min_score,
            limit=args.limit,
        )
    lines = []
    for s in found:
        lines.append(
            f"{s.score:.2f}  {s.first_ref} {s.first_name!r}  ~  {s.second_ref} {s.second_name!r}"
        )
        lines += [f"        - {reason}" for reason in s.reasons]
    return _emit(args, [asdict(s) for s in found], lines or ["no duplicate suggestions"])


def _merge(store: Any, args: argparse.Namespace) -> int:
    from sayonce.identity.merge import merge, preview

    with store.write() as session:
        survivor = customer_id(session, args.survivor)
        absorbed = customer_id(session, args.absorbed)
        plan = preview(session, survivor, absorbed)
        lines = _preview_lines(plan)
        if args.preview or not plan.possible:
            _emit(args, asdict(plan), lines)
            return 0 if plan.possible else 1
        merge_id = merge(session, _principal(), survivor, absorbed)
    lines.append(
        f"merged {plan.absorbed_ref} into {plan.survivor_ref} (merge {merge_id}; "
        f"undo with `sayonce unmerge {merge_id}`)"
    )
    return _emit(args, {"merge_id": merge_id, **asdict(plan)}, lines)


def _preview_lines(plan: Any) -> list[str]:
    lines = [f"merge {plan.absorbed_ref} into {plan.survivor_ref}  (score {plan.score:.2f})"]
    lines += [f"  reason: {r}" for r in plan.reasons]
    joins = ", ".join(f"{n} {what}" for what, n in plan.joins.items()) or "nothing"
    lines.append(f"  joins {plan.survivor_ref}'s history: {joins}")
    lines += [f"  identity: {i}" for i in plan.identities]
    lines += [
        f"  {name}: {before!r} -> {after!r}" for name, (before, after) in plan.changes.items()
    ]
    lines += [f"  BLOCKED: {b}" for b in plan.blockers]
    return lines


def _unmerge(store: Any, args: argparse.Namespace) -> int:
    from sayonce.identity.merge import undo

    with store.write() as session:
        result = undo(session, _principal(), args.merge_id)
    lines = [f"merge {result.merge_id} undone"]
    if result.restored:
        lines.append(f"  restored: {', '.join(result.restored)}")
    if result.kept:
        lines.append(f"  kept (edited since the merge): {', '.join(result.kept)}")
    return _emit(args, asdict(result), lines)


def _merges(store: Any, args: argparse.Namespace) -> int:
    from sayonce.identity.merge import merge_log

    with store.read() as session:
        focus = customer_id(session, args.customer) if args.customer else None
        entries = merge_log(session, focus, args.limit)
    lines = []
    for e in entries:
        state = f"undone {e.undone_at:%Y-%m-%d %H:%M} by {e.undone_by}" if e.undone_at else "active"
        lines.append(
            f"#{e.id}  {e.absorbed_ref} -> {e.survivor_ref}  by {e.actor} "
            f"{e.at:%Y-%m-%d %H:%M}  [{state}]"
        )
        lines += [f"      - {reason}" for reason in e.reasons]
    return _emit(args, [asdict(e) for e in entries], lines or ["no merges"])


def _never(store: Any, args: argparse.Namespace) -> int:
    from sayonce.identity.merge import never_merge

    with store.write() as session:
        first = customer_id(session, args.first)
        second = customer_id(session, args.second)
        never_merge(session, _principal(), first, second, args.reason)
    return _emit(args, {"ok": True}, [f"{args.first} and {args.second}: never merged or suggested"])
