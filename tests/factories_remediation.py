"""Helpers for remediation tests: a city with a dealer, a field worker and a sold label."""

from dataclasses import dataclass

from accounts import roles
from accounts.models import Organization
from cases.models import LabelState
from cases.services.labels import Origin, apply_transition

from .factories import ApplianceModelFactory, LabelBatchFactory, LabelFactory, OrganizationFactory, UserFactory


@dataclass
class City:
    association: object
    regulator_org: object
    dealer_org: object
    other_dealer: object
    reviewer: object
    regulator: object
    dealer: object
    installer: object
    igniter: object
    model: object


def make_city():
    association = OrganizationFactory(kind=Organization.Kind.ASSOCIATION, name="协会")
    regulator_org = OrganizationFactory(kind=Organization.Kind.REGULATOR, name="主管部门")
    dealer_org = OrganizationFactory(kind=Organization.Kind.DEALER, name="代理商甲")
    other_dealer = OrganizationFactory(kind=Organization.Kind.DEALER, name="代理商乙")
    installer_org = OrganizationFactory(kind=Organization.Kind.INSTALLER)
    gas_org = OrganizationFactory(kind=Organization.Kind.GAS_SUPPLIER)
    model = ApplianceModelFactory()
    return City(
        association=association,
        regulator_org=regulator_org,
        dealer_org=dealer_org,
        other_dealer=other_dealer,
        reviewer=UserFactory(
            organization=association, role=roles.REVIEWER, email="rev@example.com", phone="13800000001"
        ),
        regulator=UserFactory(organization=regulator_org, role=roles.REGULATOR, email="gov@example.com"),
        dealer=UserFactory(organization=dealer_org, role=roles.DEALER, email="dealer@example.com", phone="13900000002"),
        installer=UserFactory(organization=installer_org, role=roles.INSTALLER),
        igniter=UserFactory(organization=gas_org, role=roles.IGNITION_WORKER),
        model=model,
    )


def sold_label(city, state=LabelState.SOLD, model=None):
    """An activated label sold by the city's dealer (the sale logged like the real one), optionally installed."""
    model = model or city.model
    label = LabelFactory(batch=LabelBatchFactory(declaration__appliance_model=model), state=LabelState.ACTIVATED)
    apply_transition(label_id=label.pk, name="sell", origin=Origin(actor=city.dealer))
    if state in (LabelState.INSTALLED, LabelState.IGNITED):
        apply_transition(label_id=label.pk, name="install", origin=Origin(actor=city.installer))
    if state == LabelState.IGNITED:
        apply_transition(label_id=label.pk, name="ignite", origin=Origin(actor=city.igniter))
    label.refresh_from_db()
    return label


def fresh_label(model):
    return LabelFactory(batch=LabelBatchFactory(declaration__appliance_model=model), state=LabelState.ACTIVATED)
