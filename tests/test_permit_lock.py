"""A permit revoked while installations and ignitions are in flight: none is accepted once the revocation commits.

The revocation is held open (its transaction has updated the permit rows but not committed) while the
workers start; they must wait on the permit row lock and then see the revocation, never slip through
on the old row as they did when the permit was checked before the recording transaction.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from accounts import roles
from accounts.models import Organization
from cases.models import LabelState
from cases.services.labels import Origin
from field.models import Ignition, WorkRecord
from field.services.errors import FieldError
from field.services.ignition import ignite
from field.services.permits import revoke_permit
from field.services.work import record_work
from tests.factories import LabelFactory, UserFactory
from tests.factories_field import igniter_with_permit, installer_with_permit, label_for

WORKERS = 4  # per kind


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_revocation_committed_first_is_never_accepted():
    installer, install_permit = installer_with_permit()
    igniter, ignite_permit = igniter_with_permit()
    model = label_for(installer.organization).appliance_model
    to_install = [
        LabelFactory(batch__declaration__appliance_model=model, state=LabelState.SOLD) for _ in range(WORKERS)
    ]
    to_ignite = [
        LabelFactory(batch__declaration__appliance_model=model, state=LabelState.INSTALLED) for _ in range(WORKERS)
    ]
    reviewer = UserFactory(organization__kind=Organization.Kind.ASSOCIATION, role=roles.REVIEWER)
    revoked_uncommitted, go_commit = threading.Event(), threading.Event()
    committing_at, outcomes = [], []

    def revoke():
        try:
            with transaction.atomic():
                for permit in (install_permit, ignite_permit):
                    revoke_permit(permit_id=permit.pk, revoked_by=reviewer, reason="培训记录造假")
                revoked_uncommitted.set()
                go_commit.wait(10)
                # Taken as the commit starts: a worker woken by the commit may record its outcome before this
                # thread runs again after it (on a busy machine), but none may record it before.
                committing_at.append(time.monotonic())
        finally:
            connection.close()

    def work(action, label):
        try:
            revoked_uncommitted.wait(10)
            action(label)
            outcomes.append(("accepted", time.monotonic()))
        except FieldError as error:
            outcomes.append((error.code, time.monotonic()))
        finally:
            connection.close()

    def install(label):
        record_work(
            user=installer,
            code=label.serial,
            kind=WorkRecord.Kind.INSTALLATION,
            permit_code=install_permit.number,
            nameplate_confirmed=True,
            district="futian",
            origin=Origin(actor=installer, source="api"),
        )

    def light(label):
        ignite(user=igniter, code=label.serial, permit_code=ignite_permit.number, origin=Origin(actor=igniter))

    revoker = threading.Thread(target=revoke)
    workers = [threading.Thread(target=work, args=(install, label)) for label in to_install]
    workers += [threading.Thread(target=work, args=(light, label)) for label in to_ignite]
    revoker.start()
    for thread in workers:
        thread.start()
    revoked_uncommitted.wait(10)
    time.sleep(0.5)  # every worker is now inside its transaction, waiting on the permit row
    go_commit.set()
    for thread in [revoker, *workers]:
        thread.join(timeout=30)

    assert len(outcomes) == 2 * WORKERS and committing_at
    assert {code for code, _at in outcomes} == {"bad_permit"}
    assert all(at >= committing_at[0] for _code, at in outcomes)  # they waited for the revocation
    assert not WorkRecord.objects.exists() and not Ignition.objects.exists()
