"""The NLP side of the window: models load in their own worker after the window is up.

Nothing here imports torch or the NLP modules at import time; :func:`warm_up` and
:func:`load_brief` do, inside the NLP worker thread, so the window never waits on them.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from typing import Any

from sayonce.store import Store

log = logging.getLogger(__name__)
MAX_POINTS = 5


def warm_up() -> str:
    """Load the local models (slow, the first time); return a status line for the window."""
    from sayonce.nlp import embeddings
    from sayonce.nlp.models import ModelMissingError

    try:
        embeddings.get_encoder()
    except ModelMissingError as exc:
        log.warning("models unavailable: %s", exc)
        return "Models unavailable: briefs from rules only"
    return "Models ready"


def _points(brief: Any) -> list[str]:
    for name in ("points", "lines", "items"):
        value = getattr(brief, name, None)
        if isinstance(value, list) and value:
            return [str(getattr(p, "text", p)) for p in value]
    text = getattr(brief, "text", None) or getattr(brief, "summary", None)
    return [str(text)] if text else []


def load_brief(store: Store, cluster: Sequence[int]) -> str:
    """The customer brief as short lines ("" when there is nothing to say)."""
    try:
        enrich = importlib.import_module("sayonce.nlp.enrich")
    except ImportError:
        return ""
    with store.read() as session:
        brief = enrich.customer_brief(session, list(cluster))
    points = _points(brief)[:MAX_POINTS]
    return "\n".join(f"• {p}" for p in points)
