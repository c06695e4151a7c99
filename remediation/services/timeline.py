"""Writing the case timeline: every state change adds one CaseEvent."""

from django.utils import timezone

from ..models import CaseEvent


def record_event(case, kind, origin=None, text="", at=None):
    actor = getattr(origin, "actor", None)
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        text=str(text),
        actor=actor,
        organization=getattr(actor, "organization", None),
        source=getattr(origin, "source", "system"),
        at=at or timezone.now(),
    )
