"""The live session in a helper process, so loading the model never freezes the window.

The machinery is the generic :mod:`sayonce.nlp.host_process` (semantic search in the desktop
uses it too); this module names the live call's helper (process ``sayonce-assist``, "the
suggestion helper" in messages) and re-exports what the desktop and the self-test use. The
helper opens the database by its URL, builds a :class:`~sayonce.assist.host.SessionHost`
(``builder``, e.g. :func:`sayonce.review.live_assist.build_host`) and applies the panel's
commands over a pipe, one at a time, in order.
"""

from __future__ import annotations

from sayonce.nlp.host_process import (
    STOP_WAIT_S,
    WATCH_S,
    Cancelled,
    Command,
    HelperStopped,
    Host,
    HostBuilder,
    Output,
    serve,
)
from sayonce.nlp.host_process import HostProcess as _HostProcess
from sayonce.trust.principal import Principal

PROCESS_NAME = "sayonce-assist"
WHAT = "suggestion helper"


class HostProcess(_HostProcess):
    """The desktop's handle on the live call's helper: start it, send it commands, stop it."""

    def __init__(self, url: str, principal: Principal, builder: HostBuilder) -> None:
        """Nothing runs until :meth:`start`."""
        super().__init__(url, principal, builder, name=PROCESS_NAME, what=WHAT)


__all__ = [
    "PROCESS_NAME",
    "STOP_WAIT_S",
    "WATCH_S",
    "Cancelled",
    "Command",
    "HelperStopped",
    "Host",
    "HostBuilder",
    "HostProcess",
    "Output",
    "serve",
]
