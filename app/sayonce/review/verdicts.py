"""A supervisor's verdict on a decision: was showing (and taking) this suggestion right?

The verdict is stored on the suggestion (``review_verdict``: ``good`` or ``bad``) and the
engine's learning reads it with agents' decisions and outcomes, so a supervisor marking a
refund suggestion "bad" for a segment lowers it for later calls (see docs/assist.md).
"""

from __future__ import annotations

from enum import StrEnum

from sayonce.privacy.redact import redact
from sayonce.store import ConcurrentEditError, Store, Suggestion
from sayonce.trust.audit import AuditAction, record
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal


class Verdict(StrEnum):
    """A supervisor's judgement of a suggestion and the decision taken on it."""

    GOOD = "good"
    BAD = "bad"


def mark(
    store: Store,
    principal: Principal,
    suggestion_id: int,
    verdict: Verdict | str | None,
    comment: str | None = None,
    *,
    expected_version: int | None = None,
) -> int:
    """Set (or with ``None`` clear) the verdict; return the row's new version.

    Give ``expected_version`` (the version the supervisor was looking at) to refuse to
    overwrite a verdict someone else gave in the meantime.
    """
    require(principal, Permission.REVIEW_SUGGESTIONS)
    value = None if verdict is None else Verdict(verdict).value
    text = redact(comment.strip())[:1000] if comment and comment.strip() else None
    with store.write() as session:
        suggestion = session.get(Suggestion, suggestion_id)
        if suggestion is None:
            raise KeyError(f"There is no suggestion {suggestion_id}.")
        if expected_version is not None and suggestion.version != expected_version:
            raise ConcurrentEditError(
                "Someone else reviewed this suggestion since you opened it; reload and retry."
            )
        suggestion.review_verdict = value
        suggestion.review_comment = text if value else None
        suggestion.reviewed_by = principal.agent_id if value else None
        session.flush()
        record(
            session,
            principal,
            AuditAction.REVIEW,
            "suggestion",
            suggestion_id,
            {"verdict": value, "commented": text is not None},
        )
        return suggestion.version
