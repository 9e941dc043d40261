"""Which sentences state the customer's issue: shared by summaries and "already told us"."""

from __future__ import annotations

from sayonce.nlp import cues
from sayonce.nlp.conversation import CUSTOMER, Sentence

# Customers state the problem early; later sentences need more cues to count.
POSITION_PENALTY = 0.15
SECOND_ISSUE = 2.5


def issue_sentences(said: list[Sentence], fallback: bool = True) -> list[Sentence]:
    """The strongest problem statement, plus a second one from another turn if it is strong.

    With ``fallback`` the customer's first sentence stands in when nothing reads as a problem.
    """
    customer = [s for s in said if s.speaker == CUSTOMER] or said
    cut = max(1, int(len(customer) * 0.7))
    scored = [
        (cues.problem_score(s.text) - POSITION_PENALTY * n, s) for n, s in enumerate(customer[:cut])
    ]
    scored = [(score, s) for score, s in scored if score > 1.0]
    if not scored:
        return customer[:1] if fallback else []
    scored.sort(key=lambda pair: -pair[0])
    best = [scored[0][1]]
    for score, sentence in scored[1:3]:
        if score >= SECOND_ISSUE and sentence.turn != best[0].turn:
            best.append(sentence)
            break
    return sorted(best, key=lambda s: s.index)
