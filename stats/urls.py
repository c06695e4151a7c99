from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("", views.index, name="index"),
    path("reports/", views.reports_page, name="reports"),
    path("reports/<id:pk>.<str:fmt>", views.report_download, name="report-download"),
    path("<str:section>/", views.section_page, name="section"),
    path("<str:section>/<str:key>.<str:fmt>", views.export, name="export"),
]
