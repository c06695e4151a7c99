"""viewflow's own admin for processes and tasks, made read-only: a process or task status moves through the
flows (workflows/*/flow.py) and our services, never by hand (issue 14: no back door)."""

from django.contrib import admin
from viewflow.workflow import admin as viewflow_admin
from viewflow.workflow.models import Process, Task

from core.admin import ReadOnlyAdmin

admin.site.unregister(Process)
admin.site.unregister(Task)


@admin.register(Process)
class ProcessAdmin(ReadOnlyAdmin, viewflow_admin.ProcessAdmin):
    pass


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin, viewflow_admin.TaskAdmin):
    pass
