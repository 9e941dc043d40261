"""Per-interaction structured summaries: every point traceable, nothing sensitive kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sayonce.nlp.conversation import TurnText
from sayonce.nlp.summarize import lead, summarize
from sayonce.nlp.summary import InteractionSummaryData

AT = datetime(2024, 3, 20, 15, tzinfo=UTC)
CALL = [
    TurnText(0, "agent", "Thanks for calling Northwind, this is Sam."),
    TurnText(
        1,
        "customer",
        "Hi. I returned my wireless headphones two weeks ago and I still haven't had my refund.",
    ),
    TurnText(2, "agent", "Sorry about that. What's the order number?"),
    TurnText(3, "customer", "It's A-10424. I paid with 4111 1111 1111 1111."),
    TurnText(
        4,
        "agent",
        "I've escalated the refund of $129.00, and it will reach your card within 5 business days.",
    ),
    TurnText(5, "customer", "I already called my bank twice. This is so frustrating."),
    TurnText(6, "agent", "I understand. I'll call you back on Friday to check it arrived."),
    TurnText(7, "customer", "OK, thank you."),
]


def test_summary_has_issue_actions_promises_outcome_and_entities() -> None:
    summary = summarize(CALL, at=AT)
    assert [p.text for p in summary.issue] == [
        "I returned my wireless headphones two weeks ago and I still haven't had my refund."
    ]
    assert [p.text for p in summary.actions] == ["I've escalated the refund of $129.00"]
    assert [p.text for p in summary.promises] == [
        "it will reach your card within 5 business days.",
        "I'll call you back on Friday to check it arrived.",
    ]
    assert summary.outcome_label == "escalated"
    assert summary.sentiment.label in ("negative", "neutral", "positive")
    assert {(m.kind, m.value) for m in summary.entities} >= {
        ("order", "A-10424"),
        ("amount", "129.00 USD"),
        ("product", "wireless headphones"),
        ("date", "2024-03-27"),
        ("date", "2024-03-22"),
    }


def test_every_point_and_entity_points_at_its_source_characters() -> None:
    summary = summarize(CALL, at=AT)
    redacted = {1: CALL[1].text, 4: CALL[4].text, 6: CALL[6].text}
    for point in [*summary.issue, *summary.actions, *summary.promises]:
        assert redacted[point.turn][point.start : point.end] == point.text
    for mention in summary.entities:
        if mention.turn in redacted:
            assert redacted[mention.turn][mention.start : mention.end] == mention.text


def test_card_numbers_never_reach_the_summary() -> None:
    summary = summarize("My card 4111 1111 1111 1111 was charged twice for order #20931.")
    assert summary.issue[0].text == "My card [CARD] was charged twice for order #20931."
    assert "4111" not in summary.to_json()


def test_summary_survives_the_json_cache_round_trip() -> None:
    summary = summarize(CALL, at=AT)
    summary.interaction_id = 7
    assert InteractionSummaryData.from_json(summary.to_json()) == summary


def test_an_email_from_the_customer_is_pending_and_its_problem_is_the_issue() -> None:
    email = (
        "Hello,\n\nMy robot vacuum arrived today but the charging dock is cracked. "
        "The order number is 100877. I would like a replacement.\n\nRegards"
    )
    summary = summarize(email, at=AT)
    assert summary.issue[0].text == (
        "My robot vacuum arrived today but the charging dock is cracked."
    )
    assert summary.outcome_label == "pending"
    assert ("order", "100877") in {(m.kind, m.value) for m in summary.entities}


@pytest.mark.parametrize(
    ("first", "issue"),
    [
        ("Great, thank you.", "I'd like to know when order A-11546 will arrive."),
        ("Hi Jo,", "I'd like to know when order A-11546 will arrive."),
        (
            "Thank you, my card was declined at checkout.",
            "Thank you, my card was declined at checkout.",
        ),
        ("Hi, my card was declined at checkout.", "Hi, my card was declined at checkout."),
    ],
)
def test_politeness_is_never_the_issue_but_a_problem_after_it_is(first: str, issue: str) -> None:
    # The brief showed "Great, thank you" as a customer's issue; "Thank you, my card was
    # declined" was once skipped as a sign-off.
    chat = [
        TurnText(0, "customer", first),
        TurnText(1, "customer", "I'd like to know when order A-11546 will arrive."),
    ]
    assert summarize(chat).issue[0].text == issue


def test_resolved_in_the_call_when_done_and_thanked() -> None:
    chat = [
        TurnText(0, "customer", "I can't log in, my account is locked."),
        TurnText(1, "agent", "I've unlocked your account and sent a reset link."),
        TurnText(2, "customer", "I'm in now, thanks so much!"),
    ]
    assert summarize(chat).outcome_label == "resolved"


def test_lead_baseline_is_the_first_sentences() -> None:
    assert lead(CALL, 2) == "Thanks for calling Northwind, this is Sam. Hi."


@pytest.mark.slow
def test_abstractive_backend_loads_a_local_seq2seq_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tiny random BART, built and saved here, loaded with local_files_only=True."""
    import torch
    from transformers import AutoTokenizer, BartConfig, BartForConditionalGeneration

    from sayonce.nlp import abstractive
    from sayonce.nlp.models import model_path

    tokenizer = AutoTokenizer.from_pretrained(str(model_path("minilm")), local_files_only=True)
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=128,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        decoder_start_token_id=tokenizer.sep_token_id,
    )
    torch.manual_seed(0)
    folder = tmp_path / "tiny-bart"
    BartForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    monkeypatch.setenv("SAYONCE_SUMMARIZER_PATH", str(folder))

    model = abstractive.configured_summarizer()
    assert model is not None and model.version.startswith("seq2seq:tiny-bart:")
    first = model.summarize("The customer wants a refund for the headphones.", max_new_tokens=6)
    again = model.summarize("The customer wants a refund for the headphones.", max_new_tokens=6)
    assert isinstance(first, str) and first == again  # greedy decoding: repeatable
    assert abstractive.configured_summarizer() is model  # loaded once


def test_a_summarizer_folder_without_a_model_says_what_is_wrong(tmp_path: Path) -> None:
    from sayonce.nlp.abstractive import Seq2SeqSummarizer
    from sayonce.nlp.models import ModelMissingError

    with pytest.raises(ModelMissingError, match=r"config\.json"):
        Seq2SeqSummarizer(tmp_path)
