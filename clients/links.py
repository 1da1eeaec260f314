"""Secret links to a client's private page: random tokens, stored only as a SHA-256 hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientLink


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_issue(*, client: Client, ttl: dt.timedelta | None = None) -> tuple[ClientLink, str]:
    """Creates a link; returns it with the raw token, which is never stored."""
    token = secrets.token_urlsafe(24)  # 192 bits
    ttl = ttl or dt.timedelta(days=settings.CLIENT_LINK_TTL_DAYS)
    link = ClientLink.objects.create(
        client=client, token_hash=_hash(token), expires_at=timezone.now() + ttl
    )
    return link, token


def link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:open", args=[token])


def link_lookup(token: str) -> ClientLink | None:
    """The usable link for this token, or None (unknown, expired or revoked alike)."""
    link = ClientLink.objects.select_related("client__practice").filter(token_hash=_hash(token))
    found = link.first()
    return found if found is not None and found.usable else None
