from . import roles
from .navigation import items_for


def navigation(request):
    user = request.user
    return {
        "nav_items": [(item.key, item.label, item.url()) for item in items_for(user)],
        "user_role_labels": [
            roles.ROLE_LABELS[name] for name in sorted(roles.roles_of(user)) if name in roles.ROLE_LABELS
        ],
    }
