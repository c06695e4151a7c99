"""A small city for statistics tests: two manufacturers, dealers, installers, gas suppliers, and their records.

Rows are created directly (as fixtures), with known times, so every expected figure
can be counted by hand in the tests.
"""

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from accounts import roles
from accounts.models import Organization
from cases.models import LabelState
from field.models import Ignition, ScanLog, WorkPermit, WorkRecord
from field.services.ignition import installed_district
from remediation.models import Deadline, Escalation, Level, RemediationCase, Stage, Step

from .factories import ApplianceModelFactory, LabelBatchFactory, LabelFactory, OrganizationFactory, UserFactory
from .factories_field import WorkPermitFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, minute=0):
    """An aware datetime in the city's time zone."""
    return datetime.datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


@dataclass
class StatsCity:
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    batches: dict = field(default_factory=dict)
    permits: dict = field(default_factory=dict)

    def org(self, key, kind, name):
        self.orgs[key] = OrganizationFactory(kind=kind, name=name)
        return self.orgs[key]

    def user(self, key, org_key, role):
        self.users[key] = UserFactory(username=key, organization=self.orgs[org_key], role=role)
        return self.users[key]

    def model(self, key, maker, brand, number):
        self.models[key] = ApplianceModelFactory(manufacturer=self.orgs[maker], brand=brand, model_number=number)
        self.batches[key] = LabelBatchFactory(declaration__appliance_model=self.models[key], quantity=100)
        return self.models[key]

    def labels(self, model_key, state, count):
        return [LabelFactory(batch=self.batches[model_key], state=state) for _ in range(count)]

    def permit(self, org_key, kind):
        if org_key not in self.permits:
            holder = UserFactory(organization=self.orgs[org_key])
            self.permits[org_key] = WorkPermitFactory(holder=holder, company=self.orgs[org_key], kind=kind)
        return self.permits[org_key]

    def install(self, label, company_key, district, when, rating=None, kind=WorkRecord.Kind.INSTALLATION):
        permit = self.permit(company_key, WorkPermit.Kind.INSTALLATION)
        return WorkRecord.objects.create(
            label=label,
            kind=kind,
            worker=permit.holder,
            permit=permit,
            company=self.orgs[company_key],
            district=district,
            at=when,
            rating=rating,
            rated_at=when if rating else None,
        )

    def ignite(self, label, company_key, when):
        permit = self.permit(company_key, WorkPermit.Kind.IGNITION)
        return Ignition.objects.create(
            label=label,
            worker=permit.holder,
            permit=permit,
            company=self.orgs[company_key],
            supply_gas_category="12T",
            at=when,
            district=installed_district(label),  # as field.services.ignition.ignite copies it
        )

    def case(
        self,
        kind,
        dealer_key,
        reported,
        *,
        model_key=None,
        label=None,
        stage=Stage.CONTACT,
        resolution="",
        closed=None,
        escalation_level=Level.DEALER,
    ):
        from workflows.remediation.flow import RemediationFlow

        return RemediationCase.objects.create(
            flow_class=RemediationFlow,
            kind=kind,
            dealer=self.orgs.get(dealer_key),
            reported_at=reported,
            appliance_model=self.models.get(model_key),
            label=label,
            stage=stage,
            resolution=resolution,
            closed_at=closed,
            escalation_level=escalation_level,
        )

    @staticmethod
    def deadline(case, step, state, settled=None, level=None, due=None):
        due = due or settled or case.reported_at
        return Deadline.objects.create(
            case=case,
            step=step,
            level=level or (Level.ASSOCIATION if step == Step.FOLLOWUP else Level.DEALER),
            due_at=due,
            state=state,
            created_at=case.reported_at,
            settled_at=settled,
        )

    @staticmethod
    def escalate(case, level, when, closed=None, reason=Escalation.Reason.MISSED):
        return Escalation.objects.create(case=case, level=level, reason=reason, created_at=when, closed_at=closed)

    @staticmethod
    def scan(code, verdict, when, network="10.0.0.0/24"):
        return ScanLog.objects.create(code=code, verdict=verdict, at=when, network=network)


def make_stats_city():
    """Organisations and one user per role; models: maker A (甲牌 A1, A2), maker B (乙牌 B1)."""
    c = StatsCity()
    K = Organization.Kind
    c.org("assoc", K.ASSOCIATION, "协会")
    c.org("gov", K.REGULATOR, "主管部门")
    c.org("maker_a", K.MANUFACTURER, "甲燃具公司")
    c.org("maker_b", K.MANUFACTURER, "乙燃具公司")
    c.org("dealer_1", K.DEALER, "一号代理商")
    c.org("dealer_2", K.DEALER, "二号代理商")
    c.org("inst_1", K.INSTALLER, "一号安装公司")
    c.org("inst_2", K.INSTALLER, "二号安装公司")
    c.org("gas_1", K.GAS_SUPPLIER, "一号燃气公司")
    c.org("gas_2", K.GAS_SUPPLIER, "二号燃气公司")
    c.user("reviewer", "assoc", roles.REVIEWER)
    c.user("regulator", "gov", roles.REGULATOR)
    c.user("maker_a_staff", "maker_a", roles.MANUFACTURER)
    c.user("maker_b_staff", "maker_b", roles.MANUFACTURER)
    c.user("dealer_1_staff", "dealer_1", roles.DEALER)
    c.user("dealer_2_staff", "dealer_2", roles.DEALER)
    c.user("inst_1_worker", "inst_1", roles.INSTALLER)
    c.user("inst_2_worker", "inst_2", roles.INSTALLER)
    c.user("gas_1_worker", "gas_1", roles.IGNITION_WORKER)
    c.model("A1", "maker_a", "甲牌", "A-100")
    c.model("A2", "maker_a", "甲牌", "A-200")
    c.model("B1", "maker_b", "乙牌", "B-100")
    return c


def populate_labels(c):
    """A1: 3 declared, 2 activated, 4 sold; A2: 5 installed, 1 void; B1: 2 printed, 3 ignited, 1 suspended."""
    S = LabelState
    c.labels("A1", S.DECLARED, 3)
    c.labels("A1", S.ACTIVATED, 2)
    c.labels("A1", S.SOLD, 4)
    c.labels("A2", S.INSTALLED, 5)
    c.labels("A2", S.VOID, 1)
    c.labels("B1", S.PRINTED, 2)
    c.labels("B1", S.IGNITED, 3)
    c.labels("B1", S.SUSPENDED, 1)
