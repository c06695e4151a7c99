from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "field"
    verbose_name = _("现场作业")

    def ready(self):
        # Personal data this app keeps is blanked by the one daily purge (core.retention).
        from core import retention

        from .retention import purge_personal_data

        retention.register(purge_personal_data)
