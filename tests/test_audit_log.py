"""One append-only audit log: label transitions, batch moves, declaration steps and case actions land in
AuditEntry in the same transaction, and nothing can change or remove an entry (model, and PostgreSQL trigger)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AppendOnlyError, AuditEntry
from cases.models import LabelBatch, LabelState
from cases.services import batches
from cases.services.labels import LabelTransitionError, Origin, apply_transition
from remediation import services
from remediation.models import Deadline
from remediation.services.sla import sweep_due_deadlines
from tests.factories import LabelBatchFactory, LabelFactory
from tests.factories_remediation import make_city, sold_label

pytestmark = pytest.mark.django_db


def test_a_label_transition_is_logged_with_who_when_where():
    city = make_city()
    label = LabelFactory(state=LabelState.ACTIVATED)
    apply_transition(
        label_id=label.pk,
        name="sell",
        origin=Origin(actor=city.dealer, source="api", ip_address="10.1.2.3"),
        note="门店",
    )
    entry = AuditEntry.objects.get(action="label.sell")
    assert (entry.object_type, entry.object_id) == ("label", label.serial)
    assert (entry.from_state, entry.to_state) == ("activated", "sold")
    assert entry.actor == city.dealer and entry.actor_name == city.dealer.username
    assert entry.organization_id == city.dealer_org.pk
    assert (entry.source, entry.ip_address, entry.detail) == ("api", "10.1.2.3", "门店")


def test_a_refused_transition_logs_nothing():
    label = LabelFactory(state=LabelState.PRINTED)
    with pytest.raises(LabelTransitionError):
        apply_transition(label_id=label.pk, name="ignite")
    assert not AuditEntry.objects.exists()


def test_a_rolled_back_transition_leaves_no_entry():
    label = LabelFactory(state=LabelState.ACTIVATED)
    with pytest.raises(RuntimeError), transaction.atomic():
        apply_transition(label_id=label.pk, name="sell")
        raise RuntimeError("the caller failed after the transition")
    assert not AuditEntry.objects.exists()


def test_a_batch_move_is_one_entry_for_the_whole_batch():
    city = make_city()
    batch = LabelBatchFactory(stage=LabelBatch.Stage.PRINTED)
    for _ in range(3):
        LabelFactory(batch=batch, state=LabelState.PRINTED)
    batches.activate_batch(batch_id=batch.pk, origin=Origin(actor=city.reviewer, source="web"))
    entry = AuditEntry.objects.get(action="batch.activate")
    assert (entry.object_id, entry.to_state, entry.source) == (str(batch.pk), "activated", "web")
    assert entry.detail.startswith("3 labels")


def test_case_actions_and_sweep_escalations_are_logged():
    city = make_city()
    label = sold_label(city)
    case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    actions = list(AuditEntry.objects.filter(object_type="remediationcase").values_list("action", flat=True))
    assert "case.reported" in actions and "case.deadline_set" in actions
    reported = AuditEntry.objects.get(action="case.reported")
    assert reported.object_id == str(case.pk) and reported.actor == city.installer
    # The label was suspended by the report: that transition is in the same log.
    assert AuditEntry.objects.filter(action="label.suspend", object_id=label.serial).count() == 1

    Deadline.objects.filter(case=case, step="contact").update(due_at=timezone.now() - timedelta(minutes=1))
    assert sweep_due_deadlines() == 1
    assert sweep_due_deadlines() == 0
    missed = AuditEntry.objects.filter(object_id=str(case.pk), action="case.deadline_missed")
    assert missed.count() == 1 and missed.get().source == "system" and missed.get().actor is None
    assert AuditEntry.objects.filter(object_id=str(case.pk), action="case.escalated").count() == 1


def test_entries_cannot_be_changed_or_removed_through_the_orm():
    label = LabelFactory(state=LabelState.ACTIVATED)
    apply_transition(label_id=label.pk, name="sell")
    entry = AuditEntry.objects.get()
    entry.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().detail == ""


@pytest.mark.postgres
@pytest.mark.parametrize("sql", ["UPDATE audit_auditentry SET detail = 'x'", "DELETE FROM audit_auditentry"])
def test_postgres_refuses_update_and_delete_in_the_database(sql):
    label = LabelFactory(state=LabelState.ACTIVATED)
    apply_transition(label_id=label.pk, name="sell")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.get().detail == ""
