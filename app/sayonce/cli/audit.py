"""``sayonce audit``: verify the hash chain (reports tampering) or show entries."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args
from sayonce.cli.sign_in import add_signin_options, principal_from_args


def register(sub: Any) -> None:
    """Add ``audit verify`` and ``audit show``."""
    parser = sub.add_parser("audit", help="verify or show the audit log (supervisors, admins)")
    actions = parser.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="check the hash chain; exit 1 if tampered with")
    verify.add_argument(
        "--head", help="a head hash printed by an earlier verify: also detects cut-off rows"
    )
    show = actions.add_parser("show", help="list entries, newest first")
    show.add_argument("--customer", metavar="REF", help="entries about this customer's person")
    show.add_argument("--actor", help="entries by this user")
    show.add_argument("--action", help="entries of this action, e.g. privacy.export")
    show.add_argument("--limit", type=int, default=50)
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    for action in actions.choices.values():
        add_db_option(action)
        add_signin_options(action)
    parser.set_defaults(func=_run)


def _verify(args: argparse.Namespace, session: Any) -> int:
    from sayonce.trust.audit import verify

    report = verify(session, expected_head=args.head)
    if report.ok:
        print(f"ok: {report.checked} entries, chain intact; head {report.head}")
        return 0
    where = f" (first bad row id {report.first_bad_id})" if report.first_bad_id else ""
    print(f"TAMPERED{where}: {report.reason}; {report.checked} entries before it are intact")
    return 1


def _show(args: argparse.Namespace, session: Any) -> int:
    from sayonce.trust.audit import entries
    from sayonce.trust.person import find_customer_id, person_ids

    ids = None
    if args.customer:
        ids = [str(i) for i in person_ids(session, find_customer_id(session, args.customer))]
    found = entries(
        session,
        target_kind="customer" if ids else None,
        target_ids=ids,
        actor=args.actor,
        action=args.action,
        limit=args.limit,
    )
    for e in found:
        if args.json:
            print(json.dumps(dataclasses.asdict(e), default=str, sort_keys=True))
        else:
            target = f"{e.target_kind}:{e.target_id}" if e.target_kind else "-"
            detail = json.dumps(e.detail, sort_keys=True)
            when = f"{e.at:%Y-%m-%d %H:%M:%S}"
            print(f"{e.id:>6} {when} {e.actor:16} {e.action:20} {target:18} {detail}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from sayonce.trust.permissions import Permission, require
    from sayonce.trust.person import UnknownCustomerError

    store = open_from_args(args)
    try:
        principal = principal_from_args(args, store)
        require(principal, Permission.VIEW_AUDIT)
        with store.read() as session:
            return _verify(args, session) if args.audit_action == "verify" else _show(args, session)
    except (PermissionError, UnknownCustomerError) as exc:
        print(f"sayonce: {exc}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
