"""How the columns of a CSV export map onto interchange fields.

A mapping file (``--map crm.yaml``)::

    type: customer          # the record type of every row
    source: crm             # the system the ids belong to
    columns:                # interchange field: CSV column header
      id: Customer ID
      name: Full Name
      phone: Tel
      customer.email: E-mail   # dotted fields fill nested objects
    values:                 # fixed values for every row
      channel: call
    delimiter: ","
    timezone: Europe/Paris  # for timestamps without a zone
    region: FR              # for phone numbers without a country code

or the same on the command line: ``--type customer --columns "id=Customer ID,name=Full Name"``.
Without a mapping, the header names are the field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sayonce.intake.fields import SourceName, problems


class MappingError(ValueError):
    """A mapping file or ``--columns`` text that cannot be used (the message says why)."""


class _MappingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str | None = None
    source: SourceName | None = None
    columns: dict[str, str] = {}
    values: dict[str, str | int | float | bool] = {}
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    timezone: str | None = None
    region: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Field ← column header, fixed values, and how to read the file."""

    type: str | None = None
    source: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    delimiter: str = ","
    timezone: str | None = None
    region: str | None = None

    @classmethod
    def from_yaml(cls, path: Path) -> ColumnMapping:
        """Read a mapping file; errors name the file and the field."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise MappingError(f"{path}: cannot read the mapping: {exc}") from exc
        try:
            parsed = _MappingFile.model_validate(data)
        except ValidationError as exc:
            where, message = problems(exc)[0]
            raise MappingError(f"{path}: field {where!r}: {message}") from None
        return cls(**parsed.model_dump())

    @staticmethod
    def parse_pairs(spec: str, option: str = "--columns") -> dict[str, str]:
        """``"name=Full Name,phone=Tel"`` → ``{"name": "Full Name", "phone": "Tel"}``."""
        pairs: dict[str, str] = {}
        for part in spec.split(","):
            if not part.strip():
                continue
            name, eq, value = part.partition("=")
            if not eq or not name.strip() or not value.strip():
                raise MappingError(f"{option}: expected field=value pairs, got {part.strip()!r}")
            pairs[name.strip()] = value.strip()
        return pairs

    def updated(self, **changes: Any) -> ColumnMapping:
        """A copy with the given settings replaced (``None`` leaves a setting as it is)."""
        given = {k: v for k, v in changes.items() if v is not None}
        if "columns" in given:
            given["columns"] = {**self.columns, **given["columns"]}
        if "values" in given:
            given["values"] = {**self.values, **given["values"]}
        return replace(self, **given)

    def fields_for(self, header: list[str]) -> dict[str, int]:
        """Field → column index; raise :class:`MappingError` for a header that is missing."""
        index = {name.strip(): i for i, name in enumerate(header)}
        if not self.columns:
            return {name: i for name, i in index.items() if name}
        wanted: dict[str, int] = {}
        for name, column in self.columns.items():
            if column not in index:
                raise MappingError(f"column {column!r} (for field {name!r}) is not in the header")
            wanted[name] = index[column]
        return wanted
