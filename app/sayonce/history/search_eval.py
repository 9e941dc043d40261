"""How well each way of searching a history finds what was meant, on a labelled set.

The customer is the 33 labelled conversations of ``resources/eval/conversations.yaml``, one
interaction each; the queries are ``resources/eval/search_queries.yaml``. Three ways are
compared: full-text (every word as a prefix, newest first: the timeline's search box),
semantic (best sentence by cosine similarity) and hybrid (semantic, plus a boost for
interactions that also match full-text). The benchmark ``history.semantic`` prints the scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from sayonce.history.fulltext import interaction_match, search_params
from sayonce.history.semantic import SentenceEncoder, semantic_search
from sayonce.nlp.eval.datasets import conversations, eval_dir
from sayonce.nlp.eval.sample_history import seed_customer
from sayonce.store import Interaction, Store
from sayonce.trust.principal import Principal

MODES = ("fulltext", "semantic", "hybrid")


@dataclass(frozen=True, slots=True)
class SearchCase:
    """A query and the conversations that answer it."""

    query: str
    relevant: tuple[str, ...]
    kind: str  # paraphrase | keyword


@dataclass(frozen=True, slots=True)
class SearchScores:
    """Share of queries whose first hit is relevant, with one in the top 3, and the MRR."""

    mode: str
    kind: str  # paraphrase | keyword | all
    queries: int
    hit_at_1: float
    hit_at_3: float
    mrr: float


def search_cases(root: Path | None = None) -> list[SearchCase]:
    """The labelled queries."""
    text = (eval_dir(root) / "search_queries.yaml").read_text(encoding="utf-8")
    return [
        SearchCase(str(q["query"]), tuple(q["relevant"]), str(q["kind"]))
        for q in yaml.safe_load(text)["queries"]
    ]


def seed_eval_customer(store: Store) -> tuple[int, dict[int, str]]:
    """The labelled customer: its id and ``{interaction id: conversation id}``."""
    labelled = conversations()
    with store.write() as session:
        customer = seed_customer(session, len(labelled), ref="C-SEARCH-EVAL")
        ids = session.scalars(
            select(Interaction.id)
            .where(Interaction.customer_id == customer)
            .order_by(Interaction.id)
        ).all()
    return customer, {i: c.id for i, c in zip(ids, labelled, strict=True)}


def fulltext_ranking(store: Store, cluster: Sequence[int], query: str) -> list[int]:
    """Interaction ids matching every word of ``query``, newest first (the timeline's order)."""
    params = search_params(query)
    if params is None:
        return []
    with store.read() as session:
        stmt = (
            select(Interaction.id)
            .where(
                Interaction.customer_id.in_(list(cluster)),
                interaction_match(session.get_bind().dialect.name),
            )
            .order_by(Interaction.started_at.desc(), Interaction.id.desc())
        )
        return list(session.scalars(stmt, params))


def _rank(found: list[int], labels: dict[int, str], relevant: tuple[str, ...]) -> int | None:
    for position, interaction_id in enumerate(found, start=1):
        if labels.get(interaction_id) in relevant:
            return position
    return None


def _scores(mode: str, kind: str, ranks: list[int | None]) -> SearchScores:
    count = max(1, len(ranks))
    return SearchScores(
        mode,
        kind,
        len(ranks),
        sum(1 for r in ranks if r == 1) / count,
        sum(1 for r in ranks if r is not None and r <= 3) / count,
        sum(1 / r for r in ranks if r is not None) / count,
    )


def evaluate(
    store: Store,
    principal: Principal,
    encoder: SentenceEncoder,
    customer: int,
    labels: dict[int, str],
    cases: list[SearchCase] | None = None,
) -> list[SearchScores]:
    """Scores of every mode, for paraphrase queries, keyword queries and all of them."""
    cases = cases if cases is not None else search_cases()
    ranks: dict[tuple[str, str], list[int | None]] = {}
    for case in cases:
        found = {
            "fulltext": fulltext_ranking(store, [customer], case.query),
            **{
                mode: [
                    hit.interaction_id
                    for hit in semantic_search(
                        store, principal, [customer], case.query, encoder, hybrid=mode == "hybrid"
                    ).hits
                ]
                for mode in ("semantic", "hybrid")
            },
        }
        for mode in MODES:
            rank = _rank(found[mode], labels, case.relevant)
            ranks.setdefault((mode, case.kind), []).append(rank)
            ranks.setdefault((mode, "all"), []).append(rank)
    return [_scores(mode, kind, values) for (mode, kind), values in ranks.items()]
