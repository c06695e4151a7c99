from django.urls import path

from . import views

app_name = "remediation"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("mine/", views.DealerQueue.as_view(), name="dealer-queue"),
    path("escalations/", views.AssociationQueue.as_view(), name="association-queue"),
    path("cases/", views.AllCases.as_view(), name="all-cases"),
    path("escalated/", views.RegulatorQueue.as_view(), name="regulator-queue"),
    path("inbox/", views.inbox, name="inbox"),
    path("<int:pk>/", views.case_page, name="case"),
    path("<int:pk>/contact/", views.contact, name="contact"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/followup/close/", views.close_followup, name="close-followup"),
    path("<int:pk>/report-regulator/", views.report_to_regulator, name="report-regulator"),
    path("<int:pk>/note/", views.note, name="note"),
]
