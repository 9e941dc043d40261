""" "Already told us": facts from conversations and emails, stored with their source."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from sayonce.nlp.conversation import TurnText
from sayonce.nlp.facts import extract_facts, store_facts
from sayonce.store import Customer, Fact, Interaction, Store, Turn

AT = datetime(2024, 3, 20, 15, tzinfo=UTC)
CHAT = [
    TurnText(0, "customer", "My Wi-Fi router keeps dropping the connection. It's order A-20931."),
    TurnText(1, "agent", "Sorry! Have you tried a restart?"),
    TurnText(2, "customer", "I already restarted it twice and updated the firmware."),
    TurnText(3, "agent", "I'll send a replacement, and it will arrive within 3 business days."),
    TurnText(4, "customer", "Please email me rather than calling, I work nights."),
]


def _facts(source: object) -> list[tuple[str, str | None, int]]:
    return [(f.kind, f.value, f.turn_seq) for f in extract_facts(source, at=AT)]  # type: ignore[arg-type]


def test_every_kind_of_fact_with_its_turn() -> None:
    assert _facts(CHAT) == [
        ("problem", None, 0),
        ("order_number", "A-20931", 0),
        ("tried", None, 2),
        ("promise", "2024-03-25", 3),
        ("preference", "email", 4),
    ]
    tried = next(f for f in extract_facts(CHAT) if f.kind == "tried")
    assert CHAT[2].text[tried.start : tried.end] == tried.text


def test_a_question_from_the_agent_is_not_something_the_customer_tried() -> None:
    assert all(kind != "tried" or turn != 1 for kind, _, turn in _facts(CHAT))


def test_case_numbers_are_not_mistaken_for_orders() -> None:
    text = "I opened case CS-40211 about order #55120, reference INC-77812."
    assert [f.value for f in extract_facts(text) if f.kind == "order_number"] == ["55120"]


def test_fact_text_is_redacted() -> None:
    facts = extract_facts("I already gave you my card 4111 1111 1111 1111 on the phone.")
    assert [f.text for f in facts] == ["I already gave you my card [CARD] on the phone."]


def _chat_interaction(store: Store) -> int:
    with store.write() as session:
        customer = Customer(ref="C-FACTS-1", display_name="Facts Test")
        session.add(customer)
        session.flush()
        interaction = Interaction(
            customer_id=customer.id,
            channel="chat",
            started_at=AT,
            body="\n".join(f"{t.speaker}: {t.text}" for t in CHAT),
            external_id="facts-1",
        )
        session.add(interaction)
        session.flush()
        session.add_all(
            Turn(interaction_id=interaction.id, seq=t.seq, speaker=t.speaker, text=t.text)
            for t in CHAT
        )
        return interaction.id


def test_stored_facts_are_replaced_on_rerun_and_keep_resolved_marks(store: Store) -> None:
    interaction_id = _chat_interaction(store)
    with store.write() as session:
        assert store_facts(session, interaction_id) == 5
    with store.write() as session:
        promise = session.scalars(select(Fact).where(Fact.kind == "promise")).one()
        assert promise.value == "2024-03-25" and promise.at == AT
        promise.resolved = True
    with store.write() as session:
        assert store_facts(session, interaction_id) == 5
    with store.read() as session:
        rows = session.execute(select(Fact.kind, Fact.resolved).order_by(Fact.id)).all()
    assert len(rows) == 5
    assert [kind for kind, done in rows if done] == ["promise"]
