"""The TOML model of ``datadog_aws_account``: one Datadog AWS Account Integration Config (API v2).

Keys are the API's attribute names. Every default is the server's own default, so the desired
values are complete and always sent in full (PATCH merges omitted keys, so relying on omission
would leave stale values behind).

The API's oneOf blocks (auth, regions, namespace filters, X-Ray services, metric name filters)
are plain models with optional members and a check that exactly one is set: the errors read
better than those of pydantic unions. Every error uses ``PydanticCustomError`` so users see the
message alone, without pydantic's "Value error," prefix.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.kinds.aws_names import (
    ACCOUNT_ID,
    Partition,
    partition_of,
)
from reconciler.kinds.base import ResourceSpec
from reconciler.kinds.datadog_fields import (
    EXAMPLE_REGION,
    LambdaArn,
    LogSource,
    Namespace,
    NonEmpty,
    Region,
)
from reconciler.printable import printable
from reconciler.secrets import Secret

# What Datadog fills in when a create leaves namespace_filters out. Its documentation (and
# Terraform) say AWS/SQS, AWS/ElasticMapReduce and AWS/Usage; every recorded real create
# (2024-10-28, 2025-08-06) answered with these two, so the evidence wins
# (docs/datadog_aws_account.md, "Defaults follow the evidence").
DEFAULT_EXCLUDED_NAMESPACES = ("AWS/SQS", "AWS/ElasticMapReduce")


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in sorted(value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


class Block(BaseModel):
    """A nested TOML table: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def __hash__(self) -> int:
        # Frozen, and nothing writes into a spec's lists: a default table (``logs_config =
        # LogsConfig()``) can be shared by every resource that leaves it out. pydantic shares
        # the defaults it can hash and deep-copies the others (pydantic's own hash of a frozen
        # model fails on a list field): at 10,000 accounts that was 30,000 copies per
        # configuration load. Equal tables hash alike, as they must.
        return hash((type(self), _hashable(self.model_dump())))


class OneOf(Block):
    """A block where exactly one member of ``one_of`` must be set (the API's oneOf)."""

    one_of: ClassVar[tuple[str, ...]]

    @model_validator(mode="after")
    def _exactly_one(self) -> OneOf:
        chosen = [name for name in self.one_of if getattr(self, name) is not None]
        if len(chosen) != 1:
            names = " or ".join(self.one_of)
            what = "both" if len(chosen) > 1 else "neither"
            raise PydanticCustomError(
                "one_of", "set exactly one of {names} (got {what})", {"names": names, "what": what}
            )
        return self


def _include_all_true(value: bool | None, hint: str) -> bool | None:
    if value is False:
        raise PydanticCustomError(
            "include_all_false", "include_all can only be true; {hint}", {"hint": hint}
        )
    return value


class AuthConfig(OneOf):
    one_of: ClassVar[tuple[str, ...]] = ("role_name", "access_key_id")

    role_name: str | None = Field(
        None,
        min_length=1,
        max_length=576,
        description="IAM role Datadog assumes in the account (role-based auth).",
    )
    external_id: NonEmpty | None = Field(
        None,
        description="Pin the role's external ID (must be one Datadog generated); "
        "left out, Datadog generates and keeps one.",
    )
    access_key_id: NonEmpty | None = Field(
        None, description="Access key ID of an IAM user (key-based auth)."
    )
    secret_access_key: Secret | None = Field(
        None, description="Secret access key of that IAM user, as ${env:NAME}."
    )

    @model_validator(mode="after")
    def _pairs(self) -> AuthConfig:
        # Runs after _exactly_one, so exactly one of role_name/access_key_id is set.
        if self.access_key_id is not None and self.secret_access_key is None:
            raise PydanticCustomError("keys_pair", "access_key_id requires secret_access_key")
        if self.secret_access_key is not None and self.access_key_id is None:
            raise PydanticCustomError("keys_pair", "secret_access_key requires access_key_id")
        if self.external_id is not None and self.role_name is None:
            raise PydanticCustomError("external_id", "external_id is only used with role_name")
        return self


class AwsRegions(OneOf):
    one_of: ClassVar[tuple[str, ...]] = ("include_all", "include_only")

    include_all: bool | None = Field(None, description="Collect from every region (true only).")
    include_only: list[Region] | None = Field(None, description="Collect only from these regions.")

    @field_validator("include_all")
    @classmethod
    def _all_true(cls, v: bool | None) -> bool | None:
        return _include_all_true(v, "use include_only to list regions")

    @field_validator("include_only")
    @classmethod
    def _no_duplicates(cls, v: list[str] | None) -> list[str] | None:
        seen: set[str] = set()
        for region in v or ():
            if region in seen:
                raise PydanticCustomError(
                    "region_duplicate",
                    "{region} is listed twice; list each region once",
                    {"region": printable(region, 80)},
                )
            seen.add(region)
        return v


class LogSourceTagFilter(Block):
    source: LogSource = Field(description="Log source (a service ID such as s3) the tags apply to.")
    tags: list[str] = Field([], description="AWS resource tags (key:value) to filter logs on.")


class LogSourceConfig(Block):
    tag_filters: list[LogSourceTagFilter] = Field(
        [], description="Per log source, the resource tags to filter logs on."
    )


class LambdaForwarder(Block):
    lambdas: list[LambdaArn] = Field([], description="ARNs of Datadog Forwarder Lambda functions.")
    sources: list[LogSource] = Field(
        [],
        description="Log sources (service IDs such as s3, elbv2, from Datadog's logs/services "
        "list) whose logs are subscribed automatically.",
    )
    log_source_config: LogSourceConfig = Field(
        LogSourceConfig(), description="Tag filters per log source."
    )


class LogsConfig(Block):
    lambda_forwarder: LambdaForwarder = Field(
        LambdaForwarder(), description="Log autosubscription through the Datadog Forwarder."
    )


class NamespaceFilters(OneOf):
    one_of: ClassVar[tuple[str, ...]] = ("exclude_only", "include_only")

    exclude_only: list[Namespace] | None = Field(
        None, description="Collect every namespace except these."
    )
    include_only: list[Namespace] | None = Field(None, description="Collect only these namespaces.")


class NamespaceTagFilter(Block):
    namespace: Namespace = Field(description="CloudWatch namespace the tags apply to (AWS/EC2).")
    tags: list[str] = Field(
        [], description="AWS resource tags (key:value; ?, * and ! allowed) to filter metrics on."
    )


class MetricNameFilter(OneOf):
    one_of: ClassVar[tuple[str, ...]] = ("include_only", "exclude_only")

    namespace: Namespace = Field(description="CloudWatch namespace this filter applies to.")
    include_only: list[NonEmpty] | None = Field(
        None, description="Collect only metric names matching one of these patterns."
    )
    exclude_only: list[NonEmpty] | None = Field(
        None, description="Skip metric names matching one of these patterns."
    )


class MetricsConfig(Block):
    enabled: bool = Field(True, description="Collect CloudWatch metrics.")
    automute_enabled: bool = Field(True, description="Mute monitors of EC2 hosts that AWS stopped.")
    collect_cloudwatch_alarms: bool = Field(False, description="Collect CloudWatch alarms.")
    collect_custom_metrics: bool = Field(False, description="Collect custom CloudWatch metrics.")
    namespace_filters: NamespaceFilters = Field(
        NamespaceFilters(exclude_only=list(DEFAULT_EXCLUDED_NAMESPACES)),
        description="Which namespaces to collect: exclude_only or include_only.",
    )
    tag_filters: list[NamespaceTagFilter] = Field(
        [], description="Per namespace, the resource tags to filter metrics on."
    )
    metric_name_filters: list[MetricNameFilter] = Field(
        [], description="Per namespace, metric name patterns to include or exclude."
    )


class ResourcesConfig(Block):
    cloud_security_posture_management_collection: bool = Field(
        False, description="Scan resources with Cloud Security (needs extended_collection)."
    )
    # Optional, unlike the other settings: real accounts created before 2024-10 have no
    # extended_collection at all (recorded 2024-10-28), and filling in Datadog's default (true)
    # would turn it on in the plan right after import. Left out, it is left to Datadog: not
    # sent, not compared (RULES.computed_paths), and a new account gets Datadog's default.
    extended_collection: bool | None = Field(
        None,
        description="Collect extended resource attributes and configuration; left out: "
        "Datadog's default (true) on create, and an existing account keeps its value.",
    )

    @model_validator(mode="after")
    def _cspm_needs_extended(self) -> ResourcesConfig:
        cspm = self.cloud_security_posture_management_collection
        if cspm and self.extended_collection is False:
            raise PydanticCustomError(
                "cspm",
                "cloud_security_posture_management_collection requires extended_collection = true",
            )
        return self


class XRayServices(OneOf):
    one_of: ClassVar[tuple[str, ...]] = ("include_all", "include_only")

    include_all: bool | None = Field(
        None, description="Collect traces of every service (true only)."
    )
    include_only: list[NonEmpty] | None = Field(
        None, description="Collect traces of these services only ([] for none)."
    )

    @field_validator("include_all")
    @classmethod
    def _all_true(cls, v: bool | None) -> bool | None:
        return _include_all_true(v, "use include_only = [] to collect no services")


class TracesConfig(Block):
    xray_services: XRayServices = Field(
        XRayServices(include_only=[]), description="X-Ray services: include_all or include_only."
    )


class DatadogAwsAccountSpec(ResourceSpec):
    aws_account_id: str = Field(description="The AWS account ID: 12 digits, quoted.")
    org: str | None = Field(
        None,
        description="The Datadog organisation it belongs to: a connection "
        "[datadog.orgs.<name>]; default: the [datadog] connection.",
    )
    aws_partition: Partition = Field("aws", description="AWS partition of the account.")
    account_tags: list[str] = Field(
        [], description="Tags (key:value) on every host and metric from this account."
    )
    auth_config: AuthConfig = Field(
        description="How Datadog authenticates: role_name, or access_key_id + secret_access_key."
    )
    aws_regions: AwsRegions = Field(
        AwsRegions(include_all=True),
        description="Regions to collect from: include_all or include_only.",
    )
    logs_config: LogsConfig = Field(LogsConfig(), description="Log collection.")
    metrics_config: MetricsConfig = Field(MetricsConfig(), description="Metric collection.")
    resources_config: ResourcesConfig = Field(ResourcesConfig(), description="Resource collection.")
    traces_config: TracesConfig = Field(TracesConfig(), description="Trace collection.")

    @field_validator("aws_account_id", mode="before")
    @classmethod
    def _account_id(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            raise PydanticCustomError(
                "account_id_type",
                'must be a quoted string: aws_account_id = "{quoted}"',
                {"quoted": str(v).zfill(12)},
            )
        if isinstance(v, str) and not ACCOUNT_ID.fullmatch(v):
            raise PydanticCustomError(
                "account_id",
                "'{value}' is not an AWS account ID (12 digits)",
                {"value": printable(v, 80)},
            )
        return v

    @field_validator("aws_regions")
    @classmethod
    def _regions_in_partition(cls, v: AwsRegions, info: ValidationInfo) -> AwsRegions:
        partition = info.data.get("aws_partition")
        for region in v.include_only or ():
            if partition and partition_of(region) != partition:
                raise PydanticCustomError(
                    "region_partition",
                    "region {region} is not in partition {partition}; set aws_partition, "
                    "or use a region of {partition} (such as {example})",
                    {
                        "region": printable(region, 80),
                        "partition": partition,
                        "example": EXAMPLE_REGION.get(partition, "?"),
                    },
                )
        return v

    @field_validator("logs_config")
    @classmethod
    def _lambdas_in_partition(cls, v: LogsConfig, info: ValidationInfo) -> LogsConfig:
        partition = info.data.get("aws_partition")
        for arn in v.lambda_forwarder.lambdas:
            if partition and arn.split(":")[1] != partition:
                raise PydanticCustomError(
                    "lambda_partition",
                    "{arn} is not in partition {partition}",
                    {"arn": printable(arn, 120), "partition": partition},
                )
        return v
