"""JSON Schema of the TOML configuration, generated from the models, for editors that read
``#:schema`` (Taplo / Even Better TOML)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from reconciler.settings import AwsSettings, DatadogSettings, StateSettings

SCHEMA_ID = "https://reconciler.invalid/reconciler.schema.json"


def config_schema() -> dict[str, Any]:
    from reconciler.registry import KINDS

    settings: dict[str, type[BaseModel]] = {
        "datadog": DatadogSettings,
        "aws": AwsSettings,
        "state": StateSettings,
    }
    mode: Literal["validation"] = "validation"
    all_models: list[type[BaseModel]] = [*settings.values(), *(k.spec for k in KINDS.values())]
    models = [(m, mode) for m in all_models]
    refs, defs = models_json_schema(models, ref_template="#/$defs/{model}")
    properties: dict[str, Any] = {}
    for table, model in settings.items():
        properties[table] = {**refs[(model, "validation")], "description": f"[{table}] settings"}
    for name, kind in sorted(KINDS.items()):
        properties[name] = {
            "type": "object",
            "description": f"{name} resources, one table per name: [{name}.<name>]",
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_-]*$"},
            "additionalProperties": refs[(kind.spec, "validation")],
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "reconciler configuration",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs.get("$defs", {}),
    }
