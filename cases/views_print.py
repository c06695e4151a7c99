"""Print files of a batch: start a job, watch its progress (JSON for static/cases/print.js), download, retry.

Thin: cases.services.print_jobs does the work in a Celery job; these views only
start it, read its row and hand over the finished file from Django's storage.
"""

from csp.decorators import csp_exempt
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import print_files, selectors
from .forms import PrintJobForm
from .models import LabelTransition, PrintJob
from .services import print_jobs
from .services.labels import Origin
from .views import back_office, login_redirect


def _reviewer_batch(request, pk):
    if not selectors.is_reviewer(request.user):
        raise PermissionDenied(_("只有协会可以印制标识。"))
    return get_object_or_404(selectors.batches_for(request.user), pk=pk)


def job_progress(job):
    """The job's progress with its links (download only when the file is whole)."""
    row = selectors.print_job_progress(job)
    row["download_url"] = reverse("cases:print_download", args=[job.pk]) if job.state == PrintJob.State.DONE else None
    return row


@require_POST
def print_start(request, pk):
    """Queue a print file (or find the one already made); answers at once and goes back to the batch page."""
    if not back_office(request):
        return login_redirect(request)
    batch = _reviewer_batch(request, pk)
    form = PrintJobForm(request.POST)
    back = redirect(reverse("cases:batch_detail", args=[batch.pk]) + "#print")
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return back
    try:
        job, queued = print_jobs.start_print_job(
            batch_id=batch.pk, origin=Origin.from_request(request, LabelTransition.Source.WEB), **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    if queued:
        messages.success(request, _("已开始制作：%(name)s") % {"name": print_files.file_name(job)})
    else:
        messages.info(request, _("该文件已在制作或已完成，未重复制作：%(name)s") % {"name": print_files.file_name(job)})
    return back


@require_POST
def print_retry(request, job_id):
    if not back_office(request):
        return login_redirect(request)
    job = get_object_or_404(PrintJob, pk=job_id)
    _reviewer_batch(request, job.batch_id)
    if job.state != PrintJob.State.FAILED:
        messages.info(request, _("只有失败的文件可以重试。"))
    else:
        print_jobs.retry_print_job(job_id=job.pk, origin=Origin.from_request(request, LabelTransition.Source.WEB))
        messages.success(request, _("已重新开始制作。"))
    return redirect(reverse("cases:batch_detail", args=[job.batch_id]) + "#print")


@require_GET
def batch_progress(request, pk):
    """Label generation and print jobs of a batch, for the live progress bars (polled by static/cases/print.js)."""
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_authenticated", "detail": _("请先登录。")}, status=401)
    if not selectors.can_use_back_office(request.user):
        raise PermissionDenied
    batch = get_object_or_404(selectors.batches_for(request.user), pk=pk)
    return JsonResponse(
        {
            "stage": batch.stage,
            "generation": selectors.generation_progress(batch),
            "jobs": [job_progress(job) for job in selectors.print_jobs_for(request.user, batch)[:50]],
        }
    )


@require_GET
@csp_exempt()  # browsers' PDF viewers break under the site policy; the file is ours, never HTML
def print_download(request, job_id):
    """A finished print file from storage; 404 until the job is done (never a partial file)."""
    if not back_office(request):
        return login_redirect(request)
    job = get_object_or_404(PrintJob, pk=job_id)
    _reviewer_batch(request, job.batch_id)
    if job.state != PrintJob.State.DONE or not job.file_name:
        raise Http404(_("文件尚未完成。"))
    try:
        handle = default_storage.open(job.file_name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}.get(
        print_files.extension(job.kind), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, print_files.file_name(job))
    response["X-Content-Type-Options"] = "nosniff"
    return response
