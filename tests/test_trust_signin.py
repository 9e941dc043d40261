"""Sign-in and accounts: argon2 passwords, OS users, lockout, admin-only user management."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher

from sayonce.store import Agent, Role, Store
from sayonce.trust import accounts
from sayonce.trust.accounts import AccountError, add_user, list_users, set_active, set_password
from sayonce.trust.audit import entries
from sayonce.trust.permissions import PermissionDenied
from sayonce.trust.principal import Principal
from sayonce.trust.signin import MAX_FAILURES, SignInError, authenticate, sign_in, sign_in_os

BOOT = Principal("installer", Role.ADMIN)


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: Any) -> None:
    # Same algorithm, test-sized cost: the code paths are the real ones.
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))


def _users(store: Store) -> Principal:
    with store.write() as s:
        add_user(s, BOOT, "Boss", Role.ADMIN, password="boss-password")
    admin = authenticate(store, "boss", "boss-password")
    with store.write() as s:
        add_user(s, admin, "ann", Role.AGENT, password="ann-password", display_name="Ann A.")
        add_user(s, admin, "sam", Role.SUPERVISOR)  # OS sign-in only
    return admin


def test_password_sign_in_gives_the_accounts_role(store: Store) -> None:
    _users(store)
    ann = authenticate(store, " ANN ", "ann-password")
    assert (ann.username, ann.role, ann.display_name) == ("ann", Role.AGENT, "Ann A.")
    with store.read() as s:
        stored = s.query(Agent).filter_by(username="ann").one().password_hash
    assert stored is not None and stored.startswith("$argon2id$") and "ann-password" not in stored


@pytest.mark.parametrize(
    ("username", "password"),
    [("ann", "wrong-password"), ("nobody", "ann-password"), ("sam", ""), ("", "x")],
)
def test_wrong_credentials_are_refused_alike(store: Store, username: str, password: str) -> None:
    _users(store)
    with pytest.raises(SignInError, match="Wrong username or password"):
        authenticate(store, username, password)


def test_lockout_after_repeated_failures_until_password_reset(store: Store) -> None:
    admin = _users(store)
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInError, match="Wrong"):
            authenticate(store, "ann", "guess")
    with pytest.raises(SignInError, match="Too many failed sign-ins"):
        authenticate(store, "ann", "ann-password")  # even the right password, for now
    with store.write() as s:
        set_password(s, admin, "ann", "fresh-password")
    assert authenticate(store, "ann", "fresh-password").username == "ann"
    with store.read() as s:
        failed = entries(s, action="user.sign_in_failed")
    assert len(failed) == MAX_FAILURES and all(e.target_id == "ann" for e in failed)


def test_disabled_account_cannot_sign_in(store: Store) -> None:
    admin = _users(store)
    with store.write() as s:
        set_active(s, admin, "ann", False)
    with pytest.raises(SignInError):
        authenticate(store, "ann", "ann-password")


def test_only_admins_manage_users(store: Store) -> None:
    _users(store)
    ann = authenticate(store, "ann", "ann-password")
    with pytest.raises(PermissionDenied, match="manage users"), store.write() as s:
        add_user(s, ann, "eve", Role.ADMIN, password="eve-password")
    with pytest.raises(PermissionDenied), store.read() as s:
        list_users(s, ann)
    with store.write() as s:
        set_password(s, ann, "ann", "my-own-new-one")  # but anyone may change their own


def test_first_account_must_be_an_admin_and_last_admin_stays(store: Store) -> None:
    with pytest.raises(AccountError, match="first account must be an admin"), store.write() as s:
        add_user(s, BOOT, "ann", Role.AGENT)
    admin = _users(store)
    with pytest.raises(AccountError, match="last active admin"), store.write() as s:
        set_active(s, admin, "boss", False)
    with pytest.raises(AccountError, match="at least 8"), store.write() as s:
        add_user(s, admin, "short", Role.AGENT, password="1234")


def test_os_user_enrolls_as_first_admin_then_maps(store: Store, monkeypatch: Any) -> None:
    first = sign_in_os(store, os_user="Carol")
    assert first.role is Role.ADMIN and first.username == "carol"
    with store.write() as s:
        add_user(s, first, "ann", Role.AGENT)
    with pytest.raises(SignInError, match="does not exist"):
        sign_in_os(store, os_user="dave")  # the database has an admin now: no more enrolling
    monkeypatch.setenv("SAYONCE_OS_USER_MAP", "dave=ann, erin=carol")
    assert sign_in_os(store, os_user="Dave").username == "ann"


def test_auth_mode_chooses_the_way_in(store: Store, monkeypatch: Any) -> None:
    _users(store)
    monkeypatch.setenv("SAYONCE_AUTH", "local")
    with pytest.raises(SignInError, match="needs a username and a password"):
        sign_in(store)
    assert sign_in(store, "ann", "ann-password").role is Role.AGENT
    monkeypatch.setenv("SAYONCE_AUTH", "kerberos")
    with pytest.raises(SignInError, match="use 'os' or 'local'"):
        sign_in(store, "ann", "ann-password")
