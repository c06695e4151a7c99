from django.urls import path

from . import views

app_name = "health"

urlpatterns = [
    path("", views.health_view, name="all"),
    path("web/", views.web_health_view, name="web"),
]
