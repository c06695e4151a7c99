"""API tokens that expire (API_TOKEN_TTL_HOURS after they were issued) and can be revoked.

DRF's tokens never expire: a phone lost with the app signed in would work for ever. Here a token older than the
TTL is refused with a 401 (`token_expired`), signing in again issues a fresh one, `DELETE /api/v1/auth/token/`
revokes the caller's token, and an administrator revokes anyone's in the admin (Auth Token).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def expires_at(token: Token) -> datetime:
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if expires_at(token) <= timezone.now():
            raise AuthenticationFailed(_("登录令牌已过期，请重新登录。"), code="token_expired")
        return user, token


@transaction.atomic
def issue_token(*, user) -> Token:
    """The user's live token, or a fresh one if there is none or it has expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and expires_at(token) <= timezone.now():
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def revoke_tokens(*, user) -> int:
    """Revoke the user's token (there is one per user); returns how many were deleted."""
    return Token.objects.filter(user=user).delete()[0]
