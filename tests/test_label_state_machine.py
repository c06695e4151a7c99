import pytest
from django.core.exceptions import ValidationError

from cases.models import LabelState, LabelTransition
from cases.services.labels import LabelTransitionError, Origin, apply_transition
from tests.factories import LabelFactory, UserFactory

pytestmark = pytest.mark.django_db

HAPPY_PATH = [
    ("print", "printed"),
    ("activate", "activated"),
    ("sell", "sold"),
    ("install", "installed"),
    ("ignite", "ignited"),
]


def test_happy_path_logs_every_step_with_who_and_where():
    label = LabelFactory()
    user = UserFactory()
    origin = Origin(actor=user, source=LabelTransition.Source.API, ip_address="10.1.2.3")
    for name, state in HAPPY_PATH:
        label = apply_transition(label_id=label.pk, name=name, origin=origin)
        assert label.state == state
    log = list(label.transitions.values_list("name", "from_state", "to_state", "actor", "source", "ip_address"))
    assert [row[0] for row in log] == [name for name, _ in HAPPY_PATH]
    assert log[0][1:3] == ("declared", "printed")
    assert {row[3] for row in log} == {user.pk}
    assert {row[4] for row in log} == {"api"}
    assert {row[5] for row in log} == {"10.1.2.3"}


@pytest.mark.parametrize(
    "state,name",
    [
        ("declared", "activate"),
        ("printed", "sell"),
        ("activated", "ignite"),
        ("declared", "install"),
        ("void", "void"),
        ("void", "activate"),
        ("ignited", "install"),
        ("printed", "suspend"),
    ],
)
def test_illegal_moves_raise_clear_error_and_change_nothing(state, name):
    label = LabelFactory(state=state)
    with pytest.raises(LabelTransitionError) as exc:
        apply_transition(label_id=label.pk, name=name)
    assert label.serial in exc.value.message
    label.refresh_from_db()
    assert label.state == state
    assert not label.transitions.exists()


def test_unknown_transition_name_is_refused():
    label = LabelFactory(state="activated")
    with pytest.raises(LabelTransitionError):
        apply_transition(label_id=label.pk, name="teleport")


def test_install_allowed_without_recorded_sale():
    label = LabelFactory(state="activated")
    assert apply_transition(label_id=label.pk, name="install").state == "installed"


@pytest.mark.parametrize("before", ["activated", "sold", "installed"])
def test_suspend_keeps_the_state_it_left_and_stays_genuine(before):
    # A suspended label is put right by its case (relabelled: the new label takes over; returned or exchanged:
    # voided), never resumed; the state it left says where it was (the recall follow-up list reads it).
    label = LabelFactory(state=before)
    label = apply_transition(label_id=label.pk, name="suspend")
    assert label.state == LabelState.SUSPENDED
    assert label.state_before_suspension == before
    assert label.is_genuine
    with pytest.raises(LabelTransitionError):
        apply_transition(label_id=label.pk, name="resume")


def test_void_is_final_and_not_genuine():
    label = apply_transition(label_id=LabelFactory(state="sold").pk, name="void")
    assert not label.is_genuine
    for name in ["activate", "sell", "suspend", "install"]:
        with pytest.raises(LabelTransitionError):
            apply_transition(label_id=label.pk, name=name)


def test_transition_log_is_append_only():
    label = apply_transition(label_id=LabelFactory().pk, name="print")
    entry = label.transitions.get()
    entry.note = "tampered"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
