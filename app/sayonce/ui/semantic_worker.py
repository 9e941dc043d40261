"""Search by meaning from the window, with the model in a helper process.

The embedding model needs torch, and importing torch on any thread of the window's process
holds the interpreter lock for up to seconds (the window freezes). So, like the live call
assist (:mod:`sayonce.ui.assist_worker`), semantic search runs in a helper process
(:class:`sayonce.nlp.host_process.HostProcess` building a
:class:`~sayonce.history.semantic_host.SearchHost`), started on the first search and kept
for the session. One worker thread forwards the searches and waits on the pipe with the lock
released.

Latest wins: the thread serves only the newest search; one that was overtaken while it ran is
dropped. A customer's first search computes the vectors of their history, which takes seconds;
the thread does it in steps (``index`` commands) so the window can show progress ("Indexing
180 conversations… 64 / 180") and stops indexing a customer the agent has left. If the helper
cannot start or dies, :attr:`SemanticSearcher.failed` says so (the window falls back to
full-text); the next search starts a new helper.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from sayonce.history.semantic import LIMIT
from sayonce.history.semantic_host import INDEX_STEP, PROCESS_NAME, WHAT, build_search_host
from sayonce.nlp.host_process import (
    Cancelled,
    Command,
    HelperStopped,
    HostBuilder,
    HostProcess,
    database_url,
    shareable,
)
from sayonce.store import Store
from sayonce.trust.principal import Principal

log = logging.getLogger(__name__)

WATCH_S = 0.5
STOP_WAIT_MS = 3_000  # a command in hand gets this long to finish when the window closes
PARTIAL_EVERY = 4  # while indexing, show results from what is indexed after steps 1, 5, 9...
ABANDON_WAIT_MS = 10_000  # then the helper is terminated and the thread ends
LOADING = "Loading the language model…"
UNAVAILABLE = "Search by meaning is unavailable: {}"
IN_MEMORY = "the database is in memory, and the search helper cannot open it"


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search: which customer (merge cluster), what was typed, how many hits."""

    ticket: int
    cluster: tuple[int, ...]
    query: str
    limit: int = LIMIT


@dataclass(frozen=True, slots=True)
class SearchStatus:
    """What the search is doing: ``busy`` with ``done`` of ``total`` (0 total: no measure)."""

    text: str
    busy: bool = True
    done: int = 0
    total: int = 0


class _Failed(Exception):
    """The helper answered a command with a failure (it is still running)."""


class _SearchLoop(QThread):
    """The worker thread: starts the helper on the first search, then serves the newest."""

    status = Signal(int, object)  # ticket, SearchStatus
    results = Signal(int, object)  # ticket, list[SemanticHit]
    partial = Signal(int, object)  # ticket, list[SemanticHit] of what is indexed so far
    failed = Signal(int, str)  # ticket, message

    def __init__(self, url: str, principal: Principal, builder: HostBuilder) -> None:
        super().__init__()
        self._url = url
        self._principal = principal
        self._builder = builder
        self._wake = threading.Condition()
        self._request: SearchRequest | None = None  # the newest search not yet taken
        self._stopping = threading.Event()  # stop() was called: end after the command in hand
        self._abandon = threading.Event()  # stop() timed out: stop waiting for it too
        self._helper: HostProcess | None = None
        self._indexed: set[tuple[int, ...]] = set()  # clusters whose vectors are all there
        self._last_pid: int | None = None

    @property
    def helper_pid(self) -> int | None:
        """The helper's process id, as soon as it runs (then the last one's; for tests)."""
        helper = self._helper
        pid = helper.pid if helper is not None else None
        return pid if pid is not None else self._last_pid

    def post(self, request: SearchRequest) -> None:
        """Serve ``request`` next, instead of any search still waiting."""
        with self._wake:
            self._request = request
            self._wake.notify()

    def request_stop(self) -> None:
        """End after the command in hand (a helper still loading the model is let go)."""
        with self._wake:
            self._stopping.set()
            self._request = None
            self._wake.notify()

    def abandon(self) -> None:
        """Stop waiting for the command in hand (the helper is terminated)."""
        self._abandon.set()

    def run(self) -> None:
        try:
            while (request := self._take()) is not None:
                self._serve(request)
        finally:
            self._close()

    def _take(self) -> SearchRequest | None:
        with self._wake:
            while self._request is None and not self._stopping.is_set():
                self._wake.wait(WATCH_S)
            request, self._request = self._request, None
            return None if self._stopping.is_set() else request

    def _newer(self) -> SearchRequest | None:
        with self._wake:
            return self._request

    def _serve(self, request: SearchRequest) -> None:
        try:
            helper = self._started(request)
            if not self._index(helper, request):
                return  # the agent moved on to another customer
            if self._newer() is not None or self._stopping.is_set():
                return  # overtaken: the newer search runs next
            self.status.emit(request.ticket, SearchStatus("Searching…"))
            args = (list(request.cluster), request.query, request.limit)
            outputs = self._call(helper, Command("semantic", args))
            if self._newer() is None:
                self.results.emit(request.ticket, dict(outputs).get("hits", []))
        except Cancelled:
            pass
        except _Failed as exc:
            self.failed.emit(request.ticket, UNAVAILABLE.format(exc))
        except HelperStopped as exc:
            log.warning("search helper lost: %s", exc)
            self._close()
            with self._wake:
                self._request = None  # the window falls back to words; a new search retries
            self.failed.emit(request.ticket, UNAVAILABLE.format(exc))

    def _started(self, request: SearchRequest) -> HostProcess:
        if self._helper is not None and self._helper.alive():
            return self._helper
        self._close()
        self.status.emit(request.ticket, SearchStatus(LOADING))
        helper = HostProcess(
            self._url, self._principal, self._builder, name=PROCESS_NAME, what=WHAT
        )
        self._helper = helper
        try:
            helper.start(self._stopping.is_set)
        finally:
            self._last_pid = helper.pid
        self._indexed.clear()  # a new helper: ask again what is missing
        return helper

    def _index(self, helper: HostProcess, request: SearchRequest) -> bool:
        """Embed what the customer lacks, step by step; False if the agent left them."""
        if request.cluster in self._indexed:
            return True
        cluster = list(request.cluster)
        total = left = int(self._call(helper, Command("pending", (cluster,)))[0][1])
        steps = 0
        while left > 0:
            newer = self._newer()
            if self._stopping.is_set() or (newer is not None and newer.cluster != request.cluster):
                return False
            text = f"Indexing {total:,} conversation{'s' if total != 1 else ''}…"
            self.status.emit(request.ticket, SearchStatus(text, True, total - left, total))
            left = int(self._call(helper, Command("index", (cluster, INDEX_STEP)))[0][1])
            steps += 1
            if left > 0 and newer is None and steps % PARTIAL_EVERY == 1:
                self._partial(helper, request)
        self._indexed.add(request.cluster)
        return True

    def _partial(self, helper: HostProcess, request: SearchRequest) -> None:
        """Results from what is indexed so far (newest first), refined as indexing goes on."""
        args = (list(request.cluster), request.query, request.limit, True)
        hits = dict(self._call(helper, Command("semantic", args))).get("hits", [])
        if hits and self._newer() is None:
            self.partial.emit(request.ticket, hits)

    def _call(self, helper: HostProcess, command: Command) -> list[tuple[str, Any]]:
        outputs = helper.call(command, self._abandon.is_set)
        for kind, value in outputs:
            if kind == "failed":
                raise _Failed(value)
        if not outputs:
            raise _Failed(f"no answer to {command.kind}")
        return outputs

    def _close(self) -> None:
        helper, self._helper = self._helper, None
        if helper is None:
            return
        if self._abandon.is_set():
            helper.close()
        else:
            helper.stop()


class SemanticSearcher(QObject):
    """The window's handle on search by meaning (every method returns at once)."""

    status = Signal(object)  # SearchStatus of the customer on screen
    results = Signal(object)  # list[SemanticHit] of the latest search
    partial = Signal(object)  # its hits among what is indexed so far (indexing goes on)
    failed = Signal(str)  # the helper could not start, died, or refused: fall back to words

    def __init__(
        self,
        store: Store,
        principal: Principal,
        parent: QObject | None = None,
        *,
        builder: HostBuilder = build_search_host,
    ) -> None:
        """Nothing starts until the first :meth:`search`.

        ``builder`` (a module-level function: it is pickled by name) builds the
        :class:`~sayonce.history.semantic_host.SearchHost` in the helper process.
        """
        super().__init__(parent)
        self._usable = shareable(store)
        self._loop = _SearchLoop(database_url(store), principal, builder)
        self._loop.setObjectName("semantic-search")
        self._loop.status.connect(self._status)
        self._loop.results.connect(self._results)
        self._loop.partial.connect(self._partial)
        self._loop.failed.connect(self._failed)
        self._ticket = 0  # the latest search
        self._since = 0  # the first search of the customer on screen
        self._cluster: tuple[int, ...] | None = None

    @property
    def helper_pid(self) -> int | None:
        """The id of the (last) helper process, once one was started."""
        return self._loop.helper_pid

    def search(self, cluster: list[int], query: str, limit: int = LIMIT) -> None:
        """Find the interactions of ``cluster`` closest in meaning to ``query``."""
        self._ticket += 1
        key = tuple(sorted(cluster))
        if key != self._cluster:
            self._cluster, self._since = key, self._ticket
        if not self._usable:
            self.failed.emit(UNAVAILABLE.format(IN_MEMORY))
            return
        if not self._loop.isRunning():
            self._loop.start(QThread.Priority.LowPriority)
        self._loop.post(SearchRequest(self._ticket, key, query, limit))

    def cancel(self) -> None:
        """Forget the search in hand: its answer, when it comes, is not shown."""
        self._ticket += 1
        self._since = self._ticket
        self._cluster = None

    def is_running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._loop.isRunning()

    def stop(self, timeout_ms: int = STOP_WAIT_MS) -> None:
        """End the helper process and the thread (idempotent; never hangs the window)."""
        self.cancel()
        if self._loop.isRunning():
            self._loop.request_stop()
            if not self._loop.wait(timeout_ms):
                self._loop.abandon()
                self._loop.wait(ABANDON_WAIT_MS)

    def _status(self, ticket: int, status: SearchStatus) -> None:
        if ticket >= self._since:
            self.status.emit(status)

    def _results(self, ticket: int, hits: list[Any]) -> None:
        if ticket == self._ticket:
            self.results.emit(hits)

    def _partial(self, ticket: int, hits: list[Any]) -> None:
        if ticket == self._ticket:
            self.partial.emit(hits)

    def _failed(self, ticket: int, message: str) -> None:
        if ticket >= self._since:
            self.failed.emit(message)
