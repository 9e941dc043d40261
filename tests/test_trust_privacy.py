"""Privacy requests: export everything about a person, erase them everywhere; consent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text

from sayonce.store import (
    Customer,
    Embedding,
    Fact,
    Identity,
    Interaction,
    InteractionSummary,
    Note,
    Role,
    Store,
    Suggestion,
    Turn,
)
from sayonce.trust.audit import entries, verify
from sayonce.trust.consent import consent_of, opt_out, set_consent
from sayonce.trust.erasure import erase_person
from sayonce.trust.export import SCHEMA_VERSION, export_person
from sayonce.trust.permissions import PermissionDenied
from sayonce.trust.principal import Principal
from tests.trust_seed import audit_count, seed

ADMIN = Principal("ada", Role.ADMIN, None)
SUPERVISOR = Principal("sam", Role.SUPERVISOR, None)
AGENT = Principal("ann", Role.AGENT, None)


def _fulltext_hits(store: Store, word: str) -> int:
    with store.read() as s:
        if store.dialect == "sqlite":
            sql = "SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH :q"
        else:
            sql = (
                "SELECT count(*) FROM interactions WHERE to_tsvector('english', "
                "coalesce(subject,'') || ' ' || body) @@ plainto_tsquery('english', :q)"
            )
        return int(s.execute(text(sql), {"q": word}).scalar_one())


def test_export_holds_everything_about_the_whole_cluster(store: Store, tmp_path: Path) -> None:
    world = seed(store)
    out = tmp_path / "maria.json"
    result = export_person(store, ADMIN, world.maria_old, out)  # via the absorbed profile
    document = json.loads(out.read_text("utf-8"))
    assert document["schema_version"] == SCHEMA_VERSION
    assert sorted(document["customer_ids"]) == sorted([world.maria, world.maria_old])
    assert {i["value"] for i in document["identities"]} == {
        "+15551234567",
        "maria.lopez@example.com",
        "twitter:mlopez88",
    }
    calls = {i["external_id"]: i for i in document["interactions"]}
    assert set(calls) == {"m1", "m2"}  # Tom's call is his, not hers
    assert [t["text"] for t in calls["m1"]["turns"]][1] == "My blender zorbulates loudly"
    assert calls["m1"]["analysis"]["data"] == {"issue": "x"}
    assert document["orders"][0]["total"] == "49.90"
    assert len(document["merges"]) == 1 and document["merges"][0]["snapshot"]["absorbed_name"]
    for section in ("facts", "notes", "surveys", "cases", "suggestions", "embeddings"):
        assert len(document[section]) >= 1, section
    assert result.counts["interactions"] == 2


def test_export_is_audited_without_personal_data(store: Store, tmp_path: Path) -> None:
    world = seed(store)
    result = export_person(store, ADMIN, world.maria, tmp_path / "x.json")
    with store.read() as s:
        [entry] = entries(s, action="privacy.export")
        raw = json.dumps(entry.detail)
    assert entry.actor == "ada" and entry.target_id == str(world.maria)
    assert entry.detail["sha256"] == result.sha256
    # (the export's sha256 may contain any digits by chance, so look for the whole number)
    assert "Lopez" not in raw and "5551234567" not in raw and "example.com" not in raw


def test_second_export_lists_the_first_in_its_audit_section(store: Store, tmp_path: Path) -> None:
    world = seed(store)
    export_person(store, ADMIN, world.maria, tmp_path / "1.json")
    export_person(store, ADMIN, world.maria, tmp_path / "2.json")
    second = json.loads((tmp_path / "2.json").read_text("utf-8"))
    assert [a["action"] for a in second["audit"]] == ["privacy.export"]


@pytest.mark.parametrize("who", [AGENT, SUPERVISOR])
def test_only_admins_export_and_erase(store: Store, tmp_path: Path, who: Principal) -> None:
    world = seed(store)
    before = audit_count(store)
    with pytest.raises(PermissionDenied, match="export data"):
        export_person(store, who, world.maria, tmp_path / "x.json")
    with pytest.raises(PermissionDenied, match="erase data"), store.write() as s:
        erase_person(s, who, world.maria)
    assert not (tmp_path / "x.json").exists()
    assert audit_count(store) == before
    with store.read() as s:
        assert s.get(Customer, world.maria).display_name == "Maria Lopez"  # type: ignore[union-attr]


def test_erasure_removes_the_person_everywhere(store: Store) -> None:
    world = seed(store)
    assert _fulltext_hits(store, "zorbulates") == 1 and _fulltext_hits(store, "Lopez") == 2
    with store.write() as s:
        report = erase_person(s, ADMIN, world.maria)
    assert sorted(report.customer_ids) == sorted([world.maria, world.maria_old])
    assert _fulltext_hits(store, "zorbulates") == 0  # her own words left the index
    assert _fulltext_hits(store, "Lopez") == 0  # and so did her name in Tom's call
    assert _fulltext_hits(store, "parcel") == 1  # Tom's own words are still searchable
    with store.read() as s:
        maria = s.get(Customer, world.maria)
        assert maria is not None and maria.erased_at is not None
        assert maria.given_name is None and "Lopez" not in maria.display_name
        assert not maria.consent_personalization and not maria.consent_marketing
        assert s.scalars(select(Identity)).all() == []
        assert s.scalars(select(Fact)).all() == []
        kept = {e.interaction_id for e in s.scalars(select(Embedding))}
        assert kept == set()  # hers deleted; Tom's call changed, so its vector must be rebuilt
        analysed = {a.interaction_id for a in s.scalars(select(InteractionSummary))}
        assert world.maria_call not in analysed
        texts = [t.text for t in s.scalars(select(Turn))]
        texts += [n.body for n in s.scalars(select(Note))]
        texts += [i.body for i in s.scalars(select(Interaction))]
        texts += [x.context or "" for x in s.scalars(select(Suggestion))]
    everything = "\n".join(texts)
    for needle in ("Lopez", "555-123-4567", "maria.lopez@example.com", "mlopez88", "zorbulates"):
        assert needle not in everything, needle
    assert "took my parcel" in everything and "Tom says" in everything


def test_erasure_is_audited_with_ids_only_and_chain_holds(store: Store) -> None:
    world = seed(store)
    with store.write() as s:
        erase_person(s, ADMIN, world.maria)
    with store.read() as s:
        [entry] = entries(s, action="privacy.erase")
        assert verify(s).ok
    assert entry.detail["customer_ids"] == [world.maria, world.maria_old]
    assert "Lopez" not in json.dumps(entry.detail)


def test_failed_erasure_changes_nothing(store: Store) -> None:
    world = seed(store)
    with pytest.raises(RuntimeError), store.write() as s:
        erase_person(s, ADMIN, world.maria)
        raise RuntimeError("power cut")
    assert _fulltext_hits(store, "zorbulates") == 1
    with store.read() as s:
        assert s.get(Customer, world.maria).given_name == "Maria"  # type: ignore[union-attr]


def test_consent_applies_to_the_whole_person_and_is_audited(store: Store) -> None:
    world = seed(store)
    with store.write() as s:
        state = set_consent(s, AGENT, world.maria_old, marketing=True)
    assert state.marketing and state.personalization
    with store.write() as s:
        state = opt_out(s, AGENT, world.maria)
    assert state.opted_out and not state.marketing and state.opted_out_at is not None
    with store.read() as s:
        assert consent_of(s, world.maria_old).opted_out  # same person, same answer
        assert not consent_of(s, world.tom).opted_out
        assert [e.detail for e in entries(s, action="consent.change")] == [
            {"marketing": False, "personalization": False},
            {"marketing": True},
        ]


def test_one_no_in_a_cluster_is_a_no(store: Store) -> None:
    world = seed(store)
    with store.write() as s:
        old = s.get(Customer, world.maria_old)
        assert old is not None
        old.consent_personalization = False  # opted out before the profiles were merged
    with store.read() as s:
        assert consent_of(s, world.maria).opted_out


def test_opting_back_in_clears_the_opt_out(store: Store) -> None:
    world = seed(store)
    with store.write() as s:
        opt_out(s, AGENT, world.tom)
    with store.write() as s:
        state = set_consent(s, AGENT, world.tom, personalization=True)
    assert not state.opted_out and state.opted_out_at is None and not state.marketing
