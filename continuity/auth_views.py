"""Therapist sign-in security: second factor, lockout, idle timeout, re-authentication.

- A second factor with django-otp: an authenticator app (TOTP) plus ten single-use recovery
  codes. Owed after the password when the therapist has one, or when their practice requires
  one (then they must enrol before anything else).
- Lockout of an account+IP pair with django-axes (settings.py, "Sign-in security"); the
  lockout page says nothing about whether the account exists.
- Sessions end after SESSION_IDLE_MINUTES without a request, and at SESSION_COOKIE_AGE.
- Changing the sign-in email or the alert phone needs the password (and code) again.
- A password change or reset ends every other session (Django's session auth hash) and
  revokes every API token.

The two middlewares live here rather than in continuity/middleware.py because they only make
sense together with these views.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import segno
from axes.backends import AxesStandaloneBackend
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from continuity.models import Therapist

# True while this sign-in still owes a code (or an enrolment). Set by the sign-in view.
SECOND_FACTOR_KEY = "continuity_second_factor"
LAST_ACTIVITY_KEY = "continuity_last_activity"
REAUTH_KEY = "continuity_reauthenticated_at"
RECOVERY_CODES = 10
# Refreshing the idle stamp on every request would write the session every request.
ACTIVITY_RESOLUTION_SECONDS = 60
LOCKED_OUT_MESSAGE = (
    "Too many unsuccessful attempts. Wait {minutes} minutes, then try again or reset your password."
)


def locked_out_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return LOCKED_OUT_MESSAGE.format(minutes=minutes)


def owes_second_factor(user: Therapist) -> bool:
    """Whether this therapist must give a code (or enrol) after their password."""
    practice_requires = user.practice_id is not None and user.practice.require_second_factor
    return practice_requires or user_has_device(user, confirmed=True)


def _now() -> float:
    return timezone.now().timestamp()


def _next_url(request: HttpRequest, default: str = settings.LOGIN_REDIRECT_URL) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


# --- django-axes hooks (named in settings) ---------------------------------------------------


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for every authenticate() that comes with a request.

    Every sign-in an outsider can reach (the form, the API token, re-authentication) passes
    one; a call without one (Django's test client ``login()``, scripts) has no IP to count
    against, so it is left to the next backend instead of being an error.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """The name axes counts failures under: the email as the sign-in form or API gave it."""
    value = (credentials or {}).get("username")
    if value is None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username") or data.get("email") or ""
    return str(value).strip().lower()


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """The sign-in page again with a message that is the same whether or not the account
    exists: axes counts attempts on unknown emails exactly like real ones."""
    context = {"form": AuthenticationForm(request), "locked_out_message": locked_out_message()}
    return render(request, "registration/login.html", context, status=429)


# --- Middleware ------------------------------------------------------------------------------


def _is_open_path(path: str) -> bool:
    """Paths no therapist session rules apply to: the client's pages, probes, providers'
    callbacks and static files."""
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(("/c/", "/healthz", "/webhooks/", static))


class IdleTimeoutMiddleware:
    """Signs a therapist out after SESSION_IDLE_MINUTES without a request.

    The clock starts at sign-in (SignInView stamps the session); a session without a stamp,
    such as one made by a test's ``force_login``, is bounded by SESSION_COOKIE_AGE only.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_open_path(request.path):
            stamp = request.session.get(LAST_ACTIVITY_KEY)
            if stamp is not None:
                now = _now()
                if now - stamp > settings.SESSION_IDLE_MINUTES * 60:
                    logout(request)
                elif now - stamp >= ACTIVITY_RESOLUTION_SECONDS:
                    request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class SecondFactorGateMiddleware:
    """Until a signed-in therapist who owes a second factor has given it (or enrolled), the
    only therapist pages they can reach are the code step, enrolment and sign-out.

    Must come after django-otp's OTPMiddleware. Costs no query for therapists who owe
    nothing: the practice is loaded for the page header anyway.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_open_path(request.path) and self._owes(request):
            allowed = {reverse("login_code"), reverse("two_factor_setup"), reverse("logout")}
            if request.path not in allowed:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "code": "otp_required",
                            "message": "Finish signing in with your second factor first.",
                            "fields": {},
                        },
                        status=403,
                    )
                return redirect_to_login(request.get_full_path(), reverse("login_code"))
        return self.get_response(request)

    @staticmethod
    def _owes(request: HttpRequest) -> bool:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return False
        if request.session.get(SECOND_FACTOR_KEY):
            return True
        # Also catches a practice that starts requiring a second factor mid-session.
        return user.practice_id is not None and user.practice.require_second_factor


# --- Sign-in -----------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """Password first; then the code step when the therapist owes a second factor."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        owes = owes_second_factor(form.get_user())
        self.request.session[SECOND_FACTOR_KEY] = owes
        self.request.session[LAST_ACTIVITY_KEY] = _now()
        if owes:
            return redirect(_with_next("login_code", self.get_success_url()))
        return response


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """The code step of signing in: a TOTP code or a recovery code (used up once accepted)."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    if not user_has_device(user, confirmed=True):
        return redirect(_with_next("two_factor_setup", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            request.session.pop(SECOND_FACTOR_KEY, None)
            return redirect(next_url)
        form.add_error("code", "That code did not work. Try the newest code from your app.")
    return render(request, "continuity/account/code.html", {"form": form, "next": next_url})


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan (or type) the secret, confirm with a first code, then
    see ten recovery codes once."""
    user = request.user
    next_url = _next_url(request)
    if user_has_device(user, confirmed=True):
        if not user.is_verified():
            # Adding a device must not be a way round the one already there.
            return redirect(_with_next("login_code", next_url))
        return render(request, "continuity/account/two_factor_on.html")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = _confirm_enrolment(device)
            otp_login(request, device)
            request.session.pop(SECOND_FACTOR_KEY, None)
            context = {"codes": codes, "next": next_url}
            return render(request, "continuity/account/recovery_codes.html", context)
        form.add_error("code", "That code did not work. Check the time on your phone and retry.")
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        # segno writes the SVG itself: no user input reaches it but the otpauth URL.
        "qr_svg": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4)),  # noqa: S308
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "continuity/account/two_factor_setup.html", context)


@transaction.atomic
def _confirm_enrolment(device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=device.user).delete()
    recovery = StaticDevice.objects.create(user=device.user, name="Recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    return codes


# --- Re-authentication and the account page ---------------------------------------------------


class ReauthForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(max_length=32, required=False)

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.needs_code = user_has_device(request.user, confirmed=True)
        if not self.needs_code:
            del self.fields["code"]

    def clean(self):
        cleaned = super().clean()
        user = self.request.user
        # Through authenticate(), so wrong passwords here count towards the lockout too.
        found = authenticate(self.request, username=user.email, password=cleaned.get("password"))
        if found is None or found.pk != user.pk:
            raise forms.ValidationError("That did not match. Try again.")
        if self.needs_code:
            code = "".join((cleaned.get("code") or "").split()).lower()
            if not code or match_token(user, code) is None:
                raise forms.ValidationError("That did not match. Try again.")
        return cleaned


def recently_reauthenticated(request: HttpRequest) -> bool:
    stamp = request.session.get(REAUTH_KEY)
    return stamp is not None and _now() - stamp <= settings.REAUTH_MINUTES * 60


@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request, default="account_edit")
    form = ReauthForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        request.session[REAUTH_KEY] = _now()
        return redirect(next_url)
    return render(request, "continuity/account/reauth.html", {"form": form, "next": next_url})


class AccountForm(forms.ModelForm):
    class Meta:
        model = Therapist
        fields = ["email", "alert_phone"]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


@login_required
def account(request: HttpRequest) -> HttpResponse:
    context = {"two_factor_on": user_has_device(request.user, confirmed=True)}
    return render(request, "continuity/account/account.html", context)


@login_required
def account_edit(request: HttpRequest) -> HttpResponse:
    """Change the sign-in email and the alert phone: only shortly after re-authenticating."""
    if not recently_reauthenticated(request):
        return redirect(_with_next("reauth", reverse("account_edit")))
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your details are saved.")
        return redirect("account")
    return render(request, "continuity/account/account_edit.html", {"form": form})


# --- Passwords ---------------------------------------------------------------------------


def revoke_api_tokens(user: Therapist) -> None:
    AuthToken.objects.filter(user=user).delete()


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django keeps this session and, by changing the session auth hash, ends all others;
    the API tokens go too."""

    template_name = "continuity/account/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        revoke_api_tokens(form.user)
        messages.success(self.request, "Password changed. You were signed out everywhere else.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer whether or not the address has an account (Django's own behaviour)."""

    template_name = "continuity/account/password_reset.html"
    email_template_name = "continuity/account/password_reset_email.txt"
    subject_template_name = "continuity/account/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self) -> dict:
        # Links are built from SITE_URL, never from the request's Host header.
        return {"site_url": settings.SITE_URL.rstrip("/")}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Tokens are single-use by construction (they hash the password and last sign-in) and
    expire after PASSWORD_RESET_TIMEOUT."""

    template_name = "continuity/account/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        revoke_api_tokens(form.user)
        return response
