"""The one exception field services raise: a stable code, a Chinese message and the HTTP status it means."""

from django.utils.translation import gettext_lazy as _

from accounts import permissions


class FieldError(Exception):
    """A refused field operation. Pages show `message`; the API answers `status` with code+detail."""

    STATUS = {
        "invalid": 400,
        "unknown_code": 404,
        "not_genuine": 409,
        "wrong_role": 403,
        "bad_permit": 403,
        "company_unqualified": 403,
        "not_designated": 403,
        "wrong_state": 409,
        "suspended": 409,
        "gas_mismatch": 409,
        "recalled": 409,
        "already_done": 409,
        "not_found": 404,
    }

    def __init__(self, code, message, **extra):
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.extra = extra

    @property
    def status(self):
        return self.STATUS.get(self.code, 400)

    def as_dict(self):
        return {"code": self.code, "detail": self.message, **self.extra}


def require_role(user, *role_names):
    """Refuse unless the user holds one of the roles (superusers hold every role)."""
    if not user.is_authenticated:
        raise FieldError("wrong_role", _("请先登录。"))
    if permissions.holds_role(user, *role_names):
        return
    raise FieldError("wrong_role", _("您的角色不能执行该操作。"))
