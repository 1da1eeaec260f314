"""Notes a therapist writes, and their per-channel deliveries (the rows the outbox runs on)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clients.models import Channel
from continuity.crypto import EncryptedTextField

NOTE_MAX_LENGTH = 600


class Note(models.Model):
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="notes")
    body = EncryptedTextField(max_length=NOTE_MAX_LENGTH)
    send_at = models.DateTimeField(
        null=True, blank=True, help_text="When the therapist asked for it to go; empty = now."
    )
    moment = models.ForeignKey(
        "clients.Moment", on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    questionnaire = models.CharField(
        max_length=8,
        blank=True,
        choices=[("phq9", "PHQ-9"), ("gad7", "GAD-7")],
        help_text="The note invites the client to fill in this questionnaire on their page.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "-created_at"])]

    def __str__(self) -> str:
        # The body is clinical text: never in __str__.
        return f"Note #{self.pk} for client #{self.client_id}"


class Delivery(models.Model):
    """One channel's sending of one note. Its state is the truth; the broker only carries ids.

    scheduled → queued → sending → sent → delivered → read, or failed / cancelled / skipped.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped"

    PENDING = (State.SCHEDULED, State.QUEUED)
    FINAL = (State.FAILED, State.CANCELLED, State.SKIPPED)

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    due_at = models.DateTimeField(help_text="Not before this instant (quiet hours applied).")
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A 'sending' row past this is presumed abandoned."
    )
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why it failed, was skipped, or was sent differently."
    )
    last_error = models.CharField(max_length=500, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["note", "channel"], name="delivery_one_per_channel"),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="delivery_state_due"),
            models.Index(
                fields=["provider_message_id"],
                name="delivery_provider_id",
                condition=~Q(provider_message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Delivery #{self.pk} ({self.channel}, {self.state})"


class NoteTemplate(models.Model):
    """A therapist's own reusable snippet; ``{first_name}`` becomes the client's name."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_templates"
    )
    title = models.CharField(max_length=80)
    body = EncryptedTextField(max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["therapist", "title"], name="template_title_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def render(self, *, first_name: str) -> str:
        # str.replace, not str.format: a stray brace in a template must not raise.
        return self.body.replace("{first_name}", first_name)
