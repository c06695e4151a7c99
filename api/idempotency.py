"""`Idempotency-Key` for the mobile API's write calls.

A phone on a flaky network retries a POST it never saw answered. With the same key (per user) the
retry gets the first response back, marked `Idempotent-Replayed: true`, and nothing is recorded
twice; the same key with a different body is a client bug and gets 422. Keys live in the database
(IdempotencyKey) for IDEMPOTENCY_KEY_TTL_HOURS.

The key row is inserted before the handler runs, in the handler's transaction: on PostgreSQL a
concurrent request with the same key waits on the unique index until the first commits, then
replays its response. Only successful responses are kept; an error rolls the key back with
everything else, so the client may retry and get the (same) decision again.

Written here rather than taken from PyPI: django-idempotency-key is unmaintained since 2023 and
the newer DRF packages have one release each; this is one decorator over one model.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.client import client_ip
from core.errors import error_body

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
SCHEMA_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID) per intended write; a retry with the same key returns the first "
    "response instead of recording twice.",
)


def _fingerprint(request):
    data = request.data
    if isinstance(data, QueryDict):
        data = {k: data.getlist(k) for k in sorted(data)}
    body = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _error(status, code, detail):
    return Response(error_body(code, detail), status=status)


def _replay(row, fingerprint):
    if row.fingerprint != fingerprint:
        return _error(422, "idempotency_key_reused", _("该 Idempotency-Key 已用于另一个请求，请为新的操作使用新的键。"))
    return Response(row.response, status=row.status_code, headers={"Idempotent-Replayed": "true"})


def idempotent(handler):
    """Decorate an APIView write method (post/put/patch/delete) to honour the Idempotency-Key header."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return _error(
                400, "invalid_idempotency_key", _("Idempotency-Key 过长（最多 %(n)s 个字符）。") % {"n": MAX_KEY_LENGTH}
            )
        # Per user; a public write (a resident's booking) per client address, so one resident's
        # key can never replay another's response.
        scope = f"u{request.user.pk}" if request.user.is_authenticated else f"a{client_ip(request)}"[:40]
        fingerprint = _fingerprint(request)
        now = timezone.now()
        with transaction.atomic():
            expired = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
            IdempotencyKey.objects.filter(scope=scope, key=key, created_at__lt=expired).delete()
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(
                        scope=scope,
                        key=key,
                        method=request.method,
                        path=request.path[:255],
                        fingerprint=fingerprint,
                        created_at=now,
                    )
            except IntegrityError:  # seen before (and committed): replay it
                return _replay(IdempotencyKey.objects.get(scope=scope, key=key), fingerprint)
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)  # keep nothing of a refused request, the key included
                return response
            row.status_code = response.status_code
            row.response = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            row.save(update_fields=["status_code", "response"])
        return response

    wrapper.kwargs = dict(getattr(handler, "kwargs", {}))  # wraps() shared the dict; extend_schema writes into it
    return extend_schema(parameters=[SCHEMA_PARAMETER])(wrapper)


def purge_expired(now=None):
    """Delete keys past their TTL; returns how many (run daily by Celery beat)."""
    now = now or timezone.now()
    expired = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    return IdempotencyKey.objects.filter(created_at__lt=expired).delete()[0]
