"""The audit log, read-only, for the association's reviewers and the regulator."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts import permissions

from .actions import filter_choices
from .selectors import audit_entries

PAGE_SIZE = 100


@login_required
def audit_log(request):
    if not permissions.sees_all_records(request.user):
        raise PermissionDenied
    query = {key: request.GET.get(key, "")[:64] for key in ("object_id", "action", "actor")}
    page = Paginator(audit_entries(**query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page, "query": query, "action_groups": filter_choices()})
