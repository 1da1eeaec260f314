"""The client's private page, reached by a secret link. No account, no password.

GET on a link only shows an "Open your notes" button (mail scanners follow links; nothing is
used up); the POST starts a client session. Every page shows the practice's crisis resources.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clients import questionnaires, services, signals
from clients.links import (
    fresh_link_request,
    link_lookup,
    session_client,
    session_end,
    session_start,
)
from clients.models import Channel, Client, Consent, Signal
from notes.models import Delivery, Note

VISIBLE = (Delivery.State.SENT, Delivery.State.DELIVERED, Delivery.State.READ)


def _private(response: HttpResponse) -> HttpResponse:
    # same-origin, not no-referrer: the secret URL still never leaves the site, and the
    # browser keeps sending a real Origin on form posts, which CSRF protection checks.
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    link = link_lookup(token)
    if link is None:
        return _private(render(request, "portal/link_invalid.html", {"token": token}, status=404))
    if request.method == "POST":
        session_token = session_start(link=link)
        if session_token is None:
            return _private(
                render(request, "portal/link_invalid.html", {"token": token}, status=404)
            )
        response = redirect("portal:notes")
        response.set_cookie(
            settings.CLIENT_SESSION_COOKIE,
            session_token,
            max_age=settings.CLIENT_SESSION_MAX_HOURS * 3600,
            path="/c/",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return _private(response)
    return _private(render(request, "portal/open.html", {"practice": link.client.practice}))


@never_cache
@require_http_methods(["POST"])
def fresh_link(request: HttpRequest, token: str) -> HttpResponse:
    """The same answer whether or not anything is sent: no one learns who is a client."""
    fresh_link_request(token)
    return _private(render(request, "portal/fresh_link_sent.html"))


def _session_client(request: HttpRequest) -> Client | None:
    return session_client(request.COOKIES.get(settings.CLIENT_SESSION_COOKIE))


@never_cache
@require_http_methods(["POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """Signs this device out; the client's link (if still valid) signs them in again."""
    client = _session_client(request)
    session_end(request.COOKIES.get(settings.CLIENT_SESSION_COOKIE))
    response = render(
        request,
        "portal/signed_out.html",
        {"practice": client.practice if client else None},
    )
    response.delete_cookie(settings.CLIENT_SESSION_COOKIE, path="/c/", samesite="Lax")
    return _private(response)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "portal/link_invalid.html", status=403))


@never_cache
def notes(request: HttpRequest) -> HttpResponse:
    client = _session_client(request)
    if client is None:
        return _forbidden(request)
    in_app = Delivery.objects.filter(channel=Channel.IN_APP, state__in=VISIBLE)
    shown = list(
        Note.objects.filter(client=client, deliveries__in=in_app)
        .select_related("therapist")
        .prefetch_related(
            Prefetch("deliveries", queryset=in_app, to_attr="in_app"),
            Prefetch(
                "signals",
                queryset=Signal.objects.filter(kind=Signal.Kind.REACTION),
                to_attr="reactions",
            ),
        )
        .distinct()
    )
    for note in shown:
        note.reacted = {s.reaction for s in note.reactions}
    # Reading is recorded for the therapist; the client is never shown a receipt.
    Delivery.objects.filter(
        note__in=shown,
        channel=Channel.IN_APP,
        state__in=(Delivery.State.SENT, Delivery.State.DELIVERED),
    ).update(state=Delivery.State.READ, read_at=timezone.now())
    return _private(
        render(
            request,
            "portal/notes.html",
            {
                "client": client,
                "practice": client.practice,
                "notes": shown,
                "reactions": Signal.Reaction.choices,
                "moods": range(11),
            },
        )
    )


@never_cache
@require_http_methods(["POST"])
def react(request: HttpRequest, note_id: int) -> HttpResponse:
    client = _session_client(request)
    if client is None:
        return _forbidden(request)
    note = Note.objects.filter(pk=note_id, client=client).first()
    if note is None:
        raise Http404
    try:
        signals.react(client=client, note=note, reaction=request.POST.get("reaction", ""))
    except ValidationError:
        messages.error(request, "That reaction could not be saved.")
    return redirect("portal:notes")


@never_cache
@require_http_methods(["POST"])
def check_in(request: HttpRequest) -> HttpResponse:
    client = _session_client(request)
    if client is None:
        return _forbidden(request)
    try:
        _, urgent = signals.check_in_record(
            client=client, mood=request.POST.get("mood"), text=request.POST.get("text", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("portal:notes")
    if urgent:
        return _private(_support_page(request, client, status=200))
    messages.success(request, "Thank you for checking in.")
    return redirect("portal:notes")


@never_cache
@require_http_methods(["GET", "POST"])
def hard_time(request: HttpRequest) -> HttpResponse:
    """Crisis resources at once, for anyone; with a client session, the therapist is told."""
    client = _session_client(request)
    if request.method == "POST" and client is not None:
        signals.hard_time(client=client)
    return _private(_support_page(request, client, asked=request.method == "POST"))


def _support_page(request, client, *, status: int = 200, asked: bool = True) -> HttpResponse:
    return render(
        request,
        "portal/hard_time.html",
        {
            "client": client,
            "practice": client.practice if client else None,
            "therapist": client.primary_therapist if client else None,
            "asked": asked and client is not None,
        },
        status=status,
    )


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # left as it came, so scoring refuses it with its own message


@never_cache
@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, code: str) -> HttpResponse:
    client = _session_client(request)
    if client is None:
        return _forbidden(request)
    instrument = questionnaires.INSTRUMENTS.get(code)
    if instrument is None:
        raise Http404
    errors: list[str] = []
    chosen: dict[int, str] = {}
    if request.method == "POST":
        chosen = {n: request.POST.get(f"item_{n}", "") for n in range(1, len(instrument.items) + 1)}
        answers = [_as_int(v) for v in chosen.values()]
        raw_difficulty = request.POST.get("difficulty", "")
        difficulty = _as_int(raw_difficulty) if raw_difficulty != "" else None
        if "" in chosen.values():
            errors.append("Please answer every question; there are no wrong answers.")
        else:
            try:
                _, result = signals.questionnaire_submit(
                    client=client, code=code, answers=answers, difficulty=difficulty
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                if result.urgent:
                    return _private(_support_page(request, client))
                messages.success(request, f"Thank you for filling in the {instrument.title}.")
                return redirect("portal:notes")
    return _private(
        render(
            request,
            "portal/questionnaire.html",
            {
                "client": client,
                "practice": client.practice,
                "instrument": instrument,
                "items": [
                    (n, text, chosen.get(n, "")) for n, text in enumerate(instrument.items, 1)
                ],
                "errors": errors,
            },
            status=400 if errors else 200,
        )
    )


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Pause, stop, channel and quiet hours — all honoured by the delivery pipeline at send
    time, since it reads them again for every delivery."""
    client = _session_client(request)
    if client is None:
        return _forbidden(request)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "pause":
                weeks = _as_int(request.POST.get("weeks"))
                services.client_pause(client=client, weeks=weeks)
                messages.success(request, f"Notes are paused until {client.paused_until:%d %b}.")
            elif action == "resume":
                services.client_resume(client=client)
                messages.success(request, "Notes are on again.")
            elif action == "stop":
                services.client_stop_all(client=client)
                messages.success(request, "You will not receive any more notes.")
            elif action == "save":
                services.client_set_preferences(
                    client=client,
                    preferred_channel=request.POST.get("preferred_channel", ""),
                    quiet_hours_start=request.POST.get("quiet_hours_start") or None,
                    quiet_hours_end=request.POST.get("quiet_hours_end") or None,
                )
                messages.success(request, "Saved.")
            else:
                errors.append("Nothing was changed.")
        except ValidationError as exc:
            errors.extend(exc.messages)
            client.refresh_from_db()
        if not errors:
            return redirect("portal:preferences")
    consented = Consent.objects.filter(client=client, withdrawn_at__isnull=True)
    return _private(
        render(
            request,
            "portal/preferences.html",
            {
                "client": client,
                "practice": client.practice,
                "channels": [
                    (c, Channel(c).label) for c in consented.values_list("channel", flat=True)
                ],
                "paused": client.paused_until is not None and client.paused_until > timezone.now(),
                "weeks": services.PAUSE_WEEKS,
                "errors": errors,
            },
            status=400 if errors else 200,
        )
    )


def _error_page(request: HttpRequest, status: int, fallback) -> HttpResponse:
    # Only the client's pages get the crisis-line error page. Rendered without the request's
    # context processors, so it reads no session or database — which may be what failed.
    if not request.path.startswith("/c/"):
        return fallback()
    html = render_to_string("portal/error.html", {"status": status})
    return _private(HttpResponse(html, status=status))


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    from django.views import defaults

    return _error_page(request, 404, lambda: defaults.page_not_found(request, exception))


def server_error(request: HttpRequest) -> HttpResponse:
    from django.views import defaults

    return _error_page(request, 500, lambda: defaults.server_error(request))
