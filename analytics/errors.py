"""Refusals of the analytics stage; their messages are Chinese and shown to users as they are."""

from __future__ import annotations


class AnalyticsError(ValueError):
    """A filter, grouping or format the statistic does not accept (HTTP 422)."""


class UnknownStatistic(LookupError):
    """No statistic of that name (HTTP 404)."""


class NotComputable(AnalyticsError):
    """The statistic is registered but the data model does not record what it needs."""
