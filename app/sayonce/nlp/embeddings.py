"""Sentence embeddings with the local MiniLM model, loaded lazily, once, off the UI thread."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from sayonce.config import force_offline
from sayonce.nlp.models import model_path

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MODEL_NAME = "minilm"
# Leave a core for the UI: inference must never starve the event loop.
TORCH_THREADS = max(1, min(2, (os.cpu_count() or 2) - 1))

_lock = threading.Lock()
_bulk_lock = threading.Lock()
_encoder: Encoder | None = None


class Encoder:
    """Wraps a sentence-transformers model; ``encode`` returns L2-normalized float32 rows."""

    def __init__(self, model: Any, name: str) -> None:
        """Use :func:`get_encoder` instead."""
        self._model = model
        self.name = name
        self.dimension = int(model.get_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        """Embed ``texts`` (already redacted) as unit vectors."""
        import numpy as np

        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_bulk(self, texts: list[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        """Like :meth:`encode`, on every core: for imports and re-indexing, not live calls."""
        import torch

        with _bulk_lock:
            capped = torch.get_num_threads()
            torch.set_num_threads(os.cpu_count() or capped)
            try:
                return self.encode(texts, batch_size)
            finally:
                torch.set_num_threads(capped)


def load_encoder(path: str | None = None) -> Encoder:
    """Load a sentence-transformers model from a local folder (no network, ever)."""
    force_offline()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(TORCH_THREADS)
    folder = path or str(model_path(MODEL_NAME))
    model = SentenceTransformer(folder, device="cpu", local_files_only=True)
    return Encoder(model, name=os.path.basename(os.path.normpath(folder)) or MODEL_NAME)


def get_encoder() -> Encoder:
    """The process's shared encoder, loaded on first use (call from a worker thread)."""
    global _encoder
    with _lock:
        if _encoder is None:
            _encoder = load_encoder()
        return _encoder


def is_loaded() -> bool:
    """Whether the shared encoder is ready (so the UI can say "models loading")."""
    return _encoder is not None
