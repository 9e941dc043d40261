"""The desktop's live assist session, wired to the supervisor side.

An agent's session ranks with the playbook version supervisors made active and asks, while
the call goes on, what supervisors decided on its approval requests. :func:`build_host` is
what the desktop's helper process runs (:mod:`sayonce.assist.host_process`): it is a
module-level function so it can be named across the process boundary.
"""

from __future__ import annotations

from typing import Any

from sayonce.assist.host import ApprovalLookup, SessionHost
from sayonce.assist.session import LiveSession
from sayonce.store import Store
from sayonce.trust.principal import Principal


def build_session(store: Store, principal: Principal) -> LiveSession:
    """The session the desktop uses: the active playbook, the local model, this agent.

    Loads the embedding model (torch): seconds, and the interpreter lock is held meanwhile,
    so call it from a helper process or a worker thread, never from the UI thread.
    """
    from sayonce.assist.playbook import load_default_playbook
    from sayonce.assist.relevance import ActionIndex
    from sayonce.nlp.embeddings import get_encoder
    from sayonce.review import playbooks

    try:
        playbook, version = playbooks.active(store, principal)
    except KeyError:
        playbook, version = load_default_playbook(), 0
    index = ActionIndex(playbook, get_encoder())
    return LiveSession(
        playbook,
        index,
        store=store,
        agent_id=principal.agent_id,
        playbook_version=version or None,
    )


def approval_lookup(store: Store, principal: Principal) -> ApprovalLookup:
    """Supervisors' decisions on this agent's requests, by suggestion id."""
    from sayonce.review.approvals import decisions

    def lookup(suggestion_ids: list[int]) -> list[Any]:
        return list(decisions(store, principal, suggestion_ids))

    return lookup


def host_for(session: LiveSession, store: Store | None, principal: Principal) -> SessionHost:
    """A host for ``session`` that reads facts and approval decisions from ``store``."""
    lookup = approval_lookup(store, principal) if store is not None else None
    return SessionHost(session, store, lookup)


def build_host(store: Store, principal: Principal) -> SessionHost:
    """The desktop's default host (what the helper process builds)."""
    return host_for(build_session(store, principal), store, principal)
