"""Write interactions (with their turns), orders, surveys, loyalty, campaign events and cases.

Each batch is written with one bulk ``INSERT`` per table; records already imported (same
``source`` and ``id``) are compared column by column and updated only when something
differs, so importing a file twice changes nothing. Records arrive with their free text
already redacted (:mod:`sayonce.intake.prepare`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from sayonce.identity.bulk import IdAllocator, insert_rows
from sayonce.identity.resolve import Resolver
from sayonce.intake.agents import AgentDirectory
from sayonce.intake.links import LinkIndex, PendingLink
from sayonce.intake.records import (
    CampaignRecord,
    CaseRecord,
    InteractionRecord,
    LoyaltyRecord,
    OrderRecord,
    Record,
    SurveyRecord,
)
from sayonce.intake.transcript import join_turns
from sayonce.store.commerce import CampaignEvent, Case, LoyaltyEvent, Order, SurveyResponse
from sayonce.store.interactions import Embedding, Fact, Interaction, InteractionSummary, Turn

_CHUNK = 500
TABLES: dict[str, Table] = {
    "case": Case.__table__,  # type: ignore[dict-item]
    "interaction": Interaction.__table__,  # type: ignore[dict-item]
    "order": Order.__table__,  # type: ignore[dict-item]
    "survey": SurveyResponse.__table__,  # type: ignore[dict-item]
    "loyalty": LoyaltyEvent.__table__,  # type: ignore[dict-item]
    "campaign": CampaignEvent.__table__,  # type: ignore[dict-item]
}
# Cases first, so interactions in the same batch can link to them; surveys after interactions.
ORDER = ("case", "interaction", "order", "survey", "loyalty", "campaign")
_DERIVED = (InteractionSummary, Fact, Embedding)
_TURNS: Table = Turn.__table__  # type: ignore[assignment]  # NLP results of an interaction's old text


@dataclass(slots=True, eq=False)
class Item:
    """One record on its way into a table."""

    line: int
    record: Record
    source: str
    customer_id: int
    row: dict[str, Any] = field(default_factory=dict)
    turns: list[dict[str, Any]] = field(default_factory=list)
    # (field, column, target table, target external id) of links to other records
    links: list[tuple[str, str, Table, str]] = field(default_factory=list)
    unresolved: list[tuple[str, str, Table, str]] = field(default_factory=list)
    outcome: str = ""
    row_id: int | None = None


def _order_row(rec: OrderRecord) -> dict[str, Any]:
    items = [item.model_dump(mode="json", exclude_none=True) for item in rec.items]
    return {
        "number": rec.number or rec.id,
        "placed_at": rec.placed_at,
        "status": rec.status,
        "total": rec.total,
        "currency": rec.currency.upper(),
        "items": json.dumps(items, sort_keys=True, ensure_ascii=False),
    }


def _survey_row(rec: SurveyRecord) -> dict[str, Any]:
    return {
        "kind": rec.kind,
        "score": rec.score,
        "comment": rec.comment,
        "responded_at": rec.responded_at,
    }


def _loyalty_row(rec: LoyaltyRecord) -> dict[str, Any]:
    return {
        "at": rec.at,
        "kind": rec.kind,
        "tier": rec.tier,
        "points": rec.points,
        "description": rec.description,
    }


def _campaign_row(rec: CampaignRecord) -> dict[str, Any]:
    return {"at": rec.at, "campaign": rec.campaign, "kind": rec.kind, "channel": rec.channel}


def _case_row(rec: CaseRecord) -> dict[str, Any]:
    return {
        "number": rec.number or rec.id,
        "title": rec.title,
        "status": rec.status,
        "priority": rec.priority,
        "opened_at": rec.opened_at,
        "closed_at": rec.closed_at,
    }


_BUILDERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "order": _order_row,
    "survey": _survey_row,
    "loyalty": _loyalty_row,
    "campaign": _campaign_row,
    "case": _case_row,
}


class ActivityWriter:
    """Writes everything but customers, inside the import's transaction."""

    def __init__(self, session: Session, resolver: Resolver, ids: IdAllocator) -> None:
        """Write through ``session``; ``resolver`` tells which profiles are one person."""
        self.session = session
        self.resolver = resolver
        self.ids = ids
        self.links = LinkIndex(session)
        self.agents = AgentDirectory(session)

    def write(self, items: list[Item]) -> None:
        """Write ``items`` (customers already resolved); set each item's ``outcome``."""
        for kind in ORDER:
            group = [item for item in items if item.record.type == kind]
            if group:
                self._write_group(TABLES[kind], group)

    def finish(self) -> list[PendingLink]:
        """Make the links deferred to the end of the file; return those that failed."""
        return self.links.finish()

    # -- one table -----------------------------------------------------------------------

    def _write_group(self, table: Table, items: list[Item]) -> None:
        for item in items:
            self._build(item)
        self._resolve_links(items)
        existing = self._existing(table, items)
        new: list[Item] = []
        changed: list[Item] = []
        for item in items:
            stored = existing.get((item.source, item.record.id))
            if stored is None:
                item.outcome = "created"
                new.append(item)
            elif self._differs(item, stored):
                item.outcome = "updated"
                changed.append(item)
            else:
                item.outcome = "skipped"
        self._insert(table, new)
        self._update(table, changed, existing)
        for item in items:
            for field_name, column, target, ext in item.unresolved:
                assert item.row_id is not None
                self.links.defer(
                    PendingLink(
                        item.line, field_name, table, column, item.row_id, target, item.source, ext
                    )
                )

    def _build(self, item: Item) -> None:
        rec = item.record
        if isinstance(rec, InteractionRecord):
            self._build_interaction(item, rec)
        else:
            item.row = _BUILDERS[rec.type](rec)
        if isinstance(rec, SurveyRecord) and rec.interaction:
            link = ("interaction", "interaction_id", TABLES["interaction"], rec.interaction)
            item.links.append(link)
        item.row.update(source=item.source, external_id=rec.id, customer_id=item.customer_id)

    def _resolve_links(self, items: list[Item]) -> None:
        wanted: dict[Table, set[tuple[str, str]]] = {}
        for item in items:
            for _field, _column, target, ext in item.links:
                wanted.setdefault(target, set()).add((item.source, ext))
        for target, keys in wanted.items():
            self.links.prefetch(target, keys)
        for item in items:
            for link in item.links:
                found = self.links.get(link[2], item.source, link[3])
                item.row[link[1]] = found
                if found is None:
                    item.unresolved.append(link)

    def _build_interaction(self, item: Item, rec: InteractionRecord) -> None:
        turns = [(t.speaker, t.text) for t in rec.turns]
        item.turns = [
            {
                "seq": n,
                "speaker": t.speaker,
                "text": text,
                "offset_ms": t.offset_ms,
                "at": t.at,  # a turn given by offset keeps only its offset
            }
            for n, (t, (_, text)) in enumerate(zip(rec.turns, turns, strict=True))
        ]
        body = join_turns(turns) if turns else rec.text or ""
        item.row = {
            "channel": rec.channel,
            "direction": rec.direction,
            "started_at": rec.started_at,
            "ended_at": rec.ended_at,
            "agent_id": self.agents.id_for(rec.agent) if rec.agent else None,
            "subject": rec.subject,
            "body": body,
            "disposition": rec.disposition,
        }
        if rec.case:
            item.links.append(("case", "case_id", TABLES["case"], rec.case))

    def _existing(self, table: Table, items: list[Item]) -> dict[tuple[str, str], dict[str, Any]]:
        columns = [table.c.id, *(table.c[name] for name in items[0].row)]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        by_source: dict[str, list[str]] = {}
        for item in items:
            by_source.setdefault(item.source, []).append(item.record.id)
        for source, exts in by_source.items():
            for start in range(0, len(exts), _CHUNK):
                query = select(*columns).where(
                    table.c.source == source, table.c.external_id.in_(exts[start : start + _CHUNK])
                )
                for row in self.session.execute(query):
                    found[(source, row.external_id)] = dict(row._mapping)
        return found

    def _differs(self, item: Item, stored: dict[str, Any]) -> bool:
        item.row_id = stored["id"]
        if self.resolver.root(stored["customer_id"]) == self.resolver.root(item.customer_id):
            item.row["customer_id"] = stored["customer_id"]  # same person: keep merges intact
        for _field, column, _target, _ext in item.unresolved:
            item.row[column] = stored.get(column)  # not known yet: leave the stored link alone
        return any(stored.get(k) != v for k, v in item.row.items())

    # -- writing -------------------------------------------------------------------------

    def _insert(self, table: Table, items: list[Item]) -> None:
        if not items:
            return
        for item, row_id in zip(items, self.ids.take(table, len(items)), strict=True):
            item.row_id = row_id
            item.row["id"] = row_id
            self.links.remember(table, item.source, item.record.id, row_id)
        # executemany wants the same keys in every row; only optional links can be missing
        keys = set().union(*(item.row for item in items))
        rows = [{key: item.row.get(key) for key in keys} for item in items]
        insert_rows(self.session, table, rows)
        self._insert_turns([i for i in items if i.turns])

    def _insert_turns(self, items: list[Item]) -> None:
        # the turn dicts are this import's own: fill in the parent id in place, no copies
        for item in items:
            for turn in item.turns:
                turn["interaction_id"] = item.row_id
        insert_rows(self.session, _TURNS, [turn for item in items for turn in item.turns])

    def _update(
        self, table: Table, items: list[Item], existing: dict[tuple[str, str], dict[str, Any]]
    ) -> None:
        for item in items:
            stored = existing[(item.source, item.record.id)]
            changes = {k: v for k, v in item.row.items() if stored.get(k) != v}
            values = dict(changes)
            if "version" in table.c:
                values["version"] = table.c.version + 1
            self.session.execute(update(table).where(table.c.id == item.row_id).values(values))
        if table.name == "interactions" and items:
            ids = [item.row_id for item in items]
            for model in (Turn, *_DERIVED):
                self.session.execute(delete(model).where(model.interaction_id.in_(ids)))
            self._insert_turns([i for i in items if i.turns])
