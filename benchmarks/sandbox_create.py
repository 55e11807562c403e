"""CPU time of one Datadog create in the sandbox, and of one refused as a duplicate (409), with
N account configs already stored: the duplicate check looks the (organisation, AWS account)
pair up in an index, so neither should grow with N.

In-process: the sandbox's Datadog handler over a store in a temporary directory, no HTTP.
Prints markdown rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

from reconciler.sandbox.datadog import DatadogApi
from reconciler.sandbox.faults import Fault
from reconciler.sandbox.ratelimit import RateLimits
from reconciler.sandbox.store import Store
from reconciler.sandbox.wire import Request

PATH = "/api/v2/integration/aws/accounts"
HEADERS = {"dd-api-key": "bench", "dd-application-key": "bench"}


def _body(i: int) -> bytes:
    attributes = {
        "aws_account_id": f"{900_000_000_000 + i:012d}",
        "aws_partition": "aws",
        "auth_config": {"role_name": "DatadogIntegrationRole"},
    }
    return json.dumps({"data": {"type": "account", "attributes": attributes}}).encode()


def measure(stored: int, calls: int) -> tuple[float, float]:
    """(ms CPU per create, ms CPU per 409) with ``stored`` configs in the store."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        with store.update() as doc:
            accounts = doc["datadog"]["accounts"]
            for i in range(stored):
                config_id = str(uuid.UUID(int=i))
                accounts[config_id] = {
                    "id": config_id,
                    "attributes": {"aws_account_id": f"{i:012d}"},
                    "created_ns": i,
                    "modified_ns": i,
                }
        api = DatadogApi(store, RateLimits(None, 10), shuffle_lists=False)
        rng = random.Random(0)
        results = []
        for expected in (200, 409):
            start = time.process_time()
            for i in range(calls):
                req = Request("POST", PATH, {}, HEADERS, _body(i))
                status = api.handle(req, Fault.NONE, rng).status
                if status != expected:
                    raise SystemExit(f"expected {expected}, got {status}")
            results.append((time.process_time() - start) * 1000 / calls)
        store.close()
        return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")
    print("| configs stored | create, ms CPU | duplicate (409), ms CPU |")
    print("| --- | --- | --- |")
    for stored in args.stored:
        create, duplicate = measure(stored, args.calls)
        print(f"| {stored} | {create:.2f} | {duplicate:.2f} |")


if __name__ == "__main__":
    main()
