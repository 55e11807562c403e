"""Checks of the ARNs a configuration names (IAM roles and principals, KMS keys, OpenSearch
applications): what the APIs would refuse at apply time, refused when the TOML is read."""

from __future__ import annotations

import re

from pydantic_core import PydanticCustomError

from reconciler.kinds.aws_names import ACCOUNT_ID, PARTITIONS, REGION
from reconciler.printable import printable

# IAM names may sit under a path: role/service-role/Name. Names: [\w+=,.@-], 1..64 (roles).
IAM_PATH_NAME = re.compile(r"(?:/?[A-Za-z0-9_+=,.@-]+)+")  # ASCII: \w matches any script
KMS_KEY_ID = re.compile(
    r"(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
KMS_ALIAS = re.compile(r"alias/[A-Za-z0-9/_-]{1,250}")
APPLICATION_ID = re.compile(r"[\.\-_/#A-Za-z0-9]{1,256}")  # API shape OpenSearchApplicationId

SERVICE_NAMES = {"iam": "an IAM", "kms": "a KMS", "opensearch": "an OpenSearch"}


def err(kind: str, message: str, **ctx: str) -> PydanticCustomError:
    # Values come from the user's TOML: escaped and bounded before they are echoed.
    return PydanticCustomError(kind, message, {k: printable(v, 120) for k, v in ctx.items()})


def parse_arn(value: str, service: str, example: str, *, regional: bool) -> str:
    """Check the parts every ARN field shares and return the resource part."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise err("arn", "expected an ARN like {example}", example=example)
    _, partition, arn_service, region, account, resource = parts
    if partition not in PARTITIONS:
        raise err(
            "arn_partition",
            "ARN partition must be aws, aws-cn or aws-us-gov, not '{partition}'",
            partition=partition,
        )
    if arn_service != service:
        raise err(
            "arn_service",
            "expected {what} ARN like {example}, not an ARN of service '{service}'",
            what=SERVICE_NAMES.get(service, service),
            example=example,
            service=arn_service,
        )
    if regional and not REGION.fullmatch(region):
        raise err(
            "arn_region",
            "ARN region '{region}' is not a region name like eu-west-1",
            region=region,
        )
    if not regional and region:
        raise err("arn_region", "IAM ARNs have no region: expected {example}", example=example)
    if not ACCOUNT_ID.fullmatch(account):
        raise err(
            "arn_account",
            "account id in the ARN must be 12 digits, not '{account}'",
            account=account,
        )
    return resource


ROLE_EXAMPLE = "arn:aws:iam::123456789012:role/NAME"
PRINCIPAL_EXAMPLE = "arn:aws:iam::123456789012:role/NAME (or :user/NAME, :root)"
KMS_EXAMPLE = "arn:aws:kms:eu-west-1:123456789012:key/KEY-ID (or :alias/NAME)"
APPLICATION_EXAMPLE = "arn:aws:opensearch:eu-west-1:123456789012:application/ID"


def check_role_arn(value: str) -> str:
    resource = parse_arn(value, "iam", ROLE_EXAMPLE, regional=False)
    kind, _, name = resource.partition("/")
    if kind != "role" or not IAM_PATH_NAME.fullmatch(name):
        raise err("arn_role", "expected an IAM role ARN like {example}", example=ROLE_EXAMPLE)
    return value


def check_principal_arn(value: str) -> str:
    resource = parse_arn(value, "iam", PRINCIPAL_EXAMPLE, regional=False)
    if resource == "root":
        return value
    kind, _, name = resource.partition("/")
    if kind not in ("role", "user") or not IAM_PATH_NAME.fullmatch(name):
        raise err(
            "arn_principal",
            "expected an IAM role, user or root ARN like {example}",
            example=PRINCIPAL_EXAMPLE,
        )
    return value


def check_kms_arn(value: str) -> str:
    resource = parse_arn(value, "kms", KMS_EXAMPLE, regional=True)
    kind, _, key_id = resource.partition("/")
    if not (kind == "key" and KMS_KEY_ID.fullmatch(key_id)) and not KMS_ALIAS.fullmatch(resource):
        raise err("arn_kms", "expected a KMS key or alias ARN like {example}", example=KMS_EXAMPLE)
    return value


def check_application_arn(value: str) -> str:
    resource = parse_arn(value, "opensearch", APPLICATION_EXAMPLE, regional=True)
    kind, _, app_id = resource.partition("/")
    if kind != "application" or not APPLICATION_ID.fullmatch(app_id):
        raise err(
            "arn_application",
            "expected an OpenSearch application ARN like {example}",
            example=APPLICATION_EXAMPLE,
        )
    return value
