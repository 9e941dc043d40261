"""The evaluation harness: ``sayonce eval`` on the labelled sets, with minimum scores."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rouge_score import rouge_scorer

from sayonce.cli import main
from sayonce.nlp.eval import datasets
from sayonce.nlp.eval.rouge import rouge


@pytest.mark.parametrize(
    ("candidate", "reference"),
    [
        ("The refund was escalated today.", "Agent escalated the refund; it is due in 5 days."),
        ("a b c d e", "e d c b a"),
        ("", "nothing to match"),
    ],
)
def test_our_rouge_matches_the_reference_implementation(candidate: str, reference: str) -> None:
    ours = rouge(candidate, reference)
    theirs = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"]).score(reference, candidate)
    assert ours.rouge1 == pytest.approx(theirs["rouge1"].fmeasure)
    assert ours.rouge2 == pytest.approx(theirs["rouge2"].fmeasure)
    assert ours.rougeL == pytest.approx(theirs["rougeL"].fmeasure)


def test_the_labelled_sets_are_the_promised_size() -> None:
    assert len(datasets.conversations()) >= 30
    utterances = datasets.intent_utterances()
    assert len(utterances) >= 100 and len({i for _, i in utterances}) >= 11
    assert len(datasets.entity_sentences()) >= 30
    assert all(c.reference and c.turns for c in datasets.conversations())


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    capture: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("builtins.print", lambda *a, **k: capture.append(" ".join(map(str, a))))
        code = main(["eval", "--json"])
    assert code == 0
    return dict(json.loads("\n".join(capture)))


@pytest.mark.slow
def test_pii_recall_meets_the_promise(report: dict[str, Any]) -> None:
    pii = report["pii"]
    assert pii["cards"] >= 1000 and pii["card_recall"] >= 0.99
    assert min(pii["other_recall"].values()) >= 0.95
    assert pii["negative_false_positive_rate"] <= 0.01
    assert pii["hand_recall"] >= 0.9 and pii["hand_keep_rate"] == 1.0


@pytest.mark.slow
def test_structured_summaries_beat_the_lead_3_baseline(report: dict[str, Any]) -> None:
    summaries = report["summaries"]
    for metric in ("rouge1", "rouge2", "rougeL"):
        assert summaries["structured"][metric] >= summaries["lead3"][metric] + 0.05
    assert summaries["outcome_accuracy"] >= 0.8
    assert summaries["key_entity_recall"] >= 0.9


@pytest.mark.slow
def test_intents_and_entities_meet_minimum_scores(report: dict[str, Any]) -> None:
    intents, entities = report["intents"], report["entities"]
    assert intents["top1"] >= 0.75 and intents["top3"] >= 0.9
    assert intents["none_accuracy"] >= 0.5
    assert entities["precision"] >= 0.9 and entities["recall"] >= 0.9
