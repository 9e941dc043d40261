"""Semantic search as commands, for the desktop's search helper process.

The desktop never imports torch (it would freeze the window, see
:mod:`sayonce.nlp.host_process`), so its "By meaning" search runs in a helper process that
builds a :class:`SearchHost` with :func:`build_search_host` (which loads the embedding model)
and applies the window's commands, one at a time, in order:

* ``Command("pending", (cluster,))`` -> ``[("pending", n)]``: how many of the customer's
  interactions still need vectors (the window says "Indexing n conversations…");
* ``Command("index", (cluster, step))`` -> ``[("indexed", left)]``: embeds the next ``step`` of
  them (newest first) and says how many are left, so the window can show progress and stop
  indexing a customer the agent has left;
* ``Command("semantic", (cluster, query, limit[, indexed_only]))`` ->
  ``[("hits", list[SemanticHit])]``: the search itself (it embeds whatever is still missing
  first, unless ``indexed_only``: then it searches what is indexed so far);
* a command that fails gives ``[("failed", message)]``.

Every command checks the agent may view profiles. Only plain, picklable data goes back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sayonce.history.desk import Desk
from sayonce.history.semantic import (
    SentenceEncoder,
    embed_interactions,
    stale_interactions,
)
from sayonce.nlp.host_process import Command, Output
from sayonce.store import Store
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

log = logging.getLogger(__name__)

INDEX_STEP = 16  # interactions embedded per "index" command: about a second on one core
PROCESS_NAME = "sayonce-search"
WHAT = "search helper"


class SearchHost:
    """Applies the desktop's semantic-search commands for one agent."""

    def __init__(self, desk: Desk, encoder: SentenceEncoder) -> None:
        """Search ``desk``'s store as its agent, with ``encoder`` (capped threads)."""
        self.desk = desk
        self.encoder = encoder
        self._todo: dict[tuple[int, ...], list[int]] = {}  # cluster -> ids still to embed

    def run(self, command: Command) -> list[Output]:
        """Apply one command; a failure is an output too (the window falls back to words)."""
        try:
            return self._apply(command.kind, command.args)
        except Exception as exc:
            log.warning("search command %s failed: %s", command.kind, exc, exc_info=True)
            return [("failed", str(exc) or type(exc).__name__)]

    def _apply(self, kind: str, args: tuple[Any, ...]) -> list[Output]:
        if kind == "pending":
            (cluster,) = args
            return [("pending", len(self._pending(_cluster(cluster))))]
        if kind == "index":
            cluster, step = args
            return [("indexed", self._index(_cluster(cluster), int(step)))]
        if kind == "semantic":
            cluster, query, limit, *partial = args
            key = _cluster(cluster)
            indexed_only = bool(partial and partial[0])
            results = self.desk.semantic(
                list(key), str(query), self.encoder, int(limit), indexed_only=indexed_only
            )
            if not indexed_only:
                self._todo.pop(key, None)  # the search embedded whatever was left
            return [("hits", results.hits)]
        raise ValueError(f"unknown search command {kind!r}")

    def _pending(self, cluster: tuple[int, ...]) -> list[int]:
        model = self.encoder.name
        todo = stale_interactions(self.desk.store, self.desk.principal, cluster, model)
        self._todo[cluster] = todo
        return todo

    def _index(self, cluster: tuple[int, ...], step: int) -> int:
        require(self.desk.principal, Permission.VIEW_PROFILE)
        todo = self._todo.get(cluster)
        if todo is None:
            todo = self._pending(cluster)
        batch, todo[:] = todo[:step], todo[step:]
        embed_interactions(self.desk.store, self.encoder, batch, bulk=False)
        return len(todo)


def _cluster(value: Any) -> tuple[int, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError("a cluster is a list of customer ids")
    return tuple(sorted(int(v) for v in value))


def build_search_host(store: Store, principal: Principal) -> SearchHost:
    """What the desktop's search helper builds: this agent's desk and the local model.

    Loads the embedding model (torch): seconds, with the interpreter lock held, which is why
    it runs in the helper process. Module-level, so the helper can import it by name.
    """
    from sayonce.nlp.embeddings import get_encoder

    return SearchHost(Desk(store, principal), get_encoder())
