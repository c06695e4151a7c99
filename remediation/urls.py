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
    path("inbox/<id:pk>/", views.inbox_open, name="inbox-open"),
    path("<id:pk>/", views.case_page, name="case"),
    path("<id:pk>/photos/<id:photo>/", views.case_photo, name="case-photo"),
    path("<id:pk>/contact/", views.contact, name="contact"),
    path("<id:pk>/resolve/", views.resolve, name="resolve"),
    path("<id:pk>/reassign/", views.reassign, name="reassign"),
    path("<id:pk>/followup/close/", views.close_followup, name="close-followup"),
    path("<id:pk>/report-regulator/", views.report_to_regulator, name="report-regulator"),
    path("<id:pk>/note/", views.note, name="note"),
]
