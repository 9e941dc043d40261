"""Playbooks load, validate with file:line:field errors, and round-trip through dump."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sayonce.assist.playbook import (
    PlaybookError,
    dump_playbook,
    load_default_playbook,
    load_playbook,
    loads_playbook,
)
from tests.assist_support import MINIMAL

VALID_ACTION = """\
  - id: refund
    title: Refund the order
    description: The customer wants their money back.
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PlaybookError) as caught:
        loads_playbook(text, source="pb.yaml")
    return caught.value.problems


def test_minimal_playbook_from_the_issue_loads_with_its_steps() -> None:
    playbook = load_playbook(MINIMAL)
    card = playbook.action("replace-card")
    assert [s.id for s in card.steps] == ["verify-identity", "block-card", "ship-card"]
    assert card.examples == ["I lost my debit card", "my card was stolen"]
    assert playbook.action("branch-hours").steps == []


def test_default_playbook_covers_what_the_product_brief_lists() -> None:
    ids = {a.id for a in load_default_playbook().actions}
    wanted = {
        "loyalty-recognition", "late-payment-leniency", "return-leniency", "outage-help",
        "unlock-account", "birthday-offer", "retention-offer", "refund", "escalation",
        "feedback-request", "replace-card", "delivery-problem", "address-change",
        "branch-hours", "billing-dispute",
    }  # fmt: skip
    assert wanted <= ids


def test_default_playbook_marks_risky_and_personalized_actions() -> None:
    playbook = load_default_playbook()
    assert playbook.action("refund").needs_approval
    assert playbook.action("retention-offer").needs_approval
    assert playbook.action("birthday-offer").personalized
    assert not playbook.action("branch-hours").needs_approval


def test_a_wrong_value_names_file_line_and_field() -> None:
    text = "actions:\n" + VALID_ACTION + "    risk: huge\n"
    assert problems(text) == [
        "pb.yaml:5: actions[0] (refund).risk: Input should be 'low', 'medium' or 'high'"
    ]


def test_an_unknown_field_is_reported_at_its_line() -> None:
    text = "actions:\n" + VALID_ACTION + "    colour: red\n"
    [problem] = problems(text)
    assert problem.startswith("pb.yaml:5: actions[0] (refund).colour:")


def test_a_missing_field_points_at_the_action() -> None:
    text = "actions:\n  - id: refund\n    title: Refund\n"
    [problem] = problems(text)
    assert problem.startswith("pb.yaml:2: actions[0] (refund).description: Field required")


def test_nested_errors_in_steps_and_rules_name_the_path() -> None:
    text = (
        "actions:\n" + VALID_ACTION + "    steps:\n      - {id: ok, title: Fine}\n"
        "      - {id: Bad Id, title: Nope}\n"
        "    eligibility:\n      birthday_within_days: -3\n"
    )
    found = problems(text)
    assert any(p.startswith("pb.yaml:7: actions[0] (refund).steps[1] (Bad Id).id:") for p in found)
    assert any(
        p.startswith("pb.yaml:9: actions[0] (refund).eligibility.birthday_within_days:")
        for p in found
    )


def test_duplicate_action_and_step_ids_are_refused() -> None:
    text = (
        "actions:\n" + VALID_ACTION + VALID_ACTION.replace("refund\n", "refund\n", 1)
        + "    steps:\n      - {id: a, title: A}\n      - {id: a, title: Again}\n"
    )  # fmt: skip
    found = problems(text)
    assert any("pb.yaml:5:" in p and "already has the id 'refund'" in p for p in found)
    assert any("pb.yaml:10:" in p and "has the id 'a'" in p for p in found)


def test_a_key_given_twice_is_an_error_not_silently_dropped() -> None:
    text = "actions:\n" + VALID_ACTION + "    title: Another title\n"
    assert problems(text) == ["pb.yaml:5: title: the key is given twice"]


def test_broken_yaml_says_where() -> None:
    [problem] = problems("actions:\n  - id: refund\n    title: [unclosed\n")
    assert problem.startswith("pb.yaml:4: not valid YAML")


def test_an_empty_or_non_mapping_document_is_refused() -> None:
    assert problems("")[0].startswith("pb.yaml:1:")
    assert problems("- just a list\n")[0].startswith("pb.yaml:1:")


def test_a_missing_file_is_a_playbook_error(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="cannot read"):
        load_playbook(tmp_path / "nope.yaml")


def test_dump_round_trips_the_default_playbook() -> None:
    playbook = load_default_playbook()
    assert loads_playbook(dump_playbook(playbook)) == playbook


def test_dump_leaves_defaults_out() -> None:
    text = dump_playbook(load_playbook(MINIMAL))
    assert "risk" not in text and "enabled" not in text
    assert "verify-identity" in text


def test_proactive_takes_true_or_rules() -> None:
    text = "actions:\n" + VALID_ACTION + "    proactive:\n      recent_contacts: {within_days: 2}\n"
    action = loads_playbook(text).action("refund")
    assert action.proactive_rules is not None
    assert action.proactive_rules.recent_contacts is not None
    # `true` with no eligibility rules would suggest the action to everyone: it means nothing
    bare = loads_playbook("actions:\n" + VALID_ACTION + "    proactive: true\n")
    assert bare.action("refund").proactive_rules is None


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("actions:-{}[]id title\n  #'\"0123456789")), max_size=120)
)
def test_any_text_gives_a_playbook_or_a_playbook_error(text: str) -> None:
    try:
        loads_playbook(text, source="fuzz.yaml")
    except PlaybookError as exc:
        assert all(p.startswith("fuzz.yaml") for p in exc.problems)
