"""Acceptance and outcome rates per action, agent and segment; CSV export (both backends)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from sayonce.review import analytics, export
from sayonce.review.analytics import TAKEN, Dimension
from sayonce.review.queue import QueueFilter
from sayonce.store import AuditEvent, Store, Suggestion
from tests.review_data import SEGMENTS, SPECS, T0, Seeded, seed

# The suggestion shown to the merged duplicate of customer 0 (see review_data.seed).
DUP = ("replace-card", 0, 0, "accepted", "success", None, 50)
ALL = [*SPECS, DUP]


@pytest.fixture
def seeded(store: Store) -> Seeded:
    return seed(store)


def _expected(key_of: object, specs: list[tuple]) -> dict[str, tuple[int, int, int, int, int]]:
    shown: Counter[str] = Counter()
    taken: Counter[str] = Counter()
    dismissed: Counter[str] = Counter()
    ok: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for spec in specs:
        key = key_of(spec)  # type: ignore[operator]
        shown[key] += 1
        taken[key] += spec[3] in TAKEN
        dismissed[key] += spec[3] == "dismissed"
        ok[key] += spec[3] in TAKEN and spec[4] == "success"
        failed[key] += spec[3] in TAKEN and spec[4] == "failure"
    return {k: (shown[k], taken[k], dismissed[k], ok[k], failed[k]) for k in shown}


def _got(rows: list[analytics.Rates]) -> dict[str, tuple[int, int, int, int, int]]:
    return {r.label: (r.shown, r.taken, r.dismissed, r.succeeded, r.failed) for r in rows}


def test_rates_per_action(store: Store, seeded: Seeded) -> None:
    rows = analytics.rates(store, seeded.supervisor, Dimension.ACTION)
    assert _got(rows) == _expected(lambda s: s[0], ALL)
    card = next(r for r in rows if r.key == "replace-card")
    assert card.acceptance_rate == pytest.approx(card.taken / card.shown)
    assert card.outcome_rate == pytest.approx(2 / 3)  # two successes, one failure
    assert [r.shown for r in rows] == sorted((r.shown for r in rows), reverse=True)


def test_rates_per_agent_and_segment(store: Store, seeded: Seeded) -> None:
    by_agent = analytics.rates(store, seeded.supervisor, "agent")
    assert _got(by_agent) == _expected(lambda s: f"Agent {s[1]}", ALL)
    by_segment = analytics.rates(store, seeded.supervisor, "segment")
    assert _got(by_segment) == _expected(lambda s: SEGMENTS[s[2]] or "(none)", ALL)


def test_rates_over_a_date_range(store: Store, seeded: Seeded) -> None:
    first_day = analytics.rates(
        store, seeded.supervisor, Dimension.ACTION, T0, T0 + timedelta(days=1)
    )
    assert _got(first_day) == _expected(lambda s: s[0], [s for s in ALL if s[6] < 24 * 60])
    total = analytics.overall(store, seeded.supervisor, T0, T0 + timedelta(days=1))
    assert total.shown == sum(r.shown for r in first_day)
    nothing = analytics.rates(store, seeded.supervisor, "action", T0 - timedelta(days=9), T0)
    assert nothing == []


def test_queue_export_matches_the_queue_and_is_audited(
    store: Store, seeded: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "exports" / "queue.csv"
    out.parent.mkdir()
    filters = QueueFilter(action_id="refund")
    count = export.export_queue(store, seeded.supervisor, out, filters)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) == sum(1 for s in SPECS if s[0] == "refund")
    assert {r["action_id"] for r in rows} == {"refund"}
    assert "Customer 0" not in out.read_text()  # refs, not names
    with store.read() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "report.export"))
    assert '"rows":3' in event.detail and '"action_id":"refund"' in event.detail
    assert list(out.parent.iterdir()) == [out]  # no partial file left behind


def test_export_neutralizes_spreadsheet_formulas(
    store: Store, seeded: Seeded, tmp_path: Path
) -> None:
    with store.write() as s:
        row = s.get(Suggestion, seeded.suggestion_ids[1])
        assert row is not None
        row.decision_reason = '=HYPERLINK("http://evil","click")'
    out = tmp_path / "queue.csv"
    export.export_queue(store, seeded.supervisor, out)
    with out.open(newline="", encoding="utf-8") as handle:
        reasons = [r["decision_reason"] for r in csv.DictReader(handle)]
    assert '\'=HYPERLINK("http://evil","click")' in reasons
    assert not any(r.startswith("=") for r in reasons)


def test_rates_export(store: Store, seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "rates.csv"
    count = export.export_rates(store, seeded.supervisor, out, "segment")
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) == len({SEGMENTS[s[2]] for s in ALL})
    loyal = next(r for r in rows if r["label"] == "loyal")
    expected = _expected(lambda s: SEGMENTS[s[2]] or "(none)", ALL)["loyal"]
    assert int(loyal["shown"]) == expected[0]
    assert float(loyal["acceptance_rate"]) == pytest.approx(expected[1] / expected[0], abs=1e-4)
