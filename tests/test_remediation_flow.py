"""The dealer's two steps through the viewflow process: contact, then relabel / return / exchange."""

import re

import pytest
from viewflow.workflow.status import PROCESS, STATUS

from accounts import roles
from cases.models import LabelState
from remediation import services
from remediation.models import CaseEvent, RemediationCase, Stage
from tests.factories import ApplianceModelFactory, UserFactory
from tests.factories_remediation import fresh_label, make_city, sold_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def open_case(city, state=LabelState.INSTALLED):
    label = sold_label(city, state)
    return services.report_problem(reporter=city.igniter, kind="label_mismatch", serial=label.serial), label


def test_relabel_links_new_label_voids_old_and_restores_the_appliance_state(city):
    case, old = open_case(city, LabelState.INSTALLED)
    services.record_contact(case_id=case.pk, user=city.dealer, note="已电话联系")
    new = fresh_label(city.model)
    services.resolve_case(case_id=case.pk, user=city.dealer, resolution="relabel", new_serial=new.serial)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.state == LabelState.VOID
    assert new.replaces == old and new.state == LabelState.INSTALLED
    assert [t.name for t in new.transitions.all()] == ["install"]
    case = RemediationCase.objects.get(pk=case.pk)
    assert (case.stage, case.resolution, case.new_label) == (Stage.CLOSED, "relabel", new)
    assert case.status == PROCESS.DONE and case.finished is not None
    tasks = {t.flow_task.name: t.status for t in case.task_set.all()}
    assert tasks == {"start": STATUS.DONE, "contact": STATUS.DONE, "remedy": STATUS.DONE, "end": STATUS.DONE}
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-1] == CaseEvent.Kind.CLOSED and CaseEvent.Kind.CONTACTED in kinds


def test_relabel_of_a_label_suspended_at_ignition_lets_ignition_go_ahead(city):
    case, old = open_case(city, LabelState.INSTALLED)
    services.record_contact(case_id=case.pk, user=city.dealer)
    new = fresh_label(city.model)
    services.resolve_case(case_id=case.pk, user=city.dealer, resolution="relabel", new_serial=new.serial)
    new.refresh_from_db()
    assert new.state == LabelState.INSTALLED  # next: the ignition worker ignites it


def test_relabel_with_another_models_label_changes_nothing(city):
    case, old = open_case(city)
    services.record_contact(case_id=case.pk, user=city.dealer)
    other = fresh_label(ApplianceModelFactory())
    with pytest.raises(services.RemediationError) as info:
        services.resolve_case(case_id=case.pk, user=city.dealer, resolution="relabel", new_serial=other.serial)
    assert "型号" in info.value.message
    old.refresh_from_db()
    other.refresh_from_db()
    assert old.state == LabelState.SUSPENDED and other.state == LabelState.ACTIVATED and other.replaces is None
    assert RemediationCase.objects.get(pk=case.pk).stage == Stage.RESOLVE


def test_relabel_needs_an_unused_activated_label(city):
    case, _old = open_case(city)
    services.record_contact(case_id=case.pk, user=city.dealer)
    used = sold_label(city)
    with pytest.raises(services.RemediationError):
        services.resolve_case(case_id=case.pk, user=city.dealer, resolution="relabel", new_serial=used.serial)
    with pytest.raises(services.RemediationError):
        services.resolve_case(case_id=case.pk, user=city.dealer, resolution="relabel", new_serial="NOT-A-SERIAL")


def test_return_voids_the_label(city):
    case, old = open_case(city, LabelState.SOLD)
    services.record_contact(case_id=case.pk, user=city.dealer)
    services.resolve_case(case_id=case.pk, user=city.dealer, resolution="return", note="用户退货")
    old.refresh_from_db()
    assert old.state == LabelState.VOID
    assert RemediationCase.objects.get(pk=case.pk).resolution == "return"


def test_exchange_with_a_new_appliance_of_another_model(city):
    case, old = open_case(city, LabelState.SOLD)
    services.record_contact(case_id=case.pk, user=city.dealer)
    new = fresh_label(ApplianceModelFactory())
    services.resolve_case(case_id=case.pk, user=city.dealer, resolution="exchange", new_serial=new.serial)
    new.refresh_from_db()
    old.refresh_from_db()
    assert old.state == LabelState.VOID and new.replaces == old and new.state == LabelState.SOLD


def test_missing_label_relabel_issues_a_label_for_the_appliance(city):
    case = services.report_problem(reporter=city.installer, kind="label_missing", district="luohu", address="罗湖1号")
    services.reassign_dealer(case_id=case.pk, user=city.reviewer, dealer_id=city.dealer_org.pk)
    services.record_contact(case_id=case.pk, user=city.dealer)
    new = fresh_label(city.model)
    services.resolve_case(case_id=case.pk, user=city.dealer, resolution="relabel", new_serial=new.serial)
    new.refresh_from_db()
    assert new.state == LabelState.SOLD and new.replaces is None


def test_steps_in_order_and_only_by_the_cases_dealer(city):
    case, _old = open_case(city)
    with pytest.raises(services.RemediationError) as info:
        services.resolve_case(case_id=case.pk, user=city.dealer, resolution="return")
    assert info.value.status == 409
    stranger = UserFactory(organization=city.other_dealer, role=roles.DEALER)
    with pytest.raises(services.RemediationError) as info:
        services.record_contact(case_id=case.pk, user=stranger)
    assert info.value.status == 404  # another dealer's case does not exist for them (tests/test_scope_404.py)
    services.record_contact(case_id=case.pk, user=city.dealer)
    with pytest.raises(services.RemediationError):
        services.record_contact(case_id=case.pk, user=city.dealer)
    services.resolve_case(case_id=case.pk, user=city.dealer, resolution="return")
    with pytest.raises(services.RemediationError) as info:
        services.resolve_case(case_id=case.pk, user=city.dealer, resolution="return")
    assert info.value.status == 409


def test_association_reassigns_the_dealer(city):
    case, _old = open_case(city)
    with pytest.raises(services.RemediationError):
        services.reassign_dealer(case_id=case.pk, user=city.dealer, dealer_id=city.other_dealer.pk)
    services.reassign_dealer(case_id=case.pk, user=city.reviewer, dealer_id=city.other_dealer.pk)
    case.refresh_from_db()
    assert case.dealer == city.other_dealer
    with pytest.raises(services.RemediationError) as info:
        services.record_contact(case_id=case.pk, user=city.dealer)
    assert info.value.status == 404  # no longer their case: it is out of their scope
    event = case.events.filter(kind="assigned").last()
    assert (event.actor, event.text) == (city.reviewer, city.other_dealer.name)


def test_regulator_comments_and_orders_action(city):
    case, _old = open_case(city)
    services.add_note(case_id=case.pk, user=city.regulator, kind="order", text="限三日内整改")
    with pytest.raises(services.RemediationError):
        services.add_note(case_id=case.pk, user=city.dealer, kind="order", text="x")
    event = case.events.get(kind="order")
    assert (event.text, event.actor) == ("限三日内整改", city.regulator)


def test_a_refused_step_on_the_case_page_keeps_what_the_dealer_typed(client, city):
    # A mistyped new serial comes back with its error, the serial and the note still in the form.
    case, _old = open_case(city)
    services.record_contact(case_id=case.pk, user=city.dealer)
    client.force_login(city.dealer)
    typed = {"resolution": "relabel", "new_serial": "ABCD-EFGH-2", "note": "已上门，用户下午在家"}
    response = client.post(f"/remediation/{case.pk}/resolve/", typed)
    page = response.content.decode()
    assert response.status_code == 400 and "新标识编码无效" in page
    assert 'value="ABCD-EFGH-2"' in page and 'value="已上门，用户下午在家"' in page
    assert 'value="relabel" required id="id_resolution_0" checked' in page
    # A refused note keeps its text too.
    response = client.post(f"/remediation/{case.pk}/note/", {"kind": "note", "text": "记" * 2001})
    assert response.status_code == 400 and "记" * 2001 + "</textarea>" in response.content.decode()
    # Nothing of it was stored.
    assert not CaseEvent.objects.filter(case=case, text__startswith="记").exists()


def test_the_language_link_on_a_refused_steps_page_goes_back_to_the_case_not_to_the_post_only_url(client, city):
    # The refused note answers at /remediation/<pk>/note/, which takes only POST: switching language there was a 405.
    case, _old = open_case(city)
    client.force_login(city.dealer)
    page = f"http://testserver/remediation/{case.pk}/"
    response = client.post(f"/remediation/{case.pk}/note/", {"kind": "bogus", "text": "x"}, HTTP_REFERER=page)
    link = re.search(r'href="(/i18n/en/\?next=[^"]+)"', response.content.decode()).group(1)
    switched = client.get(link)
    assert switched.status_code == 302 and switched["Location"] == page
    assert client.get(switched["Location"]).status_code == 200
    # Without a Referer (a privacy setting), it goes home rather than to the POST-only URL.
    response = client.post(f"/remediation/{case.pk}/note/", {"kind": "bogus", "text": "x"})
    assert 'href="/i18n/zh-hans/?next=/"' in response.content.decode()  # the page is in English now
