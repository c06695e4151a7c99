"""The demo city carries activated, issued label batches made through the real review flow."""

from io import StringIO

import pytest
from django.core.management import call_command
from viewflow.workflow.status import PROCESS

from cases.models import Label, LabelBatch, LabelBatchTransition
from workflows.declaration import services as steps

pytestmark = pytest.mark.django_db


def test_demo_batches_are_issued_activated_and_seeded_once():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    cooktop = Label.objects.filter(appliance_model__model_number="JZT-2H10")
    lpg = Label.objects.filter(appliance_model__model_number="JZY-A20")
    assert cooktop.count() == 20 and lpg.count() == 5
    assert set(cooktop.values_list("state", flat=True)) == {"activated"}
    assert all(label.is_genuine for label in lpg)
    assert lpg.first().appliance_model.gas_category == "20Y"
    for batch in LabelBatch.objects.all():
        assert batch.stage == "issued" and batch.issued_to in batch.appliance_model.dealers.all()
        assert steps.process_of(batch.declaration).status == PROCESS.DONE
    moves = LabelBatchTransition.objects.filter(name="activate", actor__username="reviewer")
    assert sum(moves.values_list("label_count", flat=True)) == 25
