"""Factories and helpers for field tests: qualified companies, workers with permits, labels in a state."""

import itertools
from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts import roles
from accounts.models import Organization
from cases.models import Recall
from field.models import Ignition, Sale, WorkPermit, WorkRecord
from tests.factories import ApplianceModelFactory, LabelFactory, OrganizationFactory, UserFactory


def qualified(kind, **kwargs):
    today = timezone.localdate()
    return OrganizationFactory(
        kind=kind,
        licence_valid_from=today - timedelta(days=365),
        licence_valid_until=today + timedelta(days=365),
        **kwargs,
    )


class WorkPermitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPermit

    number = factory.Sequence(lambda n: f"AZ2026-{n:06d}")
    holder = factory.SubFactory(UserFactory)
    holder_name = factory.SelfAttribute("holder.username")
    company = factory.SelfAttribute("holder.organization")
    kind = WorkPermit.Kind.INSTALLATION
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=300))


def installer_with_permit(company=None, **permit_kwargs):
    company = company or qualified(Organization.Kind.INSTALLER)
    user = UserFactory(organization=company, role=roles.INSTALLER)
    permit = WorkPermitFactory(holder=user, company=company, kind=WorkPermit.Kind.INSTALLATION, **permit_kwargs)
    return user, permit


_IGNITION_NUMBERS = itertools.count(1)


def igniter_with_permit(company=None, **permit_kwargs):
    company = company or qualified(Organization.Kind.GAS_SUPPLIER)
    user = UserFactory(organization=company, role=roles.IGNITION_WORKER)
    permit = WorkPermitFactory(
        holder=user,
        company=company,
        kind=WorkPermit.Kind.IGNITION,
        number=f"DH2026-{next(_IGNITION_NUMBERS):06d}",
        **permit_kwargs,
    )
    return user, permit


def dealer_user(company=None):
    company = company or qualified(Organization.Kind.DEALER)
    return UserFactory(organization=company, role=roles.DEALER)


def label_for(installer_company=None, state="activated", gas="12T", **model_kwargs):
    """A label whose model (gas `gas`) designates `installer_company`."""
    model = ApplianceModelFactory(gas_category=gas, **model_kwargs)
    if installer_company is not None:
        model.designated_installers.add(installer_company)
    return LabelFactory(batch__declaration__appliance_model=model, state=state)


# The companies of label_with_history, by kind: names a scan's page or answer shows.
SCAN_COMPANIES = {"installer": "安居安装", "dealer": "好家电", "gas_supplier": "深燃"}


def label_with_history(state, *, recalled=False, companies=SCAN_COMPANIES, recall_reason="阀门缺陷", **model_kwargs):
    """A label in `state` with everything a scan can show: sale, installation and repair, ignition, a recall.

    `companies` names the installer, dealer and gas supplier by kind (names are unique: pass {} for the factory's
    own names to make several such labels in one test); `model_kwargs` go to the label's model.
    """

    def company(kind):
        return qualified(kind, **({"name": companies[kind]} if kind in companies else {}))

    installer = company("installer")
    worker, permit = installer_with_permit(installer)
    label = label_for(installer, state=state, **model_kwargs)
    if state in ("sold", "installed", "ignited", "suspended"):
        Sale.objects.create(label=label, dealer=company("dealer"), seller=UserFactory())
    if state in ("installed", "ignited", "suspended"):
        for kind in ("installation", "repair"):
            WorkRecord.objects.create(
                label=label, kind=kind, worker=worker, permit=permit, company=installer, district="futian"
            )
    if state == "ignited":
        igniter, ignition_permit = igniter_with_permit(company("gas_supplier"))
        Ignition.objects.create(
            label=label,
            worker=igniter,
            permit=ignition_permit,
            company=igniter.organization,
            supply_gas_category="12T",
            district="futian",
        )
    if recalled:
        label.recall = Recall.objects.create(
            scope="label",
            appliance_model=label.appliance_model,
            reason=recall_reason,
            recalled_on=timezone.localdate(),
            created_by=UserFactory(),
        )
        label.save()
    return label


EXPIRED = {"valid_from": date(2020, 1, 1), "valid_until": date(2021, 1, 1)}


def installed_label(company_name="安居安装", **model_kwargs):
    """An installed label of `company_name` with its installation record (Futian); returns (label, installer)."""
    company = qualified(Organization.Kind.INSTALLER, name=company_name)
    user, permit = installer_with_permit(company)
    label = label_for(company, state="installed", **model_kwargs)
    WorkRecord.objects.create(
        label=label,
        kind="installation",
        worker=user,
        permit=permit,
        company=company,
        district="futian",
        nameplate_confirmed=True,
    )
    return label, user


def verified_code(phone="13912345678", purpose="booking", code="246810"):
    """A fresh code for `phone`, as if the resident had received it by SMS (the sending: tests/test_phone_codes.py)."""
    from field.models import PhoneCode
    from field.services.phone_codes import _hash

    now = timezone.now()
    PhoneCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=_hash(phone, code),
        created_at=now,
        expires_at=now + timedelta(minutes=10),
    )
    return code


def rating_token(record_id, phone):
    """The token of the rating link an installer sends to `phone` (field.services.work.send_rating_link)."""
    from django.core import signing

    from field.services.work import RATING_LINK_SALT

    return signing.TimestampSigner(salt=RATING_LINK_SALT).sign(f"{record_id}:{phone}")
