"""Read import files line by line into raw records, naming the line of anything unreadable.

Nothing here raises on bad content: a line that is not UTF-8, not JSON, too long or a CSV
row that cannot be parsed becomes a :class:`RawRecord` with an ``error``. Memory stays flat
however large the file: lines are read with a size bound and never all at once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sayonce.intake.mapping import ColumnMapping, MappingError

MAX_LINE_BYTES = 2_000_000  # one record; a call's transcript fits with room to spare
MAX_CSV_FIELD = 1_000_000
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read: its first line, its data, or why it could not be read."""

    line: int
    data: dict[str, Any] | None
    text: str  # the record as written (for the reject file)
    error: str | None = None
    field: str = ""
    payload: bytes | None = None  # the undecoded line, when decoding is left to a worker


class FileLevelError(ValueError):
    """The file as a whole cannot be read (missing, unreadable, no header...)."""

    def __init__(self, message: str, line: int = 0) -> None:
        """``message`` says what is wrong, ``line`` where (0: the file itself)."""
        super().__init__(message)
        self.line = line


def _bounded_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes)``; ``None`` for a line longer than the bound (skipped)."""
    number = 0
    while True:
        chunk = stream.readline(MAX_LINE_BYTES + 1)
        if not chunk:
            return
        number += 1
        if number == 1 and chunk.startswith(_BOM):
            chunk = chunk[len(_BOM) :]
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        yield number, chunk


def decode_line(chunk: bytes) -> tuple[str, str | None]:
    """The text of a line, and an error when it is not UTF-8."""
    try:
        return chunk.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        text = chunk.decode("utf-8", "replace")
        bad = chunk[exc.start]
        return text, f"not valid UTF-8 (byte 0x{bad:02x} at byte {exc.start + 1} of the line)"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def decode_json(text: str) -> tuple[Any, str | None]:
    """The JSON value of ``text``, or an error message."""
    try:
        return (
            json.loads(text, parse_constant=_no_constants),
            None,
        )
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        return None, "not valid JSON: nested too deeply"
    except ValueError as exc:
        return None, f"not valid JSON: {exc}"


def read_jsonl(path: Path, *, decode: bool = True) -> Iterator[RawRecord]:
    """Every non-blank line of a JSON Lines file (left as bytes unless ``decode``)."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise FileLevelError(f"cannot open: {exc.strerror or exc}") from exc
    with stream:
        for number, chunk in _bounded_lines(stream):
            if chunk is None:
                yield RawRecord(number, None, "", f"line too long (over {MAX_LINE_BYTES} bytes)")
                continue
            if not decode:
                if chunk.strip():
                    yield RawRecord(number, None, "", payload=chunk)
                continue
            text, problem = decode_line(chunk)
            if not text.strip():
                continue
            if problem:
                yield RawRecord(number, None, text.rstrip("\r\n"), problem)
                continue
            data, problem = decode_json(text)
            if problem is None and not isinstance(data, dict):
                problem = "expected a JSON object (a record) on each line"
            yield RawRecord(number, data if problem is None else None, text.rstrip("\r\n"), problem)


class _LineFeed:
    """Decoded lines for ``csv.reader``, counting lines and remembering undecodable ones."""

    def __init__(self, stream: BinaryIO) -> None:
        self._lines = _bounded_lines(stream)
        self.count = 0
        self.bad: list[tuple[int, str, str]] = []
        self.consumed: list[str] = []

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        number, chunk = next(self._lines)
        self.count = number
        if chunk is None:
            self.bad.append((number, "", f"line too long (over {MAX_LINE_BYTES} bytes)"))
            return ""
        text, problem = decode_line(chunk)
        if problem:
            self.bad.append((number, text.rstrip("\r\n"), problem))
            return ""
        self.consumed.append(text)
        return text


def _nest(fields: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for name, value in fields.items():
        head, dot, tail = name.partition(".")
        if dot:
            inner = nested.setdefault(head, {})
            if isinstance(inner, dict):
                inner[tail] = value
        else:
            nested[name] = value
    return nested


def read_csv(path: Path, mapping: ColumnMapping) -> Iterator[RawRecord]:
    """Every data row of a CSV file, as a record through ``mapping``."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise FileLevelError(f"cannot open: {exc.strerror or exc}") from exc
    csv.field_size_limit(MAX_CSV_FIELD)
    with stream:
        feed = _LineFeed(stream)
        reader = csv.reader(feed, delimiter=mapping.delimiter, strict=True)
        header = _header(path, reader, feed)
        try:
            columns = mapping.fields_for(header)
        except MappingError as exc:
            raise FileLevelError(str(exc), 1) from exc
        yield from _rows(reader, feed, columns, mapping)


def _header(path: Path, reader: Any, feed: _LineFeed) -> list[str]:
    try:
        header: list[str] = next(reader)
    except StopIteration:
        raise FileLevelError("empty file (expected a header row)") from None
    except csv.Error as exc:
        raise FileLevelError(f"cannot read the header: {exc}", 1) from exc
    if feed.bad:
        raise FileLevelError(f"header: {feed.bad[0][2]}", feed.bad[0][0])
    return header


def _rows(
    reader: Any, feed: _LineFeed, columns: dict[str, int], mapping: ColumnMapping
) -> Iterator[RawRecord]:
    while True:
        start, feed.consumed = feed.count + 1, []
        row: list[str] | None = None
        problem = None
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = f"not valid CSV: {exc}"
        finally:
            bad, feed.bad = feed.bad, []
        for number, text, why in bad:
            yield RawRecord(number, None, text, why)
        text = "".join(feed.consumed).rstrip("\r\n")
        if problem or row is None:
            yield RawRecord(start, None, text, problem or "not valid CSV")
        elif any(cell.strip() for cell in row):
            yield _row_record(start, row, columns, mapping, text)


def _row_record(
    line: int, row: list[str], columns: dict[str, int], mapping: ColumnMapping, text: str
) -> RawRecord:
    if not mapping.columns and len(row) > len(columns):
        return RawRecord(line, None, text, f"has {len(row)} cells, the header {len(columns)}")
    fields: dict[str, Any] = {}
    if mapping.type:
        fields["type"] = mapping.type
    if mapping.source:
        fields["source"] = mapping.source
    fields.update(mapping.values)
    for name, index in columns.items():
        if index < len(row) and row[index].strip():
            fields[name] = row[index]
    return RawRecord(line, _nest(fields), text)
