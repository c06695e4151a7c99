from django.urls import path

from . import declaration_views as views

app_name = "declarations"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("<id:pk>/<str:step>/", views.do_step, name="step"),
]
