"""A field path reads in Chinese on the page, the judgment-shape keys (issue 19) included."""

from __future__ import annotations

from api.web.pages import field_label


def test_field_paths_read_in_chinese() -> None:
    assert field_label("defendants/0/sentence/term_months") == "被告人一 · 刑罚 · 刑期（月）"
    assert field_label("defendants/1/unit") == "被告人二 · 被告单位"
    assert field_label("defendants/0/charge_terms/1/charge") == "被告人一 · 各罪刑罚二 · 罪名"
    for key, words in (("aliases", "别名/化名"), ("changed", "改判"), ("instance", "审级")):
        assert field_label(f"defendants/0/{key}") == f"被告人一 · {words}"
