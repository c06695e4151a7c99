"""Reporting a problem: the label is suspended, the case is opened with its dealer and clocks."""

import pytest
from django.urls import reverse

from cases.models import LabelState, LabelTransition
from cases.services.labels import LabelTransitionError, Origin, apply_transition
from remediation import services
from remediation.models import CaseEvent, Notification, RemediationCase, Stage
from remediation.selectors import association_queue
from tests.factories import PASSWORD, ApplianceModelFactory
from tests.factories_remediation import fresh_label, make_city, sold_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def test_report_suspends_the_label_and_refuses_installation(city):
    label = sold_label(city)
    case = services.report_problem(reporter=city.installer, kind="gas_mismatch", serial=label.serial.lower())
    label.refresh_from_db()
    assert label.state == LabelState.SUSPENDED
    assert label.transitions.last().name == "suspend"
    assert label.transitions.last().actor == city.installer
    with pytest.raises(LabelTransitionError):
        apply_transition(label_id=label.pk, name="install", origin=Origin(actor=city.installer))
    assert (case.label, case.kind, case.stage, case.dealer) == (label, "gas_mismatch", Stage.CONTACT, city.dealer_org)
    assert case.appliance_model == city.model
    assert list(case.events.values_list("kind", flat=True)[:2]) == [CaseEvent.Kind.REPORTED, CaseEvent.Kind.ASSIGNED]
    assert case.flow_class.__name__ == "RemediationFlow"
    assert [t.flow_task.name for t in case.task_set.order_by("pk")] == ["start", "contact"]


def test_dealer_is_the_seller_before_the_dealer_of_record(city):
    city.model.dealers.add(city.other_dealer)
    case = services.report_problem(reporter=city.igniter, kind="label_mismatch", serial=sold_label(city).serial)
    assert case.dealer == city.dealer_org


def test_dealer_of_record_when_nobody_recorded_the_sale(city):
    city.model.dealers.add(city.other_dealer)
    label = fresh_label(city.model)
    case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    assert case.dealer == city.other_dealer
    label.refresh_from_db()
    # Never sold: not suspended (issue 14); the association is told to review the report.
    assert label.state == LabelState.ACTIVATED
    assert case.events.filter(text__contains="转协会审核").exists()
    assert Notification.objects.filter(case=case, recipient=city.reviewer, subject__contains="尚未售出").exists()


def test_no_dealer_puts_the_case_in_the_association_queue(city):
    label = fresh_label(ApplianceModelFactory())
    case = services.report_problem(reporter=city.installer, kind="label_mismatch", serial=label.serial)
    assert case.dealer is None
    assert list(association_queue()) == [case]


def test_missing_label_needs_the_address(city):
    with pytest.raises(services.RemediationError) as info:
        services.report_problem(reporter=city.installer, kind="label_missing")
    assert "地址" in info.value.message
    case = services.report_problem(
        reporter=city.installer,
        kind="label_missing",
        district="nanshan",
        address="南山区科技园1栋101",
        resident_phone="13812345678",
    )
    assert case.label is None and case.dealer is None and case.district == "nanshan"


def test_unknown_code_is_kept_as_typed(city):
    case = services.report_problem(
        reporter=city.installer, kind="counterfeit", serial="FAKE-0001", district="futian", address="福田区1号"
    )
    assert case.label is None and case.typed_code == "FAKE-0001"


def test_a_code_with_an_open_case_cannot_be_reported_twice(city):
    label = sold_label(city)
    services.report_problem(reporter=city.installer, kind="counterfeit", serial=label.serial)
    with pytest.raises(services.RemediationError) as info:
        services.report_problem(reporter=city.igniter, kind="counterfeit", serial=label.serial)
    assert info.value.status == 409
    assert RemediationCase.objects.count() == 1


def test_only_field_workers_report(city):
    with pytest.raises(services.RemediationError) as info:
        services.report_problem(reporter=city.dealer, kind="counterfeit", serial=sold_label(city).serial)
    assert info.value.status == 403
    assert not RemediationCase.objects.exists()
    assert not LabelTransition.objects.filter(name="suspend").exists()


def test_report_page_is_prefilled_from_the_refusal_link(client, city):
    label = sold_label(city)
    client.login(username=city.igniter.username, password=PASSWORD)
    url = reverse("remediation:report") + f"?serial={label.serial}&kind=gas_mismatch"
    assert url.startswith("/remediation/report/")
    page = client.get(url).content.decode()
    assert f'value="{label.serial}"' in page
    assert '<option value="gas_mismatch" selected>' in page


def test_report_page_creates_the_case(client, city):
    label = sold_label(city, LabelState.INSTALLED)
    client.login(username=city.igniter.username, password=PASSWORD)
    response = client.post(reverse("remediation:report"), {"serial": label.serial, "kind": "label_mismatch"})
    case = RemediationCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("remediation:case", args=[case.pk])
    transition = label.transitions.last()
    assert (transition.name, transition.source) == ("suspend", "web")


def test_report_page_bad_input_is_a_400_with_a_message(client, city):
    client.login(username=city.igniter.username, password=PASSWORD)
    response = client.post(reverse("remediation:report"), {"serial": "", "kind": "label_mismatch"})
    assert response.status_code == 400
    assert "请扫描或输入标识编码" in response.content.decode()
    assert not RemediationCase.objects.exists()


def test_report_page_refuses_other_roles(client, city):
    client.login(username=city.dealer.username, password=PASSWORD)
    assert client.get(reverse("remediation:report")).status_code == 403
