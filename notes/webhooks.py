"""Providers' callbacks: Twilio's delivery reports for our texts and the texts clients send
back, and email service providers' delivery reports through django-anymail.

Every Twilio request must carry a valid ``X-Twilio-Signature``, and every email provider's
report (anymail's views, under /webhooks/anymail/) the HTTP basic-auth secret; anything else
gets 403 and a log line naming only the path. Log lines never hold a payload: it carries phone
numbers, email addresses and text.
"""

from __future__ import annotations

import functools
import logging

import phonenumbers
from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import AnymailTrackingEvent, EventType, RejectReason
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from clients.models import Channel
from clients.services import sms_opt_in, sms_opt_out
from notes.models import Delivery
from notes.services import delivery_record_provider_status

logger = logging.getLogger(__name__)

# Twilio's default opt-out and opt-in keywords (Advanced Opt-Out uses the same lists). Twilio
# answers them itself with the carrier-mandated confirmation; we only keep consent in step.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "YES", "UNSTOP", "OPTIN"})
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed_by_twilio(request: HttpRequest) -> bool:
    """Checks X-Twilio-Signature against the URL Twilio called.

    Twilio signs the public URL it requested. Behind a proxy or load balancer the scheme and
    host Django sees (http, an internal name) differ from it, so the URL is rebuilt from
    SITE_URL, the public base the status callback was built from, and the request's path.
    """
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST, signature)


def _refused(request: HttpRequest) -> HttpResponse:
    logger.warning("twilio webhook %s: missing or invalid signature", request.path)
    return HttpResponseForbidden()


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """A message status callback. Answers 204 whether or not the message is ours."""
    if not signed_by_twilio(request):
        return _refused(request)
    sid = request.POST.get("MessageSid", "")
    status = request.POST.get("MessageStatus", "")
    if sid and status == "delivered":
        delivery_record_provider_status(
            channel=Channel.SMS, provider_message_id=sid, state=Delivery.State.DELIVERED
        )
    elif sid and status in ("failed", "undelivered"):
        delivery_record_provider_status(
            channel=Channel.SMS,
            provider_message_id=sid,
            state=Delivery.State.FAILED,
            error=carrier_error(request.POST.get("ErrorCode", "")),
        )
    return HttpResponse(status=204)


def carrier_error(code: str) -> str:
    # Only digits reach the dashboard, whatever the field holds.
    if code.isdigit():
        return f"Carrier could not deliver the text (Twilio error {code})."
    return "Carrier could not deliver the text."


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """A text from a client. STOP and START keywords withdraw and restore SMS consent."""
    if not signed_by_twilio(request):
        return _refused(request)
    keyword = request.POST.get("Body", "").strip().upper()
    # With Advanced Opt-Out, Twilio names the kind itself, custom (e.g. French) keywords too.
    kind = request.POST.get("OptOutType", "").upper()
    phone = e164(request.POST.get("From", ""))
    if phone and (kind == "STOP" or keyword in STOP_WORDS):
        changed = sms_opt_out(phone=phone)
        logger.info("inbound sms: opt-out, %d consents withdrawn", changed)
    elif phone and (kind == "START" or keyword in START_WORDS):
        changed = sms_opt_in(phone=phone)
        logger.info("inbound sms: opt-in, %d consents restored", changed)
    else:
        logger.info("inbound sms ignored")
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def e164(number: str) -> str:
    """The number in E.164, or "" when it is not a phone number (a short code, a channel)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# --- Email service providers (django-anymail) --------------------------------------------


def _forbid_bad_secret(view):
    """Anymail raises a SuspiciousOperation (400) for a wrong secret; answer 403 instead."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            return _refused_email_report(request)

    return guarded


def _refused_email_report(request: HttpRequest) -> HttpResponse:
    logger.warning("email provider webhook %s: missing or invalid secret", request.path)
    return HttpResponseForbidden()


def anymail_patterns() -> list:
    """anymail's URL patterns, each view guarded by ``_forbid_bad_secret``."""
    from anymail import urls as anymail_urls

    return [
        type(pattern)(pattern.pattern, _forbid_bad_secret(pattern.callback), name=pattern.name)
        for pattern in anymail_urls.urlpatterns
    ]


ESP_FAILED_EVENTS = frozenset({EventType.BOUNCED, EventType.REJECTED, EventType.FAILED})
# Built from anymail's normalised reason only: the ESP's own description and the receiving
# server's response often quote the client's address, and the reason reaches the dashboard.
ESP_REJECT_REASONS = {
    RejectReason.INVALID: "the address does not exist",
    RejectReason.BOUNCED: "the receiving mail server refused it",
    RejectReason.TIMED_OUT: "it could not be delivered in time",
    RejectReason.BLOCKED: "it was blocked",
    RejectReason.SPAM: "it was treated as spam",
    RejectReason.UNSUBSCRIBED: "the address unsubscribed or is on the provider's suppression list",
}


def anymail_tracking(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """Receiver of ``anymail.signals.tracking``: an ESP's report on an email we sent.

    'delivered' marks the delivery delivered; 'bounced', 'rejected' and 'failed' mark it
    failed. Every other event is ignored: 'deferred' (the ESP keeps trying), 'opened' and
    'clicked' (a client reading a note is recorded by their private page, and open pixels
    are unreliable), and complaints and unsubscribes. So is a message id that is not ours.
    """
    if not event.message_id:
        return
    if event.event_type == EventType.DELIVERED:
        state, error = Delivery.State.DELIVERED, ""
    elif event.event_type in ESP_FAILED_EVENTS:
        state, error = Delivery.State.FAILED, esp_error(esp_name, event)
    else:
        return
    changed = delivery_record_provider_status(
        channel=Channel.EMAIL, provider_message_id=event.message_id, state=state, error=error
    )
    logger.info(
        "%s tracking event %s: %s", esp_name, event.event_type, "recorded" if changed else "ignored"
    )


def esp_error(esp_name: str, event: AnymailTrackingEvent) -> str:
    reason = ESP_REJECT_REASONS.get(event.reject_reason or "")
    if reason:
        return f"The email provider ({esp_name}) could not deliver it: {reason}."
    return f"The email provider ({esp_name}) could not deliver it ({event.event_type})."
