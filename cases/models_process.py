"""viewflow process proxies owned by the cases app (workflows/ has no migrations of its own)."""

from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class DeclarationProcess(Process):
    """One run of the declaration review flow; its artifact is the Declaration."""

    class Meta:
        proxy = True
        verbose_name = _("申报审核流程")
        verbose_name_plural = _("申报审核流程")

    @property
    def declaration(self):
        # Cached per instance: the flow's gates and views read it several times.
        cached = getattr(self, "_declaration_cache", None)
        if cached is None or cached.pk != self.artifact_object_id:
            from .models import Declaration

            cached = Declaration.objects.select_related("appliance_model").get(pk=self.artifact_object_id)
            self._declaration_cache = cached
        return cached
