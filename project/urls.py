from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from project import converters  # noqa: F401  registers <id:…> before the apps' URLconfs load

# Under /api/ these answer JSON {code, detail, errors}; pages keep our templates.
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"

urlpatterns = [
    path("", account_views.home, name="home"),
    # First: the public scan (/q/…, /01/…) is the busiest route, and field's prefixes (q/, 01/, p/, r/, field/, sw.js,
    # manifest.webmanifest) are none of the others'.
    path("", include("field.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),  # setlang/ (POST), kept for forms and scripts that use it
    path("i18n/<str:code>/", account_views.switch_language, name="switch-language"),  # the header's language links
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("stats/", include("stats.urls")),  # dashboards, exports, periodic reports
    path("backoffice/", include("cases.urls")),  # models, declarations, batches, labels, stats
    path("declarations/", include("workflows.declaration.urls")),  # declare, review flow: inbox, page, steps
    path("remediation/", include("remediation.urls")),  # cases, deadlines, escalation queues
    path("recalls/", include("workflows.recall.urls")),  # recall and lift, recalled appliances in homes
    path("audit/", include("audit.urls")),  # the append-only audit log, read-only
    path("health/", include("ops.urls")),  # /health/ (everything) and /health/web/ (for the load balancer)
]
