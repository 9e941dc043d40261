"""Is the database there? A cheap check, retry with backoff, and a watch for the UI's banner.

When the shared PostgreSQL server goes away the app must stay responsive: the desktop runs
:meth:`ConnectionWatch.poll` on its database worker (never the UI thread), shows a banner
while ``online`` is false and hides it by itself when the server is back. The engine's
``pool_pre_ping`` replaces dead pooled connections, so nothing needs restarting.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from sayonce.store.base import utcnow
from sayonce.store.engine import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors that mean "the database is unreachable or dropped the connection", worth a retry;
# constraint violations and programming errors are not.
TRANSIENT = (OperationalError, InterfaceError)


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is a lost or refused connection (retrying may help)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT)


def check_connection(store: Store) -> bool:
    """One round trip to the database: ``True`` if it answered."""
    try:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        log.info("database unreachable: %s", exc.__class__.__name__)
        return False
    return True


def backoff_delays(base: float = 0.25, cap: float = 8.0) -> Callable[[int], float]:
    """Exponential backoff with jitter: attempt n waits about ``base * 2**n``, at most ``cap``."""

    def delay(attempt: int) -> float:
        return min(cap, base * 2**attempt) * (0.5 + random.random() / 2)

    return delay


def with_retry(
    work: Callable[[], T],
    *,
    attempts: int = 6,
    delay: Callable[[int], float] | None = None,
    on_retry: Callable[[int, BaseException], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work``; on a lost connection wait and run it again, up to ``attempts`` times.

    ``work`` must be a whole unit of work (e.g. one ``store.write()`` block) so a retry
    never repeats half of something. "Database is locked" (SQLite) and a refused connection
    come before anything is written; a connection lost *during* COMMIT leaves it unknown
    whether the work landed, so retry only work that is safe to repeat (optimistic version
    checks make most edits so). The last error is raised if every attempt fails.
    """
    wait = delay or backoff_delays()
    for attempt in range(attempts):
        try:
            return work()
        except DBAPIError as exc:
            if not is_transient(exc) or attempt == attempts - 1:
                raise
            if on_retry is not None:
                on_retry(attempt + 1, exc)
            sleep(wait(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """What the banner shows: online or not, since when, and when the next check is due."""

    online: bool
    since: datetime
    failures: int
    next_check_in: float
    message: str


class ConnectionWatch:
    """Polls the database with backoff while it is away; cheap and quiet while it is there."""

    def __init__(self, store: Store, *, healthy_interval: float = 10.0, cap: float = 8.0) -> None:
        """Watch ``store``; poll every ``healthy_interval`` s when fine, back off when not."""
        self.store = store
        self.healthy_interval = healthy_interval
        self._delay = backoff_delays(cap=cap)
        self.state = ConnectionState(True, utcnow(), 0, healthy_interval, "Connected")

    def poll(self) -> ConnectionState:
        """Check now and return the new state (call from a worker thread)."""
        ok = check_connection(self.store)
        previous = self.state
        if ok:
            since = previous.since if previous.online else utcnow()
            self.state = ConnectionState(True, since, 0, self.healthy_interval, "Connected")
        else:
            failures = previous.failures + 1
            since = utcnow() if previous.online else previous.since
            self.state = ConnectionState(
                False,
                since,
                failures,
                self._delay(failures - 1),
                "The database cannot be reached. Your work is kept on screen; "
                "SayOnce reconnects by itself as soon as it is back.",
            )
        return self.state
