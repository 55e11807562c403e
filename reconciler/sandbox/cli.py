"""``reconciler sandbox serve``: run the sandbox in the foreground until Ctrl-C."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from reconciler.errors import ReconcilerError
from reconciler.sandbox.aws_identity import SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY
from reconciler.sandbox.options import DEFAULT_DATA_DIR, SandboxOptions

app = typer.Typer(help="A local stand-in for the Datadog and CloudWatch Logs APIs.")


@app.callback()
def _group() -> None:
    """A local stand-in for the Datadog and CloudWatch Logs APIs."""


def client_env(url: str, region: str = "us-east-1") -> dict[str, str]:
    """Environment variables that point the clients (and the reconciler) at a sandbox."""
    return {
        "DD_HOST": url,
        "DD_API_KEY": "sandbox",
        "DD_APP_KEY": "sandbox",
        "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": url,
        "AWS_ENDPOINT_URL_STS": url,
        "AWS_ACCESS_KEY_ID": SANDBOX_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SANDBOX_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": region,
    }


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 0,
    data: Annotated[
        Path, typer.Option(help="Where the sandbox keeps its cloud.")
    ] = DEFAULT_DATA_DIR,
    latency_ms: Annotated[int, typer.Option(help="Delay added to every API request.")] = 0,
    error_rate: Annotated[float, typer.Option(help="Share of requests answered 5xx.")] = 0.0,
    throttle_rate: Annotated[float, typer.Option(help="Share of requests throttled.")] = 0.0,
    drop_rate: Annotated[float, typer.Option(help="Share of connections dropped.")] = 0.0,
    rate_limit: Annotated[
        int | None, typer.Option(help="Datadog requests allowed per period.")
    ] = None,
    rate_period: Annotated[int, typer.Option(help="Rate-limit period in seconds.")] = 10,
    provisioning_seconds: Annotated[
        float, typer.Option(help="How long a new Logs integration stays PROVISIONING.")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of the fault pattern.")] = 0,
    shuffle_lists: Annotated[
        bool,
        typer.Option(
            "--shuffle-lists", help="Fault: return some Datadog lists in an order of their own."
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each request.")] = False,
) -> None:
    """Serve both APIs on one port until interrupted."""
    try:
        options = SandboxOptions(
            data_dir=data,
            host=host,
            port=port,
            latency_ms=latency_ms,
            error_rate=error_rate,
            throttle_rate=throttle_rate,
            drop_rate=drop_rate,
            rate_limit=rate_limit,
            rate_period=rate_period,
            provisioning_seconds=provisioning_seconds,
            seed=seed,
            shuffle_lists=shuffle_lists,
        )
        from reconciler.sandbox.runner import Sandbox

        sandbox = Sandbox(options).start()
    except ReconcilerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    typer.echo(f"sandbox listening on {sandbox.url} (data in {data})")
    typer.echo("point clients at it with:")
    for name, value in client_env(sandbox.url).items():
        typer.echo(f"  export {name}={value}")
    typer.echo("press Ctrl-C to stop")
    sys.stdout.flush()
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        typer.echo("sandbox stopped")
