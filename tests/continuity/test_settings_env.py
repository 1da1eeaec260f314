"""Settings read the environment strictly. Each case starts a fresh interpreter so the real
settings module runs against the given environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = Fernet.generate_key().decode()


def load_settings(**overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(overrides)
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_defaults_need_no_server():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "banana"}, "DEBUG is malformed"),
        ({"DATABASE_URL": "mysqlx://x"}, "DATABASE_URL has an unsupported scheme"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must be a broker URL"),
        ({"SESSION_COOKIE_AGE": "soon"}, "SESSION_COOKIE_AGE is malformed"),
        ({"CONTINUITY_ENV": "staging"}, "CONTINUITY_ENV must be"),
        ({"CONTINUITY_ENV": "production", "FIELD_ENCRYPTION_KEYS": GOOD_KEY},
         "SECRET_KEY must be set outside development"),
        ({"CONTINUITY_ENV": "production", "SECRET_KEY": "s" * 50},
         "FIELD_ENCRYPTION_KEYS must be set outside development"),
    ],
)  # fmt: skip
def test_malformed_or_missing_values_stop_start_up_with_a_clear_message(overrides, message):
    result = load_settings(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_starts_with_its_secrets_given():
    result = load_settings(
        CONTINUITY_ENV="production",
        SECRET_KEY="s" * 50,
        FIELD_ENCRYPTION_KEYS=GOOD_KEY,
        ALLOWED_HOSTS="continuity.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
