from functools import cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.utils.translation import get_language_info

from . import roles
from .navigation import items_for


def navigation(request):
    # No user yet when a request was refused before AuthenticationMiddleware ran (the 400 page for a hostile URL).
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "nav_items": [(item.key, item.label, item.url()) for item in items_for(user)],
        "user_role_labels": [
            roles.ROLE_LABELS[name] for name in sorted(roles.roles_of(user)) if name in roles.ROLE_LABELS
        ],
    }


def public_layout(request) -> dict:
    """What templates/jinja2/public_base.html shows besides the page: base.html's context for a visitor who is not
    signed in (Jinja2 runs no context processors)."""
    return {
        "nav_items": navigation(request)["nav_items"],
        "languages": _languages(),
        "messages": get_messages(request),
    }


@cache
def _languages() -> list[dict]:
    """The language switch's entries, as base.html's get_language_info_list gives them (names in their own language)."""
    return [get_language_info(code) for code, _name in settings.LANGUAGES]
