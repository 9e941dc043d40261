"""Few-shot intent detection: ranking, the "none" threshold, and one encode per utterance."""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt
import pytest

from sayonce.nlp.intent import IntentIndex, IntentSpec

INTENTS = [
    IntentSpec("lost_card", "card lost or stolen", ("I lost my card", "my card was stolen")),
    IntentSpec("refund", "refund not received", ("where is my refund", "refund is late")),
    IntentSpec("hours", "store opening hours", ("when do you open",)),
]


class BagOfWords:
    """A deterministic stand-in encoder: hashed word counts, L2-normalized; counts calls."""

    name = "bag-of-words"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.seen += texts
        rows = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            for word in text.lower().replace("?", "").split():
                row[zlib.crc32(word.encode()) % 64] += 1
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.maximum(norms, 1e-9)


def test_the_closest_examples_intent_ranks_first() -> None:
    index = IntentIndex.build(INTENTS, BagOfWords())
    ranking = index.classify("I think my card was stolen", top_k=3)
    assert ranking[0][0] == "lost_card"
    assert len(ranking) == 3 and ranking[0][1] >= ranking[1][1] >= ranking[2][1]


def test_below_the_threshold_the_answer_is_none() -> None:
    index = IntentIndex.build(INTENTS, BagOfWords(), threshold=0.5)
    assert index.best("where is my refund").id == "refund"
    unrelated = index.best("xylophone quartz")
    assert unrelated.id is None and unrelated.score < 0.5


def test_examples_are_embedded_once_and_reused_across_builds() -> None:
    encoder = BagOfWords()
    IntentIndex.build(INTENTS, encoder)
    first = len(encoder.seen)
    index = IntentIndex.build(INTENTS, encoder)  # a playbook reload: nothing new to embed
    assert len(encoder.seen) == first
    vector = index.embed("my card was stolen, card 4111 1111 1111 1111")
    assert encoder.seen[-1] == "my card was stolen, card [CARD]"  # redacted before embedding
    assert index.classify(vector)[0][0] == "lost_card"  # a vector is reused, not re-encoded
    assert len(encoder.seen) == first + 1


def test_an_empty_playbook_classifies_nothing() -> None:
    index = IntentIndex.build([], BagOfWords())
    assert index.classify("anything") == []
    assert index.best("anything").id is None


@pytest.mark.slow
def test_the_local_minilm_model_understands_paraphrases() -> None:
    from sayonce.nlp.embeddings import get_encoder

    index = IntentIndex.build(INTENTS, get_encoder())
    assert index.best("someone took my credit card from my bag").id == "lost_card"
    assert index.best("I sent it back and the money never came").id == "refund"
    assert index.best("are you open on Sunday morning?").id == "hours"


@pytest.mark.slow
def test_bulk_encoding_gives_the_same_vectors_and_restores_the_thread_cap() -> None:
    import torch

    from sayonce.nlp.embeddings import get_encoder

    encoder = get_encoder()
    texts = ["where is my refund", "my card was stolen"]
    capped = torch.get_num_threads()
    assert np.allclose(encoder.encode_bulk(texts), encoder.encode(texts), atol=1e-5)
    assert torch.get_num_threads() == capped
