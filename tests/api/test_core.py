"""The API's shared behaviour: tokens, the error shape, scoping, size limits, throttling."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from knox.models import AuthToken

from clients.models import Client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "fields"}


def test_obtain_use_list_and_revoke_a_token(anonymous, cast):
    response = anonymous.post(
        reverse("api-token"), {"email": cast.therapist.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200, response.data
    token = response.data["token"]
    stored = AuthToken.objects.get(user=cast.therapist)
    assert token not in (stored.digest, stored.token_key) and stored.expiry is not None
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get(reverse("api-clients")).status_code == 200
    listed = anonymous.get(reverse("api-tokens")).data["results"]
    assert [t["token_key"] for t in listed] == [stored.token_key]
    assert anonymous.post(reverse("api-logout")).status_code == 204
    response = anonymous.get(reverse("api-clients"))
    assert response.status_code == 401 and set(response.data) == ERROR_KEYS


def test_revoke_another_of_my_tokens_but_not_someone_elses(api, cast):
    mine, _ = AuthToken.objects.create(user=cast.therapist)
    theirs, _ = AuthToken.objects.create(user=cast.colleague)
    url = reverse("api-token-revoke", args=[theirs.token_key])
    assert api.delete(url).status_code == 404
    assert AuthToken.objects.filter(pk=theirs.pk).exists()
    assert api.delete(reverse("api-token-revoke", args=[mine.token_key])).status_code == 204
    assert not AuthToken.objects.filter(pk=mine.pk).exists()


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "maya", "password": "wrong"},
        {"password": PASSWORD},
    ],
)
def test_bad_credentials_say_nothing_about_which_part(anonymous, cast, credentials):
    response = anonymous.post(reverse("api-token"), credentials)
    assert response.status_code in (400, 401) and set(response.data) == ERROR_KEYS
    assert not AuthToken.objects.exists()


def test_wrong_password_for_a_real_account_reads_like_an_unknown_one(anonymous, cast):
    real = anonymous.post(reverse("api-token"), {"email": cast.therapist.email, "password": "x"})
    unknown = anonymous.post(reverse("api-token"), {"email": "no@example.com", "password": "x"})
    assert real.status_code == unknown.status_code == 401
    assert real.data == unknown.data


def test_sign_in_attempts_are_throttled(anonymous, cast):
    codes = [
        anonymous.post(
            reverse("api-token"), {"email": "no@example.com", "password": "x"}
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


def test_anonymous_and_unknown_tokens_get_401(anonymous):
    assert anonymous.get(reverse("api-clients")).status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert anonymous.get(reverse("api-clients")).status_code == 401


def test_an_expired_token_is_refused(api, cast):
    from django.utils import timezone

    AuthToken.objects.filter(user=cast.therapist).update(expiry=timezone.now())
    assert api.get(reverse("api-clients")).status_code == 401


def test_another_therapists_client_is_a_404_in_the_error_shape(api, cast):
    for other in (cast.other_client, cast.outsider_client):
        response = api.get(reverse("api-client", args=[other.pk]))
        assert response.status_code == 404
        assert response.data == {"code": "not_found", "message": "Not found.", "fields": {}}
        assert api.patch(reverse("api-client", args=[other.pk]), {"discreet": False}).status_code
        assert api.post(reverse("api-client-discharge", args=[other.pk])).status_code == 404
    assert Client.objects.filter(status="discharged").count() == 0


def test_list_shows_only_my_clients(api, cast):
    names = [c["preferred_name"] for c in api.get(reverse("api-clients")).data["results"]]
    assert names == [cast.client.preferred_name]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferred_name": "Dee", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"preferred_name": "Dee", "colour": "blue"}, "colour"),
        ({"preferred_name": "Dee", "contact_cadence_days": "often"}, "contact_cadence_days"),
        ({"preferred_name": ""}, "preferred_name"),
        ({"preferred_name": "Dee", "phone": "12"}, "phone"),
        ({"preferred_name": "Dee", "quiet_hours_start": "22:00"}, "quiet_hours_end"),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_nothing_saved(api, cast, body, field):
    before = Client.objects.count()
    response = api.post(reverse("api-clients"), body, format="json")
    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid" and field in response.data["fields"], response.data
    assert Client.objects.count() == before


def test_malformed_json_and_wrong_media_type(api):
    response = api.generic("POST", reverse("api-clients"), "{not json", "application/json")
    assert response.status_code == 400 and response.data["code"] == "malformed"
    response = api.generic(
        "POST", reverse("api-clients"), "a=b", "application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and set(response.data) == ERROR_KEYS


def test_huge_payload_is_refused_before_parsing(api):
    body = json.dumps({"preferred_name": "x" * 100_000})
    response = api.generic("POST", reverse("api-clients"), body, "application/json")
    assert response.status_code == 413 and response.data["code"] == "too_large"
    assert not Client.objects.filter(preferred_name__startswith="xxx").exists()


def test_create_update_and_discharge(api, cast):
    response = api.post(
        reverse("api-clients"),
        {"preferred_name": "Dee", "time_zone": "Europe/Lisbon", "email": "dee@example.com"},
        format="json",
    )
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert response.data["time_zone"] == "Europe/Lisbon"
    response = api.patch(reverse("api-client", args=[pk]), {"contact_cadence_days": 14})
    assert response.status_code == 200 and response.data["contact_cadence_days"] == 14
    response = api.post(reverse("api-client-discharge", args=[pk]))
    assert response.data["status"] == "discharged"


def test_datetimes_carry_their_offset(api, cast):
    created = api.get(reverse("api-client", args=[cast.client.pk])).data["created_at"]
    assert created.endswith("Z") or created[-6] in "+-"


def test_schema_and_docs_are_served_without_a_cdn(client, cast):
    client.force_login(cast.therapist)
    assert client.get(reverse("api-schema")).status_code == 200
    page = client.get(reverse("api-docs")).content.decode()
    assert "cdn" not in page.lower() and "/static/drf_spectacular_sidecar/" in page
