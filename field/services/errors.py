"""The one exception field services raise: a stable code, a Chinese message and the HTTP status it means."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.models import User


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
        "rate_limited": 429,
        "suspected_clone": 409,
    }

    def __init__(
        self, code: str, message: str, *, after_rollback: Callable[[], object] | None = None, **extra: object
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.extra = extra
        # A write the refusal itself must leave behind (a clone signal), run by settle() once the refused
        # transaction has rolled back.
        self.after_rollback = after_rollback

    @property
    def status(self) -> int:
        return self.STATUS.get(self.code, 400)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "detail": self.message, **self.extra}


def settle(error: FieldError) -> None:
    """Run a refusal's after_rollback write, once, when no transaction is open that could still undo it.

    The service calls this after its own transaction; an endpoint that wraps the service in one more
    (the API's Idempotency-Key) calls it again after that has rolled back.
    """
    if error.after_rollback is not None and not _in_callers_transaction():
        write, error.after_rollback = error.after_rollback, None
        write()


def _in_callers_transaction() -> bool:
    # Django's own test for `atomic(durable=True)`: blocks opened by a TestCase don't count (they stand for
    # the autocommit a real request runs in).
    blocks = transaction.get_connection().atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def require_role(user: User | AnonymousUser, *role_names: str) -> None:
    """Refuse unless the user holds one of the roles (superusers hold every role)."""
    if not user.is_authenticated:
        raise FieldError("wrong_role", _("请先登录。"))
    if permissions.holds_role(user, *role_names):
        return
    raise FieldError("wrong_role", _("您的角色不能执行该操作。"))
