from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    path("new/", views.create, name="create"),
    path("inbox/", views.inbox, name="inbox"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/<str:step>/", views.do_step, name="step"),
]
