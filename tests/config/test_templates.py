"""Shared settings: [defaults.<kind>] and [templates.<name>], merged deeply (the resource
wins, lists replace), with every error pointed at the file and line that wrote the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.errors import ConfigError, ConfigErrors
from reconciler.registry import KINDS

SHARED = """
[defaults.datadog_aws_account]
auth_config = { role_name = "DatadogIntegrationRole" }
account_tags = ["managed-by:reconciler"]

[templates.prod]
metrics_config = { collect_custom_metrics = true, enabled = true }

[templates.eu]
template = "prod"
aws_regions = { include_only = ["eu-west-1"] }
"""


def _load(tmp_path: Path, text: str, *, explain: str | None = None) -> object:
    (tmp_path / "main.toml").write_text(text)
    return load_config(tmp_path, KINDS, env={}, explain=explain)


def _errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        _load(tmp_path, text)
    err = info.value
    return [str(e) for e in err.errors] if isinstance(err, ConfigErrors) else [str(err)]


def test_layers_merge_deeply_and_the_resource_wins(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        SHARED
        + """
[datadog_aws_account.payments]
template = "eu"
aws_account_id = "222222222222"
account_tags = ["team:payments"]
metrics_config = { enabled = false }
""",
    )
    spec = config.resources["datadog_aws_account.payments"].spec  # type: ignore[attr-defined]
    assert spec.auth_config.role_name == "DatadogIntegrationRole"  # defaults
    assert spec.account_tags == ["team:payments"]  # a list replaces, never concatenates
    assert spec.metrics_config.collect_custom_metrics is True  # template prod, through eu
    assert spec.metrics_config.enabled is False  # the resource wins inside a merged table
    assert spec.aws_regions.include_only == ["eu-west-1"]


def test_explain_names_where_each_value_came_from(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        SHARED + '\n[datadog_aws_account.p]\ntemplate = "eu"\naws_account_id = "222222222222"\n',
        explain="datadog_aws_account.p",
    )
    lines = config.explanation  # type: ignore[attr-defined]
    main = tmp_path / "main.toml"
    assert f'auth_config.role_name = "DatadogIntegrationRole"  # {main}:3 ([defaults.' in "\n".join(
        lines
    )
    assert any("collect_custom_metrics = true" in ln and "(template prod)" in ln for ln in lines)
    assert any(ln.startswith('aws_account_id = "222222222222"  # ') for ln in lines)
    # As written: the defaults' auth_config before their account_tags (not sorted by name).
    firsts = [ln.split(".")[0].split(" ")[0] for ln in lines]
    assert firsts.index("auth_config") < firsts.index("account_tags")


def test_an_error_in_a_template_names_it_once_per_resource_it_breaks(tmp_path: Path) -> None:
    text = "[templates.bad]\nmetrics_config = { colect_custom_metrics = true }\n" + "".join(
        f'\n[datadog_aws_account.a{i}]\ntemplate = "bad"\naws_account_id = "11111111111{i}"\n'
        'auth_config = { role_name = "R" }\n'
        for i in range(2)
    )
    errors = _errors(tmp_path, text)
    assert len(errors) == 2
    for i, error in enumerate(errors):
        assert error.startswith(f"{tmp_path / 'main.toml'}:2: datadog_aws_account.a{i}: ")
        assert "did you mean collect_custom_metrics?" in error
        assert "(from template bad)" in error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[datadog_aws_account.a]\ntemplate = "nope"\n', "unknown template 'nope'"),
        (
            '[templates.a]\ntemplate = "b"\n[templates.b]\ntemplate = "a"\n'
            '[datadog_aws_account.x]\ntemplate = "a"\n',
            "templates form a cycle: a -> b -> a",
        ),
        ("[defaults.datadog_acount]\nx = 1\n", "did you mean datadog_aws_account?"),
        ("[templates]\nt = 1\n", "[templates.t] must be a table"),
        (
            '[datadog_aws_account.a]\naws_account_id = "111111111111"\n'
            'auth_config = { role_name = "${env:ROLE}" }\n',
            "${env:...} is only read in secret fields",
        ),
    ],
)
def test_shared_settings_errors(tmp_path: Path, text: str, message: str) -> None:
    errors = _errors(tmp_path, text)
    assert any(message in e for e in errors), errors
    assert all(str(tmp_path / "main.toml") in e for e in errors), errors


def test_env_references_outside_secret_fields_are_refused_also_in_templates(
    tmp_path: Path,
) -> None:
    errors = _errors(
        tmp_path,
        '[templates.t]\naccount_tags = ["owner:${env:OWNER}"]\n'
        '[datadog_aws_account.a]\ntemplate = "t"\naws_account_id = "111111111111"\n'
        'auth_config = { role_name = "R" }\n',
    )
    (error,) = errors
    assert error.startswith(f"{tmp_path / 'main.toml'}:2: datadog_aws_account.a: account_tags[0]:")
    assert "(from template t)" in error


@pytest.mark.parametrize(
    "role",
    [
        '"\\u0024{env:ROLE}"',  # an escape for the $
        '"""$\\\n    {env:ROLE}"""',  # a line-ending backslash joins the lines
        "'${env:ROLE}'",  # a literal string
    ],
    ids=["escaped", "joined", "literal"],
)
def test_env_references_written_in_any_way_are_refused(tmp_path: Path, role: str) -> None:
    errors = _errors(
        tmp_path,
        f'[datadog_aws_account.a]\naws_account_id = "111111111111"\n'
        f"auth_config = {{ role_name = {role} }}\n",
    )
    (error,) = errors
    assert "${env:...} is only read in secret fields" in error
    assert "auth_config.role_name" in error


def test_one_of_tables_are_replaced_whole(tmp_path: Path) -> None:
    # include_all from a template and include_only from the resource: the resource's wins
    # whole (merged key by key, both would be set and the table refused).
    config = _load(
        tmp_path,
        "[templates.all]\naws_regions = { include_all = true }\n"
        '[datadog_aws_account.a]\ntemplate = "all"\naws_account_id = "111111111111"\n'
        'auth_config = { role_name = "R" }\naws_regions = { include_only = ["us-east-1"] }\n',
    )
    spec = config.resources["datadog_aws_account.a"].spec  # type: ignore[attr-defined]
    assert spec.aws_regions.include_only == ["us-east-1"]
    assert spec.aws_regions.include_all is None


def test_a_value_the_resource_writes_inside_a_template_table_is_the_resources(
    tmp_path: Path,
) -> None:
    errors = _errors(
        tmp_path,
        "[templates.t]\nmetrics_config = { collect_custom_metrics = true }\n"
        '[datadog_aws_account.a]\ntemplate = "t"\naws_account_id = "111111111111"\n'
        'auth_config = { role_name = "R" }\n'
        'metrics_config = { namespace_filters = { include_only = ["AWS/EC3"] } }\n',
    )
    (error,) = errors
    assert error.startswith(f"{tmp_path / 'main.toml'}:7: datadog_aws_account.a: ")
    assert "(from template" not in error


def test_broken_shared_settings_do_not_block_commands_that_read_only_the_settings(
    tmp_path: Path,
) -> None:
    # As a broken resource table: state commands and force-unlock need only [state].
    path = tmp_path / "main.toml"
    path.write_text('[state]\npath = "s.json"\n\n[defaults.no_such_kind]\nx = 1\n')
    assert load_config(path, KINDS, env={}, settings_only=True).settings.state.path == "s.json"
    with pytest.raises(ConfigError, match="unknown kind no_such_kind"):
        load_config(path, KINDS, env={})


def test_a_template_named_in_defaults_is_one_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "main.toml"
    accounts = "".join(
        f'[datadog_aws_account.a{i}]\naws_account_id = "11111111111{i}"\n' for i in range(3)
    )
    path.write_text(
        '[templates.t]\naccount_tags = ["x"]\n\n'
        '[defaults.datadog_aws_account]\ntemplate = "t"\n'
        'auth_config = { role_name = "R" }\n\n' + accounts
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, KINDS, env={})
    assert str(caught.value) == (
        f"{path}:5: [defaults.datadog_aws_account]: template cannot be set in defaults; put the "
        "shared values in the defaults themselves, or name the template on each resource"
    )
