"""Writes for clients and their consent. Keyword-only, validated, atomic."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Appointment, Channel, Client, Consent, Moment


@transaction.atomic
def client_create(*, therapist, preferred_name: str, **fields) -> Client:
    """Creates a client of ``therapist``'s practice. Raises ValidationError on bad input."""
    fields["time_zone"] = _time_zone(fields.get("time_zone", therapist.practice.default_time_zone))
    client = Client(
        practice=therapist.practice,
        primary_therapist=therapist,
        preferred_name=preferred_name.strip(),
        **fields,
    )
    client.full_clean()
    client.save()
    return client


CLIENT_EDITABLE = (
    "preferred_name",
    "time_zone",
    "contact_cadence_days",
    "email",
    "phone",
    "preferred_channel",
    "discreet",
    "quiet_hours_start",
    "quiet_hours_end",
)


@transaction.atomic
def client_update(*, client: Client, **fields) -> Client:
    """Changes the named fields (any of CLIENT_EDITABLE). Raises ValidationError and saves
    nothing for an unknown field or a bad value."""
    unknown = set(fields) - set(CLIENT_EDITABLE)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    if "time_zone" in fields:
        fields["time_zone"] = _time_zone(fields["time_zone"])
    if "preferred_name" in fields:
        fields["preferred_name"] = (fields["preferred_name"] or "").strip()
    for name, value in fields.items():
        setattr(client, name, value)
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def client_discharge(*, client: Client) -> Client:
    """Ends contact: the client is discharged, whatever was scheduled for them is cancelled
    and their private links stop working. Discharging twice changes nothing more."""
    from clients.links import links_revoke
    from notes.models import Delivery  # notes builds on clients

    client.status = Client.Status.DISCHARGED
    client.save(update_fields=["status", "updated_at"])
    Delivery.objects.filter(note__client=client, state__in=Delivery.PENDING).update(
        state=Delivery.State.CANCELLED, cancelled_at=timezone.now()
    )
    links_revoke(client=client)
    return client


def _time_zone(value):
    # The field checks the zone as soon as it is assigned, so its error has no field name yet.
    try:
        return Client._meta.get_field("time_zone").to_python(value)
    except ValidationError as exc:
        raise ValidationError({"time_zone": exc.messages}) from exc


@transaction.atomic
def consent_grant(
    *, client: Client, channel: Channel | str, text_version: str, at: dt.datetime | None = None
) -> Consent:
    """Opens a consent row. Raises ValidationError if one is already active for the channel.

    The client's very first consent, given now (not an import of an older one), schedules the
    practice's welcome note on that channel.
    """
    first = not Consent.objects.filter(client=client).exists()
    consent = Consent(
        client=client, channel=channel, text_version=text_version, granted_at=at or timezone.now()
    )
    consent.full_clean()
    try:
        with transaction.atomic():
            consent.save()
    except IntegrityError as exc:  # a concurrent grant won the race
        raise ValidationError({"channel": "Consent on this channel is already active."}) from exc
    if first and at is None:
        from notes.welcome import welcome_note_schedule  # notes builds on clients

        welcome_note_schedule(client=client, channel=consent.channel)
    return consent


@transaction.atomic
def consent_withdraw(*, client: Client, channel: Channel | str) -> int:
    """Closes the active consent on the channel; returns how many rows were closed (0 or 1)."""
    return Consent.objects.filter(client=client, channel=channel, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )


@transaction.atomic
def appointment_create(
    *, client: Client, starts_at: dt.datetime, status: str = Appointment.Status.SCHEDULED
) -> Appointment:
    appointment = Appointment(
        client=client, therapist=client.primary_therapist, starts_at=starts_at, status=status
    )
    appointment.full_clean()
    appointment.save()
    return appointment


APPOINTMENT_EDITABLE = ("starts_at", "status")


@transaction.atomic
def appointment_update(*, appointment: Appointment, **fields) -> Appointment:
    """Moves the session (``starts_at``) or records what happened (``status``). Raises
    ValidationError and saves nothing for an unknown field or a bad value."""
    _refuse_unknown(fields, APPOINTMENT_EDITABLE)
    for name, value in fields.items():
        setattr(appointment, name, value)
    appointment.full_clean()
    appointment.save()
    return appointment


@transaction.atomic
def appointment_delete(*, appointment: Appointment) -> None:
    """Removes a session entered by mistake. One that did not take place is better kept with
    its status (missed, cancelled): the caseload's last and next session read it."""
    appointment.delete()


def _refuse_unknown(fields: dict, editable: tuple[str, ...]) -> None:
    unknown = set(fields) - set(editable)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})


@transaction.atomic
def moment_create(*, client: Client, created_by, date: dt.date, label: str) -> Moment:
    moment = Moment(client=client, created_by=created_by, date=date, label=label.strip())
    moment.full_clean()
    moment.save()
    return moment


@transaction.atomic
def moment_delete(*, therapist, moment_id: int) -> None:
    """Raises Moment.DoesNotExist unless the moment belongs to one of the therapist's clients."""
    Moment.objects.get(pk=moment_id, client__primary_therapist=therapist).delete()


MOMENT_EDITABLE = ("date", "label")


@transaction.atomic
def moment_update(*, moment: Moment, **fields) -> Moment:
    """Changes the moment's date or label. Raises ValidationError and saves nothing for an
    unknown field or a bad value."""
    _refuse_unknown(fields, MOMENT_EDITABLE)
    if "label" in fields:
        fields["label"] = (fields["label"] or "").strip()
    for name, value in fields.items():
        setattr(moment, name, value)
    moment.full_clean()
    moment.save()
    return moment


SMS_START_TEXT_VERSION = "sms-start"


@transaction.atomic
def sms_opt_out(*, phone: str) -> int:
    """Withdraws SMS consent of every client with this number; returns how many were active.

    The provider blocks the number for our sender whoever the client is, so every client
    sharing it stops receiving texts.
    """
    return sum(
        consent_withdraw(client=client, channel=Channel.SMS)
        for client in Client.objects.filter(phone=phone)
    )


@transaction.atomic
def sms_opt_in(*, phone: str) -> int:
    """Restores SMS consent for clients with this number who once gave it and withdrew it.

    START never creates consent a client has not given before. Returns how many were opened.
    """
    had_consent = Consent.objects.filter(channel=Channel.SMS).values("client_id")
    opened = 0
    for client in Client.objects.filter(phone=phone, pk__in=had_consent):
        try:
            consent_grant(client=client, channel=Channel.SMS, text_version=SMS_START_TEXT_VERSION)
        except ValidationError:
            continue  # still active, or a concurrent START won
        opened += 1
    return opened


PAUSE_WEEKS = (1, 2, 4)


@transaction.atomic
def client_pause(*, client: Client, weeks: int) -> Client:
    """The client asks for no notes for 1, 2 or 4 weeks. Raises ValidationError otherwise."""
    if weeks not in PAUSE_WEEKS:
        raise ValidationError({"weeks": "Choose 1, 2 or 4 weeks."})
    client.paused_until = timezone.now() + dt.timedelta(weeks=weeks)
    client.save(update_fields=["paused_until", "updated_at"])
    return client


@transaction.atomic
def client_resume(*, client: Client) -> Client:
    client.paused_until = None
    client.save(update_fields=["paused_until", "updated_at"])
    return client


@transaction.atomic
def client_stop_all(*, client: Client) -> int:
    """Withdraws consent on every channel, now; returns how many consents were closed."""
    return Consent.objects.filter(client=client, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )


@transaction.atomic
def client_set_preferences(
    *, client: Client, preferred_channel: str, quiet_hours_start, quiet_hours_end
) -> Client:
    """Changes how and when the client hears from the therapist. Raises ValidationError (and
    saves nothing) for a channel without consent or contact details, or half-set quiet hours."""
    client.preferred_channel = preferred_channel
    client.quiet_hours_start = quiet_hours_start
    client.quiet_hours_end = quiet_hours_end
    client.full_clean()
    if not Consent.objects.filter(
        client=client, channel=preferred_channel, withdrawn_at__isnull=True
    ).exists():
        raise ValidationError({"preferred_channel": "You have not agreed to notes this way."})
    client.save(
        update_fields=["preferred_channel", "quiet_hours_start", "quiet_hours_end", "updated_at"]
    )
    return client
