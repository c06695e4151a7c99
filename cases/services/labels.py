"""Label state changes: one locked, checked, logged transaction each."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed

from accounts.models import User
from audit import services as audit
from core.client import client_ip

from ..models import Label, LabelTransition

TRANSITIONS = {
    "print": "print_label",
    "activate": "activate",
    "sell": "sell",
    "install": "install",
    "ignite": "ignite",
    "suspend": "suspend",
    "void": "void",
}


class LabelTransitionError(Exception):
    """The requested change is not legal for the label as it is now."""

    def __init__(self, label: Label | None, name: str, message: str) -> None:
        super().__init__(message)
        self.label = label
        self.name = name
        self.message = message


@dataclass(frozen=True)
class Origin:
    """Who asks for a change and from where (web page, API, or the system itself)."""

    actor: User | None = None
    source: str = LabelTransition.Source.SYSTEM
    ip_address: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, source: str = LabelTransition.Source.WEB) -> Origin:
        user = request.user if request.user.is_authenticated else None
        return cls(actor=user, source=source, ip_address=client_ip(request) or None)


SYSTEM = Origin()


def apply_transition(*, label_id: int, name: str, origin: Origin = SYSTEM, note: str = "") -> Label:
    """Move one label through transition `name`, under a row lock, and log it.

    Takes the id rather than an instance so the state is read under the lock:
    two workers scanning the same appliance serialise here and the loser gets
    LabelTransitionError instead of a silent overwrite.
    """
    method_name = TRANSITIONS.get(name)
    if method_name is None:
        raise LabelTransitionError(None, name, _("未知的操作：%(name)s") % {"name": name})
    with transaction.atomic():
        label = Label.objects.select_for_update().get(pk=label_id)
        method = getattr(label, method_name)
        from_state = label.state
        if not can_proceed(method):
            raise LabelTransitionError(
                label,
                name,
                _("标识 %(serial)s 当前状态为「%(state)s」，不能执行该操作。")
                % {"serial": label.serial, "state": label.get_state_display()},
            )
        try:
            method()
        except TransitionNotAllowed as exc:  # a condition changed between check and call
            raise LabelTransitionError(label, name, str(exc)) from None
        now = timezone.now()
        label.state_changed_at = now
        label.save()
        LabelTransition.objects.create(
            label=label,
            name=name,
            from_state=from_state,
            to_state=label.state,
            actor=origin.actor,
            organization=getattr(origin.actor, "organization", None),
            source=origin.source,
            ip_address=origin.ip_address,
            note=note[:255],
            at=now,
        )
        audit.record(
            action=f"label.{name}",
            obj=label,
            object_id=label.serial,
            origin=origin,
            from_state=from_state,
            to_state=label.state,
            detail=note,
            at=now,
        )
    return label
