"""Clients, their consent to contact, their sessions and the moments that matter to them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField
from timezone_field import TimeZoneField

from continuity.crypto import EncryptedTextField


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    IN_APP = "in_app", "Private web page"


class Client(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        DISCHARGED = "discharged", "Discharged"

    practice = models.ForeignKey(
        "continuity.Practice", on_delete=models.PROTECT, related_name="clients"
    )
    primary_therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clients"
    )
    preferred_name = models.CharField(max_length=80)
    time_zone = TimeZoneField(default="America/New_York")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    contact_cadence_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Agreed longest gap without contact, in days.",
    )
    email = models.EmailField(blank=True)
    phone = PhoneNumberField(blank=True, help_text="International format, e.g. +1 202 555 0143.")
    preferred_channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.IN_APP
    )
    discreet = models.BooleanField(
        default=True, help_text="Email and SMS carry only a link, never the note's text."
    )
    quiet_hours_start = models.TimeField(
        null=True, blank=True, help_text="Local time; no message arrives from here…"
    )
    quiet_hours_end = models.TimeField(null=True, blank=True, help_text="…until here.")
    paused_until = models.DateTimeField(
        null=True, blank=True, help_text="The client asked for no notes until then."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["preferred_name", "id"]
        indexes = [models.Index(fields=["primary_therapist", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_cadence_days__gte=1) & Q(contact_cadence_days__lte=365),
                name="client_cadence_1_to_365_days",
            ),
            models.CheckConstraint(
                condition=(
                    Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                    | (
                        Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False)
                        & ~Q(quiet_hours_start=F("quiet_hours_end"))
                    )
                ),
                name="client_quiet_hours_both_or_neither_and_distinct",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.preferred_name} (#{self.pk})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if (start is None) != (end is None):
            missing = "quiet_hours_end" if end is None else "quiet_hours_start"
            errors[missing] = "Give both the start and the end of quiet hours, or neither."
        elif start is not None and start == end:
            errors["quiet_hours_end"] = "Quiet hours must end at a different time than they start."
        if self.preferred_channel == Channel.EMAIL and not self.email:
            errors["email"] = "An email address is needed when email is the preferred channel."
        if self.preferred_channel == Channel.SMS and not self.phone:
            errors["phone"] = "A mobile number is needed when SMS is the preferred channel."
        if (
            self.practice_id
            and self.primary_therapist_id
            and self.primary_therapist.practice_id != self.practice_id
        ):
            errors["primary_therapist"] = "The therapist must work in the client's practice."
        if errors:
            raise ValidationError(errors)

    def in_quiet_hours(self, local_time) -> bool:
        """True when ``local_time`` (a time in the client's zone) falls in quiet hours.

        Quiet hours may wrap midnight (22:00–07:00); the start is inside, the end is not.
        """
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start is None or end is None:
            return False
        if start < end:
            return start <= local_time < end
        return local_time >= start or local_time < end


class Consent(models.Model):
    """A client's agreement to contact on one channel. Withdrawing closes the row; granting
    again opens a new one, so the history is never overwritten."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    text_version = models.CharField(
        max_length=20, help_text="Version of the consent text the client was shown."
    )
    granted_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["client", "channel", "-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "channel"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_client_channel",
                violation_error_message="This client already has active consent on this channel.",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("granted_at")),
                name="consent_withdrawn_after_granted",
            ),
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "active"
        return f"{self.get_channel_display()} consent for client #{self.client_id} ({state})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Appointment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        ATTENDED = "attended", "Attended"
        MISSED = "missed", "Missed"
        CANCELLED = "cancelled", "Cancelled"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="appointments")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["client", "starts_at"])]

    def __str__(self) -> str:
        return f"Session for client #{self.client_id} at {self.starts_at:%Y-%m-%d %H:%M} UTC"


class Moment(models.Model):
    """A date that matters to the client, on which a note should arrive."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="moments")
    date = models.DateField()
    label = EncryptedTextField(max_length=120, help_text="e.g. 'job interview'")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["client", "date"])]

    def __str__(self) -> str:
        # The label is clinical text: never in __str__, which ends up in logs and admin history.
        return f"Moment #{self.pk} for client #{self.client_id} on {self.date:%Y-%m-%d}"


class ClientLink(models.Model):
    """A secret link to the client's private page. Only a hash of the token is stored."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(
        null=True, blank=True, help_text="When it started a session; a link works once."
    )
    requested = models.BooleanField(
        default=False, help_text="Sent because the client asked for a fresh link."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Link #{self.pk} for client #{self.client_id}"

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and self.used_at is None and self.expires_at > timezone.now()


class CheckIn(models.Model):
    """A client's quick word on how they are: a mood from 0 to 10 and, if they like, a line."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="check_ins")
    mood = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    text = EncryptedTextField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(mood__lte=10), name="check_in_mood_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"Check-in #{self.pk} for client #{self.client_id}"


class QuestionnaireResponse(models.Model):
    """A completed PHQ-9 or GAD-7. Answers are clinical text (encrypted); the total and band
    stay readable for charts and ranking."""

    class Instrument(models.TextChoices):
        PHQ9 = "phq9", "PHQ-9"
        GAD7 = "gad7", "GAD-7"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="questionnaires")
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    answers = EncryptedTextField(help_text="JSON list of item answers, 0–3.")
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField()
    severity = models.CharField(max_length=30)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "instrument", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} #{self.pk} for client #{self.client_id}"


class Signal(models.Model):
    """Anything the client's side tells the therapist; the dashboard ranks clients from these."""

    class Kind(models.TextChoices):
        HARD_TIME = "hard_time", "Asked for support"
        RISK_LANGUAGE = "risk_language", "Risk language in a check-in"
        CHECK_IN = "check_in", "Check-in"
        REACTION = "reaction", "Reaction to a note"
        QUESTIONNAIRE_ITEM_9 = "phq9_item9", "PHQ-9 item 9 above zero"
        DETERIORATION = "deterioration", "Questionnaire score rose reliably"
        QUESTIONNAIRE = "questionnaire", "Questionnaire completed"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        ATTENTION = "attention", "Needs attention"
        URGENT = "urgent", "Urgent"

    class Reaction(models.TextChoices):
        RECEIVED = "received", "Received"
        THANK_YOU = "thank_you", "Thank you"
        HELPED = "helped", "This helped"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="signals")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # What the signal refers to (never a copy of clinical text).
    check_in = models.ForeignKey(
        CheckIn, on_delete=models.CASCADE, null=True, blank=True, related_name="signals"
    )
    note = models.ForeignKey(
        "notes.Note", on_delete=models.CASCADE, null=True, blank=True, related_name="signals"
    )
    questionnaire = models.ForeignKey(
        QuestionnaireResponse,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signals",
    )
    reaction = models.CharField(max_length=12, choices=Reaction.choices, blank=True)
    alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the therapist was alerted (urgent signals)."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["client", "-created_at"]),
            models.Index(
                fields=["client", "severity"],
                name="signal_unacknowledged",
                condition=Q(acknowledged_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["note", "reaction"],
                condition=Q(kind="reaction"),
                name="signal_one_reaction_of_a_kind_per_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from client #{self.client_id}"


class ClientSession(models.Model):
    """A client's signed-in browser, started from a link. Its own cookie holds a random token;
    only a hash is stored. Ends after idling, at a fixed age, on sign-out or on revocation."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sessions")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Session #{self.pk} for client #{self.client_id}"
