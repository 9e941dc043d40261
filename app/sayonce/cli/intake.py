"""``sayonce intake``: record live calls pushed by telephony/CTI or chat systems.

Reads one JSON event per line from stdin, from a file being appended to, or from a loopback
HTTP endpoint (``POST /events``), and stores each finished call with its turns.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args


def register(sub: Any) -> None:
    """Add the ``intake`` subcommand."""
    parser = sub.add_parser(
        "intake",
        help="record live calls from stdin, a followed file or a loopback HTTP endpoint",
        description="Events (one JSON object per line): call_started {call_id, from, to, at, "
        "customer?}, utterance {call_id, speaker, text, at | offset_ms, final?}, action "
        "{call_id, action_id}, call_ended {call_id, at}. Bad events are reported and skipped.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stdin", action="store_true", help="read events from standard input")
    source.add_argument("--follow", type=Path, metavar="FILE", help="follow a growing file")
    source.add_argument(
        "--listen", metavar="127.0.0.1:PORT", help="serve POST /events on this loopback address"
    )
    parser.add_argument("--from-end", action="store_true", help="with --follow: new lines only")
    parser.add_argument("--source", default="intake", help="source name of stored calls")
    parser.add_argument("--quiet", action="store_true", help="print problems only")
    add_db_option(parser)
    parser.set_defaults(func=_run)


def parse_listen(text: str) -> tuple[str, int]:
    """``127.0.0.1:8765``, ``[::1]:8765`` or ``8765`` → host and port."""
    if text.isdigit():
        return "127.0.0.1", int(text)
    host, _, port = text.rpartition(":")
    if not port.isdigit() or not host:
        raise ValueError(f"--listen wants HOST:PORT such as 127.0.0.1:8765, got {text!r}")
    return host.strip("[]"), int(port)


def _run(args: argparse.Namespace) -> int:
    from sayonce.intake.live import IntakeHub
    from sayonce.intake.recorder import CallRecorder

    listen = None
    if args.listen:
        try:
            listen = parse_listen(args.listen)
            from sayonce.intake.sources import check_loopback

            check_loopback(listen[0])
        except ValueError as exc:
            print(f"sayonce intake: {exc}", file=sys.stderr)
            return 2
    store = open_from_args(args)
    hub = IntakeHub()
    hub.subscribe_problems(lambda p: print(f"skipped {p}", file=sys.stderr, flush=True))
    recorder = CallRecorder(store, source=args.source)
    recorder.attach(hub)
    if not args.quiet:
        recorder.on_stored(
            lambda s: print(
                f"stored call {s.call_id}: interaction {s.interaction_id}, customer "
                f"{s.customer_id}{' (new unverified profile)' if s.new_profile else ''}, "
                f"{s.turns} turns",
                flush=True,
            )
        )
    try:
        _serve(args, hub, listen)
    except KeyboardInterrupt:
        pass
    finally:
        recorder.retry()
        _goodbye(recorder)
        store.dispose()
    return 0 if not recorder.unsaved() else 1


def _serve(args: argparse.Namespace, hub: Any, listen: tuple[str, int] | None) -> None:
    from sayonce.intake.sources import FileFollower, LoopbackServer, read_stream

    if args.stdin:
        read_stream(sys.stdin.buffer, hub, "stdin")
    elif args.follow:
        print(f"following {args.follow} (Ctrl+C to stop)", file=sys.stderr, flush=True)
        FileFollower(args.follow, hub, from_start=not args.from_end).run()
    elif listen is not None:
        server = LoopbackServer(hub, *listen)
        host, port = server.address
        print(
            f"listening on http://{host}:{port}/events (Ctrl+C to stop)",
            file=sys.stderr,
            flush=True,
        )
        try:
            server.serve_forever()
        finally:
            server.stop()


def _goodbye(recorder: Any) -> None:
    open_calls = recorder.active_calls()
    if open_calls:
        print(
            f"{len(open_calls)} call(s) never ended, not stored: {', '.join(open_calls)}",
            file=sys.stderr,
        )
    if recorder.unsaved():
        print(f"{recorder.unsaved()} finished call(s) could not be stored", file=sys.stderr)
