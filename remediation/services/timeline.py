"""Writing the case timeline: every state change adds one CaseEvent."""

from django.utils import timezone

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
        buffer.append(event)
    else:
        event.save()
    return event
