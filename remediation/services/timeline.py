"""Writing the case timeline: every state change adds one CaseEvent."""

from datetime import datetime

from django.db import connection
from django.utils import timezone

from audit import services as audit
from audit.models import AuditEntry
from cases.services.labels import Origin
from core.bulk import insert_select

from ..models import CaseEvent, RemediationCase


def record_event(
    *, case: RemediationCase, kind: str, origin: Origin | None = None, text: object = "", at: datetime | None = None
) -> CaseEvent:
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
    audit.record_many([audit_entry(event=event, origin=origin)])
    return event


def record_system_events(*, select_sql: str, params: list, at: datetime, order_by: str) -> None:
    """The sweep's events, one per row of `select_sql` (case_id, kind, text, and the columns of `order_by`),
    with their audit entries: set-based, by the system, the audit row naming the case's stage."""
    when = connection.ops.adapt_datetimefield_value(at)  # raw SQL: SQLite stores naive UTC text
    events = f"SELECT s.*, %s AS source, %s AS at FROM ({select_sql}) s"
    insert_select(
        CaseEvent, ["case_id", "kind", "text", "source", "at"], events, ["system", when, *params], order_by=order_by
    )
    cases = RemediationCase._meta.db_table
    entries = (
        "SELECT s.*, 'case.' || s.kind AS action, 'remediationcase' AS object_type, "
        "CAST(s.case_id AS TEXT) AS object_id, c.stage AS to_state, s.text AS detail "
        f"FROM ({select_sql}) s JOIN {cases} c ON c.process_ptr_id = s.case_id"
    )
    audit.record_system_select(select_sql=entries, params=params, at=at, order_by=order_by)


def audit_entry(*, event: CaseEvent, origin: Origin | None = None) -> AuditEntry:
    """The audit-log entry of a case event (same who/when/from where)."""
    return audit.entry(
        action=f"case.{event.kind}",
        object_type="remediationcase",
        object_id=event.case_id,
        origin=origin,
        actor=event.actor,
        source=event.source,
        to_state=getattr(event.case, "stage", ""),
        detail=event.text,
        at=event.at,
    )
