"""Property-based fuzzing of the importers: whatever the file, no crash and no partial write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sayonce.intake.importer import ImportOptions, import_file
from sayonce.intake.mapping import ColumnMapping
from sayonce.store import Customer, Interaction, Order, Store, Turn, open_store

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_VALID_INTERACTION: dict[str, Any] = {
    "type": "interaction",
    "id": "I-1",
    "customer": {"phone": "+14155550101"},
    "channel": "call",
    "started_at": "2026-03-06T16:30:00Z",
    "turns": [{"speaker": "customer", "text": "hello"}],
}
_VALID_ORDER: dict[str, Any] = {
    "type": "order",
    "id": "O-1",
    "customer": "CU-1",
    "placed_at": "2026-03-01T10:00:00Z",
    "total": "12.50",
}

# Values that are wrong somewhere: wrong types, huge, empty, odd dates and unicode.
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(min_size=1, max_size=5).map(lambda t: t * 20_000),  # oversized
    st.sampled_from(
        ["2026-02-30T10:00:00Z", "2026-13-01", "yesterday", "0000-01-01T00:00:00", "\ud800x"]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}")
    yield store
    store.dispose()


def _counts(store: Store) -> dict[str, int]:
    with store.read() as s:
        return {
            model.__tablename__: int(s.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Customer, Interaction, Turn, Order)
        }


def _check_all_or_nothing(store: Store, path: Path, options: ImportOptions | None = None) -> None:
    before = _counts(store)
    report = import_file(store, path, options)  # must not raise, whatever the file holds
    after = _counts(store)
    if not report.written:
        assert after == before, "a file that was not written left rows behind"
        assert report.problems
        return
    created = report.by_type.get("interaction")
    expected = before["interactions"] + (created.created if created else 0)
    assert after["interactions"] == expected
    if report.problems:
        assert options is not None and options.skip_invalid


@FUZZ
@given(raw=st.binary(max_size=2_000))
def test_arbitrary_bytes_never_crash_or_half_write(
    fuzz_store: Store, tmp_path: Path, raw: bytes
) -> None:
    path = tmp_path / "random.jsonl"
    path.write_bytes(raw)
    _check_all_or_nothing(fuzz_store, path)


@FUZZ
@given(
    base=st.sampled_from([_VALID_INTERACTION, _VALID_ORDER]),
    field=st.sampled_from(
        ["id", "customer", "channel", "started_at", "turns", "total", "placed_at", "extra", "type"]
    ),
    value=odd_values,
    good_before=st.integers(min_value=0, max_value=3),
    skip=st.booleans(),
)
def test_one_mutated_record_among_good_ones(
    fuzz_store: Store,
    tmp_path: Path,
    base: dict[str, Any],
    field: str,
    value: Any,
    good_before: int,
    skip: bool,
) -> None:
    stamp = tmp_path.name + str(abs(hash((field, repr(value), good_before))))
    records = [{**base, "id": f"{stamp}-{n}"} for n in range(good_before)]
    records.append({**base, "id": f"{stamp}-bad", field: value})
    path = tmp_path / "mutated.jsonl"
    try:
        text = "".join(json.dumps(r) + "\n" for r in records)
    except (ValueError, TypeError):
        return
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _check_all_or_nothing(fuzz_store, path, ImportOptions(skip_invalid=skip, source="fuzz"))


@FUZZ
@given(
    cells=st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=6), min_size=1, max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_random_csv_never_crashes(
    fuzz_store: Store, tmp_path: Path, cells: list[list[str]], delimiter: str
) -> None:
    path = tmp_path / "random.csv"
    lines = ["id,name,phone,birthday"] + [delimiter.join(row) for row in cells]
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    mapping = ColumnMapping(type="customer", delimiter=",")
    _check_all_or_nothing(fuzz_store, path, ImportOptions(mapping=mapping, source="csvfuzz"))


def test_a_huge_line_is_refused_without_reading_it_all(fuzz_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(b'{"type": "interaction", "id": "x", "text": "' + b"a" * 3_000_000 + b'"}\n')
    report = import_file(fuzz_store, path)
    (problem,) = report.problems
    assert problem.line == 1 and "line too long" in problem.message
