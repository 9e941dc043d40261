""""Already told us" facts for demo conversations, from the NLP module's rule-based extractor.

The facts come from the same extractor the importers and live calls use
(:mod:`sayonce.nlp.facts`), run over each generated call, chat and email, so what the demo
shows is what the product would find in real text.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sayonce.demo.rows import Ids, Rows

Extractor = Callable[..., list[Any]]


@dataclass(slots=True)
class FactWriter:
    """Adds ``facts`` rows for the interactions of a batch (nothing if there is no extractor)."""

    extract: Extractor | None

    @classmethod
    def create(cls) -> FactWriter:
        """Use :func:`sayonce.nlp.facts.extract_facts` when the NLP module provides it."""
        try:
            module = importlib.import_module("sayonce.nlp.facts")
        except ImportError:
            return cls(None)
        return cls(getattr(module, "extract_facts", None))

    def add(self, rows: Rows, ids: Ids) -> None:
        """Queue fact rows for every call, chat and email in ``rows``."""
        if self.extract is None:
            return
