"""Back-office pages: models, batches, labels, statistics and the declaration list; thin, scoped by selectors.

The declaration's own pages (declare, the review steps) belong to its process: workflows/declaration/views.py.
"""

from csp.decorators import csp_exempt
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export.views import ExportMixin

from audit import services as audit
from core import digital_link
from core.exports import TableExport
from core.paging import BoundedPaginator

from . import filters, pdf, selectors, tables
from .forms import ApplianceModelForm, PrintJobForm
from .services.documents import store_document
from .services.labels import Origin


def back_office(request):
    if not request.user.is_authenticated:
        return False
    if not selectors.can_use_back_office(request.user):
        raise PermissionDenied(_("该页面仅供协会审核员和燃具企业使用。"))
    return True


def login_redirect(request):
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(request.get_full_path())


class BackOfficeList(LoginRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """A filtered, sortable, exportable list of what the user may see."""

    template_name = "cases/list.html"
    paginate_by = 50
    paginator_class = BoundedPaginator  # ?per_page= from the query string, kept between 1 and a bound
    export_formats = ["csv", "xlsx"]
    export_class = TableExport  # formulas neutralised, local times, CSV with a BOM
    title = ""
    selector = None
    new_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.can_use_back_office(request.user):
            raise PermissionDenied(_("该页面仅供协会审核员和燃具企业使用。"))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return type(self).selector(self.request.user)

    def get_export_filename(self, export_format):
        return f"{self.export_name}.{export_format}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        can_create = self.new_url_name and selectors.is_manufacturer(self.request.user)
        context["new_url_name"] = self.new_url_name if can_create else None
        return context


class ModelList(BackOfficeList):
    title = gettext_lazy("燃具型号")
    selector = selectors.models_for
    table_class = tables.ApplianceModelTable
    filterset_class = filters.ApplianceModelFilter
    export_name = "models"
    new_url_name = "cases:model_create"


class DeclarationList(BackOfficeList):
    title = gettext_lazy("标识申报")
    selector = selectors.declarations_for
    table_class = tables.DeclarationTable
    filterset_class = filters.DeclarationFilter
    export_name = "declarations"
    new_url_name = "declarations:create"


class BatchList(BackOfficeList):
    title = gettext_lazy("标识批次")
    selector = selectors.batches_for
    table_class = tables.LabelBatchTable
    filterset_class = filters.LabelBatchFilter
    export_name = "batches"


class LabelList(BackOfficeList):
    title = gettext_lazy("标识")
    selector = selectors.labels_for
    table_class = tables.LabelTable
    filterset_class = filters.LabelFilter
    export_name = "labels"
    paginate_by = 100


class StatsView(BackOfficeList):
    """Label counts per brand and model by state (statistics follow the labels automatically)."""

    title = gettext_lazy("按品牌型号统计")
    selector = selectors.labels_for
    table_class = tables.StateCountTable
    filterset_class = filters.StatsFilter
    export_name = "label-stats"

    def get_table_data(self):
        return list(selectors.state_counts(self.object_list))


def model_create(request):
    if not back_office(request):
        return login_redirect(request)
    if not selectors.is_manufacturer(request.user):
        raise PermissionDenied(_("只有燃具企业可以登记型号。"))
    form = ApplianceModelForm(request.POST or None, request.FILES or None, manufacturer=request.user.organization)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                model = form.save()
                origin = Origin.from_request(request)
                audit.record(action="appliance_model.create", obj=model, origin=origin)
                for kind, upload in form.documents():
                    store_document(
                        appliance_model=model, upload=upload, kind=kind, uploaded_by=request.user, origin=origin
                    )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("型号已登记。"))
            return redirect("cases:model_detail", model.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/form.html", {"form": form, "title": _("登记燃具型号")}, status=status)


def model_detail(request, pk):
    if not back_office(request):
        return login_redirect(request)
    model = get_object_or_404(selectors.models_for(request.user), pk=pk)
    counts = list(selectors.state_counts(model.labels.all()))
    row = counts[0] if counts else None
    return render(
        request,
        "cases/model_detail.html",
        {
            "model": model,
            "documents": model.documents.all(),
            "declarations": model.declarations.all()[:50],
            "state_counts": [(state, label, row[state]) for state, label in tables.LabelState.choices] if row else [],
        },
    )


def batch_detail(request, pk):
    if not back_office(request):
        return login_redirect(request)
    batch = get_object_or_404(selectors.batches_for(request.user), pk=pk)
    counts = selectors.batch_state_counts(batch)
    return render(
        request,
        "cases/batch_detail.html",
        {
            "batch": batch,
            "state_counts": [(state, label, counts.get(state, 0)) for state, label in tables.LabelState.choices],
            "labels": batch.labels.order_by("pk")[:20],
            "is_reviewer": selectors.is_reviewer(request.user),
            "generation": selectors.generation_progress(batch),
            "jobs": [selectors.print_job_progress(job) for job in selectors.print_jobs_for(request.user, batch)[:50]],
            "print_form": PrintJobForm(),
        },
    )


@require_GET
def label_image(request, serial, fmt):
    if not back_office(request):
        return login_redirect(request)
    if fmt not in ("png", "svg"):
        raise Http404
    label = get_object_or_404(selectors.labels_for(request.user).select_related("appliance_model"), serial=serial)
    if fmt == "svg":
        body = pdf.label_svg(label.serial, pdf.label_text_for(label.appliance_model))
        return HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    gtin = digital_link.label_gtin(label.appliance_model)
    return HttpResponse(pdf.label_png(label.serial, gtin=gtin), content_type="image/png")


@require_GET
@csp_exempt()  # browsers' PDF viewers break under the site policy; the file is sniffed on upload, never HTML
def document_download(request, pk):
    """A declaration document, for its manufacturer and reviewers only (404 for anyone else)."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    document = get_object_or_404(selectors.documents_for(request.user), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=document.content_type)
    disposition = "inline" if request.GET.get("download") != "1" else "attachment"
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(disposition == "attachment", document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    # Inline viewing inside our own review page only (the type was sniffed on upload, never HTML).
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response
