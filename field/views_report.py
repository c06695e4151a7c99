"""The resident's report of a label the scan page called not genuine. Thin: the rules are in remediation."""

from django.shortcuts import render

from accounts import city
from cases.services.labels import Origin
from core import ratelimit
from remediation.services.errors import RemediationError
from remediation.services.resident_reports import report_not_genuine

from .forms import NotGenuineReportForm


def report_not_genuine_page(request):
    """GET /q/report/?code=… shows the form; POST opens (or adds to) the association's case. Anonymous writes are
    rate-limited per client like bookings; the hotline is on every answer."""
    posting = request.method == "POST"
    if ratelimit.limited(request, group=ratelimit.ANONYMOUS_WRITE if posting else ratelimit.LOOKUP):
        return render(request, "field/rate_limited.html", status=429)
    code = (request.POST.get("code") if posting else request.GET.get("code")) or ""
    form = NotGenuineReportForm(request.POST or None, request.FILES or None)
    current_city = city.current_city()
    context = {
        "code": code[:200],
        "form": form,
        "hotline": current_city.hotline,
        "association_name": current_city.association_name,
    }
    if not posting:
        return render(request, "field/report_not_genuine.html", context)
    if form.is_valid():
        try:
            case = report_not_genuine(
                code=code,
                description=form.cleaned_data["description"],
                resident_phone=form.cleaned_data["phone"],
                district=form.cleaned_data["district"],
                photo=form.cleaned_data["photo"],
                origin=Origin.from_request(request),
            )
        except RemediationError as error:
            context["error"] = error
            return render(request, "field/report_not_genuine.html", context, status=error.status)
        return render(request, "field/report_not_genuine.html", {**context, "case": case})
    return render(request, "field/report_not_genuine.html", context, status=400)
