"""Semantic search in a customer's history: what an agent finds, what is kept, what is not."""

from __future__ import annotations

import getpass
import json
import logging
import sqlite3
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from sqlalchemy import func, select, update

from sayonce.cli import main
from sayonce.history import semantic
from sayonce.history.semantic import (
    MAX_CHUNKS,
    chunks_of,
    embed_missing,
    semantic_search,
    text_hash,
)
from sayonce.nlp.embeddings import Encoder
from sayonce.store import AuditEvent, Customer, Embedding, Interaction, Role, Store, open_store
from sayonce.trust.erasure import erase_person
from sayonce.trust.export import collect
from sayonce.trust.permissions import PermissionDenied
from sayonce.trust.principal import Principal
from tests.trust_seed import seed

AGENT = Principal("ann", Role.AGENT, 1)
ADMIN = Principal("root", Role.ADMIN)
T0 = datetime(2025, 6, 1, 9, tzinfo=UTC)


class BagOfWords:
    """A deterministic stand-in encoder (hashed word counts, unit length) that records its input."""

    name = "bag-of-words"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.seen += texts
        rows = np.zeros((len(texts), 256), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            for word in "".join(c if c.isalnum() else " " for c in text.lower()).split():
                row[zlib.crc32(word.encode()) % 256] += 1
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def _customer(store: Store, ref: str, bodies: list[tuple[str, str | None, str]]) -> int:
    """A customer with interactions ``(channel, subject, body)``, one a day."""
    with store.write() as s:
        customer = Customer(ref=ref, display_name=ref, name_key=ref.lower())
        s.add(customer)
        s.flush()
        for n, (channel, subject, body) in enumerate(bodies):
            s.add(
                Interaction(
                    customer_id=customer.id,
                    channel=channel,
                    started_at=T0 + timedelta(days=n),
                    subject=subject,
                    body=body,
                    external_id=f"{ref}-{n}",
                )
            )
        return customer.id


HISTORY = [
    ("email", "Where is my parcel", "My parcel was due on Monday and it has not arrived yet."),
    (
        "call",
        None,
        "Agent: Thanks for calling Northwind, how can I help?\n"
        "Customer: Hi. I tried to buy a winter jacket online. My card was declined at checkout.\n"
        "Agent: I'm sorry. I can see the bank blocked it, I've asked them to allow it.\n"
        "Customer: OK thanks.",
    ),
    ("chat", None, "Customer: I moved house and need to change my address.\nAgent: Done!"),
    ("sms", None, "Your password reset code expires in ten minutes, do not share it."),
    ("email", "Store opening hours", "Is the Riverside store open on Sunday mornings?"),
]


def _rows(store: Store, customer: int) -> list[Embedding]:
    with store.read() as s:
        return list(s.scalars(select(Embedding).where(Embedding.customer_id == customer)))


# --- cutting --------------------------------------------------------------------------------


def test_an_interaction_is_cut_into_its_subject_and_meaningful_sentences() -> None:
    chunks = chunks_of("Card problem", HISTORY[1][2])
    assert [c.text for c in chunks] == [  # "Hi." is one word: left out
        "Card problem",
        "Thanks for calling Northwind, how can I help?",
        "I tried to buy a winter jacket online.",
        "My card was declined at checkout.",
        "I'm sorry.",
        "I can see the bank blocked it, I've asked them to allow it.",
        "OK thanks.",
    ]
    assert [c.speaker for c in chunks[:4]] == [None, "agent", "customer", "customer"]
    assert chunks_of(None, "[erased]") == [] and chunks_of("[erased]", "") == []


def test_a_long_text_becomes_at_most_max_chunks_runs_of_sentences() -> None:
    body = " ".join(f"Sentence number {n} is here." for n in range(500))
    chunks = chunks_of("Subject line", body)
    assert len(chunks) <= MAX_CHUNKS and chunks[0].text == "Subject line"
    assert " ".join(c.text for c in chunks[1:]) == body  # nothing lost, order kept


def test_the_hash_changes_with_the_text_and_with_the_cutting(monkeypatch: Any) -> None:
    assert text_hash("a", "b") == text_hash("a", "b") != text_hash("a", "c")
    assert text_hash("ab", "") != text_hash("a", "b")
    before = text_hash("a", "b")
    monkeypatch.setattr(semantic, "CUTTING", "sentences-v2")
    assert text_hash("a", "b") != before


# --- search, caching, staleness -------------------------------------------------------------


def test_vectors_are_computed_once_then_only_the_query_is_encoded(store: Store) -> None:
    customer = _customer(store, "C-1", HISTORY)
    encoder = BagOfWords()
    first = semantic_search(store, AGENT, [customer], "card declined", encoder)
    expected = sum(len(chunks_of(subject, body)) for _, subject, body in HISTORY)
    assert len(encoder.seen) == expected + 1 and first.embedded == len(HISTORY)
    assert first.hits[0].snippet == "My card was declined at checkout."
    assert first.hits[0].speaker == "customer" and first.hits[0].channel == "call"
    rows = _rows(store, customer)
    assert len(rows) == len(HISTORY) and all(r.model == "bag-of-words" for r in rows)
    assert sum(r.chunks for r in rows) == expected and {r.dimensions for r in rows} == {256}

    encoder.seen.clear()
    again = semantic_search(store, AGENT, [customer], "card declined", encoder)
    assert encoder.seen == ["card declined"] and again.embedded == 0
    assert [h.interaction_id for h in again.hits] == [h.interaction_id for h in first.hits]


def test_a_changed_text_is_embedded_again_and_its_old_words_are_gone(store: Store) -> None:
    customer = _customer(store, "C-1", HISTORY)
    encoder = BagOfWords()
    semantic_search(store, AGENT, [customer], "parcel", encoder)
    with store.write() as s:  # changed behind the search's back (no derived-data clean-up)
        s.execute(
            update(Interaction)
            .where(Interaction.external_id == "C-1-1")
            .values(body="Customer: The blender makes a grinding noise.")
        )
    encoder.seen.clear()
    found = semantic_search(store, AGENT, [customer], "card declined checkout", encoder)
    assert encoder.seen == ["The blender makes a grinding noise.", "card declined checkout"]
    assert all("declined" not in h.snippet for h in found.hits)
    blender = semantic_search(store, AGENT, [customer], "blender noise", encoder).hits
    assert blender[0].snippet == "The blender makes a grinding noise."


def test_a_model_change_recomputes_and_replaces_the_vectors(store: Store) -> None:
    customer = _customer(store, "C-1", HISTORY)
    semantic_search(store, AGENT, [customer], "parcel", BagOfWords())
    other = BagOfWords()
    other.name = "another-model"
    result = semantic_search(store, AGENT, [customer], "parcel", other)
    assert result.embedded == len(HISTORY)
    assert {r.model for r in _rows(store, customer)} == {"another-model"}


def test_unrelated_queries_find_nothing_and_limits_hold(store: Store) -> None:
    customer = _customer(store, "C-1", HISTORY)
    encoder = BagOfWords()
    assert semantic_search(store, AGENT, [customer], "xylophone quartz", encoder).hits == []
    assert semantic_search(store, AGENT, [customer], "  ?! ", encoder).hits == []
    assert len(semantic_search(store, AGENT, [customer], "my", encoder, limit=2).hits) <= 2


def test_hybrid_ranks_interactions_that_contain_every_word_first(store: Store) -> None:
    customer = _customer(
        store,
        "C-1",
        [
            ("chat", None, "Customer: refund refund refund please"),
            ("chat", None, "Customer: 20931 refund of the blender kettle"),
        ],
    )
    encoder = BagOfWords()
    query = "refund 20931"
    plain = semantic_search(store, AGENT, [customer], query, encoder, hybrid=False).hits
    assert "please" in plain[0].snippet and not any(h.fulltext for h in plain)
    hybrid = semantic_search(store, AGENT, [customer], query, encoder).hits
    assert "20931" in hybrid[0].snippet and [h.fulltext for h in hybrid] == [True, False]
    assert hybrid[0].score == pytest.approx(plain[1].score, abs=1e-3)  # still the cosine


def test_hybrid_marks_interactions_that_contain_a_hyphenated_order_number(store: Store) -> None:
    # PostgreSQL's parser reads "A-10424" as "a" and the signed integer "-10424": the words
    # must still be found there, as on SQLite.
    customer = _customer(
        store,
        "C-1",
        [
            ("email", "Order A-10424", "Where is my order A-10424? It has not arrived."),
            ("email", "Order A-20424", "Where is my order A-20424? It has not arrived."),
            ("email", "Invoice", "Invoice INV-2024-000123 was charged twice"),
        ],
    )
    encoder = BagOfWords()
    for query, subject in [("A-10424", "Order A-10424"), ("inv-2024-0001", "Invoice")]:
        hits = semantic_search(store, AGENT, [customer], query, encoder).hits
        assert [h.subject for h in hits if h.fulltext] == [subject], query
        assert hits[0].subject == subject  # containing every word ranks first


def test_the_desk_searches_with_the_capped_live_encoder(store: Store) -> None:
    from sayonce.history.desk import Desk

    class LiveOnly(BagOfWords):
        def encode_bulk(self, texts: list[str]) -> npt.NDArray[np.float32]:
            raise AssertionError("the desktop must not take every core")

    customer = _customer(store, "C-1", HISTORY)
    found = Desk(store, AGENT).semantic([customer], "card declined", LiveOnly(), limit=1)
    assert [h.snippet for h in found.hits] == ["My card was declined at checkout."]


# --- who may search, what is never kept -----------------------------------------------------


def test_a_user_without_view_rights_is_refused_before_anything_is_read(store: Store) -> None:
    customer = _customer(store, "C-1", HISTORY)
    encoder = BagOfWords()
    stranger = Principal("eve", "contractor")  # type: ignore[arg-type]  # a role with no rights
    with pytest.raises(PermissionDenied, match="view profile"):
        semantic_search(store, stranger, [customer], "card declined", encoder)
    assert encoder.seen == [] and _rows(store, customer) == []


def test_pii_in_the_query_is_redacted_before_encoding_and_never_logged(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    customer = _customer(store, "C-1", HISTORY)
    encoder = BagOfWords()
    semantic_search(store, AGENT, [customer], "parcel", encoder)
    encoder.seen.clear()
    caplog.set_level(logging.DEBUG)
    query = "card 4111 1111 1111 1111 declined, mail ann.lee@example.com"
    semantic_search(store, AGENT, [customer], query, encoder)
    assert encoder.seen == ["card [CARD] declined, mail [EMAIL]"]
    assert "4111" not in caplog.text and "ann.lee" not in caplog.text


def test_erased_text_is_not_searchable_and_its_vectors_are_gone(store: Store) -> None:
    world = seed(store)
    encoder = BagOfWords()
    maria = [world.maria, world.maria_old]
    found = semantic_search(store, AGENT, maria, "blender zorbulates", encoder).hits
    assert found[0].interaction_id == world.maria_call
    tom = semantic_search(store, AGENT, [world.tom], "Maria Lopez", encoder).hits
    assert any("Lopez" in h.snippet for h in tom)
    with store.write() as s:
        erase_person(s, ADMIN, world.maria)
    with store.read() as s:
        left = s.scalar(select(func.count()).where(Embedding.customer_id.in_(maria)))
    assert left == 0  # erasure deleted them
    encoder.seen.clear()
    assert semantic_search(store, AGENT, maria, "blender zorbulates", encoder).hits == []
    assert encoder.seen == []  # an erased profile's text is not even embedded again
    tom = semantic_search(store, AGENT, [world.tom], "Maria Lopez", encoder, min_score=0).hits
    assert tom and all("Lopez" not in h.snippet and "Maria" not in h.snippet for h in tom)
    assert embed_missing(store, encoder, customer_ids=maria).embedded == 0


def test_vectors_of_text_that_changed_during_encoding_are_not_written(store: Store) -> None:
    customer = _customer(store, "C-1", HISTORY)

    class Eraser(BagOfWords):
        def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
            if len(texts) > 1:  # while the history is encoded, the person is erased
                with store.write() as s:
                    s.execute(
                        update(Interaction)
                        .where(Interaction.customer_id == customer)
                        .values(body="[erased]", subject="[erased]")
                    )
            return super().encode(texts)

    semantic_search(store, AGENT, [customer], "card declined", Eraser())
    assert _rows(store, customer) == []


def test_the_export_names_the_vectors_without_dumping_them(store: Store) -> None:
    customer = _customer(store, "C-1", HISTORY)
    semantic_search(store, AGENT, [customer], "parcel", BagOfWords())
    with store.read() as s:
        listed = collect(s, ADMIN, customer)["embeddings"]
    assert len(listed) == len(HISTORY)
    assert {e["dimensions"] for e in listed} == {256}
    assert sum(e["vectors"] for e in listed) == sum(len(chunks_of(b, c)) for _, b, c in HISTORY)
    assert "vector" not in json.dumps(listed).replace('"vectors"', "")


# --- the bulk backfill ----------------------------------------------------------------------


def test_the_backfill_embeds_what_is_missing_in_batches_and_resumes(store: Store) -> None:
    first = _customer(store, "C-1", HISTORY)
    second = _customer(store, "C-2", HISTORY[:2])
    encoder = BagOfWords()
    calls: list[tuple[int, int]] = []
    report = embed_missing(
        store, encoder, limit=3, batch=2, progress=lambda a, b: calls.append((a, b))
    )
    assert report.embedded == 3 and calls[-1][1] == 3
    assert len(_rows(store, first)) == 3
    report = embed_missing(store, encoder, customer_ids=[second])
    assert report.embedded == 2 and len(_rows(store, first)) == 3
    report = embed_missing(store, encoder)
    assert report.embedded == 2 and report.scanned == len(HISTORY) + 2
    assert embed_missing(store, encoder).embedded == 0
    encoder.seen.clear()
    semantic_search(store, AGENT, [first], "parcel", encoder)
    assert encoder.seen == ["parcel"]  # the backfill's vectors are the search's vectors


# --- the real model ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_paraphrase_finds_the_turn_that_says_it(sqlite_store: Store, minilm: Encoder) -> None:
    customer = _customer(sqlite_store, "C-1", HISTORY)
    hits = semantic_search(sqlite_store, AGENT, [customer], "my payment got refused", minilm).hits
    assert hits[0].snippet == "My card was declined at checkout."
    assert hits[0].speaker == "customer" and hits[0].score > 0.4
    moved = semantic_search(sqlite_store, AGENT, [customer], "I relocated", minilm).hits
    assert moved[0].snippet == "I moved house and need to change my address."


@pytest.mark.slow
def test_on_the_labelled_set_meaning_beats_words_and_hybrid_keeps_exact_ids(
    sqlite_store: Store, minilm: Encoder
) -> None:
    from sayonce.history.search_eval import evaluate, seed_eval_customer

    customer, labels = seed_eval_customer(sqlite_store)
    scores = {(s.mode, s.kind): s for s in evaluate(sqlite_store, AGENT, minilm, customer, labels)}
    assert scores[("fulltext", "paraphrase")].hit_at_1 <= 0.1  # words alone miss paraphrases
    assert scores[("semantic", "paraphrase")].hit_at_1 >= 0.85
    assert scores[("fulltext", "keyword")].hit_at_1 == 1.0
    assert scores[("hybrid", "keyword")].hit_at_1 == 1.0  # ids the model cannot read
    assert scores[("hybrid", "all")].mrr >= scores[("semantic", "all")].mrr


# --- the command line ------------------------------------------------------------------------


def _run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def fake_model(monkeypatch: Any) -> BagOfWords:
    encoder = BagOfWords()
    monkeypatch.setattr("sayonce.nlp.embeddings.get_encoder", lambda: encoder)
    return encoder


def test_search_and_embed_from_the_command_line(
    sqlite_url: str, capsys: Any, fake_model: BagOfWords
) -> None:
    store = open_store(sqlite_url)
    _customer(store, "C-000012", HISTORY)
    _customer(store, "C-000013", HISTORY[:2])
    store.dispose()
    code, out, _ = _run(capsys, "embed", "--db", sqlite_url, "--customer", "C-000013", "-q")
    assert code == 0 and out.startswith("embedded 2 interactions") and "2 of 2 looked at" in out
    code, out, _ = _run(capsys, "embed", "--db", sqlite_url, "-q")
    assert code == 0 and out.startswith("embedded 5 interactions")

    code, out, _ = _run(
        capsys, "search", "--semantic", "card declined 4111 1111 1111 1111",
        "--customer", "C-000012", "--json", "--db", sqlite_url,
    )  # fmt: skip
    assert code == 0
    payload = json.loads(out)
    assert payload["mode"] == "hybrid" and payload["embedded"] == 0
    assert payload["hits"][0]["snippet"] == "My card was declined at checkout."
    assert fake_model.seen[-1] == "card declined [CARD]"

    code, out, _ = _run(
        capsys, "search", "--semantic", "card declined", "--customer", "C-000012",
        "--db", sqlite_url,
    )  # fmt: skip
    assert code == 0 and "Customer: My card was declined at checkout." in out
    code, out, _ = _run(capsys, "search", "parcel", "--customer", "C-000012", "--db", sqlite_url)
    assert code == 0 and "1 hit in C-000012 (full-text" in out and "Where is my parcel" in out

    store = open_store(sqlite_url)
    with store.read() as s:
        views = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "profile.view"))
        details = [json.loads(d) for d in views]
    store.dispose()
    assert [d["mode"] for d in details] == ["hybrid", "hybrid", "fulltext"]
    assert all(d["via"] == "cli.search" for d in details)
    assert not any("card" in json.dumps(d) or "4111" in json.dumps(d) for d in details)


def test_the_command_line_refuses_an_unknown_customer_and_a_user_without_an_account(
    sqlite_url: str, capsys: Any, monkeypatch: Any, fake_model: BagOfWords
) -> None:
    store = open_store(sqlite_url)
    _customer(store, "C-000012", HISTORY)
    store.dispose()
    code, _, err = _run(
        capsys, "search", "--semantic", "x y", "--customer", "C-999", "--db", sqlite_url
    )
    assert code == 2 and "No customer with the reference 'C-999'" in err
    monkeypatch.setenv("SAYONCE_OS_USER_MAP", f"{getpass.getuser()}=nobody")
    code, _, err = _run(
        capsys, "search", "--semantic", "card", "--customer", "C-000012", "--db", sqlite_url
    )
    assert code == 2 and "does not exist" in err and fake_model.seen == []


# --- the schema ---------------------------------------------------------------------------


def test_upgrading_drops_vectors_that_have_no_hash(sqlite_url: str, tmp_path: Path) -> None:
    store = open_store(sqlite_url)
    customer = _customer(store, "C-1", HISTORY[:1])
    store.dispose()
    path = tmp_path / "sayonce.sqlite3"
    with sqlite3.connect(path) as conn:  # the database as revision 0003 left it
        conn.execute("ALTER TABLE embeddings DROP COLUMN text_hash")
        conn.execute("ALTER TABLE embeddings DROP COLUMN chunks")
        conn.execute(
            "INSERT INTO embeddings (interaction_id, customer_id, model, vector) "
            "SELECT id, customer_id, 'minilm', x'0000' FROM interactions"
        )
        conn.execute("UPDATE alembic_version SET version_num = '0003_audit_guard'")
    store = open_store(sqlite_url)
    try:
        assert _rows(store, customer) == []
        result = semantic_search(store, AGENT, [customer], "parcel", BagOfWords())
        assert result.embedded == 1 and _rows(store, customer)[0].text_hash
    finally:
        store.dispose()
