from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("业务流程")

    def ready(self):
        # The domain apps call their processes through hooks (core.hooks), never by importing workflows/:
        # answering them here keeps dependence pointing one way.
        from .declaration import services as declaration
        from .remediation import runner as remediation

        declaration.register()
        remediation.register()
