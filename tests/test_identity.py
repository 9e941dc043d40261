"""Identity resolution: exact lookups, clusters, scored duplicates, merges that undo exactly."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sayonce.identity import cluster, lookup
from sayonce.identity.duplicates import find_duplicates
from sayonce.identity.merge import MergeError, merge, merge_log, never_merge, preview, undo
from sayonce.intake.importer import import_file
from sayonce.store import Customer, Identity, Store
from sayonce.store.agents import AuditEvent
from sayonce.trust.permissions import PermissionDenied
from sayonce.trust.principal import Principal

ADMIN = Principal.system("tester")


def _people(store: Store, tmp_path: Path, records: list[dict[str, Any]]) -> dict[str, int]:
    path = tmp_path / "crm.jsonl"
    rows = [{"type": "customer", "source": "crm", **r} for r in records]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert import_file(store, path).written
    with store.read() as s:
        return {
            r["id"]: s.scalar(
                select(Identity.customer_id).where(Identity.value == f"CRM:{r['id']}")
            )
            for r in records
        }


ANN = {
    "id": "1",
    "name": "Ann Lee",
    "phone": "+1 415 555 0101",
    "email": "Ann.Lee@Example.com",
    "birthday": "1985-04-23",
    "postcode": "94110",
    "handle": "twitter:@annlee",
    "account": "ACC-77",
}
ANNE = {
    "id": "2",
    "name": "Anne Lee",
    "email": "ann.lee@work.example",
    "birthday": "1985-04-23",
    "postcode": "94110",
    "city": "San Francisco",
}
BOB = {"id": "3", "name": "Bob Stone", "phone": "+1 212 555 0188", "birthday": "1970-01-02"}


@pytest.fixture
def people(store: Store, tmp_path: Path) -> dict[str, int]:
    return _people(store, tmp_path, [ANN, ANNE, BOB])


@pytest.mark.parametrize(
    "raw",
    [
        "(415) 555-0101",
        "+14155550101",
        "ANN.LEE@example.COM",
        "@AnnLee",
        "twitter:annlee",
        "acc-77",
    ],
)
def test_lookup_finds_one_customer_however_it_is_written(
    store: Store, people: dict[str, int], raw: str
) -> None:
    with store.read() as s:
        assert lookup.find_customers(s, raw) == [people["1"]]


def test_lookup_by_ref_and_order_number_and_nothing(store: Store, people: dict[str, int]) -> None:
    with store.read() as s:
        ref = s.scalar(select(Customer.ref).where(Customer.id == people["3"]))
        assert lookup.find_customers(s, ref.lower()) == [people["3"]]
        assert lookup.find_customers(s, "+1 999 555 0000") == []
        assert lookup.find_customers(s, "   ") == []
        (match,) = lookup.find_matches(s, "415-555-0101")
        assert (match.matched_by, match.display_name, match.unverified) == (
            "phone",
            "Ann Lee",
            False,
        )


def test_clusters_follow_merge_chains(store: Store, people: dict[str, int]) -> None:
    ann, anne, bob = people["1"], people["2"], people["3"]
    with store.write() as s:
        merge(s, ADMIN, anne, bob)  # bob -> anne
        merge(s, ADMIN, ann, anne)  # anne -> ann, so bob -> anne -> ann
    with store.read() as s:
        assert cluster.root_of(s, bob) == ann
        assert cluster.members(s, ann) == [ann, anne, bob]
        assert cluster.roots_of(s, [bob, anne, ann]) == {bob: ann, anne: ann, ann: ann}
        assert lookup.find_customers(s, "+1 212 555 0188") == [ann]  # the root, not bob


def test_duplicates_are_scored_with_reasons(store: Store, people: dict[str, int]) -> None:
    with store.read() as s:
        found = find_duplicates(s)
    (pair,) = found
    assert {pair.first_id, pair.second_id} == {people["1"], people["2"]}
    assert 0.7 <= pair.score <= 1
    assert "same birthday" in pair.reasons and "same postcode 94110" in pair.reasons
    assert any("names" in r and "alike" in r for r in pair.reasons)
    assert "same email name 'ann.lee' at another domain" in pair.reasons
    with store.read() as s:
        around_bob = find_duplicates(s, customer_id=people["3"])
        around_anne = find_duplicates(s, customer_id=people["2"])
    assert around_bob == []
    assert [(p.first_id, p.second_id) for p in around_anne] == [(pair.first_id, pair.second_id)]


def test_different_birthdays_and_names_lower_the_score(store: Store, tmp_path: Path) -> None:
    ids = _people(
        store,
        tmp_path,
        [
            {"id": "1", "name": "Sam Reed", "phone": "+14155550101", "birthday": "1980-01-01"},
            {"id": "2", "name": "Kim Park", "phone": "+14155550101", "birthday": "1999-09-09"},
        ],
    )
    with store.read() as s:
        (pair,) = find_duplicates(s)  # listed anyway: they share a phone
    assert pair.shares_identity and pair.score < 0.3
    assert "different birthdays" in pair.reasons
    assert {pair.first_id, pair.second_id} == set(ids.values())


def test_merge_preview_explains_and_changes_nothing(store: Store, people: dict[str, int]) -> None:
    with store.read() as s:
        plan = preview(s, people["1"], people["2"])
        assert s.get(Customer, people["2"]).merged_into_id is None
    assert plan.possible and plan.score > 0.7
    assert "email ann.lee@work.example" in plan.identities
    assert plan.changes["city"] == (None, "San Francisco")
    assert plan.joins == {}


def test_merge_then_undo_restores_exactly(store: Store, people: dict[str, int]) -> None:
    ann, anne = people["1"], people["2"]
    with store.read() as s:
        before = {c.id: (c.city, c.merged_into_id) for c in s.scalars(select(Customer))}
    with store.write() as s:
        merge_id = merge(s, ADMIN, ann, anne)
    with store.read() as s:
        assert s.get(Customer, anne).merged_into_id == ann
        assert s.get(Customer, ann).city == "San Francisco"  # filled from the absorbed profile
        assert lookup.find_customers(s, "ann.lee@work.example") == [ann]
        (entry,) = merge_log(s, anne)
        assert entry.id == merge_id and entry.undone_at is None and entry.reasons
    with store.write() as s:
        result = undo(s, ADMIN, merge_id)
    assert result.restored == ("city",) and result.kept == ()
    with store.read() as s:
        after = {c.id: (c.city, c.merged_into_id) for c in s.scalars(select(Customer))}
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert merge_log(s, anne)[0].undone_by == "tester"
    assert after == before
    assert actions[-2:] == ["customer.merge", "customer.unmerge"]
    with pytest.raises(MergeError, match="already undone"), store.write() as s:
        undo(s, ADMIN, merge_id)


def test_undo_keeps_an_edit_made_after_the_merge(store: Store, people: dict[str, int]) -> None:
    with store.write() as s:
        merge_id = merge(s, ADMIN, people["1"], people["2"])
    with store.write() as s:
        s.get(Customer, people["1"]).city = "Oakland"
    with store.write() as s:
        result = undo(s, ADMIN, merge_id)
    assert result.kept == ("city",)
    with store.read() as s:
        assert s.get(Customer, people["1"]).city == "Oakland"


def test_never_merge_blocks_suggestions_and_merges(store: Store, people: dict[str, int]) -> None:
    with store.write() as s:
        never_merge(s, ADMIN, people["2"], people["1"], "twins")
    with store.read() as s:
        assert find_duplicates(s) == []
        assert not preview(s, people["1"], people["2"]).possible
    with pytest.raises(MergeError, match="different people"), store.write() as s:
        merge(s, ADMIN, people["1"], people["2"])


def test_merging_a_placeholder_keeps_consent_but_an_opt_out_spreads(
    store: Store, people: dict[str, int]
) -> None:
    from sayonce.store.base import utcnow

    with store.write() as s:
        s.get(Customer, people["1"]).consent_marketing = True
        s.get(Customer, people["3"]).opted_out_at = utcnow()
        placeholder = Customer(ref="C-PH", display_name="Unverified contact", unverified=True)
        s.add(placeholder)
        s.flush()
        merge(s, ADMIN, people["1"], placeholder.id)
        merge(s, ADMIN, people["1"], people["3"])
    with store.read() as s:
        ann = s.get(Customer, people["1"])
        assert ann.opted_out_at is not None  # Bob's opt-out travels with the merge
        assert ann.consent_marketing is False  # ...and Bob never consented


def test_merges_need_the_permission(store: Store, people: dict[str, int]) -> None:
    nobody = Principal("guest", "guest")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied), store.write() as s:
        merge(s, nobody, people["1"], people["2"])


def test_birthday_fill_round_trips_through_undo(store: Store, tmp_path: Path) -> None:
    ids = _people(
        store,
        tmp_path,
        [
            {"id": "1", "name": "Ola Nord"},
            {"id": "2", "name": "Ola Nord", "birthday": "1991-07-08"},
        ],
    )
    with store.write() as s:
        merge_id = merge(s, ADMIN, ids["1"], ids["2"])
    with store.read() as s:
        assert s.get(Customer, ids["1"]).birthday == date(1991, 7, 8)
    with store.write() as s:
        undo(s, ADMIN, merge_id)
    with store.read() as s:
        assert s.get(Customer, ids["1"]).birthday is None


@pytest.mark.postgres
def test_crossed_merges_on_two_workstations_cannot_make_a_cycle(
    pg_url: str, tmp_path: Path
) -> None:
    from sayonce.store import open_store
    from sayonce.store.errors import ConcurrentEditError

    first, second = open_store(pg_url), open_store(pg_url)
    try:
        ids = _people(first, tmp_path, [ANN, ANNE])
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def attempt(store: Store, survivor: int, absorbed: int) -> None:
            try:
                with store.write() as s:
                    barrier.wait(timeout=10)
                    merge(s, ADMIN, survivor, absorbed)
                outcomes.append("merged")
            except (MergeError, ConcurrentEditError):
                outcomes.append("refused")

        threads = [
            threading.Thread(target=attempt, args=(first, ids["1"], ids["2"])),
            threading.Thread(target=attempt, args=(second, ids["2"], ids["1"])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["merged", "refused"]
        with first.read() as s:
            links = [s.get(Customer, i).merged_into_id for i in ids.values()]
        assert links.count(None) == 1  # exactly one root: no cycle
    finally:
        first.dispose()
        second.dispose()
