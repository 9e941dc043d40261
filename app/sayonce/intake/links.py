"""Records that point at other records by their id in the same source: cases and interactions.

An interaction may name its ``case``, a survey the ``interaction`` it is about. The target
may already be in the database, earlier in the import, or later in the same file: a link
that cannot be made yet is retried when the file ends. A link that never resolves is a
warning, not a rejection: the record is imported without it, and importing the file that
holds the target later makes the link (the record then counts as updated).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class PendingLink:
    """``table.column`` of row ``row_id`` should point at ``target``'s row (source, id)."""

    line: int
    field: str
    table: Table
    column: str
    row_id: int
    target: Table
    source: str
    external_id: str


class LinkIndex:
    """(table, source, external id) → row id, cached per import."""

    def __init__(self, session: Session) -> None:
        """Look ids up through ``session``."""
        self.session = session
        self._ids: dict[tuple[str, str, str], int | None] = {}
        self.pending: list[PendingLink] = []

    def remember(self, table: Table, source: str, external_id: str, row_id: int) -> None:
        """Note a row written by this import."""
        self._ids[(table.name, source, external_id)] = row_id

    def prefetch(self, table: Table, keys: set[tuple[str, str]]) -> None:
        """Load the ids of ``(source, external_id)`` rows of ``table`` not known yet."""
        by_source: dict[str, list[str]] = {}
        for source, ext in keys:
            if (table.name, source, ext) not in self._ids:
                by_source.setdefault(source, []).append(ext)
        for source, exts in by_source.items():
            for ext in exts:
                self._ids[(table.name, source, ext)] = None
            for start in range(0, len(exts), _CHUNK):
                query = select(table.c.external_id, table.c.id).where(
                    table.c.source == source, table.c.external_id.in_(exts[start : start + _CHUNK])
                )
                for ext, row_id in self.session.execute(query):
                    self._ids[(table.name, source, ext)] = row_id

    def get(self, table: Table, source: str, external_id: str) -> int | None:
        """The row id, if known (call :meth:`prefetch` first)."""
        return self._ids.get((table.name, source, external_id))

    def defer(self, link: PendingLink) -> None:
        """Try ``link`` again when the file ends."""
        self.pending.append(link)

    def finish(self) -> list[PendingLink]:
        """Make every deferred link that now resolves; return those that still do not."""
        for target in {link.target for link in self.pending}:
            wanted = {(ln.source, ln.external_id) for ln in self.pending if ln.target is target}
            stale = {k for k in wanted if self._ids.get((target.name, *k)) is None}
            for key in stale:
                self._ids.pop((target.name, *key), None)
            self.prefetch(target, stale)
        missing = []
        for link in self.pending:
            found = self.get(link.target, link.source, link.external_id)
            if found is None:
                missing.append(link)
                continue
            self.session.execute(
                update(link.table)
                .where(link.table.c.id == link.row_id)
                .values({link.column: found})
            )
        self.pending = []
        return missing
