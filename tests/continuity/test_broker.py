"""The embedded broker never lets a worker see a message before it is whole."""

from __future__ import annotations

import contextlib
import os
from queue import Empty

import pytest
from kombu import Connection

from continuity import broker
from continuity.celery import app


@pytest.fixture
def channel(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    with Connection("filesystem://", transport_options=options) as conn:
        yield conn.default_channel


def test_filesystem_urls_use_the_atomic_transport(channel):
    assert isinstance(channel, broker.Channel)
    if app.conf.broker_url.startswith("filesystem"):  # the embedded configuration
        with app.connection_for_write() as conn:
            assert isinstance(conn.transport, broker.Transport)


def test_a_message_is_invisible_until_it_is_whole(channel, monkeypatch):
    real_replace = os.replace
    seen_while_writing = []

    def replace(source, target):
        # The message is written but not yet in place: a polling worker finds nothing.
        with contextlib.suppress(Empty):
            seen_while_writing.append(channel._get("q"))
        real_replace(source, target)

    monkeypatch.setattr(broker.os, "replace", replace)
    channel._put("q", {"body": "x" * 10_000})
    assert seen_while_writing == []
    assert channel._get("q") == {"body": "x" * 10_000}
    assert not [name for name in os.listdir(channel.data_folder_in) if name.endswith(".tmp")]
