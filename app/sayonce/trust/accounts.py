"""User accounts: add, list, disable, change role or password (admins only, audited).

Passwords are stored as argon2id hashes (argon2-cffi); an account without a password signs in
through the operating system user instead (see :mod:`sayonce.trust.signin`).
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sayonce.store.agents import Agent, Role
from sayonce.trust.audit import AuditAction, record
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A user-management request that cannot be done; ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A plain view of one account (never the hash)."""

    id: int
    username: str
    display_name: str
    role: str
    team: str | None
    active: bool
    has_password: bool


def hasher() -> PasswordHasher:
    """The process's argon2 hasher (tests may swap in cheaper parameters)."""
    return _hasher


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` after checking it is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return hasher().hash(password)


def normalize_username(username: str) -> str:
    """Usernames are compared case-insensitively and without surrounding spaces."""
    name = username.strip().casefold()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise AccountError(f"{username!r} is not a valid username (1-64 characters, no spaces).")
    return name


def _info(agent: Agent) -> UserInfo:
    return UserInfo(
        agent.id,
        agent.username,
        agent.display_name,
        agent.role,
        agent.team,
        agent.active,
        agent.password_hash is not None,
    )


def find(session: Session, username: str) -> Agent | None:
    """The account called ``username``, if any."""
    return session.scalar(select(Agent).where(Agent.username == normalize_username(username)))


def has_active_admin(session: Session) -> bool:
    """Whether anyone can manage users yet (if not, the first admin may be created)."""
    count = session.scalar(
        select(func.count()).where(Agent.role == Role.ADMIN.value, Agent.active.is_(True))
    )
    return bool(count)


def principal_of(agent: Agent) -> Principal:
    """The principal an account signs in as."""
    return Principal(agent.username, Role(agent.role), agent.id, agent.display_name)


def add_user(
    session: Session,
    actor: Principal,
    username: str,
    role: Role,
    *,
    display_name: str = "",
    password: str | None = None,
    team: str | None = None,
) -> UserInfo:
    """Create an account; the very first admin may be created by anyone (bootstrap)."""
    bootstrap = not has_active_admin(session)
    if bootstrap and role is not Role.ADMIN:
        raise AccountError("The first account must be an admin (--role admin).")
    if not bootstrap:
        require(actor, Permission.MANAGE_USERS)
    name = normalize_username(username)
    if find(session, name) is not None:
        raise AccountError(f"The user {name!r} already exists.")
    agent = Agent(
        username=name,
        display_name=display_name or name,
        role=role.value,
        team=team,
        password_hash=hash_password(password) if password is not None else None,
    )
    session.add(agent)
    session.flush()
    detail = {"role": role.value, "bootstrap": bootstrap, "password": password is not None}
    record(session, actor, AuditAction.USER_ADD, "user", agent.id, detail)
    return _info(agent)


def list_users(session: Session, actor: Principal) -> list[UserInfo]:
    """Every account, by username."""
    require(actor, Permission.MANAGE_USERS)
    return [_info(a) for a in session.scalars(select(Agent).order_by(Agent.username))]


def _existing(session: Session, username: str) -> Agent:
    agent = find(session, username)
    if agent is None:
        raise AccountError(f"There is no user {username!r} (see `sayonce users list`).")
    return agent


def set_password(session: Session, actor: Principal, username: str, password: str) -> None:
    """Set a password: admins for anyone, everyone for themselves."""
    agent = _existing(session, username)
    if agent.id != actor.agent_id:
        require(actor, Permission.MANAGE_USERS)
    agent.password_hash = hash_password(password)
    record(session, actor, AuditAction.USER_CHANGE, "user", agent.id, {"change": "password"})


def _still_administered(session: Session, agent: Agent) -> None:
    session.flush()
    if not has_active_admin(session):
        raise AccountError(f"{agent.username} is the last active admin; add another admin first.")


def set_active(session: Session, actor: Principal, username: str, active: bool) -> None:
    """Disable (or re-enable) an account; the last active admin cannot be disabled."""
    require(actor, Permission.MANAGE_USERS)
    agent = _existing(session, username)
    agent.active = active
    _still_administered(session, agent)
    change = "enable" if active else "disable"
    record(session, actor, AuditAction.USER_CHANGE, "user", agent.id, {"change": change})


def set_role(session: Session, actor: Principal, username: str, role: Role) -> None:
    """Change an account's role; the last active admin cannot be demoted."""
    require(actor, Permission.MANAGE_USERS)
    agent = _existing(session, username)
    agent.role = role.value
    _still_administered(session, agent)
    detail = {"change": "role", "role": role.value}
    record(session, actor, AuditAction.USER_CHANGE, "user", agent.id, detail)
