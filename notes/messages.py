"""What a client receives: the rendering context and the templates, shared by all channels."""

from __future__ import annotations

from django.template.loader import render_to_string

from clients.links import link_issue, link_url
from notes.models import Delivery


def message_context(delivery: Delivery) -> dict:
    """Everything a message template may show, with a freshly issued private link."""
    note = delivery.note
    client = note.client
    practice = client.practice
    context = {
        "first_name": client.preferred_name,
        "therapist_name": note.therapist.display_name,
        "availability": note.therapist.availability_statement,
        "practice_name": practice.short_name,
        "crisis_resources": practice.crisis_resources,
        "body": note.body,
        "discreet": client.discreet,
    }
    _, token = link_issue(client=client)
    context["link"] = link_url(token)
    return context


def render(name: str, context: dict) -> str:
    """Renders notes/messages/<name>; .txt templates turn autoescaping off themselves."""
    return render_to_string(f"notes/messages/{name}", context).strip()
