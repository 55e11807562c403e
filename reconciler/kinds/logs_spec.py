"""The TOML model of ``[aws_logs_integration.<name>]``: one CloudWatch Logs integration with
OpenSearch Service (the argument of ``PutIntegration``).

botocore checks almost none of the API's constraints client-side (no max length, pattern,
enum, integer max or empty list; and the API model puts no constraint on ARNs at all), so every
rule the service would reject at apply time is checked here, at plan time.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.kinds.arns import (
    check_application_arn,
    check_kms_arn,
    check_principal_arn,
    check_role_arn,
    err,
)
from reconciler.kinds.aws_names import check_region, partition_of
from reconciler.kinds.base import ResourceSpec

INTEGRATION_NAME = re.compile(r"[\.\-_/#A-Za-z0-9]+")  # API shape IntegrationName, full match

MAX_RETENTION_DAYS = 30


class OpenSearchConfig(BaseModel):
    """``resourceConfig.openSearchResourceConfig`` of PutIntegration. None of these members
    can be read back except ``application_arn``: the others are write-only."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    data_source_role_arn: str = Field(
        description="IAM role CloudWatch Logs uses to create the integration and query the "
        "OpenSearch collection (dataSourceRoleArn)."
    )
    dashboard_viewer_principals: list[str] = Field(
        description="ARNs of the IAM roles, users or account roots allowed to view the "
        "dashboards; order does not matter (dashboardViewerPrincipals)."
    )
    retention_days: int = Field(
        description="Days the OpenSearch collection keeps the data, 1 to 30 (retentionDays).",
        json_schema_extra={"minimum": 1, "maximum": MAX_RETENTION_DAYS},
    )
    kms_key_arn: str | None = Field(
        None,
        description="KMS key or alias ARN to encrypt the dashboard data with; default: the "
        "CloudWatch Logs default encryption (kmsKeyArn).",
    )
    application_arn: str | None = Field(
        None,
        description="Existing OpenSearch application to use; default: the service creates or "
        "reuses one (applicationArn).",
    )

    @field_validator("data_source_role_arn")
    @classmethod
    def _role(cls, value: str) -> str:
        return check_role_arn(value)

    @field_validator("kms_key_arn")
    @classmethod
    def _kms(cls, value: str | None) -> str | None:
        return None if value is None else check_kms_arn(value)

    @field_validator("application_arn")
    @classmethod
    def _application(cls, value: str | None) -> str | None:
        return None if value is None else check_application_arn(value)

    @field_validator("dashboard_viewer_principals")
    @classmethod
    def _principals(cls, value: list[str]) -> list[str]:
        if not value:
            raise err("principals_empty", "must list at least one IAM principal ARN")
        seen: set[str] = set()
        for item in value:
            check_principal_arn(item)
            if item in seen:
                raise err("principals_duplicate", "{item} is listed twice", item=item)
            seen.add(item)
        return value

    @field_validator("retention_days", mode="before")
    @classmethod
    def _retention(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int):
            raise err("retention_type", "must be a whole number of days")
        # CloudFormation's schema allows up to 3650, but PutIntegration itself rejects more
        # than 30 (API shape CollectionRetentionDays), and botocore does not check the max.
        if not 1 <= value <= MAX_RETENTION_DAYS:
            raise err(
                "retention_range",
                "must be 1 to 30 days (the PutIntegration limit; CloudFormation's 3650 does "
                "not apply to this API), not {value}",
                value=str(value),
            )
        return value


class AwsLogsIntegrationSpec(ResourceSpec):
    """``[aws_logs_integration.<name>]``. Every field is create-only: there is no update
    operation, so any change replaces the integration."""

    integration_name: str = Field(
        description="Name of the integration, 1 to 50 of A-Z a-z 0-9 . - _ / # "
        "(integrationName). Identifies it within its region.",
        json_schema_extra={"minLength": 1, "maxLength": 50, "pattern": r"^[\.\-_/#A-Za-z0-9]+$"},
    )
    account: str | None = Field(
        None,
        description="The AWS account it lives in: a connection [aws.accounts.<name>]; default: "
        "the [aws] connection.",
    )
    region: str | None = Field(
        None,
        description="Region to manage the integration in; default: the account's region, "
        "[aws].region, then AWS_REGION / AWS_DEFAULT_REGION.",
    )
    integration_type: Literal["OPENSEARCH"] = Field(
        "OPENSEARCH", description="Integration type; OPENSEARCH is the only one (integrationType)."
    )
    force_delete: bool = Field(
        False,
        description="Delete with force=true, which also deletes the vended dashboards and "
        "their data; without it a delete fails while dashboards exist.",
    )
    opensearch: OpenSearchConfig = Field(
        description="The OpenSearch Service resource configuration (openSearchResourceConfig)."
    )

    @field_validator("integration_type", mode="before")
    @classmethod
    def _type(cls, value: object) -> object:
        if value != "OPENSEARCH":
            raise err("integration_type", "must be OPENSEARCH (the only integration type)")
        return value

    @field_validator("integration_name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not 1 <= len(value) <= 50:
            raise err("name_length", "must be 1 to 50 characters, not {n}", n=str(len(value)))
        if not INTEGRATION_NAME.fullmatch(value):
            raise err("name_pattern", "may only contain letters, digits and . - _ / #")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return None if value is None else check_region(value)

    @model_validator(mode="after")
    def _one_partition(self) -> AwsLogsIntegrationSpec:
        # An integration cannot reach across partitions: catch an aws-cn ARN in an aws region.
        os_ = self.opensearch
        arns = [
            ("opensearch.data_source_role_arn", os_.data_source_role_arn),
            *(
                (f"opensearch.dashboard_viewer_principals[{i}]", arn)
                for i, arn in enumerate(os_.dashboard_viewer_principals)
            ),
            ("opensearch.kms_key_arn", os_.kms_key_arn),
            ("opensearch.application_arn", os_.application_arn),
        ]
        wanted = partition_of(self.region) if self.region else None
        for field, arn in arns:
            if arn is None:
                continue
            partition = arn.split(":", 2)[1]
            if wanted is None:
                wanted = partition
            elif partition != wanted:
                where = f"region {self.region}" if self.region else "the other ARNs"
                raise err(
                    "partition_mismatch",
                    "{field} is in partition {partition}, but {where} is in {wanted}",
                    field=field,
                    partition=partition,
                    where=where,
                    wanted=wanted,
                )
        return self


def resource_config(opensearch: OpenSearchConfig) -> dict[str, Any]:
    """``openSearchResourceConfig`` of PutIntegration; optional members only when set."""
    config: dict[str, Any] = {
        "dataSourceRoleArn": opensearch.data_source_role_arn,
        "dashboardViewerPrincipals": list(opensearch.dashboard_viewer_principals),
        "retentionDays": opensearch.retention_days,
    }
    if opensearch.kms_key_arn is not None:
        config["kmsKeyArn"] = opensearch.kms_key_arn
    if opensearch.application_arn is not None:
        config["applicationArn"] = opensearch.application_arn
    return config
