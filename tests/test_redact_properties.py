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


PII_PIECES = st.sampled_from(
    [
        "4111 1111 1111 1111",
        "415-555-0199",
        "(415) 555 0199",
        "+44 20 7946 0958",
        "078-05-1120",
        "four one five",
        "five five five",
        "oh one nine nine",
        "double five",
        "triple seven",
        "one",
        "oh,",
        "at",
        "dot",
        "com",
        "ann",
        "a@b.co",
        "ann dot lee at example dot com",
        "card",
        "phone",
        "call me on",
        "social",
        "account number",
        "order",
        "12",
        "2024",
        "221B",
        "Baker Street",
        "PO Box 12",
        "GB82 WEST 1234 5698 7654 32",
        "and",
        "my",
        "is",
        "-",
        ",",
        ".",
        "/",
        "#",
    ]
)


def _every_finder(text: str) -> list[tuple[int, int]]:
    """The reference: every finder over the whole text, no pre-filter, no blanking."""
    from sayonce.privacy.detectors import FINDERS
    from sayonce.privacy.digit_runs import digit_runs
    from sayonce.privacy.redact import _without_overlaps, default_policy

    policy = default_policy()
    runs = digit_runs(text)
    found = [s for k, f in FINDERS.items() if k in policy.kinds for s in f(text, runs, policy)]
    return [(s.start, s.end) for s in _without_overlaps(found)]


def _uncovered(text: str) -> list[str]:
    """What the reference redacts that the fast path leaves in the clear."""
    covered = {i for s in redact_spans(text) for i in range(s.start, s.end)}
    return [text[a:b] for a, b in _every_finder(text) if not covered.issuperset(range(a, b))]


@settings(max_examples=400, deadline=None)
@given(st.lists(PII_PIECES, max_size=12).map(" ".join))
def test_the_fast_path_redacts_all_that_every_finder_does(text: str) -> None:
    # Redaction skips text that cannot hold PII and looks for phones only where no card,
    # SSN, account or email was found. Neither shortcut may let anything through (looking
    # for phones in what is left finds *more*: "(415) 555 0199 4111 ..." was read as one
    # long number overlapping the card, and dropped).
    assert _uncovered(text) == []


def test_a_phone_next_to_a_card_is_redacted_too() -> None:
    assert redact("(415) 555 0199 4111 1111 1111 1111") == "[PHONE] [CARD]"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_the_pre_filter_never_skips_pii_in_any_text(text: str) -> None:
    assert _uncovered(text) == []
