"""Several charges the pool has few cases of (sentencing.estimate.rare_several_guard): the
estimate stays within a factor 2 of the median of those cases, and never below the guideline's
lowest declared term (刑法第六十九条: the joint term is at or above the highest single term,
which its tier's floor bounds). Worked by hand with weights that take the guideline as it is."""

from __future__ import annotations

from sentencing.estimate import Params, estimate, rare_several_guard

#: the blend = the guideline's term, exactly (log1p then expm1), for every several-charge group
AS_IS = Params({g: (0.0, 1.0, 0.0, 0.0, 0.0) for g in ("guideline_several",
                                                      "guideline_several_high")},
               {g: (-0.5, 0.5) for g in ("guideline_several", "guideline_several_high")})


def test_a_rare_combination_is_kept_near_its_median_but_not_below_the_floor() -> None:
    # 贩卖毒品 + 非法持有毒品, one weight of drugs read for both: 数罪并罚 228 months; the pool's 3
    # cases of the two charges: median 30. Within 2x of 30: at most 60; the tier's floor (贩卖
    # 甲基苯丙胺 10 克以上: 七年以上, 84 months) is higher: 84.
    e = estimate(228.0, [24.0, 30.0, 40.0], 30.0, charge_n=3, several=True, floor=84.0,
                 params=AS_IS)
    assert e is not None and e["months"] == 84
    assert e["range"][0] <= 84 <= e["range"][1]
    # no floor above: 60 (= 2 x 30)
    assert rare_several_guard(228.0, 228.0, 30.0, 3, True, 1.0) == 60.0
    # below: at least half the median (6 -> 15), the floor not lifting it further
    assert rare_several_guard(6.0, 6.0, 30.0, 3, True, 1.0) == 15.0
    # the floor never lifts a term above the blend's own: a blend of 50 with floor 84 is 50
    assert rare_several_guard(50.0, 228.0, 30.0, 3, True, 84.0) == 50.0


def test_the_guard_leaves_other_cases_alone() -> None:
    e = estimate(228.0, [30.0] * 10, 30.0, charge_n=10, several=True, floor=84.0, params=AS_IS)
    assert e is not None and e["months"] == 228  # 10 pool cases: not rare
    assert rare_several_guard(228.0, 228.0, 30.0, 3, False, 84.0) == 228.0  # one charge
    assert rare_several_guard(228.0, None, 30.0, 3, True, None) == 228.0  # no guideline term
    assert rare_several_guard(228.0, 228.0, None, 0, True, 84.0) == 228.0  # no pool case
