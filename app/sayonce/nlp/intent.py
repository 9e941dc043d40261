"""Few-shot intent detection: each intent is its description plus example phrases, embedded once.

The index knows nothing about playbook files: callers hand it :class:`IntentSpec` items (the
assist layer builds them from playbook actions). An utterance is embedded once and compared
with every example; an intent scores its best example, and below the threshold the answer
is "none".
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sayonce.privacy.redact import redact

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

NONE = "none"
# Cosine similarity of all-MiniLM-L6-v2 below which nothing in the playbook fits; chosen on
# the labelled set in resources/eval (see docs/nlp.md, "Intent").
DEFAULT_THRESHOLD = 0.35
_CACHE_LIMIT = 20_000


class TextEncoder(Protocol):
    """What the index needs from an encoder (``sayonce.nlp.embeddings.Encoder`` fits)."""

    name: str

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """L2-normalized float32 rows, one per text."""
        ...


@dataclass(frozen=True, slots=True)
class IntentSpec:
    """An intent (or playbook action) to recognise: id, what it is about, example phrases."""

    id: str
    description: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """The best intent (``None`` under the threshold), its score and the top of the ranking."""

    id: str | None
    score: float
    ranking: list[tuple[str, float]]


_lock = threading.Lock()
_vectors: dict[tuple[str, str], npt.NDArray[np.float32]] = {}


def encode_cached(encoder: TextEncoder, texts: list[str]) -> npt.NDArray[np.float32]:
    """Embed ``texts``, reusing vectors of texts seen before (playbook edits re-embed only news)."""
    import numpy as np

    with _lock:
        known = {t: _vectors[(encoder.name, t)] for t in texts if (encoder.name, t) in _vectors}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        known.update(zip(missing, encoder.encode(missing), strict=True))
        with _lock:
            if len(_vectors) + len(missing) > _CACHE_LIMIT:
                _vectors.clear()
            _vectors.update({(encoder.name, t): known[t] for t in missing})
    return np.stack([known[t] for t in texts])


class IntentIndex:
    """Example embeddings of every intent, ready to score utterances."""

    def __init__(
        self,
        ids: list[str],
        owners: npt.NDArray[np.intp],
        vectors: npt.NDArray[np.float32],
        encoder: TextEncoder,
        threshold: float,
    ) -> None:
        """Use :meth:`build`."""
        self.ids = ids
        self._owners = owners
        self._vectors = vectors
        self._encoder = encoder
        self.threshold = threshold

    @classmethod
    def build(
        cls,
        items: Sequence[IntentSpec],
        encoder: TextEncoder,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> IntentIndex:
        """Embed every description and example (cached across builds)."""
        import numpy as np

        texts, owners = [], []
        for number, item in enumerate(items):
            for text in (item.description, *item.examples):
                if text.strip():
                    texts.append(text.strip())
                    owners.append(number)
        vectors = encode_cached(encoder, texts) if texts else np.zeros((0, 1), dtype=np.float32)
        return cls(
            [i.id for i in items], np.asarray(owners, dtype=np.intp), vectors, encoder, threshold
        )

    def embed(self, text: str) -> npt.NDArray[np.float32]:
        """The utterance's vector (redacted first); pass it to :meth:`classify` to reuse it."""
        return self._encoder.encode([redact(text)])[0]

    def classify(
        self, text_or_vector: str | npt.NDArray[np.float32], top_k: int = 3
    ) -> list[tuple[str, float]]:
        """The ``top_k`` (intent id, score) pairs, best first (score: best example cosine)."""
        import numpy as np

        if not self.ids or len(self._owners) == 0:
            return []
        vector = self.embed(text_or_vector) if isinstance(text_or_vector, str) else text_or_vector
        similarity = self._vectors @ vector
        best = np.full(len(self.ids), -1.0, dtype=np.float32)
        np.maximum.at(best, self._owners, similarity)
        order = np.argsort(-best)[:top_k]
        return [(self.ids[i], round(float(best[i]), 4)) for i in order]

    def best(self, text_or_vector: str | npt.NDArray[np.float32], top_k: int = 3) -> IntentMatch:
        """The top intent, or ``None`` when even the best is under the threshold."""
        ranking = self.classify(text_or_vector, top_k)
        if not ranking or ranking[0][1] < self.threshold:
            return IntentMatch(None, ranking[0][1] if ranking else 0.0, ranking)
        return IntentMatch(ranking[0][0], ranking[0][1], ranking)
