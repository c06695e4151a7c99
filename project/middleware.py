"""Chinese first: the language is the one the user picked, else Simplified Chinese."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
