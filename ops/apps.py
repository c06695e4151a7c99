from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("运行状态")

    def ready(self):
        from . import checks  # noqa: F401  registers the system checks
