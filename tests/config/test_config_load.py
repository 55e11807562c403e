from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from reconciler.config import load_config
from reconciler.errors import ConfigError, ConfigErrors
from reconciler.kinds.base import DiffRules, ResourceKind, ResourceSpec
from reconciler.secrets import EnvSecret, Secret

PASTED = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TagFilter(_Strict):
    namespace: str
    tags: list[str] = []


class Metrics(_Strict):
    enabled: bool = True
    tag_filters: list[TagFilter] = []


class RoleAuth(_Strict):
    role_name: str


class KeyAuth(_Strict):
    access_key_id: str
    secret_access_key: Secret


class AccountSpec(ResourceSpec):
    account_id: str = Field(pattern=r"^\d{12}$")
    partition: Literal["aws", "aws-cn", "aws-us-gov"] = "aws"
    tags: list[str] = []
    retention_days: int = 30
    auth: RoleAuth | KeyAuth
    metrics: Metrics = Metrics()
    api_secret: Secret | None = None

    @field_validator("tags")
    @classmethod
    def _no_empty(cls, v: list[str]) -> list[str]:
        if "" in v:
            raise ValueError("tags must not be empty strings")
        return v


class PipeSpec(ResourceSpec):
    integration_name: str
    region: str | None = None


class _FakeKind:
    rules: ClassVar[DiffRules] = DiffRules()
    write_concurrency: ClassVar[int] = 1
    one_per_scope: ClassVar[bool] = False

    def __init__(self, settings: Any) -> None:
        self.settings = settings


class AccountKind(_FakeKind):
    name: ClassVar[str] = "test_account"
    spec: ClassVar[type[ResourceSpec]] = AccountSpec


class PipeKind(_FakeKind):
    name: ClassVar[str] = "test_pipe"
    spec: ClassVar[type[ResourceSpec]] = PipeSpec


KINDS: dict[str, type[ResourceKind]] = {
    "test_account": AccountKind,  # type: ignore[dict-item]
    "test_pipe": PipeKind,  # type: ignore[dict-item]
}
ENV = {"API_SECRET": "s3cr3t-value", "AWS_SECRET": "another-secret"}


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def load_error(path: Path, env: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as exc:
        load_config(path, KINDS, env=ENV if env is None else env)
    return exc.value


GOOD = """
[datadog]
site = "datadoghq.eu"
timeout_seconds = 5

[aws]
region = "eu-west-1"

[state]
backend = "local"
path = "state/x.json"
lock_timeout_seconds = 1

[test_account.prod]
account_id = "123456789012"
tags = ["env:prod"]
auth = { role_name = "DatadogRole" }
api_secret = "${env:API_SECRET}"

[test_account.prod.metrics]
enabled = false

[[test_account.prod.metrics.tag_filters]]
namespace = "AWS/EC2"
tags = ["a:b"]

[test_pipe.vended]
integration_name = "vended-logs"
"""


def test_lines_are_found_only_when_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding lines reads the text again: a configuration that loads cleanly is not read
    for them until something (a later error) asks where a resource was written."""
    from reconciler.toml_source import LineIndex

    scans: list[str] = []
    scan = LineIndex._scan

    def counted(self: LineIndex, text: str) -> None:
        scans.append(text)
        scan(self, text)

    monkeypatch.setattr(LineIndex, "_scan", counted)
    f = write(tmp_path / "main.toml", GOOD)
    config = load_config(f, KINDS, env=ENV)
    assert scans == []
    assert str(config.resources["test_account.prod"].source) == f"{f}:13"
    assert len(scans) == 1
    assert config.resources["test_pipe.vended"].source.line == 26
    assert len(scans) == 1  # once per file


@pytest.mark.parametrize("comment", ["# plain", "# café"], ids=["ascii", "not-ascii"])
def test_a_configuration_with_errors_is_read_again_only_if_its_keys_came_sorted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, comment: str
) -> None:
    """The fast parser (ASCII text only) gives keys sorted, so a configuration with errors it
    read is read again as written, for the messages' order; one tomli read is not."""
    from reconciler import config, toml_text

    loads: list[bool] = []
    load = config._load

    def counted(*args: Any, **kwargs: Any) -> Any:
        loads.append(kwargs["document_order"])
        return load(*args, **kwargs)

    monkeypatch.setattr(config, "_load", counted)
    f = write(tmp_path / "main.toml", f"{comment}\n" + GOOD.replace("[state]", "[stat]"))
    with pytest.raises((ConfigError, ConfigErrors)):
        load_config(f, KINDS, env=ENV)
    fast = toml_text.fast_reads(comment)
    assert loads == ([False, True] if fast else [True])


def test_single_file_loads_settings_and_resources(tmp_path: Path) -> None:
    f = write(tmp_path / "main.toml", GOOD)
    config = load_config(f, KINDS, env=ENV)

    assert config.settings.datadog.site == "datadoghq.eu"
    assert config.settings.datadog.timeout_seconds == 5
    assert config.settings.aws.region == "eu-west-1"
    assert config.settings.state.path == "state/x.json"
    assert config.settings.state.lock_timeout_seconds == 1
    assert list(config.resources) == ["test_account.prod", "test_pipe.vended"]
    prod = config.resources["test_account.prod"]
    assert prod.kind == "test_account" and prod.name == "prod"
    assert prod.source.file == str(f) and prod.source.line == 13
    assert config.resources["test_pipe.vended"].source.line == 26
    spec = prod.spec
    assert isinstance(spec, AccountSpec)
    assert spec.metrics.enabled is False
    assert spec.metrics.tag_filters == [TagFilter(namespace="AWS/EC2", tags=["a:b"])]
    assert isinstance(spec.api_secret, EnvSecret)
    assert spec.api_secret.value.get_secret_value() == "s3cr3t-value"
    assert config.files == [str(f)]
    expected = hashlib.sha256()
    data = f.read_bytes()
    expected.update(len(b"main.toml").to_bytes(8, "big") + b"main.toml")
    expected.update(len(data).to_bytes(8, "big") + data)
    assert config.digest == "sha256:" + expected.hexdigest()


def test_settings_default_when_tables_absent(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", '[test_pipe.x]\nintegration_name = "x"\n')
    config = load_config(f, KINDS, env={})
    assert config.settings.state.backend == "local"
    assert config.settings.datadog.site is None


def test_directory_is_one_configuration_sorted(tmp_path: Path) -> None:
    write(tmp_path / "b.toml", '[test_pipe.b]\nintegration_name = "b"\n')
    write(
        tmp_path / "a.toml",
        '[datadog]\nsite = "datadoghq.com"\n[test_pipe.z]\nintegration_name = "z"\n',
    )
    write(tmp_path / "notes.txt", "[not toml")
    sub = tmp_path / "sub"
    sub.mkdir()
    write(sub / "c.toml", '[test_pipe.c]\nintegration_name = "c"\n')

    config = load_config(tmp_path, KINDS, env={})
    assert config.files == [str(tmp_path / "a.toml"), str(tmp_path / "b.toml")]
    assert list(config.resources) == ["test_pipe.b", "test_pipe.z"]
    assert config.settings.datadog.site == "datadoghq.com"
    assert config.resources["test_pipe.b"].source.file == str(tmp_path / "b.toml")


def test_digest_changes_with_content_and_name(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", '[test_pipe.x]\nintegration_name = "x"\n')
    first = load_config(f, KINDS, env={}).digest
    assert load_config(f, KINDS, env={}).digest == first
    write(f, '[test_pipe.x]\nintegration_name = "y"\n')
    second = load_config(f, KINDS, env={}).digest
    assert second != first
    renamed = f.rename(tmp_path / "b.toml")
    assert load_config(renamed, KINDS, env={}).digest != second


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    err = load_error(tmp_path / "nope.toml")
    assert str(err) == f"{tmp_path / 'nope.toml'}: no such file or directory"
    empty = tmp_path / "empty"
    empty.mkdir()
    err = load_error(empty)
    assert "no *.toml files" in str(err) and str(empty) in str(err)


def test_duplicate_address_across_files_names_both(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", '[test_pipe.x]\nintegration_name = "x"\n')
    write(tmp_path / "b.toml", '# comment\n\n[test_pipe.x]\nintegration_name = "y"\n')
    err = load_error(tmp_path)
    assert err.address == "test_pipe.x"
    assert err.file == str(tmp_path / "b.toml") and err.line == 3
    assert f"{tmp_path / 'a.toml'}:1" in err.message
    assert f"{tmp_path / 'b.toml'}:3" in err.message


def test_settings_table_in_two_files(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", '[aws]\nregion = "us-east-1"\n')
    (tmp_path / "b.toml").write_text('\n[aws]\nregion = "eu-west-1"\n')
    err = load_error(tmp_path)
    assert "[aws] is defined more than once" in err.message
    assert str(tmp_path / "a.toml") in err.message and str(tmp_path / "b.toml") in err.message
    assert err.line == 2


def test_unknown_table_suggests(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", '[test_acount.prod]\naccount_id = "1"\n')
    err = load_error(f)
    assert str(err) == f"{f}:1: unknown table test_acount; did you mean test_account?"
    f = write(tmp_path / "a.toml", '[datdog]\nsite = "x"\n')
    assert "did you mean datadog?" in load_error(f).message
    f = write(tmp_path / "a.toml", "[zzzzzz]\n")
    assert load_error(f).message == (
        "unknown table zzzzzz; expected one of: aws, datadog, defaults, moved, state, "
        "templates, test_account, test_pipe"
    )


def test_unknown_key_suggests_at_its_line(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.toml",
        """
        [test_account.prod]
        account_id = "123456789012"
        auth = { role_name = "r" }

        [test_account.prod.metrics]
        enabeld = true
        """,
    )
    err = load_error(f)
    assert err.field == "metrics.enabeld" and err.line == 6
    assert str(err) == (
        f"{f}:6: test_account.prod: metrics.enabeld: unknown key enabeld; did you mean enabled?"
    )


def test_unknown_key_lists_valid_keys_when_nothing_close(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", '[test_pipe.x]\nintegration_name = "x"\nqqqq = 1\n')
    err = load_error(f)
    assert err.message == ("unknown key qqqq; expected one of: integration_name, lifecycle, region")
    assert err.line == 3


def test_unknown_key_in_settings(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", '[state]\nbackend = "local"\nlock_timeout = 3\n')
    err = load_error(f)
    assert err.field == "state.lock_timeout" and err.line == 3 and err.address is None
    assert "did you mean lock_timeout_seconds?" in err.message


def test_wrong_type(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", "[test_pipe.x]\nintegration_name = 123\n")
    err = load_error(f)
    assert err.message == "expected a string, got 123"
    assert err.field == "integration_name" and err.line == 2
    f = write(
        tmp_path / "a.toml",
        '[test_account.p]\naccount_id = "123456789012"\nauth = {role_name = "r"}\n'
        'retention_days = "thirty"\npartition = "mars"\n',
    )
    with pytest.raises(ConfigErrors) as exc:
        load_config(f, KINDS, env=ENV)
    messages = {e.field: (e.message, e.line) for e in exc.value.errors}
    assert messages["retention_days"] == ('expected an integer, got "thirty"', 4)
    assert messages["partition"] == ("expected 'aws', 'aws-cn' or 'aws-us-gov', got \"mars\"", 5)


def test_missing_required_points_at_header(tmp_path: Path) -> None:
    f = tmp_path / "a.toml"
    f.write_text('\n\n[test_pipe.x]\nregion = "eu-west-1"\n')
    err = load_error(f)
    assert str(err) == f"{f}:3: test_pipe.x: integration_name: required"


def test_validator_text_without_prefix(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.toml",
        '[test_account.p]\naccount_id = "123456789012"\nauth = {role_name = "r"}\ntags = [""]\n',
    )
    err = load_error(f)
    assert err.message == "tags must not be empty strings" and err.line == 4
    f = write(tmp_path / "a.toml", '[datadog]\nsite = "datadoghq.con"\n')
    err = load_error(f)
    assert err.field == "datadog.site"
    assert err.message.startswith("unknown Datadog site 'datadoghq.con'")


def test_union_errors_reported_once_per_problem(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.toml",
        '[test_account.p]\naccount_id = "123456789012"\nauth = { role_nme = "r" }\n',
    )
    with pytest.raises(ConfigErrors) as exc:
        load_config(f, KINDS, env=ENV)
    got = sorted((e.field or "", e.message) for e in exc.value.errors)
    assert got == [
        ("auth.role_name", "required"),
        ("auth.role_nme", "unknown key role_nme; did you mean role_name?"),
    ]
    f = write(tmp_path / "a.toml", '[test_account.p]\naccount_id = "123456789012"\nauth = 5\n')
    err = load_error(f)
    assert (err.field, err.message) == ("auth", "expected a table")


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", '[test_pipe.x]\nintegration_name = "x"\nregion = \n')
    err = load_error(f)
    assert err.file == str(f) and err.line == 3
    assert str(err).startswith(f"{f}:3: invalid TOML: ")
    assert "at line" not in err.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[test_pipe.x]\nintegration_name = "x"\ntags = { a = "1", }\n', 3),  # trailing comma
        ('[test_pipe.x]\ntags = { a = "1",\n  b = "2" }\n', 2),  # a newline in an inline table
        ('[test_pipe.x]\nintegration_name = "\\e"\n', 2),  # the \\e escape
    ],
)
def test_toml_1_1_syntax_is_refused(tmp_path: Path, text: str, line: int) -> None:
    # The configuration is TOML 1.0: what only TOML 1.1 allows is an error, with its line.
    err = load_error(write(tmp_path / "a.toml", text))
    assert err.line == line and err.message.startswith("invalid TOML: "), err


def test_duplicate_key_in_one_file_is_a_toml_error(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", "[test_pipe.x]\n[test_pipe.x]\n")
    err = load_error(f)
    assert err.line == 2 and "invalid TOML" in err.message


def test_missing_env_var_for_secret_names_variable(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.toml",
        '[test_account.p]\naccount_id = "123456789012"\nauth = {role_name = "r"}\n'
        'api_secret = "${env:NOT_SET_HERE}"\n',
    )
    err = load_error(f, env={"OTHER": "x"})
    assert err.message == "environment variable NOT_SET_HERE is not set"
    assert err.field == "api_secret" and err.line == 4


def test_secret_literal_refused_and_never_echoed(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.toml",
        f"""
        [test_account.p]
        account_id = "123456789012"
        api_secret = "{PASTED}"
        auth = {{ access_key_id = "AKIAEXAMPLE", secret_access_key = "{PASTED}" }}
        """,
    )
    with pytest.raises(ConfigErrors) as exc:
        load_config(f, KINDS, env=ENV)
    text = str(exc.value)
    assert PASTED not in text
    assert PASTED not in repr(exc.value.errors)
    fields = {e.field: e.message for e in exc.value.errors}
    expected = "secrets must be written as ${env:NAME}, not as a literal value"
    assert fields["api_secret"] == expected
    assert fields["auth.secret_access_key"] == expected


def test_secret_of_wrong_type_not_echoed(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.toml",
        '[test_account.p]\naccount_id = "123456789012"\nauth = {role_name = "r"}\n'
        "api_secret = 987654321987\n",
    )
    err = load_error(f)
    assert "987654321987" not in str(err)
    assert err.field == "api_secret"


def test_invalid_resource_name(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", '[test_pipe."9 lives"]\nintegration_name = "x"\n')
    err = load_error(f)
    assert err.address == "test_pipe.9 lives" and err.line == 1
    assert "invalid resource name" in err.message


def test_resource_name_with_a_trailing_newline_is_invalid(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", '[test_pipe."web\\n"]\nintegration_name = "x"\n')
    err = load_error(f)
    assert err.address == "test_pipe.web\n" and err.line == 1
    assert "invalid resource name 'web\\n'" in err.message


def test_errors_collected_across_files_sorted(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", "[test_pipe.a]\n")
    write(tmp_path / "b.toml", "[test_pipe.b]\nintegration_name = \n")
    write(tmp_path / "c.toml", "[bogus]\n")
    with pytest.raises(ConfigErrors) as exc:
        load_config(tmp_path, KINDS, env={})
    lines = str(exc.value).splitlines()
    assert len(lines) == 3
    assert lines[0] == f"{tmp_path / 'a.toml'}:1: test_pipe.a: integration_name: required"
    assert lines[1].startswith(f"{tmp_path / 'b.toml'}:2: invalid TOML")
    assert lines[2].startswith(f"{tmp_path / 'c.toml'}:1: unknown table bogus")


def test_top_level_value_and_non_table_resource(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", 'name = "x"\n[test_pipe]\nx = 1\n')
    with pytest.raises(ConfigErrors) as exc:
        load_config(f, KINDS, env={})
    got = [(e.line, e.message) for e in exc.value.errors]
    assert got[0][0] == 1 and got[0][1].startswith("unknown top-level key name")
    assert got[1] == (3, "must be a table [test_pipe.x]")


def test_dotted_keys_and_array_of_tables_lines(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.toml",
        """
        [test_account.p]
        account_id = "123456789012"
        auth.role_name = "r"

        [[test_account.p.metrics.tag_filters]]
        namespace = "AWS/EC2"

        [[test_account.p.metrics.tag_filters]]
        namespace = "AWS/S3"
        tagz = ["x"]
        """,
    )
    err = load_error(f)
    assert err.field == "metrics.tag_filters[1].tagz"
    assert err.line == 10
    assert "did you mean tags?" in err.message


def test_s3_state_needs_bucket_and_key(tmp_path: Path) -> None:
    f = write(tmp_path / "a.toml", '[state]\nbackend = "s3"\nbucket = "b"\n')
    err = load_error(f)
    assert str(err) == f"{f}:1: state.key: required for the s3 backend"
    f = write(
        tmp_path / "a.toml", '[state]\nbackend = "s3"\nbucket = "b"\nkey = "k"\nregion = "x"\n'
    )
    assert load_config(f, KINDS, env={}).settings.state.key == "k"


def test_value_given_for_a_table_holding_a_secret_not_echoed(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.toml",
        f'[test_account.p]\naccount_id = "123456789012"\nauth = "{PASTED}"\n',
    )
    err = load_error(f)
    assert err.field == "auth" and err.message == "expected a table"
    assert PASTED not in str(err)


def test_env_defaults_to_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = write(
        tmp_path / "a.toml",
        '[test_account.p]\naccount_id = "123456789012"\nauth = {role_name = "r"}\n'
        'api_secret = "${env:RECONCILER_TEST_SECRET}"\n',
    )
    monkeypatch.setenv("RECONCILER_TEST_SECRET", "from-process-env")
    spec = load_config(f, KINDS).resources["test_account.p"].spec
    assert isinstance(spec, AccountSpec) and spec.api_secret is not None
    assert spec.api_secret.value.get_secret_value() == "from-process-env"
    monkeypatch.setenv("RECONCILER_TEST_SECRET", "")
    with pytest.raises(ConfigError, match="environment variable RECONCILER_TEST_SECRET is empty"):
        load_config(f, KINDS)
