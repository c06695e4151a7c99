"""Read queries for remediation: the three queues, a case's timeline (who may see what: accounts.permissions)."""

from __future__ import annotations

from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from accounts.models import User

from .models import CaseEvent, Deadline, Escalation, Level, Notification, RemediationCase, Stage


def _with_due(queryset: QuerySet[RemediationCase]) -> QuerySet[RemediationCase]:
    """Annotate the earliest pending deadline (what the case is waiting for)."""
    return (
        queryset.annotate(next_due=Min("deadlines__due_at", filter=Q(deadlines__state=Deadline.State.PENDING)))
        .select_related("label", "dealer", "appliance_model")
        .order_by(F("next_due").asc(nulls_last=True), "-pk")
    )


def dealer_open_cases(organization_id: int) -> QuerySet[RemediationCase]:
    return _with_due(RemediationCase.objects.filter(dealer_id=organization_id).exclude(stage=Stage.CLOSED))


def association_queue() -> QuerySet[RemediationCase]:
    """Cases the association must act on: an open follow-up, or no dealer yet."""
    open_followup = Escalation.objects.filter(case=OuterRef("pk"), level=Level.ASSOCIATION, closed_at__isnull=True)
    return _with_due(
        RemediationCase.objects.exclude(stage=Stage.CLOSED).filter(Q(Exists(open_followup)) | Q(dealer__isnull=True))
    )


def all_cases() -> QuerySet[RemediationCase]:
    return _with_due(RemediationCase.objects.all())


def regulator_cases() -> QuerySet[RemediationCase]:
    reached = Escalation.objects.filter(case=OuterRef("pk"), level=Level.REGULATOR)
    return _with_due(RemediationCase.objects.filter(Exists(reached)))


def case_detail(case_id: int) -> RemediationCase | None:
    return (
        RemediationCase.objects.select_related(
            "label", "new_label", "dealer", "appliance_model", "reported_by", "reporter_organization"
        )
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "organization")),
            Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at")),
            Prefetch("escalations", queryset=Escalation.objects.select_related("created_by")),
        )
        .filter(pk=case_id)
        .first()
    )


# viewflow's task statuses in our words (its own catalogue has no Chinese; the case page must not say "Done").
TASK_STATUS_LABELS = {
    "NEW": _("待办理"),
    "ASSIGNED": _("已领取"),
    "STARTED": _("办理中"),
    "SCHEDULED": _("已计划"),
    "DONE": _("已完成"),
    "CANCELED": _("已取消"),
    "ERROR": _("出错"),
    "REVIVED": _("已恢复"),
}


def case_tasks(case: RemediationCase) -> list[Task]:
    tasks = list(Task.objects.filter(process_id=case.pk).select_related("owner").order_by("created", "pk"))
    for task in tasks:
        task.status_label = TASK_STATUS_LABELS.get(task.status, task.status)
    return tasks


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, channel=Notification.Channel.INBOX).select_related("case")


def unread_inbox(user: User) -> QuerySet[Notification]:
    return inbox_of(user).filter(read_at__isnull=True)
