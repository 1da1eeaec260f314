"""Object-level authorization, generated from the URL conf.

Every endpoint under /api/v1/ that takes an integer id is called with each verb its view
answers, by each kind of caller, on an object built for that endpoint: its owner gets an
answer, a colleague or another practice's therapist gets the same 404 as for an id that does
not exist, and anyone without a live therapist token (a client signed in to their private
page, no one, a revoked or an expired token) gets a 401. Practice-admin endpoints follow their
own rule: an admin of the practice gets an answer, another practice's admin a 404, a therapist
a 403. Whatever anyone but the owner sends, the object's row, and every row pointing at it, is
unchanged afterwards.

A new endpoint needs an entry in REGISTRY (how to build an object it serves, and for whom);
without one, ``test_every_object_endpoint_is_in_the_registry`` fails and names it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Iterator

import pytest
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from clients.links import link_issue
from clients.models import Channel, Client, Signal
from clients.signals import check_in_record
from continuity.models import Therapist
from notes import services as note_services
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    ConsentFactory,
    MomentFactory,
    TherapistFactory,
)

API_PREFIX = "api/v1/"
# OPTIONS describes the endpoint, not the object (and never looks one up); HEAD is GET.
NOT_OBJECT_METHODS = {"options", "head", "trace"}
WRITES = {"post", "put", "patch", "delete"}


# --- The endpoints, from the URL conf ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Endpoint:
    name: str  # the URL name, with its namespace if any
    route: str
    methods: tuple[str, ...]


def _walk(patterns, prefix: str = "", namespace: str = "", converters=None) -> Iterator:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        found = {**(converters or {}), **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner, found)
        elif isinstance(pattern, URLPattern):
            yield route, namespace + (pattern.name or ""), found, pattern.callback


def _methods(callback) -> tuple[str, ...]:
    """The verbs the view answers: a router's actions, or the handlers the class defines."""
    actions = getattr(callback, "actions", None)  # a ViewSet behind a DRF router
    if actions:
        return tuple(m for m in sorted(actions) if m not in NOT_OBJECT_METHODS)
    view = getattr(callback, "view_class", None) or callback.cls
    return tuple(
        m for m in view.http_method_names if m not in NOT_OBJECT_METHODS and hasattr(view, m)
    )


def object_endpoints() -> list[Endpoint]:
    """API endpoints with an integer path parameter: the ones that reach a single object."""
    found = []
    for route, name, converters, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX):
            continue
        if not any(isinstance(c, IntConverter) for c in converters.values()):
            continue
        found.append(
            Endpoint(name=name or f"<unnamed {route}>", route=route, methods=_methods(callback))
        )
    return found


# --- How to build an object each endpoint serves ------------------------------------------


class Rule(enum.Enum):
    OWNER = "the therapist who owns it"
    PRACTICE_ADMIN = "an admin of its practice"


Make = Callable[[Therapist], tuple[Model, dict[str, int]]]


@dataclasses.dataclass(frozen=True)
class Entry:
    make: Make  # builds an object for this owner; returns it and the URL kwargs reaching it
    rule: Rule = Rule.OWNER
    # A JSON body per write verb, one the owner may send; without one, writes send {} and the
    # owner may get a 400 for it.
    bodies: dict[str, dict] = dataclasses.field(default_factory=dict)


def _client(owner: Therapist):
    client = ClientFactory(primary_therapist=owner)
    for channel in (Channel.EMAIL, Channel.IN_APP):
        ConsentFactory(client=client, channel=channel)
    return client


def make_client(owner: Therapist):
    """A client with something in each of their lists (the snapshot covers those rows too)."""
    client = _client(owner)
    AppointmentFactory(client=client)
    MomentFactory(client=client)
    link_issue(client=client)
    check_in_record(client=client, mood=6, text="A steadier week.")
    return client, {"pk": client.pk}


def make_consent(owner: Therapist):
    client, kwargs = make_client(owner)
    return client, {**kwargs, "channel": Channel.EMAIL}


def make_appointment(owner: Therapist):
    appointment = AppointmentFactory(client=_client(owner))
    return appointment, {"pk": appointment.pk}


def make_moment(owner: Therapist):
    moment = MomentFactory(client=_client(owner))
    return moment, {"pk": moment.pk}


def make_signal(owner: Therapist):
    signal = Signal.objects.create(
        client=_client(owner), kind=Signal.Kind.HARD_TIME, severity=Signal.Severity.ATTENTION
    )
    return signal, {"pk": signal.pk}


def make_note(owner: Therapist):
    """A note still waiting to go, so its owner may rewrite or cancel it."""
    note = note_services.note_create(
        therapist=owner,
        client=_client(owner),
        body="Thinking of you this week.",
        send_at=timezone.now() + dt.timedelta(days=3),
    )
    return note, {"pk": note.pk}


def make_delivery(owner: Therapist):
    note, _ = make_note(owner)
    delivery = note.deliveries.order_by("pk").first()
    return delivery, {"pk": delivery.pk}


def make_template(owner: Therapist):
    template = note_services.template_save(
        therapist=owner, title=f"Template {owner.pk}", body="Hello {first_name}."
    )
    return template, {"pk": template.pk}


def make_practice_therapist(admin: Therapist):
    therapist = TherapistFactory(practice=admin.practice)
    return therapist, {"pk": therapist.pk}


LATER = "2030-01-31T09:00:00+00:00"
REGISTRY: dict[str, Entry] = {
    "api-client": Entry(make_client, bodies={"patch": {"preferred_name": "Renamed"}}),
    "api-client-discharge": Entry(make_client),
    "api-client-consents": Entry(
        make_client, bodies={"post": {"channel": Channel.SMS, "text_version": "v2"}}
    ),
    "api-client-consent-withdraw": Entry(make_consent),
    "api-client-appointments": Entry(make_client, bodies={"post": {"starts_at": LATER}}),
    "api-appointment": Entry(make_appointment, bodies={"patch": {"starts_at": LATER}}),
    "api-client-moments": Entry(
        make_client, bodies={"post": {"date": "2030-01-31", "label": "exam"}}
    ),
    "api-moment": Entry(make_moment, bodies={"patch": {"label": "exam"}}),
    "api-signal-acknowledge": Entry(make_signal),
    "api-client-check-ins": Entry(make_client),
    "api-client-questionnaires": Entry(make_client),
    "api-client-links": Entry(make_client),
    "api-client-links-revoke": Entry(make_client),
    "api-note": Entry(make_note, bodies={"patch": {"body": "Still thinking of you."}}),
    "api-note-cancel": Entry(make_note),
    "api-delivery": Entry(make_delivery),
    "api-template": Entry(make_template, bodies={"patch": {"title": "Renamed"}}),
    "api-therapist": Entry(
        make_practice_therapist, Rule.PRACTICE_ADMIN, bodies={"patch": {"display_name": "Renamed"}}
    ),
}


# --- Who calls --------------------------------------------------------------------------------


OK = "2xx"
SIGNED_OUT = {"portal": 401, "anonymous": 401, "revoked": 401, "expired": 401}
EXPECTED: dict[Rule, dict[str, int | str]] = {
    Rule.OWNER: {"owner": OK, "colleague": 404, "outsider": 404, **SIGNED_OUT},
    Rule.PRACTICE_ADMIN: {
        "admin": OK,
        "other_practice_admin": 404,
        "plain_therapist": 403,
        **SIGNED_OUT,
    },
}


@dataclasses.dataclass
class People:
    """The owner (or, for practice-admin endpoints, the admin) and everyone else who calls."""

    owner: Therapist
    others: dict[str, Therapist]


def people(rule: Rule, cast) -> People:
    if rule is Rule.OWNER:
        return People(cast.therapist, {"colleague": cast.colleague, "outsider": cast.outsider})
    admin = Therapist.Role.PRACTICE_ADMIN
    return People(
        TherapistFactory(practice=cast.therapist.practice, role=admin),
        {
            "plain_therapist": cast.therapist,
            "other_practice_admin": TherapistFactory(practice=cast.outsider.practice, role=admin),
        },
    )


def _with_token(user: Therapist) -> tuple[APIClient, AuthToken]:
    instance, token = AuthToken.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api, instance


def _client_of(obj: Model, owner: Therapist) -> Client:
    """The client the object is about, else a new one of the owner's."""
    for path in ("", "client", "note.client"):
        found = obj
        for attribute in filter(None, path.split(".")):
            found = getattr(found, attribute, None)
        if isinstance(found, Client):
            return found
    return _client(owner)


def caller(name: str, who: People, obj: Model) -> APIClient:
    """An HTTP client for this caller; the signed-out kinds each once held or hold a key."""
    if name in ("owner", "admin"):
        return _with_token(who.owner)[0]
    if name in who.others:
        return _with_token(who.others[name])[0]
    if name == "anonymous":
        return APIClient()
    if name == "revoked":
        api, _ = _with_token(who.owner)
        assert api.post(reverse("api-logout")).status_code == 204
        return api
    if name == "expired":
        api, token = _with_token(who.owner)
        AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now())
        return api
    if name == "portal":
        # A browser signed in through the link of the client the object is about: a real
        # session on the client's pages (the test client sends its cookie with every request,
        # whatever the cookie's path), no therapist auth.
        browser = APIClient()
        _, token = link_issue(client=_client_of(obj, who.owner))
        browser.post(reverse("portal:open", args=[token]))
        assert browser.get(reverse("portal:notes")).status_code == 200
        return browser
    raise AssertionError(f"unknown caller {name!r}")


def snapshot(obj: Model) -> dict:
    """The object's row and the rows that point at it (a client's consents, moments, links…),
    so a write through a nested endpoint shows up too."""
    rows = {"self": type(obj)._default_manager.filter(pk=obj.pk).values().first()}
    for relation in obj._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            model = relation.related_model
            found = model._default_manager.filter(**{relation.field.name: obj.pk})
            rows[relation.name] = sorted(found.values(), key=lambda row: row["id"])
    return rows


# --- The tests --------------------------------------------------------------------------------


ENDPOINTS = object_endpoints()


def matrix() -> Iterator:
    for endpoint in ENDPOINTS:
        entry = REGISTRY.get(endpoint.name)
        if entry is None:
            continue  # test_every_object_endpoint_is_in_the_registry names it
        for method in endpoint.methods:
            for who, expected in EXPECTED[entry.rule].items():
                yield pytest.param(
                    endpoint, method, who, expected, id=f"{endpoint.name}-{method}-{who}"
                )


def test_every_object_endpoint_is_in_the_registry():
    names = {e.name for e in ENDPOINTS}
    missing = sorted(names - set(REGISTRY))
    stale = sorted(set(REGISTRY) - names)
    assert not missing, (
        f"These API endpoints take an object id but have no entry in REGISTRY in {__file__}, "
        f"so nobody checks who may reach their objects: {', '.join(missing)}. Add one: how to "
        "build an object the endpoint serves for a given owner, and the URL kwargs."
    )
    assert not stale, f"REGISTRY names URLs that no longer exist: {', '.join(stale)}"


def test_the_matrix_sees_the_api():
    """Guards the generator itself: a broken walk would make the matrix pass by being empty."""
    by_name = {e.name: e for e in ENDPOINTS}
    assert {"get", "patch"} <= set(by_name["api-client"].methods)
    assert by_name["api-client-discharge"].methods == ("post",)
    assert "api-clients" not in by_name  # no id
    assert "api-token-revoke" not in by_name  # a str id, covered by test_core.py
    assert not any(set(e.methods) & NOT_OBJECT_METHODS for e in ENDPOINTS)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "method", "who", "expected"), list(matrix()))
def test_object_authorization(cast, endpoint: Endpoint, method: str, who: str, expected):
    entry = REGISTRY[endpoint.name]
    people_ = people(entry.rule, cast)
    obj, kwargs = entry.make(people_.owner)
    url = reverse(endpoint.name, kwargs=kwargs)
    http = caller(who, people_, obj)
    before = snapshot(obj)
    body = entry.bodies.get(method)
    if method == "delete":
        response = http.delete(url)
    elif method in WRITES:
        response = getattr(http, method)(url, body if body is not None else {}, format="json")
    else:
        response = getattr(http, method)(url)
    status = response.status_code
    described = f"{method.upper()} {url} as {who} ({entry.rule.value} may) -> {status}"

    if expected == OK:
        empty_write = method in WRITES - {"delete"} and body is None
        allowed = 200 <= status < 300 or (empty_write and status == 400)
        assert allowed, f"{described}: expected 2xx{' or 400' if empty_write else ''}"
    else:
        assert status == expected, f"{described}: expected {expected}"
        assert set(response.json()) == {"code", "message", "fields"}, described
        assert snapshot(obj) == before, f"{described}: the object changed"
