"""The desktop's core queries: timeline, profile, search, screen pop, notes, told-us."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from sayonce.history import timeline
from sayonce.history.customer_view import open_customer
from sayonce.history.fulltext import interaction_match, search_params
from sayonce.history.items import TimelineFilter
from sayonce.history.notes import NoteAutosave, save_note
from sayonce.history.profile import days_until_birthday, load_profile
from sayonce.history.screen_pop import new_profile, pop
from sayonce.history.search import find_customers
from sayonce.history.told_us import told_us
from sayonce.privacy.redact import RedactionPolicy, redact
from sayonce.store import AuditEvent, ConcurrentEditError, Interaction, Note, Store, open_store
from tests import historydata as hd
from tests.pgserver import PostgresServer


def _all_items(session, cluster, flt=None, size=7):
    items, cursor = [], None
    while True:
        page = timeline.page(session, cluster, after=cursor, flt=flt, limit=size)
        items += page.items
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def test_timeline_pages_cover_every_source_once_newest_first(store: Store) -> None:
    cid = hd.customer(store, "Ann Lee", phone="+14155550101")
    hd.interactions(store, cid, 23)
    hd.other_sources(store, cid, at=hd.T0 + timedelta(days=2))
    with store.read() as s:
        items = _all_items(s, [cid])
        assert timeline.count(s, [cid]) == 29
    assert len(items) == 29
    assert len({(i.kind, i.id) for i in items}) == 29
    keys = [i.cursor for i in items]
    assert keys == sorted(keys, reverse=True)
    assert {i.kind for i in items} == {
        "interaction",
        "note",
        "case",
        "order",
        "survey",
        "loyalty",
        "campaign",
    }


def test_items_sharing_a_timestamp_are_neither_skipped_nor_repeated(store: Store) -> None:
    cid = hd.customer(store, "Tie Breaker")
    hd.interactions(store, cid, 5, step=timedelta(0))
    hd.other_sources(store, cid, at=hd.T0 - timedelta(hours=1))  # the note lands on T0+5h
    with store.read() as s:
        items = _all_items(s, [cid], size=2)
    assert len(items) == 11
    assert len({(i.kind, i.id) for i in items}) == 11


def test_merged_profiles_share_one_timeline_profile_and_search(store: Store) -> None:
    root = hd.customer(store, "Ann Lee", phone="+14155550101")
    absorbed = hd.customer(store, "Anne Lee", phone="+14155550199", merged_into=root)
    hd.interactions(store, root, 3)
    hd.interactions(store, absorbed, 2, start=hd.T0 + timedelta(days=30))
    with store.read() as s:
        profile = load_profile(s, absorbed)
        items = _all_items(s, profile.member_ids)
        hits = find_customers(s, "415 555 0199")
    assert profile.customer_id == root
    assert {i.value for i in profile.identities} == {"+14155550101", "+14155550199"}
    assert len(items) == 5 and items[0].customer_id == absorbed
    assert [h.customer_id for h in hits] == [root]


def test_filters_keep_only_the_chosen_channels_and_kinds(store: Store) -> None:
    cid = hd.customer(store, "Filter Me")
    hd.interactions(store, cid, 14)
    hd.other_sources(store, cid)
    with store.read() as s:
        calls = _all_items(s, [cid], TimelineFilter(frozenset({"call"})))
        money = _all_items(s, [cid], TimelineFilter(frozenset({"order", "email"})))
        nothing = _all_items(s, [cid], TimelineFilter(frozenset()))
    assert len(calls) == 2 and {i.channel for i in calls} == {"call"}
    assert sorted(i.channel for i in money) == ["email", "email", "order"]
    assert nothing == []


def test_full_text_search_within_the_customer(store: Store) -> None:
    cid = hd.customer(store, "Text Search")
    other = hd.customer(store, "Someone Else")
    ids = hd.interactions(store, cid, 23)
    hd.interactions(store, other, 10)
    hd.other_sources(store, cid)
    with store.read() as s:
        found = _all_items(s, [cid], TimelineFilter(text="parcel 7"))
        notes = _all_items(s, [cid], TimelineFilter(text="email follow"))
        prefix = _all_items(s, [cid], TimelineFilter(text="parc"))
        hostile = [
            _all_items(s, [cid], TimelineFilter(text=q))
            for q in ['"', "*", "NEAR(", "a & | !b", "parcel)", "' OR 1=1 --", "%_"]
        ]
    assert [(i.kind, i.id) for i in found] == [("interaction", ids[7])]
    assert [i.kind for i in notes] == ["note"]
    assert len(prefix) == 23
    assert all(isinstance(r, list) for r in hostile)


ID_BODIES = [
    "Where is order A-10424? It shipped on 3 March.",
    "Order A-20424 arrived fine, thanks",
    "Invoice INV-2024-000123 was charged twice",
    "UPS tracking 1Z999AA10123456784 says delivered",
    "Please write to ann.lee@example.com, I didn't get the refund of $12.50",
]


def _bodies(store: Store, customer_id: int, bodies: list[str]) -> None:
    """One email interaction per body, an hour apart."""
    with store.write() as s:
        for n, body in enumerate(bodies):
            s.add(
                Interaction(
                    customer_id=customer_id,
                    channel="email",
                    started_at=hd.T0 + timedelta(hours=n),
                    body=body,
                    external_id=uuid.uuid4().hex,
                )
            )


def _matching_bodies(store: Store, cid: int, query: str) -> list[str]:
    """The bodies of the customer's interactions that the timeline's search box finds."""
    with store.read() as s:
        found = _all_items(s, [cid], TimelineFilter(text=query))
        ids = [i.id for i in found if i.kind == "interaction"]
        bodies = dict(s.execute(select(Interaction.id, Interaction.body)).all())
    return sorted(bodies[i] for i in ids)


def test_full_text_search_finds_order_case_and_tracking_numbers(store: Store) -> None:
    # Stored as an import stores them: redacted first (the email address becomes [EMAIL]).
    cid = hd.customer(store, "Id Search")
    _bodies(store, cid, [redact(b) for b in ID_BODIES])
    _bodies(store, hd.customer(store, "Someone Else"), ["order A-10424 of someone else"])
    order, other_order, invoice, tracking, email = (redact(b) for b in ID_BODIES)
    assert "[EMAIL]" in email and "ann.lee" not in email

    def found(query: str) -> list[str]:
        return _matching_bodies(store, cid, query)

    assert found("A-10424") == found("a-104") == found("10424") == found("a 10424") == [order]
    assert found("a-10") == found("a-1042") == [order]  # while typing
    assert found("(A-10424).") == found("#A-10424") == [order]
    assert found("A-20424") == [other_order] and found("A-7") == []
    assert found("INV-2024-000123") == found("inv-2024-0001") == found("2024-000123") == [invoice]
    assert found("INV-2024-000124") == []
    assert found("1Z999AA10123456784") == found("1z999aa") == [tracking]
    assert found("[EMAIL]") == found("email") == [email]
    assert found("ann.lee@example.com") == found("ann.lee") == []  # the address was never stored
    assert found("didn't") == found("didn\u2019t") == found("DIDN'T refund") == [email]
    assert found("12.50") == found("$12.5") == [email]
    assert found("A-10424 & | ! ( ) : * ' \\ <-> \"") == [order]  # syntax is just text


def test_full_text_search_finds_an_email_address_kept_in_the_clear(store: Store) -> None:
    # With SAYONCE_REDACT=all,-email the address is stored, and found by what is typed.
    keep_email = RedactionPolicy.parse("all,-email")
    cid = hd.customer(store, "Email Kept")
    _bodies(store, cid, [redact("Reply to ann.lee@example.com please", keep_email)])
    _bodies(store, cid, ["Reply to bob@example.com please"])
    assert _matching_bodies(store, cid, "ann.lee@example.com") == [
        "Reply to ann.lee@example.com please"
    ]
    assert len(_matching_bodies(store, cid, "ann.lee@exa")) == 1
    assert len(_matching_bodies(store, cid, "example.com")) == 2


@pytest.mark.parametrize("query", ["&|!():*'\\", "'", "\\", ":*", "!", "()", "&&", "<->", "'':*"])
def test_a_search_of_only_syntax_characters_is_harmless(store: Store, query: str) -> None:
    cid = hd.customer(store, "Punctuation Only")
    _bodies(store, cid, ["order A-10424", "it's *the* (best) & only | thing!"])
    assert search_params(query) is None  # no words: interactions are not searched at all
    with store.read() as s:
        items = _all_items(s, [cid], TimelineFilter(text=query))
    assert [i for i in items if i.kind == "interaction"] == []


ID_PART = st.from_regex(r"[0-9][A-Za-z0-9]{0,7}", fullmatch=True)
SEPARATOR = st.sampled_from(list("-./_:#@+~&'\\"))


@settings(
    deadline=None, max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(ID_PART, min_size=1, max_size=4),
    separators=st.lists(SEPARATOR, min_size=3, max_size=3),
    cut=st.integers(1, 40),
)
def test_any_id_format_is_found_whole_by_part_and_while_typing(
    store: Store, parts: list[str], separators: list[str], cut: int
) -> None:
    # Not one format: any run of letters and digits joined by any punctuation.
    ident = parts[0] + "".join(sep + part for sep, part in zip(separators, parts[1:], strict=False))
    cid = hd.customer(store, f"Id {uuid.uuid4().hex[:8]}")
    body = f"Customer quoted reference {ident}, twice."
    _bodies(store, cid, [body])
    typing = ident[: max(1, min(cut, len(ident)))]
    for query in [ident, typing, *parts]:
        assert _matching_bodies(store, cid, query) == [body], query


@pytest.mark.postgres
@pytest.mark.parametrize(
    "locale",
    ["LOCALE 'C'", "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"],
    ids=["C", "icu-en-US"],
)
def test_full_text_search_under_any_server_locale(pg_server: PostgresServer, locale: str) -> None:
    # Under the C locale PostgreSQL's parser takes every non-ASCII character for a letter, so
    # typographic quotes and dashes would stick to the words next to them.
    from sqlalchemy import create_engine

    name = f"fts_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' {locale}")
        )
    store = open_store(pg_server.url_for(name))
    try:
        cid = hd.customer(store, "Curly Quotes")
        body = (
            "\u201cRefund\u201d for order A\u201110424 didn\u2019t arrive\u2026 wait 3\u20135 days"
        )
        _bodies(store, cid, [body, "nothing to see"])
        for query in ["refund", "A-10424", "10424", "didn't", "arrive", "3-5 days", "wait 3"]:
            assert _matching_bodies(store, cid, query) == [body], query
        with store.read() as s:
            s.execute(text("SET enable_seqscan = off"))
            where = str(interaction_match("postgresql"))
            sql = text(f"EXPLAIN SELECT interactions.id FROM interactions WHERE {where}")
            plan = "\n".join(s.scalars(sql, search_params("a-104")))
        assert "ix_interactions_fts" in plan, plan  # the query repeats the indexed expression
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_jump_to_a_date_and_items_that_arrive_later(store: Store) -> None:
    cid = hd.customer(store, "Jump Around")
    hd.interactions(store, cid, 20, step=timedelta(days=1))
    when = hd.T0 + timedelta(days=10, hours=1)
    with store.read() as s:
        jumped = timeline.page(s, [cid], after=timeline.cursor_before(when), limit=5)
        top = timeline.page(s, [cid], limit=5).items[0].cursor
    assert jumped.items[0].at == hd.T0 + timedelta(days=10)
    new = hd.interactions(store, cid, 2, start=hd.T0 + timedelta(days=60))
    with store.read() as s:
        fresh, complete = timeline.newer_than(s, [cid], top)
    assert [i.id for i in fresh] == new[::-1] and complete


def test_profile_header_facts(store: Store) -> None:
    cid = hd.customer(store, "Ann Lee", phone="+14155550101", email="ann@example.com")
    hd.interactions(store, cid, 3)
    hd.other_sources(store, cid, at=hd.T0 + timedelta(days=5))
    with store.read() as s:
        profile = load_profile(s, cid)
    assert profile.tier == "gold" and profile.interaction_count == 3
    assert [c.title for c in profile.open_cases] == ["Late refund"]
    assert profile.last_contact_at == hd.T0 + timedelta(hours=14)
    assert profile.last_contact_channel == "email"
    assert [p.score for p in profile.nps] == [3]
    assert "+1 415-555-0101" in [i.label for i in profile.identities]
    assert profile.days_to_birthday(date(2025, 3, 1)) == 8
    assert days_until_birthday(date(2000, 2, 29), date(2025, 3, 2)) == 364  # 1 March 2026
    assert days_until_birthday(date(2000, 2, 29), date(2028, 2, 1)) == 28


def test_customer_search_as_you_type(store: Store) -> None:
    ann = hd.customer(
        store, "Ann Lee", phone="+14155550101", email="ann.lee@example.com", handle="twitter:annlee"
    )
    bob = hd.customer(store, "Bob Leeds", phone="+14155550102")
    hd.other_sources(store, bob)
    with store.read() as s:

        def ids(q):
            return [h.customer_id for h in find_customers(s, q)]

        assert ids("an") == [ann]
        assert set(ids("lee")) == {ann, bob}
        assert ids("ann.lee@") == [ann]
        assert set(ids("415555")) == {ann, bob}
        assert ids("(415) 555-0102") == [bob]
        assert ids("@annl") == [ann]
        assert ids(f"C-{bob:06d}") == [bob]
        assert ids(f"A-9{bob:04d}") == [bob]
        assert ids("x") == []
        assert ids('"*NEAR(') == []


def test_screen_pop_one_many_none(store: Store) -> None:
    me = hd.agent_principal(store)
    ann = hd.customer(store, "Ann Lee", phone="+14155550101")
    hd.interactions(store, ann, 3)
    hd.customer(store, "Sam Twin", phone="+14155550177")
    hd.customer(store, "Sue Twin", phone="+14155550177")
    one = pop(store, me, "(415) 555-0101")
    assert one.view is not None and one.view.profile.customer_id == ann
    assert len(one.view.page.items) == 3
    many = pop(store, me, "+1 415 555 0177")
    assert many.ambiguous and many.view is None and len(many.matches) == 2
    none = pop(store, me, "+1 212 555 0100")
    assert none.matches == []
    created = new_profile(store, me, "+1 212 555 0100")
    again = pop(store, me, "212-555-0100")
    assert again.view is not None and again.view.profile.customer_id == created
    assert again.view.profile.unverified


def test_every_profile_view_is_audited(store: Store) -> None:
    me = hd.agent_principal(store)
    cid = hd.customer(store, "Audit Me")
    open_customer(store, me, cid)
    with store.read() as s:
        rows = s.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.target_id)).all()
    assert ("dana", "profile.view", str(cid)) in rows


def test_notes_autosave_persists_and_never_overwrites(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    me = hd.agent_principal(store)
    cid = hd.customer(store, "Note Taker")
    draft = NoteAutosave(store, me, cid)
    assert draft.save("   ") is None  # nothing typed yet: no empty note
    first = draft.save("Called about")
    second = draft.save("Called about the refund, card 4111 1111 1111 1111")
    assert first is not None and second is not None and second.id == first.id
    assert draft.save("Called about the refund, card 4111 1111 1111 1111") is None
    # someone else edits the same note: our next save must keep both texts
    save_note(store, me, cid, "their edit", note_id=second.id, version=second.version)
    with pytest.raises(ConcurrentEditError):
        save_note(store, me, cid, "stale", note_id=second.id, version=second.version)
    third = draft.save("Called about the refund. Will call back Friday")
    assert third is not None and third.id != second.id and draft.conflicts == 1
    store.dispose()
    reopened = open_store(sqlite_url)
    with reopened.read() as s:
        bodies = sorted(s.scalars(select(Note.body)))
    reopened.dispose()
    assert bodies == ["Called about the refund. Will call back Friday", "their edit"]
    assert "4111" not in second.body


def test_told_us_puts_open_promises_first(store: Store) -> None:
    cid = hd.customer(store, "Told Us")
    [i1, i2] = hd.interactions(store, cid, 2)
    hd.fact(store, cid, i1, "order_number", "my order A-10424", value="A-10424")
    hd.fact(store, cid, i1, "promise", "refund in 5 days", resolved=True)
    hd.fact(store, cid, i2, "problem", "the parcel is late", at=hd.T0 + timedelta(days=1))
    hd.fact(store, cid, i2, "promise", "we will call you back Friday", at=hd.T0 + timedelta(days=1))
    with store.read() as s:
        facts = told_us(s, [cid])
    assert [f.kind for f in facts] == ["promise", "problem", "order_number", "promise"]
    assert facts[0].interaction_id == i2 and facts[-1].resolved
    assert facts[0].channel == "chat"


def test_control_characters_from_the_keyboard_never_reach_the_database(store: Store) -> None:
    me = hd.agent_principal(store)
    cid = hd.customer(store, "Pat Null", phone="+14155550123")
    hd.interactions(store, cid, 3)
    with store.read() as s:
        assert [h.customer_id for h in find_customers(s, "Pat\x00")] == [cid]
        found = timeline.page(s, [cid], flt=TimelineFilter(text="parcel\x00 2")).items
    assert [i.snippet.split()[3] for i in found] == ["2"]
    assert pop(store, me, "+1 415 555 0123\x00").view is not None
    saved = save_note(store, me, cid, "call\x00 back\x07 later")
    assert saved.body == "call back later"


@pytest.mark.postgres
def test_prefix_search_uses_an_index_under_a_language_collation(pg_server) -> None:
    # A server made with a language collation (en-US, the common default) cannot serve
    # LIKE 'ann%' from an ordinary b-tree index; migration 0005's pattern indexes can.
    import uuid

    from sqlalchemy import create_engine, text

    from sayonce.history.search import starts_with
    from sayonce.store import Case, Customer, Identity, Order

    name = f"icu_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
            )
        )
    store = open_store(pg_server.url_for(name))
    try:
        with store.read() as session:
            session.execute(text("SET enable_seqscan = off"))
            for column, index in (
                (Customer.name_key, "ix_customers_name_key_prefix"),
                (Customer.ref, "ix_customers_ref_prefix"),
                (Identity.value, "ix_identities_value_prefix"),
                (Order.number, "ix_orders_number_prefix"),
                (Case.number, "ix_cases_number_prefix"),
            ):
                query = select(column).where(starts_with(session, column, "ann"))
                compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
                plan = "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))
                # a range probe on the pattern index ("~>=~"), not a filter over every entry
                assert index in plan and "~>=~" in plan, plan
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
