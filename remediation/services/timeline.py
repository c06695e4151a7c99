"""Writing the case timeline: every state change adds one CaseEvent."""

from django.utils import timezone

from audit import services as audit
from core.bulk import insert_rows

from ..models import CaseEvent


def record_event(case, kind, origin=None, text="", at=None):
    """Add one event and its audit entry."""
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
    event.save()
    audit.record_many([audit_entry(event, origin)])
    return event


def record_system_events(events: list[tuple], cases: dict, at) -> None:
    """The sweep's events, (case_id, kind, text) each, with their audit entries: set-based, by the system."""
    insert_rows(CaseEvent, ["case_id", "kind", "text", "source", "at"], [(*event, "system", at) for event in events])
    audit.record_system_many(
        [
            (f"case.{kind}", "remediationcase", str(case_id), cases[case_id].stage, text)
            for case_id, kind, text in events
        ],
        at=at,
    )


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
