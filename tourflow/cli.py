"""The `tourflow` command line."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError

from domain.errors import DomainError
from tourflow.embedded import EmbeddedError
from tourflow.logs import configure_logging
from tourflow.settings import get_settings

app = typer.Typer(
    help="tourflow: durable-workflow backend for tour operators.", no_args_is_help=True
)
keys_app = typer.Typer(help="API keys for principals (staff, agent, workflow, reseller).")
app.add_typer(keys_app, name="keys")
pii_app = typer.Typer(help="Traveller PII: rotate the local KMS key, re-wrap envelopes.")
app.add_typer(pii_app, name="pii")
console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Turn expected failures (port taken, server unreachable) into one sentence and exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (EmbeddedError, DomainError) as exc:
            message = exc.message if isinstance(exc, DomainError) else str(exc)
            console.print(f"[red]error:[/] {message}")
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
            console.print(f"[red]error:[/] the database is not reachable ({reason})")
        raise typer.Exit(1)

    return wrapper  # type: ignore[return-value]


@app.command()
@friendly
def up() -> None:
    """Run everything: embedded PostgreSQL and Temporal (unless configured), worker and API."""
    from tourflow.supervisor import up as run_up

    settings = get_settings()
    configure_logging(settings.log_level)
    raise typer.Exit(run_up(settings))


@app.command()
@friendly
def api() -> None:
    """Serve the HTTP API (production style; expects migrated database and Temporal)."""
    import uvicorn

    from api.app import create_app
    from tourflow.embedded import ensure_port_free
    from tourflow.observability.tracing import configure_tracing

    settings = get_settings()
    configure_logging(settings.log_level)
    configure_tracing("tourflow-api")
    ensure_port_free(settings.api_port, settings.api_host, "TOURFLOW_API_PORT")
    uvicorn.run(
        create_app(),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        timeout_graceful_shutdown=10,
    )


@app.command()
@friendly
def worker() -> None:
    """Run the Temporal worker and the outbox relay."""
    import worker as worker_module
    from tourflow.observability.tracing import configure_tracing

    configure_logging(get_settings().log_level)
    configure_tracing("tourflow-worker")
    worker_module.main()


@app.command("sim-processor")
@friendly
def sim_processor(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8790,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
) -> None:
    """Serve the simulated card processor (signs webhooks with TOURFLOW_PAYMENT_WEBHOOK_SECRET)."""
    import uvicorn

    from adapters.payments.sim_processor import create_sim_app
    from tourflow.embedded import ensure_port_free

    settings = get_settings()
    configure_logging(settings.log_level)
    ensure_port_free(port, host, "--port")
    uvicorn.run(
        create_sim_app(settings.payment_webhook_secret), host=host, port=port, log_config=None
    )


@app.command(
    "bench",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def bench(ctx: typer.Context) -> None:
    """Run the benchmark suite (same as `python -m bench`; `tourflow bench --help`)."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if not (root / "bench" / "runner.py").is_file():
        console.print("[red]error:[/] the bench suite lives in a source checkout (bench/)")
        raise typer.Exit(1)
    sys.path.insert(0, str(root))
    from bench.runner import main as run_bench

    raise typer.Exit(run_bench(ctx.args))


@app.command("sim-channel")
@friendly
def sim_channel(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8791,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    secret: Annotated[
        str | None, typer.Option(help="Bearer token the channel requires (none: open).")
    ] = None,
    rate_rps: Annotated[
        float | None, typer.Option(help="The channel's own rate limit (429 beyond it).")
    ] = None,
    rate_burst: Annotated[int, typer.Option(help="Burst of the channel's own limit.")] = 1,
) -> None:
    """Serve the simulated OTA channel (faults configurable at run time via /_admin)."""
    import uvicorn

    from adapters.channels.sim_channel import SimConfig, SimState, create_sim_channel_app
    from tourflow.embedded import ensure_port_free

    configure_logging(get_settings().log_level)
    ensure_port_free(port, host, "--port")
    state = SimState(secret=secret, config=SimConfig(rate_rps=rate_rps, rate_burst=rate_burst))
    uvicorn.run(create_sim_channel_app(state=state), host=host, port=port, log_config=None)


@app.command()
@friendly
def demo(
    api_url: Annotated[
        str | None, typer.Option(help="The API to drive (default: TOURFLOW_API_HOST/PORT).")
    ] = None,
    start: Annotated[
        bool, typer.Option("--start/--no-start", help="Start `tourflow up` if no API answers.")
    ] = True,
    keep_running: Annotated[
        bool, typer.Option(help="After the demo, keep a stack it started running until Ctrl-C.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Also print the summary as JSON on stdout.")
    ] = False,
) -> None:
    """Seed a believable operator and drive one day through the API (a new day each run)."""
    from tourflow.demo.context import DemoError
    from tourflow.demo.runner import main as run_demo

    settings = get_settings()
    configure_logging("WARNING")
    try:
        code = run_demo(
            settings,
            api_url=api_url,
            start=start,
            keep_running=keep_running,
            json_output=json_output,
            console=console,
        )
    except DemoError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    raise typer.Exit(code)


@app.command()
@friendly
def migrate() -> None:
    """Apply database migrations (Alembic) up to the latest revision."""
    from tourflow import migrate as migrations
    from tourflow.runtime import database_url

    migrations.upgrade(database_url(get_settings()))
    console.print("migrations applied.")


@app.command("demo-reseller-key")
@friendly
def demo_reseller_key() -> None:
    """Seed the OCTO demo data (idempotent) and print an API key for the demo reseller."""
    from domain.db import unit_of_work
    from tourflow.demo_octo import demo_reseller_key as issue
    from tourflow.runtime import resolve_runtime

    async def create() -> str:
        async with resolve_runtime() as rt, unit_of_work(rt.session_factory) as session:
            return await issue(session)

    key = asyncio.run(create())
    console.print("demo reseller key (OCTO: Authorization: Bearer <key>, base path /octo)")
    print(key)  # stdout: the key alone, so scripts can capture it


@keys_app.command("create")
@friendly
def keys_create(
    name: Annotated[str, typer.Option(help="Who the key is for.")],
    kind: Annotated[str, typer.Option(help="staff, agent, workflow or reseller.")] = "staff",
    scope: Annotated[
        list[str], typer.Option(help="Repeatable, e.g. --scope bookings:read --scope '*:*'.")
    ] = ["*:*"],  # noqa: B006
    channel_id: Annotated[
        str | None, typer.Option(help="Reseller principals: their channel.")
    ] = None,
) -> None:
    """Create a principal and print its API key (shown once)."""
    from domain.auth.service import create_principal_with_key
    from domain.db import unit_of_work
    from tourflow.runtime import resolve_runtime

    async def create() -> tuple[str, str]:
        async with resolve_runtime() as rt, unit_of_work(rt.session_factory) as session:
            principal, key = await create_principal_with_key(
                session, kind=kind, name=name, scopes=scope, channel_id=channel_id
            )
            return principal.id, key

    principal_id, key = asyncio.run(create())
    console.print(f"principal {principal_id} ({kind}) scopes={sorted(set(scope))}")
    print(key)  # stdout: the key alone, so scripts can capture it


@keys_app.command("revoke")
@friendly
def keys_revoke(api_key_id: Annotated[str, typer.Argument(help="The apik_... id.")]) -> None:
    """Revoke one API key."""
    from domain.auth.service import revoke_key
    from domain.db import unit_of_work
    from tourflow.runtime import resolve_runtime

    async def revoke() -> bool:
        async with resolve_runtime() as rt, unit_of_work(rt.session_factory) as session:
            return await revoke_key(session, api_key_id=api_key_id)

    if not asyncio.run(revoke()):
        console.print(f"[red]error:[/] no active API key {api_key_id}")
        raise typer.Exit(1)
    console.print(f"revoked {api_key_id}")


@pii_app.command("rotate-key")
@friendly
def pii_rotate_key() -> None:
    """Add a new version to the local KMS keyring and make it current (old ones stay)."""
    from tourflow.pii_ops import rotate_key

    ref = rotate_key(get_settings())
    console.print(
        f"key {ref.key_id} version {ref.key_version} is current; now run: tourflow pii rewrap"
    )


@pii_app.command("rewrap")
@friendly
def pii_rewrap(
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Rows per transaction.")] = 200,
) -> None:
    """Re-wrap every travel-details envelope under the current key version (online)."""
    from tourflow.pii_ops import rewrap

    report = asyncio.run(rewrap(get_settings(), batch_size=batch_size))
    key = f"{report.current.key_id}/{report.current.key_version}"
    console.print(f"re-wrapped {report.rewrapped} envelope(s) under {key}")
    if report.remaining:
        console.print(f"[yellow]{report.remaining} envelope(s) were busy; run rewrap again[/]")
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="tourflow")


if __name__ == "__main__":
    main()
