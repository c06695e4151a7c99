"""Two ignition workers scan one appliance at the same moment: exactly one wins, the other gets a 409."""

import threading

import pytest
from django.db import connection

from cases.models import Label, LabelTransition
from cases.services.labels import Origin
from field.models import Ignition
from field.services.errors import FieldError
from field.services.ignition import ignite
from tests.factories_field import igniter_with_permit, label_for


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_ignition_has_one_winner():
    workers = [igniter_with_permit(), igniter_with_permit()]
    label = label_for(state="installed")
    barrier = threading.Barrier(len(workers))
    outcomes = []

    def run(user, permit):
        try:
            barrier.wait()
            ignite(user=user, code=label.serial, permit_code=permit.number, origin=Origin(actor=user, source="api"))
            outcomes.append("won")
        except FieldError as error:
            outcomes.append((error.code, error.status))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == sorted(["won", ("already_done", 409)], key=str)
    assert Label.objects.get(pk=label.pk).state == "ignited"
    assert Ignition.objects.count() == 1
    assert LabelTransition.objects.filter(label=label, name="ignite").count() == 1
