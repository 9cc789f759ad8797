"""The completeness gate over REST: a case's checklist for a business, its type, overrides.

The gate itself runs inside every push (services/workflow.py → services/completeness.gate): a
blocking gap answers 422 with ``detail`` (one Chinese line per gap) and ``checklist`` (the
verdict). These routes let a clerk see that verdict before pushing, correct the case type, and
let an authorised role override one item with a written reason (audited, shown to the receiver).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import SettingsDep, UserDep
from api.routes.workflow import NowDep, Out, call
from services import completeness as comp

router = APIRouter(prefix="/api/v1", tags=["completeness"])


class CaseTypeIn(BaseModel):
    case_type: str | None = Field(None, max_length=40,
                                  description="危险驾驶, 盗窃 …; null: back to the inferred type")


class OverrideIn(BaseModel):
    item: str = Field(min_length=1, max_length=80, description="checklist item id, e.g. dd.alcohol")
    reason: str = Field(min_length=1, max_length=2000, description="why it may pass (written)")


class OverrideOut(Out):
    id: int
    business: str
    item: str
    reason: str
    by: str | None
    role: str
    at: str
    business_id: int | None = Field(description="the business whose push used it; null: unused")
    withdrawn_at: str | None


class ChecklistOut(Out):
    case_id: int
    case_type: str | None
    case_type_source: Literal["clerk", "inferred", "unknown"]
    business: str
    checked: bool = Field(description="false: this business or case type has no checklist")
    reason: str = Field(description="why not checked, when not")
    verdict: dict[str, Any] | None = Field(
        description="passes, blocking, warnings, and every item: status (satisfied, missing, "
                    "failed, flagged, clear, exempt, manual, overridden), basis, where found")
    message: str = Field(description="the refusal a push would get now; empty when it passes")
    overrides: list[OverrideOut]
    override_roles: list[str]
    access: Literal["owner", "write", "read"]
    businesses: list[dict[str, str]] = Field(description="the gated businesses: code, name")
    case_types: list[str] = Field(description="the case types that have a checklist")


class CaseTypeOut(Out):
    case_id: int
    case_type: str | None
    case_type_source: Literal["clerk", "inferred", "unknown"]
    case_types: list[str]


@router.get("/cases/{case_id}/checklist", response_model=ChecklistOut)
def get_checklist(case_id: int, settings: SettingsDep, user: UserDep,
                  business: str | None = Query(None, min_length=2, max_length=4,
                                               description="B1, C1, C5; default: the next one "
                                                           "the case's state allows")
                  ) -> dict[str, Any]:
    """The checklist a push of ``business`` would meet now (✔ with document and page, ✗, ⚠)."""
    return call(comp.check, settings, user, case_id, business)


@router.put("/cases/{case_id}/case-type", response_model=CaseTypeOut)
def put_case_type(case_id: int, body: CaseTypeIn, settings: SettingsDep,
                  user: UserDep) -> dict[str, Any]:
    """Set the case type the checklists use (audited); null returns to the inferred one."""
    return call(comp.set_case_type, settings, user, case_id, body.case_type)


@router.post("/cases/{case_id}/checklist/{business}/overrides", status_code=201,
             response_model=OverrideOut)
def post_override(case_id: int, business: str, body: OverrideIn, settings: SettingsDep,
                  user: UserDep, now: NowDep) -> dict[str, Any]:
    """特批放行: let one item of the business's checklist through with a written reason."""
    return call(comp.add_override, settings, user, case_id, business, body.item, body.reason,
                now=now)


@router.delete("/cases/{case_id}/checklist/overrides/{override_id}", response_model=OverrideOut)
def delete_override(case_id: int, override_id: int, settings: SettingsDep, user: UserDep,
                    now: NowDep) -> dict[str, Any]:
    """Withdraw an override no push has used yet (audited)."""
    return call(comp.withdraw_override, settings, user, case_id, override_id, now=now)
