"""/api/v1/ for the mobile app, plus the OpenAPI schema and offline Swagger UI."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("v1/auth/token/", views.ObtainToken.as_view(), name="api-token"),
    path("v1/me/", views.Me.as_view(), name="api-me"),
    path("", include("api.remediation")),  # /v1/reports/ (remediation cases)
    path("", include("api.field")),  # scan, sell, work, rate, ignite, permits, bookings
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]
