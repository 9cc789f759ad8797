"""The statistics read what the real workflow writes: a case driven through the REST API
(移送审查起诉, returned twice for 补充侦查, 提起公诉) and a transfer the procuratorate returned,
then the figures of the procuratorate, worked out by hand from the dates used."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.workflow_support import World, add_case, make_world

DOCS = {"立案决定书": "立案决定书 决定对张三盗窃案立案侦查", "起诉意见书": "起诉意见书 移送审查起诉",
        "起诉书": "起诉书 提起公诉"}
PERIOD = {"from": "2025-03-01", "to": "2025-04-30"}


@pytest.fixture
def world(env: Callable[..., dict[str, str]]) -> Iterator[World]:
    env()
    from models.settings import get_settings

    w = make_world(get_settings())
    yield w
    w.client.close()


def _ok(r: object) -> dict[str, object]:
    assert r.status_code in (200, 201), r.text  # type: ignore[attr-defined]
    return r.json()  # type: ignore[attr-defined,no-any-return]


def test_figures_of_a_case_returned_twice_and_a_returned_transfer(world: World) -> None:
    w = world
    case_id, docs = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕201号", DOCS)
    w.at("2025-03-03T09:00")
    _ok(w.act("pol", case_id, "立案"))
    w.at("2025-03-10T09:00")
    _ok(w.push("pol", case_id, "C1", "proc-lz", [docs["起诉意见书"]]))
    w.at("2025-03-20T09:00")
    _ok(w.push("pros", case_id, "C2", "police-lz"))  # 10 days at the procuratorate
    w.at("2025-03-30T09:00")
    _ok(w.push("pol", case_id, "C3", "proc-lz"))
    w.at("2025-04-05T09:00")
    _ok(w.push("pros", case_id, "C2", "police-lz"))  # 6 more days
    w.at("2025-04-15T09:00")
    _ok(w.push("pol", case_id, "C3", "proc-lz"))
    w.at("2025-04-20T09:00")
    _ok(w.push("pros", case_id, "C5", "court-lz", [docs["起诉书"]]))  # 5 more days

    other, other_docs = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕202号", DOCS)
    w.at("2025-03-11T09:00")
    _ok(w.act("pol", other, "立案"))
    w.at("2025-03-12T09:00")
    pushed = _ok(w.push("pol", other, "C1", "proc-lz", [other_docs["起诉意见书"]]))
    business = pushed["business"]["id"]  # type: ignore[index]
    w.at("2025-03-13T09:00")
    _ok(w.move("pros", business, "return", reason="材料不全"))

    def stat(name: str, **params: str) -> dict[str, object]:
        return _ok(w.get("pros", f"/api/v1/stats/{name}", **{**PERIOD, **params}))

    received = stat("received", group_by="stage")
    assert [(e["group"]["stage"], e["cases"]) for e in received["series"]] == [("C1", 1)]
    days = stat("stage_days")["total"]
    assert days["n"] == 1 and days["median"] == 10 + 6 + 5
    assert stat("return_rate")["total"]["value"] == 100.0
    assert stat("second_return_rate")["total"]["value"] == 100.0
    assert stat("on_time_rate")["total"]["value"] == 100.0
    assert stat("non_prosecution_rate")["total"]["numerator"] == 0
    flows = {e["group"]["code"]: (e["numerator"], e["denominator"])
             for e in stat("business_return_rate", group_by="code")["series"]}
    assert flows["C1"] == (1, 2) and flows["C2"] == (0, 2) and flows["C5"] == (0, 1)
    effective = stat("filing_to_effective_days")["total"]
    assert effective["n"] == 0  # no judgment has taken effect
