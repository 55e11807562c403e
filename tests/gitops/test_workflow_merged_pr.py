"""python -m reconciler.merged_pr: the merge job's way from a push to the pull request it came
from, fed push event payloads shaped as GitHub sends them (merge commit, squash, rebase) and a
fake GitHub API on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.merged_pr import run
from tests.gitops.github_events import REPOSITORY, merged_pull, push_event, sha
from tests.gitops.workflow_steps import BOT, STICKY_MARKER, TOKEN, FakeGitHub

BASE = sha("base")
HEAD = sha("pull request head")
REVIEWED = f"{STICKY_MARKER}\n### reconciler plan\n\nPlan file digest: sha256:{'1' * 64}\n"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub().serve() as fake:
        yield fake


def _run(tmp_path: Path, github: FakeGitHub, event: object) -> tuple[int, str, str, str]:
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    output = tmp_path / "output"
    output.write_text("")
    env = {
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": TOKEN,
    }
    comment = tmp_path / "comment.md"
    code = run(["--comment-to", str(comment)], env)
    text = comment.read_text() if comment.exists() else ""
    return code, output.read_text(), text, str(event_path)


def _noise(merge_sha: str) -> list[dict[str, object]]:
    """What else GitHub may list for a commit: an open pull request based on it, one closed
    without merging, one merged into another branch."""
    open_pr = {**merged_pull(20, sha("open"), merge_sha, BASE), "merged_at": None, "state": "open"}
    closed = {**merged_pull(21, sha("closed"), merge_sha, BASE), "merged_at": None}
    other = merged_pull(22, sha("release"), merge_sha, BASE)
    other["base"] = {"ref": "release", "sha": BASE}
    return [open_pr, closed, other]


@pytest.mark.parametrize("how", ["merge", "squash", "rebase"])
def test_finds_the_pull_request_of_a_merge_squash_or_rebase(
    tmp_path: Path, github: FakeGitHub, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    commits = [sha(f"{how}-1"), sha(f"{how}-2")] if how == "rebase" else [sha(how)]
    event = push_event(how, 12, BASE, commits)
    assert event["head_commit"]["id"] != HEAD  # why the old `commit:` lookup found nothing
    github.pulls_by_commit[commits[-1]] = [
        *_noise(commits[-1]),
        merged_pull(12, HEAD, commits[-1], BASE),
    ]
    github.comment(12, f"{STICKY_MARKER}\nforged by a person")  # not the bot: ignored
    github.comment(12, REVIEWED)
    github.comment(12, "LGTM")

    code, output, comment, _ = _run(tmp_path, github, event)

    assert code == 0, capsys.readouterr().err
    assert output == f"number=12\nhead_sha={HEAD}\n"
    assert comment == REVIEWED
    assert f"Pull request #12, head commit {HEAD}" in capsys.readouterr().out
    assert github.requests[0] == (
        f"/repos/{REPOSITORY}/commits/{commits[-1]}/pulls",
        f"Bearer {TOKEN}",
    )


def test_comments_are_read_past_the_first_page(tmp_path: Path, github: FakeGitHub) -> None:
    after = sha("squash-many")
    github.pulls_by_commit[after] = [merged_pull(3, HEAD, after, BASE)]
    for i in range(150):
        github.comment(3, f"comment {i}")
    github.comment(3, REVIEWED)
    code, _, comment, _ = _run(tmp_path, github, push_event("squash", 3, BASE, [after]))
    assert code == 0
    assert comment == REVIEWED


def test_a_merge_commit_of_no_pull_request_is_refused(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    after = sha("direct push")
    github.pulls_by_commit[after] = _noise(after)
    code, output, comment, _ = _run(tmp_path, github, push_event("squash", 0, BASE, [after]))
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"Error: no pull request was merged into main as commit {after}")
    assert err.count("\n") == 1
    assert output == "" and comment == ""


def test_a_pull_request_without_the_bot_comment_is_refused(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    after = sha("squash")
    github.pulls_by_commit[after] = [merged_pull(9, HEAD, after, BASE)]
    github.comment(9, REVIEWED, author="someone")
    code, output, _, _ = _run(tmp_path, github, push_event("squash", 9, BASE, [after]))
    assert code == 1
    assert f"no plan comment by {BOT}" in capsys.readouterr().err
    assert output == ""


@pytest.mark.parametrize("status", [401, 404, 500])
def test_an_api_error_is_an_error_naming_the_call(
    tmp_path: Path, github: FakeGitHub, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    after = sha("squash")
    github.pulls_by_commit[after] = [merged_pull(9, HEAD, after, BASE)]
    github.status = status
    code, output, _, _ = _run(tmp_path, github, push_event("squash", 9, BASE, [after]))
    err = capsys.readouterr().err
    assert code == 1
    assert f"/commits/{after}/pulls: HTTP {status}" in err
    assert TOKEN not in err
    assert output == ""


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"ref": "refs/tags/v1", "after": sha("x")}, "not a push to a branch"),
        ({"ref": "refs/heads/main", "after": "HEAD"}, "no commit id in 'after'"),
        ({"ref": "refs/heads/main", "after": sha("x"), "deleted": True}, "deleted"),
        (["not", "an", "object"], "is not a JSON object"),
    ],
)
def test_an_event_that_is_not_a_usable_push_is_refused(
    tmp_path: Path,
    github: FakeGitHub,
    event: object,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, _, _ = _run(tmp_path, github, event)
    assert code == 1
    assert message in capsys.readouterr().err
    assert github.requests == []


def test_an_unreadable_event_file_or_missing_token_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    env = {"GITHUB_EVENT_PATH": str(missing), "GITHUB_TOKEN": TOKEN}
    assert run(["--comment-to", str(tmp_path / "c.md")], env) == 1
    assert f"cannot read the event {missing}" in capsys.readouterr().err
    assert run(["--comment-to", str(tmp_path / "c.md")], {}) == 1
    assert "GITHUB_TOKEN is not set" in capsys.readouterr().err
