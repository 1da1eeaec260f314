"""The contract every delivery channel keeps.

A channel turns one claimed Delivery into one message at a provider. It returns an Outcome on
success and raises DeliveryError otherwise: ``permanent=True`` marks the delivery failed with
the reason, ``permanent=False`` is retried with backoff. It never swallows an error.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from clients.models import Client
    from notes.models import Delivery


@dataclass(frozen=True)
class Outcome:
    provider_message_id: str = ""
    #: Shown to the therapist beside the state, e.g. "sent as a link only: too long for SMS".
    remark: str = ""


@dataclass(frozen=True)
class Preview:
    """Exactly what the client would receive on one channel, for the composer."""

    channel: str
    text: str
    subject: str = ""
    remark: str = ""
    #: SMS only: the encoding and how many messages the text costs.
    encoding: str = ""
    segments: int | None = None


class DeliveryError(Exception):
    """Raised by a channel. ``reason`` is shown to the therapist: no clinical text in it."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        self.permanent = permanent


class Channel(ABC):
    name: ClassVar[str]
    #: Intrusive channels (a phone buzzing) wait for the end of the client's quiet hours.
    intrusive: ClassVar[bool] = True

    def unavailable_reason(self) -> str | None:
        """Why this channel cannot send at all here (not configured), or None."""
        return None

    def contact_missing(self, client: Client) -> str | None:
        """Why this client cannot be reached on this channel (no address), or None."""
        return None

    @abstractmethod
    def preview(self, client: Client, context: dict) -> Preview:
        """Renders the message from ``notes.messages`` context, sending nothing."""

    @abstractmethod
    def send(self, delivery: Delivery) -> Outcome:
        """Hands the message to the provider. Raises DeliveryError; returns the Outcome."""
