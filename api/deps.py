"""Request dependencies: the runtime, the request's unit of work, the principal, scopes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.keys import has_scope
from domain.auth.service import AuthenticatedPrincipal, authenticate
from domain.db import unit_of_work
from domain.errors import Forbidden, Unauthorized
from tourflow.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process runtime stored on the app at startup."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's one transaction: committed when the handler returns, else rolled back.

    Scope "function": the commit happens before the response is sent, so a 2xx always
    means the data is durable; workflow intents written in it are dispatched right after.
    """
    async with unit_of_work(
        runtime.session_factory, after_commit=runtime.dispatcher.dispatch
    ) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tf_...`")


async def get_principal(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    request: Request,
) -> AuthenticatedPrincipal:
    """Authenticate the API key in `Authorization: Bearer` (or `X-API-Key`)."""
    key = credentials.credentials if credentials else request.headers.get("x-api-key")
    if not key:
        raise Unauthorized("missing_api_key", "send an API key as 'Authorization: Bearer <key>'")
    # Its own short transaction: authentication must not roll back with the request.
    async with unit_of_work(runtime.session_factory) as session:
        principal = await authenticate(session, key)
    request.state.principal_id = principal.id
    return principal


PrincipalDep = Annotated[AuthenticatedPrincipal, Depends(get_principal)]


def require(
    scope: str,
) -> Callable[[AuthenticatedPrincipal], Coroutine[Any, Any, AuthenticatedPrincipal]]:
    """A dependency that lets the request through only if the principal has `scope`."""

    async def check(principal: PrincipalDep) -> AuthenticatedPrincipal:
        if not has_scope(principal.scopes, scope):
            raise Forbidden("missing_scope", f"this action needs the '{scope}' scope", scope=scope)
        return principal

    return check
