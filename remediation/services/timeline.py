"""Writing the case timeline: every state change adds one CaseEvent."""

from django.utils import timezone

from audit import services as audit

from ..models import CaseEvent


def record_event(case, kind, origin=None, text="", at=None, buffer=None):
    """Add one event; with `buffer` (a list) the unsaved event is appended for one bulk insert later."""
    actor = getattr(origin, "actor", None)
    event = CaseEvent(
        case=case,
        kind=kind,
        text=str(text),
        actor=actor,
        organization=getattr(actor, "organization", None),
        source=getattr(origin, "source", "system"),
        at=at or timezone.now(),
    )
    if buffer is not None:
        buffer.append(event)  # the sweep's flush() writes the audit entries with the events
    else:
        event.save()
        audit.record_many([audit_entry(event, origin)])
    return event


def audit_entry(event, origin=None):
    """The audit-log entry of a case event (same who/when/from where)."""
    return audit.entry(
        f"case.{event.kind}",
        object_type="remediationcase",
        object_id=event.case_id,
        origin=origin,
        actor=event.actor,
        source=event.source,
        to_state=getattr(event.case, "stage", ""),
        detail=event.text,
        at=event.at,
    )
