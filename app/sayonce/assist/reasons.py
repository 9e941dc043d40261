"""Why a suggestion is shown (its reasons, with evidence) and why an agent dismissed one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class DismissReason(StrEnum):
    """What an agent picks when dismissing a suggestion; learning weighs each differently."""

    NOT_RELEVANT = "not relevant"
    CUSTOMER_DECLINED = "customer declined"
    ALREADY_DONE = "already done"
    NOT_ELIGIBLE = "not eligible"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for a suggestion: readable text, its weight, and what it rests on.

    ``kind`` is ``said`` (the conversation), ``profile`` (customer data), ``history``
    (earlier contacts, orders, cases), ``learning`` (feedback) or ``policy``. ``quote`` is the
    whole (redacted) utterance behind a ``said`` reason: learning reads it back later.
    """

    text: str
    kind: str
    weight: float | None = None
    evidence: str | None = None
    quote: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain dict for JSON (Suggestion.reasons, the CLI)."""
        return {k: v for k, v in asdict(self).items() if v is not None}
