"""CSV export of the review queue and of the analytics, audited.

The file is written beside its destination under a temporary name and only renamed into place
once the export is in the audit log, so no export exists that the log does not know about.
Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) are quoted with a
leading apostrophe: an agent's dismiss reason must not become a formula on a manager's PC.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sayonce.review.analytics import Dimension, rates
from sayonce.review.queue import QueueFilter, QueueRow, read_page
from sayonce.store import Store
from sayonce.trust.audit import record
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

EXPORT_ACTION = "report.export"
QUEUE_HEADER = (
    "suggestion_id",
    "shown_at",
    "call_id",
    "action_id",
    "step_id",
    "agent",
    "customer_ref",
    "segment",
    "status",
    "decision_reason",
    "outcome",
    "score",
    "risk",
    "verdict",
)
RATES_HEADER = (
    "key",
    "label",
    "shown",
    "taken",
    "dismissed",
    "approved",
    "rejected",
    "succeeded",
    "failed",
    "acceptance_rate",
    "outcome_rate",
    "good_verdicts",
    "bad_verdicts",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """``value`` as CSV text a spreadsheet will not evaluate."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float):
        return f"{value:.4f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _queue_rows(store: Store, filters: QueueFilter, batch: int = 1000) -> Iterator[QueueRow]:
    after = None
    while True:
        with store.read() as session:
            page = read_page(session, filters, after, batch)
        yield from page.rows
        if page.next_cursor is None:
            return
        after = page.next_cursor


def _queue_line(row: QueueRow) -> tuple[Any, ...]:
    return (
        row.id,
        row.shown_at,
        row.call_id,
        row.action_id,
        row.step_id,
        row.agent_name,
        row.customer_ref,
        row.segment,
        row.status,
        row.decision_reason,
        row.outcome,
        row.score,
        row.risk,
        row.verdict,
    )


def _write(
    path: Path, header: tuple[str, ...], lines: Iterable[tuple[Any, ...]]
) -> tuple[Path, int]:
    temporary = path.with_name(f".{path.name}.partial")
    count = 0
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for line in lines:
            writer.writerow([safe_cell(value) for value in line])
            count += 1
    return temporary, count


def _publish(
    store: Store, principal: Principal, temporary: Path, path: Path, detail: dict[str, Any]
) -> None:
    try:
        with store.write() as session:
            record(session, principal, EXPORT_ACTION, "report", detail["kind"], detail)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def export_queue(
    store: Store, principal: Principal, path: Path, filters: QueueFilter | None = None
) -> int:
    """Write the suggestions matching ``filters`` to ``path``; return how many rows."""
    require(principal, Permission.REVIEW_SUGGESTIONS)
    require(principal, Permission.EXPORT_REPORTS)
    scope = filters or QueueFilter()
    lines = (_queue_line(row) for row in _queue_rows(store, scope))
    temporary, count = _write(path, QUEUE_HEADER, lines)
    _publish(
        store,
        principal,
        temporary,
        path,
        {"kind": "review_queue", "rows": count, "filters": scope.describe()},
    )
    return count


def export_rates(
    store: Store,
    principal: Principal,
    path: Path,
    by: Dimension | str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Write acceptance and outcome rates per ``by`` to ``path``; return how many rows."""
    require(principal, Permission.EXPORT_REPORTS)
    found = rates(store, principal, by, since, until)
    lines = (
        (
            r.key,
            r.label,
            r.shown,
            r.taken,
            r.dismissed,
            r.approved,
            r.rejected,
            r.succeeded,
            r.failed,
            r.acceptance_rate,
            r.outcome_rate,
            r.good,
            r.bad,
        )
        for r in found
    )
    temporary, count = _write(path, RATES_HEADER, lines)
    period = {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    detail = {"kind": f"rates_by_{Dimension(by).value}", "rows": count, **period}
    _publish(store, principal, temporary, path, detail)
    return count
