"""The remediation case as a viewflow 2 process: reported → contact the resident → remedy (relabel, return, exchange) → end.

Both dealer steps are `flow.Handle` tasks: the dealer works on our own mobile pages
(remediation/views.py) and the API, and remediation.services completes the task
with `RemediationFlow.contact.run(task, ...)`. Who may act is the case's dealer
organisation (not a single user), which viewflow's per-user assignment cannot
express, so the services check it (accounts.permissions.can_act_on_case).

No viewflow timer is attached to these tasks: each step's clock is the durable
`remediation.models.Deadline` row, swept by remediation.services.sla (see the
docstring of remediation/models.py for why there is one clock, not two).

Locking: the services take `SELECT … FOR UPDATE` on the case row before they
run a task, so the flow itself only needs a transaction (`no_lock`).
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from remediation.models import RemediationCase


class RemediationFlow(flow.Flow):
    """整改单

    标识缺失、不符或疑似假冒时，由销售代理商限时联系用户并完成整改。
    """

    process_class = RemediationCase
    lock_impl = lock.no_lock

    # Every node has a Chinese title: the case page lists the tasks (viewflow would say "Start", "End").
    start = flow.StartHandle(this.start_case).Annotation(title=_("报告问题")).Next(this.contact)
    contact = flow.Handle(this.record_contact).Annotation(title=_("联系用户")).Next(this.remedy)
    # (not "resolve": `this.resolve` is a method of viewflow's `this`)
    remedy = flow.Handle(this.record_resolution).Annotation(title=_("完成整改")).Next(this.end)
    end = flow.End().Annotation(title=_("结案"))

    def start_case(self, activation, **fields):
        """Fill the new process row from the report; StartHandle saves it."""
        for name, value in fields.items():
            setattr(activation.process, name, value)
        return activation.process

    def record_contact(self, activation, **kwargs):
        # The business effects live in remediation.services; the task only marks the step done.
        return activation.process

    def record_resolution(self, activation, **kwargs):
        return activation.process
