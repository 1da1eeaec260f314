"""Provider callbacks, mounted at /webhooks/."""

from __future__ import annotations

from django.urls import path

from notes import webhooks

app_name = "webhooks"

urlpatterns = [
    path("twilio/status/", webhooks.twilio_status, name="twilio-status"),
    path("twilio/inbound/", webhooks.twilio_inbound, name="twilio-inbound"),
]
