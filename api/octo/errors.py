"""The OCTO error handler: HTTP 400 `{"error", "errorMessage", <id field>}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from domain.octo.errors import OctoError


def install_octo_handlers(app: FastAPI) -> None:
    """Register the OCTO error handler on `app`."""

    @app.exception_handler(OctoError)
    async def octo_error(_: Request, exc: OctoError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)
