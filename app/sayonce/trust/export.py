"""Privacy request, access: everything SayOnce holds about one person, as one JSON file.

The file's layout is documented in ``docs/trust.md`` and versioned by :data:`SCHEMA_VERSION`.
Every row is exported with all its columns; JSON text columns are nested as JSON.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from sayonce import __version__
from sayonce.store.agents import AuditEvent, Suggestion
from sayonce.store.base import Base, utcnow
from sayonce.store.commerce import (
    CampaignEvent,
    Case,
    LoyaltyEvent,
    Note,
    Order,
    SurveyResponse,
)
from sayonce.store.customers import Customer, Identity, MergeRecord, NeverMerge
from sayonce.store.engine import Store
from sayonce.store.interactions import Embedding, Fact, Interaction, InteractionSummary, Turn
from sayonce.trust.audit import AuditAction, record
from sayonce.trust.permissions import Permission, require
from sayonce.trust.person import person_ids
from sayonce.trust.principal import Principal

SCHEMA_VERSION = "sayonce.export/1"
# Text columns that hold JSON: exported nested, not as strings.
JSON_COLUMNS = {"items", "reasons", "snapshot", "data", "detail"}


def _value(name: str, value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if name in JSON_COLUMNS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def row_dict(row: Base) -> dict[str, Any]:
    """Every column of ``row``, JSON-ready."""
    mapper = inspect(type(row))
    return {c.key: _value(c.key, getattr(row, c.key)) for c in mapper.column_attrs}


def _rows(session: Session, model: type[Base], *conditions: Any) -> list[dict[str, Any]]:
    pk = inspect(model).primary_key[0]
    query = select(model).where(*conditions).order_by(pk)
    return [row_dict(r) for r in session.scalars(query)]


def _interactions(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    out = []
    for row in session.scalars(
        select(Interaction).where(Interaction.customer_id.in_(ids)).order_by(Interaction.id)
    ):
        item = row_dict(row)
        item["turns"] = _rows(session, Turn, Turn.interaction_id == row.id)
        summary = session.get(InteractionSummary, row.id)
        item["analysis"] = row_dict(summary) if summary else None
        out.append(item)
    return out


def _embeddings(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    # The vectors are derived numbers, not readable data: name them, don't dump them.
    rows = session.scalars(select(Embedding).where(Embedding.customer_id.in_(ids)))
    return [
        {
            "interaction_id": e.interaction_id,
            "model": e.model,
            "vectors": e.chunks,
            "dimensions": e.dimensions,
        }
        for e in rows
    ]


def _audit(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    keys = [str(i) for i in ids]
    query = select(AuditEvent).where(
        AuditEvent.target_kind == "customer", AuditEvent.target_id.in_(keys)
    )
    return [row_dict(r) for r in session.scalars(query.order_by(AuditEvent.id))]


def collect(session: Session, principal: Principal, customer_id: int) -> dict[str, Any]:
    """The export document for ``customer_id``'s person (not audited: see :func:`export_person`)."""
    require(principal, Permission.EXPORT_DATA)
    ids = person_ids(session, customer_id)
    pair = (MergeRecord.survivor_id.in_(ids), MergeRecord.absorbed_id.in_(ids))
    return {
        "schema_version": SCHEMA_VERSION,
        "exported_at": utcnow().isoformat(),
        "exported_by": principal.username,
        "sayonce_version": __version__,
        "customer_ids": ids,
        "customers": _rows(session, Customer, Customer.id.in_(ids)),
        "identities": _rows(session, Identity, Identity.customer_id.in_(ids)),
        "interactions": _interactions(session, ids),
        "facts": _rows(session, Fact, Fact.customer_id.in_(ids)),
        "embeddings": _embeddings(session, ids),
        "orders": _rows(session, Order, Order.customer_id.in_(ids)),
        "surveys": _rows(session, SurveyResponse, SurveyResponse.customer_id.in_(ids)),
        "loyalty": _rows(session, LoyaltyEvent, LoyaltyEvent.customer_id.in_(ids)),
        "campaigns": _rows(session, CampaignEvent, CampaignEvent.customer_id.in_(ids)),
        "cases": _rows(session, Case, Case.customer_id.in_(ids)),
        "notes": _rows(session, Note, Note.customer_id.in_(ids)),
        "suggestions": _rows(session, Suggestion, Suggestion.customer_id.in_(ids)),
        "merges": _rows(session, MergeRecord, or_(*pair)),
        "never_merge": _rows(
            session, NeverMerge, or_(NeverMerge.low_id.in_(ids), NeverMerge.high_id.in_(ids))
        ),
        "audit": _audit(session, ids),
    }


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written: where, how much, and the file's checksum (also in the audit log)."""

    path: Path
    customer_ids: list[int]
    counts: dict[str, int]
    sha256: str


def _counts(document: dict[str, Any]) -> dict[str, int]:
    return {k: len(v) for k, v in document.items() if isinstance(v, list) and k != "customer_ids"}


def _write_temp(folder: Path, payload: bytes) -> Path:
    handle, name = tempfile.mkstemp(prefix=".sayonce-export-", suffix=".tmp", dir=folder)
    with os.fdopen(handle, "wb") as out:
        out.write(payload)
        out.flush()
        os.fsync(out.fileno())
    return Path(name)


def export_person(store: Store, principal: Principal, customer_id: int, out: Path) -> ExportResult:
    """Write the export file for ``customer_id``'s person to ``out``; audited.

    The file appears whole or not at all (written aside, renamed into place after the
    audit entry is committed).
    """
    require(principal, Permission.EXPORT_DATA)
    with store.read() as session:
        document = collect(session, principal, customer_id)
    payload = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    digest = hashlib.sha256(payload).hexdigest()
    out = out.expanduser().resolve()
    temp = _write_temp(out.parent, payload)
    ids = document["customer_ids"]
    try:
        with store.write() as session:
            detail = {"customer_ids": ids, "counts": _counts(document), "sha256": digest}
            record(session, principal, AuditAction.EXPORT, "customer", ids[0], detail)
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return ExportResult(out, ids, _counts(document), digest)
