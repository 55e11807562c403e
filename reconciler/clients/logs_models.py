"""Typed models of the four CloudWatch Logs integration responses, after botocore's shapes
(``specs/cloudwatch-logs-integrations.shapes.json``), and the check of a raw 2xx body.

botocore parses a body itself and silently drops what it does not know: a 200 whose body is
``{"__type": "AccessDeniedException"}`` or not JSON at all would read as "no integrations".
So the transport (``logs_transport``) hands every raw 2xx body to ``check_body`` before botocore
sees it, and the client checks botocore's parsed result against the same models (a Stubber
answers without a body).

What the reconciler keys on is required even where the shape leaves it optional (an
integration without ``integrationName`` cannot be named, so it cannot be planned). Enums are
not enforced: a status added to the API later must not make every listing fail (the kind
treats an unknown status as pending). Members the shapes do not name are allowed.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reconciler.clients.answer import problem

# IntegrationName: min 1, max 50 (the pattern is left to the API: names are only echoed).
Name = Field(min_length=1, max_length=50)


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


class IntegrationSummary(_Model):
    integrationName: str = Name
    integrationType: str | None = None
    integrationStatus: str | None = None


class ListIntegrationsResponse(_Model):
    # Absent is valid: "{}" is how the API says "none".
    integrationSummaries: list[IntegrationSummary] = []


class ResourceStatus(_Model):
    status: str | None = None
    statusMessage: str | None = None


class Component(_Model):
    status: ResourceStatus | None = None


class IntegrationDetails(_Model):
    # A union: botocore turns an unknown member into SDK_UNKNOWN_MEMBER (allowed as extra).
    openSearchIntegrationDetails: dict[str, Component] | None = None


class GetIntegrationResponse(_Model):
    integrationName: str = Name
    integrationType: str | None = None
    integrationStatus: str | None = None
    integrationDetails: IntegrationDetails | None = None


class PutIntegrationResponse(_Model):
    integrationName: str = Name
    integrationStatus: str | None = None


class DeleteIntegrationResponse(_Model):
    pass


RESPONSES: dict[str, type[_Model]] = {
    "ListIntegrations": ListIntegrationsResponse,
    "GetIntegration": GetIntegrationResponse,
    "PutIntegration": PutIntegrationResponse,
    "DeleteIntegration": DeleteIntegrationResponse,
}


class BadAnswer(ValueError):
    """A 2xx answer that cannot be trusted; ``str()`` says what was wrong, never a value."""


def check_body(operation: str, status: int, content: bytes) -> None:
    """Raise ``BadAnswer`` unless ``content`` is a 2xx body botocore may parse for
    ``operation``: JSON, an object, no error ``__type``, and valid for the operation's model.
    An empty body is valid only for DeleteIntegration (the API Reference says so)."""
    if not content.strip():
        if operation == "DeleteIntegration":
            return
        raise BadAnswer(f"HTTP {status} with an empty body")
    try:
        body = json.loads(content)
    except ValueError:
        raise BadAnswer(f"HTTP {status} with a body that is not JSON") from None
    if isinstance(body, dict) and "__type" in body:
        code = body.get("__type")
        message = body.get("message", body.get("Message"))
        detail = f"{code}: {message}" if message else str(code)
        raise BadAnswer(f"HTTP {status} with an error body: {detail}")
    model = RESPONSES.get(operation)
    if model is not None:
        validate(model, body)


def validate(model: type[_Model], body: Any) -> None:
    try:
        model.model_validate(body)
    except ValidationError as exc:
        raise BadAnswer(f"unexpected answer: {problem(exc)}") from None
