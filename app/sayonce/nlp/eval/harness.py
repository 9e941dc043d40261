"""Score the NLP module on the labelled sets: summaries, intents, entities, PII.

Each ``score_*`` function returns a plain dict of figures, so ``sayonce eval --json``, the
report and the tests read the same numbers.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sayonce.nlp.eval import datasets, pii_cases
from sayonce.nlp.eval.rouge import Rouge, mean, rouge
from sayonce.privacy.pii import PiiKind, Span
from sayonce.privacy.redact import redact, redact_spans

Summarizer = Callable[[datasets.LabelledConversation], str]


def _rouge_dict(score: Rouge) -> dict[str, float]:
    return {"rouge1": score.rouge1, "rouge2": score.rouge2, "rougeL": score.rougeL}


def score_summaries(root: Path | None = None, lead_n: int = 3) -> dict[str, Any]:
    """ROUGE of the structured summary and of Lead-N, outcome accuracy, key-entity recall."""
    from sayonce.nlp.summarize import lead, summarize

    ours, baseline, outcome_hits, entity_hits, entity_total, elapsed = [], [], 0, 0, 0, 0.0
    items = datasets.conversations(root)
    for item in items:
        started = time.perf_counter()
        summary = summarize(item.turns, at=item.at)
        elapsed += time.perf_counter() - started
        ours.append(rouge(summary.text, item.reference))
        baseline.append(rouge(lead(item.turns, lead_n), item.reference))
        outcome_hits += summary.outcome_label == item.outcome
        found = {(m.kind, m.value.lower()) for m in summary.entities}
        entity_hits += sum((k, v.lower()) in found for k, v in item.entities)
        entity_total += len(item.entities)
    return {
        "conversations": len(items),
        "structured": _rouge_dict(mean(ours)),
        f"lead{lead_n}": _rouge_dict(mean(baseline)),
        "outcome_accuracy": outcome_hits / max(1, len(items)),
        "key_entity_recall": entity_hits / max(1, entity_total),
        "ms_per_conversation": 1000 * elapsed / max(1, len(items)),
    }


def score_abstractive(root: Path | None = None) -> dict[str, Any] | None:
    """ROUGE of the configured seq2seq summarizer, or ``None`` when none is configured."""
    from sayonce.nlp.abstractive import configured_summarizer

    model = configured_summarizer()
    if model is None:
        return None
    from sayonce.nlp.conversation import sentences

    items = datasets.conversations(root)
    scores = []
    for item in items:
        text = " ".join(s.text for s in sentences(item.turns))
        scores.append(rouge(model.summarize(text), item.reference))
    return {"model": model.version, "abstractive": _rouge_dict(mean(scores))}


def score_intents(encoder: Any, root: Path | None = None) -> dict[str, Any]:
    """Top-1 and top-3 accuracy over labelled utterances, and how often "none" is right."""
    from sayonce.nlp.intent import IntentIndex

    index = IntentIndex.build(datasets.intents(root), encoder)
    labelled = datasets.intent_utterances(root)
    vectors = encoder.encode([text for text, _ in labelled])
    top1 = top3 = none_right = nones = 0
    confusion: Counter[str] = Counter()
    for (_, truth), vector in zip(labelled, vectors, strict=True):
        match = index.best(vector, top_k=3)
        if truth == "none":
            nones += 1
            none_right += match.id is None
            continue
        ranked = [intent for intent, _ in match.ranking]
        top1 += ranked[0] == truth
        top3 += truth in ranked
        if ranked[0] != truth:
            confusion[f"{truth} -> {ranked[0]}"] += 1
    known = len(labelled) - nones
    return {
        "utterances": len(labelled),
        "intents": len(index.ids),
        "top1": top1 / max(1, known),
        "top3": top3 / max(1, known),
        "none_accuracy": none_right / max(1, nones),
        "threshold": index.threshold,
        "confusions": dict(confusion.most_common(5)),
    }


def score_entities(root: Path | None = None) -> dict[str, Any]:
    """Micro precision and recall of (kind, value) pairs, overall and per kind."""
    from sayonce.nlp.entities import extract_entities

    true_pos: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    for sentence in datasets.entity_sentences(root):
        found = {(e.kind, e.value.lower()) for e in extract_entities(sentence.text, sentence.at)}
        gold = {(k, v.lower()) for k, v in sentence.entities}
        for kind, _ in found:
            predicted[kind] += 1
        for kind, _ in gold:
            expected[kind] += 1
        for kind, _ in found & gold:
            true_pos[kind] += 1
    tp, fp_all, gold_all = sum(true_pos.values()), sum(predicted.values()), sum(expected.values())
    return {
        "precision": tp / max(1, fp_all),
        "recall": tp / max(1, gold_all),
        "per_kind": {
            kind: {
                "precision": true_pos[kind] / max(1, predicted[kind]),
                "recall": true_pos[kind] / max(1, expected[kind]),
            }
            for kind in sorted(set(expected) | set(predicted))
        },
    }


def _covered(text: str, start: int, end: int, spans: list[Span]) -> bool:
    return all(
        not text[i].isalnum() or any(s.start <= i < s.end for s in spans) for i in range(start, end)
    )


def score_pii(root: Path | None = None, cards: int = 1200, negatives: int = 600) -> dict[str, Any]:
    """Recall on generated and hand-written PII, and false positives on look-alikes."""
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    misses: list[str] = []
    generated = [*pii_cases.card_cases(cards), *pii_cases.other_cases()]
    for case in generated:
        spans = redact_spans(case.text)
        kind = case.kind or ""
        totals[kind] += 1
        if _covered(case.text, case.start, case.end, spans):
            hits[kind] += 1
        elif len(misses) < 10:
            misses.append(f"{case.form}: {case.text}")
    changed = sum(redact(c.text) != c.text for c in pii_cases.negative_cases(negatives))
    hand = datasets.pii_cases(root)
    hand_hits = hand_total = kept = keep_total = 0
    for item in hand:
        spans = redact_spans(item.text)
        result = redact(item.text)
        for kind, value in item.pii:
            start = item.text.index(value)
            hand_total += 1
            ok = _covered(item.text, start, start + len(value), spans)
            hand_hits += ok
            if not ok and len(misses) < 20:
                misses.append(f"hand {kind}: {item.text}")
        keep_total += len(item.keep)
        kept += sum(value in result for value in item.keep)
    card = PiiKind.CARD.value
    return {
        "card_recall": hits[card] / max(1, totals[card]),
        "cards": totals[card],
        "other_recall": {k: hits[k] / totals[k] for k in sorted(totals) if k != card},
        "negative_false_positive_rate": changed / max(1, negatives),
        "hand_recall": hand_hits / max(1, hand_total),
        "hand_keep_rate": kept / max(1, keep_total),
        "misses": misses,
    }


def run(root: Path | None = None, encoder: Any = None, quick: bool = False) -> dict[str, Any]:
    """Every score; intents only when an encoder is given (it needs the local model)."""
    report: dict[str, Any] = {
        "summaries": score_summaries(root),
        "entities": score_entities(root),
        "pii": score_pii(root, cards=300 if quick else 1200, negatives=200 if quick else 600),
    }
    report["intents"] = score_intents(encoder, root) if encoder is not None else None
    report["abstractive"] = score_abstractive(root)
    return report
