"""Field endpoints of the mobile API: scan, sell, install/repair, rate, ignite, permits, bookings.

Thin: each endpoint validates types with a serializer and calls the same field service as the pages;
a FieldError becomes its HTTP status with {"code", "detail", ...}.
"""

from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import pii, roles
from accounts.models import User
from api.fields import DateTimeField, DistrictField
from api.idempotency import idempotent
from api.scan import is_plain_scan, json_response, scan_data
from cases.models import LabelTransition
from cases.services.labels import Origin
from core import limits, ratelimit
from core.client import client_ip
from core.errors import error_body
from field import selectors
from field.models import Booking, PhoneCode, ScanLog, WorkPermit, WorkRecord
from field.services import bookings as booking_services
from field.services import permits as permit_services
from field.services import phone_codes
from field.services.errors import FieldError, require_role, settle
from field.services.ignition import ignite
from field.services.labels import find_label
from field.services.sales import sell
from field.services.scans import record_scan
from field.services.work import rate_work, record_work

ErrorSerializer = inline_serializer(
    "FieldError",
    {
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "errors": serializers.DictField(help_text="per-field messages for bad input; {} otherwise"),
        "report_url": serializers.CharField(required=False),
    },
)
# 422: an Idempotency-Key reused with a different body (api.idempotency).
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer, 422: ErrorSerializer}


def origin(request):
    return Origin.from_request(request, LabelTransition.Source.API)


def too_many_body(write=False):
    detail = _("提交过于频繁，请稍后再试。") if write else _("查询过于频繁，请稍后再试。")
    return error_body("rate_limited", detail)


def too_many(write=False):
    return Response(too_many_body(write), status=429)


def refused(error):
    return Response(error_body(error.code, error.message, **error.extra), status=error.status)


class FieldAPIView(APIView):
    """Turns FieldError into its response, so endpoints hold only the happy path."""

    def handle_exception(self, exc):
        if isinstance(exc, FieldError):
            settle(exc)  # after an Idempotency-Key's transaction rolled back: a clone signal still stays
            return refused(exc)
        return super().handle_exception(exc)


# --- serializers ----------------------------------------------------------------------------------


class ScanSerializer(serializers.Serializer):
    code = serializers.CharField()
    serial = serializers.CharField()
    verdict = serializers.ChoiceField(choices=ScanLog.Verdict.choices)
    genuine = serializers.BooleanField(source="is_genuine")
    state = serializers.CharField(source="label.state", default=None, allow_null=True)
    brand = serializers.CharField(source="model.brand", default=None, allow_null=True)
    model_number = serializers.CharField(source="model.model_number", default=None, allow_null=True)
    category = serializers.CharField(source="model.category", default=None, allow_null=True)
    manufacturer = serializers.CharField(source="model.manufacturer.name", default=None, allow_null=True)
    gas_category = serializers.CharField(source="model.gas_category", default=None, allow_null=True)
    supply_gas = serializers.CharField()
    fits_gas = serializers.BooleanField()
    recalled = serializers.BooleanField(source="is_recalled")
    recall_reason = serializers.CharField(source="recall.reason", default=None, allow_null=True)
    recalled_on = serializers.DateField(source="recall.recalled_on", default=None, allow_null=True)
    suspended = serializers.BooleanField(source="is_suspended")
    installation_company = serializers.CharField(source="installation.company.name", default=None, allow_null=True)
    installed_at = serializers.DateTimeField(source="installation.at", default=None, allow_null=True)
    ignited_at = serializers.DateTimeField(source="ignition.at", default=None, allow_null=True)
    history = serializers.SerializerMethodField()

    def get_history(self, view) -> list[dict]:
        return [{"kind": r.kind, "at": r.at.isoformat(), "company": r.company.name} for r in view.work_records]


class SellInput(serializers.Serializer):
    district = DistrictField(required=False, allow_blank=True)


class WorkInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WorkRecord.Kind.choices, default=WorkRecord.Kind.INSTALLATION)
    permit = serializers.CharField(max_length=limits.CODE, help_text="permit number or the scanned permit QR text")
    nameplate_confirmed = serializers.BooleanField()
    district = DistrictField()


class WorkRecordSerializer(serializers.ModelSerializer):
    serial = serializers.CharField(source="label.serial")
    permit = serializers.CharField(source="permit.number")
    company = serializers.CharField(source="company.name")

    class Meta:
        model = WorkRecord
        fields = ["id", "serial", "kind", "permit", "company", "district", "at", "rating", "comment", "rated_at"]


class RatingInput(serializers.Serializer):
    phone = serializers.CharField(max_length=limits.PHONE)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=limits.NOTE, default="")
    # Optional here so the service answers a missing code like a wrong one; never a rating without it.
    sms_code = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")


class IgniteInput(serializers.Serializer):
    permit = serializers.CharField(max_length=limits.CODE)


class IgnitionSerializer(serializers.Serializer):
    serial = serializers.CharField(source="label.serial")
    state = serializers.CharField(source="label.state")
    company = serializers.CharField(source="company.name")
    permit = serializers.CharField(source="permit.number")
    supply_gas_category = serializers.CharField()
    at = serializers.DateTimeField()


class PermitSerializer(serializers.ModelSerializer):
    company = serializers.CharField(source="company.name")
    valid_today = serializers.SerializerMethodField()
    problem = serializers.SerializerMethodField()
    qr_url = serializers.SerializerMethodField()

    class Meta:
        model = WorkPermit
        fields = [
            "id",
            "number",
            "holder_name",
            "company",
            "kind",
            "valid_from",
            "valid_until",
            "revoked_at",
            "valid_today",
            "problem",
            "qr_url",
        ]

    def get_problem(self, permit) -> str | None:
        return permit_services.permit_problem(permit=permit)

    def get_valid_today(self, permit) -> bool:
        return self.get_problem(permit) is None

    def get_qr_url(self, permit) -> str:
        return permit_services.permit_url(permit.number)


class PermitIssueInput(serializers.Serializer):
    holder = serializers.IntegerField(help_text="user id of the trained worker")
    kind = serializers.ChoiceField(choices=WorkPermit.Kind.choices)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()


class RevokeInput(serializers.Serializer):
    reason = serializers.CharField(max_length=limits.REASON)


class BookingInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Booking.Kind.choices)
    company = serializers.IntegerField()
    phone = serializers.CharField(max_length=limits.PHONE)
    district = DistrictField()
    address = serializers.CharField(required=False, allow_blank=True, max_length=limits.ADDRESS, default="")
    preferred_date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=limits.REASON, default="")
    # Optional here so the service answers a missing code in the same words as a wrong one (and a recalled
    # or suspended appliance first); a booking is never made without it.
    sms_code = serializers.CharField(
        max_length=6,
        required=False,
        allow_blank=True,
        default="",
        help_text="the code sent to `phone` by POST /api/v1/phone-codes/ (purpose=booking)",
    )


class PhoneCodeInput(serializers.Serializer):
    phone = serializers.CharField(max_length=limits.PHONE)
    purpose = serializers.ChoiceField(choices=PhoneCode.Purpose.choices)


class BookingSerializer(serializers.ModelSerializer):
    serial = serializers.CharField(source="label.serial")
    company_name = serializers.CharField(source="company.name")

    class Meta:
        model = Booking
        fields = [
            "id",
            "serial",
            "kind",
            "company",
            "company_name",
            "resident_phone",
            "district",
            "address",
            "preferred_date",
            "note",
            "status",
            "scheduled_for",
            "created_at",
        ]


class ScheduleInput(serializers.Serializer):
    when = DateTimeField(help_text="RFC 3339; in the future, at most BOOKING_MAX_DAYS_AHEAD days ahead")


def valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- endpoints ------------------------------------------------------------------------------------


class ScanResolve(FieldAPIView):
    """Resolve a scanned or typed code. Public; rate-limited per client; every call is logged."""

    permission_classes = [AllowAny]

    # The plain anonymous GET is answered without DRF's dispatch (api/scan.py says why and when); a token, a
    # session, another Accept, HEAD or OPTIONS goes through DRF. Both answer with `answer`'s body and status.
    # (A comment, not in the docstring: that is the operation's description in the OpenAPI schema.)
    def dispatch(self, request, *args, **kwargs):
        if not is_plain_scan(request):
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs = args, kwargs
        data, status = self.answer(request, kwargs["code"])
        return json_response(data, status=status, headers=self.default_response_headers)

    @extend_schema(responses={200: ScanSerializer, 404: ScanSerializer, 429: ErrorSerializer})
    def get(self, request, code):
        data, status = self.answer(request, code)
        return Response(data, status=status)

    def answer(self, request: HttpRequest, code: str) -> tuple[dict, int]:
        """The answer's body (ScanSerializer's shape, or the rate limit's error) and status."""
        if ratelimit.limited(request, group=ratelimit.LOOKUP):
            return too_many_body(), 429
        view = selectors.resolve_scan(code)
        record_scan(request, code=code, verdict=view.verdict, label=view.label, channel=ScanLog.Channel.API)
        return scan_data(view), 200 if view.is_genuine else 404


class Sell(FieldAPIView):
    @extend_schema(
        request=SellInput,
        responses={
            201: inline_serializer(
                "SaleOut",
                {
                    "serial": serializers.CharField(),
                    "state": serializers.CharField(),
                    "warning": serializers.CharField(help_text="gas-mismatch notice for the dealer, or empty"),
                },
            ),
            **ERRORS,
        },
    )
    @idempotent
    def post(self, request, code):
        data = valid(SellInput, request)
        sale = sell(user=request.user, code=code, district=data.get("district", ""), origin=origin(request))
        sale.label.refresh_from_db()
        return Response({"serial": sale.label.serial, "state": sale.label.state, "warning": sale.warning}, status=201)


class Work(FieldAPIView):
    @extend_schema(request=WorkInput, responses={201: WorkRecordSerializer, **ERRORS})
    @idempotent
    def post(self, request, code):
        data = valid(WorkInput, request)
        record = record_work(
            user=request.user,
            code=code,
            kind=data["kind"],
            permit_code=data["permit"],
            nameplate_confirmed=data["nameplate_confirmed"],
            district=data["district"],
            origin=origin(request),
        )
        return Response(WorkRecordSerializer(record).data, status=201)


class Rate(FieldAPIView):
    @extend_schema(request=RatingInput, responses={200: WorkRecordSerializer, **ERRORS})
    @idempotent
    def post(self, request, pk):
        data = valid(RatingInput, request)
        record = rate_work(user=request.user, record_id=pk, origin=origin(request), **data)
        return Response(WorkRecordSerializer(record).data)


class Ignite(FieldAPIView):
    @extend_schema(request=IgniteInput, responses={201: IgnitionSerializer, **ERRORS})
    @idempotent
    def post(self, request, code):
        data = valid(IgniteInput, request)
        ignition = ignite(user=request.user, code=code, permit_code=data["permit"], origin=origin(request))
        ignition.label.refresh_from_db()
        return Response(IgnitionSerializer(ignition).data, status=201)


class PermitList(FieldAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="permit number, holder or company contains")],
        responses={200: PermitSerializer(many=True), 403: ErrorSerializer},
    )
    def get(self, request):
        require_role(request.user, roles.REVIEWER)
        permits = selectors.permits_for_review(query=request.query_params.get("q", ""))[:200]
        return Response(PermitSerializer(permits, many=True).data)

    @extend_schema(request=PermitIssueInput, responses={201: PermitSerializer, **ERRORS})
    @idempotent
    def post(self, request):
        data = valid(PermitIssueInput, request)
        holder = User.objects.select_related("organization").filter(pk=data.pop("holder")).first()
        if holder is None:
            raise FieldError("invalid", _("持证人不存在。"))
        permit = permit_services.issue_permit(issued_by=request.user, holder=holder, origin=origin(request), **data)
        return Response(PermitSerializer(permit).data, status=201)


class PermitCheck(FieldAPIView):
    """Look up a permit by number or scanned QR text (any signed-in user): is it valid today?"""

    @extend_schema(responses={200: PermitSerializer, 404: ErrorSerializer})
    def get(self, request, number):
        permit = selectors.permit_by_number(permit_services.parse_permit_code(number))
        if permit is None:
            raise FieldError("not_found", _("上岗证不存在。"))
        return Response(PermitSerializer(permit).data)


class PermitRevoke(FieldAPIView):
    @extend_schema(request=RevokeInput, responses={200: PermitSerializer, **ERRORS})
    @idempotent
    def post(self, request, pk):
        data = valid(RevokeInput, request)
        permit = permit_services.revoke_permit(
            permit_id=pk, revoked_by=request.user, reason=data["reason"], origin=origin(request)
        )
        return Response(PermitSerializer(permit).data)


class BookingCreate(FieldAPIView):
    """A resident books installation or ignition for the appliance `code` (no login needed)."""

    permission_classes = [AllowAny]

    @extend_schema(request=BookingInput, responses={201: BookingSerializer, 429: ErrorSerializer, **ERRORS})
    @idempotent
    def post(self, request, code):
        # Inside @idempotent: a replayed retry is not counted, and a refusal stores no key.
        if ratelimit.limited(request, group=ratelimit.ANONYMOUS_WRITE):
            return too_many(write=True)
        data = valid(BookingInput, request)
        booking = booking_services.book(
            code=code,
            kind=data["kind"],
            company_id=data["company"],
            phone=data["phone"],
            district=data["district"],
            address=data["address"],
            preferred_date=data["preferred_date"],
            note=data["note"],
            sms_code=data["sms_code"],
            origin=origin(request),
        )
        body = BookingSerializer(booking).data
        body["resident_phone"] = pii.mask_phone(booking.resident_phone)  # an anonymous caller: never echo it whole
        body["address"] = pii.mask_address(booking.address)
        return Response(body, status=201)


class PhoneCodeRequest(FieldAPIView):
    """Send a one-time SMS code to a resident's phone (for a booking, or a rating on a worker's phone)."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=PhoneCodeInput,
        responses={
            202: inline_serializer("PhoneCodeSent", {"sent": serializers.BooleanField()}),
            429: ErrorSerializer,
            **ERRORS,
        },
    )
    def post(self, request):
        if ratelimit.limited(request, group=ratelimit.PHONE_CODE):
            return too_many(write=True)
        data = valid(PhoneCodeInput, request)
        phone_codes.request_code(phone=data["phone"], purpose=data["purpose"], client=client_ip(request))
        return Response({"sent": True}, status=202)


class BookingCompanies(FieldAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer(
                "BookingCompany", {"id": serializers.IntegerField(), "name": serializers.CharField()}, many=True
            ),
            400: ErrorSerializer,
            404: ErrorSerializer,
            429: ErrorSerializer,
        }
    )
    @extend_schema(parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=Booking.Kind.values)])
    def get(self, request, code, kind):
        if ratelimit.limited(request, group=ratelimit.LOOKUP):
            return too_many()
        if kind not in Booking.Kind.values:
            raise FieldError("invalid", _("未知的预约类别。"))
        label = find_label(code)
        return Response(
            [{"id": c.pk, "name": c.name} for c in booking_services.booking_companies(label=label, kind=kind)]
        )


class CompanyBookings(FieldAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Booking.Status.values, description="only this status")],
        responses={200: BookingSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def get(self, request):
        require_role(request.user, roles.INSTALLER, roles.IGNITION_WORKER)
        status = request.query_params.get("status") or None
        if status is not None and status not in Booking.Status.values:
            raise FieldError("invalid", _("未知的预约状态。"))
        bookings = selectors.bookings_for_company(request.user.organization, status=status)
        return Response(BookingSerializer(bookings[:200], many=True).data)


class ScheduleBooking(FieldAPIView):
    @extend_schema(request=ScheduleInput, responses={200: BookingSerializer, **ERRORS})
    @idempotent
    def post(self, request, pk):
        data = valid(ScheduleInput, request)
        booking = booking_services.schedule_booking(
            user=request.user, booking_id=pk, when=data["when"], origin=origin(request)
        )
        return Response(BookingSerializer(booking).data)


urlpatterns = [
    path("v1/scan/<str:code>/", ScanResolve.as_view(), name="api-scan"),
    path("v1/labels/<str:code>/sell/", Sell.as_view(), name="api-sell"),
    path("v1/labels/<str:code>/work/", Work.as_view(), name="api-work"),
    path("v1/labels/<str:code>/ignite/", Ignite.as_view(), name="api-ignite"),
    path("v1/labels/<str:code>/bookings/", BookingCreate.as_view(), name="api-book"),
    path("v1/phone-codes/", PhoneCodeRequest.as_view(), name="api-phone-codes"),
    path(
        "v1/labels/<str:code>/booking-companies/<str:kind>/", BookingCompanies.as_view(), name="api-booking-companies"
    ),
    path("v1/work/<id:pk>/rating/", Rate.as_view(), name="api-rate"),
    path("v1/permits/", PermitList.as_view(), name="api-permits"),
    path("v1/permits/<id:pk>/revoke/", PermitRevoke.as_view(), name="api-permit-revoke"),
    path("v1/permits/check/<str:number>/", PermitCheck.as_view(), name="api-permit-check"),
    path("v1/bookings/", CompanyBookings.as_view(), name="api-bookings"),
    path("v1/bookings/<id:pk>/schedule/", ScheduleBooking.as_view(), name="api-booking-schedule"),
]
