"""Hosts the desktop's search helper process builds in tests (imported there by name)."""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from sayonce.history.desk import Desk
from sayonce.history.semantic_host import SearchHost
from sayonce.store import Store
from sayonce.trust.principal import Principal
from tests.assist_fakes import BagOfWordsEncoder

ENCODE_DELAY_S = 0.01  # per text: indexing takes long enough to report progress


class SlowBagOfWords(BagOfWordsEncoder):
    """The bag-of-words encoder, a little slow, like a model on one core."""

    name = "tests.semantic_fakes.bag-of-words"

    def encode(self, texts: list[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        time.sleep(ENCODE_DELAY_S * len(texts))
        return super().encode(texts, batch_size)


def bag_of_words_search_host(store: Store, principal: Principal) -> SearchHost:
    """The real search host with a fast, deterministic encoder (no torch)."""
    return SearchHost(Desk(store, principal), SlowBagOfWords())


def failing_search_host(store: Store, principal: Principal) -> SearchHost:
    """A helper whose model cannot load."""
    raise RuntimeError("the model folder is empty")
