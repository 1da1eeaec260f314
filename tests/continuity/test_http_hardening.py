"""HTTP hardening: `check --deploy` is clean in production, every page carries the
Content-Security-Policy and the other security headers, and no page needs an inline script,
style or event handler to work."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from clients.links import link_issue
from clients.models import Channel
from notes.services import delivery_send, note_create

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def production(*command: str) -> subprocess.CompletedProcess:
    """Runs `command` with production settings and the secrets they require."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        CONTINUITY_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="continuity.example.org",
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


# Behind the proxy: plain HTTP is redirected, HTTPS (as the proxy reports it) carries HSTS.
PROXY_SCRIPT = """
import django
django.setup()
from django.test import Client
browser = Client(HTTP_HOST="continuity.example.org")
plain = browser.get("/accounts/login/")
print(plain.status_code, plain["Location"])
proxied = browser.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
print(proxied.has_header("Location"), proxied["Strict-Transport-Security"])
"""


def test_production_redirects_to_https_and_sends_hsts_behind_the_proxy():
    result = production("-c", PROXY_SCRIPT)
    assert result.returncode == 0, result.stderr
    redirect, secure = result.stdout.splitlines()
    assert redirect == "301 https://continuity.example.org/accounts/login/"
    assert secure == "False max-age=31536000; includeSubDomains; preload"


class Page(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []  # style elements, style attributes, on* handlers

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "style":
            self.inline.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "action", "src"} and (value or "").startswith("javascript:"):
                self.inline.append(f"<{tag} {name}={value!r}>")


def assert_hardened(response) -> None:
    """The headers every response carries, and no inline code on an HTML page."""
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["base-uri"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"

    if not response["Content-Type"].startswith("text/html"):
        return
    page = Page()
    page.feed(response.content.decode())
    assert page.inline == []
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])
    for script in page.scripts:
        assert script.get("src"), f"inline script: {script}"
        if script.get("nonce") is not None:
            assert nonce and script["nonce"] == nonce.group(1)


def test_therapist_pages(client, cast, reachable):
    note_create(therapist=cast.therapist, client=reachable, body="Thinking of you")
    client.force_login(cast.therapist)
    for url in (
        reverse("caseload"),
        reverse("client_detail", args=[reachable.pk]),
        reverse("templates"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_hardened(response)
    # htmx's own script tag carries this response's nonce.
    assert 'nonce="' in response.content.decode()
    # An htmx fragment, too.
    response = client.post(
        reverse("compose_preview", args=[reachable.pk]),
        {"body": "Hello {first_name}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert_hardened(response)


def test_sign_in_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_hardened(response)


def test_client_portal_pages(portal, cast, reachable):
    note = note_create(therapist=cast.therapist, client=reachable, body="Held in mind")
    delivery_send(delivery_id=note.deliveries.get(channel=Channel.IN_APP).pk)
    for name in ("portal:notes", "portal:preferences"):
        response = portal.get(reverse(name))
        assert response.status_code == 200, name
        assert_hardened(response)
    for name, data in (("portal:check-in", {"mood": 6}), ("portal:hard-time", {})):
        response = portal.post(reverse(name), data, follow=True)
        assert response.status_code == 200, name
        assert_hardened(response)


def test_client_link_page(client, reachable):
    _, token = link_issue(client=reachable)
    response = client.get(reverse("portal:open", args=[token]))
    assert response.status_code == 200
    assert_hardened(response)


def test_api_responses(client, cast):
    response = client.get("/api/v1/clients/")
    assert response.status_code == 401
    assert_hardened(response)
    client.force_login(cast.therapist)
    response = client.get("/api/v1/clients/")
    assert response.status_code == 200
    assert_hardened(response)


def test_swagger_ui_alone_is_left_without_a_policy_but_keeps_the_other_headers(client):
    # drf-spectacular's page starts Swagger UI with an inline script; the exemption is in
    # settings.CONTENT_SECURITY_POLICY["EXCLUDE_URL_PREFIXES"] and covers this page only.
    response = client.get(reverse("api-docs"))
    assert "Content-Security-Policy" not in response
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "Content-Security-Policy" in client.get(reverse("api-schema"))


def test_too_many_form_fields_are_refused(client, settings):
    fields = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("login"), fields)
    assert response.status_code == 400


def test_an_oversized_body_is_refused(client, settings):
    body = {"username": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    response = client.post(reverse("login"), body)
    assert response.status_code == 400
