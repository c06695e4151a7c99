"""Remediation endpoints of the mobile API: report a problem, read a case, the dealer's two steps.

Thin: serializers check types, remediation.services decides; a RemediationError becomes
its HTTP status with {"code", "detail", "errors"}.
"""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import permissions, pii
from api.errors import ErrorSerializer
from api.fields import DistrictField
from api.idempotency import idempotent
from cases.models import LabelTransition
from cases.services.labels import Origin
from core import limits
from core.errors import error_body
from remediation import selectors, services
from remediation.models import ProblemKind, Resolution
from remediation.services.errors import RemediationError

# 422: an Idempotency-Key reused with a different body (api.idempotency).
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer, 422: ErrorSerializer}


class ReportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProblemKind.choices)
    serial = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    district = DistrictField(required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    resident_phone = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    description = serializers.CharField(required=False, allow_blank=True, max_length=limits.LONG_TEXT, default="")


class DeadlineSerializer(serializers.Serializer):
    step = serializers.CharField()
    level = serializers.CharField()
    due_at = serializers.DateTimeField()
    state = serializers.CharField()


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    code = serializers.CharField()
    stage = serializers.CharField()
    escalation_level = serializers.CharField()
    dealer = serializers.CharField(source="dealer.name", default=None, allow_null=True)
    reported_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)  # null while the case is open
    resolution = serializers.CharField()
    resident_phone = serializers.SerializerMethodField()
    deadlines = DeadlineSerializer(many=True, source="deadlines.all")
    url = serializers.SerializerMethodField()

    def get_resident_phone(self, case) -> str:
        user = self.context["request"].user
        return pii.phone_for(case.resident_phone, may_call=permissions.may_call_resident(user, case))

    def get_url(self, case) -> str:
        return self.context["request"].build_absolute_uri(f"/remediation/{case.pk}/")


REMEDIATION_CODES = {400: "invalid", 403: "permission_denied", 404: "not_found", 409: "conflict"}


class RemediationAPIView(APIView):
    def handle_exception(self, exc):
        if isinstance(exc, RemediationError):
            return Response(error_body(REMEDIATION_CODES.get(exc.status, "invalid"), exc.message), status=exc.status)
        return super().handle_exception(exc)

    def origin(self):
        return Origin.from_request(self.request, LabelTransition.Source.API)

    def case_response(self, pk, status_code=status.HTTP_200_OK):
        case = selectors.case_detail(pk)
        if case is None or not permissions.can_view_case(self.request.user, case):
            raise Http404
        return Response(CaseSerializer(case, context={"request": self.request}).data, status=status_code)


class Reports(RemediationAPIView):
    @extend_schema(request=ReportSerializer, responses={201: CaseSerializer, **ERRORS})
    @idempotent
    def post(self, request):
        """An installer or ignition worker reports a problem; the label is suspended until the case closes."""
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.report_problem(reporter=request.user, origin=self.origin(), **data.validated_data)
        return self.case_response(case.pk, status.HTTP_201_CREATED)


class CaseDetail(RemediationAPIView):
    @extend_schema(responses={200: CaseSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        return self.case_response(pk)


class ContactSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class Contact(RemediationAPIView):
    @extend_schema(request=ContactSerializer, responses={200: CaseSerializer, **ERRORS})
    @idempotent
    def post(self, request, pk):
        # A serializer, not request.data.get(): the body may be any JSON (a list was a 500).
        data = ContactSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.record_contact(case_id=pk, user=request.user, note=data.validated_data["note"], origin=self.origin())
        return self.case_response(pk)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    new_serial = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class Resolve(RemediationAPIView):
    @extend_schema(request=ResolveSerializer, responses={200: CaseSerializer, **ERRORS})
    @idempotent
    def post(self, request, pk):
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.resolve_case(case_id=pk, user=request.user, origin=self.origin(), **data.validated_data)
        return self.case_response(pk)


urlpatterns = [
    path("v1/reports/", Reports.as_view(), name="api-reports"),
    path("v1/reports/<id:pk>/", CaseDetail.as_view(), name="api-report"),
    path("v1/reports/<id:pk>/contact/", Contact.as_view(), name="api-report-contact"),
    path("v1/reports/<id:pk>/resolve/", Resolve.as_view(), name="api-report-resolve"),
]
