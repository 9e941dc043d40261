"""Normalize identities so the same phone, email or handle always compares equal."""

from __future__ import annotations

import contextlib
import functools
import os
import unicodedata

import phonenumbers

from sayonce.store.customers import IdentityKind

DEFAULT_REGION = "US"


class InvalidIdentity(ValueError):
    """The value cannot be an identity of that kind (the message says why)."""


@functools.lru_cache(maxsize=16_384)  # an import repeats each customer's number many times
def phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number (``+14155550101``), parsed with ``phonenumbers``."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentity(f"not a phone number: {raw!r} ({exc})") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidIdentity(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_regions(first: str = DEFAULT_REGION) -> list[str]:
    """Regions a national-format number is tried in: ``first``, then ``SAYONCE_PHONE_REGIONS``."""
    extra = os.environ.get("SAYONCE_PHONE_REGIONS", "US,CA,GB")
    regions = [first, *(r.strip().upper() for r in extra.split(",") if r.strip())]
    return list(dict.fromkeys(regions))


def phone_candidates(raw: str, region: str = DEFAULT_REGION) -> list[str]:
    """E.164 readings of ``raw``: in ``region`` if valid there, else in the other regions.

    "020 7946 0958" is not a US number, but it is a valid London one; an agent typing a
    number as the customer said it should still find them.
    """
    readings: list[str] = []
    for candidate_region in phone_regions(region):
        try:
            parsed = phonenumbers.parse(raw, candidate_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            value = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if value not in readings:
                readings.append(value)
            if candidate_region == region or raw.strip().startswith("+"):
                break
    if not readings:
        with contextlib.suppress(InvalidIdentity):
            readings.append(phone(raw, region))
    return readings


def email(raw: str) -> str:
    """Case-folded, trimmed email address; refuses values without one ``@`` and a dot."""
    value = raw.strip().casefold()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or "@" in domain or " " in value:
        raise InvalidIdentity(f"not an email address: {raw!r}")
    return value


def social(raw: str, network: str | None = None) -> str:
    """``network:handle`` case-folded, without a leading ``@`` (``twitter:annlee``)."""
    value = raw.strip()
    if ":" in value and network is None:
        network, _, value = value.partition(":")
    handle = value.lstrip("@").casefold()
    if not handle or " " in handle:
        raise InvalidIdentity(f"not a social handle: {raw!r}")
    return f"{(network or 'social').strip().casefold()}:{handle}"


def plain_id(raw: str) -> str:
    """Account, loyalty and external ids: trimmed, upper-cased, inner spaces removed."""
    value = "".join(raw.split()).upper()
    if not value:
        raise InvalidIdentity("empty id")
    return value


def identity(kind: str, raw: str, region: str = DEFAULT_REGION) -> str:
    """Normalize ``raw`` as an identity of ``kind``."""
    match IdentityKind(kind):
        case IdentityKind.PHONE:
            return phone(raw, region)
        case IdentityKind.EMAIL:
            return email(raw)
        case IdentityKind.SOCIAL:
            return social(raw)
        case _:
            return plain_id(raw)


def name_key(*parts: str | None) -> str:
    """Case-folded, accent-free, single-spaced name for prefix search and fuzzy matching."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())
