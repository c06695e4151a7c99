"""Deadlines and escalation: start, settle and sweep the durable Deadline rows.

The sweep is the single clock (see remediation/models.py). It claims due rows
with `SELECT … FOR UPDATE SKIP LOCKED` in batches, so two workers never take the
same row, and each row is flipped pending→missed by a conditional UPDATE before
anything else happens, so a second run finds nothing to do. The Escalation's
one-to-one on the deadline is the last guard: one missed deadline, one escalation.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import STEP_LEVEL, CaseEvent, Deadline, DeadlinePolicy, Escalation, Level, RemediationCase, Step
from .timeline import record_event

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def _local(dt):
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


def start_deadline(case, step, now):
    """Start the clock of `step` (once per case and step); returns the Deadline."""
    deadline, created = Deadline.objects.get_or_create(
        case=case,
        step=step,
        defaults={"level": STEP_LEVEL[step], "due_at": now + DeadlinePolicy.duration(step), "created_at": now},
    )
    if created:
        record_event(
            case,
            CaseEvent.Kind.DEADLINE_SET,
            text=_("%(step)s：截止 %(due)s") % {"step": Step(step).label, "due": _local(deadline.due_at)},
            at=now,
        )
    return deadline


def complete_step(case, step, now, origin=None):
    """The step is done: its pending deadline is met (or missed, and escalated, if already past due)."""
    deadline = Deadline.objects.select_for_update().filter(case=case, step=step).first()
    if deadline is None or deadline.state != Deadline.State.PENDING:
        return deadline, []
    if now > deadline.due_at:
        # Late but not yet swept: the same rule as the sweep, so the clock has one meaning.
        return deadline, _miss(deadline, now)
    Deadline.objects.filter(pk=deadline.pk).update(state=Deadline.State.MET, settled_at=now)
    record_event(case, CaseEvent.Kind.DEADLINE_MET, origin, Step(step).label, at=now)
    return deadline, []


def cancel_pending(case, now, origin=None, steps=None):
    """Stop every running clock of the case (the case closed, or the step became moot)."""
    pending = Deadline.objects.filter(case=case, state=Deadline.State.PENDING)
    if steps is not None:
        pending = pending.filter(step__in=steps)
    for deadline in pending.select_for_update():
        Deadline.objects.filter(pk=deadline.pk).update(state=Deadline.State.CANCELLED, settled_at=now)
        record_event(case, CaseEvent.Kind.DEADLINE_CANCELLED, origin, Step(deadline.step).label, at=now)


def escalate(case, level, reason, now, deadline=None, actor=None, note=""):
    """Record an escalation and raise the case's level (never lowers it)."""
    escalation = Escalation.objects.create(
        case=case, deadline=deadline, level=level, reason=reason, note=note, created_at=now, created_by=actor
    )
    if level == Level.ASSOCIATION:
        RemediationCase.objects.filter(pk=case.pk, escalation_level=Level.DEALER).update(escalation_level=level)
    else:
        RemediationCase.objects.filter(pk=case.pk).update(escalation_level=level)
        # The association's follow-up is now in the regulator's hands.
        Escalation.objects.filter(case=case, level=Level.ASSOCIATION, closed_at__isnull=True).update(closed_at=now)
    case.escalation_level = RemediationCase.objects.filter(pk=case.pk).values_list("escalation_level", flat=True)[0]
    record_event(
        case,
        CaseEvent.Kind.ESCALATED,
        text=_("升级至%(level)s：%(reason)s") % {"level": Level(level).label, "reason": Escalation.Reason(reason).label},
        at=now,
    )
    return escalation


def _miss(deadline, now):
    """Mark one pending deadline missed and escalate it; returns outbound notification ids."""
    from .. import notifications

    if not Deadline.objects.filter(pk=deadline.pk, state=Deadline.State.PENDING).update(
        state=Deadline.State.MISSED, settled_at=now
    ):
        return []  # someone else settled it first
    case = deadline.case
    record_event(case, CaseEvent.Kind.DEADLINE_MISSED, text=Step(deadline.step).label, at=now)
    if deadline.level == Level.DEALER:
        escalation = escalate(case, Level.ASSOCIATION, Escalation.Reason.MISSED, now, deadline=deadline)
        start_deadline(case, Step.FOLLOWUP, now)
    else:
        if Escalation.objects.filter(case=case, level=Level.REGULATOR).exists():
            return []
        escalation = escalate(case, Level.REGULATOR, Escalation.Reason.MISSED, now, deadline=deadline)
    return notifications.notify_escalation(escalation)


def sweep_due_deadlines(now=None, batch_size=BATCH_SIZE):
    """Escalate every pending deadline due at `now`; returns how many were missed.

    Each batch is one transaction; a row another sweeper holds is skipped, not
    waited for, and is either settled by it or picked up by the next sweep.
    """
    from .. import notifications

    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state=Deadline.State.PENDING, due_at__lt=now)  # on time up to due_at itself
                .select_related("case")
                .order_by("due_at", "pk")[:batch_size]
            )
            if not batch:
                break
            outbound = []
            for deadline in batch:
                outbound.extend(_miss(deadline, now))
            notifications.schedule_delivery(outbound)
        total += len(batch)
        if len(batch) < batch_size:
            break
    if total:
        logger.info("SLA sweep: %s deadline(s) missed and escalated", total)
    return total


def run_sweep():
    """One full sweep: our deadlines, then any viewflow `flow.Timer` another flow may use.

    Remediation itself has no viewflow timers; calling the dispatcher here keeps one
    beat entry for every clock in the project.
    """
    from viewflow.workflow.timers import fire_due_timers

    missed = sweep_due_deadlines()
    fired = fire_due_timers()
    return {"missed": missed, "viewflow_timers": fired}
