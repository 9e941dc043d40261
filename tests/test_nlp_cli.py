"""``sayonce summarize`` as a user runs it: a conversation file, or a customer's history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sayonce.cli import main
from sayonce.nlp.eval.sample_history import seed_customer
from sayonce.store import AuditEvent, open_store

LINES = [
    {
        "speaker": "customer",
        "text": "My card 4111 1111 1111 1111 was charged twice for order #20931.",
    },
    {
        "speaker": "agent",
        "text": "I've reversed the duplicate charge, and it will show within 3 business days.",
    },
    {"speaker": "customer", "text": "Thanks for sorting it out."},
]


def _run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_summarize_a_conversation_file(tmp_path: Path, capsys: Any) -> None:
    conv = tmp_path / "conv.jsonl"
    conv.write_text("\n".join(json.dumps(line) for line in LINES) + "\n", encoding="utf-8")
    code, out, _ = _run(
        capsys, "summarize", "--file", str(conv), "--at", "2024-03-20T10:00:00+00:00"
    )
    assert code == 0
    assert "Issue:     My card [CARD] was charged twice for order #20931.  [turn 0]" in out
    assert "Promised:  it will show within 3 business days.  [turn 1]" in out
    assert "4111" not in out
    code, out, _ = _run(capsys, "summarize", "--file", str(conv), "--json")
    data = json.loads(out)
    assert data["outcome_label"] == "pending"
    assert {"kind": "order", "value": "20931"}.items() <= data["entities"][0].items()


def test_a_bad_line_is_named(tmp_path: Path, capsys: Any) -> None:
    conv = tmp_path / "bad.jsonl"
    conv.write_text('{"speaker": "customer", "text": "hi"}\n{"who": "agent"}\n', encoding="utf-8")
    code, _, err = _run(capsys, "summarize", "--file", str(conv))
    assert code == 2 and "bad.jsonl:2" in err


def test_summarize_a_customer_prints_the_brief_and_audits_the_view(
    sqlite_url: str, capsys: Any
) -> None:
    store = open_store(sqlite_url)
    with store.write() as session:
        seed_customer(session, 5, ref="C-CLI-1")
    code, out, err = _run(capsys, "summarize", "--customer", "C-CLI-1", "--db", sqlite_url)
    assert code == 0, err
    assert out.startswith("The customer so far (5 interactions)")
    assert out.count("--- interaction") == 5
    code, out, _ = _run(
        capsys, "summarize", "--customer", "C-CLI-1", "--json", "--limit", "2", "--db", sqlite_url
    )
    data = json.loads(out)
    assert data["brief"]["interactions"] == 5 and len(data["summaries"]) == 2
    with store.read() as session:
        views = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "profile.view")
        ).all()
    store.dispose()
    assert len(views) == 2
    code, _, err = _run(capsys, "summarize", "--customer", "C-NOPE", "--db", sqlite_url)
    assert code == 2 and "C-NOPE" in err
