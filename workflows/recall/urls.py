from django.urls import path

from . import views

app_name = "recalls"

urlpatterns = [
    path("", views.recall_list, name="list"),
    path("<id:pk>/lift/", views.lift, name="lift"),
    path("in-service/", views.in_service, name="in-service"),
]
