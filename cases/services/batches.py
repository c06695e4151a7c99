"""Label batches: generate, print, activate and issue whole batches, set-based.

Each batch operation runs a fixed number of statements however many labels
the batch holds (on PostgreSQL one statement moves the labels and logs them:
an UPDATE ... RETURNING feeding an INSERT; elsewhere an UPDATE, then an
INSERT ... SELECT), so activating 100 000 labels costs what activating 10 does.
Single labels still change only through services.labels.apply_transition.
"""

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from core import serials

from ..models import Declaration, Label, LabelBatch, LabelState, LabelTransition
from .labels import SYSTEM

Stage = LabelBatch.Stage


class BatchStageError(Exception):
    """The batch is not at the stage the operation needs (e.g. activating before printing)."""

    def __init__(self, batch, message):
        super().__init__(message)
        self.batch = batch
        self.message = message


def create_batch(declaration):
    """The (empty) batch of an approved declaration; labels follow in generate_labels. Idempotent."""
    if declaration.status != Declaration.Status.APPROVED:
        raise BatchStageError(None, _("申报尚未批准，不能生成标识。"))
    batch, _created = LabelBatch.objects.get_or_create(
        declaration=declaration,
        defaults={"appliance_model_id": declaration.appliance_model_id, "quantity": declaration.quantity},
    )
    return batch


def generate_labels(batch_id, chunk_size=None):
    """Create the batch's missing labels in chunks of bulk INSERTs; safe to run again after a crash.

    Each chunk commits on its own (under the batch's row lock, recounting what
    exists), so the pages can show "n / N generated" while it runs, a killed
    worker loses at most one chunk, and two runs never overshoot the quantity.
    Returns the number of labels created by this call.
    """
    chunk_size = chunk_size or settings.LABEL_CHUNK_SIZE
    created = 0
    while True:
        with transaction.atomic():
            batch = LabelBatch.objects.select_for_update().get(pk=batch_id)
            if batch.stage != Stage.GENERATING:
                return created
            missing = batch.quantity - Label.objects.filter(batch_id=batch.pk).count()
            if missing <= 0:
                batch.stage = Stage.GENERATED
                batch.generated_at = timezone.now()
                batch.save(update_fields=["stage", "generated_at"])
                return created
            size = min(chunk_size, missing)
            rows = [
                Label(serial=serials.new_serial(), batch_id=batch.pk, appliance_model_id=batch.appliance_model_id)
                for _ in range(size)
            ]
            try:
                with transaction.atomic():  # savepoint: a serial collision retries only this chunk
                    Label.objects.bulk_create(rows, batch_size=size)
            except IntegrityError:
                continue
            created += size


_LOG_FIELDS = ["label", "name", "from_state", "to_state", "actor", "organization", "source", "ip_address", "note", "at"]


def _log_values(name, from_state, to_state, at, origin, note):
    """The log row's values after `label`, in _LOG_FIELDS order."""
    actor_id = getattr(origin.actor, "pk", None)
    organization_id = getattr(origin.actor, "organization_id", None)
    return [name, from_state, to_state, actor_id, organization_id, origin.source, origin.ip_address, note[:255], at]


def _log_columns():
    quote = connection.ops.quote_name
    return ", ".join(quote(LabelTransition._meta.get_field(f).column) for f in _LOG_FIELDS)


def _move_and_log(batch_id, name, from_state, to_state, at, origin, note):
    """PostgreSQL: UPDATE the batch's labels and log each moved one in one statement; returns how many moved.

    The INSERT reads the UPDATE's RETURNING rows, so the labels are read once (not again to find what moved).
    """
    quote = connection.ops.quote_name
    label = Label._meta
    log = LabelTransition._meta
    # Typed placeholders: an untyped NULL (a system move has no actor) would be read as text.
    placeholders = ", ".join(f"%s::{log.get_field(f).db_type(connection)}" for f in _LOG_FIELDS[1:])
    sql = (
        f"WITH moved AS (UPDATE {quote(label.db_table)} SET {quote(label.get_field('state').column)} = %s, "
        f"{quote(label.get_field('state_changed_at').column)} = %s "
        f"WHERE {quote(label.get_field('batch').column)} = %s AND {quote(label.get_field('state').column)} = %s "
        f"RETURNING {quote(label.pk.column)}) "
        f"INSERT INTO {quote(log.db_table)} ({_log_columns()}) SELECT {quote(label.pk.column)}, {placeholders} FROM moved"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [to_state, at, batch_id, from_state, *_log_values(name, from_state, to_state, at, origin, note)]
        )
        return cursor.rowcount


def _log_bulk(batch_id, name, from_state, to_state, at, origin, note):
    """INSERT ... SELECT one log row per label this operation just moved (they carry `at` exactly)."""
    actor_id = getattr(origin.actor, "pk", None)
    organization_id = getattr(origin.actor, "organization_id", None)
    select = (
        Label.objects.filter(batch_id=batch_id, state=to_state, state_changed_at=at)
        .order_by()
        .annotate(
            _name=Value(name, output_field=models.CharField()),
            _from=Value(from_state, output_field=models.CharField()),
            _to=Value(to_state, output_field=models.CharField()),
            _actor=Value(actor_id, output_field=models.BigIntegerField()),
            _org=Value(organization_id, output_field=models.BigIntegerField()),
            _source=Value(origin.source, output_field=models.CharField()),
            _ip=Value(origin.ip_address, output_field=models.GenericIPAddressField()),
            _note=Value(note[:255], output_field=models.CharField()),
            _at=Value(at, output_field=models.DateTimeField()),
        )
        .values_list("id", "_name", "_from", "_to", "_actor", "_org", "_source", "_ip", "_note", "_at")
    )
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(LabelTransition._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({_log_columns()}) {sql}", params)
        return cursor.rowcount


def _move_batch(batch_id, *, need_stage, new_stage, name, from_state, to_state, origin, note, batch_fields):
    with transaction.atomic():
        # The model comes along (the audit entry names it) but only the batch row is locked.
        batch = LabelBatch.objects.select_for_update(of=("self",)).select_related("appliance_model").get(pk=batch_id)
        if batch.stage != need_stage:
            raise BatchStageError(
                batch,
                _("批次 #%(id)s 当前阶段为「%(stage)s」，不能执行该操作。")
                % {"id": batch.pk, "stage": batch.get_stage_display()},
            )
        at = timezone.now()
        if connection.vendor == "postgresql":
            moved = _move_and_log(batch.pk, name, from_state, to_state, at, origin, note)
        else:
            # UPDATE first: the moved rows stay locked by this transaction, so the
            # log below sees exactly them (voided labels keep their state and are skipped).
            moved = Label.objects.filter(batch_id=batch.pk, state=from_state).update(
                state=to_state, state_changed_at=at
            )
            logged = _log_bulk(batch.pk, name, from_state, to_state, at, origin, note)
            if logged not in (moved, -1):  # -1: a backend that cannot count INSERT ... SELECT rows
                raise BatchStageError(batch, _("批次 #%(id)s 的标识在操作中被修改，请重试。") % {"id": batch.pk})
        batch.stage = new_stage
        for field, value in batch_fields(at).items():
            setattr(batch, field, value)
        batch.save(update_fields=["stage", *batch_fields(at)])
        # One entry for the whole move; the per-label rows are in LabelTransition.
        audit.record(
            f"batch.{name}",
            batch,
            origin=origin,
            from_state=need_stage,
            to_state=new_stage,
            detail=f"{moved} labels {from_state}->{to_state}. {note}".strip(),
            at=at,
        )
    return batch, moved


def print_batch(batch_id, origin=SYSTEM, note=""):
    """The association printed the batch: every declared label becomes printed."""
    actor = origin.actor
    return _move_batch(
        batch_id,
        need_stage=Stage.GENERATED,
        new_stage=Stage.PRINTED,
        name="print",
        from_state=LabelState.DECLARED,
        to_state=LabelState.PRINTED,
        origin=origin,
        note=note,
        batch_fields=lambda at: {"printed_at": at, "printed_by": actor},
    )


def activate_batch(batch_id, origin=SYSTEM, note=""):
    """Activate a printed batch: only from now on do its labels resolve as genuine."""
    actor = origin.actor
    return _move_batch(
        batch_id,
        need_stage=Stage.PRINTED,
        new_stage=Stage.ACTIVATED,
        name="activate",
        from_state=LabelState.PRINTED,
        to_state=LabelState.ACTIVATED,
        origin=origin,
        note=note,
        batch_fields=lambda at: {"activated_at": at, "activated_by": actor},
    )


def issue_batch(batch_id, issued_to, origin=SYSTEM):
    """Hand an activated batch to the manufacturer or one of the model's dealers (labels keep their state)."""
    with transaction.atomic():
        batch = LabelBatch.objects.select_for_update().select_related("appliance_model").get(pk=batch_id)
        if batch.stage != Stage.ACTIVATED:
            raise BatchStageError(
                batch,
                _("批次 #%(id)s 当前阶段为「%(stage)s」，不能发放。")
                % {"id": batch.pk, "stage": batch.get_stage_display()},
            )
        if issued_to not in issue_recipients(batch.appliance_model):
            raise BatchStageError(batch, _("只能发放给该型号的燃具企业或其销售代理商。"))
        batch.stage = Stage.ISSUED
        batch.issued_to = issued_to
        batch.issued_at = timezone.now()
        batch.issued_by = origin.actor
        batch.save(update_fields=["stage", "issued_to", "issued_at", "issued_by"])
        audit.record(
            "batch.issue",
            batch,
            origin=origin,
            from_state=Stage.ACTIVATED,
            to_state=Stage.ISSUED,
            detail=f"issued to organization #{issued_to.pk} {issued_to}",
            at=batch.issued_at,
        )
    return batch


def issue_recipients(appliance_model):
    """Who may receive a model's labels: its manufacturer and its dealers."""
    return [appliance_model.manufacturer, *appliance_model.dealers.all()]
