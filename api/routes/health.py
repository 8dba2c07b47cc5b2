"""Liveness and readiness. Unauthenticated by design: probes reveal nothing but up/down."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import RuntimeDep
from domain.errors import Unavailable

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    """Always 200 while the process serves HTTP."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database and Temporal are both reachable")
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """200 when PostgreSQL answers a query and Temporal a health check, else 503."""
    checks: dict[str, str] = {}
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    try:
        await runtime.temporal.check()
        checks["temporal"] = "ok"
    except Unavailable as exc:
        checks["temporal"] = f"unavailable: {exc.message}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
