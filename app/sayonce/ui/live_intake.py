"""Live intake inside the desktop: a loopback endpoint or a followed file feeds screen pops.

``sayonce run --listen 127.0.0.1:PORT`` (or ``--follow FILE``) starts the intake sources on
background threads; finished calls are recorded by the intake's call recorder, and each
``call_started`` pops the caller's profile through :class:`~sayonce.ui.screen_pop.IntakeBridge`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sayonce.intake.live import IntakeHub
from sayonce.intake.recorder import CallRecorder
from sayonce.intake.sources import FileFollower, LoopbackServer, check_loopback
from sayonce.store import Store


def parse_listen(text: str) -> tuple[str, int]:
    """``127.0.0.1:8765`` → ``("127.0.0.1", 8765)``; loopback addresses only."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--listen {text!r}: use HOST:PORT, e.g. 127.0.0.1:8765")
    host = host.strip("[]")
    check_loopback(host)
    return host, int(port)


class LiveIntake:
    """The hub, the call recorder and one source, for the lifetime of the window."""

    def __init__(self, store: Store, *, listen: str | None = None, follow: Path | None = None):
        """Prepare (nothing runs until :meth:`start`)."""
        self.hub = IntakeHub()
        self.recorder = CallRecorder(store, source="desktop")
        self.recorder.attach(self.hub)
        self._listen = parse_listen(listen) if listen else None
        self._follow = follow
        self._server: LoopbackServer | None = None
        self._follower: FileFollower | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Start the source; return where it listens or what it follows."""
        if self._listen is not None:
            self._server = LoopbackServer(self.hub, *self._listen).start()
            host, port = self._server.address
            return f"listening for calls on http://{host}:{port}/events"
        if self._follow is not None:
            self._follower = FileFollower(self._follow, self.hub, from_start=False)
            self._thread = threading.Thread(
                target=self._follower.run, name="intake-follow", daemon=True
            )
            self._thread.start()
            return f"following {self._follow}"
        return ""

    def stop(self) -> None:
        """Stop the source and store calls still waiting to be saved."""
        if self._server is not None:
            self._server.stop()
        if self._follower is not None:
            self._follower.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        retry: Any = getattr(self.recorder, "retry", None)
        if callable(retry):
            retry()
