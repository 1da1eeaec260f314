from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_system_checks_are_clean():
    call_command("check", fail_level="WARNING")


def test_passwords_are_hashed_with_argon2(settings):
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
