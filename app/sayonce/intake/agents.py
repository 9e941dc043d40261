"""Agents named by username in imported or live data."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sayonce.store.agents import Agent, Role


class AgentDirectory:
    """Username → agent id, cached; an unknown username is added *inactive*.

    An inactive agent cannot sign in: it only keeps "who handled this contact" in the history
    until an admin enables the account.
    """

    def __init__(self, session: Session) -> None:
        """Look agents up (and add them) through ``session``."""
        self.session = session
        self._ids: dict[str, int] = {}

    def id_for(self, username: str) -> int:
        """The id of the agent with ``username``."""
        if username not in self._ids:
            found = self.session.scalar(select(Agent.id).where(Agent.username == username))
            if found is None:
                row = {"username": username, "display_name": username, "active": False}
                found = self.session.execute(
                    insert(Agent).returning(Agent.id), {**row, "role": Role.AGENT.value}
                ).scalar_one()
            self._ids[username] = found
        return self._ids[username]
