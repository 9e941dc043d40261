"""What an import did: counts per outcome and record type, problems, and the reject file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OUTCOMES = ("created", "updated", "merged", "skipped", "rejected")


@dataclass(slots=True)
class Counts:
    """How many records were created, updated, merged into a profile, skipped or rejected."""

    created: int = 0
    updated: int = 0
    merged: int = 0
    skipped: int = 0
    rejected: int = 0

    def add(self, outcome: str, count: int = 1) -> None:
        """Count ``count`` more records with ``outcome``."""
        setattr(self, outcome, getattr(self, outcome) + count)

    def plus(self, other: Counts) -> Counts:
        """The sum of two counts."""
        return Counts(*(getattr(self, o) + getattr(other, o) for o in OUTCOMES))

    @property
    def total(self) -> int:
        """Every record counted."""
        return sum(getattr(self, o) for o in OUTCOMES)


@dataclass(frozen=True, slots=True)
class Problem:
    """A bad record (or file): where it is and what is wrong."""

    file: str
    line: int
    message: str
    field: str = ""
    text: str = ""  # the record as written, for the reject file

    def __str__(self) -> str:
        """``crm.jsonl:17: field 'started_at': impossible date '2026-02-30'``."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = f"field {self.field!r}: {self.message}" if self.field else self.message
        return f"{where}: {what}"


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """A record whose identities matched several profiles; the rule chose one."""

    line: int
    chosen: str  # ref of the profile the record was attached to
    candidates: tuple[str, ...]  # refs of every matching profile


@dataclass(slots=True)
class FileReport:
    """The outcome of importing one file (written whole, or not at all)."""

    file: str
    written: bool = False
    counts: Counts = field(default_factory=Counts)
    by_type: dict[str, Counts] = field(default_factory=dict)
    new_profiles: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    ambiguous: list[Ambiguity] = field(default_factory=list)
    rejects_file: str | None = None
    whole_file: bool = False  # the problem is the file itself (unreadable, no header, database)

    def count(self, record_type: str, outcome: str, count: int = 1) -> None:
        """Count records of ``record_type`` with ``outcome``."""
        self.counts.add(outcome, count)
        self.by_type.setdefault(record_type, Counts()).add(outcome, count)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``--json``); the records' own text is left out."""
        return {
            "file": self.file,
            "written": self.written,
            "counts": asdict(self.counts),
            "by_type": {k: asdict(v) for k, v in self.by_type.items()},
            "new_profiles": self.new_profiles,
            "problems": [
                {"line": p.line, "field": p.field, "message": p.message, "text": str(p)}
                for p in self.problems
            ],
            "warnings": [{"line": w.line, "field": w.field, "text": str(w)} for w in self.warnings],
            "ambiguous": [asdict(a) for a in self.ambiguous],
            "rejects_file": self.rejects_file,
            "whole_file": self.whole_file,
        }


def rejects_path(source: Path) -> Path:
    """Where the rejects of ``source`` go: ``crm.jsonl`` → ``crm.jsonl.rejects.jsonl``."""
    return source.with_name(source.name + ".rejects.jsonl")


def write_rejects(path: Path, problems: list[Problem]) -> None:
    """One JSON object per rejected record: line, field, error and the record as written."""
    with path.open("w", encoding="utf-8") as out:
        for p in sorted(problems, key=lambda p: p.line):
            row = {"line": p.line, "field": p.field, "error": p.message, "record": p.text}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
