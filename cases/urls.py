from django.urls import path

from . import views, views_print

app_name = "cases"

urlpatterns = [
    path("models/", views.ModelList.as_view(), name="model_list"),
    path("models/new/", views.model_create, name="model_create"),
    path("models/<id:pk>/", views.model_detail, name="model_detail"),
    path("declarations/", views.DeclarationList.as_view(), name="declaration_list"),
    path("batches/", views.BatchList.as_view(), name="batch_list"),
    path("batches/<id:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<id:pk>/print/", views_print.print_start, name="print_start"),
    path("batches/<id:pk>/progress/", views_print.batch_progress, name="batch_progress"),
    path("print-jobs/<id:job_id>/file", views_print.print_download, name="print_download"),
    path("print-jobs/<id:job_id>/retry/", views_print.print_retry, name="print_retry"),
    path("labels/", views.LabelList.as_view(), name="label_list"),
    path("labels/<str:serial>.<str:fmt>", views.label_image, name="label_image"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("documents/<id:pk>/", views.document_download, name="document"),
]
