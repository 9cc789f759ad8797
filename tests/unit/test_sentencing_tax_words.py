"""虚开增值税专用发票罪 (刑法第二百零五条): the tier is judged by the tax amount read where there is
one (法〔2018〕226号: 五十万元以上数额较大, 二百五十万元以上数额巨大), not by the prosecutor's wording
(数额巨大), which in judgments before 2018 followed the lower amounts of 法发〔1996〕30号 (⚠ recalled:
10万 较大, 50万 巨大); the wording holds the tier only where no tax amount is read
(`unmeasured_flags` in national.toml). Worked by hand with the platform's 起点 and increments (⚠).
"""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.guideline import Inputs, compute

CHARGE = "虚开增值税专用发票、用于骗取出口退税、抵扣税款发票罪"


def test_the_tax_read_decides_the_tier_over_the_wording() -> None:
    # CAIL2018: 税额636172.6元 … 数额巨大 — tier 数额较大 (50万-250万): 起点 36-42 -> 39; +1 month
    # per 20万 above 50万: 136,172.6 is less than one step -> 39 (was 十年以上: 132)
    text = ("被告人刘某为赚取开票费，介绍他人虚开税额为636172.6元的增值税专用发票，所开发票均被用于抵扣"
            "税款。公诉机关认为，被告人刘某介绍他人虚开增值税专用发票，数额巨大。")
    g = guideline_for(text, [CHARGE])
    assert "数额巨大" in g["inputs"]["flags"] and g["inputs"]["measures"]["tax_yuan"] == 636172.6
    assert g["statutory"] == [36, 120] and g["months"] == 39


def test_the_wording_holds_where_no_tax_is_read() -> None:
    # no amount: 数额巨大 -> 十年以上, 起点 120-144 -> 132
    g = guideline_for("被告人介绍他人虚开增值税专用发票，数额巨大。", [CHARGE])
    assert g["statutory"] == [120, 180] and g["months"] == 132
    # 情节严重 / 情节特别严重 are not amounts: they hold whatever the tax
    r = compute(Inputs(CHARGE, tax_yuan=60000.0, flags=frozenset({"情节特别严重"})))
    assert r.statutory == (120, 180)
