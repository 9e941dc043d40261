"""The NLP side of the window: models load in their own worker after the window is up.

Nothing here imports torch or the NLP modules at import time; :func:`warm_up` and
:func:`load_brief` do, inside the NLP worker thread, so the window never waits on them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sayonce.store import Store

log = logging.getLogger(__name__)
MAX_POINTS = 5


def warm_up() -> str:
    """Load the NLP modules the brief needs; return a status line for the window.

    The brief is rule-based and needs no torch. Loading torch in this process would hold
    the interpreter lock for seconds (its C libraries initialise without releasing it) and
    freeze the window, so embedding models are not loaded here.
    """
    import sayonce.nlp.enrich  # noqa: F401  (the slow import, done here once)
    from sayonce.config import summarizer_path

    return "Models ready" + (" (summarizer loads on first use)" if summarizer_path() else "")


def load_encoder() -> str:
    """Load the embedding model in this process (what ``desktop.models`` measures)."""
    from sayonce.nlp import embeddings
    from sayonce.nlp.models import ModelMissingError

    try:
        embeddings.get_encoder()
    except ModelMissingError as exc:
        log.warning("models unavailable: %s", exc)
        return "Embedding model unavailable"
    return "Embedding model ready"


def brief_lines(brief: Any) -> list[str]:
    """Open promises first, then the other points, each one short line."""
    lines = [f"Promised: {p.text}" for p in getattr(brief, "open_promises", [])]
    seen = set(lines)
    for point in getattr(brief, "points", []):
        line = f"{point.kind.capitalize()}: {point.text}" if point.kind != "issue" else point.text
        if line not in seen and f"Promised: {point.text}" not in seen:
            lines.append(line)
            seen.add(line)
    text = str(getattr(brief, "text", None) or "")
    if not lines and text:
        lines.append(text)
    return lines


def load_brief(store: Store, cluster: Sequence[int]) -> str:
    """The customer brief as a few short lines ("" when there is nothing to say)."""
    from sayonce.nlp.enrich import brief_stored

    lines = brief_lines(brief_stored(store, list(cluster)))[:MAX_POINTS]
    return "\n".join(f"• {line}" for line in lines)
