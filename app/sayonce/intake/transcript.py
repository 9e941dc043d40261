"""The text of a call or chat as stored in ``Interaction.body``: one ``Speaker: text`` per turn."""

from __future__ import annotations

from collections.abc import Iterable

SPEAKER_LABELS = {"customer": "Customer", "agent": "Agent", "bot": "Bot", "system": "System"}


def turn_line(speaker: str, text: str) -> str:
    """One turn as a line of the transcript (newlines inside a turn become spaces)."""
    label = SPEAKER_LABELS.get(speaker, speaker.title())
    if "\n" in text or "\r" in text:
        text = " ".join(text.split())
    return f"{label}: {text}"


def join_turns(turns: Iterable[tuple[str, str]]) -> str:
    """The transcript of ``(speaker, redacted text)`` turns."""
    return "\n".join(turn_line(speaker, text) for speaker, text in turns)
