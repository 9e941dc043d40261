"""The search helper's host: what the desktop's commands do, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sayonce.history.desk import Desk
from sayonce.history.semantic import embed_interactions, semantic_search, stale_interactions
from sayonce.history.semantic_host import SearchHost
from sayonce.nlp.host_process import Command
from sayonce.store import Embedding, Interaction, Role, Store
from sayonce.trust.erasure import erase_person
from sayonce.trust.principal import Principal
from tests import historydata as hd
from tests.semantic_fakes import SlowBagOfWords

AGENT = Principal("ann", Role.AGENT, None)
ADMIN = Principal("root", Role.ADMIN)


def _history(store: Store, n: int = 20) -> tuple[int, list[int]]:
    customer = hd.customer(store, "Ann Lee")
    ids = hd.interactions(store, customer, n, step=timedelta(days=1))
    return customer, ids


def _vectors(store: Store, customer: int) -> dict[int, str]:
    with store.read() as s:
        rows = s.execute(
            select(Embedding.interaction_id, Embedding.model).where(
                Embedding.customer_id == customer
            )
        )
        return {row.interaction_id: row.model for row in rows}


def test_stale_interactions_are_listed_newest_first_and_embedded_by_id(store: Store) -> None:
    customer, ids = _history(store, 6)
    encoder = SlowBagOfWords()
    stale = stale_interactions(store, AGENT, [customer], encoder.name)
    assert stale == list(reversed(ids))  # newest first: what an agent is likeliest to want
    assert embed_interactions(store, encoder, stale[:2]) == 2
    assert set(_vectors(store, customer)) == set(stale[:2])
    assert stale_interactions(store, AGENT, [customer], encoder.name) == stale[2:]
    assert stale_interactions(store, AGENT, [customer], "another-model") == stale
    with store.write() as s:  # a changed text is stale again
        row = s.get(Interaction, stale[0])
        assert row is not None
        row.body = "Customer: the blender makes a grinding noise"
    assert stale_interactions(store, AGENT, [customer], encoder.name)[0] == stale[0]


def test_the_host_counts_indexes_in_steps_then_searches(store: Store) -> None:
    customer, ids = _history(store, 20)
    host = SearchHost(Desk(store, AGENT), SlowBagOfWords())
    assert host.run(Command("pending", ([customer],))) == [("pending", 20)]
    assert host.run(Command("index", ([customer], 8))) == [("indexed", 12)]
    assert len(_vectors(store, customer)) == 8
    assert host.run(Command("index", ([customer], 8))) == [("indexed", 4)]
    assert host.run(Command("index", ([customer], 8))) == [("indexed", 0)]
    assert set(_vectors(store, customer)) == set(ids)
    assert host.run(Command("pending", ([customer],))) == [("pending", 0)]
    [(kind, hits)] = host.run(Command("semantic", ([customer], "parcel 7 is late", 3)))
    assert kind == "hits" and len(hits) == 3
    assert hits[0].interaction_id == ids[7] and hits[0].snippet == "my parcel 7 is late"


def test_a_search_without_indexing_first_embeds_what_it_needs(store: Store) -> None:
    customer, ids = _history(store, 5)
    host = SearchHost(Desk(store, AGENT), SlowBagOfWords())
    [(kind, hits)] = host.run(Command("semantic", ([customer], "parcel 3", 20)))
    assert kind == "hits" and hits[0].interaction_id == ids[3]
    assert set(_vectors(store, customer)) == set(ids)


def test_failures_are_outputs_and_rights_are_checked(store: Store) -> None:
    customer, _ids = _history(store, 3)
    stranger = Principal("eve", "contractor")  # type: ignore[arg-type]  # a role with no rights
    host = SearchHost(Desk(store, stranger), SlowBagOfWords())
    for command in (
        Command("pending", ([customer],)),
        Command("index", ([customer], 8)),
        Command("semantic", ([customer], "parcel", 5)),
    ):
        [(kind, message)] = host.run(command)
        assert kind == "failed" and "view profile" in message
    assert _vectors(store, customer) == {}
    agent = SearchHost(Desk(store, AGENT), SlowBagOfWords())
    assert agent.run(Command("reindex-everything"))[0][0] == "failed"
    assert agent.run(Command("pending", ("not a cluster",)))[0][0] == "failed"


def test_an_erased_profile_is_not_indexed(store: Store) -> None:
    customer, _ids = _history(store, 4)
    host = SearchHost(Desk(store, AGENT), SlowBagOfWords())
    assert host.run(Command("pending", ([customer],))) == [("pending", 4)]
    with store.write() as s:  # erased between counting and indexing
        erase_person(s, ADMIN, customer)
    assert host.run(Command("index", ([customer], 8))) == [("indexed", 0)]
    assert _vectors(store, customer) == {}
    assert host.run(Command("pending", ([customer],))) == [("pending", 0)]
    assert semantic_search(store, AGENT, [customer], "parcel", SlowBagOfWords()).hits == []
