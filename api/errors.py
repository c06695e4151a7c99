"""One error shape for the whole API: {"code", "detail", "errors"} ("errors" per field for bad input, else {}).

Endpoints already answer their own refusals this way (FieldError, RemediationError); this handler
brings DRF's own errors (validation, authentication, 404, 405, throttling) into the same shape,
and `not_found` answers unknown /api/ paths with JSON instead of the HTML 404 page. The shape itself and
Django's own guards (400/413, 403, 404, 500 outside DRF) are in core.errors.
"""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import error_body, json_error

# The shape, for extend_schema(responses=...).
ErrorSerializer = inline_serializer(
    "APIError",
    {
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "errors": serializers.DictField(help_text="per-field messages for bad input; {} otherwise"),
    },
)


def _first_message(errors):
    if isinstance(errors, dict):
        for value in errors.values():
            return _first_message(value)
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API exception: Django's 500 (never expected; schemathesis checks it)
    if isinstance(exc, ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = error_body("invalid", _("输入有误：%(message)s") % {"message": _first_message(errors)}, errors)
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data = error_body(getattr(detail, "code", None) or getattr(exc, "default_code", "error"), detail)
    return response


@csrf_exempt  # it changes nothing; a POST to a wrong URL should read "not found", not "CSRF failed"
def not_found(request, *args, **kwargs):
    """Unknown /api/ path (or an id that is not a number): a JSON 404 like every other API error.

    A path that only lacks its trailing slash still gets CommonMiddleware's redirect (this view
    would otherwise swallow it).
    """
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return json_error(404, "not_found", _("接口地址不存在。"))
