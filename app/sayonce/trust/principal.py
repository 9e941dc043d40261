"""Who is acting: passed into every core function that checks a permission or writes audit."""

from __future__ import annotations

from dataclasses import dataclass

from sayonce.store.agents import Role


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user (or a system process such as an importer)."""

    username: str
    role: Role
    agent_id: int | None = None
    display_name: str = ""

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        """The identity of unattended work (imports, intake, migrations): admin rights."""
        return cls(username=name, role=Role.ADMIN, display_name=name)
