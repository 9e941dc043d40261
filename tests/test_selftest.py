"""``sayonce selftest`` from the development install (the bundle's run is in test_package.py)."""

from __future__ import annotations

import functools
import multiprocessing
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sayonce import selftest
from sayonce.cli import main
from sayonce.store import Customer, Interaction, Store, open_store
from tests.assist_fakes import crashing_host, failing_host

EXPECTED_CHECKS = [
    "open database",
    "load models",
    "redact",
    "summarize",
    "suggest",
    "assist helper",
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
    assert "selftest passed: 7 checks" in done.stdout


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
    assert statuses["assist helper"] == "FAIL"  # the helper opens the same database
    assert "not-a-folder" in out
    assert "needs the database, which did not open" in out
    assert "2 of 6 checks failed (open database, assist helper)" in err


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


@pytest.fixture
def opened(sqlite_url: str, sqlite_store: Store) -> Iterator[selftest.SelfTest]:
    """A self-test whose database check has passed (a migrated SQLite file)."""
    state = selftest.SelfTest(sqlite_url, store=sqlite_store)
    yield state
    state.store = None  # sqlite_store disposes of it


def _helper_check(state: selftest.SelfTest, **options: Any) -> selftest.CheckResult:
    check = functools.partial(selftest.check_assist_helper, **options)
    return selftest.run_check("assist helper", check, state)


def test_the_assist_helper_suggests_in_its_own_process_and_exits(
    opened: selftest.SelfTest,
) -> None:
    result = _helper_check(opened)

    assert result.ok, result.detail
    ready = re.search(r"ready in (\d+\.\d\d) s, 11 events in \d+\.\d\d s, exit 0", result.detail)
    assert ready, result.detail
    assert 0 < float(ready[1]) < result.seconds
    assert "replace-card on top after turn 1" in result.detail
    assert not multiprocessing.active_children()  # no helper left behind
    assert opened.store is not None
    with opened.store.read() as session:  # the self-test recorded nothing
        assert session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_an_assist_helper_that_cannot_build_its_session_fails_with_its_reason(
    opened: selftest.SelfTest,
) -> None:
    result = _helper_check(opened, builder=failing_host)

    assert not result.ok
    assert result.detail == "the assist helper could not start: the model folder is empty"
    assert not multiprocessing.active_children()


def test_an_assist_helper_that_dies_while_starting_fails_instead_of_hanging(
    opened: selftest.SelfTest,
) -> None:
    result = _helper_check(opened, builder=crashing_host, timeout_s=60)

    assert not result.ok
    assert result.detail.startswith("the assist helper could not start: ")
    assert "stopped unexpectedly (exit code 3)" in result.detail
    assert result.seconds < 30


def test_an_assist_helper_too_slow_to_start_is_ended_at_the_time_limit(
    opened: selftest.SelfTest,
) -> None:
    started = time.monotonic()

    result = _helper_check(opened, timeout_s=0.5)  # the real helper needs seconds to load

    assert not result.ok
    assert result.detail == "the assist helper took longer than 0.5 s to start (it was ended)"
    assert time.monotonic() - started < 15  # ended, not waited for
    assert not multiprocessing.active_children()


def test_the_assist_helper_needs_the_database() -> None:
    result = _helper_check(selftest.SelfTest("sqlite:///nowhere.sqlite3"))

    assert not result.ok
    assert result.detail == "needs the database, which did not open"


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
