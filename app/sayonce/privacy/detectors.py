"""One finder per kind of PII; each returns :class:`Span` objects over the original text.

Why each rule looks the way it does (and what it leaves alone) is in ``docs/nlp.md``:
card numbers need 13-19 digits *and* the Luhn check *and* a card network's prefix (or the
word "card" nearby), so order numbers (``A-10424``, ``#10424``), amounts and dates stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers

from sayonce.privacy.checksums import card_brand, iban_ok, luhn_ok, ssn_plausible
from sayonce.privacy.digit_runs import DigitGroup, windows
from sayonce.privacy.pii import PiiKind, RedactionPolicy, Span

Runs = list[list[DigitGroup]]
Finder = Callable[[str, Runs, RedactionPolicy], list[Span]]

CARD_CONTEXT = re.compile(
    r"\b(?:card|visa|master ?card|amex|american express|discover|credit|debit|cc|pan)\b",
    re.IGNORECASE,
)
SSN_CONTEXT = re.compile(r"\b(?:ssn|social(?: security)?|tax ?id|tin)\b", re.IGNORECASE)
ACCOUNT_CONTEXT = re.compile(
    r"\b(?:bank account|account (?:number|no\b|num\b|#)|acct\b|routing|aba|sort code|"
    r"checking account|savings account|iban|bsb|transit number)",
    re.IGNORECASE,
)
PHONE_CONTEXT = re.compile(
    r"\b(?:phone|cell|mobile|call me|reach me|text me|landline|fax|extension|ext)\b",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
SPOKEN_EMAIL = re.compile(
    r"\b[a-z0-9]+(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9]+)*\s+(?:at)\s+"
    r"[a-z0-9]+(?:\s+dot\s+[a-z0-9]+)*\s+dot\s+(?:com|net|org|edu|gov|io|co|uk|us|ca|de|fr)\b",
    re.IGNORECASE,
)
SSN_WRITTEN = re.compile(r"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_SUFFIX = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|ter|circle|cir|highway|hwy|parkway|pkwy|square|sq|trail|trl|crescent|close"
)
ADDRESS = re.compile(
    rf"\b\d{{1,6}}[A-Za-z]?(?:\s+(?:[NSEW]\.?|north|south|east|west))?"
    rf"(?:\s+[A-Za-z][A-Za-z'\-]*){{1,3}}?\s+(?:{_SUFFIX})\b\.?"
    r"(?:,?\s+(?:apt|apartment|suite|ste|unit|#)\.?\s*#?[\w\-]+)?"
    r"(?:,\s*[A-Z][A-Za-z]+(?:\s[A-Z][A-Za-z]+)*(?:,\s*|\s+)[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?)?",
    re.IGNORECASE,
)
PO_BOX = re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d+\b", re.IGNORECASE)
DIGIT = re.compile(r"\d")
_AT_WORD = re.compile(r"\bat\b", re.IGNORECASE)


# A number named as something else ("... account number 123456, order 55512345") is not
# in the context of the earlier keyword.
OTHER_NUMBER = re.compile(
    r"\b(?:order|case|ticket|tracking|invoice|reference|ref|confirmation|sku|model)\b", re.I
)


def _context(pattern: re.Pattern[str], text: str, start: int, policy: RedactionPolicy) -> bool:
    """Whether a keyword of ``pattern`` shortly precedes ``start``, with no other naming between."""
    window_start = max(0, start - policy.context_chars)
    found = list(pattern.finditer(text, window_start, start))
    return bool(found) and OTHER_NUMBER.search(text, found[-1].end(), start) is None


def _span(kind: PiiKind, run: list[DigitGroup], first: int, last: int) -> Span:
    return Span(kind, run[first].start, run[last].end)


def _best_windows(
    run: list[DigitGroup], low: int, high: int, accept: Callable[[str, int], bool]
) -> list[tuple[int, int]]:
    """Non-overlapping (first, last) windows, leftmost and longest first, that ``accept``."""
    chosen: list[tuple[int, int]] = []
    next_free = 0
    for first, last, digits in sorted(windows(run, low, high), key=lambda w: (w[0], -w[1])):
        if first >= next_free and accept(digits, first):
            chosen.append((first, last))
            next_free = last + 1
    return chosen


def find_cards(text: str, runs: Runs, policy: RedactionPolicy) -> list[Span]:
    """Payment card numbers, written (any spacing or dashes) or spoken."""
    spans = []
    for run in runs:

        def accept(digits: str, first: int, run: list[DigitGroup] = run) -> bool:
            near_card = _context(CARD_CONTEXT, text, run[first].start, policy)
            if luhn_ok(digits):
                return near_card or card_brand(digits) is not None
            # A misheard or mistyped card number right after "card" is still a card number.
            return near_card and len(digits) in (15, 16)

        spans += [
            _span(PiiKind.CARD, run, f, last) for f, last in _best_windows(run, 13, 19, accept)
        ]
    return spans


def find_ssns(text: str, runs: Runs, policy: RedactionPolicy) -> list[Span]:
    """SSNs: 123-45-6789 anywhere; 9 digits or the last four after "social"/"SSN"."""
    spans = [
        Span(PiiKind.SSN, m.start(), m.end())
        for m in SSN_WRITTEN.finditer(text)
        if ssn_plausible(m.group(1) + m.group(3) + m.group(4))
    ]
    for run in runs:
        if not _context(SSN_CONTEXT, text, run[0].start, policy):
            continue
        for low in (9, 4):
            found = _best_windows(run, low, low, lambda digits, first: True)
            if found:
                spans += [_span(PiiKind.SSN, run, f, last) for f, last in found]
                break
    return spans


def find_accounts(text: str, runs: Runs, policy: RedactionPolicy) -> list[Span]:
    """IBANs (mod-97 checked) and bank account or routing numbers named as such."""
    spans = []
    for match in IBAN.finditer(text) if DIGIT.search(text) else ():
        compact = match.group().replace(" ", "")
        # The pattern may run into the next word: keep the longest prefix that checks out.
        for cut in range(len(compact), 14, -1):
            if iban_ok(compact[:cut]):
                end = _offset_after(match.group(), cut) + match.start()
                spans.append(Span(PiiKind.ACCOUNT, match.start(), end))
                break
    for run in runs:
        digits = sum(len(g.digits) for g in run)
        if 6 <= digits <= 34 and _context(ACCOUNT_CONTEXT, text, run[0].start, policy):
            spans.append(_span(PiiKind.ACCOUNT, run, 0, len(run) - 1))
    return spans


def _offset_after(raw: str, kept: int) -> int:
    """Index in ``raw`` (which has spaces) just after its ``kept``-th non-space character."""
    seen = 0
    for index, char in enumerate(raw):
        seen += char != " "
        if seen == kept:
            return index + 1
    return len(raw)


def find_emails(text: str, runs: Runs, policy: RedactionPolicy) -> list[Span]:
    """Email addresses, written or spoken ("ann dot lee at example dot com")."""
    found = [*EMAIL.finditer(text)] if "@" in text else []
    if _AT_WORD.search(text) is not None:
        found += SPOKEN_EMAIL.finditer(text)
    return [Span(PiiKind.EMAIL, m.start(), m.end()) for m in found]


def find_phones(text: str, runs: Runs, policy: RedactionPolicy) -> list[Span]:
    """Phone numbers: libphonenumber's matcher for written ones, digit runs for spoken ones."""
    spans = []
    if len(DIGIT.findall(text)) >= 7:
        matcher = phonenumbers.PhoneNumberMatcher(text, "US", phonenumbers.Leniency.POSSIBLE)
        for match in matcher:
            if _glued(text, match.start, match.end):
                continue  # part of an id: 1Z999AA10123456784, INV-2024-000123
            if _phone_like(match) or _context(PHONE_CONTEXT, text, match.start, policy):
                spans.append(Span(PiiKind.PHONE, match.start, match.end))
    for run in runs:
        if not any(g.spoken for g in run):
            continue
        near_phone = _context(PHONE_CONTEXT, text, run[0].start, policy)

        def accept(digits: str, first: int, near_phone: bool = near_phone) -> bool:
            if len(digits) == 11:
                return digits[0] == "1" and digits[1] in "23456789"
            if len(digits) == 10:
                return digits[0] in "23456789"
            return near_phone

        found = _best_windows(run, 7 if near_phone else 10, 11, accept)
        spans += [_span(PiiKind.PHONE, run, f, last) for f, last in found]
    return spans


_NANP = re.compile(r"[2-9]\d{2}[2-9]\d{6}")


def _phone_like(match: phonenumbers.PhoneNumberMatch) -> bool:
    """Valid, or dialled with "+", or shaped like a North American number (fictional 555s too)."""
    number = match.number
    national = str(number.national_number)
    return (
        phonenumbers.is_valid_number(number)
        or match.raw_string.startswith("+")
        or (number.country_code == 1 and _NANP.fullmatch(national) is not None)
    )


def _glued(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is attached to letters or digits, as inside an id."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    return any(_attached(side) for side in (before[-1:], after[:1])) or bool(
        re.fullmatch(r"[A-Za-z0-9][-#/]", before) or re.fullmatch(r"[-#/][A-Za-z0-9]", after)
    )


def _attached(char: str) -> bool:
    return char.isalnum()


def find_addresses(text: str, runs: Runs, policy: RedactionPolicy) -> list[Span]:
    """Street addresses with a number and a street type, and PO boxes."""
    if DIGIT.search(text) is None:  # both need a house or box number
        return []
    found = [*ADDRESS.finditer(text), *PO_BOX.finditer(text)]
    return [Span(PiiKind.ADDRESS, m.start(), m.end()) for m in found]


FINDERS: dict[PiiKind, Finder] = {
    PiiKind.CARD: find_cards,
    PiiKind.SSN: find_ssns,
    PiiKind.ACCOUNT: find_accounts,
    PiiKind.EMAIL: find_emails,
    PiiKind.PHONE: find_phones,
    PiiKind.ADDRESS: find_addresses,
}
