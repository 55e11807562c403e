"""Outputs: the values a user must copy elsewhere, as recorded in the state.

First of them: a role-based ``datadog_aws_account``'s ``external_id``. Datadog generates it
when the account is created (unless the TOML pins one), and the IAM role Datadog assumes must
name it in its trust policy (``sts:ExternalId``), so it has to be copied from reconciler into
the role's definition. Every address also has its ``id`` (the remote id: Datadog's config
UUID, the CloudWatch Logs integration's name).

Outputs are read from the state only (no API call, no credentials): a value the state does not
hold is reported as not recorded, never guessed. Where a value is looked for, in order:

1. ``outputs`` of the address's state entry: what the applier recorded from the live object
   after the last create or update (``collect`` picks those values from the observed object);
2. the last-applied values, when the TOML pins the value itself (``auth_config.external_id``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler import paths
from reconciler.errors import StateError
from reconciler.printable import printable
from reconciler.redact import redact
from reconciler.state.base import ResourceState, State

# Per kind: output name -> dotted path in the object's values.
OUTPUTS: dict[str, dict[str, str]] = {
    "datadog_aws_account": {"external_id": "auth_config.external_id"},
}
NOT_RECORDED = "(not recorded in the state)"


@dataclass(frozen=True)
class Output:
    address: str
    name: str
    value: str | None  # None: not recorded


def _at(values: Mapping[str, Any], path: str) -> Any:
    return paths.get(values, paths.parse_path(path))


def collect(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs of a live object (its normalised values), for the applier to record in the
    state entry after a create or update."""
    out: dict[str, Any] = {}
    for name, path in OUTPUTS.get(kind, {}).items():
        value = _at(values, path)
        if value is not None:
            out[name] = value
    return out


def _applies(resource: ResourceState, name: str) -> bool:
    # external_id only means something for role-based auth (access keys have none).
    if resource.kind == "datadog_aws_account" and name == "external_id":
        return isinstance(_at(resource.last_applied, "auth_config.role_name"), str)
    return True


def _of(address: str, resource: ResourceState) -> list[Output]:
    found = [Output(address, "id", resource.remote_id)]
    recorded = resource.outputs  # {} in entries written before outputs were recorded
    for name, path in OUTPUTS.get(resource.kind, {}).items():
        if not _applies(resource, name):
            continue
        value = recorded.get(name)
        if value is None:
            value = _at(resource.last_applied, path)
        found.append(Output(address, name, None if value is None else str(value)))
    return found


def outputs(state: State | None, address: str | None = None) -> list[Output]:
    """Every output of ``address`` (or of every address), sorted by address."""
    if state is None:
        raise StateError("there is no state yet: nothing has been applied")
    if address is not None:
        if address not in state.resources:
            raise StateError(f"no {address} in the state")
        return _of(address, state.resources[address])
    return [o for a in sorted(state.resources) for o in _of(a, state.resources[a])]


def require(found: list[Output]) -> None:
    """For ``output ADDRESS``: a value asked for by name that the state does not hold is an
    error naming it, not an empty line a script would copy."""
    for o in found:
        if o.value is None:
            raise StateError(
                f"{o.name} is not recorded in the state; apply records it from the live object "
                "(or pin it in the TOML)",
                address=o.address,
            )


def render(found: list[Output], *, as_json: bool) -> str:
    """``--json``: ``{address: {name: value or null}}``. Otherwise one block per address:
    ``address`` then ``  name = "value"`` lines, aligned."""
    by_address: dict[str, dict[str, str | None]] = {}
    for o in found:
        by_address.setdefault(o.address, {})[o.name] = None if o.value is None else redact(o.value)
    if as_json:
        return json.dumps(by_address, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    lines: list[str] = []
    for address, values in by_address.items():
        lines.append(printable(address))
        width = max(len(name) for name in values)
        for name, value in values.items():
            shown = NOT_RECORDED if value is None else json.dumps(printable(value))
            lines.append(f"  {name.ljust(width)} = {shown}")
    return "".join(line + "\n" for line in lines)


def show(state: State | None, address: str | None, *, as_json: bool) -> str:
    """The body of ``reconciler output [ADDRESS] [--json]``: the text for stdout, or a
    ``StateError`` (one line, exit 1)."""
    found = outputs(state, address)
    if address is not None:
        require(found)
    return render(found, as_json=as_json)
