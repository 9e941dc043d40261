"""Which sentences state the customer's issue: shared by summaries and "already told us"."""

from __future__ import annotations

import re

from sayonce.nlp import cues
from sayonce.nlp.conversation import CUSTOMER, Sentence

# Customers state the problem early; later sentences need more cues to count.
POSITION_PENALTY = 0.15
SECOND_ISSUE = 2.5
# Framing, never the issue: a greeting or sign-off followed by at most a name ("Hello,",
# "Hi Jo,", "Dear Northwind support team,", "Kind regards, Ann Lee"), and sentences made only of
# politeness ("Great, thank you", "Ok thanks so much for the quick help!", "Yes, perfect").
_OPENERS = tuple(
    tuple(phrase.split())
    for phrase in (
        "good morning",
        "good afternoon",
        "good evening",
        "kind regards",
        "best regards",
        "many thanks",
        "thank you",
        "hi",
        "hello",
        "hey",
        "dear",
        "thanks",
        "cheers",
        "regards",
        "best",
        "sincerely",
    )
)
_ADDRESSEES = frozenset(["there", "team", "all", "everyone", "support", "folks", "again", "and"])
_COURTESY = frozenset(
    [
        "a",
        "all",
        "alright",
        "appreciate",
        "appreciated",
        "awesome",
        "brilliant",
        "bye",
        "cheers",
        "day",
        "everything",
        "excellent",
        "fantastic",
        "fine",
        "fixed",
        "for",
        "good",
        "goodbye",
        "great",
        "have",
        "help",
        "helpful",
        "it",
        "lovely",
        "much",
        "nice",
        "now",
        "ok",
        "okay",
        "perfect",
        "quick",
        "really",
        "solved",
        "solves",
        "sorted",
        "so",
        "sounds",
        "super",
        "sure",
        "that",
        "that's",
        "thank",
        "thanks",
        "the",
        "then",
        "this",
        "very",
        "was",
        "wonderful",
        "works",
        "worked",
        "yes",
        "you",
        "your",
    ]
)
_WORD = re.compile(r"[A-Za-z][\w'.-]*")


def is_salutation(text: str) -> bool:
    """A greeting, sign-off or thank-you line rather than something the customer needs."""
    words = [w.strip(".") for w in _WORD.findall(text.replace("\u2019", "'"))]
    lower = [w.lower() for w in words]
    if not words:
        return False
    for opener in _OPENERS:
        if tuple(lower[: len(opener)]) == opener:
            rest = words[len(opener) :]
            if len(rest) <= 3 and all(w[:1].isupper() or w.lower() in _ADDRESSEES for w in rest):
                return True
            break
    return len(lower) <= 12 and _COURTESY.issuperset(lower)


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
