from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("组织与账号")

    def ready(self):
        from . import city  # noqa: F401  (connects the signals that drop the cached city)
