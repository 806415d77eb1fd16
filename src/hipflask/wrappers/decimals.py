"""How many digits a ``Decimal`` from a client may have either side of its point.

``decimal.Decimal`` reads ``1e999999`` and ``1e-9999999999`` as the numbers
they spell, with an exponent that later work on them pays for: ``int()``
or ``round()`` of the first builds a million-digit integer (half a minute
of CPU), ``f"{value:f}"`` of the second writes ten billion zeros (a
``MemoryError``), and ``Fraction(value)`` or ``value.as_integer_ratio()``
of it builds the integer ``10**9999999999``. Arithmetic, ``quantize``,
``str()``, ``int()`` and ``float()`` of a tiny exponent are quick, but a
client must not choose which of the slow ones a view happens to use.

So a number read from a request may have, written out in full, no more
digits before its point, nor after it, than Python reads into an ``int``
from text (``sys.get_int_max_str_digits``, 4300), as ``int()`` refuses
more. The REST argument parser and the forms' ``DecimalField`` refuse
the rest with the same words.
"""

from __future__ import annotations

import decimal
import sys

__all__ = ["decimal_digits_limit", "is_out_of_range", "range_rule"]


def decimal_digits_limit() -> int:
    """The most digits a client's ``Decimal`` may have either side of its point."""
    limit: int = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    # 0 lifts Python's limit (and older versions have none): the context's range.
    return limit or decimal.getcontext().Emax + 1


def is_out_of_range(number: decimal.Decimal) -> bool:
    """Whether the finite ``number`` has more digits either side of its point than allowed."""
    limit = decimal_digits_limit()
    # adjusted() is the exponent of the first digit, and a zero's is its own.
    exponent = number.as_tuple().exponent
    return number.adjusted() >= limit or (isinstance(exponent, int) and exponent < -limit)


def range_rule() -> str:
    """The rule :func:`is_out_of_range` applies, in the words a refusal gives the client."""
    limit = decimal_digits_limit()
    return f"a decimal number may have at most {limit} digits before the point and {limit} after it"
