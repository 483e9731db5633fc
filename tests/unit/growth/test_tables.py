"""Tables Tumbuh has no clean source for are refused with the reason (every installed table is compared with WHO's
own, value by value, in tests/exhaustive)."""
import pytest

from shared.domain.growth import tables


def test_who2007_tables_are_reported_unsupported():
    """WHO 2007 has no clean source, so asking for it names the reason instead of computing."""
    for indicator in ("hfa2007", "wfa2007", "bfa2007"):
        with pytest.raises(tables.UnsupportedIndicator, match="under five"):
            tables.table(indicator)
