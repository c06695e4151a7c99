"""The unread count in the header (one COUNT, only for signed-in users, only when a page shows it)."""

from django.utils.functional import SimpleLazyObject

from .selectors import unread_inbox


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": SimpleLazyObject(lambda: unread_inbox(user).count())}
