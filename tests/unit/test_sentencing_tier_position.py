"""The guideline term's place in its tier (sentencing.estimate.tier_position), the blend's fifth
input for the high tiers (issue 22's seventh round). Worked by hand in log(1 + months)."""

from __future__ import annotations

import math

import pytest

from sentencing.estimate import Params, estimate, features, tier_position

#: the guideline's term as it is, less half the tier position (in log), for the high tiers; the
#: low tiers' weights take the guideline as it is (a five-weight list: an older fit's shape)
PULL = Params({"guideline_high:many": (0.0, 1.0, 0.0, 0.0, 0.0, -0.5),
               "guideline:many": (0.0, 1.0, 0.0, 0.0, 0.0)},
              {"guideline_high:many": (-0.5, 0.5), "guideline:many": (-0.5, 0.5)})


def test_the_position_is_the_share_of_the_tier_in_log_months() -> None:
    # 诈骗 数额特别巨大: 十年以上 (120 months) to 15 years (180); a term of 132 months:
    # (ln 133 - ln 121) / (ln 181 - ln 121) = 0.2348
    assert tier_position(132.0, 120.0, 180.0) == pytest.approx(0.23481, abs=1e-5)
    assert tier_position(120.0, 120.0, 180.0) == 0.0  # at the floor
    assert tier_position(180.0, 120.0, 180.0) == pytest.approx(1.0)  # at the top
    assert tier_position(200.0, 120.0, 180.0) == 1.0  # clamped
    assert tier_position(100.0, 120.0, 180.0) == 0.0
    assert tier_position(132.0, None, 180.0) == 0.0  # no bounds: nothing to place it in
    assert tier_position(132.0, 120.0, 120.0) == 0.0  # a tier of one term


def test_only_a_high_tier_feeds_the_position_to_the_blend() -> None:
    high = features(150.0, 60.0, 60.0, 100, False, 60.0, 120.0, 180.0)
    assert high is not None and high[0] == "guideline_high:many"
    assert high[1][4] == pytest.approx(0.55000, abs=1e-5)
    low = features(30.0, 20.0, 20.0, 100, False, 20.0, 1.0, 36.0)  # 盗窃 1-36 months
    assert low is not None and low[0] == "guideline:many" and low[1][4] == 0.0
    pool = features(None, 20.0, 20.0, 100, False, 20.0)
    assert pool is not None and pool[1][4] == 0.0


def test_a_term_at_the_top_of_a_high_tier_is_pulled_down() -> None:
    comp = [60.0] * 10
    # at the top: 181 * e^-0.5 - 1 = 108.78 -> 109 months
    top = estimate(180.0, comp, 60.0, charge_n=100, floor=120.0, upper=180.0, params=PULL)
    assert top is not None and top["months"] == 109
    assert top["inputs"]["tier_position"] == pytest.approx(1.0)
    # 150 months, position 0.55: 151 * e^-0.275 - 1 = 113.70 -> 114
    mid = estimate(150.0, comp, 60.0, charge_n=100, floor=120.0, upper=180.0, params=PULL)
    assert mid is not None and mid["months"] == 114
    assert mid["months"] == round(math.expm1(math.log1p(150.0) - 0.5 * 0.55000180))
    # at the floor: the term as it is
    low = estimate(120.0, comp, 60.0, charge_n=100, floor=120.0, upper=180.0, params=PULL)
    assert low is not None and low["months"] == 120
    # without the upper bound (an older caller) the position is 0: the term as it is
    old = estimate(180.0, comp, 60.0, charge_n=100, floor=120.0, params=PULL)
    assert old is not None and old["months"] == 180
    # a low tier's five weights are read with a zero for the position
    short = estimate(30.0, comp, 60.0, charge_n=100, floor=1.0, upper=36.0, params=PULL)
    assert short is not None and short["months"] == 30 and len(short["weights"]) == 6
