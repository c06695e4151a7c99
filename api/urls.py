"""/api/v1/ for the mobile app, plus the OpenAPI schema and offline Swagger UI."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import errors, views

urlpatterns = [
    path("v1/auth/token/", views.ObtainToken.as_view(), name="api-token"),
    path("v1/me/", views.Me.as_view(), name="api-me"),
    path("", include("api.remediation")),  # /v1/reports/ (remediation cases)
    path("", include("api.field")),  # scan, sell, work, rate, ignite, permits, bookings
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script from a URL: no inline script, so the CSP applies unchanged.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(r"^", errors.not_found),  # last: any other /api/ path is a JSON 404
]
