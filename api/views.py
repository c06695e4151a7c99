from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import roles_of
from project.errors import error_body

from .errors import ErrorSerializer


class ObtainToken(ObtainAuthToken):
    """Exchange username and password for the token the mobile app sends as `Authorization: Token …`."""

    @extend_schema(
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: ErrorSerializer,
            429: ErrorSerializer,
        }
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes flags the DRF request it was handed; its middleware only sees the Django one.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    error_body("locked_out", _("连续多次密码错误，登录已锁定 15 分钟。")),
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise


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
