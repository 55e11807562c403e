"""Running the jobs of examples/gitops/workflow.yml locally, step by step, as GitHub Actions
would: ``run:`` steps with bash against the embedded sandbox (RECONCILER_FLAGS=--sandbox), and
the few ``uses:`` steps the pipeline depends on played by stand-ins:

- ``actions/upload-artifact`` / ``dawidd6/action-download-artifact``: an artifact store on disk,
  each artifact remembering the pull request whose run uploaded it (the ``pr`` input).
- ``actions/github-script``: the sticky plan comment and the re-plan comment, written to
  ``FakeGitHub`` (which also answers the merge job's REST calls on loopback).
- checkout, setup-python, AWS credentials, and the install step: skipped (the test's venv has
  reconciler; the sandbox needs no credentials).

Each job starts on a "fresh runner": every file of the work dir but ``infra/`` (the checkout)
and ``state/`` (the shared state backend) is removed first. ``${{ ... }}`` expressions in
``with:``, ``env:`` and ``if:`` are evaluated against the event, step outputs and outcomes; one
the stand-in cannot evaluate fails the test rather than being skipped.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.gitops.conftest import EXAMPLES, Result, Workdir
from tests.gitops.github_events import (
    REPOSITORY,
    merged_pull,
    pull_request_event,
    push_event,
    sha,
)
from tests.loopback import JSON, send, serving, url_of

WORKFLOW = EXAMPLES / "gitops" / "workflow.yml"
STICKY_MARKER = "<!-- reconciler-plan -->"
BOT = "github-actions[bot]"
TOKEN = "ghs_fakeTokenForTheTests0123456789"
KEPT = {"infra", "state"}  # what a fresh runner has: the checkout, and the shared state


def workflow() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return doc


# -- GitHub's REST API, as far as the merge job reads it --------------------------------------


@dataclass
class FakeGitHub:
    repository: str = REPOSITORY
    pulls_by_commit: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # path, Authorization
    status: int = 200  # force an error answer
    url: str = ""

    def comment(self, number: int, body: str, author: str = BOT) -> None:
        self.comments.setdefault(number, []).append({"body": body, "user": {"login": author}})

    def upsert_sticky(self, number: int, body: str) -> None:
        for c in self.comments.get(number, []):
            if c["user"]["login"] == BOT and c["body"].startswith(STICKY_MARKER):
                c["body"] = body
                return
        self.comment(number, body)

    def answer(self, path: str, query: dict[str, list[str]]) -> Any:
        prefix = f"/repos/{self.repository}"
        if not path.startswith(prefix + "/"):
            return None
        rest = path[len(prefix) :]
        if m := re.fullmatch(r"/commits/([0-9a-f]{40})/pulls", rest):
            return self.pulls_by_commit.get(m.group(1), [])
        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            page, per_page = int(query["page"][0]), int(query["per_page"][0])
            every = self.comments.get(int(m.group(1)), [])
            return every[(page - 1) * per_page : page * per_page]
        return None

    @contextmanager
    def serve(self) -> Iterator[FakeGitHub]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                fake.requests.append((parts.path, self.headers.get("Authorization", "")))
                body = fake.answer(parts.path, parse_qs(parts.query))
                status = fake.status if body is not None else 404
                data = json.dumps(body if status == 200 else {"message": "Not Found"}).encode()
                send(self, status, data, JSON)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as server:
            self.url = url_of(server)
            yield self


# -- expressions -------------------------------------------------------------------------------

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _lookup(path: str, context: dict[str, Any]) -> Any:
    value: Any = context
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise AssertionError(f"the stand-in cannot evaluate {path!r} (no {part!r})")
        value = value[part]
    return value


def _term(term: str, context: dict[str, Any], failed: bool) -> bool:
    term = term.strip()
    if term == "failure()":
        return failed
    if term == "success()":
        return not failed
    if term == "always()":
        return True
    if m := re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", term):
        equal = str(_lookup(m.group(1), context)) == m.group(3)
        return equal if m.group(2) == "==" else not equal
    raise AssertionError(f"the stand-in cannot evaluate the condition {term!r}")


def condition(expr: str | None, context: dict[str, Any], failed: bool) -> bool:
    """``if:`` as Actions reads it: no status function means ``success() && ...``."""
    if expr is None:
        return not failed
    text = _EXPR.sub(lambda m: m.group(1), expr)
    terms = text.split("&&")
    if not any(re.search(r"\b(failure|success|always)\(\)", t) for t in terms):
        terms.append("success()")
    return all(_term(t, context, failed) for t in terms)


def evaluate(text: Any, context: dict[str, Any]) -> str:
    return _EXPR.sub(lambda m: str(_lookup(m.group(1), context)), str(text))


# -- the runner --------------------------------------------------------------------------------


@dataclass
class Repo:
    """A repository on GitHub, its workflow runs and their artifacts, around one work dir."""

    wd: Workdir
    github: FakeGitHub
    store: Path  # artifacts: store/<name>/files, store/<name>.pr holds the uploading PR
    main_sha: str = field(default_factory=lambda: sha("initial"))
    heads: dict[int, str] = field(default_factory=dict)  # pull request -> its head commit

    def run_job(self, job: str, event_name: str, event: dict[str, Any]) -> list[tuple[str, Result]]:
        spec = workflow()["jobs"][job]
        context: dict[str, Any] = {
            "github": {"event_name": event_name, "event": event, "token": TOKEN},
            "steps": {},
            "vars": {"RECONCILER_ROLE_ARN": "arn:aws:iam::111111111111:role/reconciler"},
        }
        assert condition(spec["if"], context, failed=False), f"job {job} would not run"
        self._fresh_runner()
        event_path = self.wd.path.parent / "event.json"
        event_path.write_text(json.dumps(event))
        done: list[tuple[str, Result]] = []
        failed = False
        for step in spec["steps"]:
            if not condition(step.get("if"), context, failed):
                if "id" in step:
                    context["steps"][step["id"]] = {"outputs": {}, "outcome": "skipped"}
                continue
            name = str(step.get("name", step.get("uses", step.get("run"))))
            output = self.wd.path.parent / "github_output"
            output.write_text("")
            if "uses" in step:
                result = self._uses(step, context, event)
            elif step.get("id") == "install":
                continue
            else:
                env = {k: evaluate(v, context) for k, v in (step.get("env") or {}).items()}
                env.update(
                    GITHUB_EVENT_PATH=str(event_path),
                    GITHUB_EVENT_NAME=event_name,
                    GITHUB_OUTPUT=str(output),
                    GITHUB_STEP_SUMMARY=str(self.wd.path.parent / "step_summary.md"),
                    GITHUB_REPOSITORY=REPOSITORY,
                    GITHUB_API_URL=self.github.url,
                )
                assert "${{" not in step["run"], f"step {name!r}: pass expressions through env"
                # GitHub's default shell for run steps on Linux: bash -e -o pipefail {0}.
                result = self.wd.bash(
                    "set -o pipefail\n" + step["run"], env={**_env(self.wd), **env}
                )
            outcome = "success" if result.code == 0 else "failure"
            if "id" in step:
                outputs = dict(
                    line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
                )
                context["steps"][step["id"]] = {"outputs": outputs, "outcome": outcome}
            done.append((name, result))
            failed = failed or result.code != 0
        return done

    def _fresh_runner(self) -> None:
        for child in self.wd.path.iterdir():
            if child.name not in KEPT:
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()

    def _uses(self, step: dict[str, Any], context: dict[str, Any], event: dict[str, Any]) -> Result:
        action = str(step["uses"]).split("@", 1)[0]
        inputs = {k: evaluate(v, context) for k, v in (step.get("with") or {}).items()}
        env = {k: evaluate(v, context) for k, v in (step.get("env") or {}).items()}
        if action == "actions/upload-artifact":
            target = self.store / inputs["name"]
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for path in inputs["path"].split():
                shutil.copy(self.wd.path / path, target / path)
            (self.store / f"{inputs['name']}.pr").write_text(str(event["number"]))
            return Result(0, f"uploaded {inputs['name']}", "")
        if action == "dawidd6/action-download-artifact":
            assert inputs["workflow"] == "reconciler.yml"
            source = self.store / inputs["name"]
            owner = self.store / f"{inputs['name']}.pr"
            if not source.is_dir() or owner.read_text() != inputs["pr"]:
                return Result(
                    1, "", f"no artifact {inputs['name']} for pull request {inputs['pr']}"
                )
            shutil.copytree(source, self.wd.path / inputs.get("path", "."), dirs_exist_ok=True)
            return Result(0, f"downloaded {inputs['name']}", "")
        if action == "actions/github-script":
            return self._script(step, inputs, env, event)
        return Result(0, "", "")  # checkout, setup-python, credentials

    def _script(
        self,
        step: dict[str, Any],
        inputs: dict[str, str],
        env: dict[str, str],
        event: dict[str, Any],
    ) -> Result:
        script = inputs["script"]
        if step.get("id") == "sticky":
            assert "'comment.md'" in script and "updateComment" in script
            body = (self.wd.path / "comment.md").read_text()
            self.github.upsert_sticky(int(event["number"]), body)
        elif step.get("id") == "post-replan":
            assert "'replan-comment.md'" in script and "process.env.PR_NUMBER" in script
            body = (self.wd.path / "replan-comment.md").read_text()
            self.github.comment(int(env["PR_NUMBER"]), body)
        else:
            raise AssertionError(f"no stand-in for the github-script step {step.get('id')!r}")
        return Result(0, "", "")

    # -- what people do on GitHub --------------------------------------------------------------

    def open_pr(self, number: int) -> list[tuple[str, Result]]:
        """Push to pull request ``number`` with the configuration now in ``infra/``."""
        config = "".join(p.read_text() for p in sorted(self.wd.infra.glob("*")))
        self.heads[number] = sha(f"pr{number}:{len(self.heads)}:{config}")
        return self.run_job("plan", "pull_request", pull_request_event(number, self.heads[number]))

    def merge(self, number: int, how: str = "merge") -> list[tuple[str, Result]]:
        """Merge pull request ``number`` (``infra/`` must hold main's configuration after it)."""
        before = self.main_sha
        count = 2 if how == "rebase" else 1
        commits = [sha(f"{how}:{number}:{before}:{i}") for i in range(count)]
        after = commits[-1]
        self.main_sha = after
        pull = merged_pull(number, self.heads[number], after, before)
        # GitHub lists the merged PR for every commit it brought in (each rebased one too).
        for commit in commits:
            self.github.pulls_by_commit[commit] = [pull]
        return self.run_job("apply", "push", push_event(how, number, before, commits))

    def push_direct(self) -> list[tuple[str, Result]]:
        """A commit pushed straight to main, no pull request."""
        before, self.main_sha = self.main_sha, sha(f"direct:{self.main_sha}")
        return self.run_job("apply", "push", push_event("squash", 0, before, [self.main_sha]))

    def schedule(self) -> list[tuple[str, Result]]:
        return self.run_job("drift", "schedule", {"schedule": "0 6 * * *"})


@contextmanager
def github_repo(wd: Workdir) -> Iterator[Repo]:
    wd.secrets.append(TOKEN)
    with FakeGitHub().serve() as github:
        yield Repo(wd, github, wd.path.parent / "artifacts")


def _env(wd: Workdir) -> dict[str, str]:
    """The workflow's own env, with the test's stand-ins for secrets and RECONCILER_FLAGS."""
    env = {k: str(v) for k, v in workflow()["env"].items() if "${{" not in str(v)}
    env["RECONCILER_FLAGS"] = "--sandbox"
    assert env["CONFIG"] == "infra/"
    return {**wd.env, **env}


def edit(path: Path, old: str, new: str) -> None:
    """Change one piece of a configuration file (that must be there)."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def all_ok(steps: list[tuple[str, Result]]) -> None:
    for name, result in steps:
        assert result.code == 0, f"step {name!r} failed:\n{result.show()}"


def step_result(steps: list[tuple[str, Result]], prefix: str) -> Result:
    for name, result in steps:
        if name.startswith(prefix):
            return result
    raise AssertionError(f"no step {prefix!r} ran; ran: {[n for n, _ in steps]}")
