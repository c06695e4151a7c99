"""Deadlines and escalation: start, settle and sweep the durable Deadline rows.

The sweep is the single clock (see remediation/models.py). It claims due rows
with `SELECT … FOR UPDATE SKIP LOCKED` in batches, so two workers never take the
same row, and each row is flipped pending→missed by a conditional UPDATE before
anything else happens, so a second run finds nothing to do. The Escalation's
one-to-one on the deadline is the last guard: one missed deadline, one escalation.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit import services as audit

from .. import notifications
from ..models import STEP_LEVEL, CaseEvent, Deadline, DeadlinePolicy, Escalation, Level, RemediationCase, Step
from .timeline import audit_entry, record_event

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def _local(dt):
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


class SweepBatch:
    """What one sweep batch shares: looked-up durations and recipients, and rows to insert in bulk."""

    def __init__(self):
        self.events = []
        self.notifications = []
        self.rules = {}
        self.recipients = {}

    def rule(self, step):
        if step not in self.rules:
            self.rules[step] = DeadlinePolicy.rule(step)
        return self.rules[step]

    def flush(self):
        """Insert the buffered rows; returns the ids of e-mail/SMS notifications to deliver."""
        CaseEvent.objects.bulk_create(self.events)
        audit.record_many([audit_entry(event) for event in self.events])
        outbound = notifications.store(self.notifications)
        self.events, self.notifications = [], []
        return outbound


def start_deadline(case, step, now, batch=None):
    """Start the clock of `step` (once per case and step); returns the Deadline."""
    rule = batch.rule(step) if batch else DeadlinePolicy.rule(step)
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
            case,
            CaseEvent.Kind.DEADLINE_SET,
            text=_("%(step)s：截止 %(due)s") % {"step": Step(step).label, "due": _local(deadline.due_at)},
            at=now,
            buffer=batch.events if batch else None,
        )
    return deadline


def complete_step(case, step, now, origin=None):
    """The step is done: its pending deadline is met (or missed, and escalated, if already past due)."""
    deadline = Deadline.objects.select_for_update().filter(case=case, step=step).first()
    if deadline is None or deadline.state != Deadline.State.PENDING:
        return deadline, []
    if now > deadline.due_at:
        # Late but not yet swept: the same rule as the sweep, so the clock has one meaning.
        deadline.case = case
        return deadline, _miss([deadline], now)
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


def escalate(case, level, reason, now, deadline=None, actor=None, note="", batch=None):
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
    if level == Level.REGULATOR or case.escalation_level == Level.DEALER:
        case.escalation_level = level
    record_event(
        case,
        CaseEvent.Kind.ESCALATED,
        text=_("升级至%(level)s：%(reason)s")
        % {"level": Level(level).label, "reason": Escalation.Reason(reason).label},
        at=now,
        buffer=batch.events if batch else None,
    )
    return escalation


def _miss(deadlines, now):
    """Mark pending deadlines (locked by the caller) missed and escalate them, set-based.

    A missed dealer deadline escalates to the association and starts its follow-up
    clock (one per case); a missed follow-up escalates to the regulator unless the
    association already reported the case. Returns the e-mail/SMS ids to deliver.
    """
    if not deadlines:
        return []
    batch = SweepBatch()
    Deadline.objects.filter(pk__in=[d.pk for d in deadlines], state=Deadline.State.PENDING).update(
        state=Deadline.State.MISSED, settled_at=now
    )
    cases = {d.case_id: d.case for d in deadlines}
    for d in deadlines:
        record_event(d.case, CaseEvent.Kind.DEADLINE_MISSED, text=Step(d.step).label, at=now, buffer=batch.events)
    dealer_level = [d for d in deadlines if d.level == Level.DEALER]
    followups = [d for d in deadlines if d.level == Level.ASSOCIATION]
    reported = set(
        Escalation.objects.filter(case_id__in=[d.case_id for d in followups], level=Level.REGULATOR).values_list(
            "case_id", flat=True
        )
    )
    to_regulator = [d for d in followups if d.case_id not in reported]
    escalations = Escalation.objects.bulk_create(
        [
            Escalation(case=d.case, deadline=d, level=level, reason=Escalation.Reason.MISSED, created_at=now)
            for level, group in ((Level.ASSOCIATION, dealer_level), (Level.REGULATOR, to_regulator))
            for d in group
        ]
    )
    if dealer_level:
        RemediationCase.objects.filter(pk__in={d.case_id for d in dealer_level}, escalation_level=Level.DEALER).update(
            escalation_level=Level.ASSOCIATION
        )
    if to_regulator:
        regulator_cases = {d.case_id for d in to_regulator}
        RemediationCase.objects.filter(pk__in=regulator_cases).update(escalation_level=Level.REGULATOR)
        # The association's follow-up is now in the regulator's hands.
        Escalation.objects.filter(case_id__in=regulator_cases, level=Level.ASSOCIATION, closed_at__isnull=True).update(
            closed_at=now
        )
    for escalation in escalations:
        record_event(
            escalation.case,
            CaseEvent.Kind.ESCALATED,
            text=_("升级至%(level)s：%(reason)s")
            % {"level": Level(escalation.level).label, "reason": Escalation.Reason.MISSED.label},
            at=now,
            buffer=batch.events,
        )
        batch.notifications.extend(notifications.escalation_rows(escalation, batch.recipients))
    _start_followups({d.case_id for d in dealer_level}, cases, now, batch)
    return batch.flush()


def _start_followups(case_ids, cases, now, batch):
    """The association's follow-up clock, once per case (a second missed dealer step adds none)."""
    if not case_ids:
        return
    existing = set(Deadline.objects.filter(case_id__in=case_ids, step=Step.FOLLOWUP).values_list("case_id", flat=True))
    rule = batch.rule(Step.FOLLOWUP)
    due = rule.due_from(now)
    new = [
        Deadline(
            case_id=pk,
            step=Step.FOLLOWUP,
            level=Level.ASSOCIATION,
            due_at=due,
            rule=rule.describe(),
            created_at=now,
        )
        for pk in sorted(case_ids - existing)
    ]
    # ignore_conflicts: a concurrent sweep may start the same case's follow-up from its other dealer step.
    Deadline.objects.bulk_create(new, ignore_conflicts=True)
    text = _("%(step)s：截止 %(due)s") % {"step": Step.FOLLOWUP.label, "due": _local(due)}
    for deadline in new:
        record_event(cases[deadline.case_id], CaseEvent.Kind.DEADLINE_SET, text=text, at=now, buffer=batch.events)


def sweep_due_deadlines(now=None, batch_size=None):
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
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                Deadline.objects.select_for_update(skip_locked=True, of=("self", "case"))
                .filter(state=Deadline.State.PENDING, due_at__lt=now)  # on time up to due_at itself
                .select_related("case", "case__label")  # the label serial goes into messages
                .order_by("due_at", "pk")[:batch_size]
            )
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


def warn_due_soon(now=None, lead=None):
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


def run_sweep():
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
