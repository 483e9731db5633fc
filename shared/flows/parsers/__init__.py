"""Pure parsers for how parents and kader write numbers, dates, sex, short answers and worries (domain-id D6, D7).
No I/O, no clock (``today`` is passed in), no environment: each returns a value or ``Invalid``, never raises.

The modules build on one another in this order: tokens (cleaning, tokens, unit words, ``Invalid``), dates,
numbers, words (sex, yes/no, measuring position, menu choices, filler), worries (concerns and oedema in words),
quick_entry (one free-text message read whole), kader_line (a kader's one line a child, a parent's phone number).
Code outside this package imports from here only.
"""
from shared.flows.parsers.dates import parse_date
from shared.flows.parsers.kader_line import KaderLine, asks_recap, parse_phone, read_kader_line
from shared.flows.parsers.numbers import parse_number
from shared.flows.parsers.quick_entry import QuickEntry, extract_quick_entry, parse_age_months
from shared.flows.parsers.tokens import Invalid
from shared.flows.parsers.words import greeting, normalise, only_greeting, parse_choice, parse_measure, parse_sex, \
    parse_yes_no, says_kader, wants_no_messages

__all__ = [
    "Invalid",
    "KaderLine",
    "QuickEntry",
    "asks_recap",
    "extract_quick_entry",
    "greeting",
    "normalise",
    "only_greeting",
    "parse_age_months",
    "parse_choice",
    "parse_date",
    "parse_measure",
    "parse_number",
    "parse_phone",
    "parse_sex",
    "parse_yes_no",
    "read_kader_line",
    "says_kader",
    "wants_no_messages",
]
