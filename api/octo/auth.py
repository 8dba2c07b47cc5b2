"""OCTO authentication: `Authorization: Bearer <key>` of a reseller principal with `octo:book`.

Failures use OCTO's own error shapes (UNAUTHORIZED, FORBIDDEN), not tourflow's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.deps import RuntimeDep
from domain.auth.keys import has_scope
from domain.auth.service import AuthenticatedPrincipal, authenticate
from domain.db import unit_of_work
from domain.errors import Unauthorized
from domain.octo.errors import OctoError

SCOPE = "octo:book"


async def octo_principal(runtime: RuntimeDep, request: Request) -> AuthenticatedPrincipal:
    """The reseller behind the bearer key, or UNAUTHORIZED / FORBIDDEN."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise OctoError("UNAUTHORIZED", "Send an API key as 'Authorization: Bearer <key>'")
    try:
        async with unit_of_work(runtime.session_factory) as session:
            principal = await authenticate(session, key.strip())
    except Unauthorized as exc:
        raise OctoError("UNAUTHORIZED", exc.message) from exc
    if not has_scope(principal.scopes, SCOPE) or principal.channel_id is None:
        raise OctoError("FORBIDDEN", f"This API key needs the '{SCOPE}' scope and a channel")
    request.state.principal_id = principal.id
    return principal


OctoPrincipal = Annotated[AuthenticatedPrincipal, Depends(octo_principal)]


def capabilities(request: Request) -> frozenset[str]:
    """Capabilities the caller asked for in `Octo-Capabilities` (empty header: none)."""
    raw = request.headers.get("octo-capabilities", "")
    return frozenset(c.strip() for c in raw.split(",") if c.strip())


Capabilities = Annotated[frozenset[str], Depends(capabilities)]
