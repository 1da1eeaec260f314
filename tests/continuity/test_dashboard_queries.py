"""The caseload and the client page cost a fixed number of queries, whatever the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Channel, CheckIn, Client, Consent, QuestionnaireResponse, Signal
from continuity.audit import queries_per_record
from notes.models import Delivery, Note
from tests.factories import AppointmentFactory, MomentFactory

pytestmark = pytest.mark.django_db


def populate(therapist, clients: int, signals: int) -> list[Client]:
    """``clients`` clients, each with ``signals`` signals, check-ins, a note and a session."""
    now = timezone.now()
    made = Client.objects.bulk_create(
        Client(
            practice=therapist.practice,
            primary_therapist=therapist,
            preferred_name=f"Client {i}",
            email=f"c{i}@example.com",
        )
        for i in range(clients)
    )
    Consent.objects.bulk_create(
        Consent(client=c, channel=Channel.EMAIL, text_version="t") for c in made
    )
    check_ins = CheckIn.objects.bulk_create(
        CheckIn(client=c, mood=i % 11, created_at=now - dt.timedelta(hours=i))
        for c in made
        for i in range(signals // 2)
    )
    rows = [
        Signal(
            client=ci.client,
            kind=Signal.Kind.CHECK_IN,
            severity=Signal.Severity.INFO,
            check_in=ci,
            created_at=ci.created_at,
        )
        for ci in check_ins
    ]
    rows += [
        Signal(
            client=c,
            kind=Signal.Kind.HARD_TIME,
            severity=Signal.Severity.URGENT,
            created_at=now - dt.timedelta(hours=i),
            acknowledged_at=now if i else None,
        )
        for c in made
        for i in range(signals - signals // 2)
    ]
    Signal.objects.bulk_create(rows)
    for c in made:
        QuestionnaireResponse.objects.create(
            client=c, instrument="phq9", answers="[1,1,1,1,1,1,1,1,0]", total=8, severity="mild"
        )
        note = Note.objects.create(therapist=therapist, client=c, body="Thinking of you.")
        Delivery.objects.create(
            note=note, channel=Channel.EMAIL, due_at=now, state=Delivery.State.FAILED, failed_at=now
        )
        AppointmentFactory(client=c, starts_at=now - dt.timedelta(days=3), status="attended")
        MomentFactory(client=c)
    return made


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("status", ["active", "attention", "all"])
def test_caseload_queries_do_not_grow_with_clients_or_signals(client, cast, status):
    client.force_login(cast.therapist)
    url = reverse("caseload") + f"?status={status}"
    populate(cast.therapist, clients=3, signals=4)
    small = count_queries(client, url)
    populate(cast.therapist, clients=60, signals=40)  # 63 clients, 2,412 signals
    assert count_queries(client, url) == small
    # session, user, clients, signals, moods, moments, failing deliveries, and the audit row
    assert small <= 8 + queries_per_record()


def test_client_page_queries_do_not_grow_with_its_history(client, cast):
    client.force_login(cast.therapist)
    (few,) = populate(cast.therapist, clients=1, signals=4)
    (many,) = populate(cast.therapist, clients=1, signals=400)
    for who, scheduled in ((few, 1), (many, 30)):  # pending notes, each with a delivery
        for _ in range(scheduled):
            note = Note.objects.create(therapist=cast.therapist, client=who, body="Hello again.")
            Delivery.objects.create(note=note, channel=Channel.EMAIL, due_at=timezone.now())
    small = count_queries(client, reverse("client_detail", args=[few.pk]))
    large = count_queries(client, reverse("client_detail", args=[many.pk]))
    assert large == small
    assert small <= 19 + queries_per_record()


def test_client_page_timeline_pages_through_older_entries(client, cast):
    client.force_login(cast.therapist)
    (someone,) = populate(cast.therapist, clients=1, signals=120)
    url = reverse("client_detail", args=[someone.pk])
    first = client.get(url).context["thread"]
    assert len(first.timeline) == 50 and first.older is not None
    seen = {(item.kind, item.obj.pk) for item in first.timeline}
    second = client.get(url, {"before": first.older.isoformat()}).context["thread"]
    assert second.timeline and all(item.at < first.older for item in second.timeline)
    assert not seen & {(item.kind, item.obj.pk) for item in second.timeline}
