from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients.models import Appointment, CheckIn, Signal
from continuity.selectors import caseload_attention
from tests.factories import AppointmentFactory, ClientFactory, MomentFactory

pytestmark = pytest.mark.django_db


def seen_days_ago(client, days):
    AppointmentFactory(
        client=client,
        starts_at=timezone.now() - dt.timedelta(days=days),
        status=Appointment.Status.ATTENDED,
    )


def test_ranked_with_reasons_and_only_the_therapists_own(cast):
    calm = cast.client
    seen_days_ago(calm, 2)
    urgent = ClientFactory(primary_therapist=cast.therapist, preferred_name="Urgent")
    seen_days_ago(urgent, 2)
    Signal.objects.create(client=urgent, kind="hard_time", severity="urgent")
    drifting = ClientFactory(primary_therapist=cast.therapist, preferred_name="Drifting")
    seen_days_ago(drifting, 30)
    moment = ClientFactory(primary_therapist=cast.therapist, preferred_name="Moment")
    seen_days_ago(moment, 1)
    MomentFactory(client=moment, date=timezone.localdate() + dt.timedelta(days=1))
    Signal.objects.create(client=cast.other_client, kind="hard_time", severity="urgent")

    rows = caseload_attention(therapist=cast.therapist)
    names = [row.client.preferred_name for row in rows]
    assert names == ["Urgent", "Drifting", "Moment", calm.preferred_name]
    assert rows[0].reasons[0].words == "Asked for support"
    assert rows[1].reasons[0].words.startswith("No contact for 30 days")
    assert rows[-1].reasons == []
    assert cast.other_client.preferred_name not in names


def test_acknowledged_signals_no_longer_count(cast):
    seen_days_ago(cast.client, 1)
    signal = Signal.objects.create(client=cast.client, kind="hard_time", severity="urgent")
    assert caseload_attention(therapist=cast.therapist)[0].reasons
    Signal.objects.filter(pk=signal.pk).update(
        acknowledged_at=timezone.now(), acknowledged_by=cast.therapist
    )
    assert caseload_attention(therapist=cast.therapist)[0].reasons == []


def test_a_constant_number_of_queries_whatever_the_caseload(cast, django_assert_max_num_queries):
    def grow(n):
        for _ in range(n):
            c = ClientFactory(primary_therapist=cast.therapist)
            seen_days_ago(c, 3)
            Signal.objects.create(client=c, kind="check_in", severity="info")
            CheckIn.objects.create(client=c, mood=5)
            MomentFactory(client=c)

    grow(3)
    with django_assert_max_num_queries(5):
        small = caseload_attention(therapist=cast.therapist)
    grow(30)
    with django_assert_max_num_queries(5):
        large = caseload_attention(therapist=cast.therapist)
    assert (len(small), len(large)) == (4, 34)


def test_failing_deliveries_mood_drops_and_recent_notes_are_read(cast):
    from clients.models import Channel
    from notes.services import note_create
    from tests.factories import ConsentFactory

    client = cast.client
    seen_days_ago(client, 20)
    ConsentFactory(client=client, channel=Channel.EMAIL)
    failed = note_create(therapist=cast.therapist, client=client, body="a", channels_=["email"])
    failed.deliveries.update(state="failed", failed_at=timezone.now())
    sent = note_create(therapist=cast.therapist, client=client, body="b", channels_=["email"])
    sent.deliveries.update(state="sent", sent_at=timezone.now() - dt.timedelta(days=2))
    now = timezone.now()
    for i, mood in enumerate([8, 8, 8, 5, 5, 5]):
        c = CheckIn.objects.create(client=client, mood=mood)
        CheckIn.objects.filter(pk=c.pk).update(created_at=now - dt.timedelta(days=12 - 2 * i))

    codes = [r.code for r in caseload_attention(therapist=cast.therapist)[0].reasons]
    assert codes == ["mood_drop", "failing"]  # and no gap: a note went out two days ago
