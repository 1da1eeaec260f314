from __future__ import annotations

import email
from email import policy

from django.core.mail import EmailMultiAlternatives


def test_default_backend_writes_one_eml_file_per_message(settings, tmp_path):
    settings.EMAIL_BACKEND = "continuity.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    for n in range(2):
        msg = EmailMultiAlternatives(f"Subject {n}", "plain", to=["client@example.com"])
        msg.attach_alternative("<p>html</p>", "text/html")
        assert msg.send() == 1
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == "client@example.com"
    assert parsed.get_body(("plain",)).get_content().strip() == "plain"
    assert not list((tmp_path / "outbox").glob("*.part"))
