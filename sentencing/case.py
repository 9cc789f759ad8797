"""The guideline computation for one case: inputs read from its facts, laid under the extracted
fields and a judge's changes, computed per charge and combined (数罪并罚).

Why one function: the API, the CLI and the benchmark must read and compute the same way; the
page sends back the inputs a judge changed and gets the whole computation again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sentencing import facts as facts_mod
from sentencing.guideline import (
    CUMULATIVE_CAP,
    MEASURES,
    Guideline,
    Inputs,
    Result,
    combine,
    compute,
    load,
    normalise_charge,
)

INT_MEASURES = {"minor_injuries", "light_injuries", "serious_injuries", "deaths", "acts",
                "persons", "guns", "robberies"}


def apply_overrides(read: facts_mod.Read, overrides: Mapping[str, Any] | None) -> facts_mod.Read:
    """A judge's inputs win: `measures` (a value, or None to drop it), `flags` and
    `circumstances` (the whole lists when given)."""
    if not overrides:
        return read
    out = facts_mod.merge(read)
    for key, value in (overrides.get("measures") or {}).items():
        if key not in MEASURES:
            continue
        if value is None:
            out.measures.pop(key, None)
            out.provenance.pop(key, None)
        else:
            out.measures[key] = float(value)
            out.provenance[key] = facts_mod.Found(value, 0, 0, "法官修改", "judge")
    if overrides.get("flags") is not None:
        out.flags = set(overrides["flags"])
    if overrides.get("circumstances") is not None:
        out.circumstances = set(overrides["circumstances"])
        for key in list(out.provenance):
            if key.startswith("circumstance:") and key.split(":", 1)[1] not in out.circumstances:
                del out.provenance[key]
        for c in out.circumstances:
            out.provenance.setdefault(f"circumstance:{c}",
                                      facts_mod.Found(True, 0, 0, "法官修改", "judge"))
    return out


def inputs_for(charge: str, read: facts_mod.Read,
               percentages: Mapping[str, float] | None = None) -> Inputs:
    kw: dict[str, Any] = {}
    for key in MEASURES:
        if key in read.measures:
            v = read.measures[key]
            kw[key] = int(v) if key in INT_MEASURES else float(v)
    return Inputs(charge=charge, flags=frozenset(read.flags),
                  circumstances=frozenset(read.circumstances),
                  percentages=dict(percentages or {}), **kw)


def guideline_for(facts: str, charges: Sequence[str], *,
                  extracted: facts_mod.Read | None = None,
                  overrides: Mapping[str, Any] | None = None,
                  guideline: Guideline | None = None) -> dict[str, Any]:
    """{'inputs', 'charges': [per-charge results], 'months', 'range', 'beyond', 'steps',
    'statutory', 'bounds', 'known', 'partial'} — months None unless every charge has rules: the term of
    盗窃 alone says little about a case of 强奸 and 盗窃 ('partial' keeps what was computed)."""
    g = guideline or load()
    read = facts_mod.read(facts, g.national["drugs"]["heroin_equivalent"],
                          [normalise_charge(c) for c in charges])
    if extracted is not None:
        read = facts_mod.merge(read, extracted)
    read = apply_overrides(read, overrides)
    percentages = (overrides or {}).get("percentages") or {}
    results: list[Result] = [compute(inputs_for(c, read, percentages), g) for c in charges]
    known = [r for r in results if r.known]
    both = combine(known)
    complete = bool(results) and len(known) == len(results)
    steps: list[dict[str, Any]] = []
    for r in known:
        steps += [dict(s.to_dict(), charge=r.charge) for s in r.steps]
    if both is not None:
        steps += both["steps"]
    statutory = None
    if len(known) == 1:
        statutory = list(known[0].statutory)
    # where the declared term may lie (刑法第六十三条、第六十九条): from the highest floor to the
    # tiers' maxima (summed for several charges, within the fixed-term cap)
    bounds = [max(r.floor for r in known), min(CUMULATIVE_CAP, sum(r.statutory[1] for r in known))
              ] if known else None
    if not complete:
        both, statutory, bounds = None, None, None
    return {"inputs": read.to_dict(), "charges": [r.to_dict() for r in results],
            "known": complete, "months": None if both is None else both["months"],
            "partial": [r.charge for r in results if not r.known] if known and not complete
            else [],
            "range": None if both is None else both["range"],
            "beyond": None if both is None else both["beyond"], "statutory": statutory,
            "bounds": bounds,
            "steps": steps, "province": g.province.get("meta", {}).get("province"),
            "guideline": g.national["meta"]["title"], "as_of": g.day.isoformat()}
