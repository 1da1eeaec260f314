from __future__ import annotations

import json

import pytest
from django.db import connection
from django.urls import reverse

from clients.models import QuestionnaireResponse, Signal

pytestmark = pytest.mark.django_db


def answers(values):
    return {f"item_{n}": str(v) for n, v in enumerate(values, 1)}


def submit(portal, code, values, **extra):
    return portal.post(reverse("portal:questionnaire", args=[code]), {**answers(values), **extra})


def test_the_form_uses_the_standard_wording(portal):
    html = portal.get(reverse("portal:questionnaire", args=["phq9"])).content.decode()
    assert "Over the last 2 weeks, how often have you been bothered" in html
    assert "Little interest or pleasure in doing things" in html
    assert "Nearly every day" in html
    assert "988" in html


def test_phq9_is_scored_stored_encrypted_and_thanked(portal, reachable):
    response = submit(portal, "phq9", [1, 1, 2, 1, 0, 1, 1, 0, 0], difficulty="1")
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get(client=reachable)
    assert (saved.total, saved.severity, saved.difficulty) == (7, "mild", 1)
    assert json.loads(saved.answers) == [1, 1, 2, 1, 0, 1, 1, 0, 0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM clients_questionnaireresponse")
        assert cursor.fetchone()[0].startswith("gAAAA")
    kinds = set(Signal.objects.filter(client=reachable).values_list("kind", flat=True))
    assert kinds == {Signal.Kind.QUESTIONNAIRE}


def test_item_9_above_zero_is_urgent_and_shows_crisis_resources_at_once(portal, reachable):
    response = submit(portal, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert response.status_code == 200
    html = response.content.decode()
    assert "You don" in html and "988" in html
    urgent = Signal.objects.get(client=reachable, severity=Signal.Severity.URGENT)
    assert urgent.kind == Signal.Kind.QUESTIONNAIRE_ITEM_9


def test_a_zero_on_item_9_is_never_called_safe(portal):
    response = submit(portal, "phq9", [0] * 9, follow=True)
    assert b"safe" not in response.content.lower()


@pytest.mark.parametrize(
    ("code", "first", "second", "deteriorated"),
    [("phq9", 3, 9, True), ("phq9", 3, 8, False), ("gad7", 2, 6, True), ("gad7", 2, 5, False)],
)
def test_a_reliable_rise_is_a_deterioration_signal(portal, reachable, code, first, second,
                                                   deteriorated):  # fmt: skip
    size = 9 if code == "phq9" else 7

    def spread(total):
        values = [0] * size
        for i in range(total):
            values[i % (size - 1)] += 1  # never item 9
        return values

    submit(portal, code, spread(first))
    submit(portal, code, spread(second))
    found = Signal.objects.filter(client=reachable, kind=Signal.Kind.DETERIORATION).exists()
    assert found is deteriorated


@pytest.mark.parametrize("values", [[0] * 8, [0] * 8 + [4], [0] * 8 + [-1], [0] * 8 + ["x"]])
def test_bad_answers_are_refused_with_a_message_and_nothing_saved(portal, values):
    response = submit(portal, "phq9", values)
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert not QuestionnaireResponse.objects.exists()


def test_a_double_submit_is_recorded_once(portal, reachable):
    for _ in range(2):
        submit(portal, "gad7", [1, 1, 1, 1, 1, 1, 1])
    assert QuestionnaireResponse.objects.filter(client=reachable).count() == 1


def test_unknown_questionnaire_and_no_session(client, portal):
    assert portal.get(reverse("portal:questionnaire", args=["bdi"])).status_code == 404
    assert client.logout() is None
    response = client.get(reverse("portal:questionnaire", args=["phq9"]))
    assert response.status_code == 403
