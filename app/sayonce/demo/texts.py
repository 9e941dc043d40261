"""Channel-appropriate text: templates with alternatives, filled with a contact's details.

Templates come from resources/demo/storylines.yaml. They are passed through the redactor once,
when loaded; the values filled in (order numbers, products, amounts, agents' first names,
weekdays, store names) are never PII, so the stored text is redaction-clean by construction.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sayonce.demo.seeds import SeedError
from sayonce.privacy.redact import redact

SPEAKER_LABELS = {"customer": "Customer", "agent": "Agent", "bot": "Bot"}

# Every slot a template may use; a template naming another one is a seed error.
SLOTS = frozenset(
    {
        "agent",
        "owner",
        "company",
        "order",
        "product",
        "sku",
        "amount",
        "days",
        "next_day",
        "case",
        "store",
        "tier",
        "points",
        "order_date",
        "fee",
        "offer",
    }
)

Alternatives = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TurnTemplate:
    """One utterance of a call or chat: who says it, what (alternatives), and how likely."""

    speaker: str
    text: Alternatives
    p: float = 1.0


def alternatives(value: Any, where: str) -> Alternatives:
    """A template field as a tuple of redaction-clean alternatives."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(item, str) for item in items):
        raise SeedError(f"{where}: expected text or a list of texts")
    for item in items:
        check_slots(item, where)
    return tuple(redact(item.strip()) for item in items)


def check_slots(template: str, where: str) -> None:
    """Refuse a template that names a slot the generator does not fill."""
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name not in SLOTS:
            raise SeedError(f"{where}: unknown slot {{{name}}} (known: {', '.join(sorted(SLOTS))})")


def turn_templates(raw: Sequence[Mapping[str, Any]], where: str) -> tuple[TurnTemplate, ...]:
    """Parse ``[{customer: ..., p: 0.5}, {agent: [...]}]`` into turn templates."""
    turns = []
    for index, item in enumerate(raw):
        speakers = [key for key in item if key in SPEAKER_LABELS]
        if len(speakers) != 1:
            raise SeedError(f"{where} turn {index}: name exactly one of customer/agent/bot")
        text = alternatives(item[speakers[0]], f"{where} turn {index}")
        turns.append(TurnTemplate(speakers[0], text, float(item.get("p", 1.0))))
    return tuple(turns)


def fill(rng: random.Random, options: Alternatives, slots: Mapping[str, str]) -> str:
    """One alternative, chosen by ``rng``, with its slots filled."""
    template = options[0] if len(options) == 1 else rng.choice(options)
    return template.format_map(slots)


def render_turns(
    rng: random.Random, templates: Sequence[TurnTemplate], slots: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The ``(speaker, text)`` turns of one call or chat; optional turns may be left out."""
    return [
        (t.speaker, fill(rng, t.text, slots)) for t in templates if t.p >= 1.0 or rng.random() < t.p
    ]


def transcript(turns: Sequence[tuple[str, str]]) -> str:
    """The interaction body of a call or chat: one ``Speaker: text`` line per turn."""
    return "\n".join(f"{SPEAKER_LABELS[speaker]}: {text}" for speaker, text in turns)


def web_body(events: Sequence[str]) -> tuple[str, str]:
    """Subject and body of a web or app visit from its page paths and ``app: ...`` events."""
    lines = []
    for event in events:
        if event.startswith("app: "):
            lines.append(f"App: {event[5:]}")
        else:
            lines.append(f"Viewed {event}")
    in_app = all(line.startswith("App:") for line in lines)
    noun = "App session" if in_app else "Web visit"
    count = len(lines)
    return f"{noun} ({count} {'event' if in_app else 'page'}{'s' * (count != 1)})", "\n".join(lines)
