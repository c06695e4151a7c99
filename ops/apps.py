from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("运行状态")

    def ready(self):
        # Imported when Django has loaded the apps: the checks register themselves, the log hook needs settings.
        from celery.signals import worker_ready

        from . import checks  # noqa: F401  registers the system checks
        from .public_url import warn_if_loopback

        # Workers make the print files: their log says so when the QR codes would carry a loopback address.
        worker_ready.connect(lambda **kwargs: warn_if_loopback("labels made by this worker"), weak=False)
