from django.contrib.auth.models import AnonymousUser

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
