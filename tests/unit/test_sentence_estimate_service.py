"""The service side of the estimate: comparable cases from a handful of reference cases (the
same charge first, whatever the wording), and the proposed term flagged only outside both the
guideline's and the comparable range."""

from __future__ import annotations

from sentencing.estimate import Params, charges_median, load_params
from services.sentence_estimate import ReferencePool, combine, measured_note, proposed_check


def pool() -> ReferencePool:
    return ReferencePool.from_records([
        (1, "被告人强奸被害人，致其轻伤。", ["强奸罪"], 48),
        (2, "被告人盗窃他人手机一部，价值人民币3000元。", ["盗窃"], 6),
        (3, "被告人入户盗窃现金人民币5000元。", ["盗窃罪"], 9),
        (4, "被告人醉酒驾驶机动车，血液中乙醇含量为200mg/100ml。", ["危险驾驶罪"], 3),
        (5, "被告人强奸妇女一名。", ["强奸罪"], None),  # life or death: no fixed term
    ])


def test_a_small_pool_gives_the_same_charge_even_when_text_reads_alike_elsewhere() -> None:
    comp = pool().comparable("被告人盗窃被害人财物，价值人民币4000元，致被害人轻伤。", ["盗窃罪"], k=10)
    assert comp.match == "same charges" and sorted(comp.keys) == [2, 3]
    assert comp.charge_median == 7.5 and comp.charge_n == 2
    assert pool().comparable("被告人诈骗", ["诈骗罪"]).match == "none"
    # a query case is never its own comparable case
    assert 2 not in pool().comparable("被告人盗窃", ["盗窃罪"], exclude=2).keys


def test_the_part_of_a_selective_charge_a_judgment_names_compares_with_the_whole() -> None:
    # CAIL2018 labels every drug sale [走私、贩卖、运输、制造]毒品; a judgment convicts of 贩卖毒品罪
    # or 运输毒品罪 (the part that applies): all are the list's 走私、贩卖、运输、制造毒品罪
    drugs = ReferencePool.from_records([
        (1, "被告人贩卖甲基苯丙胺0.5克。", ["[走私、贩卖、运输、制造]毒品"], 8),
        (2, "被告人运输海洛因10克。", ["运输毒品罪"], 84),
        (3, "被告人盗窃现金人民币5000元。", ["盗窃"], 9),
    ])
    comp = drugs.comparable("被告人贩卖甲基苯丙胺1克。", ["贩卖毒品罪"], k=10)
    assert comp.match == "same charges" and sorted(comp.keys) == [1, 2]
    assert comp.charge_median == 46.0


def test_several_charges_no_case_shares_take_each_charges_median_combined() -> None:
    # 盗窃 + 强奸: no case has both. Every case with either charge is compared with (as the data
    # pool's path does), and the charges' median is 数罪并罚 of each charge's median (刑法第六十九条,
    # the guideline's convention: the highest plus half the others): 强奸 48, 盗窃 median(6, 9)
    # = 7.5 -> 48 + 0.5 × 7.5 = 51.75
    comp = pool().comparable("被告人入户盗窃后强奸被害人。", ["盗窃罪", "强奸罪"], k=10)
    assert comp.match == "sharing a charge" and sorted(comp.keys) == [1, 2, 3]
    assert comp.charge_median == 51.75 and comp.charge_n == 3
    assert charges_median([6.0, 9.0, 48.0]) == 9.0  # one charge: the plain median
    assert charges_median([48.0], [[48.0], []]) == 48.0  # a charge with no case adds nothing


def test_combine_ends_with_the_estimate_step() -> None:
    facts = "被告人盗窃他人手机一部，价值人民币6000元。到案后如实供述。"
    out = combine(facts, ["盗窃罪"], pool().comparable(facts, ["盗窃罪"]))
    assert out["guideline"]["months"] == 6  # 4.5 + 2 = 6.5; 坦白 -10 % -> 5.85 -> 6
    assert out["steps"][-1]["kind"] == "估计"
    assert out["range"][0] <= out["months"] <= out["range"][1]
    # the shipped weights were scored on the held-out cases: the step says how they did there
    measured = load_params().measured
    assert measured["cases"] > 0 and 0 < measured["within_range"] <= 1
    assert (f"在未参与拟合的CAIL2018留出案例{measured['cases']}件上检验：平均误差"
            f"{measured['mae']:.1f}个月" in out["steps"][-1]["basis"])


def test_the_measured_note_is_said_only_once_measured() -> None:
    assert measured_note({}) == ""
    assert measured_note({"set": "CAIL2018留出案例", "cases": 704, "mae": 11.46,
                          "within_range": 0.794}) == (
        "；在未参与拟合的CAIL2018留出案例704件上检验：平均误差11.5个月，79%的实际刑期落在估计区间内")
    # an older weights file without it reads as not measured
    assert Params({"guideline": [0.0, 1.0]}, {"guideline": [-0.5, 0.5]}).measured == {}


def test_proposed_term_flagged_only_outside_both() -> None:
    comparable_out = {"range": [6.0, 12.0], "outside": True}
    comparable_in = {"range": [6.0, 30.0], "outside": False}
    flagged = proposed_check(24, [5, 12], comparable_out)
    assert flagged is not None and flagged["flagged"] and "请复核" in flagged["reason"]
    one = proposed_check(24, [5, 12], comparable_in)
    assert one is not None and one["outside_guideline"] and not one["flagged"]
    # fewer than 3 comparable terms: the estimate's range stands in
    stand_in = proposed_check(24, [5, 12], {"range": None, "outside": False}, [6, 14])
    assert stand_in is not None and stand_in["flagged"] and "估计区间" in stand_in["reason"]
    assert proposed_check(None, [5, 12], comparable_out) is None


def test_every_flag_the_facts_give_is_on_the_form_and_survives_an_edit() -> None:
    """The page's form sends back the flags it shows checked, and a judge's flags replace those
    read: a flag the form did not show (幼女, the tier words) was dropped by any edit, so
    changing a percentage moved a 奸淫幼女 case to the tier of 强奸妇女一人."""
    from starlette.datastructures import QueryParams

    from api.routes.sentencing import _overrides
    from api.web.pages import overrides_from
    from sentencing.case import guideline_for
    from sentencing.facts import FLAGS
    from services.sentence_estimate import FLAG_LABELS

    assert {key for key, _ in FLAGS} <= FLAG_LABELS.keys()
    facts = "被告人明知被害人郭某未满十四周岁，仍与其发生性关系。到案后，被告人如实供述了上述事实。"
    read = guideline_for(facts, ["强奸罪"])
    assert "幼女" in read["inputs"]["flags"] and read["months"] is not None
    # the form as the page renders it: every shown flag checked where it was read, 坦白 at 10 %
    shown = [key for key in FLAG_LABELS if key in read["inputs"]["flags"]]
    form = QueryParams([("edited", "1"), ("p_坦白", "10"), *(("f", k) for k in shown),
                        *(("c", c) for c in read["inputs"]["circumstances"])])
    edited = guideline_for(facts, ["强奸罪"], overrides=_overrides(overrides_from(form)))
    assert "幼女" in edited["inputs"]["flags"]
    # 奸淫幼女一人 起点 四年至七年 -> 66; 坦白 -10 % -> 59.4 -> 59
    assert edited["charges"][0]["tier"] == read["charges"][0]["tier"] and edited["months"] == 59


def test_a_form_with_every_box_checked_keeps_every_box() -> None:
    """The page cut the flags a judge checked to the first 20 while it offered 23, so the last
    ones checked (the tier words) were dropped without a word; and the API refused more than 20.
    Every flag and circumstance the form offers now survives, each once; what it does not offer
    is left out."""
    from starlette.datastructures import QueryParams

    from api.routes.sentencing import Overrides, _overrides
    from api.web.pages import overrides_from
    from sentencing.case import guideline_for
    from services.sentence_estimate import FLAG_LABELS, form_keys

    keys = form_keys()
    assert len(keys["flags"]) == len(FLAG_LABELS) > 20
    flags, circs = sorted(keys["flags"]), sorted(keys["circumstances"])
    form = QueryParams([("edited", "1"), *(("f", k) for k in flags), ("f", flags[-1]),
                        ("f", "不存在的情节"), *(("c", c) for c in circs)])
    o = overrides_from(form)
    assert o is not None and o.flags == flags and o.circumstances == circs
    r = guideline_for("被告人盗窃现金人民币5000元。", ["盗窃罪"], overrides=_overrides(o))
    assert set(r["inputs"]["flags"]) == set(flags)
    assert set(r["inputs"]["circumstances"]) == set(circs)
    # the API takes the whole list too (its cap bounds a request's size, not the form)
    assert Overrides(flags=flags, circumstances=circs).flags == flags


def test_one_charge_whose_cases_all_had_other_offences_leans_on_the_guideline() -> None:
    # 容留他人吸毒 alone, and a pool whose 容留 cases were all sentenced with 贩卖毒品 too
    both = "被告人多次容留他人在其住处吸食甲基苯丙胺，并贩卖甲基苯丙胺十克。"
    pool = ReferencePool.from_records(
        [(i, both, ["容留他人吸毒罪", "走私、贩卖、运输、制造毒品罪"], 36.0 + i) for i in range(40)])
    facts = "被告人容留他人在其租住的房间内吸食甲基苯丙胺一次。到案后如实供述。"
    comp = pool.comparable(facts, ["容留他人吸毒罪"])
    assert comp.match == "sharing a charge" and comp.charge_n == 40
    out = combine(facts, ["容留他人吸毒罪"], comp)
    g = out["guideline"]["months"]
    assert g is not None and g < 12
    # the 36-75-month cases of two offences are not blended in: the estimate stays by the guideline
    assert abs(out["months"] - g) <= 2
    assert out["estimate"]["inputs"]["others_only"]
    assert "参考库无单独犯此罪的案例，40件类案均另犯他罪" in out["steps"][-1]["label"]
    # the page still shows the cases compared with
    assert out["comparable"]["terms"] and out["comparable"]["match"] == "sharing a charge"
    # a case of that charge alone in the pool: it is compared with, and blended
    alone = ReferencePool.from_records(
        [*((i, both, ["容留他人吸毒罪", "走私、贩卖、运输、制造毒品罪"], 36.0 + i) for i in range(40)),
         ("solo", facts, ["容留他人吸毒罪"], 8.0)])
    blended = combine(facts, ["容留他人吸毒罪"], alone.comparable(facts, ["容留他人吸毒罪"]))
    assert not blended["estimate"]["inputs"]["others_only"]
    assert "1件类案中位数8个月" in blended["steps"][-1]["label"]
