from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import roles_of
from core.errors import error_body

from . import tokens
from .errors import ErrorSerializer


class TokenLoginSerializer(AuthTokenSerializer):
    # Bounded like the login page's form: a 5 000-character username reached django-axes' varchar(255) log (a 500).
    username = serializers.CharField(label=gettext_lazy("用户名"), max_length=150, write_only=True)
    password = serializers.CharField(
        label=gettext_lazy("密码"),
        max_length=4096,
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
    )


class ObtainToken(ObtainAuthToken):
    """Exchange username and password for the token the mobile app sends as `Authorization: Token …`.

    The token expires API_TOKEN_TTL_HOURS after it was issued (then sign in again); DELETE revokes it.
    """

    serializer_class = TokenLoginSerializer

    def get_permissions(self):
        # Signing in needs no credentials; revoking needs the token (or session) being revoked.
        return [IsAuthenticated()] if self.request.method == "DELETE" else []

    @extend_schema(
        responses={
            200: inline_serializer(
                "Token", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
            ),
            400: ErrorSerializer,
            429: ErrorSerializer,
        }
    )
    def post(self, request, *args, **kwargs):
        try:
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # django-axes flags the DRF request it was handed; its middleware only sees the Django one.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    error_body("locked_out", _("连续多次密码错误，登录已锁定 15 分钟。")),
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise
        token = tokens.issue_token(user=serializer.validated_data["user"])
        expires = serializers.DateTimeField().to_representation(tokens.expires_at(token))  # local time, like the rest
        return Response({"token": token.key, "expires_at": expires})

    @extend_schema(request=None, responses={204: None, 401: ErrorSerializer})
    def delete(self, request, *args, **kwargs):
        tokens.revoke_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    organization = serializers.CharField(allow_null=True)
    organization_kind = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())


class Me(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        org = user.organization
        data = {
            "username": user.username,
            "name": user.get_full_name() or user.username,
            "organization": org.name if org else None,
            "organization_kind": org.kind if org else None,
            "roles": sorted(roles_of(user)),
        }
        return Response(MeSerializer(data).data)
