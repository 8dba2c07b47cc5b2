"""OCTO responses: JSON with nulls kept and the `Octo-Capabilities` header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.octo.serialize import CONTENT, LOCALE, SUPPORTED


def ok(body: Any, caps: frozenset[str]) -> JSONResponse:
    """200 with the capabilities actually applied (a subset of those asked for)."""
    applied = [c for c in SUPPORTED if c in caps]
    headers = {"Octo-Capabilities": ", ".join(applied)}
    if CONTENT in caps:
        headers |= {"Content-Language": LOCALE, "Available-Languages": LOCALE}
    return JSONResponse(body, headers=headers)


def route(router: APIRouter, method: str, path: str) -> Callable[[Any], Any]:
    """Register a handler at `path` and `path/` (the OpenAPI file lists both styles)."""

    def register(fn: Any) -> Any:
        router.add_api_route(path, fn, methods=[method], response_class=JSONResponse)
        router.add_api_route(
            path + "/", fn, methods=[method], response_class=JSONResponse, include_in_schema=False
        )
        return fn

    return register
