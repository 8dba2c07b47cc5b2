"""One error handler: stable codes, 400/401/403/404/409/422/503, never a 500 for user input.

Body shape for every error: {"code": ..., "message": ..., "details": {...}, "request_id": ...}.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import DomainError
from tourflow.logs import request_id_var

log = logging.getLogger("tourflow.api")


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON every error response carries."""
    return {
        "code": code,
        "message": message,
        "details": details or {},
        "request_id": request_id_var.get(),
    }


def _response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return _response(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return _response(422, "validation_error", f"{where}: {first['msg']}", {"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return _response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(IntegrityError)
    async def integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
        # A unique/check constraint caught a race the service did not pre-check.
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        log.warning("integrity error", extra={"constraint": constraint})
        return _response(
            409, "conflict", "the request conflicts with existing data", {"constraint": constraint}
        )

    @app.exception_handler(DataError)
    async def data_error(_: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot store (NUL byte, out-of-range number or date)
        # that validation let through: the caller's input, so a 400, never a 500.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "invalid value"
        log.warning("data error", extra={"reason": reason})
        return _response(400, "invalid_value", f"a value cannot be stored: {reason}")

    @app.exception_handler(OperationalError)
    async def db_unavailable(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable", exc_info=exc)
        return _response(503, "database_unavailable", "the database is not reachable; retry later")

    @app.exception_handler(DBAPIError)
    async def db_error(_: Request, exc: DBAPIError) -> JSONResponse:
        log.error("database error", exc_info=exc)
        return _response(500, "internal_error", "an unexpected database error occurred")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return _response(500, "internal_error", "an unexpected error occurred")
