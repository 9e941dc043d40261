"""Live intake events pushed by telephony/CTI and chat systems (one JSON object per line).

``call_started {call_id, from, to, at, customer?, channel?}``,
``utterance {call_id, speaker, text, at | offset_ms, final?}``,
``action {call_id, action_id, step_id?}``, ``call_ended {call_id, at}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from sayonce.intake.fields import describe, field_path


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    call_id: str = Field(min_length=1, max_length=128)


class CallStarted(_Event):
    """A call (or chat) reached an agent."""

    type: Literal["call_started"] = "call_started"
    from_: str = Field(alias="from", max_length=320)
    to: str | None = Field(default=None, max_length=320)
    at: datetime
    customer: str | None = Field(default=None, max_length=128)
    channel: Literal["call", "chat"] = "call"
    agent: str | None = Field(default=None, max_length=64)


class Utterance(_Event):
    """One thing said, by the customer or the agent."""

    type: Literal["utterance"] = "utterance"
    speaker: Literal["customer", "agent", "bot", "system"]
    text: str = Field(max_length=10_000)
    at: datetime | None = None
    offset_ms: int | None = Field(default=None, ge=0)
    final: bool = True


class ActionTaken(_Event):
    """The agent did an action (or a guided step) of the playbook."""

    type: Literal["action"] = "action"
    action_id: str = Field(min_length=1, max_length=64)
    step_id: str | None = Field(default=None, max_length=64)


class CallEnded(_Event):
    """The call is over."""

    type: Literal["call_ended"] = "call_ended"
    at: datetime


IntakeEvent = Annotated[
    CallStarted | Utterance | ActionTaken | CallEnded, Field(discriminator="type")
]
_ADAPTER: TypeAdapter[CallStarted | Utterance | ActionTaken | CallEnded] = TypeAdapter(IntakeEvent)


class EventError(ValueError):
    """A malformed event; the message names the line and field."""


def parse_event(
    line: str, *, where: str = "<event>"
) -> CallStarted | Utterance | ActionTaken | CallEnded:
    """Parse one JSON line into an event, or raise :class:`EventError` naming what is wrong."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EventError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    try:
        event = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        if loc and loc[0] == (data.get("type") if isinstance(data, dict) else None):
            loc = loc[1:]  # the discriminator's tag: the event type, not a field
        field = field_path(loc) or "type"
        raise EventError(f"{where}: field {field!r}: {describe(first)}") from exc
    for stamp in ("at",):
        value = getattr(event, stamp, None)
        if isinstance(value, datetime) and value.tzinfo is None:
            event = event.model_copy(update={stamp: value.replace(tzinfo=UTC)})
    return event
