"""Sign-in: a local password (argon2) or the operating-system user, chosen by ``SAYONCE_AUTH``.

``SAYONCE_AUTH=os`` (the default, for a single workstation): the OS user name, or its entry in
``SAYONCE_OS_USER_MAP`` (``"osname=agentname,..."``), names the account; no password is asked,
the OS session already proved who is at the keyboard. On a database with no active admin yet
the OS user is enrolled as its admin (whoever installs a single-workstation copy runs it).

``SAYONCE_AUTH=local`` (shared PostgreSQL, shared workstations): username and password.
After :data:`MAX_FAILURES` wrong passwords within :data:`LOCKOUT_WINDOW` the account is
locked for the rest of that window. Failures are counted from the audit log, so every
workstation sees the same count and every attempt is on record.
"""

from __future__ import annotations

import getpass
import os
from datetime import timedelta
from enum import StrEnum
from functools import cache

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sayonce.store.agents import Agent, AuditEvent, Role
from sayonce.store.base import utcnow
from sayonce.store.engine import Store
from sayonce.trust.accounts import (
    AccountError,
    add_user,
    find,
    has_active_admin,
    hasher,
    normalize_username,
    principal_of,
)
from sayonce.trust.audit import AuditAction, record
from sayonce.trust.principal import Principal

MAX_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
WRONG = "Wrong username or password, or the account is disabled."


class AuthMode(StrEnum):
    """How users prove who they are."""

    OS = "os"
    LOCAL = "local"


class SignInError(PermissionError):
    """Sign-in refused; ``str()`` says what to do (without saying which part was wrong)."""


def auth_mode() -> AuthMode:
    """The configured mode (``SAYONCE_AUTH``), ``os`` unless set."""
    value = os.environ.get("SAYONCE_AUTH", AuthMode.OS.value).strip().lower()
    try:
        return AuthMode(value)
    except ValueError:
        raise SignInError(f"SAYONCE_AUTH={value!r}: use 'os' or 'local'.") from None


def os_account_name(os_user: str | None = None) -> str:
    """The account the OS user maps to (``SAYONCE_OS_USER_MAP``, else the same name)."""
    user = (os_user or getpass.getuser()).strip().casefold()
    for pair in os.environ.get("SAYONCE_OS_USER_MAP", "").split(","):
        source, _, target = pair.partition("=")
        if source.strip().casefold() == user and target.strip():
            return normalize_username(target)
    return normalize_username(user)


def _recent_failures(session: Session, username: str, agent_id: int | None) -> int:
    # A successful sign-in, or an admin's password reset or re-enable, starts the count afresh.
    signed_in = (
        (AuditEvent.action == AuditAction.SIGN_IN.value)
        & (AuditEvent.target_kind == "user.name")
        & (AuditEvent.target_id == username)
    )
    changed = (
        (AuditEvent.action == AuditAction.USER_CHANGE.value)
        & (AuditEvent.target_kind == "user")
        & (AuditEvent.target_id == str(agent_id))
    )
    reset = session.scalar(select(func.max(AuditEvent.id)).where(signed_in | changed))
    query = select(func.count()).where(
        AuditEvent.action == AuditAction.SIGN_IN_FAILED.value,
        AuditEvent.target_kind == "user.name",
        AuditEvent.target_id == username,
        AuditEvent.at >= utcnow() - LOCKOUT_WINDOW,
        AuditEvent.id > (reset or 0),
    )
    return int(session.scalar(query) or 0)


@cache
def _dummy_hash() -> str:
    # Verified against when the user does not exist, so a wrong name costs as long as a
    # wrong password and sign-in does not reveal which usernames exist.
    return hasher().hash("not-a-real-password")


def _password_ok(agent: Agent | None, password: str) -> bool:
    stored = agent.password_hash if agent is not None else None
    try:
        hasher().verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def _fail(store: Store, username: str, why: str) -> SignInError:
    with store.write() as session:
        record(session, username, AuditAction.SIGN_IN_FAILED, "user.name", username, {"why": why})
    return SignInError(WRONG)


def _succeed(session: Session, agent: Agent, mode: AuthMode) -> Principal:
    principal = principal_of(agent)
    record(session, principal, AuditAction.SIGN_IN, "user.name", agent.username, {"mode": mode})
    return principal


def authenticate(store: Store, username: str, password: str) -> Principal:
    """Check a local password; raise :class:`SignInError` (and record the failure) if wrong.

    Takes the store rather than a session: a failed attempt must be committed (it counts
    toward the lockout) even though sign-in is refused.
    """
    try:
        name = normalize_username(username)
    except AccountError:
        raise SignInError(WRONG) from None
    with store.read() as session:  # argon2 takes ~0.2 s: never inside a write transaction
        agent = find(session, name)
        failures = _recent_failures(session, name, agent.id if agent else None)
    if failures >= MAX_FAILURES:
        minutes = int(LOCKOUT_WINDOW.total_seconds() // 60)
        raise SignInError(
            f"Too many failed sign-ins for {name}: try again in {minutes} minutes, or ask "
            "an admin to reset the password (`sayonce users passwd`)."
        )
    ok = _password_ok(agent, password)  # runs even for unknown names: same time either way
    if not ok or agent is None or not agent.active:
        why = "unknown" if agent is None else "password" if agent.active else "disabled"
        raise _fail(store, name, why)
    rehash = agent.password_hash and hasher().check_needs_rehash(agent.password_hash)
    with store.write() as session:
        fresh = session.get(Agent, agent.id)
        if fresh is None or not fresh.active:  # disabled a moment ago
            raise SignInError(WRONG)
        if rehash:
            fresh.password_hash = hasher().hash(password)  # the hasher's parameters were raised
        return _succeed(session, fresh, AuthMode.LOCAL)


def sign_in_os(store: Store, os_user: str | None = None) -> Principal:
    """Sign in as the operating-system user (enrolling it as admin on a fresh database)."""
    name = os_account_name(os_user)
    with store.write() as session:
        agent = find(session, name)
        if agent is None and not has_active_admin(session):
            bootstrap = Principal(name, Role.ADMIN, None, name)
            add_user(session, bootstrap, name, Role.ADMIN, display_name=name)
            agent = find(session, name)
        if agent is not None and agent.active:
            return _succeed(session, agent, AuthMode.OS)
    raise SignInError(
        f"The computer user maps to the SayOnce account {name!r}, which "
        f"{'is disabled' if agent is not None else 'does not exist'}. Ask an admin to run "
        f"`sayonce users add {name} --role agent`, or set SAYONCE_OS_USER_MAP."
    )


def sign_in(store: Store, username: str | None = None, password: str | None = None) -> Principal:
    """Sign in the configured way: the OS user, or ``username`` and ``password``."""
    if auth_mode() is AuthMode.OS:
        return sign_in_os(store)
    if not username or password is None:
        raise SignInError("Sign-in needs a username and a password (SAYONCE_AUTH=local).")
    return authenticate(store, username, password)
