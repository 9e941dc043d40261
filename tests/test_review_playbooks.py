"""Playbook management: edit, enable/disable, versions, diff, restore, audit (both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from sayonce.assist.playbook import PlaybookError, loads_playbook
from sayonce.review import playbooks
from sayonce.review.playbooks import ActionEdit, PlaybookConflict
from sayonce.store import AuditEvent, PlaybookVersion, Role, Store
from sayonce.trust.principal import Principal
from tests.review_data import MINIMAL_PLAYBOOK

SUP = Principal("sup", Role.SUPERVISOR, None)
NAME = "minimal"


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A resources folder shipping the minimal playbook."""
    folder = tmp_path / "resources" / "playbooks"
    folder.mkdir(parents=True)
    (folder / f"{NAME}.yaml").write_text(MINIMAL_PLAYBOOK, encoding="utf-8")
    monkeypatch.setattr(playbooks, "resources_dir", lambda: tmp_path / "resources")
    return folder


def _versions(store: Store) -> list[int]:
    with store.read() as s:
        return list(s.scalars(select(PlaybookVersion.version).where(PlaybookVersion.name == NAME)))


def test_shipped_playbook_is_listed_and_current(store: Store, shipped: Path) -> None:
    assert NAME in playbooks.names(store, SUP)
    now = playbooks.current(store, SUP, NAME)
    assert (now.version, now.content) == (0, MINIMAL_PLAYBOOK)
    listed = playbooks.actions(store, SUP, NAME)
    assert [(a.id, a.enabled, len(a.steps)) for a in listed] == [
        ("replace-card", True, 3),
        ("branch-hours", True, 0),
    ]


def test_disable_saves_a_new_version_the_engine_honours(store: Store, shipped: Path) -> None:
    saved = playbooks.set_enabled(store, SUP, NAME, "branch-hours", False, "hours moved to web")
    # the shipped text is kept as version 1 so the change can be diffed and undone
    assert saved.version == 2 and _versions(store) == [1, 2]
    playbook, version = playbooks.active(store, SUP, NAME)
    assert version == 2
    assert [a.id for a in playbook.enabled_actions] == ["replace-card"]
    # comments and the one-line example list survive the edit
    assert "# opening hours differ per branch" in saved.content
    assert 'examples: ["I lost my debit card", "my card was stolen"]' in saved.content
    text = playbooks.diff(store, SUP, NAME, 1, 2)
    changed = [line for line in text.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert changed == ["+    enabled: false"]
    history = playbooks.history(store, SUP, NAME)
    assert [(r.version, r.author, r.comment) for r in history] == [
        (2, "sup", "hours moved to web"),
        (1, None, playbooks.SHIPPED),
    ]


def test_edit_text_examples_eligibility_and_value(store: Store, shipped: Path) -> None:
    edit = ActionEdit(
        title="Replace a lost or stolen card",
        examples=["I lost my debit card", "someone took my wallet"],
        eligibility="tier: [gold, platinum]\nmin_value: 100",
        value=0.8,
    )
    saved = playbooks.edit_action(store, SUP, NAME, "replace-card", edit, "wallet thefts")
    action = loads_playbook(saved.content).action("replace-card")
    assert action.title == "Replace a lost or stolen card"
    assert action.examples == ["I lost my debit card", "someone took my wallet"]
    assert action.eligibility.tier == ["gold", "platinum"] and action.eligibility.min_value == 100
    assert action.value == 0.8
    [summary] = [a for a in playbooks.actions(store, SUP, NAME) if a.id == "replace-card"]
    assert "gold" in summary.eligibility
    cleared = playbooks.edit_action(store, SUP, NAME, "replace-card", ActionEdit(eligibility=""))
    assert loads_playbook(cleared.content).action("replace-card").eligibility.is_empty()


def test_an_invalid_edit_is_refused_and_nothing_is_saved(store: Store, shipped: Path) -> None:
    with pytest.raises(PlaybookError, match="value"):
        playbooks.edit_action(store, SUP, NAME, "replace-card", ActionEdit(value=7.0))
    with pytest.raises(PlaybookError, match=r"minimal.yaml:\d+: actions\[0\]"):
        playbooks.save(store, SUP, NAME, MINIMAL_PLAYBOOK.replace("title: Order", "titel: Order"))
    with pytest.raises(KeyError, match="no action"):
        playbooks.set_enabled(store, SUP, NAME, "no-such-action", False)
    assert _versions(store) == []
    with store.read() as s:
        assert s.scalars(select(AuditEvent)).first() is None


def test_a_stale_edit_is_refused(store: Store, shipped: Path) -> None:
    first = playbooks.set_enabled(store, SUP, NAME, "branch-hours", False)
    with pytest.raises(PlaybookConflict, match="version 2"):
        playbooks.set_enabled(store, SUP, NAME, "replace-card", False, base_version=0)
    assert _versions(store) == [1, first.version]


def test_restore_an_old_version(store: Store, shipped: Path) -> None:
    playbooks.set_enabled(store, SUP, NAME, "branch-hours", False)
    playbooks.edit_action(store, SUP, NAME, "replace-card", ActionEdit(value=0.9))
    restored = playbooks.restore(store, SUP, NAME, 1)
    assert restored.version == 4 and restored.content == MINIMAL_PLAYBOOK
    assert playbooks.diff(store, SUP, NAME, 1, 4) == ""
    assert playbooks.revision(store, SUP, NAME, 2).content != MINIMAL_PLAYBOOK
    with store.read() as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["playbook.edit"] * 3
    assert ['"change":"disable"' in e.detail for e in events] == [True, False, False]
    assert '"change":"restore"' in events[-1].detail


def test_playbook_only_in_the_database(store: Store, shipped: Path) -> None:
    playbooks.save(store, SUP, "branch", MINIMAL_PLAYBOOK, "branch playbook")
    assert "branch" in playbooks.names(store, SUP)
    assert playbooks.current(store, SUP, "branch").version == 1
    with pytest.raises(KeyError, match="no playbook"):
        playbooks.current(store, SUP, "nothing-here")


def test_editing_the_shipped_playbook_changes_only_the_edited_lines(store: Store) -> None:
    """The real default playbook: long lines and blank lines between actions stay as they are."""
    saved = playbooks.set_enabled(store, SUP, "default", "branch-hours", False)
    text = playbooks.diff(store, SUP, "default", 1, saved.version)
    changed = [line for line in text.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert changed == ["+    enabled: false"]
    edited = playbooks.edit_action(
        store, SUP, "default", "refund", ActionEdit(value=0.75, eligibility="min_value: 50")
    )
    text = playbooks.diff(store, SUP, "default", saved.version, edited.version)
    changed = [line for line in text.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert "+    value: 0.75" in changed and "-    value: 0.7" in changed
    assert len(changed) <= 6  # value, and the eligibility block
    refund = loads_playbook(edited.content).action("refund")
    assert refund.eligibility.min_value == 50 and refund.value == 0.75
