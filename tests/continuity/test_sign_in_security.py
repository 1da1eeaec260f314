"""Therapist sign-in on the web: lockout and cool-off, the second factor, idle timeout,
sign-out everywhere after a password change, re-authentication before account changes."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db.models import F
from django.test import Client as BrowserClient
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from continuity.auth_views import LAST_ACTIVITY_KEY, REAUTH_KEY
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-long-password"


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": email, "password": password, **extra})


def code_for(device: TOTPDevice) -> str:
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, str]:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="Recovery codes")
    token = StaticToken.random_token()
    recovery.token_set.create(token=token)
    return device, token


def error_text(response) -> str:
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


# --- Lockout ---------------------------------------------------------------------------------


def test_five_failures_lock_the_account_and_ip_until_the_cool_off_ends(client, cast):
    email = cast.therapist.email
    for _ in range(4):
        response = sign_in(client, email, "wrong")
        assert response.status_code == 200 and SESSION_KEY not in client.session
    response = sign_in(client, email, "wrong")
    assert response.status_code == 429
    # Locked: even the right password is refused, with the neutral lockout message.
    response = sign_in(client, email)
    assert response.status_code == 429 and "Too many unsuccessful attempts" in error_text(response)
    assert SESSION_KEY not in client.session
    # Another address from the same IP is not affected (the pair is locked, not the IP).
    assert sign_in(BrowserClient(), cast.colleague.email).status_code == 302
    # The same account from another IP is not affected either.
    other_ip = BrowserClient(REMOTE_ADDR="203.0.113.9")
    assert sign_in(other_ip, email).status_code == 302

    # Fifteen minutes later the pair may try again.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))
    response = sign_in(client, email)
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(cast.therapist.pk)


def test_cool_off_has_not_ended_after_fourteen_minutes(client, cast):
    for _ in range(5):
        sign_in(client, cast.therapist.email, "wrong")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=14))
    assert sign_in(client, cast.therapist.email).status_code == 429


def test_unknown_email_and_wrong_password_read_the_same_including_the_lockout(client, cast):
    real = [sign_in(client, cast.therapist.email, "wrong") for _ in range(6)]
    unknown = [sign_in(BrowserClient(), "nobody@example.com", "wrong") for _ in range(1)]
    unknown += [sign_in(client, "nobody@example.com", "wrong") for _ in range(5)]
    assert [r.status_code for r in real] == [r.status_code for r in unknown]
    assert [error_text(r) for r in real] == [error_text(r) for r in unknown]
    assert "email" in error_text(real[0]).lower()  # Django's "correct email and password"
    assert cast.therapist.email not in real[-1].content.decode()


def test_password_reset_reads_the_same_for_unknown_addresses_and_its_link_works_once(
    client, cast, settings
):
    settings.SITE_URL = "https://continuity.example"
    known = client.post(reverse("password_reset"), {"email": cast.therapist.email})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [cast.therapist.email]
    link = re.search(r"https://continuity\.example(\S+)", mail.outbox[0].body).group(1)

    AuthToken.objects.create(user=cast.therapist)
    form = client.get(link, follow=True)
    assert form.context["validlink"]
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert not AuthToken.objects.filter(user=cast.therapist).exists()
    # Used once: the same link is dead.
    assert not BrowserClient().get(link, follow=True).context["validlink"]
    assert sign_in(BrowserClient(), cast.therapist.email, NEW_PASSWORD).status_code == 302


def test_password_reset_links_expire_after_thirty_minutes(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 30 * 60


# --- Second factor ----------------------------------------------------------------------


def test_a_therapist_with_a_device_gives_a_code_after_the_password(client, cast, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the retry right after a wrong code is not delayed
    device, _ = enrol(cast.therapist)
    response = sign_in(client, cast.therapist.email, next=reverse("templates"))
    assert response.status_code == 302 and response.url.startswith(reverse("login_code"))
    # Half signed in: every therapist page, the admin and the API send them back to the code.
    for url in (reverse("caseload"), reverse("client_detail", args=[cast.client.pk])):
        assert client.get(url).url.startswith(reverse("login_code"))
    assert client.get("/admin/").url.startswith(reverse("login_code"))
    api = client.get(reverse("api-clients"))
    assert api.status_code == 403 and api.json()["code"] == "otp_required"
    # The client's pages and the probe are none of the gate's business.
    assert client.get(reverse("healthz")).status_code in (200, 503)

    refused = client.post(response.url, {"code": "000000"})
    assert refused.status_code == 200 and "did not work" in refused.content.decode()
    assert client.get(reverse("caseload")).status_code == 302

    accepted = client.post(response.url, {"code": code_for(device)})
    assert accepted.status_code == 302 and accepted.url == reverse("templates")
    assert client.get(reverse("caseload")).status_code == 200


def test_a_recovery_code_works_once_on_the_web(cast):
    _, recovery = enrol(cast.therapist)
    first = BrowserClient()
    sign_in(first, cast.therapist.email)
    response = first.post(reverse("login_code"), {"code": recovery})
    assert response.status_code == 302 and first.get(reverse("caseload")).status_code == 200
    second = BrowserClient()
    sign_in(second, cast.therapist.email)
    assert second.post(reverse("login_code"), {"code": recovery}).status_code == 200
    assert second.get(reverse("caseload")).status_code == 302


def test_a_practice_that_requires_it_sends_therapists_to_enrol_first(client, cast):
    cast.therapist.practice.require_second_factor = True
    cast.therapist.practice.save()
    response = sign_in(client, cast.therapist.email)
    response = client.get(response.url)
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor_setup"))
    for url in (reverse("caseload"), reverse("templates"), reverse("account")):
        assert (
            client.get(url, follow=True)
            .redirect_chain[-1][0]
            .startswith(reverse("two_factor_setup"))
        )

    page = client.get(reverse("two_factor_setup"))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "otpauth" not in html
    device = TOTPDevice.objects.get(user=cast.therapist, confirmed=False)
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert secret.replace(" ", "") == base64.b32encode(device.bin_key).decode()
    assert client.get(reverse("caseload")).status_code == 302  # still not enrolled

    done = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=cast.therapist).count() == 10
    assert client.get(reverse("caseload")).status_code == 200
    # The codes are shown once: the page now only says it is on.
    assert not any(c in client.get(reverse("two_factor_setup")).content.decode() for c in codes)


def test_a_therapist_already_enrolled_cannot_enrol_another_device_before_the_code(client, cast):
    enrol(cast.therapist)
    sign_in(client, cast.therapist.email)
    response = client.get(reverse("two_factor_setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("login_code"))
    assert TOTPDevice.objects.filter(user=cast.therapist).count() == 1


def test_without_a_device_or_a_requirement_sign_in_is_as_before(client, cast):
    response = sign_in(client, cast.therapist.email)
    assert response.status_code == 302 and response.url == reverse("caseload")
    assert client.get(reverse("caseload")).status_code == 200


def test_admin_sign_in_goes_through_the_same_form(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == reverse("login") + "?next=/admin/"


# --- Sessions ----------------------------------------------------------------------------


def age_session(client, key: str, minutes: int) -> None:
    session = client.session
    session[key] -= minutes * 60
    session.save()


def test_an_idle_session_ends_after_fifteen_minutes(client, cast):
    sign_in(client, cast.therapist.email)
    age_session(client, LAST_ACTIVITY_KEY, 14)
    assert client.get(reverse("caseload")).status_code == 200
    age_session(client, LAST_ACTIVITY_KEY, 16)
    response = client.get(reverse("caseload"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert SESSION_KEY not in client.session


def test_activity_keeps_a_session_alive(client, cast):
    sign_in(client, cast.therapist.email)
    for _ in range(3):
        age_session(client, LAST_ACTIVITY_KEY, 10)
        assert client.get(reverse("caseload")).status_code == 200


def test_the_absolute_lifetime_is_eight_hours(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_IDLE_MINUTES == 15


def test_a_password_change_signs_out_every_other_session_and_revokes_tokens(client, cast):
    other = BrowserClient(REMOTE_ADDR="203.0.113.9")
    sign_in(other, cast.therapist.email)
    sign_in(client, cast.therapist.email)
    AuthToken.objects.create(user=cast.therapist)
    colleague_token, _ = AuthToken.objects.create(user=cast.colleague)
    assert other.get(reverse("caseload")).status_code == 200

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("caseload")).status_code == 200  # this one stays
    assert other.get(reverse("caseload")).status_code == 302  # every other one is gone
    assert not AuthToken.objects.filter(user=cast.therapist).exists()
    assert AuthToken.objects.filter(pk=colleague_token.pk).exists()


# --- Re-authentication before account changes --------------------------------------------


def test_changing_email_or_phone_needs_the_password_again(client, cast):
    sign_in(client, cast.therapist.email)
    change = {"email": "maya.new@example.com", "alert_phone": "+12025550199"}
    response = client.post(reverse("account_edit"), change)
    assert response.status_code == 302 and response.url.startswith(reverse("reauth"))
    cast.therapist.refresh_from_db()
    assert cast.therapist.email != change["email"]

    wrong = client.post(response.url, {"password": "wrong"})
    assert wrong.status_code == 200 and "did not match" in wrong.content.decode()
    right = client.post(response.url, {"password": PASSWORD})
    assert right.status_code == 302 and right.url == reverse("account_edit")

    assert client.post(reverse("account_edit"), change).status_code == 302
    cast.therapist.refresh_from_db()
    assert cast.therapist.email == change["email"]
    assert str(cast.therapist.alert_phone) == change["alert_phone"]

    # Five minutes later the confirmation has lapsed.
    age_session(client, REAUTH_KEY, 6)
    response = client.post(reverse("account_edit"), {**change, "alert_phone": ""})
    assert response.url.startswith(reverse("reauth"))


def test_re_authentication_asks_for_the_code_when_enrolled(client, cast):
    device, _ = enrol(cast.therapist)
    sign_in(client, cast.therapist.email)
    client.post(reverse("login_code"), {"code": code_for(device)})
    without_code = client.post(reverse("reauth"), {"password": PASSWORD})
    assert without_code.status_code == 200
    assert REAUTH_KEY not in client.session
    _, recovery = enrol(cast.therapist)
    with_code = client.post(reverse("reauth"), {"password": PASSWORD, "code": recovery})
    assert with_code.status_code == 302
    assert client.get(reverse("account_edit")).status_code == 200
