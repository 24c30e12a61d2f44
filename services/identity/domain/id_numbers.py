"""Resident identity card numbers (GB 11643-1999), checked before any registry call.

18 characters: a 6-digit area code, the birth date YYYYMMDD, a 3-digit sequence
(odd for men, even for women) and a check character computed with ISO 7064
MOD 11-2 over the first 17 digits ("X" stands for 10; a lower-case "x" is
accepted and normalised).

The 15-digit numbers issued before 1999 are refused rather than upgraded: the
upgrade has to guess the century of the birth year (assumed 19xx), and every
such card was replaced by an 18-digit one long ago, so a citizen presenting one
is asked for their current number instead.
"""

import re
from datetime import date

from contracts.errors import InvalidInput

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
FORM = re.compile(r"^[0-9]{17}[0-9X]$")
EARLIEST_BIRTH = date(1850, 1, 1)


def check_character(first_17_digits: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first_17_digits, WEIGHTS,
                                                              strict=True))
    return CHECK_CHARACTERS[total % 11]


def invalid(message: str) -> InvalidInput:
    # Never repeats the number: it is personal data.
    return InvalidInput(message, field="id_number", code="id_number_invalid")


def normalise(id_number: str, today: date | None = None) -> str:
    """The number in canonical form, or InvalidInput with code id_number_invalid."""
    number = id_number.strip().upper()
    if len(number) == 15 and number.isdigit():
        raise invalid("15-digit identity card numbers are no longer accepted: "
                      "use the 18-digit number on the current card")
    if not FORM.match(number):
        raise invalid("an identity card number is 17 digits followed by a digit or X")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise invalid("the birth date inside the identity card number is not a real date") \
            from None
    if not EARLIEST_BIRTH <= born <= (today or date.today()):
        raise invalid("the birth date inside the identity card number is out of range")
    if check_character(number[:17]) != number[17]:
        raise invalid("the check character of the identity card number is wrong")
    return number


def mask(id_number: str) -> str:
    """11010519491231002X -> 1101**********002X"""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
