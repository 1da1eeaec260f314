from __future__ import annotations

from notes.channels.base import Channel, Outcome


class InAppChannel(Channel):
    """The note appears on the client's private page; nothing leaves the server.

    Not intrusive: nothing buzzes, so quiet hours do not hold it back.
    """

    name = "in_app"
    intrusive = False

    def send(self, delivery) -> Outcome:
        return Outcome()
