"""Playbooks: the actions an agent may take, loaded from YAML and validated.

Every error names the file, the line and the field (``default.yaml:12: actions[3]
(refund).risk: ...``), so whoever edits a playbook can fix it without reading code.
Line numbers come from the YAML node tree (``yaml.compose``), which keeps each node's mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from sayonce.config import resources_dir

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", min_length=1, max_length=64)
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Risk = Literal["low", "medium", "high"]
Disposition = Literal[
    "resolved", "follow-up needed", "escalated", "information given", "no action needed"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Count(_Strict):
    """An inclusive range of counts, e.g. ``{min: 1}``."""

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class RecentOrders(_Strict):
    """At least ``min`` orders placed in the last ``within_days`` (optionally in a status)."""

    within_days: int = Field(default=30, ge=1, le=3650)
    min: int = Field(default=1, ge=1)
    status: list[str] = Field(default_factory=list)


class RecentContacts(_Strict):
    """At least ``min`` contacts in ``within_days`` about ``about`` (default: the action)."""

    within_days: int = Field(default=7, ge=1, le=3650)
    min: int = Field(default=1, ge=1)
    about: list[Slug] = Field(default_factory=list)


class Rules(_Strict):
    """Eligibility over customer data; every rule given must hold (AND)."""

    tier: list[str] = Field(default_factory=list)
    segment: list[str] = Field(default_factory=list)
    min_value: float | None = None
    max_value: float | None = None
    min_potential: float | None = None
    consent: list[Literal["personalization", "marketing"]] = Field(default_factory=list)
    opted_out: bool | None = None
    open_cases: Count | None = None
    recent_orders: RecentOrders | None = None
    birthday_within_days: int | None = Field(default=None, ge=0, le=366)
    nps_detractor: bool | None = None
    nps_promoter: bool | None = None
    min_tenure_days: int | None = Field(default=None, ge=0)
    recent_contacts: RecentContacts | None = None
    no_survey_within_days: int | None = Field(default=None, ge=1)
    known_customer: bool | None = None

    def is_empty(self) -> bool:
        """True when no rule is set (everyone is eligible)."""
        return not self.model_dump(exclude_defaults=True)


class Step(_Strict):
    """One step of a guided flow; ``condition`` limits it to some customers."""

    id: Slug
    title: Text
    condition: Rules | None = None
    examples: list[Text] = Field(default_factory=list)


class ContactPolicy(_Strict):
    """Offer an action at most ``max`` times in ``days`` days to the same customer."""

    max: int = Field(ge=1)
    days: int = Field(ge=1, le=3650)


class Action(_Strict):
    """Something an agent can do for the customer, with when and for whom it fits."""

    id: Slug
    title: Text
    description: Text
    examples: list[Text] = Field(default_factory=list)
    intents: list[Slug] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    eligibility: Rules = Field(default_factory=Rules)
    value: float = Field(default=0.5, ge=0.0, le=1.0)
    risk: Risk = "low"
    contact_policy: ContactPolicy | None = None
    personalized: bool = False
    proactive: bool | Rules = False
    disposition: Disposition | None = None
    enabled: bool = True

    @property
    def proactive_rules(self) -> Rules | None:
        """Rules under which to suggest the action unprompted (``None``: only when relevant).

        ``proactive: true`` means "whenever it is eligible", so the eligibility rules must say
        something; ``proactive: {rules}`` adds rules of its own.
        """
        if isinstance(self.proactive, Rules):
            return self.proactive
        if self.proactive and not self.eligibility.is_empty():
            return Rules()
        return None

    @property
    def needs_approval(self) -> bool:
        """High-risk actions wait for a supervisor."""
        return self.risk == "high"

    @property
    def topics(self) -> tuple[str, ...]:
        """The intents this action answers (its own id first)."""
        return (self.id, *[i for i in self.intents if i != self.id])


class Playbook(_Strict):
    """A named, versioned list of actions."""

    name: Slug = "default"
    version: int | None = Field(default=None, ge=1)
    description: str = ""
    actions: list[Action] = Field(min_length=1)

    @property
    def enabled_actions(self) -> list[Action]:
        """Actions that may be suggested."""
        return [a for a in self.actions if a.enabled]

    def action(self, action_id: str) -> Action:
        """The action with this id (``KeyError`` if there is none)."""
        for candidate in self.actions:
            if candidate.id == action_id:
                return candidate
        raise KeyError(action_id)


class PlaybookError(ValueError):
    """A playbook that cannot be used; ``problems`` holds one ``file:line: field: msg`` each."""

    def __init__(self, problems: Sequence[str]) -> None:
        """Keep every problem; the message lists them all."""
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_playbook(path: str | Path) -> Playbook:
    """Read and validate a playbook file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError([f"{file}: cannot read the playbook: {exc}"]) from exc
    return loads_playbook(text, source=str(file))


def loads_playbook(text: str, source: str = "<playbook>") -> Playbook:
    """Validate playbook YAML given as a string (the supervisor's editor uses this)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise PlaybookError([f"{source}:{line}: not valid YAML: {exc.problem}"]) from exc
    except yaml.YAMLError as exc:
        raise PlaybookError([f"{source}: not valid YAML: {exc}"]) from exc
    if root is None or not isinstance(data, dict):
        raise PlaybookError([f"{source}:1: a playbook is a mapping with an 'actions' list"])
    problems = _duplicate_keys(root, source)
    if problems:
        raise PlaybookError(problems)
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        raise PlaybookError(_describe(exc, root, data, source)) from exc
    problems = _duplicate_ids(playbook, root, data, source)
    if problems:
        raise PlaybookError(problems)
    return playbook


def dump_playbook(playbook: Playbook) -> str:
    """YAML text of ``playbook`` (defaults left out), loadable by :func:`loads_playbook`."""
    data = playbook.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def default_playbook_path() -> Path:
    """The playbook shipped with the app."""
    return resources_dir() / "playbooks" / "default.yaml"


def load_default_playbook() -> Playbook:
    """The shipped retail/subscription playbook."""
    return load_playbook(default_playbook_path())


# --- error reporting -------------------------------------------------------------------------


def _describe(exc: ValidationError, root: yaml.Node, data: Any, source: str) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = _trim_loc(error["loc"])
        line = _line_of(root, loc, missing=error["type"] == "missing")
        problems.append(f"{source}:{line}: {_field_name(loc, data)}: {error['msg']}")
    return problems


def _trim_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # pydantic appends the union member or constraint name to some locations; drop them
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith(("function-", "str["))))


def _line_of(root: yaml.Node, loc: Sequence[int | str], *, missing: bool = False) -> int:
    """1-based line of the field at ``loc`` (or of its nearest existing parent)."""
    node: yaml.Node | None = root
    line = root.start_mark.line
    for part in loc[:-1] if missing else loc:
        found = _child(node, part) if node is not None else None
        if found is None:
            break
        line, node = found
    return line + 1


def _child(node: yaml.Node, part: int | str) -> tuple[int, yaml.Node] | None:
    """The line where ``part`` starts (a mapping key's own line) and its value node."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return key.start_mark.line, value
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item: yaml.Node = node.value[part]
        return item.start_mark.line, item
    return None


def _field_name(loc: Sequence[int | str], data: Any) -> str:
    """``actions[3] (refund).steps[0].title``: indexes plus the action id where known."""
    name = ""
    current = data
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
            current = current[part] if isinstance(current, list) and part < len(current) else None
            if isinstance(current, dict) and isinstance(current.get("id"), str):
                name += f" ({current['id']})"
        else:
            name += f".{part}" if name else str(part)
            current = current.get(part) if isinstance(current, dict) else None
    return name or "playbook"


def _duplicate_keys(node: yaml.Node, source: str) -> list[str]:
    # yaml.safe_load keeps the last of two equal keys silently; an editor's typo would vanish
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                line = key.start_mark.line + 1
                problems.append(f"{source}:{line}: {key.value}: the key is given twice")
            seen.add(key.value)
            problems += _duplicate_keys(value, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            problems += _duplicate_keys(item, source)
    return problems


def _duplicate_ids(playbook: Playbook, root: yaml.Node, data: Any, source: str) -> list[str]:
    problems = []
    seen: set[str] = set()
    for i, action in enumerate(playbook.actions):
        loc: tuple[int | str, ...] = ("actions", i, "id")
        if action.id in seen:
            where = f"{source}:{_line_of(root, loc)}: {_field_name(loc, data)}"
            problems.append(f"{where}: another action already has the id {action.id!r}")
        seen.add(action.id)
        step_ids: set[str] = set()
        for j, step in enumerate(action.steps):
            loc = ("actions", i, "steps", j, "id")
            if step.id in step_ids:
                where = f"{source}:{_line_of(root, loc)}: {_field_name(loc, data)}"
                problems.append(f"{where}: another step of {action.id!r} has the id {step.id!r}")
            step_ids.add(step.id)
    return problems
