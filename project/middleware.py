"""Request middleware: hostile URLs refused before any view; Chinese first (the user's pick, else Simplified)."""

import re
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import BadRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

from core import errors


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Like LocaleMiddleware, but ignores the browser's Accept-Language header.

    The people using GasLabel work in Chinese whatever their phone's language; a
    phone set to English must not flip an installer's screens. The language switch
    (Django's set_language view and its cookie) still works.
    """

    def process_request(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:  # a stale or forged cookie: keep the default
                pass
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# C0 controls and DEL. A URL path never needs one; a query string may carry a tab or newline from a textarea.
_PATH_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_QUERY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_PATH_LENGTH = 2048
MAX_QUERY_LENGTH = 8192


class RefuseHostileRequestsMiddleware:
    """A 400 (JSON under /api/) for control characters in the path or query, NUL in a header, or an overlong URL.

    First in the chain: PostgreSQL refuses NUL in any text value, so such a value reaching a lookup (a serial, a
    permit number, a session cookie) was a 500; and nothing legitimate sends one. Body fields are checked by the
    forms and serializers (Django's and DRF's CharField refuse NUL).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Before the locale middleware: answer in the default language, not whatever this thread last spoke.
        with translation.override(settings.LANGUAGE_CODE):
            problem = self.problem(request)
            if problem:
                # Answered here rather than raised: a raised BadRequest is logged as an error with a traceback.
                return errors.bad_request(request, BadRequest(problem))
        return self.get_response(request)

    @staticmethod
    def problem(request) -> str | None:
        query = request.META.get("QUERY_STRING", "")
        if len(request.path) > MAX_PATH_LENGTH or len(query) > MAX_QUERY_LENGTH:
            return _("网址过长。")
        if _PATH_CONTROLS.search(request.path):
            return _("网址中含有控制字符。")
        if _QUERY_CONTROLS.search(unquote_plus(query, errors="replace")):
            return _("查询参数中含有控制字符。")
        headers = (value for key, value in request.META.items() if key.startswith("HTTP_"))
        # Cookies too once parsed: a quoted cookie may spell NUL as an escape ("\\000") that parsing turns into one.
        if any("\x00" in str(value) for value in (*headers, *request.COOKIES.values())):
            return _("请求头中含有空字符。")
        return None
