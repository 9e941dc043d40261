"""A tiny deterministic text encoder so UI tests run the real LiveSession without a model."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import numpy.typing as npt

from sayonce.store import Store
from sayonce.trust.principal import Principal

DIM = 128
_WORD = re.compile(r"[a-z']+")


class BagOfWordsEncoder:
    """Hashed bag of words, L2-normalized: texts sharing words are similar."""

    name = "tests.assist_fakes.bag-of-words-128"  # the vector cache is keyed by this name

    def encode(self, texts: list[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


def session_factory(store: Store | None, principal: Principal) -> Any:
    """Build the real LiveSession on the shipped playbook with the fake encoder."""

    def build() -> Any:
        from sayonce.assist.playbook import load_default_playbook
        from sayonce.assist.relevance import ActionIndex
        from sayonce.assist.session import LiveSession

        playbook = load_default_playbook()
        return LiveSession(
            playbook,
            ActionIndex(playbook, BagOfWordsEncoder()),
            store=store,
            agent_id=principal.agent_id,
        )

    return build


def build_host(store: Store, principal: Principal) -> Any:
    """The desktop's host with the fake encoder (run by the assist helper process in tests)."""
    from sayonce.review.live_assist import host_for

    return host_for(session_factory(store, principal)(), store, principal)


def failing_host(store: Store, principal: Principal) -> Any:
    """A helper whose session cannot be built (a missing model, say)."""
    raise RuntimeError("the model folder is empty")


def crashing_host(store: Store, principal: Principal) -> Any:
    """A helper that dies while it loads (a native crash, the OOM killer)."""
    import os

    os._exit(3)


def offline_host(store: Store, principal: Principal) -> Any:
    """The fake host, built only if Hugging Face is forced offline in the helper."""
    import os
    import sys

    from sayonce.config import OFFLINE_ENV

    online = {k: os.environ.get(k) for k, v in OFFLINE_ENV.items() if os.environ.get(k) != v}
    if online:
        raise RuntimeError(f"helper not offline: {online}")
    loaded = [m for m in ("transformers", "sentence_transformers", "torch") if m in sys.modules]
    if loaded:
        raise RuntimeError(f"imported before the host was built: {loaded}")
    return build_host(store, principal)
