from django.urls import path

from . import views, views_pwa, views_report

app_name = "field"

urlpatterns = [
    path("q/", views.scan_lookup, name="scan-lookup"),
    # Before q/<code>/ (which would take "report" for a code): a resident reports a not-genuine label.
    path("q/report/", views_report.report_not_genuine_page, name="report-not-genuine"),
    path("q/<str:code>", views.scan_page, name="scan"),
    path("q/<str:code>/", views.scan_page),  # a trailing slash typed or added by a QR app
    path("q/<str:code>/book/", views.book_page, name="book"),
    # GS1 Digital Link: /01/{gtin}/21/{serial} (a label), /01/{gtin} (its model); other AIs are parsed there.
    path("01/<path:rest>", views.digital_link_page, name="digital-link"),
    path("p/<str:number>", views.permit_public, name="permit-public"),
    path("manifest.webmanifest", views_pwa.manifest, name="manifest"),  # the installable field app
    path("sw.js", views_pwa.service_worker, name="service-worker"),  # at the root: its scope is the whole site
    path("field/outbox/", views_pwa.outbox_page, name="outbox"),
    path("field/offline/", views_pwa.offline_page, name="offline"),
    path("field/scan/", views.scanner, name="scanner"),
    path("field/sell/", views.scanner, {"action": "sell"}, name="sell-start"),
    path("field/install/", views.scanner, {"action": "install"}, name="install-start"),
    path("field/repair/", views.scanner, {"action": "repair"}, name="repair-start"),
    path("field/ignite/", views.scanner, {"action": "ignite"}, name="ignite-start"),
    path("field/sell/<str:code>/", views.sell_page, name="sell"),
    path("field/install/<str:code>/", views.install_page, name="install"),
    path("field/repair/<str:code>/", views.repair_page, name="repair"),
    path("field/ignite/<str:code>/", views.ignite_page, name="ignite"),
    path("field/work/<id:pk>/rate/", views.rate_page, name="rate"),
    path("r/<str:token>/", views.rate_link_page, name="rate-link"),
    path("field/bookings/", views.bookings_page, name="bookings"),
    path("field/bookings/<id:pk>/schedule/", views.booking_schedule, name="booking-schedule"),
    path("field/permits/", views.permits_page, name="permits"),
    path("field/clones/", views.clones_page, name="clones"),
    path("field/clones/<id:pk>/close/", views.clone_close, name="clone-close"),
    path("field/permits/<id:pk>/card/", views.permit_card, name="permit-card"),
    path("field/permits/<id:pk>/revoke/", views.permit_revoke, name="permit-revoke"),
]
