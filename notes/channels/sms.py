"""SMS through Twilio's official SDK.

A discreet client gets only the link. Anyone else gets the note itself when the text fits in
two segments, and the link otherwise, with a remark saying so: a note must not arrive as a
stream of fragments. Delivery reports come back through ``notes.webhooks``.
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

from notes.channels.base import Channel, DeliveryError, Outcome, Preview
from notes.messages import message_context, render
from notes.sms_segments import segment_count

#: Where the SDK sends Messages API calls (twilio.rest.api.ApiBase).
TWILIO_API = "https://api.twilio.com"
TIMEOUT_SECONDS = 10.0
MAX_SEGMENTS = 2
TOO_LONG = "Sent as a link only: the note is too long for two text messages."


class BaseUrlHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, sending to TWILIO_API_BASE_URL instead of api.twilio.com.

    The SDK builds every Messages URL as ``https://api.twilio.com`` + the resource path
    (``Domain.absolute_url``) and hands the full URL to ``http_client.request()``, so this is
    the one place where another base can take its place. Only TWILIO_EDGE / TWILIO_REGION in
    the environment would change the host first (``ClientBase.get_hostname``); such a URL is
    left alone.
    """

    def __init__(self, base_url: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def rebase(self, url: str) -> str:
        if self.base_url == TWILIO_API or not url.startswith(TWILIO_API + "/"):
            return url
        return self.base_url + url[len(TWILIO_API) :]

    def request(self, method: str, url: str, *args, **kwargs):
        return super().request(method, self.rebase(url), *args, **kwargs)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


class SmsChannel(Channel):
    name = "sms"
    intrusive = True

    def unavailable_reason(self) -> str | None:
        has_sender = settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID
        if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and has_sender:
            return None
        return "SMS is not set up for this practice (no SMS provider configured)."

    def contact_missing(self, client) -> str | None:
        return None if client.phone else "No mobile number on file."

    def preview(self, client, context: dict) -> Preview:
        body, remark = compose(context, discreet=client.discreet)
        encoding, segments = segment_count(body)
        return Preview(
            channel=self.name, text=body, remark=remark, encoding=encoding, segments=segments
        )

    def send(self, delivery) -> Outcome:
        client = delivery.note.client
        body, remark = compose(message_context(delivery), discreet=client.discreet)
        return Outcome(provider_message_id=send_text(client.phone.as_e164, body), remark=remark)


def send_text(to: str, body: str) -> str:
    """Sends one text through Twilio; returns its SID. Raises DeliveryError."""
    http_client = BaseUrlHttpClient(settings.TWILIO_API_BASE_URL)
    twilio = TwilioClient(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
    )
    try:
        message = twilio.messages.create(
            to=to,
            body=body,
            status_callback=settings.SITE_URL.rstrip("/") + reverse("webhooks:twilio-status"),
            **_sender(),
        )
    except TwilioException as exc:
        raise _provider_error(exc) from exc
    except (requests.RequestException, OSError) as exc:
        raise DeliveryError(
            f"SMS provider unreachable ({type(exc).__name__}).", permanent=False
        ) from exc
    finally:
        http_client.close()
    return message.sid or ""


def compose(context: dict, *, discreet: bool) -> tuple[str, str]:
    """The text to send and the remark for the therapist ("" when sent as written)."""
    if discreet:
        return render("sms_discreet.txt", context), ""
    full = render("sms_full.txt", context)
    _, segments = segment_count(full)
    if segments <= MAX_SEGMENTS:
        return full, ""
    return render("sms_discreet.txt", context), TOO_LONG


def _sender() -> dict[str, str]:
    # A Messaging Service picks the sender from its pool (and handles opt-outs per service),
    # so it wins when both are configured.
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        return {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
    return {"from_": settings.TWILIO_FROM_NUMBER}


def _provider_error(exc: TwilioException) -> DeliveryError:
    """Rate limits and server errors are retried; any other refusal is final.

    Only the HTTP status and Twilio's numeric code go into the reason: Twilio's message text
    may quote the number or the body.
    """
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    code = code if isinstance(code, int) else status
    if not isinstance(status, int):
        return DeliveryError(f"SMS provider error ({type(exc).__name__}).", permanent=False)
    if status == 429 or status >= 500:
        return DeliveryError(
            f"SMS provider is busy or unavailable (HTTP {status}, Twilio error {code}).",
            permanent=False,
        )
    return DeliveryError(f"SMS provider refused the message (Twilio error {code}).", permanent=True)
