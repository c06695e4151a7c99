"""How remediation's services drive the case's process: the answers to remediation.hooks."""

from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from remediation import hooks
from remediation.models import RemediationCase
from remediation.services.errors import RemediationError

from .flow import RemediationFlow

STEPS = {"contact": RemediationFlow.contact, "remedy": RemediationFlow.remedy}


def start_case(**fields) -> RemediationCase:
    return RemediationFlow.start.run(**fields)


def complete_step(case: RemediationCase, step: str) -> None:
    node = STEPS[step]
    task = Task.objects.filter(process_id=case.pk, flow_task=node, status=STATUS.NEW).first()
    if task is None:
        raise RemediationError(_("该环节已办理。"), status=409)
    node.run(task)


def register() -> None:
    hooks.start_case.answer(start_case)
    hooks.complete_step.answer(complete_step)
