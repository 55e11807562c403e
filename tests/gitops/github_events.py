"""The GitHub event payloads the workflow's jobs read, in the shape GitHub sends them: a pull
request pushed to, a push to main made by merging one (merge, squash or rebase), and the
merged pull request as the REST API lists it for a commit."""

from __future__ import annotations

import hashlib
from typing import Any

REPOSITORY = "acme/infra"


def sha(text: str) -> str:
    """A commit id (40 hex digits) made from ``text``."""
    return hashlib.sha1(text.encode()).hexdigest()


def _commit(commit_id: str, message: str, *, web_flow: bool) -> dict[str, Any]:
    person = {"name": "Dev", "email": "dev@example.com", "username": "dev"}
    committer = (
        {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"}
        if web_flow
        else person
    )
    return {
        "id": commit_id,
        "tree_id": sha("tree" + commit_id),
        "distinct": True,
        "message": message,
        "timestamp": "2026-11-28T09:00:00Z",
        "url": f"https://github.com/{REPOSITORY}/commit/{commit_id}",
        "author": person,
        "committer": committer,
        "added": [],
        "removed": [],
        "modified": ["infra/main.toml"],
    }


def push_event(how: str, number: int, before: str, commits: list[str]) -> dict[str, Any]:
    """A ``push`` to main made by merging pull request ``number``: ``merge`` (a merge commit),
    ``squash`` (one new commit) or ``rebase`` (the PR's commits replayed; ``commits`` are the
    new ids, the last one is the branch's new head)."""
    if how == "merge":
        shaped = [
            _commit(commits[-1], f"Merge pull request #{number} from acme/change", web_flow=True)
        ]
    elif how == "squash":
        shaped = [_commit(commits[-1], f"Change infra (#{number})", web_flow=True)]
    elif how == "rebase":
        shaped = [
            _commit(c, f"Change infra, part {i}", web_flow=True) for i, c in enumerate(commits)
        ]
    else:
        raise ValueError(how)
    after = commits[-1]
    return {
        "ref": "refs/heads/main",
        "before": before,
        "after": after,
        "created": False,
        "deleted": False,
        "forced": False,
        "base_ref": None,
        "compare": f"https://github.com/{REPOSITORY}/compare/{before[:12]}...{after[:12]}",
        "commits": shaped,
        "head_commit": shaped[-1],
        "repository": {"full_name": REPOSITORY, "default_branch": "main", "private": True},
        "pusher": {"name": "dev", "email": "dev@example.com"},
        "sender": {"login": "dev", "type": "User"},
    }


def merged_pull(number: int, head_sha: str, merge_sha: str, base_sha: str) -> dict[str, Any]:
    """A merged pull request, as ``GET /repos/{repo}/commits/{sha}/pulls`` lists it."""
    return {
        "number": number,
        "state": "closed",
        "merged_at": "2026-11-28T09:00:00Z",
        "merge_commit_sha": merge_sha,
        "head": {"sha": head_sha, "ref": f"change-{number}", "repo": {"full_name": REPOSITORY}},
        "base": {"sha": base_sha, "ref": "main", "repo": {"full_name": REPOSITORY}},
        "user": {"login": "dev"},
    }


def pull_request_event(number: int, head_sha: str) -> dict[str, Any]:
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "state": "open",
            "head": {"sha": head_sha, "ref": f"change-{number}"},
            "base": {"ref": "main"},
        },
        "repository": {"full_name": REPOSITORY},
    }
