"""The ``sayonce import`` and identity commands as an administrator uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sayonce.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "resources/demo/samples"


def test_import_reports_counts_and_json(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "--db", sqlite_url, str(SAMPLES / "crm.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "created 12, updated 0, merged 0, skipped 0, rejected 0" in out
    assert "1 new unverified profile" in out
    code = main(
        ["import", "--db", sqlite_url, "--json", "--map", str(SAMPLES / "contacts.map.yaml"),
         str(SAMPLES / "contacts.csv"), str(SAMPLES / "crm.jsonl")]
    )  # fmt: skip
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"] == {
        "created": 3,
        "updated": 0,
        "merged": 0,
        "skipped": 12,
        "rejected": 0,
    }
    assert [f["written"] for f in report["files"]] == [True, True]


def test_import_errors_name_file_line_and_field(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"type": "customer", "id": "1", "name": "Ann"}\n'
        '{"type": "interaction", "id": "2", "customer": "1", "channel": "call",'
        ' "started_at": "2026-02-30T10:00:00Z"}\n',
        encoding="utf-8",
    )
    assert main(["import", "--db", sqlite_url, str(bad)]) == 1
    captured = capsys.readouterr()
    assert f"{bad}:2: field 'started_at': impossible date '2026-02-30'" in captured.err
    assert "nothing written" in captured.err and "--skip-invalid" in captured.err
    assert main(["import", "--db", sqlite_url, "--skip-invalid", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "created 1" in out and f"{bad}.rejects.jsonl" in out
    assert main(["import", "--db", sqlite_url, "--tz", "Mars/Olympus", str(bad)]) == 2
    assert "unknown time zone" in capsys.readouterr().err


def test_duplicates_merge_and_undo_from_the_command_line(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["import", "--db", sqlite_url, str(SAMPLES / "crm.jsonl")])
    main(["import", "--db", sqlite_url, "--map", str(SAMPLES / "contacts.map.yaml"),
          str(SAMPLES / "contacts.csv")])  # fmt: skip
    capsys.readouterr()
    assert main(["duplicates", "--db", sqlite_url, "--json"]) == 0
    (pair,) = json.loads(capsys.readouterr().out)
    assert (pair["first_name"], pair["second_name"]) == ("Ann Lee", "Anne Lee")
    survivor, absorbed = pair["first_ref"], pair["second_ref"]
    assert main(["merge", "--db", sqlite_url, survivor, absorbed, "--preview"]) == 0
    assert "same phone +14155550101" in capsys.readouterr().out
    assert main(["merge", "--db", sqlite_url, survivor, absorbed]) == 0
    assert "undo with `sayonce unmerge 1`" in capsys.readouterr().out
    assert main(["lookup", "--db", sqlite_url, "+1 415 555 0101"]) == 0
    assert capsys.readouterr().out.count("C-") == 1  # one person now
    assert main(["unmerge", "--db", sqlite_url, "1"]) == 0
    assert main(["never-merge", "--db", sqlite_url, survivor, absorbed]) == 0
    capsys.readouterr()
    assert main(["merge", "--db", sqlite_url, survivor, absorbed]) == 1
    assert "BLOCKED: marked as different people" in capsys.readouterr().out
    assert main(["merges", "--db", sqlite_url]) == 0
    assert "undone" in capsys.readouterr().out
    assert main(["merge", "--db", sqlite_url, "C-999999", survivor]) == 1
    assert "no customer 'C-999999'" in capsys.readouterr().err
