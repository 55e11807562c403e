"""STS as the sandbox keeps it: request checks, identities, and the query protocol's XML.

Shapes follow botocore's ``sts/2011-06-15`` model. Constraint violations are
``ValidationError`` (400) with the service's "N validation error(s) detected" wording; a role
ARN of the right length that names no role is "Request ARN is invalid", as AWS answers.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reconciler.sandbox.aws_errors import AwsError

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
CONTENT_TYPE = "text/xml"
DEFAULT_DURATION = 3600
MIN_DURATION, MAX_DURATION = 900, 43200
CHAINED_MAX_DURATION = 3600
Result = Mapping[str, str | Mapping[str, str]]
USER_NAME = "sandbox"  # the IAM user every long-term sandbox key belongs to

ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
ROLE_ARN = re.compile(
    r"arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})",
    re.ASCII,
)
SESSION_NAME = re.compile(r"[\w+=,.@-]*", re.ASCII)
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]*", re.ASCII)


class StsError(AwsError):
    pass


@dataclass(frozen=True)
class Role:
    arn: str
    partition: str
    account: str
    name: str

    @property
    def role_id(self) -> str:
        """A stable unique id, as IAM gives each role (``AROA`` + 17 characters)."""
        digest = hashlib.sha256(self.arn.encode()).digest()
        return "AROA" + base64.b32encode(digest).decode()[:17]


@dataclass(frozen=True)
class AssumeRoleRequest:
    role: Role
    session_name: str
    external_id: str | None
    duration: int


def _problem(value: str | None, member: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{member}' failed to satisfy constraint: {constraint}"


def _check_string(
    value: str | None,
    member: str,
    low: int,
    high: int,
    pattern: re.Pattern[str] | None,
    problems: list[str],
) -> None:
    if value is None:
        return
    if not low <= len(value) <= high:
        problems.append(
            _problem(
                value,
                member,
                f"Member must have length less than or equal to {high} "
                f"and greater than or equal to {low}",
            )
        )
    if pattern is not None and not pattern.fullmatch(value):
        problems.append(
            _problem(
                value, member, f"Member must satisfy regular expression pattern: {pattern.pattern}"
            )
        )


def _validation(problems: list[str]) -> StsError:
    noun = "error" if len(problems) == 1 else "errors"
    return StsError(
        "ValidationError", f"{len(problems)} validation {noun} detected: " + "; ".join(problems)
    )


def parse_role_arn(arn: str) -> Role | None:
    match = ROLE_ARN.fullmatch(arn)
    if match is None:
        return None
    return Role(arn, match.group(1), match.group(2), match.group(3))


def check_assume_role(params: dict[str, str]) -> AssumeRoleRequest:
    arn, session = params.get("RoleArn"), params.get("RoleSessionName")
    external_id, duration_text = params.get("ExternalId"), params.get("DurationSeconds")
    problems: list[str] = []
    for value, member in ((arn, "roleArn"), (session, "roleSessionName")):
        if value is None:
            problems.append(_problem(None, member, "Member must not be null"))
    _check_string(arn, "roleArn", 20, 2048, None, problems)
    _check_string(session, "roleSessionName", 2, 64, SESSION_NAME, problems)
    _check_string(external_id, "externalId", 2, 1224, EXTERNAL_ID, problems)
    duration = DEFAULT_DURATION
    if duration_text is not None:
        try:
            duration = int(duration_text)
        except ValueError:
            problems.append(_problem(duration_text, "durationSeconds", "Member must be a number"))
        else:
            if duration < MIN_DURATION:
                problems.append(
                    _problem(
                        duration_text,
                        "durationSeconds",
                        f"Member must have value greater than or equal to {MIN_DURATION}",
                    )
                )
            elif duration > MAX_DURATION:
                problems.append(
                    _problem(
                        duration_text,
                        "durationSeconds",
                        f"Member must have value less than or equal to {MAX_DURATION}",
                    )
                )
    if problems:
        raise _validation(problems)
    assert arn is not None and session is not None
    role = parse_role_arn(arn)
    if role is None:
        raise StsError("ValidationError", "Request ARN is invalid")
    return AssumeRoleRequest(role, session, external_id, duration)


def user_arn(partition: str, account: str) -> str:
    return f"arn:{partition}:iam::{account}:user/{USER_NAME}"


def user_id(access_key_id: str) -> str:
    """A stable unique id of the IAM user behind a long-term key (``AIDA`` + 17 characters)."""
    digest = hashlib.sha256(access_key_id.encode()).digest()
    return "AIDA" + base64.b32encode(digest).decode()[:17]


def session_arn(role: Role, session_name: str) -> str:
    return f"arn:{role.partition}:sts::{role.account}:assumed-role/{role.name}/{session_name}"


def _elements(fields: Mapping[str, str | Mapping[str, str]]) -> str:
    out = []
    for name, value in fields.items():
        inner = escape(value) if isinstance(value, str) else _elements(value)
        out.append(f"<{name}>{inner}</{name}>")
    return "".join(out)


def response(action: str, result: Result, request_id: str) -> bytes:
    """``<ActionResponse>`` with its ``<ActionResult>`` and the request id."""
    return (
        f'<{action}Response xmlns="{NAMESPACE}">'
        f"<{action}Result>{_elements(result)}</{action}Result>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>\n"
    ).encode()


def error(exc: AwsError, request_id: str) -> bytes:
    return (
        f'<ErrorResponse xmlns="{NAMESPACE}">'
        f"<Error><Type>{exc.kind}</Type><Code>{escape(exc.code)}</Code>"
        f"<Message>{escape(exc.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId>"
        "</ErrorResponse>\n"
    ).encode()
