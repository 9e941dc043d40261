"""A generated, labelled PII set: card numbers of every major network in every format.

Cases are built from a seed, so the set is the same on every run and in every report. Each
positive case records where the PII sits; each negative is text that must come back
unchanged (order numbers, amounts, dates, tracking and case numbers).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sayonce.privacy.checksums import luhn_ok

SPOKEN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# (network, issuer prefixes, lengths, grouping for the spaced/dashed forms or None for 4s)
NETWORKS: list[tuple[str, list[str], list[int], tuple[int, ...] | None]] = [
    ("visa", ["4"], [13, 16, 19], None),
    ("mastercard", ["51", "52", "53", "54", "55", "2221", "2500", "2720"], [16], None),
    ("amex", ["34", "37"], [15], (4, 6, 5)),
    ("discover", ["6011", "644", "649", "65"], [16, 19], None),
    ("diners", ["300", "305", "36", "38"], [14], (4, 6, 4)),
    ("jcb", ["3528", "3589"], [16, 19], None),
    ("unionpay", ["62", "6221"], [16, 17, 18, 19], None),
    ("maestro", ["5018", "5020", "6304", "6759", "6761"], [16, 19], None),
]

TEMPLATES = [
    "my card number is {}",
    "sure, it's {} and it expires 04/27",
    "{}",
    "ok so the number is {} thank you",
    "can you charge {} for order A-10424 please",
    "Visa ending... actually the full number is {}.",
    "I'll read it out: {}, that's the one on file",
    "Customer: {} (please don't store this)",
]


@dataclass(frozen=True, slots=True)
class PiiCase:
    """One labelled example: ``text[start:end]`` is PII of ``kind`` (``None``: a negative)."""

    text: str
    kind: str | None
    start: int
    end: int
    form: str


def luhn_complete(body: str) -> str:
    """``body`` with the check digit that makes it Luhn-valid appended."""
    for digit in "0123456789":
        if luhn_ok(body + digit):
            return body + digit
    raise AssertionError("unreachable: one digit always completes a Luhn number")


def random_card(rng: random.Random) -> tuple[str, str, tuple[int, ...] | None]:
    """(network, digits, grouping) of a random Luhn-valid card number."""
    network, prefixes, lengths, grouping = rng.choice(NETWORKS)
    prefix = rng.choice(prefixes)
    length = rng.choice(lengths)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return network, luhn_complete(body), grouping


def _groups(digits: str, grouping: tuple[int, ...] | None) -> list[str]:
    sizes = list(grouping or ())
    if not sizes or sum(sizes) != len(digits):
        sizes = [4] * (len(digits) // 4) + ([len(digits) % 4] if len(digits) % 4 else [])
    out, position = [], 0
    for size in sizes:
        out.append(digits[position : position + size])
        position += size
    return out


def spoken(digits: str, rng: random.Random, oh: bool = False, doubles: bool = False) -> str:
    """Digits read aloud, optionally with "oh" for zero and "double"/"triple" for repeats."""
    words, index = [], 0
    while index < len(digits):
        digit = digits[index]
        run = 1
        while index + run < len(digits) and digits[index + run] == digit and run < 3:
            run += 1
        name = "oh" if oh and digit == "0" else SPOKEN[int(digit)]
        if doubles and run >= 2:
            words.append(f"{'double' if run == 2 else 'triple'} {name}")
            index += run
            continue
        words.append(name)
        index += 1
    joiner = rng.choice([" ", " ", ", "])
    return joiner.join(words)


FORMATS: dict[str, Callable[[str, tuple[int, ...] | None, random.Random], str]] = {
    "plain": lambda d, g, r: d,
    "spaced": lambda d, g, r: " ".join(_groups(d, g)),
    "dashed": lambda d, g, r: "-".join(_groups(d, g)),
    "spaced-dash": lambda d, g, r: " - ".join(_groups(d, g)),
    "spoken": lambda d, g, r: spoken(d, r),
    "spoken-oh-double": lambda d, g, r: spoken(d, r, oh=True, doubles=True),
    "spoken-groups": lambda d, g, r: ", ".join(spoken(x, r) for x in _groups(d, g)),
    "mixed": lambda d, g, r: " ".join(
        x if i % 2 else spoken(x, r) for i, x in enumerate(_groups(d, g))
    ),
}


def card_cases(count: int = 1200, seed: int = 5) -> Iterator[PiiCase]:
    """``count`` Luhn-valid card numbers, every network and format, inside sentences."""
    rng = random.Random(seed)
    forms = list(FORMATS)
    for index in range(count):
        network, digits, grouping = random_card(rng)
        form = forms[index % len(forms)]
        number = FORMATS[form](digits, grouping, rng)
        template = rng.choice(TEMPLATES)
        start = template.index("{}")
        text = template.format(number)
        yield PiiCase(text, "CARD", start, start + len(number), f"{network}/{form}")


def _non_luhn_16(rng: random.Random) -> str:
    while True:
        digits = rng.choice("3456") + "".join(rng.choice("0123456789") for _ in range(15))
        if not luhn_ok(digits):
            return digits


NEGATIVE_TEMPLATES = [
    ("order", "Where is my order A-{n5}? It was placed on {date}."),
    ("order", "order #{n5} still hasn't arrived"),
    ("order", "Order number {n6}, the blue one."),
    ("amount", "I was charged ${n3},{n3b}.{n2} instead of ${n2}.99"),
    ("amount", "The refund of {n3}.{n2} dollars"),
    ("date", "It was on {date} at 10:30 and again on 2024-{m}-{d}"),
    ("date", "Last Friday, March {d}, 2024, I called twice"),
    ("tracking", "Tracking 1Z999AA1{n10} says delivered"),
    ("tracking", "USPS tracking 9400 1000 0000 {n4} {n4b} {n2}"),
    ("case", "Case CS-{n5} and ticket INC{n7}"),
    ("quantity", "I ordered {n1} shirts and {n2} socks, waited 5 business days"),
    ("zip", "The store near zip {n5} closes at 9"),
    ("random16", "Reference {n16x} from the old system"),
    ("model", "My router is a model AX{n4} firmware 1.{n2}.{n3}"),
    ("spoken", "Oh, I called two or three times, one of them on Monday"),
    ("last4", "the card ending in {n4}"),
]


def negative_cases(count: int = 600, seed: int = 6) -> Iterator[PiiCase]:
    """Text with numbers that are not PII; it must come back unchanged."""
    rng = random.Random(seed)

    def digits(n: int) -> str:
        return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))

    for index in range(count):
        form, template = NEGATIVE_TEMPLATES[index % len(NEGATIVE_TEMPLATES)]
        values = {f"n{n}": digits(n) for n in (1, 2, 3, 4, 5, 6, 7, 10)}
        values |= {"n3b": digits(3), "n4b": digits(4), "n16x": _non_luhn_16(rng)}
        values |= {"m": f"{rng.randint(1, 12):02d}", "d": f"{rng.randint(1, 28):02d}"}
        values["date"] = f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2024"
        yield PiiCase(template.format(**values), None, 0, 0, form)


OTHER_TEMPLATES: list[tuple[str, str, str]] = [
    ("SSN", "ssn", "my social is {}"),
    ("SSN", "ssn", "SSN {} on the application"),
    ("EMAIL", "email", "send it to {} please"),
    ("PHONE", "phone", "call me back on {} after five"),
    ("ACCOUNT", "account", "the routing number is {} for my checking"),
    ("ACCOUNT", "iban", "my IBAN is {}"),
    ("ADDRESS", "address", "ship it to {} instead"),
]


def _other_value(form: str, rng: random.Random) -> str:
    if form == "ssn":
        area = rng.choice([n for n in range(1, 900) if n != 666])
        return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    if form == "email":
        user = rng.choice(["ann.lee", "bob_smith", "c.diaz+orders", "dee"])
        return f"{user}{rng.randint(1, 99)}@{rng.choice(['example.com', 'mail.example.org'])}"
    if form == "phone":
        area, exchange = rng.randint(201, 989), rng.randint(200, 999)
        line = rng.randint(0, 9999)
        return rng.choice(
            [
                f"({area}) {exchange}-{line:04d}",
                f"{area}-{exchange}-{line:04d}",
                f"+1 {area} {exchange} {line:04d}",
                spoken(f"{area}{exchange}{line:04d}", rng, oh=True),
            ]
        )
    if form == "account":
        return rng.choice(["021000021", "011401533", "091000019"])
    if form == "iban":
        return rng.choice(["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"])
    number = rng.randint(1, 9999)
    street = rng.choice(["Main Street", "Oak Ave", "elm st", "North Lake Drive", "Sunset Blvd"])
    return f"{number} {street}" + rng.choice(["", ", Apt 4B", ", Springfield, IL 62704"])


def other_cases(count: int = 300, seed: int = 7) -> Iterator[PiiCase]:
    """SSNs, emails, phones, bank numbers and addresses in sentences."""
    rng = random.Random(seed)
    for index in range(count):
        kind, form, template = OTHER_TEMPLATES[index % len(OTHER_TEMPLATES)]
        value = _other_value(form, rng)
        start = template.index("{}")
        yield PiiCase(template.format(value), kind, start, start + len(value), form)
