from __future__ import annotations

import contextlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.signals import setting_changed

from notes.channels.base import Channel, DeliveryError, Outcome, Preview
from notes.messages import message_context, render


def message_id(delivery) -> str:
    """Stable per delivery, so a resend after a crash is recognisable as the same message."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost"
    return f"<delivery-{delivery.pk}.note-{delivery.note_id}@{domain}>"


_connection = None  # one per process: prefork children open their own after the fork


def _mail_connection():
    """The process's open mail connection, reused across sends (an SMTP handshake costs more
    than the message itself on loopback)."""
    global _connection
    if _connection is None:
        _connection = get_connection()
        _connection.open()
    return _connection


def _drop_connection(**_: object) -> None:
    global _connection
    if _connection is not None:
        connection, _connection = _connection, None
        # Closing a connection the server already dropped may fail; nothing to do then.
        with contextlib.suppress(Exception):
            connection.close()


setting_changed.connect(_drop_connection)


def _send(message) -> None:
    try:
        message.connection = _mail_connection()
        message.send()
    except smtplib.SMTPServerDisconnected:
        # The server closed an idle connection: open a fresh one, once.
        _drop_connection()
        message.connection = _mail_connection()
        message.send()
    except Exception:
        _drop_connection()  # never reuse a connection in an unknown state
        raise


def compose(context: dict, *, discreet: bool) -> tuple[str, str, str]:
    """The subject, plain text and HTML; the discreet variant holds no clinical text."""
    variant = "discreet" if discreet else "full"
    return (
        render(f"email_{variant}_subject.txt", context),
        render(f"email_{variant}.txt", context),
        render(f"email_{variant}.html", context),
    )


class EmailChannel(Channel):
    name = "email"

    def contact_missing(self, client) -> str | None:
        return None if client.email else "No email address on file."

    def preview(self, client, context: dict) -> Preview:
        subject, text, _ = compose(context, discreet=client.discreet)
        return Preview(channel=self.name, subject=subject, text=text)

    def send(self, delivery) -> Outcome:
        client = delivery.note.client
        subject, text, html = compose(message_context(delivery), discreet=client.discreet)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[client.email],
            headers={"Message-ID": message_id(delivery)},
        )
        message.attach_alternative(html, "text/html")
        try:
            _send(message)
        except smtplib.SMTPResponseException as exc:
            # 5xx is the server's final answer; 4xx asks us to try again later.
            raise DeliveryError(
                f"Mail server refused the message ({exc.smtp_code}).",
                permanent=500 <= exc.smtp_code < 600,
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError("Mail server refused the address.", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                f"Mail server unreachable ({type(exc).__name__}).", permanent=False
            ) from exc
        except Exception as exc:
            raise _esp_error(exc) from exc
        return Outcome(provider_message_id=_esp_message_id(message) or message_id(delivery))


def _esp_message_id(message) -> str:
    status = getattr(message, "anymail_status", None)  # set by django-anymail backends
    return (getattr(status, "message_id", None) or "") if status else ""


def _esp_error(exc: Exception) -> DeliveryError:
    """django-anymail errors: a 4xx from the ESP is final (bad request), anything else retries."""
    status = getattr(exc, "status_code", None)
    permanent = status is not None and 400 <= status < 500 and status != 429
    if type(exc).__name__ == "AnymailRecipientsRefused":
        permanent = True
    return DeliveryError(f"Email provider error ({type(exc).__name__}).", permanent=permanent)
