"""Finding a person's name, phone numbers, emails and handles in free text, to erase them.

Used by erasure on records that are *not* the person's own (another customer's call in which
they were named, a supervisor's comment). A SQL ``LIKE`` on a distinctive fragment picks the
candidate rows; a regular expression then does the exact, case-insensitive replacement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sayonce.store.customers import Customer, IdentityKind

ERASED = "[erased]"
_SEPARATORS = r"[\s\-.()/]*"
# Shorter identifiers (and one-word names) would erase other people's words too.
MIN_TERM_LENGTH = 4


@dataclass(frozen=True, slots=True)
class Term:
    """One way the person can be mentioned: a SQL LIKE fragment and the exact pattern."""

    like: str
    pattern: re.Pattern[str]


def _words(text: str) -> Term:
    words = text.split()
    body = r"\s+".join(re.escape(w) for w in words)
    return Term(text.strip(), re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE))


def _phone(e164: str) -> Term | None:
    digits = re.sub(r"\D", "", e164)
    if len(digits) < 7:
        return None
    # Match the national number with any separators, with or without the country code.
    national = digits[-10:] if len(digits) >= 10 else digits
    country = digits[: len(digits) - len(national)]
    body = _SEPARATORS.join(national)
    prefix = rf"(?:\+?{country}{_SEPARATORS})?" if country else ""
    pattern = re.compile(rf"(?<!\d){prefix}\(?{body}(?!\d)")
    return Term(digits[-4:], pattern)


def _literal(value: str, prefix: str = "") -> Term | None:
    value = value.strip()
    if len(value) < MIN_TERM_LENGTH:
        return None
    # Whole tokens only: "ann@x.com" must not match inside "joann@x.com" or "ann@x.com.au".
    body = rf"{prefix}{re.escape(value)}"
    return Term(value, re.compile(rf"(?<![\w@.]){body}(?![\w@]|\.\w)", re.IGNORECASE))


def _identity_terms(kind: str, value: str, raw: str | None) -> list[Term | None]:
    if kind == IdentityKind.PHONE:
        return [_phone(value)]
    if kind == IdentityKind.SOCIAL:
        handle = value.split(":", 1)[-1].lstrip("@")
        return [_literal(handle, prefix="@?")]
    if kind in (IdentityKind.EMAIL, IdentityKind.ACCOUNT, IdentityKind.LOYALTY):
        return [_literal(value), _literal(raw or "")]
    return []  # upstream "source:id" keys are not written in free text


def _name_terms(customer: Customer) -> list[Term]:
    names = {customer.display_name, f"{customer.given_name or ''} {customer.family_name or ''}"}
    return [_words(n) for n in names if len(n.split()) >= 2]


def terms_for(customers: Iterable[Customer]) -> list[Term]:
    """Every term that identifies the person: full names, phones, emails, handles, ids."""
    found: dict[str, Term] = {}
    for customer in customers:
        candidates: list[Term | None] = list(_name_terms(customer))
        for identity in customer.identities:
            candidates += _identity_terms(identity.kind, identity.value, identity.raw)
        for term in candidates:
            if term is not None:
                found.setdefault(term.pattern.pattern, term)
    return list(found.values())


def scrub(text: str, terms: Iterable[Term]) -> str:
    """``text`` with every mention replaced by :data:`ERASED`."""
    for term in terms:
        text = term.pattern.sub(ERASED, text)
    return text
