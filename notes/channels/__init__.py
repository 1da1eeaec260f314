"""Delivery channels by name. Add a channel by adding a class here, never an if/elif."""

from __future__ import annotations

from notes.channels.base import Channel, DeliveryError, Outcome
from notes.channels.email import EmailChannel
from notes.channels.in_app import InAppChannel
from notes.channels.sms import SmsChannel

REGISTRY: dict[str, type[Channel]] = {
    cls.name: cls for cls in (EmailChannel, SmsChannel, InAppChannel)
}


def get(name: str) -> Channel:
    """The channel instance for a name. Raises KeyError for an unknown name."""
    return REGISTRY[name]()


__all__ = ["REGISTRY", "Channel", "DeliveryError", "Outcome", "get"]
