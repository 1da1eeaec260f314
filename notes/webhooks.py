"""Twilio's callbacks: delivery reports for our texts, and the texts clients send back.

Every request must carry a valid ``X-Twilio-Signature``; anything else gets 403 and a log line
naming only the path. Log lines never hold the payload: it carries phone numbers and text.
"""

from __future__ import annotations

import logging

import phonenumbers
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
