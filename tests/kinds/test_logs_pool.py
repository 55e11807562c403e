"""CloudWatch Logs calls run on the client's own bounded pool, several regions at once."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from reconciler.clients.logs_boto import LogsClient
from reconciler.settings import AwsSettings


class _Fake:
    """A boto3 client stand-in whose calls meet at a barrier: they pass only together."""

    def __init__(self, barrier: threading.Barrier, threads: list[str]) -> None:
        self.barrier = barrier
        self.threads = threads

    def list_integrations(self) -> dict[str, Any]:
        self.threads.append(threading.current_thread().name)
        self.barrier.wait(timeout=10)
        return {"integrationSummaries": []}

    def close(self) -> None:
        pass


def test_regions_are_listed_side_by_side_on_the_clients_own_threads() -> None:
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    barrier = threading.Barrier(len(regions))
    threads: list[str] = []
    client = LogsClient(AwsSettings(), factory=lambda region, attempts: _Fake(barrier, threads))  # type: ignore[arg-type,return-value]

    async def run() -> list[list[dict[str, Any]]]:
        try:
            return await asyncio.gather(*(client.list_integrations(r) for r in regions))
        finally:
            client.close()

    assert asyncio.run(run()) == [[], [], []]
    assert len(threads) == 3
    assert all(name.startswith("reconciler-logs") for name in threads), threads
