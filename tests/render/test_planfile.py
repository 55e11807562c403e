from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from reconciler.errors import PlanError
from reconciler.model import Plan
from reconciler.planfile import (
    PlanFile,
    load_plan,
    load_plan_with_digest,
    plan_file_digest,
    save_plan,
)
from tests.render.plans import SECRET_DIGEST

KEY = "0f" * 32


def _plan_file(plan: Plan, **extra: object) -> PlanFile:
    return PlanFile(
        config_path="config/prod.toml",
        plan=plan,
        secrets={
            "datadog_aws_account.legacy": {"auth_config.secret_access_key": "${env:LEGACY_SECRET}"}
        },
        **extra,
    )


def test_round_trip(tmp_path: Path, plan: Plan) -> None:
    pf = _plan_file(plan, pending_digest_key=KEY)
    path = tmp_path / "plan.json"
    digest = save_plan(path, pf)
    data = path.read_bytes()
    assert digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert plan_file_digest(path) == digest
    loaded, loaded_digest = load_plan_with_digest(path)
    assert loaded == pf
    assert loaded_digest == digest
    assert load_plan(path).plan == plan
    assert loaded.format == "reconciler-plan" and loaded.version == 1
    assert loaded.created_by.startswith("reconciler ")
    assert loaded.pending_digest_key == KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # recognisable from its first bytes
    assert data.startswith(b'{\n  "format": "reconciler-plan"')


def test_same_plan_same_bytes(tmp_path: Path, plan: Plan) -> None:
    a = save_plan(tmp_path / "a.json", _plan_file(plan))
    b = save_plan(tmp_path / "b.json", _plan_file(plan))
    assert a == b


def test_overwrite_is_atomic_and_leaves_no_temp_files(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "plan.json"
    path.write_text("old")
    path.chmod(0o644)
    save_plan(path, _plan_file(plan))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_secret_holds_digests_and_references_only(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "plan.json"
    save_plan(path, _plan_file(plan))
    text = path.read_text()
    assert "${env:LEGACY_SECRET}" in text
    assert SECRET_DIGEST in text  # the digest, so apply can tell whether the secret moved


def test_literal_secret_is_refused_without_echo() -> None:
    with pytest.raises(ValidationError) as info:
        PlanFile(
            config_path="c.toml",
            plan=Plan(),
            secrets={"datadog_aws_account.x": {"auth_config.secret_access_key": "hunter2secret"}},
        )
    assert "must be an ${env:NAME} reference" in str(info.value)
    errors = info.value.errors(include_input=False)
    assert "hunter2secret" not in json.dumps(errors, default=str)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="plan file not found") as info:
        load_plan(tmp_path / "nope.json")
    assert info.value.file == str(tmp_path / "nope.json")
    with pytest.raises(PlanError, match="plan file not found"):
        plan_file_digest(tmp_path / "nope.json")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="not a plan file"):
        load_plan(tmp_path)


def test_corrupt_and_truncated(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "plan.json"
    save_plan(path, _plan_file(plan))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(PlanError, match="invalid JSON at line"):
        load_plan(path)
    path.write_bytes(b"\xff\xfe garbage")
    with pytest.raises(PlanError, match="not UTF-8"):
        load_plan(path)


def test_other_format(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "resource_changes": []}))
    with pytest.raises(PlanError, match='no "format": "reconciler-plan"'):
        load_plan(path)
    path.write_text("[1, 2]")
    with pytest.raises(PlanError, match="not a plan file"):
        load_plan(path)


def test_other_version(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "plan.json"
    doc = json.loads(_plan_file(plan).model_dump_json())
    doc["version"] = 2
    path.write_text(json.dumps(doc))
    with pytest.raises(PlanError, match="plan file version 2 is not supported"):
        load_plan(path)
    doc["plan"]["format_version"] = "9.0"
    doc["version"] = 1
    path.write_text(json.dumps(doc))
    with pytest.raises(PlanError, match=r"plan format 9\.0 is not supported"):
        load_plan(path)


def test_invalid_content_names_the_place_not_the_value(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "plan.json"
    doc = json.loads(_plan_file(plan).model_dump_json())
    doc["plan"]["changes"][0]["action"] = "explode-s3cr3t"
    doc["secrets"]["datadog_aws_account.legacy"]["auth_config.secret_access_key"] = "pa55word"
    path.write_text(json.dumps(doc))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    message = str(info.value)
    assert message.startswith(f"{path}: corrupt plan file: ")
    assert "plan.changes.0.action" in message
    assert "(and 1 more problem)" in message
    assert "s3cr3t" not in message and "pa55word" not in message
    assert "\n" not in message


def test_bad_pending_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        PlanFile(config_path="c", plan=Plan(), pending_digest_key="not-hex")
    pf = PlanFile(config_path="c", plan=Plan()).model_copy(update={"pending_digest_key": "zz"})
    with pytest.raises(PlanError, match="refusing to write the plan file: pending_digest_key"):
        save_plan(tmp_path / "p.json", pf)
    assert not (tmp_path / "p.json").exists()


def test_unwritable_directory(tmp_path: Path, plan: Plan) -> None:
    with pytest.raises(PlanError, match="cannot write the plan file"):
        save_plan(tmp_path / "missing" / "plan.json", _plan_file(plan))
