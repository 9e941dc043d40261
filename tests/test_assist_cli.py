"""``sayonce assist`` replays a call through the live session; ``sayonce eval-assist`` scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from sayonce.cli import main
from sayonce.store import Store, Suggestion
from tests.assist_support import MINIMAL, add_customer, replay_dir

CALL = replay_dir() / "lost-card-bus.jsonl"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_replay_prints_one_line_per_event_then_the_wrap_up(
    capsys: pytest.CaptureFixture[str], minilm: object
) -> None:
    code, out, _ = run(
        capsys, "assist", "--playbook", str(MINIMAL), "--events", str(CALL), "--json"
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    events = [json.loads(line) for line in CALL.read_text().splitlines() if line.strip()]
    assert len(lines) == len(events) + 1
    assert [line["event"] for line in lines[:-1]] == [e["type"] for e in events]
    wrap_up = lines[-1]
    assert wrap_up["event"] == "wrap_up" and wrap_up["disposition"] and wrap_up["summary"]
    first_customer = next(
        line for line, e in zip(lines, events, strict=False) if e.get("speaker") == "customer"
    )
    top = first_customer["suggestions"][0]
    assert top["action_id"] == "replace-card" and top["step_id"] == "verify-identity"
    assert top["title"] == "Order a replacement card"
    assert any(r.startswith("customer said") for r in top["reasons"])
    assert isinstance(first_customer["latency_ms"], float)
    assert "sentiment" in first_customer and "intent" in first_customer


def test_text_replay_reads_like_a_transcript(
    capsys: pytest.CaptureFixture[str], minilm: object
) -> None:
    code, out, _ = run(capsys, "assist", "--events", str(CALL))
    assert code == 0
    assert "customer  Hi Sam." in out
    assert "1. Order a replacement card — next: Verify identity" in out
    assert "== wrap-up:" in out


def test_with_a_database_the_customer_is_known_and_suggestions_recorded(
    capsys: pytest.CaptureFixture[str], sqlite_store: Store, sqlite_url: str, minilm: object
) -> None:
    add_customer(sqlite_store, ref="C-000042", phone="+15550001111", tier="gold")
    code, out, _ = run(
        capsys, "assist", "--events", str(CALL), "--db", sqlite_url,
        "--customer", "C-000042", "--json",
    )  # fmt: skip
    assert code == 0
    first = json.loads(out.splitlines()[0])
    assert "loyalty-recognition" in [s["action_id"] for s in first["suggestions"]]
    with sqlite_store.read() as session:
        recorded = set(session.scalars(select(Suggestion.action_id)))
    assert {"replace-card", "loyalty-recognition"} <= recorded


def test_a_broken_playbook_is_reported_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("actions:\n  - id: x\n    title: X\n    description: d\n    risk: extreme\n")
    code, _, err = run(capsys, "assist", "--playbook", str(bad), "--events", str(CALL))
    assert code == 2
    assert f"{bad}:5: actions[0] (x).risk" in err


def test_a_broken_events_file_is_reported_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"type": "call_started", "call_id": "c", "from": "1", "at": "2026-01-01"}\n{oops\n'
    )
    code, _, err = run(capsys, "assist", "--playbook", str(MINIMAL), "--events", str(events))
    assert code == 2 and f"{events}:2" in err


def test_eval_assist_reports_accuracy_per_checkpoint(
    capsys: pytest.CaptureFixture[str], minilm: object
) -> None:
    code, out, _ = run(capsys, "eval-assist", "--json")
    assert code == 0
    results = json.loads(out)
    first = next(v for k, v in results.items() if k.startswith("first batch"))
    assert set(first) == {"customer turn 1", "customer turn 2", "end of call"}
    assert 0.0 <= first["end of call"]["top1"] <= first["end of call"]["top3"] <= 1.0
