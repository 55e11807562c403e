"""AWS naming rules shared by the kinds: partitions, account IDs, region names and the partition
a region belongs to. Patterns are meant for ``fullmatch`` (``re.match`` with ``$`` would let a
trailing newline through)."""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic_core import PydanticCustomError

from reconciler.printable import printable
from reconciler.suggest import closest

# The partitions both APIs serve.
Partition = Literal["aws", "aws-cn", "aws-us-gov"]
PARTITIONS: tuple[Partition, ...] = get_args(Partition)

ACCOUNT_ID = re.compile(r"[0-9]{12}")  # ASCII digits only: \d matches any script

# us-east-1, ap-southeast-2, us-gov-west-1, cn-north-1, us-isob-east-1
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")


# The regions of each partition both APIs serve, from botocore's endpoints.json (1.44.8,
# 2026); a test checks that every region the installed botocore knows is listed. A region name
# outside these is refused at validate time (a typo such as eu-wst-1 would otherwise only fail
# at apply); a region AWS opens later needs a reconciler update.
REGIONS: dict[str, tuple[str, ...]] = {
    "aws": (
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
        "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
        "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
        "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    ),
    "aws-cn": ("cn-north-1", "cn-northwest-1"),
    "aws-us-gov": ("us-gov-east-1", "us-gov-west-1"),
}  # fmt: skip
ALL_REGIONS: frozenset[str] = frozenset(r for rs in REGIONS.values() for r in rs)


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if "-iso" in region:
        return "aws-iso"  # an isolated partition neither API serves
    return "aws"


def check_region(value: str) -> str:
    if not REGION.fullmatch(value):
        raise PydanticCustomError(
            "region",
            "'{value}' is not an AWS region name like us-east-1",
            {"value": printable(value, 80)},
        )
    if value not in ALL_REGIONS:
        raise PydanticCustomError(
            "region_unknown",
            "'{value}' is not an AWS region{hint}",
            {"value": printable(value, 80), "hint": region_hint(value, ALL_REGIONS)},
        )
    return value


def region_hint(value: str, regions: frozenset[str] | tuple[str, ...]) -> str:
    best = closest(value, regions)
    if best is not None:
        return f"; did you mean {best}?"
    return " reconciler knows (a region opened after this version needs an update)"
