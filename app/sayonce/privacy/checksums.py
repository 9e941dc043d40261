"""Check digits that tell a real card, routing number, IBAN or SSN from any digit string."""

from __future__ import annotations


def luhn_ok(digits: str) -> bool:
    """Whether ``digits`` passes the Luhn (mod 10) check used by every payment card."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The card network whose issuer prefix and length ``digits`` fits, or ``None``."""
    n = len(digits)
    two, four, six = int(digits[:2]), int(digits[:4]), int(digits[:6])
    if digits[0] == "4" and n in (13, 16, 19):
        return "visa"
    if (51 <= two <= 55 or 2221 <= four <= 2720) and n == 16:
        return "mastercard"
    if two in (34, 37) and n == 15:
        return "amex"
    if (four == 6011 or 644 <= int(digits[:3]) <= 649 or two == 65) and 16 <= n <= 19:
        return "discover"
    if (300 <= int(digits[:3]) <= 305 or two in (36, 38, 39)) and 14 <= n <= 19:
        return "diners"
    if 3528 <= four <= 3589 and 16 <= n <= 19:
        return "jcb"
    if (two == 62 or 622126 <= six <= 622925) and 16 <= n <= 19:
        return "unionpay"
    if (two == 50 or 56 <= two <= 69) and 12 <= n <= 19:
        return "maestro"
    return None


def aba_ok(digits: str) -> bool:
    """Whether a 9-digit US routing (ABA) number has a valid check digit."""
    if len(digits) != 9:
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def iban_ok(compact: str) -> bool:
    """Whether an IBAN without spaces passes the ISO 13616 mod-97 check."""
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rotated = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rotated)
    return int(number) % 97 == 1


def ssn_plausible(digits: str) -> bool:
    """Whether 9 digits could be an SSN (area not 000/666/9xx, group and serial not zero)."""
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"
