"""Playbook management: enable, disable and edit actions, with versions, diffs and audit.

Every change is saved as a new :class:`~sayonce.store.PlaybookVersion` row (never an update),
after the assist engine's own loader has validated it, so a broken playbook can never become
the one calls run on. The first change to a shipped playbook saves the shipped text as
version 1, so "what did we change?" always has an answer and can be undone.

Edits are made on the YAML text with a round-trip parser that keeps comments, key order and
quoting, so a diff between two versions shows only what the supervisor changed.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sayonce.assist.playbook import Playbook, PlaybookError, loads_playbook
from sayonce.config import resources_dir
from sayonce.store import ConcurrentEditError, PlaybookVersion, Store
from sayonce.trust.audit import AuditAction, record
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

SHIPPED = "shipped with SayOnce"


class PlaybookConflict(ConcurrentEditError):
    """Someone saved a newer version since this edit began."""


@dataclass(frozen=True, slots=True)
class Revision:
    """One saved version (version 0: the shipped file, never edited yet)."""

    name: str
    version: int
    content: str
    author: str | None
    comment: str | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class ActionSummary:
    """An action as the playbook tab lists it."""

    id: str
    title: str
    description: str
    examples: tuple[str, ...]
    eligibility: str  # YAML text of the rules, "" when everyone is eligible
    value: float
    risk: str
    enabled: bool
    personalized: bool
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActionEdit:
    """Fields to change on one action; ``None`` leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    examples: list[str] | None = None
    eligibility: str | None = None  # YAML mapping of rules; "" removes every rule
    value: float | None = None
    enabled: bool | None = None


# --- reading ---------------------------------------------------------------------------------


def shipped_path(name: str) -> Path:
    """The playbook file shipped under ``resources/playbooks``."""
    return resources_dir() / "playbooks" / f"{name}.yaml"


def _shipped(name: str) -> Revision | None:
    try:
        content = shipped_path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return Revision(name, 0, content, None, SHIPPED, None)


def _missing(name: str) -> KeyError:
    where = f"looked in the database and {shipped_path(name)}"
    return KeyError(f"There is no playbook {name!r} ({where}).")


def _as_revision(row: PlaybookVersion) -> Revision:
    return Revision(row.name, row.version, row.content, row.author, row.comment, row.at)


def _latest(session: Session, name: str) -> Revision | None:
    row = session.scalars(
        select(PlaybookVersion)
        .where(PlaybookVersion.name == name)
        .order_by(PlaybookVersion.version.desc())
        .limit(1)
    ).first()
    return _as_revision(row) if row is not None else _shipped(name)


def _existing(session: Session, name: str) -> Revision:
    found = _latest(session, name)
    if found is None:
        raise _missing(name)
    return found


def names(store: Store, principal: Principal) -> list[str]:
    """Playbooks saved in the database or shipped with the app."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    with store.read() as session:
        saved = set(session.scalars(select(PlaybookVersion.name).distinct()))
    folder = resources_dir() / "playbooks"
    shipped = {path.stem for path in folder.glob("*.yaml")} if folder.is_dir() else set()
    return sorted(saved | shipped)


def current(store: Store, principal: Principal, name: str = "default") -> Revision:
    """The version calls run on: the newest saved one, else the shipped file."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    with store.read() as session:
        return _existing(session, name)


def active(store: Store, principal: Principal, name: str = "default") -> tuple[Playbook, int]:
    """The validated playbook a live session should use, and its version number."""
    require(principal, Permission.DECIDE_SUGGESTION)
    with store.read() as session:
        latest = _existing(session, name)
    return loads_playbook(latest.content, source=f"{name} v{latest.version}"), latest.version


def actions(store: Store, principal: Principal, name: str = "default") -> list[ActionSummary]:
    """Every action of the current version, enabled or not, in playbook order."""
    latest = current(store, principal, name)
    playbook = loads_playbook(latest.content, source=f"{name} v{latest.version}")
    return [_summary(action) for action in playbook.actions]


def _summary(action: Any) -> ActionSummary:
    rules = action.eligibility.model_dump(mode="json", exclude_defaults=True)
    return ActionSummary(
        id=action.id,
        title=action.title,
        description=action.description,
        examples=tuple(action.examples),
        eligibility=_dump(rules).strip() if rules else "",
        value=action.value,
        risk=action.risk,
        enabled=action.enabled,
        personalized=action.personalized,
        steps=tuple(step.title for step in action.steps),
    )


def history(store: Store, principal: Principal, name: str = "default") -> list[Revision]:
    """Saved versions, newest first, without their text (see :func:`revision`)."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    columns = (
        PlaybookVersion.version,
        PlaybookVersion.author,
        PlaybookVersion.comment,
        PlaybookVersion.at,
    )
    with store.read() as session:
        rows = session.execute(
            select(*columns)
            .where(PlaybookVersion.name == name)
            .order_by(PlaybookVersion.version.desc())
        ).all()
    return [
        Revision(name, version, "", author, comment, at) for version, author, comment, at in rows
    ]


def revision(store: Store, principal: Principal, name: str, version: int) -> Revision:
    """One version's text (version 0 is the shipped file)."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    if version == 0:
        shipped = _shipped(name)
        if shipped is None:
            raise _missing(name)
        return shipped
    with store.read() as session:
        row = session.scalars(
            select(PlaybookVersion).where(
                PlaybookVersion.name == name, PlaybookVersion.version == version
            )
        ).first()
    if row is None:
        raise KeyError(f"Playbook {name!r} has no version {version}.")
    return _as_revision(row)


def diff(store: Store, principal: Principal, name: str, old: int, new: int) -> str:
    """A unified diff from version ``old`` to version ``new`` ("" when they are equal)."""
    before = revision(store, principal, name, old)
    after = revision(store, principal, name, new)
    lines = difflib.unified_diff(
        before.content.splitlines(keepends=True),
        after.content.splitlines(keepends=True),
        fromfile=f"{name} v{old}",
        tofile=f"{name} v{new}",
    )
    return "".join(lines)


# --- changing --------------------------------------------------------------------------------


def save(
    store: Store,
    principal: Principal,
    name: str,
    content: str,
    comment: str | None = None,
    *,
    base_version: int | None = None,
    change: str = "save",
    detail: dict[str, Any] | None = None,
) -> Revision:
    """Validate ``content`` and save it as the next version.

    ``base_version`` is the version the edit started from: if someone saved since, nothing is
    written and :class:`PlaybookConflict` says so. Invalid YAML raises
    :class:`~sayonce.assist.playbook.PlaybookError` naming the line and field.
    """
    require(principal, Permission.EDIT_PLAYBOOK)
    loads_playbook(content, source=f"{name}.yaml")
    try:
        with store.write() as session:
            latest = _latest(session, name)
            latest_version = latest.version if latest is not None else 0
            if base_version is not None and base_version != latest_version:
                who = (latest.author if latest else None) or "Someone"
                raise PlaybookConflict(
                    f"{who} saved version {latest_version} of {name!r} "
                    f"after you opened version {base_version}; reload and apply your change again."
                )
            if latest is not None and latest.version == 0:
                _insert(session, principal, name, 1, SHIPPED, latest.content, shipped=True)
                latest_version = 1
            version = latest_version + 1
            saved = _insert(session, principal, name, version, comment, content)
            audit = {"version": version, "change": change, **(detail or {})}
            record(session, principal, AuditAction.PLAYBOOK_EDIT, "playbook", name, audit)
            return saved
    except IntegrityError as exc:  # another workstation took the same version number
        raise PlaybookConflict(
            f"Someone saved {name!r} at the same moment; reload and apply your change again."
        ) from exc


def _insert(
    session: Session,
    principal: Principal,
    name: str,
    version: int,
    comment: str | None,
    content: str,
    *,
    shipped: bool = False,
) -> Revision:
    row = PlaybookVersion(
        name=name,
        version=version,
        content=content,
        comment=(comment or "").strip()[:500] or None,
        author=None if shipped else principal.username,
    )
    session.add(row)
    session.flush()
    return _as_revision(row)


def set_enabled(
    store: Store,
    principal: Principal,
    name: str,
    action_id: str,
    enabled: bool,
    comment: str | None = None,
    *,
    base_version: int | None = None,
) -> Revision:
    """Enable or retire one action (a disabled action is never suggested)."""
    return edit_action(
        store, principal, name, action_id, ActionEdit(enabled=enabled), comment,
        base_version=base_version,
    )  # fmt: skip


def edit_action(
    store: Store,
    principal: Principal,
    name: str,
    action_id: str,
    edit: ActionEdit,
    comment: str | None = None,
    *,
    base_version: int | None = None,
) -> Revision:
    """Change one action's text, examples, eligibility, value or enabled flag."""
    require(principal, Permission.EDIT_PLAYBOOK)
    latest = current(store, principal, name)
    content = apply_edit(latest.content, action_id, edit)
    changed = [f.name for f in fields(edit) if getattr(edit, f.name) is not None]
    kind = "enable" if changed == ["enabled"] and edit.enabled else "edit"
    kind = "disable" if changed == ["enabled"] and not edit.enabled else kind
    return save(
        store,
        principal,
        name,
        content,
        comment,
        base_version=latest.version if base_version is None else base_version,
        change=kind,
        detail={"action_id": action_id, "fields": changed},
    )


def restore(
    store: Store,
    principal: Principal,
    name: str,
    version: int,
    comment: str | None = None,
) -> Revision:
    """Save an old version's text as the newest version (history is kept whole)."""
    old = revision(store, principal, name, version)
    note = comment or f"restored version {version}"
    return save(
        store, principal, name, old.content, note, change="restore", detail={"from": version}
    )


# --- YAML round trip -------------------------------------------------------------------------


def _yaml(indent: int = 2, block_seq_indent: int = 0) -> YAML:
    yaml = YAML()  # round-trip: keeps comments, order and quotes
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never re-wrap a long line: a diff must show only real edits
    yaml.indent(mapping=2, sequence=indent, offset=block_seq_indent)
    return yaml


def _dump(data: Any, yaml: YAML | None = None) -> str:
    out = io.StringIO()
    (yaml or _yaml()).dump(data, out)
    return out.getvalue()


def apply_edit(content: str, action_id: str, edit: ActionEdit) -> str:
    """``content`` with ``edit`` applied to action ``action_id`` (comments kept)."""
    try:
        _, indent, block_seq_indent = load_yaml_guess_indent(content)
        yaml = _yaml(indent or 2, block_seq_indent or 0)
        data = yaml.load(content)
    except YAMLError as exc:
        raise PlaybookError([f"the saved playbook is not valid YAML: {exc}"]) from exc
    action = _find(data, action_id)
    for key in ("title", "description"):
        value = getattr(edit, key)
        if value is not None:
            action[key] = value.strip()
    if edit.examples is not None:
        _put(action, "examples", _like(action.get("examples"), [e.strip() for e in edit.examples]))
    if edit.value is not None:
        _put(action, "value", float(edit.value))
    if edit.enabled is not None:
        _set_enabled(action, edit.enabled)
    if edit.eligibility is not None:
        _set_rules(action, edit.eligibility)
    return _dump(data, yaml)


def _find(data: Any, action_id: str) -> CommentedMap:
    for action in (data or {}).get("actions") or []:
        if isinstance(action, dict) and action.get("id") == action_id:
            return action  # type: ignore[return-value]
    raise KeyError(f"The playbook has no action {action_id!r}.")


def _like(original: Any, items: list[str]) -> CommentedSeq:
    # keep a one-line ["a", "b"] list one line, as the author wrote it
    seq = CommentedSeq(item for item in items if item)
    if isinstance(original, CommentedSeq) and original.fa.flow_style():
        seq.fa.set_flow_style()
    return seq


def _put(action: CommentedMap, key: str, value: Any) -> None:
    """Set ``key``; a new key goes after the description, not after the action's last line.

    The round-trip parser attaches blank lines and comments that follow an action to its last
    key, so appending there would put the new key below the gap, next to the next action.
    """
    if key in action:
        action[key] = value
        return
    keys = list(action.keys())
    after = keys.index("description") + 1 if "description" in keys else len(keys)
    action.insert(after, key, value)


def _set_enabled(action: CommentedMap, enabled: bool) -> None:
    if enabled:
        action.pop("enabled", None)  # enabled is the default: keep the file short
    else:
        _put(action, "enabled", False)


def _set_rules(action: CommentedMap, text: str) -> None:
    try:
        rules = YAML().load(text) if text.strip() else None
    except YAMLError as exc:
        raise PlaybookError(
            [f"eligibility of {action.get('id')!r}: not valid YAML: {exc}"]
        ) from exc
    if rules is None:
        action.pop("eligibility", None)
    elif not isinstance(rules, dict):
        raise PlaybookError([f"eligibility of {action.get('id')!r}: write rules as key: value"])
    else:
        _put(action, "eligibility", rules)


def latest_version(store: Store, principal: Principal, name: str = "default") -> int:
    """The newest saved version number (0 when only the shipped file exists)."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    with store.read() as session:
        found = session.scalar(
            select(func.max(PlaybookVersion.version)).where(PlaybookVersion.name == name)
        )
    return int(found or 0)
