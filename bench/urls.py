"""The project's URLs plus /bench/constant/: the floor a request through our middleware costs (bench/scan.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from project.urls import urlpatterns as project_urlpatterns


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench/constant/", constant, name="bench-constant"), *project_urlpatterns]
