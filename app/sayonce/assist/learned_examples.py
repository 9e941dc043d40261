"""Examples learned from agents: what customers said when an action was taken or rejected.

When an agent accepts a suggestion, the customer's words that made it relevant become a new
example of that action; when an agent dismisses one as "not relevant", those words become a
counter-example. A later utterance close to an example raises the action's similarity as a
playbook example would; one close to a counter-example lowers it. This is what lets feedback
fix a *kind* of conversation ("I won't need deliveries while I'm abroad" is a pause, not a
cancellation) instead of only moving an action up or down everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sayonce.nlp.intent import TextEncoder, encode_cached

Vector = npt.NDArray[np.float32]
EXAMPLE_DISCOUNT = 0.95  # a learned example counts a little less than a playbook one
COUNTER_FLOOR = 0.35  # a counter-example closer than this and than any example of the action
COUNTER_WEIGHT = 1.0  # pulls it down by this much per unit of similarity beyond
PER_ACTION_LIMIT = 200  # newest examples kept per action and sign


@dataclass(frozen=True, slots=True)
class LearnedExample:
    """A redacted utterance that was (``positive``) or was not the right action's cue."""

    action_id: str
    text: str
    positive: bool


class ExampleMemory:
    """Learned examples and counter-examples, embedded, ready to adjust similarities."""

    def __init__(self) -> None:
        """Start empty."""
        self.examples: list[LearnedExample] = []
        self._vectors: dict[int, Vector] = {}
        self._matrix: Vector | None = None
        self._rows: list[int] = []
        self._position: dict[str, int] | None = None
        self._owners: npt.NDArray[np.intp] = np.zeros(0, dtype=np.intp)
        self._positive: npt.NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)

    def add(self, example: LearnedExample, vector: Vector | None = None) -> None:
        """Remember an example (embedded now if ``vector`` is given, else at :meth:`prepare`)."""
        same = [
            i
            for i, e in enumerate(self.examples)
            if e.action_id == example.action_id and e.positive == example.positive
        ]
        if len(same) >= PER_ACTION_LIMIT:
            self._forget(same[0])
        self.examples.append(example)
        if vector is not None:
            self._vectors[len(self.examples) - 1] = vector
        self._matrix = None

    def prepare(self, encoder: TextEncoder) -> None:
        """Embed examples loaded without vectors (one batch; cached by text)."""
        missing = [i for i in range(len(self.examples)) if i not in self._vectors]
        if missing:
            vectors = encode_cached(encoder, [self.examples[i].text for i in missing])
            self._vectors.update(zip(missing, vectors, strict=True))
            self._matrix = None

    def adjust(self, similarity: Vector, vector: Vector, position: dict[str, int]) -> Vector:
        """Per-action similarities of an utterance, corrected by what agents taught.

        ``position`` maps action ids to their place in ``similarity``.
        """
        built = self._build(position)
        if built is None:
            return similarity
        matrix, owners, positive = built
        closeness = matrix @ vector
        best_example = np.full(len(similarity), -1.0, dtype=np.float32)
        np.maximum.at(best_example, owners[positive], closeness[positive])
        best_counter = np.full(len(similarity), -1.0, dtype=np.float32)
        np.maximum.at(best_counter, owners[~positive], closeness[~positive])
        adjusted = np.maximum(similarity, EXAMPLE_DISCOUNT * best_example)
        # a counter-example only counts when it is the nearest thing the action knows
        nearest = np.maximum(adjusted, COUNTER_FLOOR)
        penalty = COUNTER_WEIGHT * np.clip(best_counter - nearest, 0.0, None)
        result: Vector = (adjusted - penalty).astype(np.float32)
        return result

    def __len__(self) -> int:
        """How many examples are remembered."""
        return len(self.examples)

    def _build(
        self, position: dict[str, int]
    ) -> tuple[Vector, npt.NDArray[np.intp], npt.NDArray[np.bool_]] | None:
        if self._matrix is None or self._position is not position:
            self._position = position
            self._rows = [
                i
                for i in range(len(self.examples))
                if i in self._vectors and self.examples[i].action_id in position
            ]
            if not self._rows:
                self._matrix = None
                return None
            self._matrix = np.stack([self._vectors[i] for i in self._rows])
            self._owners = np.asarray(
                [position[self.examples[i].action_id] for i in self._rows], dtype=np.intp
            )
            self._positive = np.asarray([self.examples[i].positive for i in self._rows])
        return self._matrix, self._owners, self._positive

    def _forget(self, index: int) -> None:
        del self.examples[index]
        self._vectors = {
            (i if i < index else i - 1): v for i, v in self._vectors.items() if i != index
        }
        self._matrix = None
