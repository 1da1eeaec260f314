"""API tokens (django-rest-knox): stored only as a hash, expiring, revocable, listed per user.

Obtain one with email + password, plus ``otp`` (an authenticator code or a recovery code) when
the therapist has a second factor or their practice requires one; revoke the one in use
(``logout``) or any of one's own by its key prefix. Sign-in attempts are throttled per IP and
count towards the same account+IP lockout as the web sign-in (django-axes); failures never say
which part was wrong.
"""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from django.utils import timezone
from django_otp import match_token, user_has_device
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from continuity.api.errors import error
from continuity.api.schema import ErrorOut
from continuity.api.throttles import AuthThrottle
from continuity.auth_views import locked_out_message, owes_second_factor

logger = logging.getLogger(__name__)


class CredentialsIn(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=200, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="A code from the authenticator app, or a recovery code (each works once). "
        "Required when the account has a second factor or its practice requires one.",
    )


class TokenOut(serializers.Serializer):
    token = serializers.CharField(help_text="Send as 'Authorization: Token <token>'. Shown once.")
    expiry = serializers.DateTimeField()


class TokenInfoOut(serializers.Serializer):
    token_key = serializers.CharField(help_text="The token's first characters, to tell it apart.")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)


class ObtainToken(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=CredentialsIn,
        responses={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
        summary="Obtain an API token",
    )
    def post(self, request):
        given = CredentialsIn(data=request.data)
        given.is_valid(raise_exception=True)
        # The DRF request goes to authenticate() so django-axes counts and refuses attempts.
        user = authenticate(
            request,
            username=given.validated_data["email"].lower(),
            password=given.validated_data["password"],
        )
        if user is None and getattr(request, "axes_locked_out", False):
            # 401 like any failure; the same for an unknown email, which axes counts alike.
            return error("locked_out", locked_out_message(), status.HTTP_401_UNAUTHORIZED)
        if user is None or not user.is_active or user.practice_id is None:
            return error(
                "authentication_failed",
                "Those details did not match an account.",
                status.HTTP_401_UNAUTHORIZED,
            )
        if owes_second_factor(user):
            refused = self._second_factor_refusal(user, given.validated_data.get("otp", ""))
            if refused is not None:
                return refused
        instance, token = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        logger.info("api token %s issued to therapist %s", instance.token_key, user.pk)
        return Response(TokenOut({"token": token, "expiry": instance.expiry}).data)

    @staticmethod
    def _second_factor_refusal(user, otp: str) -> Response | None:
        """None when ``otp`` is accepted (a recovery code is used up); else the 401 to send."""
        if not user_has_device(user, confirmed=True):
            return error(
                "otp_required",
                "Your practice requires two-step sign-in: set it up on the website first.",
                status.HTTP_401_UNAUTHORIZED,
            )
        code = "".join(otp.split()).lower()
        if not code:
            return error(
                "otp_required",
                "Send the code from your authenticator app (or a recovery code) as 'otp'.",
                status.HTTP_401_UNAUTHORIZED,
            )
        if match_token(user, code) is None:
            return error("otp_invalid", "That code did not work.", status.HTTP_401_UNAUTHORIZED)
        return None


class RevokeCurrentToken(APIView):
    @extend_schema(request=None, responses={204: None, 401: ErrorOut}, summary="Revoke this token")
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyTokens(ListAPIView):
    serializer_class = TokenInfoOut
    queryset = AuthToken.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        return AuthToken.objects.filter(user=self.request.user, expiry__gt=timezone.now()).order_by(
            "-created"
        )


class RevokeToken(APIView):
    @extend_schema(request=None, responses={204: None, 404: ErrorOut}, summary="Revoke a token")
    def delete(self, request, token_key: str):
        deleted, _ = AuthToken.objects.filter(user=request.user, token_key=token_key).delete()
        if not deleted:
            return error("not_found", "Not found.", status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)
