"""Which sentences state the customer's issue: shared by summaries and "already told us"."""

from __future__ import annotations

import re

from sayonce.nlp import cues
from sayonce.nlp.conversation import CUSTOMER, Sentence

# Customers state the problem early; later sentences need more cues to count.
POSITION_PENALTY = 0.15
SECOND_ISSUE = 2.5
# "Hello,", "Hi Jo,", "Dear team,", "Thanks so much!", "Kind regards": framing, never the issue
_SALUTATION = re.compile(
    r"^(hi|hello|hey|dear|good (morning|afternoon|evening)|thanks|thank you|cheers|"
    r"regards|best|kind regards|many thanks|sincerely)\b[^.!?]{0,30}[,.!]?$",
    re.IGNORECASE,
)


def is_salutation(text: str) -> bool:
    """A greeting or sign-off line rather than something the customer needs."""
    return bool(_SALUTATION.match(text.strip()))


def issue_sentences(said: list[Sentence], fallback: bool = True) -> list[Sentence]:
    """The strongest problem statement, plus a second one from another turn if it is strong.

    With ``fallback`` the customer's first sentence stands in when nothing reads as a problem.
    A message with no customer sentence (our own outbound email or text) states no issue.
    """
    customer = [s for s in said if s.speaker == CUSTOMER and not is_salutation(s.text)]
    if not customer:
        return []
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
