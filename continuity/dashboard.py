"""The therapist's pages beyond the caseload: a client's thread, the composer, moments and
templates. Each view parses input, calls one service or selector, and renders.

Every lookup goes through the signed-in therapist, so anyone else's client, note, moment or
template is a 404. With htmx (``request.htmx``) a view answers with the fragment it changed;
without JavaScript the same URL answers a plain form post with a redirect or a whole page.

Each view that shows or changes clinical content appends a row to the audit log (ids only).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import services as client_services
from clients.links import link_issue, link_url
from clients.models import Client, Moment
from clients.signals import signal_acknowledge
from continuity.audit import Action, audit_record
from continuity.forms import ComposeForm, MomentForm, TemplateForm
from continuity.selectors import client_for, client_thread
from notes import services as note_services
from notes.models import Note, NoteTemplate
from notes.selectors import note_draft


def _client_or_404(request: HttpRequest, pk: int) -> Client:
    try:
        return client_for(therapist=request.user, client_id=pk)
    except Client.DoesNotExist:
        raise Http404("No such client.") from None


def _form_errors(form, exc: ValidationError) -> None:
    """Puts a service's ValidationError on the form, field by field where it can."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, problems in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


# --- The client page ------------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _client_page(request, pk)


def _client_page(request: HttpRequest, pk: int, **extra) -> HttpResponse:
    before = parse_datetime(request.GET.get("before", "") or "")
    if before is not None and timezone.is_naive(before):
        before = None
    try:
        thread = client_thread(therapist=request.user, client_id=pk, before=before)
    except Client.DoesNotExist:
        raise Http404("No such client.") from None
    # One row a page view: the client and the thread the page shows.
    audit_record(
        request=request, action=Action.READ, object_type="client", object_id=pk, client_id=pk
    )
    context = {
        "thread": thread,
        "client": thread.client,
        "moment_form": extra.pop("moment_form", None) or MomentForm(),
        "composer": _composer(
            request, thread.client, ComposeForm(**_form_kwargs(request, thread.client))
        ),
        **extra,
    }
    status = 400 if context["moment_form"].errors else 200
    return render(request, "continuity/client_detail.html", context, status=status)


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledges the chosen open signals, or all of them when none is named."""
    chosen = [int(v) for v in request.POST.getlist("signal") if v.isdigit()] or None
    try:
        count = signal_acknowledge(therapist=request.user, client_id=pk, signal_ids=chosen)
    except Client.DoesNotExist:
        raise Http404("No such client.") from None
    one = chosen[0] if chosen and len(chosen) == 1 else None
    audit_record(
        request=request,
        action=Action.ACKNOWLEDGE,
        object_type="signal",
        object_id=one,
        client_id=pk,
    )
    if request.htmx:
        thread = client_thread(therapist=request.user, client_id=pk)
        return render(
            request, "continuity/_open_signals.html", {"thread": thread, "client": thread.client}
        )
    messages.success(request, f"Acknowledged {count} signal{'s' if count != 1 else ''}.")
    return redirect(reverse("client_detail", args=[pk]) + "#open-signals")


@login_required
@require_POST
@never_cache
def fresh_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Issues a new private link and shows it once, for the therapist to copy and pass on."""
    client = _client_or_404(request, pk)
    try:
        _, token = link_issue(client=client)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("client_detail", args=[pk]))
    audit_record(request=request, action=Action.ISSUE, object_type="link", client_id=pk)
    url = link_url(token)
    if request.htmx:
        return render(request, "continuity/_fresh_link.html", {"client": client, "fresh_link": url})
    return _client_page(request, pk, fresh_link=url)


@login_required
@require_POST
def moment_add(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    form = MomentForm(request.POST)
    if form.is_valid():
        try:
            moment = client_services.moment_create(
                client=client,
                created_by=request.user,
                date=form.cleaned_data["date"],
                label=form.cleaned_data["label"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            _audit_moment(request, Action.CREATE, moment.pk, pk)
    if form.errors:
        return _client_page(request, pk, moment_form=form)
    messages.success(request, "Moment added. The dashboard will remind you on the day.")
    return redirect(reverse("client_detail", args=[pk]) + "#moments")


@login_required
@require_POST
def moment_delete(request: HttpRequest, pk: int, moment_id: int) -> HttpResponse:
    _client_or_404(request, pk)
    try:
        client_services.moment_delete(therapist=request.user, moment_id=moment_id)
    except Moment.DoesNotExist:
        raise Http404("No such moment.") from None
    _audit_moment(request, Action.DELETE, moment_id, pk)
    messages.success(request, "Moment removed.")
    return redirect(reverse("client_detail", args=[pk]) + "#moments")


def _audit_moment(request: HttpRequest, action: str, moment_id: int, client_id: int) -> None:
    audit_record(
        request=request,
        action=action,
        object_type="moment",
        object_id=moment_id,
        client_id=client_id,
    )


# --- The composer ---------------------------------------------------------------------------


def _form_kwargs(request: HttpRequest, client: Client) -> dict:
    return {"therapist": request.user, "client": client, "prefix": f"c{client.pk}"}


def _composer(request, client, form, *, note=None, draft=None, done=None) -> dict:
    return {
        "client": client,
        "form": form,
        "note": note,
        "draft": draft,
        "done": done,
        "origin": request.POST.get("origin") or request.GET.get("origin") or "client",
    }


def _render_composer(request, composer: dict, *, status: int = 200) -> HttpResponse:
    name = "continuity/_composer.html" if request.htmx else "continuity/compose.html"
    return render(
        request, name, {"composer": composer, "client": composer["client"]}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, pk: int) -> HttpResponse:
    """Writes a note. Buttons: insert a template, preview, send (now, at a time, on a moment)."""
    client = _client_or_404(request, pk)
    if request.method == "GET":
        audit_record(
            request=request,
            action=Action.READ,
            object_type="client",
            object_id=client.pk,
            client_id=client.pk,
        )
        return _render_composer(
            request, _composer(request, client, ComposeForm(**_form_kwargs(request, client)))
        )
    form = ComposeForm(request.POST, **_form_kwargs(request, client))
    action = request.POST.get("action", "send")
    if not form.is_valid():
        return _render_composer(request, _composer(request, client, form), status=400)
    body = form.cleaned_data["body"]
    if action == "insert":
        return _render_composer(request, _composer(request, client, _with_template(form, client)))
    if action == "preview":
        draft = note_draft(therapist=request.user, client=client, body=body)
        return _render_composer(request, _composer(request, client, form, draft=draft))
    try:
        note = note_services.note_create(
            therapist=request.user, client=client, body=body, **form.timing()
        )
    except ValidationError as exc:
        _form_errors(form, exc)
        draft = note_draft(therapist=request.user, client=client, body=body)
        return _render_composer(request, _composer(request, client, form, draft=draft), status=400)
    _audit_note(request, Action.CREATE, note)
    words = _when_words(note)
    if request.htmx:  # inline in a caseload row: an empty composer saying what happened
        fresh = ComposeForm(**_form_kwargs(request, client))
        return _render_composer(request, _composer(request, client, fresh, done=words))
    messages.success(request, words)
    return redirect(reverse("client_detail", args=[pk]) + "#scheduled")


def _with_template(form: ComposeForm, client: Client) -> ComposeForm:
    """The same form with the chosen template's words added to the note."""
    data = form.data.copy()
    template = form.cleaned_data.get("template")
    if template is not None:
        words = template.render(first_name=client.preferred_name)
        body = form.cleaned_data["body"].rstrip()
        data[form.add_prefix("body")] = f"{body}\n\n{words}" if body else words
        data[form.add_prefix("template")] = ""
    rebound = ComposeForm(data, therapist=form.therapist, client=client, prefix=form.prefix)
    rebound.is_valid()
    return rebound


def _when_words(note: Note) -> str:
    if note.send_at is None:
        return "Note sent on its way."
    local = timezone.localtime(note.send_at)
    return f"Note scheduled for {local:%a %-d %b, %H:%M}."


@login_required
@require_POST
def compose_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The live preview beside the composer (htmx): counts, each channel, hints."""
    client = _client_or_404(request, pk)
    prefix = request.POST.get("prefix") or f"c{client.pk}"
    body = request.POST.get(f"{prefix}-body", "")
    draft = note_draft(therapist=request.user, client=client, body=body)
    return render(request, "continuity/_preview.html", {"draft": draft, "client": client})


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, note_id: int) -> HttpResponse:
    """Rewrites or reschedules a note that has not started sending."""
    note = _note_or_404(request, note_id)
    client = note.client
    kwargs = _form_kwargs(request, client)
    if request.method == "GET":
        _audit_note(request, Action.READ, note)
        form = ComposeForm(initial=_initial(note), **kwargs)
        return render(
            request,
            "continuity/note_edit.html",
            {"composer": _composer(request, client, form, note=note), "client": client},
        )
    form = ComposeForm(request.POST, **kwargs)
    action = request.POST.get("action", "send")
    draft = None
    if form.is_valid():
        if action == "insert":
            form = _with_template(form, client)
        elif action == "preview":
            draft = note_draft(
                therapist=request.user, client=client, body=form.cleaned_data["body"]
            )
        else:
            try:
                note = note_services.note_edit(
                    therapist=request.user,
                    note_id=note.pk,
                    body=form.cleaned_data["body"],
                    **form.timing(),
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                _audit_note(request, Action.UPDATE, note)
                messages.success(request, "Note changed. " + _when_words(note))
                return redirect(reverse("client_detail", args=[client.pk]) + "#scheduled")
    status = 400 if form.errors else 200
    return render(
        request,
        "continuity/note_edit.html",
        {"composer": _composer(request, client, form, note=note, draft=draft), "client": client},
        status=status,
    )


def _initial(note: Note) -> dict:
    initial = {"body": note.body, "when": "now"}
    if note.moment_id:
        initial.update(when="moment", moment=note.moment_id)
    elif note.send_at:
        local = note.send_at.astimezone(note.client.time_zone).replace(tzinfo=None)
        initial.update(when="at", send_at=local)
    return initial


def _audit_note(request: HttpRequest, action: str, note: Note) -> None:
    audit_record(
        request=request,
        action=action,
        object_type="note",
        object_id=note.pk,
        client_id=note.client_id,
    )


def _note_or_404(request: HttpRequest, note_id: int) -> Note:
    try:
        return Note.objects.select_related("client").get(pk=note_id, therapist=request.user)
    except Note.DoesNotExist:
        raise Http404("No such note.") from None


@login_required
@require_POST
def note_cancel(request: HttpRequest, note_id: int) -> HttpResponse:
    note = _note_or_404(request, note_id)
    cancelled = note_services.note_cancel(therapist=request.user, note_id=note.pk)
    _audit_note(request, Action.CANCEL, note)
    if cancelled:
        messages.success(request, "Note cancelled: nothing more of it will be sent.")
    else:
        messages.info(request, "That note had already gone; there was nothing left to cancel.")
    return redirect(reverse("client_detail", args=[note.client_id]) + "#scheduled")


# --- Templates ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest) -> HttpResponse:
    """The therapist's own templates: list, add."""
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = note_services.template_save(therapist=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            _audit_template(request, Action.CREATE, template.pk)
            messages.success(request, "Template saved.")
            return redirect("templates")
    _audit_template(request, Action.READ, None)
    return render(
        request,
        "continuity/templates.html",
        {"templates": NoteTemplate.objects.filter(therapist=request.user), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    try:
        template = NoteTemplate.objects.get(pk=template_id, therapist=request.user)
    except NoteTemplate.DoesNotExist:
        raise Http404("No such template.") from None
    form = TemplateForm(
        request.POST or None, initial={"title": template.title, "body": template.body}
    )
    if request.method == "POST" and form.is_valid():
        try:
            note_services.template_save(
                therapist=request.user, template_id=template.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            _audit_template(request, Action.UPDATE, template.pk)
            messages.success(request, "Template saved.")
            return redirect("templates")
    _audit_template(request, Action.READ, template.pk)
    return render(
        request,
        "continuity/template_edit.html",
        {"template": template, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    try:
        note_services.template_delete(therapist=request.user, template_id=template_id)
    except NoteTemplate.DoesNotExist:
        raise Http404("No such template.") from None
    _audit_template(request, Action.DELETE, template_id)
    messages.success(request, "Template deleted.")
    return redirect("templates")


def _audit_template(request: HttpRequest, action: str, template_id: int | None) -> None:
    audit_record(request=request, action=action, object_type="template", object_id=template_id)
