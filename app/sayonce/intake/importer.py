"""Import files of interchange records: each file in one transaction, written whole or not at all.

Records are read and validated one by one and written in batches (bulk inserts, identity
lookups cached per batch) inside a single transaction per file. By default any bad record
stops the writing (validation still runs to the end, so every problem is listed) and the
transaction is rolled back: nothing of the file is written. With ``skip_invalid`` the good
records are committed and the bad ones go to ``FILE.rejects.jsonl`` with their reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sayonce.identity.bulk import IdAllocator
from sayonce.identity.normalize import DEFAULT_REGION
from sayonce.identity.resolve import Resolver
from sayonce.intake.activity import ActivityWriter, Item
from sayonce.intake.files import FileLevelError, RawRecord, read_csv, read_jsonl
from sayonce.intake.mapping import ColumnMapping
from sayonce.intake.prepare import Prepared, prepared, worker_count
from sayonce.intake.profiles import ProfileWriter
from sayonce.intake.records import CustomerRecord, OwnedRecord, Record
from sayonce.intake.report import Ambiguity, FileReport, Problem, rejects_path, write_rejects
from sayonce.store.bulk_load import relaxed_gc
from sayonce.store.customers import Customer
from sayonce.store.engine import Store
from sayonce.trust import audit
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

_NOT_A_SOURCE = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read and write the files."""

    skip_invalid: bool = False
    source: str | None = None  # default source of records that name none
    mapping: ColumnMapping = field(default_factory=ColumnMapping)  # for CSV files
    tz: tzinfo = UTC  # zone of timestamps written without one
    region: str = DEFAULT_REGION  # country of phone numbers written without a country code
    batch_size: int = 2_000
    file_format: str | None = None  # "jsonl" or "csv"; by the file's extension otherwise
    principal: Principal = field(default_factory=lambda: Principal.system("importer"))
    workers: int | None = None  # processes preparing records; None: by file size and CPUs


class _Abandon(Exception):
    """Roll the file's transaction back."""


def default_source(path: Path, options: ImportOptions) -> str:
    """``--source``, else the mapping's source, else the file's name without extension."""
    chosen = options.source or options.mapping.source or path.stem
    return _NOT_A_SOURCE.sub("-", chosen).strip("-")[:64] or "import"


def read_records(path: Path, options: ImportOptions) -> Iterator[RawRecord]:
    """The raw records of ``path`` (JSON Lines lines left undecoded, or CSV rows)."""
    kind = options.file_format or ("csv" if path.suffix.lower() in {".csv", ".tsv"} else "jsonl")
    if kind == "csv":
        mapping = options.mapping
        if path.suffix.lower() == ".tsv" and mapping.delimiter == ",":
            mapping = mapping.updated(delimiter="\t")
        return read_csv(path, mapping)
    return read_jsonl(path, decode=False)


def import_files(
    store: Store, paths: Iterable[Path], options: ImportOptions | None = None
) -> list[FileReport]:
    """Import each file in its own transaction; one report per file."""
    return [import_file(store, path, options or ImportOptions()) for path in paths]


def import_file(store: Store, path: Path, options: ImportOptions | None = None) -> FileReport:
    """Import one file: all of it, or (with problems and no ``skip_invalid``) nothing."""
    options = options or ImportOptions()
    require(options.principal, Permission.IMPORT_DATA)
    report = FileReport(str(path))
    try:
        with relaxed_gc(), store.write() as session:
            run = _FileRun(session, report, options, default_source(path, options))
            workers = options.workers
            if workers is None:
                workers = worker_count(path.stat().st_size if path.is_file() else 0)
            for item in prepared(read_records(path, options), run.context, workers):
                run.take(item)
            run.finish()
            if report.problems and not options.skip_invalid:
                raise _Abandon
            run.audit()
        report.written = True
    except _Abandon:
        _nothing_written(report)
    except FileLevelError as exc:
        report.problems.append(Problem(str(path), exc.line, str(exc)))
        report.whole_file = True
        _nothing_written(report)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        problem = f"the database refused the import, nothing was written: {reason}"
        report.problems.append(Problem(str(path), 0, problem))
        report.whole_file = True
        _nothing_written(report)
    _write_rejects(path, report, options)
    return report


def _nothing_written(report: FileReport) -> None:
    rejected = 0 if report.whole_file else sum(1 for p in report.problems if p.line)
    report.counts.__init__(rejected=rejected)  # type: ignore[misc]
    report.by_type.clear()
    report.new_profiles = 0
    report.ambiguous.clear()
    report.written = False


def _write_rejects(path: Path, report: FileReport, options: ImportOptions) -> None:
    target = rejects_path(path)
    if not options.skip_invalid or report.whole_file:
        return
    records = [p for p in report.problems if p.line]
    try:
        if records:
            write_rejects(target, records)
            report.rejects_file = str(target)
        elif target.exists():
            target.unlink()  # an old list would now be wrong
    except OSError as exc:
        report.warnings.append(Problem(str(target), 0, f"cannot write the reject file: {exc}"))


class _FileRun:
    """The state of one file's import: its batch, caches and what has been seen."""

    def __init__(
        self, session: Session, report: FileReport, options: ImportOptions, source: str
    ) -> None:
        self.session = session
        self.report = report
        self.options = options
        self.source = source
        self.context = {"tz": options.tz, "region": options.region}
        ids = IdAllocator(session)
        self.resolver = Resolver(session, source=source, ids=ids)
        self.profiles = ProfileWriter(session, self.resolver)
        self.activity = ActivityWriter(session, self.resolver, ids)
        self.seen: dict[tuple[str, str, str], int] = {}
        self.batch: list[tuple[RawRecord, Record, str]] = []
        self.ambiguous: list[tuple[int, int, tuple[int, ...]]] = []

    @property
    def writing(self) -> bool:
        """False once a problem means the file will be rolled back anyway."""
        return self.options.skip_invalid or not self.report.problems

    def problem(self, raw: RawRecord, message: str, field_name: str = "") -> None:
        """Record a bad record."""
        self.report.problems.append(
            Problem(self.report.file, raw.line, message, field_name, raw.text)
        )

    def take(self, item: Prepared) -> None:
        """Queue one prepared record for writing (or note why it is bad)."""
        raw, record = item.raw, item.record
        if record is None:
            field_name, message = item.issues[0] if item.issues else ("", "unreadable")
            more = f" (and {len(item.issues) - 1} more)" if len(item.issues) > 1 else ""
            self.problem(raw, message + more, field_name)
            return
        source = record.source or self.source
        key = (record.type, source, record.id)
        first = self.seen.setdefault(key, raw.line)
        if first != raw.line:
            self.problem(raw, f"duplicate id {record.id!r} (first on line {first})", "id")
            return
        if self.writing:
            self.batch.append((raw, record, source))
            if len(self.batch) >= self.options.batch_size:
                self.flush()

    def flush(self) -> None:
        """Write the queued batch."""
        batch, self.batch = self.batch, []
        if not self.writing:
            return
        people = [(raw, rec, src) for raw, rec, src in batch if isinstance(rec, CustomerRecord)]
        if people:
            self._people(people)
        others = [(raw, rec, src) for raw, rec, src in batch if not isinstance(rec, CustomerRecord)]
        items = self._resolve(others)
        self.resolver.flush()
        if self.writing:
            self.activity.write(items)
            for item in items:
                self.report.count(item.record.type, item.outcome)

    def _people(self, people: Sequence[tuple[RawRecord, CustomerRecord, str]]) -> None:
        applied = self.profiles.apply([(rec, src) for _, rec, src in people])
        for (raw, _, _), result in zip(people, applied, strict=True):
            if result.outcome == "rejected":
                self.problem(raw, result.error or "rejected", "customer")
                continue
            self.report.count("customer", result.outcome)
            if result.candidates and result.customer_id is not None:
                self.ambiguous.append((raw.line, result.customer_id, result.candidates))

    def _resolve(self, others: Sequence[tuple[RawRecord, OwnedRecord, str]]) -> list[Item]:
        refs = [rec.customer.to_ref(src) for _, rec, src in others]
        self.resolver.prefetch(refs)
        items = []
        for (raw, rec, src), ref in zip(others, refs, strict=True):
            self.resolver.source = src
            found = self.resolver.resolve(ref)
            if found.error or found.customer_id is None:
                self.problem(raw, found.error or "no customer", "customer")
                continue
            self.report.new_profiles += found.created
            if found.candidates:
                self.ambiguous.append((raw.line, found.customer_id, found.candidates))
            items.append(Item(raw.line, rec, src, found.customer_id))
        return items

    def finish(self) -> None:
        """Write the last batch, make deferred links, and name the ambiguous matches."""
        self.flush()
        self.report.counts.rejected = sum(1 for p in self.report.problems if p.line)
        if not self.writing:
            return
        for link in self.activity.finish():
            message = (
                f"no {link.target.name[:-1]} with id {link.external_id!r} in source "
                f"{link.source!r}: imported without this link"
            )
            self.report.warnings.append(Problem(self.report.file, link.line, message, link.field))
        self._name_ambiguities()

    def _name_ambiguities(self) -> None:
        ids = {i for _, chosen, cands in self.ambiguous for i in (chosen, *cands)}
        refs = dict(
            self.session.execute(
                select(Customer.id, Customer.ref).where(Customer.id.in_(ids))
            ).all()
        )
        for line, chosen, candidates in self.ambiguous:
            names = tuple(refs.get(c, str(c)) for c in candidates)
            self.report.ambiguous.append(Ambiguity(line, refs.get(chosen, str(chosen)), names))

    def audit(self) -> None:
        """One audit event for the file (counts only: the log holds no personal data)."""
        counts = self.report.counts
        detail = {
            "source": self.source,
            "created": counts.created,
            "updated": counts.updated,
            "merged": counts.merged,
            "skipped": counts.skipped,
            "rejected": len(self.report.problems),
            "new_profiles": self.report.new_profiles,
        }
        principal = self.options.principal
        audit.record(self.session, principal, audit.AuditAction.IMPORT, "import", None, detail)
