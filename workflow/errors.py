"""Refusals of the workflow, each with a Chinese message a user can read and act on."""

from __future__ import annotations

from typing import Any


class WorkflowError(Exception):
    """Something the law or the registry refuses; ``message`` is Chinese, ``basis`` the rule."""

    def __init__(self, message: str, *, basis: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.basis = basis

    def __str__(self) -> str:
        return self.message + (f"（依据：{self.basis}）" if self.basis else "")


class IllegalTransition(WorkflowError):
    """A business or action that the case's current state does not allow (HTTP 409)."""


class ClockError(WorkflowError):
    """An event a clock cannot take: a third 退补 restart, an extension not provided for …"""


class UnknownCode(WorkflowError, LookupError):
    """A business, clock, state or action the registry does not know."""


class Incomplete(WorkflowError):
    """A business refused by the completeness gate (HTTP 422): ``checklist`` is the verdict
    (every item, the blocking ones listed), so the client can show what is missing and where."""

    def __init__(self, message: str, checklist: dict[str, Any]) -> None:
        super().__init__(message)
        self.checklist = checklist
