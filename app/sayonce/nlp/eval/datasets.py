"""The labelled sets in ``resources/eval``: conversations, intents, entities, PII cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from sayonce.config import resources_dir
from sayonce.nlp.conversation import TurnText
from sayonce.nlp.intent import IntentSpec


def eval_dir(root: Path | None = None) -> Path:
    """Folder of the labelled sets."""
    return root or resources_dir() / "eval"


def _load(name: str, root: Path | None) -> Any:
    return yaml.safe_load((eval_dir(root) / name).read_text(encoding="utf-8"))


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class LabelledConversation:
    """A conversation with its reference summary, outcome and key entities."""

    id: str
    channel: str
    intent: str
    at: datetime
    turns: list[TurnText]
    reference: str
    outcome: str
    entities: list[tuple[str, str]]


def conversations(root: Path | None = None) -> list[LabelledConversation]:
    """Every labelled conversation."""
    out = []
    for item in _load("conversations.yaml", root)["conversations"]:
        if "turns" in item:
            turns = [
                TurnText(seq, *next(iter(turn.items()))) for seq, turn in enumerate(item["turns"])
            ]
        else:
            turns = [TurnText(0, item.get("speaker", "customer"), item["text"])]
        out.append(
            LabelledConversation(
                id=item["id"],
                channel=item["channel"],
                intent=item["intent"],
                at=_when(item["at"]),
                turns=turns,
                reference=item["reference"],
                outcome=item["outcome"],
                entities=[(e["kind"], str(e["value"])) for e in item.get("entities") or []],
            )
        )
    return out


def intents(root: Path | None = None) -> list[IntentSpec]:
    """The intents the utterances are labelled with."""
    return [
        IntentSpec(i["id"], i["description"], tuple(i.get("examples", ())))
        for i in _load("intents.yaml", root)["intents"]
    ]


def intent_utterances(root: Path | None = None) -> list[tuple[str, str]]:
    """(utterance, intent id or "none")."""
    data = _load("intent_utterances.yaml", root)["utterances"]
    return [(text, intent) for intent, texts in data.items() for text in texts]


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    """A sentence, when it was said, and its (kind, value) entities."""

    text: str
    at: datetime
    entities: list[tuple[str, str]]


def entity_sentences(root: Path | None = None) -> list[LabelledSentence]:
    """The labelled entity set."""
    data = _load("entities.yaml", root)
    at = _when(data["at"])
    return [
        LabelledSentence(s["text"], at, [(k, str(v)) for k, v in s.get("entities") or []])
        for s in data["sentences"]
    ]


@dataclass(frozen=True, slots=True)
class HandPiiCase:
    """Hand-written PII case: substrings that must go (with kind) and ones that must stay."""

    text: str
    pii: list[tuple[str, str]]
    keep: list[str]


def pii_cases(root: Path | None = None) -> list[HandPiiCase]:
    """The hand-written PII cases."""
    return [
        HandPiiCase(c["text"], [(k, v) for k, v in c.get("pii") or []], list(c.get("keep") or []))
        for c in _load("pii.yaml", root)["cases"]
    ]
