"""AWS naming rules shared by the kinds: partitions, account IDs, region names and the partition
a region belongs to. Patterns are meant for ``fullmatch`` (``re.match`` with ``$`` would let a
trailing newline through)."""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic_core import PydanticCustomError

from reconciler.printable import printable

# The partitions both APIs serve.
Partition = Literal["aws", "aws-cn", "aws-us-gov"]
PARTITIONS: tuple[Partition, ...] = get_args(Partition)

ACCOUNT_ID = re.compile(r"[0-9]{12}")  # ASCII digits only: \d matches any script

# us-east-1, ap-southeast-2, us-gov-west-1, cn-north-1, us-isob-east-1
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")


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
    return value
