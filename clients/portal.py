"""The client's private page, reached by a secret link. No account, no password.

GET on a link only shows an "Open your notes" button (mail scanners follow links; nothing is
used up); the POST starts a client session. Every page shows the practice's crisis resources.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clients.links import link_lookup
from clients.models import Channel, Client
from notes.models import Delivery, Note

SESSION_KEY = "portal_client_id"
VISIBLE = (Delivery.State.SENT, Delivery.State.DELIVERED, Delivery.State.READ)


def _no_referrer(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    link = link_lookup(token)
    if link is None:
        return _no_referrer(render(request, "portal/link_invalid.html", status=404))
    if request.method == "POST":
        request.session.cycle_key()
        request.session[SESSION_KEY] = link.client_id
        return _no_referrer(redirect("portal:notes"))
    return _no_referrer(render(request, "portal/open.html", {"practice": link.client.practice}))


@never_cache
def notes(request: HttpRequest) -> HttpResponse:
    client_id = request.session.get(SESSION_KEY)
    client = (
        Client.objects.select_related("practice", "primary_therapist").filter(pk=client_id).first()
        if client_id
        else None
    )
    if client is None:
        return _no_referrer(render(request, "portal/link_invalid.html", status=403))
    in_app = Delivery.objects.filter(channel=Channel.IN_APP, state__in=VISIBLE)
    shown = list(
        Note.objects.filter(client=client, deliveries__in=in_app)
        .select_related("therapist")
        .prefetch_related(Prefetch("deliveries", queryset=in_app, to_attr="in_app"))
        .distinct()
    )
    # Reading is recorded for the therapist; the client is never shown a receipt.
    Delivery.objects.filter(
        note__in=shown,
        channel=Channel.IN_APP,
        state__in=(Delivery.State.SENT, Delivery.State.DELIVERED),
    ).update(state=Delivery.State.READ, read_at=timezone.now())
    return _no_referrer(
        render(
            request,
            "portal/notes.html",
            {"client": client, "practice": client.practice, "notes": shown},
        )
    )
