"""Loading the TOML configuration: files -> ``Config`` (settings + desired resources).

Every problem found in any file is collected and raised at once, each as a ``ConfigError``
naming file, line, address and field. Messages never include the value of a secret field.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler import config_files, env_references, gc_pace, templates, toml_text
from reconciler import moves as moves_module
from reconciler.config_files import Parsed, Source
from reconciler.desired import Config, DesiredResource, Move, SourceLocation
from reconciler.errors import ConfigError, ConfigErrors, raise_all
from reconciler.kinds.base import ResourceKind
from reconciler.secrets import MissingEnvironment
from reconciler.settings import AwsSettings, DatadogSettings, Settings, StateSettings
from reconciler.suggest import hint
from reconciler.validation_errors import convert_errors

SETTINGS_TABLES: dict[str, type[BaseModel]] = {
    "datadog": DatadogSettings,
    "aws": AwsSettings,
    "state": StateSettings,
}
RESOURCE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # full match: $ would allow a final \n


@gc_pace.paused()
def load_config(
    path: Path,
    kinds: Mapping[str, type[ResourceKind]],
    env: Mapping[str, str] | None = None,
    *,
    settings_only: bool = False,
    secrets_optional: bool = False,
    explain: str | None = None,
) -> Config:
    """Load the configuration at ``path``. With ``settings_only``, resource tables are not
    validated (no secret needs to be set): for commands that only need the state backend.
    With ``secrets_optional`` (validate), an unset ``${env:NAME}`` is listed in
    ``Config.missing_env`` instead of being an error. With ``explain`` (an address),
    ``Config.explanation`` says where each of its values came from."""
    sources = config_files.read_sources(path)
    load = functools.partial(
        _load,
        sources,
        kinds,
        env,
        settings_only=settings_only,
        secrets_optional=secrets_optional,
        explain=explain,
    )
    # The fast parser gives keys sorted, and a message may follow the keys' order (which of
    # two tables it names first): a configuration with errors that it read is read again as
    # written, for messages as tomli's order gives them. ``--explain`` lists values as written.
    sorted_keys = explain is None and any(toml_text.fast_reads(s.data) for s in sources)
    if not sorted_keys:
        return load(document_order=True)
    try:
        return load(document_order=False)
    except (ConfigError, ConfigErrors):
        return load(document_order=True)


def _load(
    sources: list[Source],
    kinds: Mapping[str, type[ResourceKind]],
    env: Mapping[str, str] | None,
    *,
    settings_only: bool,
    secrets_optional: bool,
    explain: str | None,
    document_order: bool,
) -> Config:
    environment: Mapping[str, str] = os.environ if env is None else env
    lenient = MissingEnvironment(environment) if secrets_optional else None
    if lenient is not None:
        environment = lenient
    errors: list[ConfigError] = []
    parsed: list[Parsed] = []
    for source in sources:
        item = config_files.parse(source, errors, document_order=document_order)
        if item is not None:
            parsed.append(item)

    settings_tables: dict[str, tuple[Parsed, dict[str, Any]]] = {}
    resources: dict[str, DesiredResource] = {}
    moves: list[Move] = []
    layers = templates.Layers()
    declared: list[tuple[Parsed, str, str, Any]] = []
    explanation: list[str] = []
    for item in parsed:
        for key, value in item.doc.items():
            if key in SETTINGS_TABLES:
                if not isinstance(value, dict):
                    errors.append(ConfigError(f"[{key}] must be a table", **_where(item, (key,))))
                elif key in settings_tables:
                    first = settings_tables[key][0]
                    first_at = _at(first, (key,))
                    errors.append(
                        ConfigError(
                            f"[{key}] is defined more than once: first in {first_at}, "
                            f"again in {_at(item, (key,))}",
                            **_where(item, (key,)),
                        )
                    )
                else:
                    settings_tables[key] = (item, value)
            elif key == moves_module.TABLE:
                if settings_only:
                    continue
                found, problems = moves_module.parse_moves(
                    value,
                    kinds,
                    item.source.display,
                    lambda i, item=item: item.index.line((moves_module.TABLE, i)),
                )
                moves.extend(found)
                errors.extend(problems)
            elif key in (templates.DEFAULTS, templates.TEMPLATES):
                if settings_only:
                    continue  # as resource tables: state commands need only the settings
                templates.gather(key, value, item.source.display, item.index, kinds, layers, errors)
            elif key in kinds:
                if settings_only:
                    continue
                if not isinstance(value, dict):
                    errors.append(
                        ConfigError(
                            f"[{key}] must hold tables [{key}.<name>]", **_where(item, (key,))
                        )
                    )
                    continue
                declared.extend((item, key, name, table) for name, table in value.items())
            else:
                valid = [
                    *kinds,
                    *SETTINGS_TABLES,
                    moves_module.TABLE,
                    templates.DEFAULTS,
                    templates.TEMPLATES,
                ]
                what = "table" if isinstance(value, dict) else "top-level key"
                errors.append(
                    ConfigError(f"unknown {what} {key}{hint(key, valid)}", **_where(item, (key,)))
                )

    # Resources last: defaults and templates may be written in any file, in any order.
    env_written = any(env_references.may_hold(item.source.data) for item in parsed)
    for item, key, name, table in declared:
        explained = _load_resource(
            item,
            key,
            name,
            table,
            kinds[key],
            environment,
            resources,
            errors,
            layers,
            explain,
            env_written=env_written,
        )
        if explained is not None:
            explanation = explained
    settings = _load_settings(settings_tables, errors)
    if not settings_only:
        errors.extend(moves_module.check_moves(moves, resources))
    raise_all(errors)
    assert settings is not None
    return Config(
        settings=settings,
        resources=dict(sorted(resources.items())),
        moves=moves,
        defaults={kind: table for kind, (table, _) in layers.defaults.items()},
        files=[s.display for s in sources],
        digest=config_files.digest(sources),
        missing_env=sorted(lenient.missing) if lenient is not None else [],
        explanation=explanation,
    )


def _where(item: Parsed, path: tuple[str, ...], address: str | None = None) -> dict[str, Any]:
    return {**item.index.at(item.source.display, path), "address": address}


def _at(item: Parsed, path: tuple[str, ...]) -> str:
    line = item.index.line(path)
    return f"{item.source.display}:{line}" if line else item.source.display


def _load_resource(
    item: Parsed,
    kind: str,
    name: str,
    table: Any,
    kind_class: type[ResourceKind],
    env: Mapping[str, str],
    resources: dict[str, DesiredResource],
    errors: list[ConfigError],
    layers: templates.Layers,
    explain: str | None = None,
    env_written: bool = True,
) -> list[str] | None:
    """Validate one resource table (defaults and templates merged in) into ``resources``.
    Returns the explanation of its values when ``explain`` names it. ``env_written``: some
    file may hold ``${env:`` (``env_references.may_hold``)."""
    address = f"{kind}.{name}"
    if not RESOURCE_NAME.fullmatch(name):
        errors.append(
            ConfigError(
                f"invalid resource name {name!r}: use letters, digits, '_' and '-', "
                "starting with a letter or '_'",
                **_where(item, (kind, name), address),
            )
        )
        return None
    if not isinstance(table, dict):
        errors.append(
            ConfigError(f"must be a table [{address}]", **_where(item, (kind, name), address))
        )
        return None
    if address in resources:
        first = resources[address].source
        errors.append(
            ConfigError(
                f"duplicate resource: first defined in {first}, again in {_at(item, (kind, name))}",
                **_where(item, (kind, name), address),
            )
        )
        return None
    own = templates.Origin(item.source.display, item.index, (kind, name), "")
    try:
        resolved = templates.resolve(
            kind, table, own, layers, templates.whole_tables(kind_class.spec)
        )
    except ConfigError as err:
        errors.append(ConfigError(err.message, **_where(item, (kind, name), address)))
        return None
    if env_written:
        errors.extend(env_references.outside_secrets(resolved, kind_class, own, address))
    try:
        spec = kind_class.spec.model_validate(resolved.table, context={"env": env})
    except ValidationError as exc:
        found = convert_errors(
            exc,
            kind_class.spec,
            file=item.source.display,
            index=item.index,
            base=(kind, name),
            address=address,
        )
        errors.extend(templates.locate(e, resolved) for e in found)
        return None
    resources[address] = DesiredResource(
        address=address,
        kind=kind,
        name=name,
        spec=spec,
        source=SourceLocation(
            item.source.display, lookup=functools.partial(item.index.line, (kind, name))
        ),
    )
    return templates.explain(resolved, own) if explain == address else None


def _load_settings(
    tables: dict[str, tuple[Parsed, dict[str, Any]]], errors: list[ConfigError]
) -> Settings | None:
    values: dict[str, BaseModel] = {}
    failed = False
    for key, (item, table) in tables.items():
        model = SETTINGS_TABLES[key]
        try:
            values[key] = model.model_validate(table)
        except ValidationError as exc:
            failed = True
            errors.extend(
                convert_errors(
                    exc,
                    model,
                    file=item.source.display,
                    index=item.index,
                    base=(key,),
                    field_prefix=key,
                )
            )
    if failed:
        return None
    settings = Settings.model_validate(values)
    if settings.state.backend == "s3" and "state" in tables:
        item, _ = tables["state"]
        for key in ("bucket", "key"):
            if not getattr(settings.state, key):
                errors.append(
                    ConfigError(
                        "required for the s3 backend",
                        file=item.source.display,
                        line=item.index.line(("state",)),
                        field=f"state.{key}",
                    )
                )
    return settings
