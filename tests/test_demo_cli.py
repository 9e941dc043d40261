"""``sayonce demo`` from the command line: sizes, refusal, --replace and help."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from sayonce.cli import main
from sayonce.cli.demo import sizes
from sayonce.store import Customer, Interaction, MetaValue, open_store


def _counts(url: str) -> tuple[int, int, str | None]:
    store = open_store(url)
    with store.read() as s:
        customers = s.scalar(select(func.count()).select_from(Customer)) or 0
        interactions = s.scalar(select(func.count()).select_from(Interaction)) or 0
        seed = s.get(MetaValue, "demo.seed")
    store.dispose()
    return customers, interactions, seed.value if seed else None


def test_one_size_sets_the_other() -> None:
    assert sizes(None, None) == (2_000, 50_000)
    assert sizes(40, None) == (40, 1_000)
    assert sizes(None, 1_000_000) == (40_000, 1_000_000)
    assert sizes(10, 99) == (10, 99)


def test_demo_fills_then_refuses_then_replaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    args = ["demo", "--db", url, "--customers", "20", "--as-of", "2026-03-01", "-q"]
    assert main([*args, "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "Created 20 customers" in out and "500 interactions" in out
    assert _counts(url) == (20, 500, "5")

    assert main([*args, "--seed", "6"]) == 2
    err = capsys.readouterr().err
    assert "already holds 20 customers" in err and "--replace" in err
    assert _counts(url) == (20, 500, "5")

    assert main([*args, "--seed", "6", "--replace"]) == 0
    assert _counts(url) == (20, 500, "6")


def test_replace_never_deletes_real_data(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(sqlite_url)
    with store.write() as s:
        s.add(Customer(ref="C-REAL", display_name="Real Person", name_key="real person"))
    store.dispose()
    assert main(["demo", "--db", sqlite_url, "--customers", "5", "--replace", "-q"]) == 2
    assert "holds other data" in capsys.readouterr().err
    assert _counts(sqlite_url) == (1, 0, None)


def test_bad_sizes_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--customers", "0"])
    assert "at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["demo", "--help"])
    assert done.value.code == 0
    assert "--interactions" in capsys.readouterr().out


def test_the_computer_user_can_sign_in_after_a_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sayonce.store import Role
    from sayonce.trust.signin import sign_in_os

    monkeypatch.setenv("SAYONCE_AUTH", "os")
    monkeypatch.setattr("getpass.getuser", lambda: "someone-at-the-desk")
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert main(["demo", "--db", url, "--customers", "20", "-q"]) == 0
    store = open_store(url)
    try:
        who = sign_in_os(store)
        assert who.role is Role.ADMIN  # whoever made the demo is its first admin
    finally:
        store.dispose()
