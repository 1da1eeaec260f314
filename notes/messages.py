"""What a client receives: the rendering context and the templates, shared by all channels."""

from __future__ import annotations

from django.template.loader import render_to_string

from clients.links import link_issue, link_url
from clients.models import Client
from notes.models import Delivery

#: Stands in for a private link in previews: as long as a real token, so SMS counts are true.
PREVIEW_TOKEN = "your-private-link-appears-here__"  # noqa: S105 (not a secret)


def base_context(*, client: Client, therapist, body: str, link: str) -> dict:
    """Everything a message template may show."""
    practice = client.practice
    return {
        "first_name": client.preferred_name,
        "therapist_name": therapist.display_name,
        "availability": therapist.availability_statement,
        "practice_name": practice.short_name,
        "crisis_resources": practice.crisis_resources,
        "body": body,
        "discreet": client.discreet,
        "link": link,
    }


def message_context(delivery: Delivery) -> dict:
    """The context for sending, with a freshly issued private link."""
    note = delivery.note
    _, token = link_issue(client=note.client)
    return base_context(
        client=note.client, therapist=note.therapist, body=note.body, link=link_url(token)
    )


def preview_context(*, client: Client, therapist, body: str) -> dict:
    """The context for the composer's preview: no link is issued."""
    return base_context(client=client, therapist=therapist, body=body, link=link_url(PREVIEW_TOKEN))


def render(name: str, context: dict) -> str:
    """Renders notes/messages/<name>; .txt templates turn autoescaping off themselves."""
    return render_to_string(f"notes/messages/{name}", context).strip()
