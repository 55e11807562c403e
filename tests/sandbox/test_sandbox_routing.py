"""The sandbox routes each request to the registered API that claims it: another API is one
more entry, with latency and faults applied to it like to the others."""

from __future__ import annotations

import random
import urllib.request
from pathlib import Path

from reconciler.sandbox import Sandbox, SandboxOptions
from reconciler.sandbox.faults import Fault
from reconciler.sandbox.wire import Reply, Request, json_reply


class EchoApi:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def claims(self, req: Request) -> bool:
        return req.path.startswith("/echo/")

    def handle(self, req: Request, fault: Fault, rng: random.Random) -> Reply:
        self.faults.append(fault)
        return json_reply(200, {"path": req.path}, "application/json")


def test_a_third_api_is_one_more_registration(tmp_path: Path) -> None:
    echo = EchoApi()
    with Sandbox(SandboxOptions(data_dir=tmp_path)) as sandbox:
        sandbox.register_api(echo)
        with urllib.request.urlopen(f"{sandbox.url}/echo/hello", timeout=5) as answer:
            assert answer.read() == b'{"path":"/echo/hello"}'
        try:
            urllib.request.urlopen(f"{sandbox.url}/nobody/claims/this", timeout=5)
        except urllib.error.HTTPError as err:
            assert err.code == 404
        else:
            raise AssertionError("an unclaimed path was answered")
    assert echo.faults == [Fault.NONE]
