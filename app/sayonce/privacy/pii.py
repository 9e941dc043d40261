"""What counts as PII, where it was found, and which kinds a site wants redacted."""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

ENV_VAR = "SAYONCE_REDACT"


class PiiKind(enum.StrEnum):
    """Kinds of personal data the redactor finds; the value is the placeholder's label."""

    CARD = "CARD"
    SSN = "SSN"
    ACCOUNT = "ACCOUNT"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"


# When two findings overlap the more sensitive one wins (a card inside a "phone" match is a card).
PRIORITY: dict[PiiKind, int] = {
    PiiKind.CARD: 6,
    PiiKind.SSN: 5,
    PiiKind.ACCOUNT: 4,
    PiiKind.EMAIL: 3,
    PiiKind.PHONE: 2,
    PiiKind.ADDRESS: 1,
}


@dataclass(frozen=True, slots=True)
class Span:
    """One finding: ``text[start:end]`` is PII of ``kind`` (the text itself is not kept)."""

    kind: PiiKind
    start: int
    end: int

    @property
    def placeholder(self) -> str:
        """What replaces the span, e.g. ``[CARD]``."""
        return f"[{self.kind.value}]"


@dataclass(frozen=True, slots=True)
class RedactionPolicy:
    """Which kinds to redact and how far back to look for context words ("card", "routing")."""

    kinds: frozenset[PiiKind] = frozenset(PiiKind)
    context_chars: int = 40

    def __post_init__(self) -> None:
        """Card numbers are always redacted: PCI DSS forbids storing them in the clear."""
        if PiiKind.CARD not in self.kinds:
            object.__setattr__(self, "kinds", self.kinds | {PiiKind.CARD})

    @classmethod
    def parse(cls, value: str) -> RedactionPolicy:
        """Read ``"all"``, ``"card,ssn,email"`` or ``"all,-address"`` (case-insensitive)."""
        kinds: set[PiiKind] = set()
        for raw in value.split(","):
            word = raw.strip().upper()
            if not word:
                continue
            if word == "ALL":
                kinds |= set(PiiKind)
            elif word.startswith("-") and word[1:] in PiiKind.__members__:
                kinds.discard(PiiKind(word[1:]))
            elif word in PiiKind.__members__:
                kinds.add(PiiKind(word))
            else:
                log.warning("%s: unknown PII kind %r ignored", ENV_VAR, raw.strip())
        return cls(kinds=frozenset(kinds))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RedactionPolicy:
        """The policy named by ``SAYONCE_REDACT`` (default: every kind)."""
        value = (os.environ if env is None else env).get(ENV_VAR, "").strip()
        return cls.parse(value) if value else cls()
