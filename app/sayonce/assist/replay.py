"""Replaying a recorded call (a JSON-lines file of intake events) through a live session.

The replay drives the very :class:`~sayonce.assist.session.LiveSession` the desktop uses; its
clock follows the events (``call_started.at`` plus each utterance's ``offset_ms``), so a
replay of last month's call judges eligibility and contact policies as of that call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sayonce.assist.customer_context import (
    CaseFact,
    ContactFact,
    CustomerContext,
    OrderFact,
)
from sayonce.assist.session import Event, LiveSession
from sayonce.assist.views import AssistUpdate
from sayonce.intake.events import CallStarted, EventError, Utterance, parse_event
from sayonce.nlp.intent import TextEncoder


def read_events(path: str | Path) -> list[Event]:
    """Parse a JSON-lines events file; blank lines are skipped, errors name file and line."""
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EventError(f"{file}: cannot read the events: {exc}") from exc
    return [
        parse_event(line, where=f"{file}:{number}")
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]


class ReplayClock:
    """A clock that shows the recorded call's time, not the wall clock's."""

    def __init__(self, start: datetime | None = None) -> None:
        """Start at ``start`` (or at the first ``call_started``)."""
        self.start = start
        self.now = start

    def follow(self, event: Event) -> None:
        """Move to ``event``'s time."""
        if isinstance(event, CallStarted):
            self.start = self.now = event.at
        elif isinstance(event, Utterance) and event.at is not None:
            self.now = event.at
        elif isinstance(event, Utterance) and event.offset_ms is not None and self.start:
            self.now = self.start + timedelta(milliseconds=event.offset_ms)
        elif hasattr(event, "at"):
            self.now = event.at

    def __call__(self) -> datetime:
        """The replayed time."""
        if self.now is None:
            raise RuntimeError("the replay has not started (no call_started event yet)")
        return self.now


def replay(
    session: LiveSession, events: Iterable[Event], clock: ReplayClock
) -> Iterator[AssistUpdate]:
    """Feed ``events`` to ``session`` one by one, yielding the update after each."""
    for event in events:
        clock.follow(event)
        yield session.handle(event)


class CachingEncoder:
    """An encoder that remembers sentences it has embedded (evaluations replay them often)."""

    def __init__(self, encoder: TextEncoder) -> None:
        """Wrap ``encoder``."""
        self.encoder = encoder
        self.name = encoder.name
        self._cache: dict[str, npt.NDArray[np.float32]] = {}

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Unit vectors for ``texts``, encoding only the ones not seen before."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            self._cache.update(zip(missing, self.encoder.encode(missing), strict=True))
        return np.stack([self._cache[t] for t in texts])


@dataclass(frozen=True, slots=True)
class _Order:
    days_ago: int
    status: str = "delivered"


def context_from_profile(profile: dict[str, Any], start: datetime) -> CustomerContext:
    """A customer snapshot from a replay label's profile (days are relative to ``start``).

    Keys: ``known``, ``tier``, ``segment``, ``value``, ``birthday_in_days``,
    ``customer_for_days``, ``orders`` [{days_ago, status}], ``open_cases`` (a count), ``nps``,
    ``contacts`` [{days_ago, intent}], ``consent_personalization``, ``opted_out``.
    """
    if not profile.get("known", True):
        return CustomerContext()
    orders = [_Order(**o) for o in profile.get("orders", [])]
    nps = profile.get("nps")
    return CustomerContext(
        customer_id=0,
        ref=profile.get("ref", "REPLAY"),
        tier=profile.get("tier"),
        segment=profile.get("segment"),
        value_score=float(profile.get("value", 0.0)),
        birthday=_birthday(profile.get("birthday_in_days"), start.date()),
        customer_since=start - timedelta(days=int(profile.get("customer_for_days", 365))),
        consent_personalization=bool(profile.get("consent_personalization", True)),
        opted_out=bool(profile.get("opted_out", False)),
        open_cases=tuple(
            CaseFact(f"CASE-{n}", "open case", start - timedelta(days=n + 1))
            for n in range(int(profile.get("open_cases", 0)))
        ),
        recent_orders=tuple(
            OrderFact(f"A-{10000 + n}", start - timedelta(days=o.days_ago), o.status, 50.0)
            for n, o in enumerate(orders)
        ),
        latest_nps=(int(nps), start - timedelta(days=20)) if nps is not None else None,
        recent_contacts=tuple(
            ContactFact(start - timedelta(days=c["days_ago"]), "call", c.get("intent"), None)
            for c in profile.get("contacts", [])
        ),
    )


def _birthday(days: int | None, today: date) -> date | None:
    if days is None:
        return None
    day = today + timedelta(days=int(days))
    return day.replace(year=1984)  # a leap year: 29 February is a valid birthday
