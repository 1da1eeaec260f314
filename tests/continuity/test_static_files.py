"""Outside development WhiteNoise serves the collected static files: the stylesheet and the
htmx script (from django-htmx, never a CDN), with hashed names and long caching."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
call_command("collectstatic", "--noinput", verbosity=0)
page = render_to_string("continuity/base.html")
for name in ("continuity/app.css", "django_htmx/htmx-2.min.js"):
    url = next(part.split('"')[0] for part in page.split('="/static/')[1:]
               if part.startswith(name.rsplit(".", 1)[0]))
    response = Client().get("/static/" + url, secure=True)
    assert response.status_code == 200, (url, response.status_code)
    assert "max-age=315360000" in response["Cache-Control"], response["Cache-Control"]
    print(url)
"""


def test_whitenoise_serves_hashed_static_files_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        CONTINUITY_ENV="production",
        SECRET_KEY="s" * 50,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="testserver",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    css, htmx = result.stdout.split()
    assert css.startswith("continuity/app.") and css != "continuity/app.css"  # hashed
    assert htmx.startswith("django_htmx/htmx-2.min.")
