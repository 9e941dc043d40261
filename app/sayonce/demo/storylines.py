"""Cross-channel storylines and routine contacts, read from resources/demo/storylines.yaml."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sayonce.demo.seeds import SeedError, read_yaml
from sayonce.demo.texts import Alternatives, TurnTemplate, alternatives, turn_templates
from sayonce.store.interactions import Channel

ORDER_SLOTS = ("{order}", "{amount}", "{order_date}")


@dataclass(frozen=True, slots=True)
class Step:
    """One contact of a storyline, or a routine contact on its own."""

    channel: str
    day: float
    direction: str
    intent: str | None
    sentiment: float | None
    disposition: str | None
    summary: Alternatives
    subject: Alternatives
    body: Alternatives
    turns: tuple[TurnTemplate, ...]
    events: tuple[str, ...]
    p: float
    members_only: bool

    @property
    def needs_order(self) -> bool:
        """Whether the text talks about a particular order."""
        texts = [*self.summary, *self.subject, *self.body, *self.events]
        texts += [text for turn in self.turns for text in turn.text]
        return any(slot in text for text in texts for slot in ORDER_SLOTS)


@dataclass(frozen=True, slots=True)
class Storyline:
    """A few contacts about one problem, days apart, on several channels."""

    id: str
    title: Alternatives
    weight: float
    steps: tuple[Step, ...]
    case: bool
    members_only: bool
    order_status: str | None
    csat: tuple[int, int]

    @property
    def needs_order(self) -> bool:
        """Whether any step talks about a particular order."""
        return any(step.needs_order for step in self.steps)


@dataclass(frozen=True, slots=True)
class Library:
    """Storylines, routine contacts (short, without a case), survey comments, offers."""

    storylines: tuple[Storyline, ...]
    routine: tuple[Storyline, ...]
    comments: Mapping[str, tuple[str, ...]]
    offers: tuple[str, ...]


def parse_step(raw: Mapping[str, Any], where: str) -> Step:
    """One step from its YAML mapping; errors say which storyline and step."""
    channel = raw.get("channel")
    if channel not in {c.value for c in Channel} - {"survey"}:
        raise SeedError(f"{where}: unknown channel {channel!r}")
    direction = raw.get("direction", "inbound")
    if direction not in ("inbound", "outbound"):
        raise SeedError(f"{where}: direction must be inbound or outbound")
    step = Step(
        channel=channel,
        day=float(raw.get("day", 0)),
        direction=direction,
        intent=raw.get("intent"),
        sentiment=raw.get("sentiment"),
        disposition=raw.get("disposition"),
        summary=alternatives(raw.get("summary"), f"{where} summary"),
        subject=alternatives(raw.get("subject"), f"{where} subject"),
        body=alternatives(raw.get("body"), f"{where} body"),
        turns=turn_templates(raw.get("turns") or (), where),
        events=alternatives(raw.get("events"), f"{where} events"),
        p=float(raw.get("p", 1.0)),
        members_only=bool(raw.get("members_only", False)),
    )
    if channel in ("call", "chat") and not step.turns:
        raise SeedError(f"{where}: a {channel} needs turns")
    if channel == "web" and not step.events:
        raise SeedError(f"{where}: a web visit needs events")
    if channel not in ("call", "chat", "web") and not step.body:
        raise SeedError(f"{where}: a {channel} contact needs a body")
    return step


def parse_storyline(raw: Mapping[str, Any], routine: bool = False) -> Storyline:
    """One storyline (or routine contact, with no case) from its YAML mapping."""
    name = str(raw.get("id", "?"))
    where = f"{'routine' if routine else 'storyline'} {name}"
    if "steps" not in raw:  # a routine contact of one step
        raw = {"id": name, "weight": raw.get("weight", 1), "steps": [raw]}
    steps = tuple(parse_step(s, f"{where} step {n}") for n, s in enumerate(raw["steps"]))
    if not steps or steps[0].day != 0 or steps[0].p < 1:
        raise SeedError(f"{where}: the first step must happen, on day 0")
    low, high = raw.get("csat", (1, 5))
    return Storyline(
        id=name,
        title=alternatives(raw.get("title"), f"{where} title"),
        weight=float(raw.get("weight", 1)),
        steps=steps,
        case=bool(raw.get("case", not routine)),
        members_only=bool(raw.get("members_only", False)),
        order_status=raw.get("order_status"),
        csat=(int(low), int(high)),
    )


@functools.cache
def library() -> Library:
    """The storyline library (read and checked once)."""
    data = read_yaml("storylines.yaml")
    comments = data.get("survey_comments") or {}
    return Library(
        storylines=tuple(parse_storyline(s) for s in data["storylines"]),
        routine=tuple(parse_storyline(s, routine=True) for s in data["routine"]),
        comments={band: tuple(texts) for band, texts in comments.items()},
        offers=tuple(data.get("retention_offers") or ("a discount",)),
    )
