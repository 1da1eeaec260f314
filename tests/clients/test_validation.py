from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients import services
from clients.models import Channel, Client, Consent

pytestmark = pytest.mark.django_db


def create(cast, **fields):
    fields.setdefault("preferred_channel", Channel.IN_APP)
    return services.client_create(therapist=cast.therapist, preferred_name="New", **fields)


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"phone": "+1 555 0100"}, "phone"),
        ({"phone": "not a number"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"quiet_hours_start": dt.time(22)}, "quiet_hours_end"),
        ({"quiet_hours_end": dt.time(7)}, "quiet_hours_start"),
        ({"quiet_hours_start": dt.time(7), "quiet_hours_end": dt.time(7)}, "quiet_hours_end"),
        ({"contact_cadence_days": 0}, "contact_cadence_days"),
        ({"contact_cadence_days": 400}, "contact_cadence_days"),
        ({"preferred_channel": Channel.SMS, "phone": ""}, "phone"),
        ({"preferred_channel": Channel.EMAIL, "email": ""}, "email"),
        ({"status": "asleep"}, "status"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(cast, fields, error_field):
    before = Client.objects.count()
    with pytest.raises(ValidationError) as caught:
        create(cast, **fields)
    assert error_field in caught.value.message_dict
    assert Client.objects.count() == before


def test_valid_client_is_saved_with_e164_phone_and_zone(cast):
    c = create(
        cast,
        phone="+1 (202) 555-0143",
        time_zone="Europe/London",
        quiet_hours_start=dt.time(22),
        quiet_hours_end=dt.time(7),
    )
    c.refresh_from_db()
    assert str(c.phone) == "+12025550143"
    assert str(c.time_zone) == "Europe/London"


def test_therapist_of_another_practice_cannot_be_primary(cast):
    c = Client(
        practice=cast.therapist.practice,
        primary_therapist=cast.outsider,
        preferred_name="X",
        preferred_channel=Channel.IN_APP,
    )
    with pytest.raises(ValidationError) as caught:
        c.full_clean()
    assert "primary_therapist" in caught.value.message_dict


def test_database_refuses_half_set_quiet_hours_even_without_validation(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.filter(pk=cast.client.pk).update(quiet_hours_start=dt.time(22))


@pytest.mark.parametrize(
    ("start", "end", "inside", "outside"),
    [
        (dt.time(22), dt.time(7), [dt.time(22), dt.time(23, 59), dt.time(0), dt.time(6, 59)],
         [dt.time(7), dt.time(12), dt.time(21, 59)]),
        (dt.time(12), dt.time(14), [dt.time(12), dt.time(13, 30)],
         [dt.time(11, 59), dt.time(14), dt.time(23)]),
    ],
)  # fmt: skip
def test_quiet_hours_including_ranges_that_wrap_midnight(start, end, inside, outside):
    c = Client(quiet_hours_start=start, quiet_hours_end=end)
    assert all(c.in_quiet_hours(t) for t in inside)
    assert not any(c.in_quiet_hours(t) for t in outside)
    assert not Client().in_quiet_hours(dt.time(3))


def test_consent_history_is_kept(cast):
    first = services.consent_grant(client=cast.client, channel=Channel.SMS, text_version="v1")
    with pytest.raises(ValidationError):
        services.consent_grant(client=cast.client, channel=Channel.SMS, text_version="v1")
    assert services.consent_withdraw(client=cast.client, channel=Channel.SMS) == 1
    assert services.consent_withdraw(client=cast.client, channel=Channel.SMS) == 0
    again = services.consent_grant(client=cast.client, channel=Channel.SMS, text_version="v2")
    rows = Consent.objects.filter(client=cast.client, channel=Channel.SMS).order_by("granted_at")
    assert [r.pk for r in rows] == [first.pk, again.pk]
    assert rows[0].withdrawn_at is not None and rows[1].withdrawn_at is None


def test_moment_label_is_limited_and_trimmed(cast):
    m = services.moment_create(
        client=cast.client, created_by=cast.therapist, date=dt.date(2030, 1, 1), label="  court  "
    )
    assert m.label == "court"
    with pytest.raises(ValidationError) as caught:
        services.moment_create(
            client=cast.client, created_by=cast.therapist, date=dt.date(2030, 1, 1), label="x" * 121
        )
    assert "label" in caught.value.message_dict
