"""The checked string types of ``datadog_aws_account``'s fields: Lambda forwarder ARNs,
CloudWatch namespaces and log sources (against Datadog's own catalogues, with suggestions),
regions and non-empty names. Each refusal echoes the value escaped and bounded."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from reconciler.kinds.aws_names import PARTITIONS, REGION, check_region
from reconciler.kinds.datadog_catalogue import CONTEXT_KEY, SHIPPED, Catalogue
from reconciler.printable import printable

# Checked with fullmatch. AWS issues 12-digit account numbers, but the real API accepted (and
# hands back) a forwarder ARN with 10 digits (recorded 2024-10-28): an account holding one
# must stay importable and declarable.
_LAMBDA_ARN = re.compile(
    rf"arn:(?P<partition>{'|'.join(PARTITIONS)}):lambda:(?P<region>[a-z0-9-]+):[0-9]{{10,12}}:"
    r"function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?"
)


EXAMPLE_REGION = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}


def _lambda_arn(value: str) -> str:
    match = _LAMBDA_ARN.fullmatch(value)
    if not match or not REGION.fullmatch(match.group("region")):
        raise PydanticCustomError(
            "lambda_arn",
            "'{value}' is not a Lambda function ARN "
            "(arn:aws:lambda:<region>:<account>:function:<name>)",
            {"value": printable(value, 120)},
        )
    return value


def catalogue_in(info: ValidationInfo) -> Catalogue:
    """The catalogue a loader passed in the validation context, else the shipped one."""
    context = info.context
    if isinstance(context, dict):
        found = context.get(CONTEXT_KEY)
        if isinstance(found, Catalogue):
            return found
    return SHIPPED


def _bare(name: str) -> str:
    lowered = name.lower()
    return lowered[4:] if lowered.startswith("aws/") else lowered


def suggestion(value: str, known: frozenset[str]) -> str | None:
    """The closest known name, compared without case and without the AWS/ prefix most names
    share (with it, any AWS/... looks close to every other one)."""
    by_bare: dict[str, str] = {}
    for name in sorted(known):
        by_bare.setdefault(_bare(name), name)
    match = difflib.get_close_matches(_bare(value), list(by_bare), n=1, cutoff=0.75)
    return by_bare[match[0]] if match else None


def unknown_name(what: str, value: str, known: frozenset[str], catalogue: Catalogue) -> str:
    """The refusal of a name Datadog would reject: did-you-mean, or where the list is."""
    best = suggestion(value, known)
    hint = (
        f"did you mean {best}?"
        if best is not None
        else f"the accepted names are listed in {catalogue.source}"
    )
    return f"'{printable(value, 120)}' is not {what} Datadog accepts; {hint}"


def _in_catalogue(
    listed: Callable[[Catalogue], frozenset[str]], what: str, code: str
) -> AfterValidator:
    """A name checked against one of the catalogue's lists. The API checks names against
    its own lists (GET .../available_namespaces, .../logs/services), not a pattern: Glue, WAF
    and /aws/sagemaker/... are real namespaces, AWS/Bedrock/Guardrails was refused."""

    def check(value: str, info: ValidationInfo) -> str:
        catalogue = catalogue_in(info)
        names = listed(catalogue)
        if value not in names:
            message = unknown_name(what, value, names, catalogue)
            raise PydanticCustomError(code, "{message}", {"message": message})
        return value

    return AfterValidator(check)


def _non_empty(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty", "must not be empty")
    return value


Region = Annotated[str, AfterValidator(check_region)]
LambdaArn = Annotated[str, AfterValidator(_lambda_arn)]
Namespace = Annotated[
    str, _in_catalogue(lambda c: c.namespaces, "a namespace", "namespace_unknown")
]
LogSource = Annotated[
    str, _in_catalogue(lambda c: c.log_sources, "a log source", "log_source_unknown")
]
NonEmpty = Annotated[str, AfterValidator(_non_empty)]
