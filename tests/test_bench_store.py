"""Store benchmarks run at a tiny scale and report sane figures."""

from __future__ import annotations

from pathlib import Path

from sayonce.bench import Context, Result
from sayonce.bench.store import customer_lookup, demo_generation, large_database, open_large


def _by_name(results: list[Result]) -> dict[str, Result]:
    return {r.name: r for r in results}


def test_store_benchmarks_report_medians_p95s_and_floors(tmp_path: Path) -> None:
    ctx = Context(workdir=tmp_path, scale=400, quick=True)

    rate = list(demo_generation(ctx))
    assert len(rate) == 1 and rate[0].unit == "inter/s" and rate[0].median > 0

    opened = _by_name(list(open_large(ctx)))
    database = large_database(ctx)
    assert database.exists()
    first = opened["open 400-interaction SQLite + first query"]
    assert first.floor and first.floor > 0 and first.p95 and first.p95 >= first.median
    assert opened["400-interaction SQLite file size"].median > 0
    assert "this run" in opened["generate 400-interaction demo (one run)"].note

    lookups = _by_name(list(customer_lookup(ctx)))
    for kind in ("phone", "email", "id"):
        for path in ("find_customers", "store query"):
            result = lookups[f"{path} by {kind} at 400 interactions"]
            assert result.target == "p95 <= 5 ms"
            assert result.p95 is not None and result.p95 >= result.median > 0
            assert result.ratio is not None and result.ratio > 0
            assert "not found" not in result.note  # every sampled identity is found


def test_the_large_database_is_generated_once_and_reused(tmp_path: Path) -> None:
    ctx = Context(workdir=tmp_path, scale=300, quick=True)
    path = large_database(ctx)
    built = path.stat().st_mtime_ns
    again = Context(workdir=tmp_path, scale=300, quick=True)
    assert large_database(again) == path and path.stat().st_mtime_ns == built
    assert "large_generated" not in again.cache
    bigger = Context(workdir=tmp_path, scale=350, quick=True)
    assert large_database(bigger) != path
