"""Secret links to a client's private page: random tokens, stored only as a SHA-256 hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientLink, ClientSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_issue(
    *, client: Client, ttl: dt.timedelta | None = None, requested: bool = False
) -> tuple[ClientLink, str]:
    """Creates a link; returns it with the raw token, which is never stored. Raises
    ValidationError for a discharged client: their page is closed."""
    if client.status == Client.Status.DISCHARGED:
        raise ValidationError({"client": "This client has been discharged; no new links."})
    token = secrets.token_urlsafe(24)  # 192 bits
    ttl = ttl or dt.timedelta(days=settings.CLIENT_LINK_TTL_DAYS)
    link = ClientLink.objects.create(
        client=client, token_hash=_hash(token), expires_at=timezone.now() + ttl, requested=requested
    )
    return link, token


def link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:open", args=[token])


def link_lookup(token: str) -> ClientLink | None:
    """The usable link for this token, or None (unknown, expired, revoked, or its client
    discharged, alike)."""
    link = ClientLink.objects.select_related("client__practice").filter(token_hash=_hash(token))
    found = link.first()
    if found is None or not found.usable or found.client.status == Client.Status.DISCHARGED:
        return None
    return found


# --- The client's browser session ------------------------------------------------------


def session_start(*, link: ClientLink) -> str | None:
    """Uses the link up and starts a session for its client; returns the raw cookie token
    (never stored), or None when the link was used in the meantime (a double submit, or a
    copy of the link opened elsewhere first)."""
    used = ClientLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not used:
        return None
    token = secrets.token_urlsafe(32)
    ClientSession.objects.create(client_id=link.client_id, token_hash=_hash(token))
    return token


def session_client(token: str | None) -> Client | None:
    """The client of a live session, refreshing its idle clock; None when unknown, ended,
    idle too long or too old."""
    if not token:
        return None
    now = timezone.now()
    session = (
        ClientSession.objects.select_related("client__practice", "client__primary_therapist")
        .filter(
            token_hash=_hash(token),
            ended_at__isnull=True,
            last_seen_at__gt=now - dt.timedelta(minutes=settings.CLIENT_SESSION_IDLE_MINUTES),
            created_at__gt=now - dt.timedelta(hours=settings.CLIENT_SESSION_MAX_HOURS),
        )
        .first()
    )
    if session is None:
        return None
    if now - session.last_seen_at > dt.timedelta(minutes=1):  # one write a minute at most
        ClientSession.objects.filter(pk=session.pk).update(last_seen_at=now)
    return session.client


def session_end(token: str | None) -> None:
    if token:
        ClientSession.objects.filter(token_hash=_hash(token), ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


def links_revoke(*, client: Client) -> int:
    """The therapist cuts off every link and signed-in browser of this client; returns how
    many links were revoked."""
    now = timezone.now()
    ClientSession.objects.filter(client=client, ended_at__isnull=True).update(ended_at=now)
    return ClientLink.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now)


def fresh_link_request(token: str) -> bool:
    """A client whose link expired asks for a new one. Returns whether one will be sent.

    Only an expired link qualifies (a revoked one was cut off on purpose), only for an active
    client, at most once per FRESH_LINK_EVERY_MINUTES. The caller answers the same either way.
    """
    from clients.tasks import send_fresh_link

    link = ClientLink.objects.select_related("client").filter(token_hash=_hash(token)).first()
    if link is None or link.revoked_at is not None or link.client.status != Client.Status.ACTIVE:
        return False
    since = timezone.now() - dt.timedelta(minutes=settings.FRESH_LINK_EVERY_MINUTES)
    if ClientLink.objects.filter(
        client=link.client, requested=True, created_at__gte=since
    ).exists():
        return False
    # Counted now, so a burst of requests sends one link, not many.
    ClientLink.objects.create(
        client=link.client,
        token_hash=_hash(secrets.token_urlsafe(24)),
        expires_at=timezone.now(),
        requested=True,
    )
    send_fresh_link.delay(link.client_id)
    return True
