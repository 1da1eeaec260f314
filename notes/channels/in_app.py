from __future__ import annotations

from notes.channels.base import Channel, Outcome, Preview


class InAppChannel(Channel):
    """The note appears on the client's private page; nothing leaves the server.

    Not intrusive: nothing buzzes, so quiet hours do not hold it back.
    """

    name = "in_app"
    intrusive = False

    def preview(self, client, context: dict) -> Preview:
        return Preview(channel=self.name, text=context["body"])

    def send(self, delivery) -> Outcome:
        return Outcome()
