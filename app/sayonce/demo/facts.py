"""The "already told us" facts of demo conversations, from the NLP module's extractor.

The facts come from the same rule-based extractor the importers and live calls use
(:func:`sayonce.nlp.facts.extract_facts`), run over the generated calls, chats, emails,
texts, posts and store visits, so what the demo shows is what the product finds in real text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sayonce.demo.rows import Ids, Row, Rows
from sayonce.nlp.conversation import TurnText
from sayonce.nlp.facts import extract_facts

# Web visits are page lists, and our outbound texts and public replies are notices: nobody
# told us anything there.
SPOKEN = frozenset(
    {("call", "inbound"), ("call", "outbound"), ("chat", "inbound"), ("email", "inbound")}
    | {("email", "outbound"), ("sms", "inbound"), ("social", "inbound"), ("store", "inbound")}
)
# A fact from a contact with no case counts as dealt with after this long.
SETTLED_AFTER = timedelta(days=14)
# Routine contacts older than this get no facts: theirs would be settled and below the
# panel's limit, and extraction is most of the demo's cost. Every storyline contact has them.
ROUTINE_FACTS_WITHIN = timedelta(days=180)


@dataclass(slots=True)
class FactWriter:
    """Adds ``facts`` rows for the interactions of each batch."""

    as_of: datetime

    def add(self, rows: Rows, ids: Ids) -> None:
        """Queue fact rows for every conversation and message in ``rows``."""
        turns: dict[int, list[Row]] = defaultdict(list)
        for turn in rows.tables["turns"]:
            turns[turn["interaction_id"]].append(turn)
        closed = {c["id"] for c in rows.tables["cases"] if c["status"] == "closed"}
        facts = rows.tables["facts"]
        for interaction in rows.tables["interactions"]:
            if self.worth_reading(interaction):
                resolved = self.settled(interaction, closed)
                facts.extend(fact_rows(interaction, turns.get(interaction["id"]), resolved, ids))

    def worth_reading(self, interaction: Row) -> bool:
        """Whether to extract facts: something a person said, in a storyline or recently."""
        if (interaction["channel"], interaction["direction"]) not in SPOKEN:
            return False
        recent = self.as_of - interaction["started_at"] <= ROUTINE_FACTS_WITHIN
        return recent or interaction["case_id"] is not None

    def settled(self, interaction: Row, closed_cases: set[int]) -> bool:
        """Whether what was said then has been dealt with: its case is closed, or it is old."""
        case_id = interaction["case_id"]
        if case_id is not None:
            return case_id in closed_cases
        return bool(self.as_of - interaction["started_at"] > SETTLED_AFTER)


def fact_rows(interaction: Row, turns: list[Row] | None, resolved: bool, ids: Ids) -> list[Row]:
    """The ``facts`` rows of one interaction (its turns, or its body as one message)."""
    started = interaction["started_at"]
    if turns:
        source: str | list[TurnText] = [TurnText(t["seq"], t["speaker"], t["text"]) for t in turns]
        speaker = "customer"
    else:
        source = interaction["body"]
        speaker = "customer" if interaction["direction"] == "inbound" else "agent"
    times = {t["seq"]: t["at"] for t in turns or ()}
    return [
        {
            "id": ids.take("facts"),
            "customer_id": interaction["customer_id"],
            "interaction_id": interaction["id"],
            "turn_seq": draft.turn_seq if turns else None,
            "kind": draft.kind,
            "text": draft.text,
            "value": draft.value,
            "at": times.get(draft.turn_seq, started),
            "resolved": resolved,
        }
        for draft in extract_facts(source, speaker=speaker, at=started)
    ]
