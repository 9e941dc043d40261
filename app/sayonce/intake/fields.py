"""Field types of the interchange format, and errors that name the field in plain words.

Timestamps are ISO 8601 (``2026-03-01T14:05:00Z``); one without a zone is read in the
import's time zone (UTC unless ``--tz`` says otherwise). Dates that cannot exist
(``2026-02-30``) are refused as "impossible" rather than with a parser's message.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo
from pydantic_core import ErrorDetails

_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
MIN_YEAR, MAX_YEAR = 1900, 2200
ECHO = 60  # characters of a bad value quoted back in an error


def _zone(info: ValidationInfo) -> tzinfo:
    context = info.context or {}
    zone = context.get("tz")
    return zone if isinstance(zone, tzinfo) else UTC


def _impossible(text: str) -> str | None:
    match = _DATE_PREFIX.match(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return f"impossible date {match.group(0)!r}"
    return None


def _plausible(value: date) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"implausible year {value.year} (expected {MIN_YEAR}–{MAX_YEAR})")


def parse_timestamp(value: Any, info: ValidationInfo) -> datetime:
    """An aware datetime from ISO 8601 text (or a datetime), in the import's zone if naive."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            problem = _impossible(text)
            raise ValueError(
                problem or f"not a date and time: {clip(text)!r} (use 2026-03-01T14:05:00Z)"
            ) from None
    else:
        raise ValueError(f"expected a date and time as text, got {type_name(value)}")
    _plausible(parsed)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(info))
    return parsed.astimezone(UTC)


def parse_day(value: Any) -> date:
    """A calendar date from ``YYYY-MM-DD`` text (or a date)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            problem = _impossible(text)
            raise ValueError(problem or f"not a date: {clip(text)!r} (use 1985-04-23)") from None
    else:
        raise ValueError(f"expected a date as text, got {type_name(value)}")
    _plausible(parsed)
    return parsed


def as_text_id(value: Any) -> Any:
    """Numbers are accepted as ids (``17`` means ``"17"``); booleans are not."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def split_list(value: Any) -> Any:
    """A list field given as one text (a CSV cell) is split on ``;``."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def blank_to_none(value: Any) -> Any:
    """Empty text means "not given"."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


Timestamp = Annotated[datetime, BeforeValidator(parse_timestamp)]
Day = Annotated[date, BeforeValidator(parse_day)]
ExternalId = Annotated[str, BeforeValidator(as_text_id), Field(min_length=1, max_length=128)]
SourceName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
# The bound sits on the text, not on the optional: a blank becomes None before it is checked.
ShortText = Annotated[Annotated[str, Field(max_length=200)] | None, BeforeValidator(blank_to_none)]


def clip(text: str, limit: int = ECHO) -> str:
    """``text`` cut to ``limit`` characters for quoting in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def type_name(value: Any) -> str:
    """The JSON name of a value's type."""
    names = {dict: "an object", list: "a list", bool: "true/false", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("turns", 3, "text")`` → ``turns[3].text``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def describe(error: ErrorDetails) -> str:
    """One pydantic error in plain words, quoting at most a short piece of the input."""
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "string_too_long" or (kind == "too_long" and isinstance(given, str)):
        size = len(given) if isinstance(given, str) else "?"
        return f"too long ({size} characters, at most {ctx.get('max_length')})"
    if kind == "too_long":
        return f"too many items (at most {ctx.get('max_length')})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in {"literal_error", "enum"}:
        return f"unknown value {clip(str(given))!r}; expected {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        return f"{clip(str(given))!r} is not in the expected form"
    if kind in {"value_error", "assertion_error"}:
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind.startswith(("datetime_", "date_")) and isinstance(given, str):
        impossible = _impossible(given.strip())
        return impossible or f"not a date and time: {clip(given)!r} (use 2026-03-01T14:05:00Z)"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{error['msg'].lower()}, got {type_name(given)} {clip(repr(given))}"
    return str(error["msg"])


def problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Every problem in ``exc`` as ``(field, message)``."""
    return [(field_path(tuple(e["loc"])), describe(e)) for e in exc.errors()]
