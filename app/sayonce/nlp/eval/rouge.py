"""ROUGE-1, ROUGE-2 and ROUGE-L F1 (Lin, 2004), without stemming.

Written here so ``sayonce eval`` runs in an installed app without the research package;
tests check it against ``rouge-score`` on the same inputs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """Lower-case alphanumeric tokens (the ``rouge-score`` default tokenizer)."""
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True, slots=True)
class Rouge:
    """F1 of unigram, bigram and longest-common-subsequence overlap."""

    rouge1: float
    rouge2: float
    rougeL: float  # the metric's usual name


def _f1(overlap: int, candidate: int, reference: int) -> float:
    if not overlap or not candidate or not reference:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def _ngram_f1(candidate: list[str], reference: list[str], n: int) -> float:
    grams_c = Counter(zip(*(candidate[i:] for i in range(n)), strict=False))
    grams_r = Counter(zip(*(reference[i:] for i in range(n)), strict=False))
    overlap = sum((grams_c & grams_r).values())
    return _f1(overlap, sum(grams_c.values()), sum(grams_r.values()))


def _lcs(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge(candidate: str, reference: str) -> Rouge:
    """ROUGE F1 scores of ``candidate`` against ``reference``."""
    c, r = tokens(candidate), tokens(reference)
    return Rouge(_ngram_f1(c, r, 1), _ngram_f1(c, r, 2), _f1(_lcs(c, r), len(c), len(r)))


def mean(scores: list[Rouge]) -> Rouge:
    """Average of several scores."""
    n = max(1, len(scores))
    return Rouge(
        sum(s.rouge1 for s in scores) / n,
        sum(s.rouge2 for s in scores) / n,
        sum(s.rougeL for s in scores) / n,
    )
