"""Bad input on the client's pages gets a clear answer, never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/c/notes/99999999999999999999/react/", {"reaction": "helped"}),
        ("/c/notes/1/react/", {"reaction": "x" * 10_000}),
        ("/c/check-in/", {"mood": "1e3", "text": "\x00"}),
        ("/c/check-in/", {"mood": "5", "text": "é" * 501}),
        ("/c/questionnaires/phq9/", {"item_1": "99999999999999999999", "difficulty": "-"}),
        ("/c/preferences/", {"action": "save", "preferred_channel": "x" * 500,
                             "quiet_hours_start": "99:99", "quiet_hours_end": "abc"}),
        ("/c/preferences/", {"action": "pause", "weeks": "99999999999999999999"}),
        ("/c/" + "a" * 5000 + "/", {}),
        ("/c/" + "a" * 5000 + "/fresh/", {}),
    ],
)  # fmt: skip
def test_no_500_on_bad_input(portal, path, data):
    response = portal.post(path, data)
    assert response.status_code < 500, response.status_code
