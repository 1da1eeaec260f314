"""Practice admin endpoints: the practice's staff, and its delivery health."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from clients.models import Channel
from continuity.models import Therapist
from notes.models import Delivery, Note
from tests.factories import ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "fields"}
THERAPIST_KEYS = {"id", "email", "display_name", "role", "is_active", "time_zone", "date_joined"}
ADMIN = Therapist.Role.PRACTICE_ADMIN
State = Delivery.State


def token_client(user) -> APIClient:
    _, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def admin_user(cast) -> Therapist:
    return TherapistFactory(practice=cast.therapist.practice, display_name="Ada", role=ADMIN)


@pytest.fixture
def admin(admin_user) -> APIClient:
    return token_client(admin_user)


@pytest.fixture
def other_admin(cast) -> APIClient:
    """A practice admin of the outsider's practice."""
    return token_client(TherapistFactory(practice=cast.outsider.practice, role=ADMIN))


# --- Who gets in ---------------------------------------------------------------------------


def endpoints(cast) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", reverse("api-therapists"), None),
        ("post", reverse("api-therapists"), {"email": "new@example.com", "display_name": "New"}),
        ("get", reverse("api-therapist", args=[cast.colleague.pk]), None),
        ("patch", reverse("api-therapist", args=[cast.colleague.pk]), {"is_active": False}),
        ("get", reverse("api-delivery-health"), None),
    ]


def test_a_therapist_gets_403_in_the_error_shape_and_changes_nothing(api, cast):
    for method, url, body in endpoints(cast):
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 403, (method, url)
        assert set(response.data) == ERROR_KEYS and response.data["code"] == "permission_denied"
    cast.colleague.refresh_from_db()
    assert cast.colleague.is_active
    assert not Therapist.objects.filter(email="new@example.com").exists()


def test_anonymous_gets_401(anonymous, cast):
    for method, url, body in endpoints(cast):
        assert getattr(anonymous, method)(url, body, format="json").status_code == 401


def test_another_practices_staff_are_404s(admin, cast):
    url = reverse("api-therapist", args=[cast.outsider.pk])
    assert admin.get(url).status_code == 404
    response = admin.patch(url, {"is_active": False, "display_name": "x"}, format="json")
    assert response.status_code == 404 and response.data["code"] == "not_found"
    cast.outsider.refresh_from_db()
    assert cast.outsider.is_active and cast.outsider.display_name == "Olu"


def test_another_practices_admin_cannot_reach_ours(other_admin, cast):
    url = reverse("api-therapist", args=[cast.therapist.pk])
    assert other_admin.get(url).status_code == 404
    assert other_admin.patch(url, {"role": ADMIN}, format="json").status_code == 404
    listed = other_admin.get(reverse("api-therapists")).data["results"]
    assert cast.therapist.pk not in {t["id"] for t in listed}


# --- Staff list and create -------------------------------------------------------------------


def test_list_shows_the_practice_staff_only(admin, cast, admin_user, django_assert_max_num_queries):
    TherapistFactory(practice=cast.therapist.practice, display_name="Zed", is_active=False)
    with django_assert_max_num_queries(4):  # token, user, count, page
        response = admin.get(reverse("api-therapists"))
    assert response.status_code == 200
    rows = response.data["results"]
    assert [t["display_name"] for t in rows] == ["Ada", "Maya", "Sam", "Zed"]
    assert set(rows[0]) == THERAPIST_KEYS
    assert rows[0]["role"] == ADMIN and rows[3]["is_active"] is False


def test_create_with_a_password_can_sign_in(admin, anonymous, cast):
    practice = cast.therapist.practice
    practice.default_time_zone = "Europe/Lisbon"
    practice.save()
    response = admin.post(
        reverse("api-therapists"),
        {
            "email": "Rosa@Example.com",
            "display_name": " Rosa ",
            "role": ADMIN,
            "password": "a sound long passphrase",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert set(response.data) == THERAPIST_KEYS
    assert response.data["email"] == "rosa@example.com"
    assert response.data["display_name"] == "Rosa" and response.data["role"] == ADMIN
    assert response.data["time_zone"] == "Europe/Lisbon"
    rosa = Therapist.objects.get(pk=response.data["id"])
    assert rosa.practice == practice
    signed_in = anonymous.post(
        reverse("api-token"), {"email": "rosa@example.com", "password": "a sound long passphrase"}
    )
    assert signed_in.status_code == 200


def test_create_without_a_password_gets_an_unusable_one(admin):
    response = admin.post(
        reverse("api-therapists"), {"email": "kit@example.com", "display_name": "Kit"}
    )
    assert response.status_code == 201, response.data
    assert "password" not in response.data
    kit = Therapist.objects.get(email="kit@example.com")
    assert kit.role == Therapist.Role.THERAPIST and not kit.has_usable_password()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "display_name": "X"}, "email"),
        ({"email": "x@example.com", "display_name": ""}, "display_name"),
        ({"email": "x@example.com", "display_name": "X", "role": "owner"}, "role"),
        ({"email": "x@example.com", "display_name": "X", "password": "short"}, "password"),
        ({"email": "x@example.com", "display_name": "X", "password": "12345678901"}, "password"),
        ({"email": "x@example.com", "display_name": "X", "is_superuser": True}, "is_superuser"),
    ],
)
def test_create_refuses_bad_input(admin, body, field):
    response = admin.post(reverse("api-therapists"), body, format="json")
    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid" and field in response.data["fields"], response.data
    assert not Therapist.objects.filter(email="x@example.com").exists()


def test_a_taken_email_is_a_field_error_whatever_the_case_or_practice(admin, cast):
    before = Therapist.objects.count()
    for taken in (cast.colleague.email.upper(), cast.outsider.email):
        response = admin.post(
            reverse("api-therapists"), {"email": taken, "display_name": "Copy"}, format="json"
        )
        assert response.status_code == 400 and "email" in response.data["fields"], response.data
    assert Therapist.objects.count() == before


# --- Update and deactivate -------------------------------------------------------------------


def test_update_name_and_role(admin, cast):
    url = reverse("api-therapist", args=[cast.colleague.pk])
    response = admin.patch(url, {"display_name": "Samuel", "role": ADMIN}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["display_name"] == "Samuel" and response.data["role"] == ADMIN
    assert admin.get(url).data["display_name"] == "Samuel"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"is_active": False}, "is_active"),
        ({"role": Therapist.Role.THERAPIST}, "role"),
    ],
)
def test_an_admin_cannot_deactivate_or_demote_themselves(admin, admin_user, body, field):
    response = admin.patch(reverse("api-therapist", args=[admin_user.pk]), body, format="json")
    assert response.status_code == 400 and field in response.data["fields"], response.data
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.role == ADMIN
    assert AuthToken.objects.filter(user=admin_user).exists()


def test_an_admin_may_rename_themselves(admin, admin_user):
    url = reverse("api-therapist", args=[admin_user.pk])
    body = {"display_name": "Ada L.", "is_active": True, "role": ADMIN}
    assert admin.patch(url, body, format="json").status_code == 200


@pytest.mark.parametrize(
    "body", [{"email": "new@example.com"}, {"is_active": "perhaps"}, {"display_name": ""}]
)
def test_update_refuses_bad_input(admin, cast, body):
    response = admin.patch(reverse("api-therapist", args=[cast.colleague.pk]), body, format="json")
    assert response.status_code == 400 and set(body) <= set(response.data["fields"])


def test_deactivating_revokes_the_therapists_tokens(admin, cast, admin_user):
    colleague = token_client(cast.colleague)
    AuthToken.objects.create(user=cast.colleague)
    assert colleague.get(reverse("api-clients")).status_code == 200
    response = admin.patch(
        reverse("api-therapist", args=[cast.colleague.pk]), {"is_active": False}, format="json"
    )
    assert response.status_code == 200 and response.data["is_active"] is False
    assert not AuthToken.objects.filter(user=cast.colleague).exists()
    assert AuthToken.objects.filter(user=admin_user).exists()
    assert colleague.get(reverse("api-clients")).status_code == 401
    # Reactivating does not bring the old tokens back.
    admin.patch(
        reverse("api-therapist", args=[cast.colleague.pk]), {"is_active": True}, format="json"
    )
    assert colleague.get(reverse("api-clients")).status_code == 401


# --- Delivery health -------------------------------------------------------------------------

SECRET_BODY = "Thinking of you on the anniversary of your mother"
CLIENT_NAME = "Zephyrine"
CLIENT_EMAIL = "zephyrine.private@example.org"
CLIENT_PHONE = "+12025550177"


def seed(cast, n_notes: int, *, now: dt.datetime) -> list[Delivery]:
    """``n_notes`` notes to one revealing client, each with an email, SMS and in-app delivery:
    the email one sent, the SMS one failed, the in-app one read."""
    client = ClientFactory(
        primary_therapist=cast.therapist,
        preferred_name=CLIENT_NAME,
        email=CLIENT_EMAIL,
        phone=CLIENT_PHONE,
    )
    deliveries = []
    for i in range(n_notes):
        note = Note.objects.create(
            therapist=cast.therapist, client=client, body=f"{SECRET_BODY} ({i})"
        )
        due = now - dt.timedelta(hours=i + 1)
        deliveries += [
            Delivery.objects.create(
                note=note, channel=Channel.EMAIL, state=State.SENT, due_at=due, sent_at=due
            ),
            Delivery.objects.create(
                note=note,
                channel=Channel.SMS,
                state=State.FAILED,
                due_at=due,
                failed_at=due + dt.timedelta(minutes=1),
                reason="SMS provider refused the message (Twilio error 21610).",
            ),
            Delivery.objects.create(
                note=note, channel=Channel.IN_APP, state=State.READ, due_at=due, read_at=due
            ),
        ]
    return deliveries


def counts(response) -> dict[tuple[str, str], int]:
    return {(row["channel"], row["state"]): row["count"] for row in response.data["counts"]}


def test_delivery_health_counts_the_practice_in_the_window(admin, cast):
    now = timezone.now()
    seed(cast, 3, now=now)
    # Not counted: another practice's deliveries, and this practice's older than the window.
    note = Note.objects.create(therapist=cast.outsider, client=cast.outsider_client, body="x")
    Delivery.objects.create(note=note, channel=Channel.EMAIL, state=State.SENT, due_at=now)
    old = Note.objects.create(therapist=cast.colleague, client=cast.other_client, body="y")
    long_ago = now - dt.timedelta(days=8)
    Delivery.objects.create(
        note=old, channel=Channel.SMS, state=State.FAILED, due_at=long_ago, failed_at=long_ago
    )
    # Nor a note scheduled for later.
    later = Note.objects.create(therapist=cast.colleague, client=cast.other_client, body="z")
    Delivery.objects.create(
        note=later, channel=Channel.EMAIL, state=State.SCHEDULED, due_at=now + dt.timedelta(days=1)
    )

    response = admin.get(reverse("api-delivery-health"))

    assert response.status_code == 200, response.data
    assert response.data["days"] == 7
    got = counts(response)
    assert len(got) == len(Channel.values) * len(State.values)  # every pair, zeros included
    assert {pair: n for pair, n in got.items() if n} == {
        ("email", "sent"): 3,
        ("sms", "failed"): 3,
        ("in_app", "read"): 3,
    }
    failures = response.data["failures"]
    assert len(failures) == 3
    assert set(failures[0]) == {
        "delivery_id",
        "channel",
        "reason",
        "failed_at",
        "therapist_id",
        "client_id",
    }
    assert failures[0]["channel"] == "sms" and failures[0]["therapist_id"] == cast.therapist.pk
    assert failures[0]["failed_at"] > failures[1]["failed_at"]  # newest first
    # The window widens with ?days=.
    wider = admin.get(reverse("api-delivery-health"), {"days": 9})
    assert counts(wider)[("sms", "failed")] == 4 and len(wider.data["failures"]) == 4


def test_delivery_health_holds_no_clinical_text_names_or_contact_details(admin, cast):
    seed(cast, 3, now=timezone.now())
    text = admin.get(reverse("api-delivery-health"), {"days": 90}).content.decode()
    assert '"failures":[{' in text.replace(" ", "")
    for private in (
        SECRET_BODY,
        "anniversary",
        CLIENT_NAME,
        CLIENT_EMAIL,
        CLIENT_PHONE,
        CLIENT_PHONE[2:],
        cast.therapist.email,
        cast.therapist.display_name,
    ):
        assert private not in text


@pytest.mark.parametrize("days", ["0", "91", "-1", "week", "7.5"])
def test_delivery_health_refuses_a_bad_window(admin, days):
    response = admin.get(reverse("api-delivery-health"), {"days": days})
    assert response.status_code == 400 and "days" in response.data["fields"], response.data


def test_delivery_health_costs_the_same_queries_for_3_or_30_deliveries(admin, cast):
    now = timezone.now()
    seed(cast, 1, now=now)  # 3 deliveries
    with CaptureQueriesContext(connection) as few:
        assert admin.get(reverse("api-delivery-health")).status_code == 200
    seed(cast, 9, now=now)  # 27 more
    with CaptureQueriesContext(connection) as many:
        response = admin.get(reverse("api-delivery-health"))
    assert sum(counts(response).values()) == 30
    assert len(few) == len(many) <= 4  # token, user, counts, failures
