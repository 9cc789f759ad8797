"""Similar-case reasons in legal terms, from the real agreement of real extracted cases: no
internal keys, no blood alcohol for a theft, and a weak match said to be weak."""

from __future__ import annotations

from api.web.pages import similar_reasons
from similarity.features import CaseFeatures, agreement


def feats(charges: tuple[str, ...], circ: frozenset[str] = frozenset(), amount: int | None = None,
          alcohol: float | None = None) -> CaseFeatures:
    return CaseFeatures(charges=charges, circumstances=circ, amount_yuan=amount,
                        blood_alcohol=alcohol)


def test_reasons_read_as_a_judge_would_write_them() -> None:
    theft = feats(("盗窃罪",), frozenset({"自首", "退赃"}), amount=15288)
    near = agreement(theft, feats(("盗窃罪",), frozenset({"自首"}), amount=14000))
    reasons, weak = similar_reasons(near.to_dict())
    assert reasons[0] == "罪名相同：盗窃罪" and "量刑情节相同：自首" in reasons
    assert "涉案金额相近" in reasons and not weak
    assert not any("酒精" in r or "charges" in r or "_" in r for r in reasons)
    drunk = agreement(feats(("危险驾驶罪",), alcohol=186.0), feats(("危险驾驶罪",), alcohol=92.0))
    reasons, _ = similar_reasons(drunk.to_dict())
    assert "血液酒精含量差距较大" in reasons or "血液酒精含量有一定差距" in reasons
    other = agreement(theft, feats(("交通肇事罪",)))
    reasons, weak = similar_reasons(other.to_dict())
    assert weak and not any(r.startswith("罪名") for r in reasons)


def test_terms_read_as_judges_write_them() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from api.web.pages import format_months

    assert format_months(14) == "1年2个月" and format_months(12) == "1年"
    assert format_months(7) == "7个月" and format_months(13.500000000000002) == "1年1个半月"
    assert format_months(4.5) == "4个半月" and format_months(None) == "—"

    @given(st.floats(min_value=0, max_value=600, allow_nan=False))
    def no_float_artefacts(m: float) -> None:
        text = format_months(m)
        assert "." not in text and "e" not in text and ("年" in text or "月" in text)

    no_float_artefacts()


def test_a_sentence_in_days_is_shown_with_its_days() -> None:
    """A comparable case's own term keeps its days (拘役二个月十五日 is stored as 2.5 months,
    一年零十日 as 12.33), not rounded to the half month as estimates are."""
    from api.web.pages import format_term

    assert format_term(2.5) == "2个月15日" and format_term(12.33) == "1年10日"
    assert format_term(18) == "1年6个月" and format_term(3) == "3个月"
    assert format_term(143.97) == "11年11个月29日" and format_term(None) == "—"
