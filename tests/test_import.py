"""Importing interchange files: counts, idempotence, all-or-nothing, rejects, CSV, resolution."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from sayonce.identity.duplicates import find_duplicates
from sayonce.intake.importer import ImportOptions, import_file
from sayonce.intake.mapping import ColumnMapping
from sayonce.store import (
    Case,
    Customer,
    Identity,
    Interaction,
    Order,
    Store,
    SurveyResponse,
    Turn,
)
from sayonce.store.agents import AuditEvent

SAMPLES = Path(__file__).resolve().parents[1] / "resources/demo/samples"


def _jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _count(store: Store, model: type) -> int:
    with store.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _call(ext: str, customer: Any, **extra: Any) -> dict[str, Any]:
    record = {
        "type": "interaction",
        "source": "tel",
        "id": ext,
        "customer": customer,
        "channel": "call",
        "started_at": "2026-03-06T16:30:00Z",
        "turns": [
            {"speaker": "customer", "text": "The blender arrived broken.", "offset_ms": 0},
            {"speaker": "agent", "text": "I'll refund it today.", "offset_ms": 4000},
        ],
    }
    return {**record, **extra}


def test_sample_file_imports_everything_and_twice_changes_nothing(store: Store) -> None:
    first = import_file(store, SAMPLES / "crm.jsonl")
    assert first.written and not first.problems
    assert first.counts.created == 12
    assert first.by_type["interaction"].created == 5
    assert first.new_profiles == 1  # the unknown caller
    with store.read() as s:
        before = {
            name: s.scalar(text(f"SELECT count(*) FROM {name}"))
            for name in ("customers", "identities", "interactions", "turns", "orders")
        }
    again = import_file(store, SAMPLES / "crm.jsonl")
    assert again.written
    assert again.counts.skipped == 12
    assert again.counts.created == again.counts.updated == again.counts.merged == 0
    with store.read() as s:
        after = {name: s.scalar(text(f"SELECT count(*) FROM {name}")) for name in before}
    assert after == before


def test_records_land_on_the_right_customer_with_links(store: Store) -> None:
    import_file(store, SAMPLES / "crm.jsonl")
    with store.read() as s:
        ann = s.scalar(select(Identity.customer_id).where(Identity.value == "CRM:CU-1001"))
        by_ann = s.scalars(
            select(Interaction.external_id).where(Interaction.customer_id == ann)
        ).all()
        assert set(by_ann) == {"CH-9001", "EM-9002", "CALL-31337"}  # by id, email and phone
        order = s.scalars(select(Order)).one()
        assert order.customer_id == ann and str(order.total) == "129.90"
        chat = s.scalars(select(Interaction).where(Interaction.external_id == "CH-9001")).one()
        case = s.scalars(select(Case)).one()
        assert chat.case_id == case.id
        survey = s.scalars(select(SurveyResponse)).one()
        assert survey.interaction_id == chat.id
        assert chat.body.startswith("Customer: Hi, my blender")
        turns = s.scalars(select(Turn).where(Turn.interaction_id == chat.id)).all()
        assert [(t.seq, t.offset_ms) for t in turns] == [(0, 0), (1, 42000), (2, 65000)]


def test_text_is_redacted_before_it_is_stored(sqlite_store: Store, tmp_path: Path) -> None:
    card = "4111 1111 1111 1111"
    record = _call("C1", {"phone": "+14155550101"})
    record["turns"][0]["text"] = f"My card is {card}, please refund it."
    report = import_file(sqlite_store, _jsonl(tmp_path / "calls.jsonl", [record]))
    assert report.written
    with sqlite_store.read() as s:
        stored = " ".join(s.scalars(select(Turn.text))) + s.scalar(select(Interaction.body))
        hits = s.execute(
            text("SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH '4111'")
        )
        assert hits.all() == []
    assert card not in stored and "[CARD]" in stored


def test_a_bad_record_means_nothing_is_written(store: Store, tmp_path: Path) -> None:
    records = [_call(f"C{n}", {"phone": "+14155550101"}) for n in range(5)]
    records[3]["started_at"] = "2026-02-30T10:00:00Z"
    path = _jsonl(tmp_path / "crm.jsonl", records)
    report = import_file(store, path)
    assert not report.written
    assert [str(p) for p in report.problems] == [
        f"{path}:4: field 'started_at': impossible date '2026-02-30'"
    ]
    assert report.counts.rejected == 1 and report.counts.created == 0
    assert _count(store, Interaction) == _count(store, Customer) == 0


def test_skip_invalid_imports_the_good_and_lists_the_bad(store: Store, tmp_path: Path) -> None:
    records: list[Any] = [_call(f"C{n}", {"phone": "+14155550101"}) for n in range(4)]
    records[1]["channel"] = "fax"
    records[2] = "not an object"
    path = tmp_path / "tel.jsonl"
    lines = [json.dumps(r) for r in records]
    lines.insert(3, '{"type": "interaction", "id": ')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(store, path, ImportOptions(skip_invalid=True))
    assert report.written
    assert report.counts.created == 2 and report.counts.rejected == 3
    assert _count(store, Interaction) == 2
    rejects = [
        json.loads(line) for line in Path(report.rejects_file or "").read_text().splitlines()
    ]
    assert [(r["line"], r["field"]) for r in rejects] == [(2, "channel"), (3, ""), (4, "")]
    assert "unknown value 'fax'" in rejects[0]["error"]
    assert "not valid JSON" in rejects[2]["error"]
    assert json.loads(rejects[0]["record"])["id"] == "C1"  # the record as written


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (lambda r: r.update(channel="pigeon"), "channel", "unknown value 'pigeon'"),
        (
            lambda r: r.update(subject="x" * 501),
            "subject",
            "too long (501 characters, at most 500)",
        ),
        (lambda r: r.update(started_at=17), "started_at", "expected a date and time as text"),
        (lambda r: r.update(ended_at="2026-03-06T10:00:00Z"), "", "ended_at is before started_at"),
        (lambda r: r.update(customer={"phone": "12"}), "customer.phone", "not a possible phone"),
        (lambda r: r.update(mood="grumpy"), "mood", "unknown field"),
        (lambda r: r.pop("customer"), "customer", "required"),
        (lambda r: r.update(type="visit"), "type", "unknown type 'visit'"),
        (lambda r: r["turns"][1].update(speaker="robot"), "turns[1].speaker", "unknown value"),
        (lambda r: r["turns"][0].update(text="a\x00b"), "turns[0].text", "NUL character"),
    ],
)
def test_each_bad_field_is_named(
    sqlite_store: Store, tmp_path: Path, mutate: Any, field: str, message: str
) -> None:
    record = _call("C1", {"phone": "+14155550101"})
    mutate(record)
    report = import_file(sqlite_store, _jsonl(tmp_path / "bad.jsonl", [record]))
    (problem,) = report.problems
    assert (problem.line, problem.field) == (1, field)
    assert message in problem.message


def test_invalid_utf8_and_duplicate_ids_name_their_lines(
    sqlite_store: Store, tmp_path: Path
) -> None:
    good = json.dumps(_call("C1", {"phone": "+14155550101"})).encode()
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(good + b"\n" + b'{"type": "interaction", "id": "\xff\xfe"}\n' + good + b"\n")
    report = import_file(sqlite_store, path)
    assert [(p.line, p.field) for p in report.problems] == [(2, ""), (3, "id")]
    assert "not valid UTF-8" in report.problems[0].message
    assert report.problems[1].message == "duplicate id 'C1' (first on line 1)"
    assert _count(sqlite_store, Interaction) == 0


def test_a_changed_record_is_updated_and_its_turns_replaced(store: Store, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "tel.jsonl", [_call("C1", {"phone": "+14155550101"})])
    import_file(store, path)
    changed = _call("C1", {"phone": "+14155550101"}, disposition="refunded")
    changed["turns"].append({"speaker": "customer", "text": "Thanks!"})
    report = import_file(store, _jsonl(path, [changed]))
    assert report.counts.updated == 1
    with store.read() as s:
        call = s.scalars(select(Interaction)).one()
        assert call.disposition == "refunded" and call.version == 2
        assert len(s.scalars(select(Turn)).all()) == 3


def test_unknown_caller_gets_an_unverified_profile_the_crm_later_completes(
    store: Store, tmp_path: Path
) -> None:
    calls = _jsonl(tmp_path / "tel.jsonl", [_call("C1", {"phone": "(650) 555-0133"})])
    assert import_file(store, calls).new_profiles == 1
    with store.read() as s:
        placeholder = s.scalars(select(Customer)).one()
        assert placeholder.unverified
    crm = [{"type": "customer", "id": "CU-7", "name": "Dana Ortiz", "phone": "+16505550133"}]
    report = import_file(store, _jsonl(tmp_path / "crm.jsonl", crm))
    assert report.counts.merged == 1
    with store.read() as s:
        profile = s.scalars(select(Customer)).one()
        assert profile.id == placeholder.id and not profile.unverified
        assert profile.display_name == "Dana Ortiz"


def test_an_ambiguous_match_is_attached_by_the_rule_and_suggested(
    store: Store, tmp_path: Path
) -> None:
    crm = [
        {"type": "customer", "id": "A", "name": "Sam Reed", "phone": "+14155550101"},
        {"type": "customer", "id": "B", "name": "Sam Reed", "phone": "+14155550101"},
    ]
    first = import_file(store, _jsonl(tmp_path / "crm.jsonl", crm))
    assert first.counts.created == 2  # same source, two ids: the source keeps them apart
    call = _call("C1", {"phone": "+1 415 555 0101", "email": "sam@example.com"})
    report = import_file(store, _jsonl(tmp_path / "tel.jsonl", [call]))
    (ambiguity,) = report.ambiguous
    assert ambiguity.chosen == ambiguity.candidates[0]  # the oldest profile
    assert len(ambiguity.candidates) == 2
    with store.read() as s:
        owner = s.scalar(select(Interaction.customer_id))
        assert s.scalar(select(Customer.ref).where(Customer.id == owner)) == ambiguity.chosen
        assert (
            s.scalar(select(func.count()).select_from(Identity).where(Identity.kind == "email"))
            == 0
        )
        pairs = find_duplicates(s)
    assert [(p.first_ref, p.second_ref) for p in pairs] == [tuple(ambiguity.candidates)]
    assert "same phone +14155550101" in pairs[0].reasons


def test_import_never_restores_consent_after_an_opt_out(store: Store, tmp_path: Path) -> None:
    crm = [{"type": "customer", "id": "A", "name": "Ann", "consent_marketing": False}]
    path = _jsonl(tmp_path / "crm.jsonl", crm)
    import_file(store, path)
    with store.write() as s:
        s.execute(text("UPDATE customers SET opted_out_at = created_at"))
    crm[0]["consent_marketing"] = True
    import_file(store, _jsonl(path, crm))
    with store.read() as s:
        assert s.scalar(select(Customer.consent_marketing)) is False


def test_links_to_records_later_in_the_file_or_missing(sqlite_store: Store, tmp_path: Path) -> None:
    records = [
        _call("C1", {"phone": "+14155550101"}, case="K-1"),
        _call("C2", {"phone": "+14155550101"}, case="K-404"),
        {
            "type": "case",
            "source": "tel",
            "id": "K-1",
            "customer": {"phone": "+14155550101"},
            "title": "Broken blender",
            "opened_at": "2026-03-06T16:00:00Z",
        },
    ]
    report = import_file(
        sqlite_store, _jsonl(tmp_path / "tel.jsonl", records), ImportOptions(batch_size=1)
    )
    assert report.written and not report.problems
    (warning,) = report.warnings
    assert (warning.line, warning.field) == (2, "case")
    with sqlite_store.read() as s:
        links = dict(s.execute(select(Interaction.external_id, Interaction.case_id)).all())
    assert links["C1"] is not None and links["C2"] is None


def test_csv_with_a_mapping_file_and_with_columns(store: Store, tmp_path: Path) -> None:
    mapping = ColumnMapping.from_yaml(SAMPLES / "contacts.map.yaml")
    report = import_file(store, SAMPLES / "contacts.csv", ImportOptions(mapping=mapping))
    assert report.written and report.counts.created == 3
    with store.read() as s:
        chloe = s.scalars(select(Customer).where(Customer.postcode == "75008")).one()
        assert chloe.display_name == "Chloé Martin" and str(chloe.birthday) == "1990-11-02"
    calls = tmp_path / "calls.csv"
    calls.write_text(
        'Call,Caller,Start,Notes\nK1,+1 415 555 0175,2026-03-01 10:00,"Asked about\nthe refund"\n',
        encoding="utf-8",
    )
    options = ImportOptions(
        source="pbx",
        mapping=ColumnMapping(
            type="interaction",
            columns=ColumnMapping.parse_pairs(
                "id=Call,customer.phone=Caller,started_at=Start,text=Notes"
            ),
            values={"channel": "call"},
        ),
    )
    report = import_file(store, calls, options)
    assert report.written and report.by_type["interaction"].created == 1
    with store.read() as s:
        call = s.scalars(select(Interaction)).one()
        assert call.body == "Asked about\nthe refund" and call.source == "pbx"
        assert call.customer_id == s.scalar(
            select(Identity.customer_id).where(Identity.value == "+14155550175")
        )


def test_csv_errors_name_lines_and_columns(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("type,id,name,birthday\ncustomer,1,Ann,1985-02-30\ncustomer,2,Bo\n")
    report = import_file(sqlite_store, path)
    assert [str(p) for p in report.problems] == [
        f"{path}:2: field 'birthday': impossible date '1985-02-30'"
    ]
    missing = ImportOptions(mapping=ColumnMapping(type="customer", columns={"id": "Customer ID"}))
    report = import_file(sqlite_store, path, missing)
    assert "column 'Customer ID' (for field 'id') is not in the header" in str(report.problems[0])
    assert _count(sqlite_store, Customer) == 0


def test_a_database_error_midway_leaves_nothing(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from sayonce.intake.activity import ActivityWriter

    real_write = ActivityWriter.write
    calls = {"n": 0}

    def failing_write(self: ActivityWriter, items: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        real_write(self, items)

    monkeypatch.setattr(ActivityWriter, "write", failing_write)
    records = [_call(f"C{n}", {"phone": f"+1415555{n:04d}"}) for n in range(10)]
    report = import_file(
        sqlite_store, _jsonl(tmp_path / "t.jsonl", records), ImportOptions(batch_size=2)
    )
    assert not report.written and "disk I/O error" in str(report.problems[0])
    assert _count(sqlite_store, Interaction) == _count(sqlite_store, Customer) == 0


def test_each_written_file_is_audited_without_personal_data(sqlite_store: Store) -> None:
    import_file(sqlite_store, SAMPLES / "crm.jsonl")
    with sqlite_store.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "data.import")).one()
    detail = json.loads(event.detail)
    assert detail["created"] == 12 and detail["source"] == "crm"
    assert "Ann" not in event.detail and "@" not in event.detail


def test_worker_processes_prepare_the_same_result(tmp_path: Path) -> None:
    from sayonce.bench.intake import interaction_records, write_jsonl
    from sayonce.store import open_store

    path = tmp_path / "many.jsonl"
    records = list(interaction_records(1_200))
    records[700]["channel"] = "fax"
    write_jsonl(path, records)
    dumps = []
    for workers in (0, 2):
        store = open_store(f"sqlite:///{tmp_path / f'w{workers}.sqlite3'}")
        options = ImportOptions(workers=workers, skip_invalid=True)
        report = import_file(store, path, options)
        assert report.counts.created == 1_199 and [p.line for p in report.problems] == [701]
        with store.read() as s:
            dumps.append(
                s.execute(
                    text("SELECT external_id, customer_id, body FROM interactions ORDER BY id")
                ).all()
            )
        store.dispose()
    assert dumps[0] == dumps[1]


def test_a_pool_starts_only_with_cores_to_spare() -> None:
    from sayonce.intake.prepare import PARALLEL_FROM_BYTES, worker_count

    big = PARALLEL_FROM_BYTES * 10
    # On two cores the pickling costs more than the workers save; the importer keeps a core.
    assert worker_count(big, cpus=2) == 0
    assert worker_count(big, cpus=4) == 3
    assert worker_count(big, cpus=32) == 4
    assert worker_count(PARALLEL_FROM_BYTES - 1, cpus=32) == 0


def test_an_import_leaves_the_garbage_collector_as_it_found_it(
    store: Store, tmp_path: Path
) -> None:
    import gc

    from sayonce.store.bulk_load import relaxed_gc

    before = gc.get_threshold()
    with relaxed_gc():
        assert gc.get_threshold()[0] > before[0]  # collecting less often during the load
    good = {"type": "customer", "id": "g1", "name": "Ann Lee", "email": "ann@example.org"}
    assert import_file(store, _jsonl(tmp_path / "good.jsonl", [good])).written
    (tmp_path / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    assert not import_file(store, tmp_path / "bad.jsonl").written
    assert gc.get_threshold() == before


def test_blank_optional_fields_mean_not_given(store: Store, tmp_path: Path) -> None:
    record = {"type": "customer", "id": "b1", "name": "", "given_name": " ", "email": "b@x.org"}
    report = import_file(store, _jsonl(tmp_path / "blank.jsonl", [record]))
    assert report.written and not report.problems
    with store.read() as s:
        customer = s.scalars(select(Customer)).one()
    assert customer.given_name is None and customer.display_name == ""
