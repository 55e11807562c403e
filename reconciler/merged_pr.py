"""The pull request a push to the default branch came from, for the GitOps merge job.

A merge commit, a squash commit and the last commit of a rebase are never the pull request's
head commit, so the reviewed plan (an artifact named after that head commit) cannot be found
from the push alone. GitHub records, on the merged pull request, ``merge_commit_sha``: the
merge commit, the squashed commit, or the commit the base branch was moved to by a rebase.
That is the push's ``after``. So: list the pull requests associated with ``after``
(``GET /repos/{repo}/commits/{sha}/pulls``), keep the merged ones into the pushed branch whose
``merge_commit_sha`` is ``after``, and require exactly one.

Then the sticky plan comment the reviewers saw is read from that pull request (written by
GitHub Actions' own bot, never anyone else's comment), so the merge job can check the plan file
it downloaded against the digest that was on screen.

Run in a workflow step as ``python -m reconciler.merged_pr``; it reads the runner's
``GITHUB_EVENT_PATH``, ``GITHUB_REPOSITORY``, ``GITHUB_API_URL``, ``GITHUB_TOKEN`` and writes
``number`` and ``head_sha`` to ``GITHUB_OUTPUT``. Anything it cannot read or decide is one
``Error:`` line and exit 1: a merge job must never apply a plan it cannot tie to a review.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reconciler.printable import line, printable
from reconciler.redact import redact, register

STICKY_MARKER = "<!-- reconciler-plan -->"
COMMENT_AUTHOR = "github-actions[bot]"
TIMEOUT_SECONDS = 30.0
_SHA = re.compile(r"[0-9a-f]{40}")
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_PAGES = 50  # 5,000 comments: past that, something is wrong


class MergedPrError(Exception):
    """Why the pull request (or its comment) cannot be told; one line."""


@dataclass(frozen=True)
class Push:
    branch: str  # "main"
    after: str  # the commit the branch now points at


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str


def read_push(event: Mapping[str, Any]) -> Push:
    """The branch and new head commit of a ``push`` event payload."""
    ref, after = event.get("ref"), event.get("after")
    if not isinstance(ref, str) or not ref.startswith("refs/heads/"):
        raise MergedPrError(f"the event is not a push to a branch (ref {printable(str(ref))})")
    if not isinstance(after, str) or not _SHA.fullmatch(after):
        raise MergedPrError(f"the push event has no commit id in 'after' ({printable(str(after))})")
    if event.get("deleted"):
        raise MergedPrError(f"the push deleted {printable(ref)}")
    return Push(branch=ref.removeprefix("refs/heads/"), after=after)


def pick_merged(pulls: Any, push: Push) -> PullRequest:
    """The one pull request merged into ``push.branch`` as ``push.after``."""
    if not isinstance(pulls, list):
        raise MergedPrError("GitHub's list of pull requests for the commit is not a list")
    found: list[PullRequest] = []
    for pull in pulls:
        try:
            merged = pull["merged_at"] is not None
            base = pull["base"]["ref"]
            merge_sha = pull["merge_commit_sha"]
            number, head_sha = pull["number"], pull["head"]["sha"]
        except (KeyError, TypeError) as exc:
            raise MergedPrError(f"a pull request in GitHub's answer lacks {exc}") from None
        if merged and base == push.branch and merge_sha == push.after:
            if not isinstance(number, int) or not isinstance(head_sha, str):
                raise MergedPrError("a pull request in GitHub's answer has a malformed number/sha")
            if not _SHA.fullmatch(head_sha):
                raise MergedPrError(f"pull request #{number} has a malformed head sha")
            found.append(PullRequest(number=number, head_sha=head_sha))
    if not found:
        raise MergedPrError(
            f"no pull request was merged into {printable(push.branch)} as commit {push.after} "
            "(a direct push has no reviewed plan: open a pull request)"
        )
    if len(found) > 1:
        numbers = ", ".join(f"#{p.number}" for p in found)
        raise MergedPrError(f"commit {push.after} is the merge of several pull requests: {numbers}")
    return found[0]


def pick_sticky(comments: list[Any], marker: str, author: str) -> str:
    """The body of the newest comment by ``author`` that starts with ``marker``."""
    bodies: list[str] = []
    for comment in comments:
        try:
            body, login = comment["body"], comment["user"]["login"]
        except (KeyError, TypeError) as exc:
            raise MergedPrError(f"a comment in GitHub's answer lacks {exc}") from None
        if isinstance(body, str) and login == author and body.startswith(marker):
            bodies.append(body)
    if not bodies:
        raise MergedPrError(f"no plan comment by {author} on the pull request")
    return bodies[-1]  # GitHub lists issue comments oldest first


class GitHub:
    """The two read calls the merge job needs, over GitHub's REST API."""

    def __init__(self, api_url: str, repository: str, token: str, client: httpx.Client) -> None:
        if not _REPO.fullmatch(repository):
            raise MergedPrError(f"GITHUB_REPOSITORY {printable(repository)} is not owner/name")
        self.base = f"{api_url.rstrip('/')}/repos/{repository}"
        self.client = client
        self.headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "Authorization": f"Bearer {token}",
        }

    def _get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        url = f"{self.base}{path}"
        try:
            response = self.client.get(url, headers=self.headers, params=params)
        except httpx.HTTPError as exc:
            raise MergedPrError(f"GET {url}: {type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise MergedPrError(
                f"GET {url}: HTTP {response.status_code}: {printable(response.text)}"
            )
        try:
            return response.json()
        except ValueError:
            raise MergedPrError(f"GET {url}: the answer is not JSON") from None

    def pulls_of_commit(self, sha: str) -> Any:
        return self._get(f"/commits/{sha}/pulls", {"per_page": 100})

    def comments(self, number: int) -> list[Any]:
        out: list[Any] = []
        for page in range(1, _PAGES + 1):
            batch = self._get(f"/issues/{number}/comments", {"per_page": 100, "page": page})
            if not isinstance(batch, list):
                raise MergedPrError(f"GitHub's comments of #{number} are not a list")
            out.extend(batch)
            if len(batch) < 100:
                return out
        raise MergedPrError(f"pull request #{number} has more than {_PAGES * 100} comments")


def find(
    event: Mapping[str, Any], github: GitHub, *, marker: str, author: str
) -> tuple[PullRequest, str]:
    """The merged pull request of a push event, and its sticky plan comment."""
    push = read_push(event)
    pull = pick_merged(github.pulls_of_commit(push.after), push)
    return pull, pick_sticky(github.comments(pull.number), marker, author)


def _env(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise MergedPrError(f"environment variable {name} is not set")
    return value


def run(argv: list[str], env: Mapping[str, str], client: httpx.Client | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reconciler.merged_pr",
        description="Find the pull request a push came from and its reviewed plan comment.",
    )
    parser.add_argument("--comment-to", type=Path, required=True, help="write the comment here")
    parser.add_argument("--marker", default=STICKY_MARKER)
    parser.add_argument("--author", default=COMMENT_AUTHOR)
    args = parser.parse_args(argv)
    try:
        token = _env(env, "GITHUB_TOKEN")
        register(token)
        event_path = Path(_env(env, "GITHUB_EVENT_PATH"))
        try:
            event = json.loads(event_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MergedPrError(f"cannot read the event {event_path}: {exc}") from None
        if not isinstance(event, dict):
            raise MergedPrError(f"the event {event_path} is not a JSON object")
        with client or httpx.Client(timeout=TIMEOUT_SECONDS) as http:
            github = GitHub(
                env.get("GITHUB_API_URL", "https://api.github.com"),
                _env(env, "GITHUB_REPOSITORY"),
                token,
                http,
            )
            pull, comment = find(event, github, marker=args.marker, author=args.author)
        args.comment_to.write_text(comment, encoding="utf-8")
        output = Path(_env(env, "GITHUB_OUTPUT"))
        with output.open("a", encoding="utf-8") as out:
            out.write(f"number={pull.number}\nhead_sha={pull.head_sha}\n")
    except (MergedPrError, OSError) as exc:
        sys.stderr.write(f"Error: {line(redact(str(exc)))}\n")
        return 1
    sys.stdout.write(f"Pull request #{pull.number}, head commit {pull.head_sha}\n")
    return 0


def main() -> None:
    sys.exit(run(sys.argv[1:], os.environ))


if __name__ == "__main__":
    main()
