"""SIGKILL a real process while an agent types a note, or during an import: nothing is lost.

The note writer is the desktop's own autosave (``sayonce.history.notes.NoteAutosave``); it
prints each length it saved *after* the save returned, so every printed length is a save the
user was told about. The import is the ``sayonce import`` command itself, in its own process.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sayonce.store import Customer, Interaction, Note, Role, open_store

REPO = Path(__file__).resolve().parents[1]
SENTENCE = "the parcel never came so I called again and the blender still rattles"
WORDS = SENTENCE.split()


def typed_text(n_words: int) -> str:
    """What the simulated agent has typed after ``n_words`` words."""
    return "".join(WORDS[i % len(WORDS)] + " " for i in range(n_words))


def _type_notes(url: str, customer_id: int) -> None:
    """Worker: type a note word by word, autosaving after each word, until killed."""
    from sayonce.history.notes import NoteAutosave
    from sayonce.trust.principal import Principal

    store = open_store(url)
    autosave = NoteAutosave(store, Principal("ann", Role.AGENT), customer_id)
    words = 0
    while True:
        words += 1
        saved = autosave.save(typed_text(words))
        assert saved is not None
        print(f"{saved.id} {words}", flush=True)


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.test_crash_safety", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _acknowledged(proc: subprocess.Popen[str], kill_after: float) -> dict[int, int]:
    """Read acknowledgements until ``kill_after`` s after the first, SIGKILL, return the last."""
    last: dict[int, int] = {}
    first = threading.Event()
    assert proc.stdout is not None

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            note_id, words = map(int, line.split())
            last[note_id] = words
            first.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert first.wait(60), proc.stderr.read() if proc.stderr else "no output"
    time.sleep(kill_after)  # let it type: a plain subprocess, no Qt event loop involved
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    reader.join(10)
    assert proc.returncode == -signal.SIGKILL
    return dict(last)


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.mark.slow
def test_sigkill_while_typing_loses_no_saved_note(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url)
    with store.write() as s:
        customer = Customer(ref="C-1")
        s.add(customer)
        s.flush()
        customer_id = customer.id
    store.dispose()
    rng = random.Random(9)
    kills, acknowledged = 0, 0
    for _ in range(3):
        proc = _spawn(db_url, str(customer_id))
        last = _acknowledged(proc, kill_after=rng.uniform(0.3, 1.2))
        kills += 1
        acknowledged += sum(last.values())
        store = open_store(db_url)
        with store.read() as s:
            for note_id, words in last.items():
                body = s.get(Note, note_id).body  # type: ignore[union-attr]
                # Every save reported to the user is there; at most the one in flight is more.
                assert body in (typed_text(words), typed_text(words + 1))
        store.dispose()
        if db_url.startswith("sqlite"):
            assert _integrity(tmp_path / "sayonce.sqlite3") == "ok"
    print(f"crash: {kills} SIGKILLs while typing, {acknowledged} acknowledged saves, 0 lost")


def _write_import_file(path: Path, pairs: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(pairs):
            customer = {
                "type": "customer",
                "id": f"c{i}",
                "name": f"Pat Number{i}",
                "email": f"pat{i}@example.org",
            }
            contact = {
                "type": "interaction",
                "id": f"i{i}",
                "customer": f"c{i}",
                "channel": "email",
                "started_at": "2025-01-02T10:00:00Z",
                "subject": "Parcel",
                "text": f"Parcel {i} never arrived",
            }
            out.write(json.dumps(customer) + "\n" + json.dumps(contact) + "\n")


def _import(url: str, path: Path) -> None:
    """Import one file in this process (the core function ``sayonce import`` runs)."""
    from sayonce.intake.importer import import_file

    assert import_file(open_store(url), path).written


def _write_locked(path: Path) -> bool:
    """Whether some process holds the write lock (an open write transaction)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_during_import_leaves_nothing_or_everything(
    sqlite_url: str, tmp_path: Path
) -> None:
    # large enough that the import is still writing when it is killed (0.3-1.0 s after its
    # transaction begins): 3,000 pairs once took seconds, and now commit in under one
    pairs = 15_000
    source = tmp_path / "crm.jsonl"
    _write_import_file(source, pairs)
    db_path = tmp_path / "sayonce.sqlite3"
    open_store(sqlite_url).dispose()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sayonce", "import", str(source), "--db", sqlite_url],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not _write_locked(db_path):  # the import's transaction has begun
        assert proc.poll() is None and time.monotonic() < deadline, "import never started"
        time.sleep(0.02)
    time.sleep(random.Random(4).uniform(0.3, 1.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert _integrity(db_path) == "ok"
    store = open_store(sqlite_url)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Interaction)) == 0  # nothing...
        assert s.scalar(select(func.count()).select_from(Customer)) == 0
    _import(sqlite_url, source)  # ...and the database takes the whole file afterwards
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Interaction)) == pairs
    store.dispose()


if __name__ == "__main__":
    _type_notes(sys.argv[1], int(sys.argv[2]))
