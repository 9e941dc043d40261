"""``sayonce selftest`` from the development install (the bundle's run is in test_package.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sayonce import selftest
from sayonce.cli import main
from sayonce.store import Customer, Interaction, open_store

EXPECTED_CHECKS = [
    "open database",
    "load models",
    "redact",
    "summarize",
    "suggest",
    "render main window",
]


def _check_lines(output: str) -> dict[str, str]:
    """``{check name: status}`` from the self-test's report."""
    lines = {}
    for line in output.splitlines():
        for name in EXPECTED_CHECKS:
            if line[5:].startswith(name):
                lines[name] = line[:5].strip()
    return lines


def test_every_check_passes_and_is_timed_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "SAYONCE_DATA_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "sayonce", "selftest"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert _check_lines(done.stdout) == dict.fromkeys(EXPECTED_CHECKS, "ok")
    for name in EXPECTED_CHECKS:  # each check's line carries its time
        assert re.search(rf"^ok\s+{name}\s+\d+\.\d\d s", done.stdout, re.MULTILINE), name
    assert "selftest passed: 6 checks" in done.stdout


def test_an_unusable_database_fails_its_check_and_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")

    code = main(["selftest", "--no-window", "--db", f"sqlite:///{blocker / 'db.sqlite3'}"])

    out, err = capsys.readouterr()
    assert code == 1
    statuses = _check_lines(out)
    assert statuses["open database"] == "FAIL"
    assert statuses["redact"] == "ok"  # one failure does not stop the other checks
    assert "not-a-folder" in out
    assert "1 of 5 checks failed (open database)" in err


def test_a_real_database_is_checked_without_keeping_anything(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["selftest", "--no-window", "--db", db_url])

    out, _ = capsys.readouterr()
    assert code == 0, out
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    assert f"{backend}, schema" in out
    store = open_store(db_url)
    try:
        with store.read() as session:
            assert session.scalar(select(func.count()).select_from(Customer)) == 0
            assert session.scalar(select(func.count()).select_from(Interaction)) == 0
    finally:
        store.dispose()


def test_redaction_that_lets_a_card_through_fails_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sayonce.privacy.redact

    monkeypatch.setattr(sayonce.privacy.redact, "redact", lambda text: text)

    result = selftest.run_check("redact", selftest.check_redaction, selftest.SelfTest("sqlite://"))

    assert not result.ok
    assert "card number was not replaced" in result.detail


def test_a_summary_that_misses_the_issue_fails_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sayonce.nlp.summarize
    from sayonce.nlp.summary import InteractionSummaryData

    monkeypatch.setattr(
        sayonce.nlp.summarize, "summarize", lambda *_a, **_k: InteractionSummaryData()
    )

    result = selftest.run_check("summarize", selftest.check_summary, selftest.SelfTest("sqlite://"))

    assert not result.ok
    assert "issue not found" in result.detail
    assert "promise" in result.detail


def test_suggestions_need_the_models_to_have_loaded() -> None:
    state = selftest.SelfTest("sqlite://")

    result = selftest.run_check("suggest", selftest.check_suggestions, state)

    assert not result.ok
    assert result.detail == "needs the models, which did not load"


def test_an_unexpected_error_is_reported_not_raised() -> None:
    def broken(_state: selftest.SelfTest) -> str:
        raise OSError("disk on fire")

    results = list(
        selftest.run_checks(
            [("broken", broken), ("fine", lambda _s: "all good")], selftest.SelfTest("sqlite://")
        )
    )

    assert [(r.name, r.ok) for r in results] == [("broken", False), ("fine", True)]
    assert results[0].detail == "OSError: disk on fire"
    assert selftest.format_result(results[1]).startswith("ok   fine")
