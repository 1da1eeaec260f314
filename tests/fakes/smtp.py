"""A real SMTP server on loopback (aiosmtpd) that records what it accepts.

It can be told to answer the next messages with an error code (451 = try later, 550 = never),
and counts accepted messages by Message-ID, which is derived from the delivery id: a delivery
sent twice shows up as a count of 2.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import email
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RecordingHandler:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay  # seconds before answering DATA, to keep sends in flight longer
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []
        self.by_message_id: collections.Counter[str] = collections.Counter()
        self._failures: list[str] = []

    def fail_next(self, reply: str, times: int = 1) -> None:
        with self.lock:
            self._failures.extend([reply] * times)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self._failures:
                return self._failures.pop(0)
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append(message)
            self.by_message_id[message["Message-ID"]] += 1
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


class SmtpServer:
    def __init__(self, port: int | None = None, delay: float = 0.0) -> None:
        self.handler = RecordingHandler(delay)
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def main() -> None:
    """Standalone: `python -m tests.fakes.smtp --port N` serves until killed, printing counts."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with SmtpServer(args.port or None) as server:
        print(server.port, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
