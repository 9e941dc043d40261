"""How relevant each playbook action is to the conversation so far.

The action texts (title, description, examples) and guided-step texts are embedded once,
when the index is built; each utterance then costs one encode call and one small matrix
product. Relevance is recency-weighted: a customer turn's similarity to an action fades by
:data:`DECAY` with every later customer turn, so a new topic takes over from an old one
while a strong early statement ("I lost my card") is not forgotten at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sayonce.assist.playbook import Action, Playbook
from sayonce.nlp.intent import IntentIndex, IntentSpec, TextEncoder, encode_cached

Vector = npt.NDArray[np.float32]
# Cosine similarities of MiniLM below FLOOR are unrelated text; CEIL and above is a paraphrase.
FLOOR = 0.2
CEIL = 0.7
DECAY = 0.8
QUOTE_CHARS = 60
_WORD = re.compile(r"[a-z0-9']+")
_CLAUSE = re.compile(r"[.!?;,]+\s*|\s+(?:but|and|so|because)\s+")
_STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        "i me my a an the is are was were be to of and or in on at for it this that you your "
        "we our can could would will just so do does did have has had not no yes please hi "
        "hello um uh like get got",
    )
)


class ActionIndex:
    """Cached embeddings of every enabled action and guided step of a playbook."""

    def __init__(self, playbook: Playbook, encoder: TextEncoder) -> None:
        """Embed every action and step text in one batch."""
        self.encoder = encoder
        self.actions: tuple[Action, ...] = tuple(playbook.enabled_actions)
        self.position = {action.id: i for i, action in enumerate(self.actions)}
        action_texts = [_action_texts(a) for a in self.actions]
        self.steps: tuple[tuple[str, str], ...] = tuple(
            (a.id, s.id) for a in self.actions for s in a.steps
        )
        step_texts = [[s.title, *s.examples] for a in self.actions for s in a.steps]
        flat = [t for group in action_texts + step_texts for t in group]
        vectors = encode_cached(encoder, flat) if flat else np.zeros((0, 1), dtype=np.float32)
        self.intents = IntentIndex.build(_intent_specs(self.actions), encoder)
        split = sum(len(g) for g in action_texts)
        self._action_vectors = np.ascontiguousarray(vectors[:split])
        self._action_starts = _starts(action_texts)
        self._step_vectors = np.ascontiguousarray(vectors[split:])
        self._step_starts = _starts(step_texts)
        self.words = [_words(" ".join(g)) for g in action_texts]

    def embed(self, text: str) -> Vector:
        """One encode call: the utterance's unit vector."""
        vector: Vector = self.encoder.encode([text])[0]
        return vector

    def action_similarity(self, vector: Vector) -> Vector:
        """Best cosine similarity of ``vector`` to each action's texts (action order)."""
        if not self.actions:
            return np.zeros(0, dtype=np.float32)
        sims = self._action_vectors @ vector
        best: Vector = np.maximum.reduceat(sims, self._action_starts)
        return best

    def step_similarity(self, vector: Vector) -> Vector:
        """Best cosine similarity of ``vector`` to each step's title and examples."""
        if not self.steps:
            return np.zeros(0, dtype=np.float32)
        best: Vector = np.maximum.reduceat(self._step_vectors @ vector, self._step_starts)
        return best


def calibrate(similarity: Vector) -> Vector:
    """Map raw cosine similarity to a 0..1 relevance."""
    scaled: Vector = np.clip((similarity - FLOOR) / (CEIL - FLOOR), 0.0, 1.0)
    return scaled


@dataclass(frozen=True, slots=True)
class Evidence:
    """The customer turn that makes an action relevant, and how similar it was."""

    turn: int
    text: str
    similarity: float
    utterance: str


class ConversationRelevance:
    """Recency-weighted relevance of every action to what the customer said so far."""

    def __init__(self, index: ActionIndex) -> None:
        """Start with nothing said."""
        self.index = index
        size = len(index.actions)
        self.relevance: Vector = np.zeros(size, dtype=np.float32)
        self.latest: Vector = np.zeros(size, dtype=np.float32)
        self._turn = np.full(size, -1, dtype=np.int64)
        self._raw: Vector = np.zeros(size, dtype=np.float32)
        self._texts: list[str] = []
        self._turn_numbers: list[int] = []
        self._vectors: list[Vector] = []

    def add_customer_turn(self, turn: int, text: str, similarity: Vector, vector: Vector) -> None:
        """Fold one customer turn's similarities into the running relevance."""
        self._texts.append(text)
        self._vectors.append(vector)
        self._turn_numbers.append(turn)
        self.latest = calibrate(similarity)
        self.relevance *= DECAY
        better = self.latest > self.relevance
        self.relevance = np.where(better, self.latest, self.relevance)
        self._turn = np.where(better, len(self._texts) - 1, self._turn)
        self._raw = np.where(better, similarity, self._raw)

    def evidence(self, position: int) -> Evidence | None:
        """The turn behind action ``position``'s relevance (``None`` if nothing matched)."""
        k = int(self._turn[position])
        if k < 0 or self.relevance[position] <= 0:
            return None
        words = self.index.words[position]
        quote = best_clause(self._texts[k], words)
        return Evidence(self._turn_numbers[k], quote, float(self._raw[position]), self._texts[k])

    def cue(self, position: int) -> tuple[str, Vector] | None:
        """The whole utterance behind action ``position``'s relevance, and its vector."""
        k = int(self._turn[position])
        if k < 0 or self.relevance[position] <= 0:
            return None
        return self._texts[k], self._vectors[k]

    @property
    def customer_turns(self) -> int:
        """How many customer turns were folded in."""
        return len(self._texts)


def best_clause(text: str, action_words: frozenset[str]) -> str:
    """The short part of ``text`` sharing most words with the action (for the reason)."""
    clauses = [c.strip() for c in _CLAUSE.split(text) if c and c.strip()]
    if not clauses:
        return _shorten(text)
    best = max(clauses, key=lambda c: (len(_words(c) & action_words), -abs(len(c) - 30)))
    if not _words(best) & action_words:
        best = max(clauses, key=len)
    return _shorten(best)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= QUOTE_CHARS:
        return text
    return text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS)


def _action_texts(action: Action) -> list[str]:
    return [action.title, action.description, *action.examples]


def _starts(groups: Sequence[Sequence[str]]) -> npt.NDArray[np.intp]:
    starts, total = [], 0
    for group in groups:
        starts.append(total)
        total += len(group)
    return np.asarray(starts, dtype=np.intp)


def _intent_specs(actions: Sequence[Action]) -> list[IntentSpec]:
    """One intent per label the playbook uses, described by the actions that answer it."""
    texts: dict[str, list[str]] = {}
    for action in actions:
        for label in action.intents or [action.id]:
            texts.setdefault(label, []).extend([action.description, *action.examples])
    return [IntentSpec(label, t[0], tuple(t[1:])) for label, t in texts.items()]
