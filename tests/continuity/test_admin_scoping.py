from __future__ import annotations

import pytest
from django.urls import reverse

from clients.models import Client
from continuity.demo import therapist_group
from tests.factories import AppointmentFactory, MomentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_cast(cast):
    group = therapist_group()
    for person in (cast.therapist, cast.colleague):
        person.is_staff = True
        person.save()
        person.groups.add(group)
    return cast


def test_admin_client_list_is_scoped_to_the_therapist(client, staff_cast):
    client.force_login(staff_cast.therapist)
    html = client.get(reverse("admin:clients_client_changelist")).content.decode()
    assert "Ava" in html
    assert "Ben" not in html
    assert "Cara" not in html


@pytest.mark.parametrize("model", ["client", "moment", "appointment"])
def test_admin_cannot_open_a_colleagues_rows(client, staff_cast, model):
    other = staff_cast.other_client
    obj = {
        "client": other,
        "moment": MomentFactory(client=other),
        "appointment": AppointmentFactory(client=other),
    }[model]
    client.force_login(staff_cast.therapist)
    response = client.get(reverse(f"admin:clients_{model}_change", args=[obj.pk]), follow=True)
    # Django's admin answers an out-of-scope id as "doesn't exist" and goes back to the index.
    assert b"doesn" in response.content and b"exist" in response.content
    assert other.preferred_name.encode() not in response.content


def test_admin_forms_offer_only_own_clients(client, staff_cast):
    client.force_login(staff_cast.therapist)
    form = client.get(reverse("admin:clients_moment_add")).context["adminform"].form
    assert list(form.fields["client"].queryset) == [staff_cast.client]


def test_admin_refuses_a_forged_client_id_on_add(client, staff_cast):
    client.force_login(staff_cast.therapist)
    response = client.post(
        reverse("admin:clients_moment_add"),
        {"client": staff_cast.other_client.pk, "date": "2030-01-01", "label": "x"},
    )
    assert response.status_code == 200
    assert "client" in response.context["adminform"].form.errors
    assert not staff_cast.other_client.moments.exists()


def test_admin_creates_a_client_in_the_therapists_practice(client, staff_cast):
    client.force_login(staff_cast.therapist)
    response = client.post(
        reverse("admin:clients_client_add"),
        {
            "practice": staff_cast.therapist.practice_id,
            "primary_therapist": staff_cast.therapist.pk,
            "preferred_name": "Dee",
            "status": "active",
            "email": "",
            "phone": "",
            "preferred_channel": "in_app",
            "discreet": "on",
            "time_zone": "Europe/Berlin",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
            "contact_cadence_days": "14",
            "consents-TOTAL_FORMS": "0",
            "consents-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    dee = Client.objects.get(preferred_name="Dee")
    assert dee.primary_therapist == staff_cast.therapist
    assert str(dee.time_zone) == "Europe/Berlin"


def test_notes_and_deliveries_in_admin_are_scoped_and_read_only(client, staff_cast):
    from clients.models import Channel
    from notes.services import note_create
    from tests.factories import ConsentFactory

    for c in (staff_cast.client, staff_cast.other_client):
        ConsentFactory(client=c, channel=Channel.EMAIL)
    mine = note_create(therapist=staff_cast.therapist, client=staff_cast.client, body="a")
    theirs = note_create(therapist=staff_cast.colleague, client=staff_cast.other_client, body="b")
    client.force_login(staff_cast.therapist)
    listing = client.get(reverse("admin:notes_delivery_changelist"))
    shown = {d.note_id for d in listing.context["cl"].result_list}
    assert shown == {mine.pk}
    assert client.get(reverse("admin:notes_note_change", args=[theirs.pk])).status_code == 302
    assert client.get(reverse("admin:notes_note_add")).status_code == 403


def test_what_clients_sent_is_readable_by_their_therapist_only(client, staff_cast):
    from clients.models import Signal

    Signal.objects.create(client=staff_cast.client, kind="hard_time", severity="urgent")
    Signal.objects.create(client=staff_cast.other_client, kind="hard_time", severity="urgent")
    client.force_login(staff_cast.therapist)
    listing = client.get(reverse("admin:clients_signal_changelist"))
    assert {s.client_id for s in listing.context["cl"].result_list} == {staff_cast.client.pk}
    assert client.get(reverse("admin:clients_signal_add")).status_code == 403
