"""The label lifecycle's questions, answered once, from the state machine (cases.models.Label).

May it be sold, installed, ignited or repaired now, what may a resident book for it, is it on the wall:
field services, the scan page, the GS1 linkset and statistics ask here instead of listing states, so a change
to the transitions in cases/models.py changes every answer. Recall, gas and suspension are separate checks
(cases/rules.py, field/services/labels.py).
"""

from typing import Literal

from django_fsm import can_proceed

from .models import Label, LabelState

# Installed or ignited: the appliance is on the wall, so it may be repaired and its label may only be copied.
IN_SERVICE = frozenset({LabelState.INSTALLED, LabelState.IGNITED})

Work = Literal["install", "ignite"]


def may_sell(label: Label) -> bool:
    return can_proceed(label.sell)


def may_install(label: Label) -> bool:
    return can_proceed(label.install)


def may_ignite(label: Label) -> bool:
    return can_proceed(label.ignite)


def is_in_service(label: Label) -> bool:
    return label.state in IN_SERVICE


def may_repair(label: Label) -> bool:
    return is_in_service(label)


def next_work(label: Label) -> Work | None:
    """The next job this appliance needs: installation before it is installed, ignition after; None after that."""
    if may_install(label):
        return "install"
    if may_ignite(label):
        return "ignite"
    return None
