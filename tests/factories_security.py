"""A small city with one object of every kind, for the permission matrix and the CSRF/form tests."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts import roles
from accounts.models import Organization
from cases.models import LabelBatch, LabelState, PrintJob
from cases.services import recalls
from cases.services.documents import store_document
from cases.services.labels import Origin
from field.models import Booking, SuspectedClone, WorkPermit
from field.services.sales import sell
from field.services.work import record_work
from remediation import services as remediation_services
from remediation.models import CasePhoto
from stats.models import Report
from tests.factories import ApplianceModelFactory, LabelBatchFactory, LabelFactory, OrganizationFactory, UserFactory
from tests.factories_declarations import image_bytes, pdf_upload
from tests.factories_field import WorkPermitFactory, qualified
from workflows.declaration import services as declaration_services

ANON, REV, MAN, MAN2, DEAL, DEAL2, INST, IGN, REG = (
    "anonymous",
    "reviewer",
    "manufacturer",
    "other_manufacturer",
    "dealer",
    "other_dealer",
    "installer",
    "ignition_worker",
    "regulator",
)
ROLES = [ANON, REV, MAN, MAN2, DEAL, DEAL2, INST, IGN, REG]


class World:
    pass


def build_world():
    w = World()
    association = OrganizationFactory(kind=Organization.Kind.ASSOCIATION)
    maker = OrganizationFactory(kind=Organization.Kind.MANUFACTURER)
    other_maker = OrganizationFactory(kind=Organization.Kind.MANUFACTURER)
    dealer_org = qualified(Organization.Kind.DEALER)
    w.other_dealer_org = qualified(Organization.Kind.DEALER)
    w.installer_org = qualified(Organization.Kind.INSTALLER)
    gas_org = qualified(Organization.Kind.GAS_SUPPLIER)
    regulator_org = OrganizationFactory(kind=Organization.Kind.REGULATOR)
    w.users = {
        REV: UserFactory(organization=association, role=roles.REVIEWER),
        MAN: UserFactory(organization=maker, role=roles.MANUFACTURER),
        MAN2: UserFactory(organization=other_maker, role=roles.MANUFACTURER),
        DEAL: UserFactory(organization=dealer_org, role=roles.DEALER),
        DEAL2: UserFactory(organization=w.other_dealer_org, role=roles.DEALER),
        INST: UserFactory(organization=w.installer_org, role=roles.INSTALLER),
        IGN: UserFactory(organization=gas_org, role=roles.IGNITION_WORKER),
        REG: UserFactory(organization=regulator_org, role=roles.REGULATOR),
    }
    w.install_permit = WorkPermitFactory(holder=w.users[INST], company=w.installer_org)
    w.ignite_permit = WorkPermitFactory(
        holder=w.users[IGN], company=gas_org, kind=WorkPermit.Kind.IGNITION, number="DH2026-900001"
    )
    w.model = ApplianceModelFactory(manufacturer=maker, gtin="6901234567892")
    w.model.designated_installers.add(w.installer_org)
    w.model.dealers.add(dealer_org)  # the other dealer may not sell this model
    # Its labels are activated and sold below: an issued batch, as the review flow would leave it.
    w.batch = LabelBatchFactory(declaration__appliance_model=w.model, stage=LabelBatch.Stage.ISSUED)
    w.declaration = w.batch.declaration

    def label(state=LabelState.ACTIVATED):
        return LabelFactory(batch=w.batch, state=state)

    origin = Origin(actor=w.users[DEAL])
    w.activated = label()
    w.sold_label = label()
    sell(user=w.users[DEAL], code=w.sold_label.serial, district="futian", origin=origin)
    w.installed = label()
    sell(user=w.users[DEAL], code=w.installed.serial, district="futian", origin=origin)
    w.work = record_work(
        user=w.users[INST],
        code=w.installed.serial,
        kind="installation",
        permit_code=w.install_permit.number,
        nameplate_confirmed=True,
        district="futian",
        origin=Origin(actor=w.users[INST]),
    )
    w.installed.refresh_from_db()
    w.booking = Booking.objects.create(
        label=w.sold_label,
        kind=Booking.Kind.INSTALLATION,
        company=w.installer_org,
        resident_phone="13812345678",
        district="futian",
        preferred_date=timezone.localdate(),
    )
    reported = label()
    sell(user=w.users[DEAL], code=reported.serial, district="futian", origin=origin)
    w.case = remediation_services.report_problem(
        reporter=w.users[INST],
        kind="label_mismatch",
        serial=reported.serial,
        address="南山区科技园某路1号3栋1201",
        resident_phone="13812345678",
        origin=Origin(actor=w.users[INST]),
    )
    assert w.case.dealer_id == dealer_org.pk
    # A resident's photo on that case (the same storage path as a report through /q/report/).
    png = image_bytes()
    w.case_photo = CasePhoto(case=w.case, content_type="image/png", size=len(png), sha256="-")
    w.case_photo.file.save("p.png", ContentFile(png), save=True)
    w.document = store_document(appliance_model=w.model, declaration=w.declaration, upload=pdf_upload())
    # A recall of another model of the same maker (the lift row of the matrix); w.model stays unrecalled.
    w.recall = recalls.recall(
        user=w.users[REV],
        appliance_model_id=ApplianceModelFactory(manufacturer=maker).pk,
        reason="阀门缺陷",
        recalled_on=timezone.localdate(),
    )
    declaration_services.submit(declaration=w.declaration)
    today = timezone.localdate()
    w.report = Report.objects.create(
        kind=Report.Kind.WEEKLY,
        period_start=today,
        period_end=today,
        generated_at=timezone.now(),
        pdf=b"%PDF-1.4",
        xlsx=b"PK",
    )
    # A finished print file in storage (the download and retry rows of the matrix).
    w.print_job = PrintJob.objects.create(
        batch=w.batch,
        kind=PrintJob.Kind.CSV,
        key=f"{w.batch.pk}:csv:matrix",
        state=PrintJob.State.DONE,
        file_name=default_storage.save("print/matrix/labels.csv", ContentFile(b"serial,serial_grouped,url\r\n")),
    )
    # The workers and beat have just reported in, so /health/ is green.
    from django.conf import settings

    from ops import heartbeats

    heartbeats.record_finished(name=heartbeats.SWEEP)
    for queue in settings.CELERY_QUEUE_NAMES:
        heartbeats.record_finished(name=heartbeats.queue_heartbeat_name(queue))
    w.clone = SuspectedClone.objects.create(label=w.installed)
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One city for the whole module, rolled back at the end (uploads under a temporary MEDIA_ROOT)."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with media, django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
