"""Deadlines and escalation: start, settle and sweep the durable Deadline rows.

The sweep is the single clock (see remediation/models.py). It claims due rows
with `SELECT … FOR UPDATE SKIP LOCKED` in batches, so two workers never take the
same row, and each row is flipped pending→missed by a conditional UPDATE before
anything else happens, so a second run finds nothing to do. The Escalation's
one-to-one on the deadline is the last guard: one missed deadline, one escalation.
A batch writes its rows set-based (see `_miss`): a constant number of statements
whatever its size, all in the claim's transaction, so a worker killed mid-sweep
leaves whole batches or none.
"""

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from cases.services.labels import Origin
from core.bulk import id_list

from .. import notifications
from ..models import STEP_LEVEL, CaseEvent, Deadline, DeadlinePolicy, Escalation, Level, RemediationCase, Step
from .timeline import record_event, record_system_events

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def _local(dt: datetime) -> str:
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


def start_deadline(*, case: RemediationCase, step: str, now: datetime) -> Deadline:
    """Start the clock of `step` (once per case and step); returns the Deadline."""
    rule = DeadlinePolicy.rule(step)
    deadline, created = Deadline.objects.get_or_create(
        case=case,
        step=step,
        defaults={
            "level": STEP_LEVEL[step],
            "due_at": rule.due_from(now),
            "rule": rule.describe(),
            "created_at": now,
        },
    )
    if created:
        record_event(
            case=case,
            kind=CaseEvent.Kind.DEADLINE_SET,
            text=_("%(step)s：截止 %(due)s") % {"step": Step(step).label, "due": _local(deadline.due_at)},
            at=now,
        )
    return deadline


def complete_step(
    *, case: RemediationCase, step: str, now: datetime, origin: Origin | None = None
) -> tuple[Deadline | None, list[int]]:
    """The step is done: its pending deadline is met (or missed, and escalated, if already past due)."""
    deadline = Deadline.objects.select_for_update().filter(case=case, step=step).first()
    if deadline is None or deadline.state != Deadline.State.PENDING:
        return deadline, []
    if now > deadline.due_at:
        # Late but not yet swept: the same rule as the sweep, so the clock has one meaning.
        return deadline, _miss([deadline.pk], now)
    Deadline.objects.filter(pk=deadline.pk).update(state=Deadline.State.MET, settled_at=now)
    record_event(case=case, kind=CaseEvent.Kind.DEADLINE_MET, origin=origin, text=Step(step).label, at=now)
    return deadline, []


def cancel_pending(
    *, case: RemediationCase, now: datetime, origin: Origin | None = None, steps: Iterable[str] | None = None
) -> None:
    """Stop every running clock of the case (the case closed, or the step became moot)."""
    pending = Deadline.objects.filter(case=case, state=Deadline.State.PENDING)
    if steps is not None:
        pending = pending.filter(step__in=steps)
    for deadline in pending.select_for_update():
        Deadline.objects.filter(pk=deadline.pk).update(state=Deadline.State.CANCELLED, settled_at=now)
        record_event(
            case=case, kind=CaseEvent.Kind.DEADLINE_CANCELLED, origin=origin, text=Step(deadline.step).label, at=now
        )


def _escalated_text(level, reason):
    return _("升级至%(level)s：%(reason)s") % {"level": Level(level).label, "reason": Escalation.Reason(reason).label}


def _raise_level(case_ids, level, now):
    """Raise the cases to `level` (never lower): the one place escalation moves a case up."""
    if level == Level.ASSOCIATION:
        RemediationCase.objects.filter(pk__in=case_ids, escalation_level=Level.DEALER).update(escalation_level=level)
        return
    RemediationCase.objects.filter(pk__in=case_ids).update(escalation_level=level)
    # The association's follow-up is now in the regulator's hands.
    Escalation.objects.filter(case_id__in=case_ids, level=Level.ASSOCIATION, closed_at__isnull=True).update(
        closed_at=now
    )


def escalate(
    *,
    case: RemediationCase,
    level: str,
    reason: str,
    now: datetime,
    deadline: Deadline | None = None,
    actor: User | None = None,
    note: str = "",
) -> Escalation:
    """Record one escalation by hand (the association reports a case) and raise the case's level.

    Missed deadlines escalate in `_miss`, set-based; both raise the level through `_raise_level`.
    """
    escalation = Escalation.objects.create(
        case=case, deadline=deadline, level=level, reason=reason, note=note, created_at=now, created_by=actor
    )
    _raise_level([case.pk], level, now)
    if level == Level.REGULATOR or case.escalation_level == Level.DEALER:
        case.escalation_level = level
    record_event(case=case, kind=CaseEvent.Kind.ESCALATED, text=_escalated_text(level, reason), at=now)
    return escalation


# One escalation per missed deadline, written by the database from the deadlines themselves: a missed
# dealer step goes to the association; a missed follow-up to the regulator unless the case is there.
_INSERT_ESCALATIONS = """
INSERT INTO remediation_escalation (case_id, deadline_id, level, reason, note, created_at)
SELECT d.case_id, d.id, CASE WHEN d.level = %s THEN %s ELSE %s END, %s, '', %s
FROM remediation_deadline d
WHERE d.id IN ({ids}) AND d.state = %s AND (
    d.level = %s
    OR NOT EXISTS (SELECT 1 FROM remediation_escalation r WHERE r.case_id = d.case_id AND r.level = %s)
)
ORDER BY CASE WHEN d.level = %s THEN 0 ELSE 1 END, d.due_at, d.id
RETURNING id, case_id, level
"""

# The association's follow-up clock, once per case (a second missed dealer step adds none).
_INSERT_FOLLOWUPS = """
INSERT INTO remediation_deadline (case_id, step, level, due_at, rule, state, created_at)
SELECT DISTINCT d.case_id, %s, %s, %s, %s, %s, %s
FROM remediation_deadline d
WHERE d.id IN ({ids}) AND d.level = %s
    AND NOT EXISTS (SELECT 1 FROM remediation_deadline f WHERE f.case_id = d.case_id AND f.step = %s)
ON CONFLICT DO NOTHING
RETURNING case_id
"""


def _record_miss_events(ids, escalations, followups, followup_text, now):
    """Timeline and audit: a missed event per deadline, an escalated event per escalation, a clock started per
    follow-up, in that order; one INSERT … SELECT each for the events and their audit entries."""
    missed = " ".join("WHEN %s THEN %s" for _step in Step)
    escalated = " ".join("WHEN %s THEN %s" for _level in Level)
    parts = [
        (
            f"SELECT d.case_id AS case_id, %s AS kind, CASE d.step {missed} END AS text, 0 AS grp, d.id AS ord "
            f"FROM remediation_deadline d WHERE d.id IN ({id_list(ids)})",
            # Step labels translated once a batch, not once a row.
            [CaseEvent.Kind.DEADLINE_MISSED, *[v for step, label in Step.choices for v in (step, str(label))]],
        )
    ]
    if escalations:
        texts = [v for level in Level for v in (level, _escalated_text(level, Escalation.Reason.MISSED))]
        pks = [pk for pk, _case_id, _level in escalations]
        parts.append(
            (
                f"SELECT e.case_id, %s, CASE e.level {escalated} END, 1, e.id FROM remediation_escalation e "
                f"WHERE e.id IN ({id_list(pks)})",
                [CaseEvent.Kind.ESCALATED, *texts],
            )
        )
    if followups:
        parts.append(
            (
                f"SELECT f.case_id, %s, %s, 2, f.id FROM remediation_deadline f "
                f"WHERE f.step = %s AND f.case_id IN ({id_list(followups)})",
                [CaseEvent.Kind.DEADLINE_SET, followup_text, Step.FOLLOWUP],
            )
        )
    record_system_events(
        select_sql=" UNION ALL ".join(sql for sql, _params in parts),
        params=[v for _sql, params in parts for v in params],
        at=now,
        order_by="q.grp, q.ord",
    )


def _miss(ids, now):
    """Mark pending deadlines (locked by the caller, with their cases) missed and escalate them, set-based.

    A missed dealer deadline escalates to the association and starts its follow-up clock
    (one per case); a missed follow-up escalates to the regulator unless the case is already
    there. Every row is written by INSERT … SELECT from the deadlines' ids (escalations,
    follow-ups, events, audit entries, notifications): a constant number of statements per
    batch and no Python per row. Returns the e-mail/SMS ids to deliver.
    """
    if not ids:
        return []
    in_ids = id_list(ids)
    at = connection.ops.adapt_datetimefield_value(now)  # raw SQL: SQLite stores naive UTC text
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE remediation_deadline SET state = %s, settled_at = %s WHERE id IN ({in_ids}) AND state = %s",
            [Deadline.State.MISSED, at, Deadline.State.PENDING],
        )
        cursor.execute(
            _INSERT_ESCALATIONS.format(ids=in_ids),
            [Level.DEALER, Level.ASSOCIATION, Level.REGULATOR, Escalation.Reason.MISSED, at]
            + [Deadline.State.MISSED, Level.DEALER, Level.REGULATOR, Level.DEALER],
        )
        escalations = sorted(cursor.fetchall())
        by_level = {level: {case_id for _pk, case_id, lvl in escalations if lvl == level} for level in Level}
        followups, followup_text = [], ""
        if by_level[Level.ASSOCIATION]:
            rule = DeadlinePolicy.rule(Step.FOLLOWUP)
            due = rule.due_from(now)
            due_at = connection.ops.adapt_datetimefield_value(due)
            cursor.execute(
                _INSERT_FOLLOWUPS.format(ids=in_ids),
                [Step.FOLLOWUP, Level.ASSOCIATION, due_at, str(rule.describe()), Deadline.State.PENDING, at]
                + [Level.DEALER, Step.FOLLOWUP],
            )
            followups = sorted(case_id for (case_id,) in cursor.fetchall())
            followup_text = _("%(step)s：截止 %(due)s") % {"step": Step.FOLLOWUP.label, "due": _local(due)}
    for level in (Level.ASSOCIATION, Level.REGULATOR):
        if by_level[level]:
            _raise_level(by_level[level], level, now)
    _record_miss_events(ids, escalations, followups, followup_text, now)
    return notifications.insert_escalation_rows(escalations, now=timezone.now())


# The claim: due pending deadlines with their cases, each row locked or skipped (see sweep_due_deadlines).
_CLAIM = """
SELECT d.id FROM remediation_deadline d JOIN remediation_remediationcase c ON c.process_ptr_id = d.case_id
WHERE d.state = %s AND d.due_at < %s
ORDER BY d.due_at, d.id
LIMIT %s
"""


def sweep_due_deadlines(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Escalate every pending deadline due at `now`; returns how many were missed.

    Each batch is one transaction; a row another sweeper holds is skipped, not
    waited for, and is either settled by it or picked up by the next sweep.
    The case row is claimed with the deadline: a case a dealer or the association
    is changing right now (they lock the case, then its deadlines) is skipped
    until the next sweep, so the two lock orders can never deadlock.
    """
    now = now or timezone.now()
    batch_size = batch_size or getattr(settings, "SLA_SWEEP_BATCH_SIZE", BATCH_SIZE)
    # Only the fault test sets a pause: it kills a worker between two committed batches.
    pause = getattr(settings, "SLA_SWEEP_BATCH_PAUSE_MS", 0) / 1000
    claim = _CLAIM
    if connection.features.has_select_for_update_skip_locked:  # PostgreSQL; SQLite has one writer at a time
        claim += "FOR UPDATE OF d, c SKIP LOCKED"
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # On time up to due_at itself.
            cursor.execute(claim, [Deadline.State.PENDING, connection.ops.adapt_datetimefield_value(now), batch_size])
            batch = [pk for (pk,) in cursor.fetchall()]
            if not batch:
                break
            notifications.schedule_delivery(_miss(batch, now))
        total += len(batch)
        if len(batch) < batch_size:
            break
        if pause:
            time.sleep(pause)
    if total:
        logger.info("SLA sweep: %s deadline(s) missed and escalated", total)
    return total


def warn_due_soon(*, now: datetime | None = None, lead: timedelta | None = None) -> int:
    """Tell the dealer 30 minutes before each of its deadlines; returns how many deadlines were warned.

    `warned_at` is claimed by a conditional UPDATE, so overlapping sweeps warn once.
    """
    now = now or timezone.now()
    lead = lead or timedelta(minutes=settings.DEADLINE_WARNING_MINUTES)
    with transaction.atomic():
        due = list(
            Deadline.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=Deadline.State.PENDING, level=Level.DEALER, warned_at__isnull=True)
            .filter(due_at__gt=now, due_at__lte=now + lead)
            .select_related("case", "case__label")
            .order_by("due_at", "pk")[:BATCH_SIZE]
        )
        if not due:
            return 0
        Deadline.objects.filter(pk__in=[d.pk for d in due]).update(warned_at=now)
        recipients = {}
        rows = [row for deadline in due for row in notifications.due_soon_rows(deadline, recipients)]
        notifications.schedule_delivery(notifications.store(rows))
    return len(due)


def run_sweep() -> dict[str, int]:
    """One full sweep: our deadlines, then any viewflow `flow.Timer` another flow may use.

    Remediation itself has no viewflow timers; calling the dispatcher here keeps one
    beat entry for every clock in the project.
    """
    from viewflow.workflow.timers import fire_due_timers

    missed = sweep_due_deadlines()
    warned = warn_due_soon()
    fired = fire_due_timers()
    requeued = notifications.requeue_unsent()
    return {"missed": missed, "warned": warned, "viewflow_timers": fired, "requeued_notifications": requeued}
