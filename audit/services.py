"""Writing the audit log. Call inside the transaction of the change being logged."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from core.bulk import insert_select

from .models import AuditEntry


class Origin(Protocol):
    """Who asked and from where: cases.services.labels.Origin fits (this room sits below it, so it names the shape)."""

    @property
    def actor(self) -> AbstractBaseUser | None: ...

    @property
    def source(self) -> str: ...

    @property
    def ip_address(self) -> str | None: ...


def entry(
    *,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    origin: Origin | None = None,
    actor: AbstractBaseUser | None = None,
    source: str | None = None,
    from_state: str | None = "",
    to_state: str | None = "",
    detail: object = "",
    at: datetime | None = None,
) -> AuditEntry:
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


def record(*, action: str, obj: Model | None = None, **kwargs: Any) -> AuditEntry:
    """Write one audit entry now; returns it."""
    row = entry(action=action, obj=obj, **kwargs)
    row.save()
    return row


def record_many(rows: list[AuditEntry]) -> list[AuditEntry]:
    """Insert unsaved entries in one statement (sweeps and batch moves)."""
    return AuditEntry.objects.bulk_create(rows) if rows else []


def record_system_select(*, select_sql: str, params: list, at: datetime, order_by: str = "") -> int:
    """Insert one entry made by the system at `at` per row of `select_sql`, set-based; returns the count.

    The SELECT names its columns action, object_type, object_id, to_state and detail (within their
    lengths), plus any it orders by: what a sweep writes thousands of per batch, no Python per row.
    """
    columns = ["at", "action", "object_type", "object_id", "to_state", "detail", "source"]
    select = f"SELECT s.*, %s AS at, %s AS source FROM ({select_sql}) s"
    at = connection.ops.adapt_datetimefield_value(at)  # raw SQL: SQLite stores naive UTC text
    return insert_select(AuditEntry, columns, select, [at, AuditEntry.Source.SYSTEM, *params], order_by=order_by)
