from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    name = "remediation"
    verbose_name = _("整改与督办")

    def ready(self):
        # Personal data this app keeps is blanked by the one daily purge (core.retention).
        from core import retention

        from .retention import purge_personal_data

        retention.register(purge_personal_data)
        # Registered in every process, not only in workers: the services queue delivery by the task's name
        # (remediation.notifications), which must resolve to the task to honour eager mode and routing.
        from . import tasks  # noqa: F401
