"""Provider callbacks, mounted at /webhooks/."""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path

from notes import webhooks

app_name = "webhooks"

urlpatterns = [
    path("twilio/status/", webhooks.twilio_status, name="twilio-status"),
    path("twilio/inbound/", webhooks.twilio_inbound, name="twilio-inbound"),
]

# Email providers' delivery reports, e.g. anymail/postmark/tracking/. Only with a basic-auth
# secret: without one anymail accepts reports from anyone (continuity/settings.py).
# Each of anymail's views answers a wrong or missing secret with 403, like Twilio's.
if settings.ANYMAIL.get("WEBHOOK_SECRET"):
    urlpatterns.append(
        path("anymail/", include((webhooks.anymail_patterns(), "anymail"), namespace="anymail"))
    )
