"""What belongs to a client, over the API: consent, sessions, moments, signals, check-ins,
questionnaires and private links. Every id outside the caller's own clients is a 404."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients import signals as client_signals
from clients.links import link_issue, link_lookup
from clients.models import (
    Appointment,
    CheckIn,
    Client,
    ClientLink,
    ClientSession,
    Consent,
    Moment,
    QuestionnaireResponse,
    Signal,
)
from continuity.audit import queries_per_record
from tests.factories import AppointmentFactory, ClientFactory, ConsentFactory, MomentFactory

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "fields"}
NOT_FOUND = {"code": "not_found", "message": "Not found.", "fields": {}}
LATER = timezone.now().replace(microsecond=0) + dt.timedelta(days=30)


def iso(when: dt.datetime) -> str:
    return when.isoformat()


def signal_for(client: Client, **fields) -> Signal:
    fields.setdefault("kind", Signal.Kind.HARD_TIME)
    fields.setdefault("severity", Signal.Severity.URGENT)
    return Signal.objects.create(client=client, **fields)


def questionnaire_for(client: Client, answers=(1, 2, 0, 1, 0, 0, 1, 0, 0)) -> QuestionnaireResponse:
    return QuestionnaireResponse.objects.create(
        client=client,
        instrument="phq9",
        answers=json.dumps(list(answers)),
        total=sum(answers),
        severity="Mild",
    )


def snapshot() -> dict:
    """Every row these endpoints could touch, to show a refused request changed nothing."""
    models = (Client, Consent, Appointment, Moment, Signal, ClientLink, ClientSession)
    return {m.__name__: sorted(map(repr, m.objects.values())) for m in models}


def assert_invalid(response, field: str) -> None:
    assert response.status_code == 400, response.data
    assert set(response.data) == ERROR_KEYS and response.data["code"] == "invalid"
    assert field in response.data["fields"], response.data


# --- Consent --------------------------------------------------------------------------------


def test_grant_list_withdraw_and_grant_again(api, cast):
    url = reverse("api-client-consents", args=[cast.client.pk])
    response = api.post(url, {"channel": "email", "text_version": "v1"})
    assert response.status_code == 201, response.data
    assert response.data["channel"] == "email" and response.data["active"] is True
    assert response.data["client"] == cast.client.pk and response.data["withdrawn_at"] is None

    response = api.post(url, {"channel": "email", "text_version": "v1"})
    assert_invalid(response, "non_field_errors")  # already active: the model's constraint
    assert "already has active consent" in response.data["fields"]["non_field_errors"][0]

    withdraw = reverse("api-client-consent-withdraw", args=[cast.client.pk, "email"])
    assert api.post(withdraw).status_code == 204
    assert api.post(withdraw).status_code == 204  # nothing active: still fine, nothing changes
    assert api.post(url, {"channel": "email", "text_version": "v2"}).status_code == 201

    history = api.get(url).data["results"]
    assert [(c["text_version"], c["active"]) for c in history] == [("v2", True), ("v1", False)]
    assert history[1]["withdrawn_at"] is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text_version": "v1"}, "channel"),
        ({"channel": "fax", "text_version": "v1"}, "channel"),
        ({"channel": 3, "text_version": "v1"}, "channel"),
        ({"channel": "email"}, "text_version"),
        ({"channel": "email", "text_version": ""}, "text_version"),
        ({"channel": "email", "text_version": "x" * 21}, "text_version"),
        ({"channel": "email", "text_version": "v1", "granted_at": iso(LATER)}, "granted_at"),
    ],
)
def test_grant_refuses_bad_input(api, cast, body, field):
    before = snapshot()
    assert_invalid(api.post(reverse("api-client-consents", args=[cast.client.pk]), body), field)
    assert snapshot() == before


def test_withdraw_refuses_an_unknown_channel_or_a_body(api, cast):
    ConsentFactory(client=cast.client, channel="email")
    before = snapshot()
    url = reverse("api-client-consent-withdraw", args=[cast.client.pk, "fax"])
    assert_invalid(api.post(url), "channel")
    url = reverse("api-client-consent-withdraw", args=[cast.client.pk, "email"])
    assert_invalid(api.post(url, {"reason": "moved"}), "reason")
    assert snapshot() == before


# --- Appointments ---------------------------------------------------------------------------


def test_appointment_create_read_update_delete(api, cast):
    url = reverse("api-client-appointments", args=[cast.client.pk])
    lisbon = dt.timezone(dt.timedelta(hours=1))
    response = api.post(url, {"starts_at": "2030-05-01T09:00:00+01:00"})
    assert response.status_code == 201, response.data
    assert (
        response.data["status"] == "scheduled" and response.data["therapist"] == cast.therapist.pk
    )
    pk = response.data["id"]
    stored = Appointment.objects.get(pk=pk)
    assert stored.starts_at == dt.datetime(2030, 5, 1, 9, tzinfo=lisbon)
    assert dt.datetime.fromisoformat(response.data["starts_at"]) == stored.starts_at

    detail = reverse("api-appointment", args=[pk])
    assert api.get(detail).data == response.data
    response = api.patch(detail, {"status": "attended"})
    assert response.status_code == 200 and response.data["status"] == "attended"
    response = api.patch(detail, {"starts_at": "2030-05-02T10:30:00Z"})
    assert response.data["starts_at"].startswith("2030-05-02T10:30:00")
    assert Appointment.objects.get(pk=pk).status == "attended"
    assert api.delete(detail).status_code == 204
    assert api.get(detail).status_code == 404


def test_appointments_filter_by_status_and_time(api, cast):
    base = dt.datetime(2030, 5, 1, tzinfo=dt.UTC)
    for days, status in ((0, "attended"), (7, "missed"), (14, "scheduled")):
        AppointmentFactory(
            client=cast.client, starts_at=base + dt.timedelta(days=days), status=status
        )
    url = reverse("api-client-appointments", args=[cast.client.pk])

    def days(query) -> list[int]:
        response = api.get(url, query)
        assert response.status_code == 200, response.data
        return [
            (dt.datetime.fromisoformat(a["starts_at"]) - base).days
            for a in response.data["results"]
        ]

    assert days({}) == [14, 7, 0]
    assert days({"status": "missed"}) == [7]
    assert days({"after": iso(base + dt.timedelta(days=7))}) == [14, 7]
    assert days({"before": iso(base + dt.timedelta(days=7))}) == [0]
    assert days({"after": "2030-05-01T01:00:00+02:00", "before": "2030-05-10T00:00:00Z"}) == [7, 0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "done"}, "status"),
        ({"after": "2030-05-01T09:00:00"}, "after"),  # no offset
        ({"before": "next week"}, "before"),
        ({"after": "2030-05-01T09:00:00 02:00"}, "after"),  # a '+' sent unencoded
    ],
)
def test_appointment_filters_refuse_bad_values(api, cast, query, field):
    url = reverse("api-client-appointments", args=[cast.client.pk])
    assert_invalid(api.get(url, query), field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "starts_at"),
        ({"starts_at": "2030-05-01T09:00:00"}, "starts_at"),  # naive: whose 9 o'clock?
        ({"starts_at": "2030-05-01"}, "starts_at"),
        ({"starts_at": "tomorrow at 3"}, "starts_at"),
        ({"starts_at": "2030-05-01T25:00:00Z"}, "starts_at"),
        ({"starts_at": 1_900_000_000}, "starts_at"),
        ({"starts_at": "2030-05-01T09:00:00Z", "status": "done"}, "status"),
        ({"starts_at": "2030-05-01T09:00:00Z", "therapist": 1}, "therapist"),
    ],
)
def test_appointment_create_refuses_bad_input(api, cast, body, field):
    before = snapshot()
    url = reverse("api-client-appointments", args=[cast.client.pk])
    assert_invalid(api.post(url, body), field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done"}, "status"),
        ({"status": None}, "status"),
        ({"starts_at": "2030-05-01T09:00"}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"client": 1}, "client"),
        ({"id": 5}, "id"),
    ],
)
def test_appointment_update_refuses_bad_input(api, cast, body, field):
    appointment = AppointmentFactory(client=cast.client)
    before = snapshot()
    assert_invalid(api.patch(reverse("api-appointment", args=[appointment.pk]), body), field)
    assert snapshot() == before


def test_appointment_update_service_refuses_other_fields(cast):
    """The service's own guard, for callers other than this API (which refuses them first)."""
    appointment = AppointmentFactory(client=cast.client)
    with pytest.raises(ValidationError) as caught:
        services.appointment_update(appointment=appointment, therapist=cast.colleague)
    assert "therapist" in caught.value.message_dict
    appointment.refresh_from_db()
    assert appointment.therapist == cast.therapist


# --- Moments --------------------------------------------------------------------------------


def test_moment_create_read_update_delete(api, cast):
    url = reverse("api-client-moments", args=[cast.client.pk])
    response = api.post(url, {"date": "2030-06-01", "label": "  job interview "})
    assert response.status_code == 201, response.data
    assert response.data["label"] == "job interview"
    assert response.data["created_by"] == cast.therapist.pk
    pk = response.data["id"]
    MomentFactory(client=cast.client, date=dt.date(2030, 5, 1), label="moving house")
    assert [m["label"] for m in api.get(url).data["results"]] == ["moving house", "job interview"]

    detail = reverse("api-moment", args=[pk])
    assert api.get(detail).data == response.data
    response = api.patch(detail, {"label": "second interview "})
    assert response.status_code == 200, response.data
    assert response.data["label"] == "second interview" and response.data["date"] == "2030-06-01"
    response = api.patch(detail, {"date": "2030-06-08"})
    assert Moment.objects.get(pk=pk).date == dt.date(2030, 6, 8)
    assert api.delete(detail).status_code == 204
    assert not Moment.objects.filter(pk=pk).exists()
    assert api.get(detail).status_code == 404


MOMENT_BAD_INPUT = [
    ({"date": "2030-06-01"}, "label"),
    ({"date": "2030-06-01", "label": "   "}, "label"),
    ({"date": "2030-06-01", "label": "x" * 121}, "label"),
    ({"date": "2030-06-01", "label": ["a"]}, "label"),
    ({"label": "exam"}, "date"),
    ({"date": "01/06/2030", "label": "exam"}, "date"),
    ({"date": "2030-02-30", "label": "exam"}, "date"),
    ({"date": "2030-06-01", "label": "exam", "created_by": 1}, "created_by"),
]


@pytest.mark.parametrize(("body", "field"), MOMENT_BAD_INPUT)
def test_moment_create_refuses_bad_input(api, cast, body, field):
    before = snapshot()
    assert_invalid(api.post(reverse("api-client-moments", args=[cast.client.pk]), body), field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": ""}, "label"),
        ({"label": None}, "label"),
        ({"date": "soon"}, "date"),
        ({"client": 1}, "client"),
    ],
)
def test_moment_update_refuses_bad_input(api, cast, body, field):
    moment = MomentFactory(client=cast.client)
    before = snapshot()
    assert_invalid(api.patch(reverse("api-moment", args=[moment.pk]), body), field)
    assert snapshot() == before


def test_moment_update_service_refuses_other_fields(cast):
    moment = MomentFactory(client=cast.client)
    with pytest.raises(ValidationError) as caught:
        services.moment_update(moment=moment, client=cast.other_client, label="exam")
    assert "client" in caught.value.message_dict
    moment.refresh_from_db()
    assert moment.client == cast.client and moment.label == "job interview"


# --- Signals --------------------------------------------------------------------------------


def test_signals_list_carries_what_they_refer_to(api, cast):
    check_in = CheckIn.objects.create(client=cast.client, mood=3, text="rough week")
    questionnaire = questionnaire_for(cast.client)
    signal_for(cast.client, kind="check_in", severity="info", check_in=check_in)
    signal_for(cast.client, kind="questionnaire", severity="info", questionnaire=questionnaire)
    signal_for(cast.client, kind="reaction", severity="info", reaction="helped")
    signal_for(cast.other_client)
    signal_for(cast.outsider_client)
    results = api.get(reverse("api-signals")).data["results"]
    assert [s["kind"] for s in results] == ["reaction", "questionnaire", "check_in"]
    assert [s["reaction"] for s in results] == ["helped", None, None]
    assert results[1]["questionnaire"] == questionnaire.pk and results[2]["check_in"] == check_in.pk
    assert set(results[0]) == {
        "id",
        "client",
        "kind",
        "severity",
        "created_at",
        "reaction",
        "note",
        "check_in",
        "questionnaire",
        "alerted_at",
        "acknowledged_at",
        "acknowledged_by",
    }
    assert "rough week" not in json.dumps(results)


def test_signals_filters(api, cast):
    second = ClientFactory(primary_therapist=cast.therapist)
    now = timezone.now()
    old = signal_for(cast.client, kind="check_in", severity="info")
    Signal.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=10))
    urgent = signal_for(cast.client)
    seen = signal_for(
        second,
        kind="deterioration",
        severity="attention",
        acknowledged_at=now,
        acknowledged_by=cast.therapist,
    )
    signal_for(cast.other_client)

    def ids(query) -> list[int]:
        response = api.get(reverse("api-signals"), query)
        assert response.status_code == 200, response.data
        return [s["id"] for s in response.data["results"]]

    assert ids({}) == [seen.pk, urgent.pk, old.pk]
    assert ids({"kind": "hard_time"}) == [urgent.pk]
    assert ids({"severity": "attention"}) == [seen.pk]
    assert ids({"unacknowledged": "true"}) == [urgent.pk, old.pk]
    assert ids({"unacknowledged": "false"}) == [seen.pk]
    assert ids({"client": second.pk}) == [seen.pk]
    assert ids({"client": cast.other_client.pk}) == []  # a colleague's client: nothing
    assert ids({"client": cast.outsider_client.pk}) == []
    assert ids({"created_before": iso(now - dt.timedelta(days=1))}) == [old.pk]
    assert ids({"created_after": iso(now - dt.timedelta(days=1)), "client": cast.client.pk}) == [
        urgent.pk
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"severity": "high"}, "severity"),
        ({"unacknowledged": "maybe"}, "unacknowledged"),
        ({"client": "ava"}, "client"),
        ({"created_after": "2030-05-01T09:00:00"}, "created_after"),
        ({"created_before": "yesterday"}, "created_before"),
    ],
)
def test_signals_filters_refuse_bad_values(api, cast, query, field):
    assert_invalid(api.get(reverse("api-signals"), query), field)


def test_acknowledge_a_signal_once(api, cast):
    signal = signal_for(cast.client)
    other = signal_for(cast.client)
    url = reverse("api-signal-acknowledge", args=[signal.pk])
    response = api.post(url)
    assert response.status_code == 200, response.data
    assert response.data["acknowledged_by"] == cast.therapist.pk
    first = response.data["acknowledged_at"]
    assert first is not None
    again = api.post(url)
    assert again.status_code == 200 and again.data["acknowledged_at"] == first
    other.refresh_from_db()
    assert other.acknowledged_at is None  # only the one named


def test_acknowledge_refuses_a_body(api, cast):
    signal = signal_for(cast.client)
    assert_invalid(
        api.post(reverse("api-signal-acknowledge", args=[signal.pk]), {"all": True}), "all"
    )
    signal.refresh_from_db()
    assert signal.acknowledged_at is None


# --- Check-ins and questionnaires (read only) -----------------------------------------------


def test_check_ins_newest_first(api, cast):
    client_signals.check_in_record(client=cast.client, mood=4, text="ok-ish")
    latest = CheckIn.objects.create(client=cast.client, mood=7, text="")
    CheckIn.objects.create(client=cast.other_client, mood=1, text="not yours")
    results = api.get(reverse("api-client-check-ins", args=[cast.client.pk])).data["results"]
    assert [(c["id"], c["mood"], c["text"]) for c in results] == [
        (latest.pk, 7, ""),
        (results[1]["id"], 4, "ok-ish"),
    ]
    assert set(results[0]) == {"id", "mood", "text", "created_at"}


def test_questionnaires_with_answers_as_numbers(api, cast):
    response, _ = client_signals.questionnaire_submit(
        client=cast.client, code="phq9", answers=[1, 1, 2, 0, 3, 1, 0, 0, 0], difficulty=1
    )
    results = api.get(reverse("api-client-questionnaires", args=[cast.client.pk])).data["results"]
    assert results == [
        {
            "id": response.pk,
            "instrument": "phq9",
            "total": 8,
            "severity": response.severity,
            "difficulty": 1,
            "answers": [1, 1, 2, 0, 3, 1, 0, 0, 0],
            "created_at": results[0]["created_at"],
        }
    ]


# --- Private links --------------------------------------------------------------------------


def test_issue_a_link_shown_once_and_never_logged(api, cast, caplog):
    caplog.set_level(logging.DEBUG)
    response = api.post(reverse("api-client-links", args=[cast.client.pk]))
    assert response.status_code == 201, response.data
    assert response["Cache-Control"] == "no-store"
    token = response.data["url"].rstrip("/").rsplit("/", 1)[-1]
    link = link_lookup(token)
    assert link is not None and link.client_id == cast.client.pk
    assert dt.datetime.fromisoformat(response.data["expires_at"]) == link.expires_at
    assert token not in link.token_hash
    assert not [r for r in caplog.records if token in r.getMessage()]


def test_revoke_links(api, cast):
    _, first = link_issue(client=cast.client)
    _, second = link_issue(client=cast.client)
    url = reverse("api-client-links-revoke", args=[cast.client.pk])
    response = api.post(url)
    assert response.status_code == 200 and response.data == {"revoked": 2}
    assert link_lookup(first) is None and link_lookup(second) is None
    assert api.post(url).data == {"revoked": 0}


@pytest.mark.parametrize("name", ["api-client-links", "api-client-links-revoke"])
def test_link_actions_refuse_a_body(api, cast, name):
    link_issue(client=cast.client)
    before = snapshot()
    assert_invalid(api.post(reverse(name, args=[cast.client.pk]), {"ttl_days": 90}), "ttl_days")
    assert snapshot() == before


# --- Scoping: anyone else's ids are a 404, and nothing changes -------------------------------


def _foreign_objects(client: Client) -> dict:
    return {
        "client": client.pk,
        "appointment": AppointmentFactory(client=client).pk,
        "moment": MomentFactory(client=client).pk,
        "signal": signal_for(client).pk,
    }


# (method, url name, which id, valid body): each would succeed on one's own object.
EVERY_OPERATION = [
    ("get", "api-client-consents", "client", None),
    ("post", "api-client-consents", "client", {"channel": "sms", "text_version": "v1"}),
    ("post", "api-client-consent-withdraw", "client", None),
    ("get", "api-client-appointments", "client", None),
    ("post", "api-client-appointments", "client", {"starts_at": "2030-05-01T09:00:00Z"}),
    ("get", "api-appointment", "appointment", None),
    ("patch", "api-appointment", "appointment", {"status": "cancelled"}),
    ("delete", "api-appointment", "appointment", None),
    ("get", "api-client-moments", "client", None),
    ("post", "api-client-moments", "client", {"date": "2030-06-01", "label": "exam"}),
    ("get", "api-moment", "moment", None),
    ("patch", "api-moment", "moment", {"label": "exam"}),
    ("delete", "api-moment", "moment", None),
    ("post", "api-signal-acknowledge", "signal", None),
    ("get", "api-client-check-ins", "client", None),
    ("get", "api-client-questionnaires", "client", None),
    ("post", "api-client-links", "client", None),
    ("post", "api-client-links-revoke", "client", None),
]


def _url(name: str, pk: int) -> str:
    if name == "api-client-consent-withdraw":
        return reverse(name, args=[pk, "email"])
    return reverse(name, args=[pk])


@pytest.mark.parametrize("whose", ["other_client", "outsider_client"])
@pytest.mark.parametrize(("method", "name", "kind", "body"), EVERY_OPERATION)
def test_someone_elses_ids_are_a_404_and_change_nothing(api, cast, whose, method, name, kind, body):
    theirs = getattr(cast, whose)
    ConsentFactory(client=theirs, channel="email")
    link_issue(client=theirs)
    ids = _foreign_objects(theirs)
    before = snapshot()
    response = getattr(api, method)(_url(name, ids[kind]), body)
    assert response.status_code == 404 and response.data == NOT_FOUND
    assert snapshot() == before


@pytest.mark.parametrize(("method", "name", "kind", "body"), EVERY_OPERATION)
def test_the_same_operations_work_on_my_own(api, cast, method, name, kind, body):
    """The other half of the 404 test: the request itself was fine."""
    ConsentFactory(client=cast.client, channel="email")
    ids = _foreign_objects(cast.client)
    response = getattr(api, method)(_url(name, ids[kind]), body)
    assert response.status_code in (200, 201, 204), response.data


@pytest.mark.parametrize(("method", "name", "kind", "body"), EVERY_OPERATION)
def test_anonymous_callers_get_401(anonymous, cast, method, name, kind, body):
    ids = _foreign_objects(cast.client)
    response = getattr(anonymous, method)(_url(name, ids[kind]), body, format="json")
    assert response.status_code == 401 and set(response.data) == ERROR_KEYS


# --- Query budgets --------------------------------------------------------------------------


def _make(kind: str, client: Client, n: int) -> None:
    for i in range(n):
        if kind == "consents":
            granted = timezone.now() - dt.timedelta(days=n - i)
            withdrawn = granted + dt.timedelta(hours=1) if i else None
            ConsentFactory(client=client, granted_at=granted, withdrawn_at=withdrawn)
        elif kind == "appointments":
            AppointmentFactory(client=client)
        elif kind == "moments":
            MomentFactory(client=client)
        elif kind == "check-ins":
            CheckIn.objects.create(client=client, mood=i % 11, text=f"day {i}")
        elif kind == "questionnaires":
            signal_for(client, kind="questionnaire", questionnaire=questionnaire_for(client))
        elif kind == "signals":
            signal_for(client, check_in=CheckIn.objects.create(client=client, mood=5))


LISTS = ["consents", "appointments", "moments", "check-ins", "questionnaires", "signals"]
# The token (two queries), the client, the count and the page, whether 3 rows or 30; the
# signals list has no client to look up. Plus the audit row (continuity.audit).
BUDGET = {"signals": 4}


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("kind", LISTS)
def test_lists_use_a_constant_number_of_queries(api, cast, django_assert_max_num_queries, kind, n):
    _make(kind, cast.client, n)
    url = (
        reverse("api-signals")
        if kind == "signals"
        else reverse(f"api-client-{kind}", args=[cast.client.pk])
    )
    with django_assert_max_num_queries(BUDGET.get(kind, 5) + queries_per_record()):
        response = api.get(url)
    assert response.status_code == 200 and len(response.data["results"]) == n
