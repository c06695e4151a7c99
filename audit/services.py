"""Writing the audit log. Call inside the transaction of the change being logged."""

from django.utils import timezone

from core.bulk import insert_rows

from .models import AuditEntry


def entry(
    action,
    obj=None,
    *,
    object_type="",
    object_id="",
    origin=None,
    actor=None,
    source=None,
    from_state="",
    to_state="",
    detail="",
    at=None,
):
    """An unsaved AuditEntry for `action` on `obj` (or object_type/object_id), by `origin` or `actor`."""
    actor = getattr(origin, "actor", None) if actor is None else actor
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(obj.pk)
    return AuditEntry(
        at=at or timezone.now(),
        action=action[:60],
        object_type=object_type[:40],
        object_id=str(object_id)[:64],
        object_repr=str(obj)[:120] if obj is not None else "",
        from_state=from_state or "",
        to_state=to_state or "",
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "")[:150] if actor is not None else "",
        organization_id=getattr(actor, "organization_id", None),
        source=source or getattr(origin, "source", None) or AuditEntry.Source.SYSTEM,
        ip_address=getattr(origin, "ip_address", None),
        detail=str(detail or ""),
    )


def record(action, obj=None, **kwargs):
    """Write one audit entry now; returns it."""
    row = entry(action, obj, **kwargs)
    row.save()
    return row


def record_many(rows):
    """Insert unsaved entries in one statement (sweeps and batch moves)."""
    return AuditEntry.objects.bulk_create(rows) if rows else []


def record_system_many(rows: list[tuple], *, at) -> int:
    """Insert entries made by the system at `at`, (action, object_type, object_id, to_state, detail) each.

    Plain tuples, no model instance per row: what a sweep writes thousands of per batch.
    """
    columns = ["at", "action", "object_type", "object_id", "to_state", "detail", "source"]
    system = AuditEntry.Source.SYSTEM
    return insert_rows(
        AuditEntry,
        columns,
        [
            (at, action[:60], kind[:40], object_id[:64], to_state, detail, system)
            for action, kind, object_id, to_state, detail in rows
        ],
    )
