"""Reading the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from core.serials import InvalidSerial, normalize

from .models import AuditEntry


def audit_entries(*, object_id: str = "", action: str = "", actor: str = "") -> QuerySet[AuditEntry]:
    """Newest first. Filters: object id (a label serial as typed or scanned, a case or batch number),
    action prefix (label. / case. / batch. / declaration.), actor username."""
    entries = AuditEntry.objects.all()
    object_id = object_id.strip()
    if object_id:
        try:
            object_id = normalize(object_id)
        except InvalidSerial:
            pass  # a case/batch/declaration number
        entries = entries.filter(object_id=object_id)
    if action.strip():
        entries = entries.filter(action__startswith=action.strip())
    if actor.strip():
        entries = entries.filter(actor_name=actor.strip())
    return entries.order_by("-at", "-pk")
