"""Label batches: generate, print, activate and issue whole batches, set-based.

Each batch operation runs a fixed number of statements however many labels
the batch holds (on PostgreSQL one statement moves the labels and logs the move:
an UPDATE ... RETURNING counted into one LabelBatchTransition row; elsewhere an
UPDATE, a count and an INSERT), so activating 100 000 labels costs what
activating 10 does. The move is logged once for the batch, not once per label
(a row per label cost more than the 2 s the whole move may take, issue 19);
each label's history still shows it (cases.selectors.label_history).
Single labels still change only through services.labels.apply_transition.
"""

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from audit import services as audit
from core import serials

from ..models import Declaration, Label, LabelBatch, LabelBatchTransition, LabelState
from .labels import SYSTEM, TRANSITIONS, Origin

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


def generate_labels(*, batch_id: int, chunk_size: int | None = None) -> int:
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


def _fsm_move(name, from_state):
    """The target of the label state machine's transition `name` from `from_state` (cases.models.Label).

    A batch move applies the same rule to every label it selects, so the rule must hold for the whole
    state: a transition with per-label conditions cannot be applied set-based.
    """
    meta = getattr(Label, TRANSITIONS[name])._django_fsm
    rule = meta.transitions.get(from_state)
    if rule is None or rule.conditions:
        raise ValueError(f"no unconditional transition {name!r} from {from_state!r}")
    return rule.target


_LOG_FIELDS = [
    "batch",
    "name",
    "from_state",
    "to_state",
    "actor",
    "organization",
    "source",
    "ip_address",
    "note",
    "at",
    "label_count",
    "first_serial",
    "last_serial",
]


def _log_values(batch_id, name, from_state, to_state, at, origin, note):
    """The log row's values up to `at`, in _LOG_FIELDS order (the count and serials come from the move)."""
    actor_id = getattr(origin.actor, "pk", None)
    organization_id = getattr(origin.actor, "organization_id", None)
    return [
        batch_id,
        name,
        from_state,
        to_state,
        actor_id,
        organization_id,
        origin.source,
        origin.ip_address,
        note[:255],
        at,
    ]


def _move_and_log(batch_id, name, from_state, to_state, at, origin, note):
    """PostgreSQL: UPDATE the batch's labels and write the one batch log row, in one statement; returns the count.

    The log row counts the UPDATE's RETURNING rows, so the labels are read once. No row per label: which
    labels moved follows from their own logs (cases.selectors.label_history).
    """
    quote = connection.ops.quote_name
    label = Label._meta
    log = LabelBatchTransition._meta
    table, pk, serial = quote(label.db_table), quote(label.pk.column), quote(label.get_field("serial").column)
    columns = ", ".join(quote(log.get_field(f).column) for f in _LOG_FIELDS)
    # Typed placeholders: an untyped NULL (a system move has no actor) would be read as text.
    placeholders = ", ".join(f"%s::{log.get_field(f).db_type(connection)}" for f in _LOG_FIELDS[:-3])
    sql = (
        f"WITH moved AS (UPDATE {table} SET {quote(label.get_field('state').column)} = %s, "
        f"{quote(label.get_field('state_changed_at').column)} = %s "
        f"WHERE {quote(label.get_field('batch').column)} = %s AND {quote(label.get_field('state').column)} = %s "
        f"RETURNING {pk}), "
        f"span AS (SELECT count(*) AS n, min({pk}) AS lo, max({pk}) AS hi FROM moved) "
        f"INSERT INTO {quote(log.db_table)} ({columns}) SELECT {placeholders}, n, "
        f"coalesce((SELECT {serial} FROM {table} WHERE {pk} = lo), ''), "
        f"coalesce((SELECT {serial} FROM {table} WHERE {pk} = hi), '') FROM span "
        f"RETURNING {quote(log.get_field('label_count').column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [to_state, at, batch_id, from_state, *_log_values(batch_id, name, from_state, to_state, at, origin, note)],
        )
        return cursor.fetchone()[0]


def _move_then_log(batch_id, name, from_state, to_state, at, origin, note):
    """Elsewhere (SQLite): UPDATE ... RETURNING what moved, then INSERT the batch log row; returns the count."""
    quote = connection.ops.quote_name
    label = Label._meta
    column = {f: quote(label.get_field(f).column) for f in ("state", "state_changed_at", "batch", "serial")}
    sql = (
        f"UPDATE {quote(label.db_table)} SET {column['state']} = %s, {column['state_changed_at']} = %s "
        f"WHERE {column['batch']} = %s AND {column['state']} = %s RETURNING {quote(label.pk.column)}, {column['serial']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [to_state, connection.ops.adapt_datetimefield_value(at), batch_id, from_state])
        rows = cursor.fetchall()
    moved = len(rows)
    first, last = (min(rows)[1], max(rows)[1]) if rows else ("", "")
    LabelBatchTransition.objects.create(
        batch_id=batch_id,
        name=name,
        from_state=from_state,
        to_state=to_state,
        actor_id=getattr(origin.actor, "pk", None),
        organization_id=getattr(origin.actor, "organization_id", None),
        source=origin.source,
        ip_address=origin.ip_address,
        note=note[:255],
        at=at,
        label_count=moved,
        first_serial=first,
        last_serial=last,
    )
    return moved


def _move_batch(batch_id, *, need_stage, new_stage, name, from_state, origin, note, batch_fields):
    to_state = _fsm_move(name, from_state)
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
        # Only the labels in `from_state` move (a voided label keeps its state), all in one statement under
        # the batch's lock; a label being changed on its own meanwhile is waited for, then skipped or moved.
        move = _move_and_log if connection.vendor == "postgresql" else _move_then_log
        moved = move(batch.pk, name, from_state, to_state, at, origin, note)
        batch.stage = new_stage
        for field, value in batch_fields(at).items():
            setattr(batch, field, value)
        batch.save(update_fields=["stage", *batch_fields(at)])
        # One entry for the whole move, beside its LabelBatchTransition row.
        audit.record(
            action=f"batch.{name}",
            obj=batch,
            origin=origin,
            from_state=need_stage,
            to_state=new_stage,
            detail=f"{moved} labels {from_state}->{to_state}. {note}".strip(),
            at=at,
        )
    return batch, moved


def print_batch(*, batch_id: int, origin: Origin = SYSTEM, note: str = "") -> tuple[LabelBatch, int]:
    """The association printed the batch: every declared label becomes printed."""
    actor = origin.actor
    return _move_batch(
        batch_id,
        need_stage=Stage.GENERATED,
        new_stage=Stage.PRINTED,
        name="print",
        from_state=LabelState.DECLARED,
        origin=origin,
        note=note,
        batch_fields=lambda at: {"printed_at": at, "printed_by": actor},
    )


def activate_batch(*, batch_id: int, origin: Origin = SYSTEM, note: str = "") -> tuple[LabelBatch, int]:
    """Activate a printed batch: only from now on do its labels resolve as genuine."""
    actor = origin.actor
    return _move_batch(
        batch_id,
        need_stage=Stage.PRINTED,
        new_stage=Stage.ACTIVATED,
        name="activate",
        from_state=LabelState.PRINTED,
        origin=origin,
        note=note,
        batch_fields=lambda at: {"activated_at": at, "activated_by": actor},
    )


def issue_batch(*, batch_id: int, issued_to: Organization, origin: Origin = SYSTEM) -> LabelBatch:
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
            action="batch.issue",
            obj=batch,
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
