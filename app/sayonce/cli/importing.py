"""``sayonce import``: load JSON Lines or CSV files into the history (see docs/interchange.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args

MAX_SHOWN = 20  # problems printed per file; the reject file / --json has them all


def register(sub: Any) -> None:
    """Add the ``import`` subcommand."""
    parser = sub.add_parser(
        "import",
        help="import customers, interactions, orders, surveys... from JSON Lines or CSV",
        description="Import interchange files (JSON Lines; CSV with a column mapping). Each file "
        "is written whole or not at all; importing the same file twice changes nothing.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_db_option(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the good records and list the bad ones in FILE.rejects.jsonl",
    )
    parser.add_argument("--source", help="source of records that name none (default: file name)")
    parser.add_argument("--format", choices=["jsonl", "csv"], help="default: by file extension")
    parser.add_argument("--tz", metavar="ZONE", help="time zone of times without one (default UTC)")
    parser.add_argument("--region", metavar="CC", help="country of phones without a +code (US)")
    csv_group = parser.add_argument_group("CSV")
    csv_group.add_argument("--map", type=Path, metavar="YAML", help="column mapping file")
    csv_group.add_argument("--type", help="record type of every row (customer, interaction...)")
    csv_group.add_argument(
        "--columns", metavar="F=COL,...", help='fields from columns: "id=Customer ID,phone=Tel"'
    )
    csv_group.add_argument("--set", metavar="F=VALUE,...", help='fixed fields: "channel=call"')
    csv_group.add_argument("--delimiter", help="column separator (default ,)")
    parser.set_defaults(func=_run)


def _options(args: argparse.Namespace) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from sayonce.intake.importer import ImportOptions
    from sayonce.intake.mapping import ColumnMapping

    mapping = ColumnMapping.from_yaml(args.map) if args.map else ColumnMapping()
    mapping = mapping.updated(
        type=args.type,
        delimiter=args.delimiter,
        columns=ColumnMapping.parse_pairs(args.columns) if args.columns else None,
        values=ColumnMapping.parse_pairs(args.set, "--set") if args.set else None,
    )
    zone_name = args.tz or mapping.timezone
    try:
        zone = ZoneInfo(zone_name) if zone_name else None
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {zone_name!r}") from exc
    region = (args.region or mapping.region or "US").upper()
    kwargs: dict[str, Any] = {"skip_invalid": args.skip_invalid, "source": args.source}
    if zone is not None:
        kwargs["tz"] = zone
    return ImportOptions(mapping=mapping, region=region, file_format=args.format, **kwargs)


def _run(args: argparse.Namespace) -> int:
    from sayonce.intake.importer import import_file
    from sayonce.intake.mapping import MappingError
    from sayonce.intake.report import Counts

    try:
        options = _options(args)
    except (MappingError, ValueError) as exc:
        print(f"sayonce import: {exc}", file=sys.stderr)
        return 2
    store = open_from_args(args)
    reports = []
    try:
        for path in args.files:
            report = import_file(store, path, options)
            reports.append(report)
            if not args.json:
                _print(report, options.skip_invalid)
    finally:
        store.dispose()
    totals = Counts()
    for report in reports:
        totals = totals.plus(report.counts)
    if args.json:
        payload = {"files": [r.as_dict() for r in reports], "totals": _counts(totals)}
        print(json.dumps(payload, indent=2, default=str))
    failed = any(r.problems or not r.written for r in reports)
    return 1 if failed else 0


def _counts(counts: Any) -> dict[str, int]:
    from sayonce.intake.report import OUTCOMES

    return {name: getattr(counts, name) for name in OUTCOMES}


def _print(report: Any, skip_invalid: bool) -> None:
    counts = _counts(report.counts)
    summary = ", ".join(f"{name} {value}" for name, value in counts.items())
    extra = f"; {report.new_profiles} new unverified profile(s)" if report.new_profiles else ""
    print(f"{report.file}: {summary}{extra}")
    for name, by_type in sorted(report.by_type.items()):
        parts = ", ".join(f"{k} {v}" for k, v in _counts(by_type).items() if v)
        print(f"  {name}: {parts}")
    for problem in report.problems[:MAX_SHOWN]:
        print(f"  error: {problem}", file=sys.stderr)
    if len(report.problems) > MAX_SHOWN:
        print(f"  ... and {len(report.problems) - MAX_SHOWN} more errors", file=sys.stderr)
    for warning in report.warnings[:MAX_SHOWN]:
        print(f"  warning: {warning}", file=sys.stderr)
    for item in report.ambiguous[:MAX_SHOWN]:
        print(
            f"  line {item.line}: matches {', '.join(item.candidates)}; attached to "
            f"{item.chosen} (see `sayonce duplicates`)"
        )
    if not report.written:
        can_skip = not (skip_invalid or report.whole_file)
        hint = "; fix them, or use --skip-invalid to import the good ones" if can_skip else ""
        print(f"  nothing written from {report.file}{hint}", file=sys.stderr)
    elif report.rejects_file:
        print(f"  rejected records and reasons: {report.rejects_file}")
