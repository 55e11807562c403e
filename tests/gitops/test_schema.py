"""The JSON Schema editors read: the checked-in copy is what ``reconciler schema`` prints, it
accepts the examples and rejects unknown keys."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from tests.gitops.conftest import EXAMPLES, KEYS, LOGS, ROLE, Workdir, settings_toml

SCHEMA_COPY = EXAMPLES / "reconciler.schema.json"


def _schema() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SCHEMA_COPY.read_text())
    return doc


def _errors(doc: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(_schema())
    return [e.message for e in validator.iter_errors(doc)]


def test_checked_in_schema_matches_the_cli(sandbox_work: Workdir) -> None:
    result = sandbox_work.ok("schema")
    assert result.out == SCHEMA_COPY.read_text(), (
        "examples/reconciler.schema.json is out of date; regenerate it with: "
        "reconciler schema > examples/reconciler.schema.json"
    )


def test_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(_schema())


@pytest.mark.parametrize("name", ["datadog.toml", "logs.toml"])
def test_schema_accepts_the_examples(name: str) -> None:
    path = EXAMPLES / name
    assert path.read_text().startswith("#:schema ./reconciler.schema.json")
    assert _errors(tomllib.loads(path.read_text())) == []


def test_schema_accepts_the_test_configuration(tmp_path: Path) -> None:
    text = settings_toml("http://127.0.0.1:1") + ROLE + KEYS + LOGS
    assert _errors(tomllib.loads(text)) == []


def test_schema_rejects_an_unknown_key() -> None:
    doc = tomllib.loads((EXAMPLES / "datadog.toml").read_text())
    doc["datadog_aws_account"]["prod"]["aws_acount_id"] = "123456789012"
    errors = _errors(doc)
    assert any("aws_acount_id" in e for e in errors), errors


def test_schema_rejects_an_unknown_table_and_a_bad_name() -> None:
    assert any("datadog_aws_acount" in e for e in _errors({"datadog_aws_acount": {}}))
    doc = tomllib.loads((EXAMPLES / "logs.toml").read_text())
    tables = doc["aws_logs_integration"]
    tables["has space"] = tables.pop("vended")  # a valid table under a name TOML allows
    errors = _errors(doc)
    assert any("has space" in e for e in errors), errors
