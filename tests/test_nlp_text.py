"""Sentences, sentiment, entities and dates: the building blocks every NLP result points to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sayonce.nlp.conversation import TurnText, as_turns, sentences, split_sentences
from sayonce.nlp.dates import resolve_date
from sayonce.nlp.entities import extract_entities
from sayonce.nlp.sentiment import label, mood, sentiment

WEDNESDAY = datetime(2024, 3, 20, 15, tzinfo=UTC)


def test_sentences_keep_their_turn_and_exact_span() -> None:
    turns = [
        TurnText(0, "customer", "Hi. Mr. Lee here! My order A-10424 is late."),
        TurnText(1, "agent", "Sorry about that. It ships today."),
    ]
    found = sentences(turns)
    assert [s.text for s in found] == [
        "Hi.",
        "Mr. Lee here!",
        "My order A-10424 is late.",
        "Sorry about that.",
        "It ships today.",
    ]
    for sentence in found:
        assert turns[sentence.turn].text[sentence.start : sentence.end] == sentence.text
    assert [s.index for s in found] == list(range(5))


def test_a_stored_body_with_speaker_lines_becomes_turns() -> None:
    body = "Customer: My router is broken.\nAgent: I'll send a new one.\n"
    assert as_turns(body) == [
        TurnText(0, "customer", "My router is broken."),
        TurnText(1, "agent", "I'll send a new one."),
    ]
    assert as_turns("Dear team,\nplease cancel.", speaker="customer") == [
        TurnText(0, "customer", "Dear team,\nplease cancel.")
    ]
    assert split_sentences("") == []


def test_sentiment_separates_angry_from_pleased() -> None:
    angry = sentiment("This is ridiculous, I'm furious and nobody helps me.")
    pleased = sentiment("Thank you so much, that's perfect and really helpful.")
    assert -1 <= angry < -0.3 and 0.3 < pleased <= 1
    assert (label(angry), label(pleased), label(0.0)) == ("negative", "positive", "neutral")


def test_mood_reports_how_a_conversation_ended() -> None:
    calmer = mood(["This is awful.", "I hate waiting.", "OK.", "Great, thank you so much!"])
    assert calmer.start < 0 < calmer.end and calmer.trend == "improved"
    assert mood([]).label == "neutral"


@pytest.mark.parametrize(
    ("mention", "expected"),
    [
        ("last Friday", "2024-03-15"),
        ("Friday", "2024-03-22"),
        ("next Monday", "2024-03-25"),
        ("yesterday", "2024-03-19"),
        ("two weeks ago", "2024-03-06"),
        ("within 5 business days", "2024-03-27"),
        ("03/15/2024", "2024-03-15"),
        ("March 3rd", "2024-03-03"),
        ("the 4th of March", "2024-03-04"),
    ],
)
def test_relative_dates_resolve_from_when_they_were_said(mention: str, expected: str) -> None:
    assert resolve_date(mention, WEDNESDAY) == expected


def test_without_a_reference_relative_dates_stay_as_said() -> None:
    assert resolve_date("Last  Friday", None) == "last friday"
    assert resolve_date("2024-02-30", WEDNESDAY) == "2024-02-30"  # no such day: left as said


def test_a_bare_weekday_in_the_past_tense_is_the_one_gone_by() -> None:
    found = extract_entities("I bought it on Tuesday and it broke.", WEDNESDAY)
    assert [(e.kind, e.value) for e in found] == [("date", "2024-03-19")]
    found = extract_entities("We'll call you on Tuesday once it has arrived.", WEDNESDAY)
    assert [(e.kind, e.value) for e in found] == [("date", "2024-03-26")]


def test_entities_of_every_kind_with_their_spans() -> None:
    text = (
        "Order A-10424 (the Wi-Fi router, $179.00) was charged to the card ending in 4821 "
        "last Friday; tracking 1Z999AA10123456784, case CS-40211."
    )
    found = extract_entities(text, WEDNESDAY)
    assert [(e.kind, e.value) for e in found] == [
        ("order", "A-10424"),
        ("product", "Wi-Fi router"),
        ("amount", "179.00 USD"),
        ("card_last4", "4821"),
        ("date", "2024-03-15"),
        ("tracking", "1Z999AA10123456784"),
        ("case", "CS-40211"),
    ]
    assert all(text[e.start : e.end] == e.text for e in found)


def test_look_alikes_are_not_entities() -> None:
    text = "Please call me on the phone, my phone number changed. I may call 3 times."
    assert extract_entities(text, WEDNESDAY) == []
