"""Remediation business rules. Import from here: report_problem, the dealer's steps, the association's and
regulator's actions, and the SLA sweep."""

from .errors import RemediationError
from .handling import (
    add_note,
    close_followup,
    reassign_dealer,
    record_contact,
    report_to_regulator,
    resolve_case,
)
from .reporting import dealer_for_label, report_problem
from .sla import sweep_due_deadlines

__all__ = [
    "RemediationError",
    "add_note",
    "close_followup",
    "dealer_for_label",
    "reassign_dealer",
    "record_contact",
    "report_problem",
    "report_to_regulator",
    "resolve_case",
    "sweep_due_deadlines",
]
