"""Recalls (召回/停售): the association withdraws a model, a batch or a run of labels, and can lift it.

A recall marks the labels it covers (`Label.recall`) in the same transaction as its audit row, so the
refusals in field services, the scan page and the follow-up list read one column. Labels are marked
in id order, the order every other multi-label writer locks them in. Overlapping recalls: a label
keeps the first one; lifting hands its labels to another active recall that also covers them.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from audit import services as audit
from core import serials

from ..models import ApplianceModel, Label, LabelBatch, Recall
from .labels import SYSTEM, Origin


class RecallError(Exception):
    """A refused recall or lift; `message` is shown to the reviewer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.status = status


def covered_labels(recall: Recall) -> QuerySet[Label]:
    """The labels a recall's scope covers (whatever recall they carry now)."""
    labels = Label.objects.filter(appliance_model_id=recall.appliance_model_id)
    if recall.scope == Recall.Scope.BATCH:
        labels = labels.filter(batch_id=recall.batch_id)
    elif recall.scope == Recall.Scope.RANGE:
        labels = labels.filter(batch_id=recall.batch_id, pk__gte=recall.first_label_id, pk__lte=recall.last_label_id)
    return labels


def _mark(recall: Recall, labels: QuerySet[Label]) -> int:
    """Point the unmarked labels of `labels` at `recall`, locking them in id order first."""
    ids = list(labels.filter(recall__isnull=True).order_by("pk").select_for_update().values_list("pk", flat=True))
    if ids:
        Label.objects.filter(pk__in=ids).update(recall=recall)
    return len(ids)


def _range_ids(batch: LabelBatch, first: str, last: str) -> tuple[int, int]:
    ends = []
    for text in (first, last):
        try:
            serial = serials.parse_code(text)
        except serials.InvalidSerial:
            raise RecallError(_("编码 %(code)s 无效。") % {"code": text}) from None
        label_id = Label.objects.filter(serial=serial, batch=batch).values_list("pk", flat=True).first()
        if label_id is None:
            raise RecallError(_("编码 %(code)s 不属于批次 #%(batch)s。") % {"code": serial, "batch": batch.pk})
        ends.append((label_id, serial))
    ends.sort()
    return ends[0][0], ends[1][0]


def recall(
    *,
    user: User,
    appliance_model_id: int,
    reason: str,
    recalled_on: date,
    batch_id: int | None = None,
    first_serial: str = "",
    last_serial: str = "",
    origin: Origin = SYSTEM,
) -> Recall:
    """Recall a whole model, one of its batches, or a run of one batch (first/last serial, print order)."""
    if not permissions.is_reviewer(user):
        raise RecallError(_("只有协会审核员可以召回。"), status=403)
    reason = (reason or "").strip()
    if not reason:
        raise RecallError(_("请填写召回原因。"))
    if recalled_on is None:
        raise RecallError(_("请填写召回日期。"))
    with transaction.atomic():
        model = ApplianceModel.objects.select_for_update().filter(pk=appliance_model_id).first()
        if model is None:
            raise RecallError(_("找不到该燃具型号。"), status=404)
        row = Recall(
            appliance_model=model,
            reason=reason[:255],
            recalled_on=recalled_on,
            created_by=user,
            scope=Recall.Scope.MODEL,
        )
        if batch_id:
            batch = LabelBatch.objects.filter(pk=batch_id, appliance_model=model).first()
            if batch is None:
                raise RecallError(_("该批次不属于这个型号。"))
            row.batch = batch
            row.scope = Recall.Scope.BATCH
            if first_serial or last_serial:
                if not (first_serial and last_serial):
                    raise RecallError(_("编码区间需要起始和结束两个编码。"))
                row.first_label_id, row.last_label_id = _range_ids(batch, first_serial, last_serial)
                row.first_serial, row.last_serial = (
                    Label.objects.get(pk=row.first_label_id).serial,
                    Label.objects.get(pk=row.last_label_id).serial,
                )
                row.scope = Recall.Scope.RANGE
        elif first_serial or last_serial:
            raise RecallError(_("编码区间必须在一个批次内：请选择批次。"))
        row.save()
        row.label_count = _mark(row, covered_labels(row))
        row.save(update_fields=["label_count"])
        if row.scope == Recall.Scope.MODEL:
            model.is_recalled = True
            model.recall_note = row.reason
            model.save(update_fields=["is_recalled", "recall_note"])
        audit.record(
            action="recall.create",
            obj=row,
            origin=origin,
            to_state="active",
            detail=f"{row.get_scope_display()}; {row.label_count} labels; {row.recalled_on}; {row.reason}",
        )
    return row


def lift_recall(*, user: User, recall_id: int, reason: str, origin: Origin = SYSTEM) -> Recall:
    """End a recall: its labels are free again unless another active recall covers them."""
    if not permissions.is_reviewer(user):
        raise RecallError(_("只有协会审核员可以解除召回。"), status=403)
    reason = (reason or "").strip()
    if not reason:
        raise RecallError(_("请填写解除原因。"))
    with transaction.atomic():
        model_id = Recall.objects.filter(pk=recall_id).values_list("appliance_model_id", flat=True).first()
        if model_id is None:
            raise RecallError(_("找不到该召回。"), status=404)
        # Model first, then the recall: the same order as recall() above.
        model = ApplianceModel.objects.select_for_update().get(pk=model_id)
        row = Recall.objects.select_for_update().get(pk=recall_id)
        if row.lifted_at is not None:
            raise RecallError(_("该召回已解除。"), status=409)
        row.lifted_at = timezone.now()
        row.lifted_by = user
        row.lift_reason = reason[:255]
        row.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        ids = list(Label.objects.filter(recall=row).order_by("pk").select_for_update().values_list("pk", flat=True))
        Label.objects.filter(pk__in=ids).update(recall=None)
        others = Recall.objects.filter(appliance_model=model, lifted_at__isnull=True).order_by("pk")
        for other in others:
            _mark(other, covered_labels(other).filter(pk__in=ids))
        if row.scope == Recall.Scope.MODEL and not others.filter(scope=Recall.Scope.MODEL).exists():
            model.is_recalled = False
            model.recall_note = ""
            model.save(update_fields=["is_recalled", "recall_note"])
        audit.record(
            action="recall.lift", obj=row, origin=origin, from_state="active", to_state="lifted", detail=row.lift_reason
        )
    return row
