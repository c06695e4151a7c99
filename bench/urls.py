"""The project's URLs plus two bench-only views through the same middleware (bench/scan.py):

- /bench/constant/: HttpResponse("ok"), the floor a request through our middleware costs, and issue 19's yardstick;
- /bench/one-row/<serial>: the label's state read by serial through the ORM, as text: what any page that reads
  one row costs. Reported beside the scan, not judged: it shows how much of the gap is the database round trip.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cases.models import Label
from project.urls import urlpatterns as project_urlpatterns


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def one_row(request: HttpRequest, serial: str) -> HttpResponse:
    state = Label.objects.filter(serial=serial).values_list("state", flat=True).first()
    return HttpResponse(state or "", status=200 if state else 404)


urlpatterns = [
    path("bench/constant/", constant, name="bench-constant"),
    path("bench/one-row/<str:serial>", one_row, name="bench-one-row"),
    *project_urlpatterns,
]
