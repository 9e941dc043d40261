"""Who runs a command: ``--user`` (password prompted, or ``SAYONCE_PASSWORD``) or the OS user.

Shared by every subcommand that needs a :class:`~sayonce.trust.principal.Principal`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sayonce.store import Store
from sayonce.trust.principal import Principal


def add_signin_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--user NAME`` (used when ``SAYONCE_AUTH=local``)."""
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="sign in as NAME (SAYONCE_AUTH=local; password from the prompt or $SAYONCE_PASSWORD)",
    )


def read_password(prompt: str = "Password: ") -> str:
    """``SAYONCE_PASSWORD``, else a prompt on the terminal, else one line of standard input."""
    from_env = os.environ.get("SAYONCE_PASSWORD")
    if from_env is not None:
        return from_env
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


def principal_from_args(args: argparse.Namespace, store: Store) -> Principal:
    """Sign in the configured way (see :mod:`sayonce.trust.signin`)."""
    from sayonce.trust.signin import AuthMode, auth_mode, sign_in

    username = getattr(args, "user", None)
    if auth_mode() is AuthMode.LOCAL:
        if not username:
            raise SystemExit("sayonce: SAYONCE_AUTH=local: pass --user NAME")
        return sign_in(store, username, read_password())
    return sign_in(store)
