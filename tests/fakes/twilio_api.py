"""A loopback stand-in for Twilio's Messages API, for the official SDK to talk to over HTTP.

It answers ``POST /2010-04-01/Accounts/<sid>/Messages.json`` the way Twilio does: HTTP Basic
auth (sid:token) or 401, form fields To, From or MessagingServiceSid, Body and StatusCallback,
and 201 with a message resource in JSON. It records every request it receives (form parsed),
and can be told to answer the next ones with an error (``fail_next(status=500, times=2)``,
``fail_next(status=400, code=21211)``) shaped like Twilio's.

Nothing else in a test is replaced: the SDK, the channel and the services run for real, with
TWILIO_API_BASE_URL pointing here.

Standalone (for worker processes): ``python -m tests.fakes.twilio_api --port N`` prints the port
and serves until killed. Another process can read ``GET /_fake/requests`` (JSON) and script
failures with ``POST /_fake/fail_next`` (JSON ``{"status": 500, "code": null, "times": 1}``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import email.utils
import json
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token"
FROM_NUMBER = "+12025550100"
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")

# Twilio's generic code for a bare HTTP status, used when a scripted failure names none.
DEFAULT_CODES = {400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service unavailable",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
}


@dataclass(frozen=True)
class Received:
    """One Messages API request as the fake saw it, and what it answered."""

    form: dict[str, str]
    status: int
    sid: str = ""  # the message SID when it answered 201
    fields: dict[str, list[str]] = field(default_factory=dict)  # every value of every field


@dataclass
class Failure:
    status: int
    code: int
    message: str


class FakeTwilioApi:
    def __init__(
        self,
        *,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        port: int = 0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.lock = threading.Lock()
        self._received: list[Received] = []
        self._failures: list[Failure] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.fake = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        # A short poll interval keeps shutdown() (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-twilio-api",
            daemon=True,
        )

    # --- lifecycle ----------------------------------------------------------------------

    def __enter__(self) -> FakeTwilioApi:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- scripting and assertions -------------------------------------------------------

    def fail_next(
        self, *, status: int, code: int | None = None, times: int = 1, message: str = ""
    ) -> None:
        """Answers the next ``times`` Messages requests with this Twilio-shaped error."""
        code = code or DEFAULT_CODES.get(status, status)
        failure = Failure(status, code, message or ERROR_MESSAGES.get(code, "Error"))
        with self.lock:
            self._failures.extend([failure] * times)

    @property
    def requests(self) -> list[Received]:
        """Every Messages request received, accepted or not, oldest first."""
        with self.lock:
            return list(self._received)

    @property
    def messages(self) -> list[Received]:
        """The requests answered 201: the texts Twilio would have sent."""
        return [r for r in self.requests if r.status == 201]

    def count(self) -> int:
        return len(self.messages)

    # --- answering (called from the server's threads) -----------------------------------

    def answer(self, form_fields: dict[str, list[str]]) -> tuple[int, dict]:
        form = {name: values[0] for name, values in form_fields.items()}
        with self.lock:
            failure = self._failures.pop(0) if self._failures else None
            if failure is not None:
                status, sid = failure.status, ""
                payload = error(failure.code, status=status, message=failure.message)
            else:
                status, payload = self._create(form)
                sid = payload.get("sid", "") if status == 201 else ""
            self._received.append(Received(form=form, status=status, sid=sid, fields=form_fields))
        return status, payload

    def _create(self, form: dict[str, str]) -> tuple[int, dict]:
        if not form.get("To"):
            return 400, error(21604)
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return 400, error(21603)
        if not form.get("Body"):
            return 400, error(21602)
        return 201, self._resource(form)

    def _resource(self, form: dict[str, str]) -> dict:
        sid = "SM" + secrets.token_hex(16)
        now = email.utils.formatdate(usegmt=True)  # Twilio dates are RFC 2822
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        # With only a Messaging Service, Twilio picks the sender later and says "accepted".
        status = "queued" if form.get("From") else "accepted"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From") or None,
            "messaging_service_sid": form.get("MessagingServiceSid") or None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": form["To"],
            "uri": f"{uri}.json",
        }

    def authorized(self, header: str, path_sid: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = f"{self.account_sid}:{self.auth_token}"
        return secrets.compare_digest(decoded, expected) and path_sid == self.account_sid


def error(code: int, *, status: int = 400, message: str = "") -> dict:
    """Twilio's error body (the legacy shape the SDK turns into TwilioRestException)."""
    return {
        "code": code,
        "message": message or ERROR_MESSAGES.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTwilio/1.0"

    @property
    def fake(self) -> FakeTwilioApi:
        return self.server.fake  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.path == "/_fake/fail_next":
            self.fake.fail_next(**json.loads(raw or "{}"))
            self._json(200, {"ok": True})
            return
        match = MESSAGES_PATH.match(self.path)
        if match is None:
            self._json(404, error(20404, status=404))
            return
        if not self.fake.authorized(self.headers.get("Authorization", ""), match["sid"]):
            self._json(401, error(20003, status=401))
            return
        self._json(*self.fake.answer(parse_qs(raw, keep_blank_values=True)))

    def do_GET(self) -> None:
        if self.path == "/_fake/requests":
            self._json(200, [asdict(r) for r in self.fake.requests])
        else:
            self._json(404, error(20404, status=404))

    def _json(self, status: int, payload) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args) -> None:
        pass  # quiet: request lines would clutter test output


@contextlib.contextmanager
def serving(settings) -> Iterator[FakeTwilioApi]:
    """Runs a fake and points Django's TWILIO_* settings at it (a From number, no service).

    ``settings`` is pytest-django's fixture, which restores the settings afterwards.
    """
    with FakeTwilioApi() as fake:
        settings.TWILIO_ACCOUNT_SID = fake.account_sid
        settings.TWILIO_AUTH_TOKEN = fake.auth_token
        settings.TWILIO_FROM_NUMBER = FROM_NUMBER
        settings.TWILIO_MESSAGING_SERVICE_SID = ""
        settings.TWILIO_API_BASE_URL = fake.url
        yield fake


@pytest.fixture
def twilio_api(settings) -> Iterator[FakeTwilioApi]:
    """The fake, serving, with the settings pointing at it. Available to every test once
    ``pytest_plugins = ["tests.fakes.twilio_api"]`` is in tests/conftest.py."""
    with serving(settings) as fake:
        yield fake


def main() -> None:
    """Standalone: `python -m tests.fakes.twilio_api --port N` prints the port, serves."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", default=ACCOUNT_SID)
    parser.add_argument("--auth-token", default=AUTH_TOKEN)
    args = parser.parse_args()
    with FakeTwilioApi(
        account_sid=args.account_sid, auth_token=args.auth_token, port=args.port
    ) as fake:
        print(fake.port, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
