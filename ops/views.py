"""/health/ and /health/web/: JSON for machines (HTML for a browser), 503 when anything fails."""

from django.http import JsonResponse
from health_check.views import HealthCheckView

from . import health


class HealthView(HealthCheckView):
    """django-health-check's view, answering 503 Service Unavailable (what load balancers and uptime
    monitors treat as "take it out") instead of 500, and JSON unless a browser asks for HTML."""

    def selected_checks(self):
        return health.all_checks()

    def get_checks(self):
        self.checks = self.selected_checks()
        return super().get_checks()

    async def get(self, request, *args, **kwargs):
        if "format" not in request.GET and "html" not in request.headers.get("accept", ""):
            request.GET = request.GET.copy()
            request.GET["format"] = "json"
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response

    def render_to_response_json(self, status):
        checks = {repr(result.check): str(result.error) if result.error else "OK" for result in self.results}
        return JsonResponse({"status": "fail" if status >= 500 else "ok", "checks": checks}, status=status)


class WebHealthView(HealthView):
    """Only what this web process needs (database, cache, storage, broker): for the load balancer."""

    def selected_checks(self):
        return health.web_checks()


health_view = HealthView.as_view()
web_health_view = WebHealthView.as_view()
