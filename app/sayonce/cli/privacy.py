"""``sayonce export`` and ``sayonce erase``: answer a person's access and erasure requests."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args
from sayonce.cli.sign_in import add_signin_options, principal_from_args


def register(sub: Any) -> None:
    """Add ``export`` and ``erase``."""
    export = sub.add_parser(
        "export", help="write everything about a person to a JSON file (privacy access request)"
    )
    export.add_argument("--customer", metavar="REF", required=True, help="reference or id")
    export.add_argument(
        "--out", type=Path, help="file to write (default: ./sayonce-export-REF-DATE.json)"
    )
    export.set_defaults(func=_export)
    erase = sub.add_parser(
        "erase", help="erase a person everywhere, in place (privacy erasure request)"
    )
    erase.add_argument("--customer", metavar="REF", required=True, help="reference or id")
    erase.add_argument("--yes", action="store_true", help="really erase (it cannot be undone)")
    erase.set_defaults(func=_erase)
    for parser in (export, erase):
        add_db_option(parser)
        add_signin_options(parser)


def _export(args: argparse.Namespace) -> int:
    from sayonce.trust.export import export_person
    from sayonce.trust.person import UnknownCustomerError, find_customer_id

    store = open_from_args(args)
    try:
        principal = principal_from_args(args, store)
        with store.read() as session:
            customer_id = find_customer_id(session, args.customer)
        out = args.out or Path(f"sayonce-export-{args.customer}-{date.today():%Y%m%d}.json")
        result = export_person(store, principal, customer_id, out)
    except (PermissionError, UnknownCustomerError, OSError) as exc:
        print(f"sayonce: {exc}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    total = sum(result.counts.values())
    print(
        f"wrote {result.path} ({total} records, {len(result.customer_ids)} profiles, "
        f"sha256 {result.sha256})"
    )
    return 0


def _erase(args: argparse.Namespace) -> int:
    from sayonce.trust.erasure import erase_person
    from sayonce.trust.person import UnknownCustomerError, find_customer_id, person_ids

    store = open_from_args(args)
    try:
        principal = principal_from_args(args, store)
        with store.read() as session:
            customer_id = find_customer_id(session, args.customer)
            profiles = len(person_ids(session, customer_id))
        if not args.yes:
            print(
                f"This erases {args.customer} ({profiles} merged profile(s)) everywhere and "
                "cannot be undone. Run again with --yes.",
                file=sys.stderr,
            )
            return 1
        with store.write() as session:
            report = erase_person(session, principal, customer_id)
    except (PermissionError, UnknownCustomerError) as exc:
        print(f"sayonce: {exc}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    changed = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v)
    print(f"erased {args.customer}: {changed}")
    return 0
