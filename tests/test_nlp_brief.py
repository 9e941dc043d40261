"""The customer brief: newest first, open promises on top, no repeats, from cached summaries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from sayonce.nlp.brief import customer_brief
from sayonce.nlp.enrich import brief_stored, current_version, summarize_stored
from sayonce.nlp.eval.sample_history import seed_customer
from sayonce.nlp.facts import store_facts
from sayonce.store import Customer, Fact, Interaction, InteractionSummary, Store


def _seed(store: Store, interactions: int) -> int:
    with store.write() as session:
        return seed_customer(session, interactions)


def test_brief_is_newest_first_without_repeats(store: Store) -> None:
    customer = _seed(store, 40)  # 33 labelled conversations, so 7 come twice
    brief = brief_stored(store, [customer])
    assert brief.interactions == 40
    stamps = [p.at for p in brief.points]
    assert stamps == sorted(stamps, reverse=True)
    texts = [p.text for p in [*brief.open_promises, *brief.points]]
    assert len(texts) == len(set(texts))
    # The newest contact repeats an older conversation: its point appears once, as the newest.
    with store.read() as session:
        newest = session.scalar(
            select(Interaction.id).order_by(Interaction.started_at.desc()).limit(1)
        )
    assert brief.points[0].interaction_id == newest
    assert brief.to_dict()["customer_ids"] == [customer]


def test_open_promises_come_first_and_resolved_ones_drop_out(store: Store) -> None:
    customer = _seed(store, 33)
    brief = brief_stored(store, [customer])
    assert brief.open_promises, "the newest contacts hold promises"
    assert brief.text.startswith("Open promises: ")
    first = brief.open_promises[0]
    with store.write() as session:
        store_facts(session, first.interaction_id)
        for fact in session.scalars(
            select(Fact).where(
                Fact.interaction_id == first.interaction_id,
                Fact.kind == "promise",
                Fact.turn_seq == first.turn,
            )
        ):
            fact.resolved = True
    again = brief_stored(store, [customer])
    assert first.text not in [p.text for p in again.open_promises]


def test_old_promises_are_history_not_to_dos(store: Store) -> None:
    customer = _seed(store, 33)
    before = brief_stored(store, [customer])
    with store.write() as session:
        newest = session.scalars(
            select(Interaction).order_by(Interaction.started_at.desc()).limit(1)
        ).one()
        newest.started_at += timedelta(days=400)  # everything else is now over a year old
    assert any(p.interaction_id != newest.id for p in before.open_promises)
    brief = brief_stored(store, [customer])
    assert all(p.interaction_id == newest.id for p in brief.open_promises)


def test_summaries_are_cached_once_and_reused(store: Store) -> None:
    customer = _seed(store, 12)
    with store.read() as session:
        cold = customer_brief(session, [customer], compute_missing=False)
    assert cold.points == []  # nothing cached yet, and a read-only brief computes nothing
    brief_stored(store, [customer])
    with store.read() as session:
        cached = session.scalar(
            select(func.count())
            .select_from(InteractionSummary)
            .where(InteractionSummary.model == current_version())
        )
        warm = customer_brief(session, [customer], compute_missing=False)
    assert cached == 12
    assert warm.points and warm == brief_stored(store, [customer])


def test_the_brief_covers_every_profile_of_a_merged_customer(store: Store) -> None:
    survivor = _seed(store, 3)
    with store.write() as session:
        absorbed = seed_customer(session, 2, ref="C-NLP-0002")
        session.get_one(Customer, absorbed).merged_into_id = survivor
    brief = brief_stored(store, [survivor, absorbed])
    assert brief.interactions == 5
    with store.read() as session:
        theirs = set(
            session.scalars(select(Interaction.id).where(Interaction.customer_id == absorbed))
        )
    assert theirs & {p.interaction_id for p in brief.points}


def test_a_single_summary_is_computed_then_read_from_the_cache(store: Store) -> None:
    customer = _seed(store, 1)
    with store.read() as session:
        interaction = session.scalar(
            select(Interaction.id).where(Interaction.customer_id == customer)
        )
    assert interaction is not None
    first = summarize_stored(store, interaction)
    with store.write() as session:
        row = session.get_one(InteractionSummary, interaction)
        row.data = row.data.replace(first.issue[0].text, "cached text")
    assert summarize_stored(store, interaction).issue[0].text == "cached text"


def test_page_views_are_history_but_a_web_form_with_a_problem_is_a_point(store: Store) -> None:
    from datetime import UTC, datetime

    with store.write() as session:
        customer = Customer(ref="C-WEB-1", display_name="Web Visitor", name_key="web visitor")
        session.add(customer)
        session.flush()
        for n, (channel, body) in enumerate(
            [
                ("call", "Customer: My phone has stopped working since the update."),
                ("web", "Customer: Viewed /category/laundry"),
                ("web", "Customer: Contact form: my order A-10424 never arrived."),
            ]
        ):
            session.add(
                Interaction(
                    customer_id=customer.id,
                    channel=channel,
                    started_at=datetime(2026, 3, 1 + n, 9, tzinfo=UTC),
                    body=body,
                    source="t",
                    external_id=f"w{n}",
                )
            )
        customer_id = customer.id
    texts = [p.text for p in brief_stored(store, [customer_id]).points]
    assert not any("Viewed" in t for t in texts)
    assert any("never arrived" in t for t in texts)
    assert any("stopped working" in t for t in texts)
