"""Numbers as people write them: decimal comma or point, number words, units, grams for a weight in kg."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from shared.flows.parsers.dates import looks_like_date
from shared.flows.parsers.tokens import NUM, UNITS, WORD, Invalid, Tok, clean_text, distinct, tokenize


class Quantity(NamedTuple):
    """A number and the unit written after it, in that dimension's base unit (kg, cm, months); dim None: no unit."""

    value: float
    dim: str | None  # None when no unit was written
    is_int: bool
    end: int  # index of the token after the quantity


_THOUSANDS = re.compile(r"[0-9]{1,3}[.,][0-9]{3}")


def _scaled(tok: Tok, factor: float) -> float:
    """A number in its unit; "3.200 gram" groups thousands, because nobody weighs a child in fractions of a gram."""
    if factor == 0.001 and _THOUSANDS.fullmatch(tok.text):
        return float(tok.text.replace(".", "").replace(",", ""))
    return tok.value


def read_quantity(toks: list[Tok], i: int) -> Quantity:
    """The number at toks[i] with its unit, adding parts such as "12 kg 500 gram" or "2 th 1 bln"."""
    tok = toks[i]
    j = i + 1
    if j >= len(toks) or toks[j].kind != WORD or toks[j].text not in UNITS:
        return Quantity(tok.value, None, tok.is_int, j)
    dim, factor = UNITS[toks[j].text]
    value = _scaled(tok, factor) * factor
    j += 1
    while j + 1 < len(toks) and toks[j].kind == NUM and toks[j + 1].kind == WORD and toks[j + 1].text in UNITS:
        next_dim, next_factor = UNITS[toks[j + 1].text]
        if next_dim != dim or next_factor >= factor:
            break
        value += _scaled(toks[j], next_factor) * next_factor
        factor = next_factor
        j += 2
    return Quantity(value, dim, False, j)


def round_half_up(value: float, decimals: int) -> float:
    """Round half up as people do ("8,25" → 8.3), not to even."""
    decimals = max(0, min(int(decimals), 6))
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def as_weight_kg(q: Quantity, lo: float, hi: float) -> float:
    """A weight in kg: a whole number without a unit, above `hi`, that lands in lo..hi as grams is grams ("9100"
    → 9.1), as birth weights are usually written; anything else is the number as read."""
    if q.dim is None and q.is_int and q.value > hi and lo <= q.value / 1000 <= hi:
        return q.value / 1000
    return q.value


# A number right after one of these words is that kind of quantity even without a unit ("bb 8 tb 76").
_LABEL_DIMS = {"bb": "kg", "berat": "kg", "brt": "kg", "tb": "cm", "pb": "cm", "tinggi": "cm", "panjang": "cm",
               "pjg": "cm", "lk": "cm", "lila": "cm", "lingkar": "cm", "umur": "months", "usia": "months"}
_LABEL_CONTINUES = frozenset({"badan", "nya", "kepala", "lengan", "atas", "anak", "sekarang", "skrg"})


def parse_number(text: str, *, lo: float, hi: float, unit: str = "", decimals: int = 1) -> float | Invalid:
    """One number in `unit`: decimal comma or point, number words, unit or none, grams into kg.

    A single separator is always a decimal mark ("9.100" kg = 9.1, the same as 9100 g); with unit "kg", a whole
    number above `hi` that lands in range as grams is read as grams ("9100" → 9.1). Numbers labelled or unit-marked
    as another quantity ("tb 76" when asking kg) are skipped; if nothing else is left the answer is wrong_unit.
    """
    clean = clean_text(text)
    if looks_like_date(clean):
        return Invalid("invalid_number")
    toks = tokenize(clean)
    target = UNITS.get(unit.lower().strip()) if isinstance(unit, str) else None
    found: list[Quantity] = []
    other_units: list[str] = []
    label_dim = None
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind != NUM:
            if tok.kind == WORD and tok.text in _LABEL_DIMS:
                label_dim = _LABEL_DIMS[tok.text]
            elif not (tok.kind == WORD and tok.text in _LABEL_CONTINUES):
                label_dim = None
            i += 1
            continue
        quantity = read_quantity(toks, i)
        i = quantity.end
        dim = quantity.dim or label_dim
        label_dim = None
        if target and dim and dim != target[0]:
            other_units.append(dim)
            continue
        if quantity.dim:  # into the unit asked; with no unit asked, the number as typed
            quantity = quantity._replace(value=quantity.value / target[1] if target else tok.value)
        found.append(quantity)
    if not found:
        if other_units:
            return Invalid("wrong_unit", {"unit": unit, "given": other_units[0]})
        return Invalid("invalid_number")
    values = distinct([round_half_up(q.value, decimals) for q in found])
    if len(values) > 1:
        return Invalid("ambiguous_number", {"first": values[0], "second": values[1]})
    value = as_weight_kg(found[0], lo, hi) if target == ("kg", 1.0) else found[0].value
    value = round_half_up(value, decimals)
    if not lo <= value <= hi:
        return Invalid("number_out_of_range", {"min": lo, "max": hi, "unit": unit, "value": value})
    return value
