from __future__ import annotations

from notes.channels.base import Channel, DeliveryError, Outcome


class SmsChannel(Channel):
    name = "sms"

    def unavailable_reason(self) -> str | None:
        return "SMS is not available yet."

    def send(self, delivery) -> Outcome:
        raise DeliveryError("SMS is not available yet.", permanent=True)
