"""``sayonce users``: add, list, disable and enable accounts, set passwords and roles."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args
from sayonce.cli.sign_in import add_signin_options, principal_from_args, read_password
from sayonce.store import Role, Store
from sayonce.trust.principal import Principal


def register(sub: Any) -> None:
    """Add the ``users`` subcommand and its actions."""
    parser = sub.add_parser("users", help="manage who can sign in (admins)")
    actions = parser.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.AGENT.value)
    add.add_argument("--display-name", default="")
    add.add_argument("--team")
    add.add_argument(
        "--no-password",
        action="store_true",
        help="no password: the account signs in as the matching OS user only",
    )
    actions.add_parser("list", help="list accounts")
    passwd = actions.add_parser("passwd", help="set an account's password")
    passwd.add_argument("username")
    for name, help_text in (("disable", "stop an account signing in"), ("enable", "re-enable")):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("username")
    role = actions.add_parser("role", help="change an account's role")
    role.add_argument("username")
    role.add_argument("role", choices=[r.value for r in Role])
    for action in actions.choices.values():
        add_db_option(action)
        add_signin_options(action)
    parser.set_defaults(func=_run)


def _new_password(username: str) -> str:
    if not sys.stdin.isatty():
        return read_password()
    first = getpass.getpass(f"New password for {username}: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("sayonce: the two passwords differ; nothing changed")
    return first


def _actor(args: argparse.Namespace, store: Store) -> Principal:
    from sayonce.trust.accounts import has_active_admin
    from sayonce.trust.signin import AuthMode, auth_mode

    # First run with passwords: whoever sets SayOnce up creates its first admin. (With OS
    # sign-in, signing in enrolls the OS user as the first admin instead.)
    if args.users_action == "add" and auth_mode() is AuthMode.LOCAL:
        with store.read() as session:
            if not has_active_admin(session):
                return Principal(f"os:{getpass.getuser()}", Role.ADMIN)
    return principal_from_args(args, store)


def _add(args: argparse.Namespace, store: Store, actor: Principal) -> str:
    from sayonce.trust import accounts

    password = None if args.no_password else _new_password(args.username)
    with store.write() as session:
        info = accounts.add_user(
            session,
            actor,
            args.username,
            Role(args.role),
            display_name=args.display_name,
            password=password,
            team=args.team,
        )
    return f"added {info.username} ({info.role})"


def _list(store: Store, actor: Principal) -> str:
    from sayonce.trust import accounts

    with store.read() as session:
        users = accounts.list_users(session, actor)
    lines = [f"{'USERNAME':20} {'ROLE':10} {'ACTIVE':6} {'SIGN-IN':8} NAME"]
    for u in users:
        how = "password" if u.has_password else "os"
        lines.append(
            f"{u.username:20} {u.role:10} {'yes' if u.active else 'no':6} {how:8} {u.display_name}"
        )
    return "\n".join(lines)


def _change(args: argparse.Namespace, store: Store, actor: Principal) -> str:
    from sayonce.trust import accounts

    action = args.users_action
    password = _new_password(args.username) if action == "passwd" else ""
    with store.write() as session:
        if action == "passwd":
            accounts.set_password(session, actor, args.username, password)
        elif action == "role":
            accounts.set_role(session, actor, args.username, Role(args.role))
        else:
            accounts.set_active(session, actor, args.username, action == "enable")
    return f"{action}: {args.username} done"


def _run(args: argparse.Namespace) -> int:
    from sayonce.trust.accounts import AccountError

    store = open_from_args(args)
    try:
        actor = _actor(args, store)
        if args.users_action == "add":
            print(_add(args, store, actor))
        elif args.users_action == "list":
            print(_list(store, actor))
        else:
            print(_change(args, store, actor))
    except (AccountError, PermissionError) as exc:
        print(f"sayonce: {exc}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    return 0
