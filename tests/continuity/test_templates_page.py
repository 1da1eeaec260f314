"""A therapist's own templates, on their own small page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notes.models import NoteTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, cast):
    client.force_login(cast.therapist)
    return client


def test_add_edit_and_delete_a_template(signed_in, cast):
    response = signed_in.post(
        reverse("templates"), {"title": "Thinking", "body": "{first_name}, thinking of you."}
    )
    assert response.status_code == 302
    template = NoteTemplate.objects.get(therapist=cast.therapist)
    assert template.body == "{first_name}, thinking of you."
    assert "Thinking" in signed_in.get(reverse("templates")).content.decode()
    signed_in.post(
        reverse("template_edit", args=[template.pk]), {"title": "Warm", "body": "Hello."}
    )
    template.refresh_from_db()
    assert (template.title, template.body) == ("Warm", "Hello.")
    signed_in.post(reverse("template_delete", args=[template.pk]))
    assert not NoteTemplate.objects.exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"title": "", "body": "Hello"}, "This field is required"),
        ({"title": "T", "body": ""}, "This field is required"),
        ({"title": "T", "body": "x" * 601}, "at most 600"),
        ({"title": "Taken", "body": "Hello"}, "already have a template with this title"),
    ],
)
def test_bad_template_is_refused_and_nothing_changes(signed_in, cast, data, words):
    NoteTemplate.objects.create(therapist=cast.therapist, title="Taken", body="First")
    response = signed_in.post(reverse("templates"), data)
    assert response.status_code == 400 and words in response.content.decode()
    assert list(NoteTemplate.objects.values_list("title", "body")) == [("Taken", "First")]


def test_a_colleague_may_use_the_same_title(signed_in, cast):
    NoteTemplate.objects.create(therapist=cast.colleague, title="Thinking", body="Theirs")
    signed_in.post(reverse("templates"), {"title": "Thinking", "body": "Mine"})
    page = signed_in.get(reverse("templates")).content.decode()
    assert "Mine" in page and "Theirs" not in page
