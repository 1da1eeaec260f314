"""Practices and the people who work in them (therapists and practice admins)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField
from timezone_field import TimeZoneField

DEFAULT_CRISIS_RESOURCES = (
    "Call or text 988 or chat 988lifeline.org. If you are in immediate danger call 911."
)
DEFAULT_RESPONSE_TIME = (
    "Messages are read during office hours, not around the clock. "
    "This service is not for emergencies."
)


DEFAULT_WELCOME_NOTE = (
    "Hi {first_name}, this is {therapist_name}. From time to time I'll send you a short note "
    "between our sessions, just to say I'm thinking of you. You never need to reply. "
    "{availability} If you need help right away: {crisis_resources}"
)


class Practice(models.Model):
    name = models.CharField(max_length=200)
    short_name = models.CharField(
        max_length=40, help_text="Public name used in discreet messages, e.g. 'Riverside'."
    )
    default_time_zone = TimeZoneField(default="America/New_York")
    crisis_resources = models.TextField(
        default=DEFAULT_CRISIS_RESOURCES,
        help_text="Shown on every client-facing page.",
    )
    response_time_statement = models.TextField(default=DEFAULT_RESPONSE_TIME)
    welcome_note = models.TextField(
        default=DEFAULT_WELCOME_NOTE,
        help_text=(
            "The first note a client receives, scheduled when their first consent is recorded. "
            "Placeholders: {first_name}, {therapist_name}, {availability}, {crisis_resources}."
        ),
    )
    require_second_factor = models.BooleanField(
        default=False,
        help_text="Staff must confirm sign-in with an authenticator app (web and API tokens).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TherapistManager(BaseUserManager["Therapist"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> Therapist:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> Therapist:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("display_name", "Operator")
        return self.create_user(email, password, **fields)


class Therapist(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a therapist, or a practice admin. Email is the login."""

    class Role(models.TextChoices):
        THERAPIST = "therapist", "Therapist"
        PRACTICE_ADMIN = "practice_admin", "Practice admin"

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=120)
    practice = models.ForeignKey(
        Practice,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        help_text="Empty only for operators (superusers) who belong to no practice.",
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.THERAPIST)
    availability_statement = models.CharField(
        max_length=300,
        default="I read messages on weekdays, 9–5.",
        help_text="Shown to clients wherever they can write.",
    )
    alert_phone = PhoneNumberField(
        blank=True, help_text="Mobile number for urgent alerts by SMS (optional)."
    )
    time_zone = TimeZoneField(
        default="America/New_York", help_text="The dashboard shows times in this zone."
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the admin.")
    date_joined = models.DateTimeField(default=timezone.now, editable=False)

    objects = TherapistManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(practice__isnull=False) | Q(is_superuser=True),
                name="therapist_has_practice_unless_superuser",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Heartbeat(models.Model):
    """Last time a periodic process (beat via a worker) proved it runs; shown by /healthz."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class AuditQuerySet(models.QuerySet):
    """The audit log is append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise AuditAppendOnly("Audit entries are never updated.")

    def delete(self):
        raise AuditAppendOnly("Audit entries are never deleted.")

    # bulk_update goes through update(); _raw_delete is what the deletion collector uses.
    def _raw_delete(self, using):
        raise AuditAppendOnly("Audit entries are never deleted.")


class AuditAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry through the application."""


class AuditEntry(models.Model):
    """One read or change of clinical content (HIPAA 164.312(b)). Ids, never content.

    Rows are only ever inserted, by ``continuity.audit.audit_record``, which chains each row
    to the one before (``hash = sha256(prev_hash + canonical JSON)``); ``manage.py
    audit_verify`` walks the chain. ``actor`` and ``practice`` are PROTECT: a person with an
    audit trail is deactivated, not deleted (SET_NULL would be an update, which the database
    refuses anyway).
    """

    class Action(models.TextChoices):
        READ = "read", "Read"
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        EXPORT = "export", "Export"
        ACKNOWLEDGE = "acknowledge", "Acknowledge"
        CANCEL = "cancel", "Cancel"
        ISSUE = "issue", "Issue link"
        REVOKE = "revoke", "Revoke links"

    class Channel(models.TextChoices):
        WEB = "web", "Web"
        API = "api", "API"
        ADMIN = "admin", "Admin"
        SYSTEM = "system", "System"

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        Therapist, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=30)
    object_id = models.BigIntegerField(null=True, blank=True)
    # A plain number, not a foreign key: erasing a client keeps the trail of who saw them.
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    ip = models.CharField(max_length=45, blank=True)
    credential = models.CharField(
        max_length=40,
        blank=True,
        help_text="'session:' and a hash of the session key, or 'token:' and the API "
        "token's public prefix. Never the secret itself.",
    )
    path = models.CharField(max_length=300, blank=True, help_text="Without the query string.")
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id or ''}".strip()

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditAppendOnly("Audit entries are never updated.")
        if not self.hash:
            raise AuditAppendOnly("Write audit entries with continuity.audit.audit_record.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditAppendOnly("Audit entries are never deleted.")
