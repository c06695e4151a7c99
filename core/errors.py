"""One error shape for every API answer, including the ones Django gives before a view runs.

The API always answers `{"code", "detail", "errors"}` (`errors`: per-field messages, `{}` when none). DRF's own
errors go through `api.errors.exception_handler`; this module covers what happens outside DRF: Django's 400
guards (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a control character in the URL), 403, 404
and the 500 handler. Pages keep Django's own handlers and our templates.
"""

from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def error_body(code: str, detail: str, errors: dict | None = None, **extra: Any) -> dict:
    return {"code": code, "detail": str(detail), "errors": errors or {}, **extra}


def json_error(status: int, code: str, detail: str, errors: dict | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, detail, errors), status=status, json_dumps_params={"ensure_ascii": False})


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception, template_name: str = "400.html") -> HttpResponse:
    """Django's 400 guards and our own refusals; a body over the memory limit is a 413."""
    status = 400
    if isinstance(exception, RequestDataTooBig):
        code, detail, status = "too_large", _("提交的内容过大。"), 413
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        code, detail = "too_many_fields", _("提交的字段过多。")
    elif isinstance(exception, BadRequest):  # ours (project.middleware): the message is written for the user
        code, detail = "bad_request", str(exception)
    else:  # another SuspiciousOperation: its text is for the log, not for the client
        code, detail = "bad_request", _("请求无法处理。")
    if is_api(request):
        return json_error(status, code, detail)
    # Rendered without the request, like Django's own handler: the request may be the very thing that is broken.
    body = loader.get_template(template_name).render({"reason": detail})
    return HttpResponse(body, status=status)


def permission_denied(request: HttpRequest, exception: Exception, template_name: str = "403.html") -> HttpResponse:
    if is_api(request):
        return json_error(403, "permission_denied", _("无权执行该操作。"))
    return defaults.permission_denied(request, exception, template_name=template_name)


def page_not_found(request: HttpRequest, exception: Exception, template_name: str = "404.html") -> HttpResponse:
    if is_api(request):
        return json_error(404, "not_found", _("接口地址不存在。"))
    return defaults.page_not_found(request, exception, template_name=template_name)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    if is_api(request):
        return json_error(500, "server_error", _("服务器内部错误，请稍后重试。"))
    return defaults.server_error(request, template_name=template_name)
