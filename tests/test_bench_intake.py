"""Smoke test of the intake benchmarks at a tiny size: they run and report sane figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from sayonce.bench import Context
from sayonce.bench import intake as bench


def test_intake_benchmarks_run_and_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "IMPORT_SIZES", (200, 200))
    monkeypatch.setattr(bench, "IDENTITY_SIZES", (2_000, 2_000))
    monkeypatch.setattr(bench, "RECORD_SIZES", (300, 300))
    context = Context(workdir=tmp_path, quick=True)
    imported = list(bench.import_sqlite(context))
    resolved = list(bench.identity_resolve(context))
    timing, rate = imported
    assert timing.unit == "s" and timing.median > 0 and timing.floor and timing.ratio
    assert rate.median == pytest.approx(200 / timing.median)
    (resolve,) = resolved
    assert resolve.median > 0 and resolve.floor and "records/s" in resolve.note


def test_benchmark_data_imports_cleanly(tmp_path: Path) -> None:
    records = list(bench.interaction_records(300))
    assert {r["channel"] for r in records} >= {"call", "chat", "email"}
    assert len({r["id"] for r in records}) == 300
    refs = bench.incoming(100, customers=50)
    assert all(ref.keys for ref in refs)
