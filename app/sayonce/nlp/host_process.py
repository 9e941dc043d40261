"""Model work in a helper process, so loading a model never freezes the window.

Importing torch and loading the embedding model holds Python's interpreter lock for a second
or more (torch's C libraries initialise without releasing it); done on a thread of the
desktop process, that freezes the window. :class:`HostProcess` starts one helper process
(the ``spawn`` start method: a fresh interpreter, nothing inherited from the desktop's
threads or database connections) that opens the database by its URL, builds a *host* (any
object with ``run(Command) -> list[(kind, value)]``, e.g. the live call's
:class:`~sayonce.assist.host.SessionHost` or semantic search's
:class:`~sayonce.history.semantic_host.SearchHost`) and then serves commands over a pipe,
one at a time, in order. Only plain picklable data crosses the pipe: commands, their
arguments, principals, and the host's outputs.

Protocol. The helper sends ``("ready", None)`` or ``("failed", message)`` once; then, for
each :class:`Command` it receives, the list of outputs of that command. It ends on a ``stop``
command or when the desktop's end of the pipe closes (the desktop went away), whichever comes
first. The desktop side never waits without also watching the helper: if it dies,
:class:`HelperStopped` says so instead of a hang.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from sayonce.config import force_offline
from sayonce.store import Store, open_store
from sayonce.trust.principal import Principal

log = logging.getLogger(__name__)

Output = tuple[str, Any]  # (kind, value): plain, picklable data
WATCH_S = 0.05  # how often a wait checks that the helper is alive and the wait still wanted
STOP_WAIT_S = 5.0  # a helper asked to stop gets this long before it is terminated
PROCESS_NAME = "sayonce-helper"


@dataclass(frozen=True, slots=True)
class Command:
    """One thing for a host to do: ``kind`` and its arguments (plain data)."""

    kind: str  # what the host understands, or ``stop`` (ends the helper)
    args: tuple[Any, ...] = ()


class Host(Protocol):
    """What a helper serves: applies one command, returns its outputs (failures included)."""

    def run(self, command: Command) -> list[Output]:
        """Apply ``command``; what it produced, in order."""
        ...


# Builds the host in the helper; must be a module-level function (it is pickled by name).
HostBuilder = Callable[[Store, Principal], Host]


class HelperStopped(RuntimeError):
    """The helper process is gone (crashed, killed, or never started)."""


class Cancelled(RuntimeError):
    """The desktop stopped waiting (it is closing)."""


def serve(
    conn: Connection,
    url: str,
    principal: Principal,
    builder: HostBuilder,
    log_level: int = logging.WARNING,
    name: str = PROCESS_NAME,
) -> None:
    """The helper's main: build the host, say ready, apply commands until told to stop."""
    _give_streams()
    # Ctrl+C in the terminal reaches the whole process group: the desktop decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    force_offline()  # before anything can import Hugging Face libraries
    _log_like_the_desktop(log_level, name)
    store: Store | None = None
    try:
        store = open_store(url, migrate=False)  # the desktop has migrated it already
        host = builder(store, principal)
    except Exception as exc:  # reported, not raised: the desktop shows it
        log.exception("helper %s could not start", name)
        _send(conn, ("failed", _describe(exc)))
        if store is not None:
            store.dispose()
        conn.close()
        return
    _send(conn, ("ready", None))
    try:
        while True:
            try:
                command = conn.recv()
            except (EOFError, OSError):
                break  # the desktop went away
            if command.kind == "stop":
                break
            conn.send(host.run(command))
    finally:
        store.dispose()
        conn.close()


def _send(conn: Connection, message: tuple[str, Any]) -> None:
    with contextlib.suppress(OSError, ValueError):  # nobody is listening any more
        conn.send(message)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _log_like_the_desktop(level: int, name: str) -> None:
    logging.basicConfig(
        level=level, format=f"%(asctime)s %(levelname)s {name} %(name)s: %(message)s"
    )
    from sayonce.privacy.logs import install_redacting_filter

    install_redacting_filter()  # no card number or phone reaches a log from here either


def _give_streams() -> None:
    # A windowed app (no console) starts its helpers with no stdout/stderr; libraries that
    # print or log (tokenizers, warnings) would fail on None.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def _desktop_log_level() -> int:
    return logging.getLogger().getEffectiveLevel()


def shareable(store: Store) -> bool:
    """Whether another process can open the same database (not an in-memory SQLite one)."""
    url = store.engine.url
    if url.get_backend_name() != "sqlite":
        return True
    database = url.database or ""
    return database not in ("", ":memory:") and "mode=memory" not in str(url)


def database_url(store: Store) -> str:
    """The URL a helper process opens the store with (password included: it stays local)."""
    return store.engine.url.render_as_string(hide_password=False)


class HostProcess:
    """The desktop's handle on the helper: start it, send it commands, stop it."""

    def __init__(
        self,
        url: str,
        principal: Principal,
        builder: HostBuilder,
        *,
        name: str = PROCESS_NAME,
        what: str = "helper",
    ) -> None:
        """Nothing runs until :meth:`start`.

        ``name`` names the process (and its log lines); ``what`` names it in messages to the
        agent ("the suggestion helper stopped unexpectedly").
        """
        self.url = url
        self.principal = principal
        self.builder = builder
        self.name = name
        self.what = what
        self._process: Any = None  # multiprocessing's SpawnProcess
        self._conn: Connection | None = None
        self.pid: int | None = None  # the helper's process id, once started
        self.exit_code: int | None = None  # how it ended, once reaped

    def alive(self) -> bool:
        """Whether the helper process is running."""
        return self._process is not None and self._process.is_alive()

    def start(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Start the helper and wait until its session is ready (the model is loaded).

        Raises :class:`HelperStopped` with the helper's own message if it could not build the
        session, and :class:`Cancelled` if ``cancelled()`` turns true meanwhile (the helper is
        then terminated).
        """
        context = multiprocessing.get_context("spawn")  # not fork: we have threads and sockets
        ours, theirs = context.Pipe()
        process = context.Process(
            target=serve,
            args=(theirs, self.url, self.principal, self.builder, _desktop_log_level(), self.name),
            name=self.name,
            daemon=True,  # ended by multiprocessing at exit if the desktop forgot to
        )
        self._process, self._conn = process, ours
        try:
            process.start()
        except (OSError, RuntimeError) as exc:
            self._process, self._conn = None, None
            ours.close()
            raise HelperStopped(f"the {self.what} could not start: {exc}") from exc
        finally:
            theirs.close()  # only the helper holds its end: its death reads as end-of-file
        self.pid = process.pid
        kind, message = self._receive(cancelled)
        if kind != "ready":
            self.close()
            raise HelperStopped(str(message))

    def call(self, command: Command, cancelled: Callable[[], bool] = lambda: False) -> list[Output]:
        """Apply one command in the helper; its outputs (see :class:`Host`)."""
        conn = self._connection()
        try:
            conn.send(command)
        except (OSError, ValueError) as exc:
            raise self.failure() from exc
        result: list[Output] = self._receive(cancelled)
        return result

    def stop(self) -> None:
        """Ask the helper to finish and wait for it; terminate it if it does not (idempotent)."""
        if self._conn is not None and self.alive():
            with contextlib.suppress(OSError, ValueError):
                self._conn.send(Command("stop"))
        self.close(STOP_WAIT_S)

    def close(self, grace_s: float = 0.0) -> None:
        """End the helper now (after ``grace_s`` to exit by itself) and reap it."""
        process, self._process = self._process, None
        if process is not None:
            process.join(grace_s)
            if process.is_alive():
                process.terminate()
                process.join(STOP_WAIT_S)
            if process.is_alive():
                process.kill()
                process.join()
            self.exit_code = process.exitcode
            process.close()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> Connection:
        if self._conn is None:
            raise HelperStopped(f"the {self.what} is not running")
        return self._conn

    def _receive(self, cancelled: Callable[[], bool]) -> Any:
        conn = self._connection()
        # poll() waits in C with the interpreter lock released: the UI thread runs meanwhile.
        while not conn.poll(WATCH_S):
            if cancelled():
                self.close()
                raise Cancelled(f"stopped waiting for the {self.what}")
            if not self.alive() and not conn.poll(0):
                raise self.failure()
        try:
            return conn.recv()
        except (EOFError, OSError) as exc:
            raise self.failure() from exc

    def failure(self) -> HelperStopped:
        """What to say now that the helper is gone (waits briefly for its exit code)."""
        process = self._process
        if process is not None:
            process.join(1.0)
        code = process.exitcode if process is not None else None
        how = f" (exit code {code})" if code is not None else ""
        return HelperStopped(f"the {self.what} stopped unexpectedly{how}")
