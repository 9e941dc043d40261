"""Properties of redaction over generated text (hypothesis)."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from sayonce.nlp.eval.pii_cases import FORMATS, NETWORKS, luhn_complete
from sayonce.privacy.digit_runs import HAS_SPOKEN
from sayonce.privacy.redact import redact, redact_spans

# Surrounding words without digits, digit words or "@": whatever is redacted is the card.
WORDS = st.lists(
    st.sampled_from(["please", "my", "card", "is", "thanks", "the", "number", "ok", "and", "so"]),
    max_size=6,
).map(" ".join)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """As written or spoken: a Luhn-valid card of any network."""
    _, prefixes, lengths, grouping = draw(st.sampled_from(NETWORKS))
    prefix = draw(st.sampled_from(prefixes))
    length = draw(st.sampled_from(lengths))
    body = draw(
        st.text("0123456789", min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)
    )
    digits = luhn_complete(prefix + body)
    form = draw(st.sampled_from(sorted(FORMATS)))
    rng = random.Random(draw(st.integers(0, 1000)))
    return FORMATS[form](digits, grouping, rng)


@settings(max_examples=300, deadline=None)
@given(card=card_numbers(), before=WORDS, after=WORDS)
def test_no_valid_card_survives_in_any_format(card: str, before: str, after: str) -> None:
    result = redact(f"{before} {card} {after}")
    assert "[CARD]" in result
    assert not any(c.isdigit() for c in result)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_redaction_is_idempotent_and_spans_are_ordered(text: str) -> None:
    once = redact(text)
    assert redact(once) == once
    spans = redact_spans(text)
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))


@settings(max_examples=300, deadline=None)
@given(
    letter=st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"),
    number=st.integers(1, 99_999_999),
    cents=st.integers(0, 99),
    dollars=st.integers(0, 99_999),
)
def test_order_numbers_and_amounts_are_kept(
    letter: str, number: int, cents: int, dollars: int
) -> None:
    text = (
        f"Order {letter}-{number} (#{number}) was charged ${dollars:,}.{cents:02d}, "
        f"refund ${cents}.{dollars % 100:02d} by 2024-{cents % 12 + 1:02d}-15"
    )
    assert redact(text) == text


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.characters(categories=["L", "Zs", "P"], exclude_characters="@"), max_size=200
    ).filter(lambda t: not HAS_SPOKEN.search(t))
)
def test_text_without_numbers_comes_back_unchanged(text: str) -> None:
    assert redact(text) == text
