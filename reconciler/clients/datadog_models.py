"""Typed models of the Datadog AWS Account Integration v2 responses, after the OpenAPI text
(``AWSAccountsResponse``, ``AWSAccountResponse``, ``AWSAccountResponseData``,
``AWSAccountResponseAttributes``).

They check the envelope strictly: what the reconciler keys on (``id``, ``type``,
``attributes``, ``aws_account_id``) must be there, of the right type, and every top-level
attribute must have the type the spec gives it. Members the spec does not name are kept
(``extra="allow"``): Datadog adds fields over time and the kind drops what it does not know.
The spec marks ``attributes`` optional; without it an item has nothing to compare, so it is
required here (a missing one used to plan a replacement).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# One JSON object of the API; its inner shape is checked by the kind's own models.
Obj = dict[str, Any]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


class AccountAttributes(_Model):
    aws_account_id: str = Field(min_length=1)
    account_tags: list[str] | None = None
    auth_config: Obj | None = None
    aws_partition: str | None = None
    aws_regions: Obj | None = None
    logs_config: Obj | None = None
    metrics_config: Obj | None = None
    resources_config: Obj | None = None
    traces_config: Obj | None = None
    created_at: str | None = None
    modified_at: str | None = None


class AccountData(_Model):
    id: str = Field(min_length=1)
    type: Literal["account"]
    attributes: AccountAttributes

    def raw(self) -> Obj:
        """The item as plain JSON data, unknown members included."""
        return self.model_dump(mode="json")


class AccountResponse(_Model):
    data: AccountData


class AccountsResponse(_Model):
    data: list[AccountData]
