"""Email backend for development: one .eml file per message in EMAIL_FILE_PATH."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    """Writes each message as ``<UTC timestamp>-<random>.eml``, readable by any mail client.

    Django's own file backend appends every message of a connection to one .log file; one
    file per message is easier to open and to assert on.
    """

    def __init__(self, *args, file_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        self.folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            target = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            partial = target.with_suffix(".part")
            # Write then rename, so a reader never sees half a message.
            partial.write_bytes(message.message().as_bytes(linesep="\r\n"))
            partial.rename(target)
            sent += 1
        return sent
