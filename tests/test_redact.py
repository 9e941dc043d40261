"""PII redaction: what is removed, what is kept, and the policy that decides."""

from __future__ import annotations

import logging

import pytest

from sayonce.privacy.logs import RedactingFilter, install_redacting_filter
from sayonce.privacy.pii import PiiKind, RedactionPolicy
from sayonce.privacy.redact import redact, redact_spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card is 4111 1111 1111 1111, thanks", "card is [CARD], thanks"),
        ("5555-5555-5555-4444 exp 03/27", "[CARD] exp 03/27"),
        ("amex 3782 822463 10005", "amex [CARD]"),
        ("it's 6011000990139424.", "it's [CARD]."),
        (
            "four one one one, one one one one, one one one one, one one one one",
            "[CARD]",
        ),
        (
            "five five double five five five five five five five five five four four four four",
            "[CARD]",
        ),
        ("ssn 123-45-6789 please", "ssn [SSN] please"),
        ("my social is 123456789", "my social is [SSN]"),
        ("last four of my social: 6789", "last four of my social: [SSN]"),
        ("routing number 021000021", "routing number [ACCOUNT]"),
        (
            "my account number 12345678 and my order number 55512345",
            "my account number [ACCOUNT] and my order number 55512345",
        ),
        (
            "bank account 12345678901 at the credit union",
            "bank account [ACCOUNT] at the credit union",
        ),
        ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN [ACCOUNT] please"),
        ("mail ann.lee@example.com today", "mail [EMAIL] today"),
        ("it's ann dot lee at example dot com", "it's [EMAIL]"),
        ("call (415) 555-0101 after 5", "call [PHONE] after 5"),
        ("my number is four one five, five five five, oh one oh one", "my number is [PHONE]"),
        ("ship to 1234 Main Street, Apt 5B today", "ship to [ADDRESS] today"),
        ("send it to PO Box 42", "send it to [ADDRESS]"),
    ],
)
def test_pii_is_replaced_by_a_placeholder(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Where is order A-10424? And #10424, order 1042455.",
        "I was charged $1,234.56 instead of $129.99 on 03/15/2024 (2024-03-15) at 10:30.",
        "Tracking 1Z999AA10123456784 and invoice INV-2024-000123, case CS-88123.",
        "USPS 9400 1000 0000 0000 0000 00 and FedEx 7712 3456 7890.",
        "the card ending in 1234, refund within 5 business days",
        "Oh, I called two or three times, one of them on Monday.",
        "Reference 4111111111111112 from the old system",  # not Luhn-valid, no card context
        "I waited at home all day; look at the box",
    ],
)
def test_order_numbers_amounts_and_dates_are_kept(text: str) -> None:
    assert redact(text) == text


def test_a_misread_card_number_after_the_word_card_is_still_redacted() -> None:
    # Luhn fails (one digit off), but the customer said it is their card.
    assert redact("my card number is 4111 1111 1111 1112") == "my card number is [CARD]"


def test_spans_say_where_and_what_without_keeping_the_value() -> None:
    text = "card 4111111111111111, email a@b.co"
    spans = redact_spans(text)
    assert [(s.kind, text[s.start : s.end]) for s in spans] == [
        (PiiKind.CARD, "4111111111111111"),
        (PiiKind.EMAIL, "a@b.co"),
    ]
    assert spans[0].placeholder == "[CARD]"


def test_policy_chooses_kinds_but_cards_are_always_redacted() -> None:
    text = "call 415-555-0101 with card 4111 1111 1111 1111 at 1 Main St"
    only_phone = RedactionPolicy.parse("phone")
    assert redact(text, only_phone) == "call [PHONE] with card [CARD] at 1 Main St"
    no_address = RedactionPolicy.parse("all,-address,-card")
    assert PiiKind.CARD in no_address.kinds
    assert redact(text, no_address) == "call [PHONE] with card [CARD] at 1 Main St"
    assert redact(text) == "call [PHONE] with card [CARD] at [ADDRESS]"


def test_policy_is_read_from_the_environment() -> None:
    policy = RedactionPolicy.from_env({"SAYONCE_REDACT": "email, ssn, bogus"})
    assert policy.kinds == {PiiKind.EMAIL, PiiKind.SSN, PiiKind.CARD}
    assert RedactionPolicy.from_env({}).kinds == set(PiiKind)


def test_log_records_are_redacted_with_their_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("sayonce.test.redact")
    caplog.handler.addFilter(RedactingFilter())
    try:
        raise ValueError("bad card 4111 1111 1111 1111")
    except ValueError:
        logger.exception("customer %s called from %s", "ann@example.com", "415-555-0101")
    text = caplog.text
    assert "customer [EMAIL] called from [PHONE]" in text
    assert "bad card [CARD]" in text
    assert "4111" not in text and "ann@example.com" not in text


def test_install_adds_one_filter_to_every_root_handler() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        first = install_redacting_filter()
        second = install_redacting_filter()
        assert first is second
        assert handler.filters.count(first) == 1
    finally:
        root.removeHandler(handler)
