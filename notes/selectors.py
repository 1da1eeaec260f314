"""Reads for composing notes."""

from __future__ import annotations

from dataclasses import dataclass, field

from clients.models import Client
from notes import caring, channels
from notes.channels.base import Preview
from notes.messages import preview_context
from notes.models import NOTE_MAX_LENGTH
from notes.services import note_channels


@dataclass
class Draft:
    """What the composer shows beside a draft: its length, exactly what the client would
    receive on each channel, what stands in the way of sending, and caring-contact hints."""

    length: int
    limit: int = NOTE_MAX_LENGTH
    previews: list[Preview] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    hints: list[caring.Hint] = field(default_factory=list)

    @property
    def too_long(self) -> bool:
        return self.length > self.limit

    @property
    def sms(self) -> Preview | None:
        return next((p for p in self.previews if p.channel == "sms"), None)


def note_draft(*, therapist, client: Client, body: str) -> Draft:
    """Renders a draft for every channel the note would use; sends and saves nothing."""
    body = (body or "").strip()
    wanted, problems = note_channels(client=client)
    draft = Draft(length=len(body), problems=problems.get("channels", []), hints=caring.hints(body))
    if body:
        context = preview_context(client=client, therapist=therapist, body=body)
        draft.previews = [
            channels.get(name).preview(client, context)
            for name in wanted
            if name in channels.REGISTRY
        ]
    return draft
