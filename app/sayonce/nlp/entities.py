"""Entities in redacted text: orders, amounts, dates, products, card last-4, tracking, cases.

Rules and a gazetteer, no model: fast enough to run on every utterance of a live call.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sayonce.config import resources_dir
from sayonce.nlp.dates import DATE, resolve_date

ORDER = re.compile(
    r"\border(?:\s+(?:number|no\.?|num|#|id))?(?:\s+(?:is|was))?[\s:#]*"
    r"(?P<a>#?[A-Z]{0,3}-?\d{4,12})\b"
    r"|(?<![\w-])(?P<b>[A-Z]{1,3}-\d{4,10})\b(?!-)"
    r"|(?<![\w&])#(?P<c>\d{4,12})\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(
    r"(?P<cur>[$€£])\s?(?P<n1>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<c1>\d{2}))?\b"
    r"|\b(?P<n2>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<c2>\d{2}))?\s?"
    r"(?P<word>dollars?|bucks|usd|euros?|eur|pounds?|gbp)\b",
    re.IGNORECASE,
)
CARD_LAST4 = re.compile(
    r"\b(?:card|visa|mastercard|amex)?[\w\s]{0,20}?"
    r"(?:ending(?:\s+in)?|last\s+(?:four|4)(?:\s+digits)?(?:\s+(?:are|is|of))?)\s*:?\s*"
    r"(?P<d>\d{4})\b",
    re.IGNORECASE,
)
TRACKING = re.compile(
    r"\b(?P<ups>1Z[0-9A-Z]{16})\b"
    r"|\btracking(?:\s+(?:number|no\.?|#|id))?(?:\s+(?:is|was))?[\s:#]*"
    r"(?P<t>\d{4}(?: \d{2,4}){2,7}|(?=[A-Z]*\d)[A-Z0-9]{8,30})\b",
    re.IGNORECASE,
)
CASE = re.compile(
    r"\b(?:case|ticket|incident|reference|ref|complaint)(?:\s+(?:number|no\.?|#|id))?"
    r"(?:\s+(?:is|was))?[\s:#]*(?P<a>[A-Z]{0,4}-?\d{3,10})\b"
    r"|\b(?P<b>(?:CS|CASE|INC|TKT|REF)-?\d{3,10})\b",
    re.IGNORECASE,
)
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "dollar": "USD", "buck": "USD", "usd": "USD"}
_CURRENCY |= {"euro": "EUR", "eur": "EUR", "pound": "GBP", "gbp": "GBP"}


@dataclass(frozen=True, slots=True)
class Entity:
    """A mention: its kind, the text as written, a normalized value and where it is."""

    kind: str  # order | amount | date | product | card_last4 | tracking | case
    text: str
    value: str
    start: int
    end: int


def order_numbers(text: str) -> list[Entity]:
    """Order numbers only (not case or tracking numbers that look alike): cheap, for facts."""
    taken = _simple(CASE, "case", text, "a", "b") + _simple(TRACKING, "tracking", text, "ups", "t")
    return [e for e in _orders(text) if all(e.end <= t.start or e.start >= t.end for t in taken)]


def _orders(text: str) -> list[Entity]:
    out = []
    for m in ORDER.finditer(text):
        group = next(g for g in ("a", "b", "c") if m.group(g))
        raw = m.group(group)
        if group == "a" and not any(c.isdigit() for c in raw):
            continue
        value = raw.lstrip("#").upper()
        out.append(Entity("order", raw, value, m.start(group), m.end(group)))
    return out


def _amounts(text: str) -> list[Entity]:
    out = []
    for m in AMOUNT.finditer(text):
        number = (m.group("n1") or m.group("n2")).replace(",", "")
        cents = m.group("c1") or m.group("c2") or "00"
        unit = (m.group("cur") or m.group("word")).lower().rstrip("s")
        currency = _CURRENCY.get(unit, _CURRENCY.get(unit + "s", "USD"))
        out.append(Entity("amount", m.group(), f"{number}.{cents} {currency}", *m.span()))
    return out


# A past-tense sentence: "I bought it on Tuesday" means the Tuesday that has gone.
PAST = re.compile(
    r"\b(?:was|were|did|had|bought|ordered|paid|arrived|came|got|called|went|sent|returned|"
    r"placed|delivered|received|said|told|broke|stopped|happened|charged)\b",
    re.IGNORECASE,
)


FUTURE = re.compile(r"\b(?:will|'ll|going to|shall|next|by|until)\b", re.IGNORECASE)


def _dates(text: str, reference: datetime | None) -> list[Entity]:
    past = PAST.search(text) is not None and FUTURE.search(text) is None
    return [
        Entity("date", m.group(), resolve_date(m.group(), reference, past), *m.span())
        for m in DATE.finditer(text)
        if not m.group().startswith("may ")  # the verb, not the month
    ]


def _simple(pattern: re.Pattern[str], kind: str, text: str, *groups: str) -> list[Entity]:
    out = []
    for m in pattern.finditer(text):
        group = next(g for g in groups if m.group(g))
        raw = m.group(group)
        value = raw.replace(" ", "").upper() if kind != "card_last4" else raw
        out.append(Entity(kind, raw, value, m.start(group), m.end(group)))
    return out


@functools.cache
def gazetteer(path: str | None = None) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """Pattern matching every product name (longest first) and lower-case name -> name.

    The list is ``resources/nlp/products.txt`` unless ``SAYONCE_PRODUCTS`` names another.
    """
    default = resources_dir() / "nlp" / "products.txt"
    source = Path(path or os.environ.get("SAYONCE_PRODUCTS") or default)
    if not source.is_file():
        return None, {}
    names = [
        line.strip()
        for line in source.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    names.sort(key=len, reverse=True)
    body = "|".join(re.escape(n).replace(r"\ ", r"[\s-]") for n in names)
    pattern = re.compile(rf"(?<![\w-])(?:{body})s?(?![\w-])", re.IGNORECASE)
    return pattern, {_key(n): n for n in names}


def _key(name: str) -> str:
    return " ".join(name.lower().replace("-", " ").split())


# "phone number", "on the phone": the word names a channel there, not something bought.
_CHANNEL_BEFORE = re.compile(r"(?:(?:on|by|over|via) the |by )$", re.IGNORECASE)
_CHANNEL_AFTER = re.compile(r"\s+(?:number|call|line|support|bill|plan|agent)\b", re.IGNORECASE)


def _products(text: str) -> list[Entity]:
    pattern, names = gazetteer()
    if pattern is None:
        return []
    out = []
    for m in pattern.finditer(text):
        before, after = text[max(0, m.start() - 8) : m.start()], text[m.end() : m.end() + 10]
        if _CHANNEL_BEFORE.search(before) or _CHANNEL_AFTER.match(after):
            continue
        key = _key(m.group())
        value = names.get(key) or names.get(key[:-1]) or m.group()
        out.append(Entity("product", m.group(), value, *m.span()))
    return out


def extract_entities(text: str, reference: datetime | None = None) -> list[Entity]:
    """Every entity in ``text`` (already redacted), in order; overlaps go to the specific kind.

    ``reference`` is when the text was said: relative dates ("last Friday") resolve from it.
    """
    found = (
        _simple(TRACKING, "tracking", text, "ups", "t")
        + _simple(CASE, "case", text, "a", "b")
        + _orders(text)
        + _simple(CARD_LAST4, "card_last4", text, "d")
        + _amounts(text)
        + _dates(text, reference)
        + _products(text)
    )
    kept: list[Entity] = []
    for entity in found:  # earlier finders are more specific
        if all(entity.end <= k.start or entity.start >= k.end for k in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: e.start)
