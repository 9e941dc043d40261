"""``sayonce eval``: score the local NLP on the labelled sets in resources/eval."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

# Card recall below this fails the command (the product's promise for payment cards).
CARD_RECALL_FLOOR = 0.99


def register(sub: Any) -> None:
    """Add the ``eval`` subcommand."""
    parser = sub.add_parser(
        "eval",
        help="score summaries (ROUGE vs Lead-3), intents, entities and PII redaction",
        description="Runs the evaluation harness on the labelled sets in resources/eval "
        "(conversations with reference summaries, intent utterances, entity sentences, PII "
        "cases) and the generated card-number set. Exits 1 if card recall is under 99%%.",
    )
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--quick", action="store_true", help="smaller generated PII set")
    parser.add_argument(
        "--no-intents", action="store_true", help="skip intents (they load the embedding model)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sayonce.nlp.eval import harness

    encoder, note = None, ""
    if not args.no_intents:
        from sayonce.nlp.embeddings import get_encoder
        from sayonce.nlp.models import ModelMissingError

        try:
            encoder = get_encoder()
        except ModelMissingError as exc:
            note = f"intents skipped: {exc}"
    report = harness.run(encoder=encoder, quick=args.quick)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(render(report))
        if note:
            print(note)
    card = report["pii"]["card_recall"]
    if card < CARD_RECALL_FLOOR:
        print(f"sayonce: card recall {card:.2%} is under {CARD_RECALL_FLOOR:.0%}", file=sys.stderr)
        return 1
    return 0


def _rouge(scores: dict[str, float]) -> str:
    return " ".join(f"{k.upper()} {v:.3f}" for k, v in scores.items())


def render(report: dict[str, Any]) -> str:
    """The report as text."""
    s, e, p, i = report["summaries"], report["entities"], report["pii"], report["intents"]
    lines = [
        f"Summaries ({s['conversations']} conversations, {s['ms_per_conversation']:.1f} ms each)",
        f"  structured  {_rouge(s['structured'])}",
        f"  lead-3      {_rouge(s['lead3'])}",
        f"  outcome accuracy {s['outcome_accuracy']:.1%}, "
        f"key entities found {s['key_entity_recall']:.1%}",
    ]
    if report.get("abstractive"):
        a = report["abstractive"]
        lines.append(f"  abstractive {_rouge(a['abstractive'])}  ({a['model']})")
    if i:
        lines += [
            f"Intents ({i['utterances']} utterances, {i['intents']} intents, "
            f"threshold {i['threshold']})",
            f"  top-1 {i['top1']:.1%}  top-3 {i['top3']:.1%}  "
            f"'none' right {i['none_accuracy']:.1%}",
        ]
    lines += [
        f"Entities  precision {e['precision']:.1%}  recall {e['recall']:.1%}",
        *(
            f"  {kind:<11} P {v['precision']:.1%}  R {v['recall']:.1%}"
            for kind, v in e["per_kind"].items()
        ),
        f"PII  card recall {p['card_recall']:.2%} over {p['cards']} generated cards",
        "  other kinds " + ", ".join(f"{k} {v:.1%}" for k, v in p["other_recall"].items()),
        f"  hand-written cases: recall {p['hand_recall']:.1%}, "
        f"look-alikes kept {p['hand_keep_rate']:.1%}",
        f"  false positives on generated look-alikes {p['negative_false_positive_rate']:.2%}",
        *(f"  miss: {m}" for m in p["misses"]),
    ]
    return "\n".join(lines)
