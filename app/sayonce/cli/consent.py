"""``sayonce consent``: show or record a person's personalization and marketing consent."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args
from sayonce.cli.sign_in import add_signin_options, principal_from_args


def register(sub: Any) -> None:
    """Add ``consent``."""
    parser = sub.add_parser("consent", help="show or set a customer's consent and opt-out")
    parser.add_argument("--customer", metavar="REF", required=True, help="reference or id")
    parser.add_argument("--personalization", choices=["on", "off"], help="off = opted out")
    parser.add_argument("--marketing", choices=["on", "off"])
    add_db_option(parser)
    add_signin_options(parser)
    parser.set_defaults(func=_run)


def _flag(value: str | None) -> bool | None:
    return None if value is None else value == "on"


def _run(args: argparse.Namespace) -> int:
    from sayonce.trust.consent import consent_of, set_consent
    from sayonce.trust.permissions import Permission, require
    from sayonce.trust.person import UnknownCustomerError, find_customer_id

    store = open_from_args(args)
    try:
        principal = principal_from_args(args, store)
        require(principal, Permission.VIEW_PROFILE)
        changing = args.personalization is not None or args.marketing is not None
        with store.write() if changing else store.read() as session:
            customer_id = find_customer_id(session, args.customer)
            if changing:
                state = set_consent(
                    session,
                    principal,
                    customer_id,
                    personalization=_flag(args.personalization),
                    marketing=_flag(args.marketing),
                )
            else:
                state = consent_of(session, customer_id)
    except (PermissionError, UnknownCustomerError) as exc:
        print(f"sayonce: {exc}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    print(f"{args.customer}: {state.label()}")
    return 0
