"""Read queries for the back office: what each user may see, and label counts by state."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts import permissions
from accounts.models import User

from . import print_files
from .models import (
    ApplianceModel,
    Declaration,
    Document,
    Label,
    LabelBatch,
    LabelBatchTransition,
    LabelState,
    LabelTransition,
    PrintJob,
    Recall,
)

# Who may use the back office and see which company's rows: accounts.permissions (names kept for callers).
is_reviewer = permissions.is_reviewer
is_manufacturer = permissions.is_manufacturer
can_use_back_office = permissions.can_use_back_office
_scoped = permissions.scope_to_manufacturer


def models_for(user: User) -> QuerySet[ApplianceModel]:
    return _scoped(ApplianceModel.objects.select_related("manufacturer"), user, "manufacturer_id")


def declarations_for(user: User) -> QuerySet[Declaration]:
    return _scoped(
        Declaration.objects.select_related(
            "appliance_model", "appliance_model__manufacturer", "submitted_by", "reviewed_by"
        ),
        user,
        "appliance_model__manufacturer_id",
    )


def batches_for(user: User) -> QuerySet[LabelBatch]:
    return _scoped(
        LabelBatch.objects.select_related("appliance_model", "appliance_model__manufacturer", "issued_to"),
        user,
        "appliance_model__manufacturer_id",
    )


def labels_for(user: User) -> QuerySet[Label]:
    return _scoped(
        Label.objects.select_related("appliance_model", "batch").order_by("pk"),
        user,
        "appliance_model__manufacturer_id",
    )


def documents_for(user: User) -> QuerySet[Document]:
    return _scoped(Document.objects.select_related("appliance_model"), user, "appliance_model__manufacturer_id")


def state_counts(labels: QuerySet[Label]) -> QuerySet[Label, dict[str, object]]:
    """Per brand and model: how many labels are in each state (one GROUP BY query)."""
    per_state = {state: Count("pk", filter=Q(state=state)) for state in LabelState.values}
    return (
        labels.order_by()
        .values("appliance_model", "appliance_model__brand", "appliance_model__model_number")
        .annotate(total=Count("pk"), **per_state)
        .order_by("appliance_model__brand", "appliance_model__model_number")
    )


def batch_state_counts(batch: LabelBatch) -> dict[str, int]:
    """{state: count} for one batch."""
    rows = Label.objects.filter(batch=batch).order_by().values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def print_jobs_for(user: User, batch: LabelBatch) -> QuerySet[PrintJob]:
    """The batch's print jobs, newest first (the association prints; others see none)."""
    if not is_reviewer(user):
        return PrintJob.objects.none()
    return batch.print_jobs.select_related("started_by").order_by("-created_at", "-pk")


def generation_progress(batch: LabelBatch, now: datetime | None = None) -> dict[str, int | bool]:
    """Labels generated so far: {generated, quantity, generating, waiting_for_worker}.

    `waiting_for_worker`: still nothing generated long after approval, so no worker takes the
    `print` queue (the pages say so instead of spinning forever).
    """
    now = now or timezone.now()
    generating = batch.stage == LabelBatch.Stage.GENERATING
    generated = Label.objects.filter(batch_id=batch.pk).count() if generating else batch.quantity
    waited = (now - batch.created_at).total_seconds()
    return {
        "generated": generated,
        "quantity": batch.quantity,
        "generating": generating,
        "waiting_for_worker": generating and generated == 0 and waited > settings.PRINT_WORKER_WAIT_SECONDS,
    }


def print_job_progress(job: PrintJob, now: datetime | None = None) -> dict[str, object]:
    """One job as the page shows it: state, done/total, seconds left, why it failed, whether it waits for a worker."""
    now = now or timezone.now()
    State = PrintJob.State
    eta = None
    if job.state == State.RUNNING and job.done and job.started_at:
        elapsed = (now - job.started_at).total_seconds()
        eta = round(elapsed / job.done * (job.total - job.done))
    waiting = job.state == State.QUEUED and (now - job.created_at).total_seconds() > settings.PRINT_WORKER_WAIT_SECONDS
    stalled = (
        job.state == State.RUNNING
        and job.heartbeat_at is not None
        and (now - job.heartbeat_at).total_seconds() > settings.PRINT_JOB_STALL_SECONDS
    )
    return {
        "id": job.pk,
        "kind": job.kind,
        "kind_label": str(job.get_kind_display()),
        "file_name": print_files.file_name(job),
        "started_by": (job.started_by.get_full_name() or job.started_by.username) if job.started_by else "",
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "done": job.done,
        "total": job.total,
        "eta_seconds": eta,
        "error": job.error,
        "waiting_for_worker": waiting or stalled,
    }


def recalls() -> QuerySet[Recall]:
    """Every recall, active first, newest first (the association's recall page)."""
    return Recall.objects.select_related("appliance_model__manufacturer", "batch", "created_by", "lifted_by").order_by(
        "-lifted_at", "-created_at", "-pk"
    )[:500]


def label_history(label: Label) -> list[LabelTransition | LabelBatchTransition]:
    """Every state change of one label, oldest first: its own log rows and the batch moves that moved it.

    A batch move out of state A moved exactly the batch's labels that were in A at that moment (the rest had
    been voided or moved on their own). No transition leads back into `declared` or `printed`, so a label was
    moved iff it had reached A (labels start declared; or an earlier entry led to A) and its own log shows no
    transition out of A. This holds whatever the clocks say (timestamps of concurrent transactions need not
    follow their commit order). Two queries.
    """
    own = list(label.transitions.select_related("actor", "organization"))
    left = {entry.from_state for entry in own}
    reached = {LabelState.DECLARED} | {entry.to_state for entry in own}
    entries: list[LabelTransition | LabelBatchTransition] = list(own)
    for move in LabelBatchTransition.objects.filter(batch_id=label.batch_id).select_related("actor", "organization"):
        if move.from_state in reached and move.from_state not in left:  # moves come in order: print, activate
            entries.append(move)
            reached.add(move.to_state)
    return sorted(entries, key=lambda entry: (entry.at, isinstance(entry, LabelTransition), entry.pk))
