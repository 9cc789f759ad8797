"""The procedure between agencies: businesses, the case state machine, legal deadlines.

Pure functions over the data files in ``workflow/data`` (the business registry and its clocks,
the state machine, the holiday calendar, the reminder thresholds): no database, no I/O beyond
reading those files once. ``services.workflow`` persists what these functions decide.
"""

from workflow.errors import ClockError, IllegalTransition, WorkflowError

__all__ = ["ClockError", "IllegalTransition", "WorkflowError"]
