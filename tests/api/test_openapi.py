"""The OpenAPI document: valid, free of generator warnings, honest about errors, and the
committed copy in docs/openapi.yaml is the one the code generates."""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.yaml"
REGENERATE = ".venv/bin/python manage.py spectacular --file docs/openapi.yaml"
ERROR_REF = "#/components/schemas/ErrorOut"
WRITES = {"post", "put", "patch"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("openapi") / "openapi.yaml"
    call_command("spectacular", "--file", str(out))
    return out.read_text()


def test_the_schema_validates_without_warnings(tmp_path):
    # A fresh process: the generator's warnings are collected once per process, so a schema
    # built earlier in this test session would hide them.
    result = subprocess.run(  # noqa: S603 - a fixed command, no outside input
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "openapi.yaml"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_operation_documents_its_errors(generated):
    schema = yaml.safe_load(generated)
    problems = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            # 404 everywhere: an object not found, or a page past the end of a list.
            wanted = {"400", "401", "403", "404", "429"}
            if method in WRITES:
                wanted.add("413")
            label = f"{method.upper()} {path}"
            if not any(code.startswith("2") for code in responses):
                problems.append(f"{label}: no success response")
            if missing := wanted - set(responses):
                problems.append(f"{label}: no {', '.join(sorted(missing))}")
            for code in wanted & set(responses):
                content = responses[code].get("content", {}).get("application/json", {})
                if content.get("schema", {}).get("$ref") != ERROR_REF:
                    problems.append(f"{label}: {code} is not in the error shape")
    assert not problems, "\n".join(problems)


def test_the_committed_schema_is_the_generated_one(generated):
    committed = COMMITTED.read_text() if COMMITTED.exists() else ""
    if committed != generated:
        diff = difflib.unified_diff(
            committed.splitlines(),
            generated.splitlines(),
            "docs/openapi.yaml",
            "generated",
            lineterm="",
        )
        shown = "\n".join(list(diff)[:60])
        pytest.fail(
            f"docs/openapi.yaml is out of date; regenerate it with:\n\n    {REGENERATE}\n\n{shown}"
        )
