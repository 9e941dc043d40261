"""The trust commands as an administrator types them: audit, export, erase, consent, users."""

from __future__ import annotations

import getpass
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from sayonce.cli import main
from sayonce.store import Customer, open_store
from tests.trust_seed import seed


@pytest.fixture
def db(sqlite_url: str) -> str:
    store = open_store(sqlite_url)
    seed(store)
    store.dispose()
    return sqlite_url


def _run(capsys: Any, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_audit_verify_names_the_tampered_row(db: str, tmp_path: Path, capsys: Any) -> None:
    for ref in ("C-000001", "C-000003"):
        assert _run(capsys, "consent", "--customer", ref, "--marketing", "on", "--db", db)[0] == 0
    code, out = _run(capsys, "audit", "verify", "--db", db)
    assert code == 0 and "chain intact" in out
    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_events_no_update")
        bad = conn.execute(
            "SELECT id FROM audit_events WHERE action = 'consent.change' ORDER BY id"
        ).fetchone()[0]
        conn.execute("UPDATE audit_events SET detail = '{}' WHERE id = ?", (bad,))
    code, out = _run(capsys, "audit", "verify", "--db", db)
    assert code == 1 and f"first bad row id {bad}" in out and "altered" in out


def test_export_then_erase_from_the_command_line(db: str, tmp_path: Path, capsys: Any) -> None:
    out_file = tmp_path / "maria.json"
    code, out = _run(capsys, "export", "--customer", "C-000001", "--out", str(out_file), "--db", db)
    assert code == 0 and "sha256" in out
    assert json.loads(out_file.read_text("utf-8"))["customers"][0]["display_name"] == "Maria Lopez"
    code, out = _run(capsys, "erase", "--customer", "C-000001", "--db", db)
    assert code == 1 and "--yes" in out  # nothing happens without it
    code, out = _run(capsys, "erase", "--customer", "C-000001", "--yes", "--db", db)
    assert code == 0 and "erased C-000001" in out
    store = open_store(db)
    with store.read() as s:
        maria = s.query(Customer).filter_by(ref="C-000001").one()
        assert maria.erased_at is not None and maria.given_name is None
    store.dispose()
    code, out = _run(capsys, "audit", "show", "--customer", "C-000001", "--db", db)
    assert "privacy.erase" in out and "privacy.export" in out and "Lopez" not in out


def test_agent_cannot_export_erase_or_read_audit(
    db: str, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    assert (
        _run(capsys, "users", "add", "agnes", "--role", "agent", "--no-password", "--db", db)[0]
        == 0
    )
    monkeypatch.setenv("SAYONCE_OS_USER_MAP", f"{getpass.getuser()}=agnes")
    out_file = tmp_path / "x.json"
    code, out = _run(capsys, "export", "--customer", "C-000001", "--out", str(out_file), "--db", db)
    assert code == 2 and "may not export data" in out and not out_file.exists()
    code, out = _run(capsys, "erase", "--customer", "C-000001", "--yes", "--db", db)
    assert code == 2 and "may not erase data" in out
    code, out = _run(capsys, "audit", "show", "--db", db)
    assert code == 2 and "may not view audit" in out
    code, out = _run(
        capsys, "consent", "--customer", "C-000003", "--personalization", "off", "--db", db
    )
    assert code == 0 and "Opted out" in out  # agents record what the customer tells them


def test_unknown_customer_is_reported(db: str, capsys: Any) -> None:
    code, out = _run(capsys, "export", "--customer", "C-999999", "--db", db)
    assert code == 2 and "No customer with the reference 'C-999999'" in out
