"""Where live events come from: a stream (stdin), a file being appended to, a loopback endpoint.

Each source reads one JSON event per line and pushes it into an :class:`IntakeHub`, naming
the line (``stdin:17``) so a bad event is reported precisely and skipped. The HTTP endpoint
listens on the loopback interface only (``127.0.0.1`` / ``::1``): telephony and chat
connectors on the same machine POST JSON lines to ``/events``; anything else is refused.
"""

from __future__ import annotations

import http.server
import ipaddress
import json
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any, BinaryIO

from sayonce.intake.live import MAX_EVENT_BYTES, IntakeHub, IntakeProblem

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000


def _bounded_readline(stream: BinaryIO) -> tuple[bytes, bool]:
    """One line, and whether it was cut (too long: the rest of the line is skipped)."""
    line = stream.readline(MAX_EVENT_BYTES + 1)
    if len(line) > MAX_EVENT_BYTES and not line.endswith(b"\n"):
        while (rest := stream.readline(1 << 16)) and not rest.endswith(b"\n"):
            pass
        return line, True
    return line, False


def read_stream(stream: BinaryIO, hub: IntakeHub, name: str = "stdin") -> int:
    """Push every line of ``stream`` until it ends; return how many lines were read."""
    number = 0
    while True:
        line, cut = _bounded_readline(stream)
        if not line:
            return number
        number += 1
        if cut:
            hub.report(IntakeProblem(f"{name}:{number}", "event too large; skipped"))
            continue
        hub.publish_line(line, f"{name}:{number}")


class FileFollower:
    """Follow a file as it grows (like ``tail -F``), pushing each complete line.

    A half-written last line waits for its newline. When the file is truncated or replaced
    (log rotation) reading starts again from its beginning.
    """

    def __init__(
        self, path: Path, hub: IntakeHub, *, from_start: bool = True, poll_s: float = 0.2
    ) -> None:
        """Follow ``path``; with ``from_start`` false, only lines appended from now on."""
        self.path = path
        self.hub = hub
        self.from_start = from_start
        self.poll_s = poll_s
        self.lines = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask :meth:`run` to return."""
        self._stop.set()

    def run(self) -> None:
        """Follow until :meth:`stop` (blocking; run it in a thread)."""
        skip_existing = not self.from_start
        while not self._stop.is_set():
            try:
                stream = self.path.open("rb")
            except FileNotFoundError:
                self._stop.wait(self.poll_s)
                continue
            with stream:
                if skip_existing:
                    stream.seek(0, os.SEEK_END)
                    skip_existing = False
                self._follow(stream)

    def _follow(self, stream: BinaryIO) -> None:
        identity = os.fstat(stream.fileno()).st_ino
        pending = b""
        while not self._stop.is_set():
            chunk, cut = _bounded_readline(stream)
            if cut:
                self.lines += 1
                self.hub.report(IntakeProblem(f"{self.path.name}:{self.lines}", "event too large"))
                pending = b""
                continue
            if chunk:
                pending += chunk
                if pending.endswith(b"\n"):
                    self.lines += 1
                    self.hub.publish_line(pending, f"{self.path.name}:{self.lines}")
                    pending = b""
                continue
            if self._replaced(stream, identity):
                self.lines = 0
                return
            self._stop.wait(self.poll_s)

    def _replaced(self, stream: BinaryIO, identity: int) -> bool:
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return False
        return current.st_ino != identity or current.st_size < stream.tell()


def check_loopback(host: str) -> None:
    """Refuse any address but this computer's own: the endpoint has no authentication."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ValueError(
            f"refusing to listen on {host!r}: the intake endpoint accepts connections from this "
            "computer only; use 127.0.0.1 (or ::1) and run the telephony connector here"
        )


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a client that stops sending does not hold a thread for ever
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("intake http: " + format, *args)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status >= 400:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._reply(200, {"ok": True})
        else:
            self._reply(404, {"error": "not found; POST JSON lines to /events"})

    def do_POST(self) -> None:
        if self.path != "/events":
            self._reply(404, {"error": "not found; POST JSON lines to /events"})
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._reply(411, {"error": "Content-Length required"})
            return
        if int(length) > self.server.max_body:
            self._reply(413, {"error": f"body over {self.server.max_body} bytes; send less"})
            return
        body = self.rfile.read(int(length))
        accepted, problems = self.server.take(body)
        status = 200 if accepted or not problems else 400
        self._reply(status, {"accepted": accepted, "rejected": len(problems), "errors": problems})


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], hub: IntakeHub, max_body: int) -> None:
        self.hub = hub
        self.max_body = max_body
        self.requests = 0
        self._count_lock = threading.Lock()
        super().__init__(address, _Handler)

    def take(self, body: bytes) -> tuple[int, list[str]]:
        with self._count_lock:
            self.requests += 1
            request = self.requests
        problems: list[str] = []
        unsubscribe = self.hub.subscribe_problems(lambda p: problems.append(str(p)))
        try:
            accepted = sum(
                self.hub.publish_line(line, f"http:{request}:{number}")
                for number, line in enumerate(body.splitlines(), start=1)
            )
        finally:
            unsubscribe()
        return accepted, [p for p in problems if p.startswith(f"http:{request}:")]


class _Server6(_Server):
    address_family = socket.AF_INET6


class LoopbackServer:
    """The HTTP endpoint: ``POST /events`` with JSON lines; ``GET /health``."""

    def __init__(
        self, hub: IntakeHub, host: str = "127.0.0.1", port: int = 0, max_body: int = MAX_BODY_BYTES
    ) -> None:
        """Bind to ``host:port`` (port 0: any free port), loopback only."""
        check_loopback(host)
        server_class = _Server6 if ":" in host else _Server
        self._server = server_class((host, port), hub, max_body)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The host and port actually bound."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def serve_forever(self) -> None:
        """Serve on this thread until :meth:`stop`."""
        self._server.serve_forever(poll_interval=0.2)

    def start(self) -> LoopbackServer:
        """Serve on a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, name="intake-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
