"""Demo customers: names, birthdays, places, segments, consent and identities.

Some profiles are second profiles of an earlier person (a nickname, a typo, the same phone with
another email, a move), and some people share a home phone with their household, so identity
resolution has real work: the ground truth is recorded in the ``meta`` table.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from sayonce.demo.rows import Row
from sayonce.demo.seeds import City, People, Segment
from sayonce.identity import normalize
from sayonce.store.customers import IdentityKind

# How a second profile of the same person differs from the first.
DUPLICATE_KINDS = ("nickname", "typo", "same_phone", "accents", "moved")

W = TypeVar("W", City, Segment)


@dataclass(slots=True)
class Taken:
    """Identity values already handed out, so two unrelated people never share one."""

    values: set[str] = field(default_factory=set)

    def claim(self, value: str) -> bool:
        """Take ``value`` if it is free."""
        if value in self.values:
            return False
        self.values.add(value)
        return True


@dataclass(slots=True)
class IdentityDraft:
    """One identity of a person, raw as a source wrote it and normalized."""

    kind: str
    raw: str
    value: str
    source: str
    verified: bool


@dataclass(slots=True)
class Person:
    """Everything about one demo customer that their history depends on."""

    id: int
    ref: str
    given: str
    family: str
    birthday: date | None
    city: City
    postcode: str
    language: str
    segment: Segment
    since: datetime
    member: bool
    consent_personalization: bool
    consent_marketing: bool
    opted_out_at: datetime | None
    unsubscribed_at: datetime | None
    preferred_channel: str
    identities: list[IdentityDraft] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        """Given and family name."""
        return f"{self.given} {self.family}"

    def first(self, kind: IdentityKind) -> IdentityDraft | None:
        """The person's first identity of ``kind``."""
        return next((i for i in self.identities if i.kind == kind.value), None)


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters only (for emails and handles)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def typo(rng: random.Random, name: str) -> str:
    """The name with one plausible typing slip (swap, drop or double a letter)."""
    if len(name) < 4:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 2)
    match rng.randrange(3):
        case 0:
            return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        case 1:
            return name[:i] + name[i + 1 :]
        case _:
            return name[:i] + name[i] + name[i:]


def weighted(rng: random.Random, items: Sequence[W]) -> W:
    """One of ``items`` by its ``weight``."""
    return rng.choices(items, weights=[i.weight for i in items])[0]


def postcode(rng: random.Random, pattern: str) -> str:
    """A postcode from a pattern (``#`` digit, ``A`` letter)."""
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    return "".join(
        str(rng.randrange(10)) if c == "#" else rng.choice(letters) if c == "A" else c
        for c in pattern
    )


def phone_raw(rng: random.Random, city: City, taken: Taken) -> tuple[str, str] | None:
    """A fictional phone number as someone typed it, and its E.164 form (or ``None``)."""
    for _ in range(20):
        if city.country == "GB":
            prefix, line = rng.choice(city.area), f"{rng.randrange(1000):03d}"
            raw = rng.choice([f"0{prefix}{line}", f"+44 {prefix}{line}"])
            region = "GB"
        else:
            area, line = rng.choice(city.area), f"{rng.randrange(10000):04d}"
            raw = rng.choice(
                [
                    f"({area}) 555-{line}",
                    f"{area}-555-{line}",
                    f"+1 {area} 555 {line}",
                    f"{area}555{line}",
                    f"{area}.555.{line}",
                ]
            )
            region = "US"
        value = normalize.phone(raw, region)
        if taken.claim(value):
            return raw, value
    return None  # this area's fictional range is used up: the person has no phone


def email_raw(
    rng: random.Random, given: str, family: str, domains: tuple[str, ...], taken: Taken
) -> tuple[str, str]:
    """A personal email address for the name, unique among demo customers."""
    g, f = ascii_fold(given) or "user", ascii_fold(family) or "mail"
    local = rng.choice([f"{g}.{f}", f"{g}{f}", f"{g[0]}.{f}", f"{g}_{f}", f"{f}.{g}", f"{g}"])
    domain = rng.choice(domains)
    suffix = "" if rng.random() < 0.5 else str(rng.randrange(1, 99))
    while True:
        raw = f"{local}{suffix}@{domain}"
        if rng.random() < 0.2:
            raw = raw.title()  # people type their address in all sorts of ways
        value = normalize.email(raw)
        if taken.claim(value):
            return raw, value
        suffix = str(rng.randrange(1, 9999))


def handle_raw(rng: random.Random, given: str, family: str, taken: Taken) -> tuple[str, str]:
    """A social handle ``network:@handle`` (raw) and its normalized form."""
    network = rng.choice(("twitter", "instagram", "facebook", "tiktok"))
    g, f = ascii_fold(given) or "user", ascii_fold(family) or "x"
    base = rng.choice([f"{g}{f}", f"{g}_{f}", f"{g}.{f[0]}", f"the{g}{f[:3]}", f"{f}{g[:1]}"])
    while True:
        raw = f"{network}:@{base}{rng.randrange(10, 999) if rng.random() < 0.6 else ''}"
        value = normalize.social(raw)
        if taken.claim(value):
            return raw, value
        base = f"{base}{rng.randrange(10)}"


def scrambled(index: int, width: int, salt: int) -> str:
    """A unique, random-looking number of ``width`` digits for ``index`` (a bijection)."""
    span = 9 * 10 ** (width - 1)
    return str(10 ** (width - 1) + (index * 7_919 + salt) % span)


def birthday(rng: random.Random, as_of: date) -> date | None:
    """A birthday for an adult (unknown for some customers)."""
    if rng.random() < 0.08:
        return None
    born = as_of - timedelta(days=rng.randrange(18 * 365, 85 * 365))
    return born.replace(day=min(born.day, 28)) if born.month == 2 else born


def make_person(
    rng: random.Random,
    seeds: People,
    customer_id: int,
    as_of: datetime,
) -> Person:
    """A new, unrelated person (identities are added by :func:`add_identities`)."""
    segment: Segment = weighted(rng, seeds.segments)
    city: City = weighted(rng, seeds.cities)
    days = rng.uniform(5, 120) if segment.segment == "newcomer" else rng.uniform(60, 1800)
    since = as_of - timedelta(days=days, seconds=rng.randrange(86_400))
    personalization = rng.random() >= 0.04
    marketing = personalization and rng.random() < 0.58
    unsubscribed = None
    if personalization and not marketing and rng.random() < 0.3:
        unsubscribed = since + (as_of - since) * rng.uniform(0.2, 0.95)
    opted_out = None if personalization else since + (as_of - since) * rng.uniform(0.1, 0.95)
    languages, shares = zip(*seeds.languages, strict=True)
    return Person(
        id=customer_id,
        ref=f"C-{customer_id:06d}",
        given=rng.choice(list(seeds.given)),
        family=rng.choice(seeds.family),
        birthday=birthday(rng, as_of.date()),
        city=city,
        postcode=postcode(rng, city.postcode),
        language=rng.choices(languages, weights=shares)[0],
        segment=segment,
        since=since,
        member=segment.segment in ("vip", "loyalist") or rng.random() < 0.55,
        consent_personalization=personalization,
        consent_marketing=marketing,
        opted_out_at=opted_out,
        unsubscribed_at=unsubscribed,
        preferred_channel=segment.channel
        if rng.random() < 0.6
        else rng.choice(("call", "chat", "email", "sms")),
    )


def add_identities(rng: random.Random, person: Person, seeds: People, taken: Taken) -> None:
    """Give ``person`` phones, emails, handles, an account id and (members) a loyalty id."""
    ids = person.identities
    if rng.random() < 0.95 and (mobile := phone_raw(rng, person.city, taken)):
        ids.append(IdentityDraft("phone", *mobile, "crm", rng.random() < 0.8))
    if rng.random() < 0.92:
        raw, value = email_raw(rng, person.given, person.family, seeds.email_domains, taken)
        ids.append(IdentityDraft("email", raw, value, "web", rng.random() < 0.7))
    if rng.random() < 0.12:
        raw, value = email_raw(rng, person.given, person.family, seeds.work_domains, taken)
        ids.append(IdentityDraft("email", raw, value, "crm", False))
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        raw, value = handle_raw(rng, person.given, person.family, taken)
        ids.append(IdentityDraft("social", raw, value, "social", False))
    account = f"ACC{scrambled(person.id, 7, 1_234_567)}"
    ids.append(IdentityDraft("account", account, normalize.plain_id(account), "billing", True))
    if person.member:
        loyalty = f"NWR {scrambled(person.id, 9, 98_765_432)}"
        ids.append(IdentityDraft("loyalty", loyalty, normalize.plain_id(loyalty), "loyalty", True))


def add_home_phone(rng: random.Random, person: Person, taken: Taken) -> bool:
    """A landline at home (others in the household may share it); ``False`` if none is left."""
    home = phone_raw(rng, person.city, taken)
    if home:
        person.identities.append(IdentityDraft("phone", *home, "crm", False))
    return home is not None


def join_household(rng: random.Random, person: Person, head: Person, seeds: People) -> None:
    """Make ``person`` live with ``head``: same family name, address and home phone."""
    person.family, person.city, person.postcode = head.family, head.city, head.postcode
    while person.given == head.given:
        person.given = rng.choice(list(seeds.given))
    home = [i for i in head.identities if i.kind == "phone"][-1]
    person.identities.append(IdentityDraft("phone", home.raw, home.value, "crm", False))


def second_profile(
    rng: random.Random,
    original: Person,
    seeds: People,
    customer_id: int,
    as_of: datetime,
    kind: str,
    taken: Taken,
) -> Person:
    """Another profile of ``original``'s person, created later through another channel."""
    twin = make_person(rng, seeds, customer_id, as_of)
    twin.given, twin.family, twin.birthday = original.given, original.family, original.birthday
    twin.city, twin.postcode, twin.segment = original.city, original.postcode, original.segment
    twin.since = original.since + (as_of - original.since) * rng.uniform(0.3, 0.97)
    twin.member = False
    # consent belongs to the person, whichever profile they are recorded under
    twin.consent_personalization = original.consent_personalization
    twin.consent_marketing = original.consent_marketing
    twin.opted_out_at = original.opted_out_at
    unsubscribed = original.unsubscribed_at
    twin.unsubscribed_at = unsubscribed if unsubscribed and unsubscribed > twin.since else None
    phone, mail = original.first(IdentityKind.PHONE), original.first(IdentityKind.EMAIL)
    if kind == "nickname":
        twin.given = rng.choice(seeds.given.get(original.given) or (typo(rng, original.given),))
    elif kind == "typo":
        twin.family = typo(rng, original.family)
    elif kind == "accents":
        folded = unicodedata.normalize("NFKD", f"{original.given}|{original.family}")
        plain = "".join(c for c in folded if not unicodedata.combining(c))
        twin.given, twin.family = plain.split("|")
        if plain == f"{original.given}|{original.family}":
            twin.family = typo(rng, original.family)
    elif kind == "moved":
        twin.city = weighted(rng, seeds.cities)
        twin.postcode = postcode(rng, twin.city.postcode)
    shared = {"nickname": phone, "same_phone": phone, "typo": mail, "accents": mail}.get(kind)
    if shared is not None:
        twin.identities.append(IdentityDraft(shared.kind, shared.raw, shared.value, "web", False))
    if shared is None or shared.kind != "email":
        raw, value = email_raw(rng, twin.given, twin.family, seeds.email_domains, taken)
        twin.identities.append(IdentityDraft("email", raw, value, "web", False))
    if kind in ("typo", "moved") and (new_phone := phone_raw(rng, twin.city, taken)):
        twin.identities.append(IdentityDraft("phone", *new_phone, "telephony", False))
    account = f"ACC{scrambled(customer_id, 7, 1_234_567)}"
    twin.identities.append(IdentityDraft("account", account, account, "billing", True))
    return twin


def customer_row(person: Person, tier: str | None, value: float, potential: float) -> Row:
    """The ``customers`` row of a person."""
    return {
        "id": person.id,
        "ref": person.ref,
        "display_name": person.display_name,
        "given_name": person.given,
        "family_name": person.family,
        "name_key": normalize.name_key(person.given, person.family),
        "birthday": person.birthday,
        "language": person.language,
        "city": person.city.city,
        "postcode": person.postcode,
        "country": person.city.country,
        "tier": tier,
        "segment": person.segment.segment,
        "value_score": round(value, 2),
        "potential_score": round(potential, 2),
        "preferred_channel": person.preferred_channel,
        "consent_personalization": person.consent_personalization,
        "consent_marketing": person.consent_marketing,
        "opted_out_at": person.opted_out_at,
        "created_at": person.since,
        "updated_at": person.since,
    }


def identity_rows(person: Person, first_id: int) -> list[Row]:
    """The ``identities`` rows of a person, with ids from ``first_id`` on."""
    return [
        {
            "id": first_id + n,
            "customer_id": person.id,
            "kind": i.kind,
            "value": i.value,
            "raw": i.raw,
            "source": i.source,
            "verified": i.verified,
            "created_at": person.since,
        }
        for n, i in enumerate(person.identities)
    ]
