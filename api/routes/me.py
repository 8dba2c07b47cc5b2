"""Who am I: the authenticated principal and its scopes."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import PrincipalDep

router = APIRouter(prefix="/v1", tags=["auth"])


class PrincipalOut(BaseModel):
    """The caller as tourflow sees it."""

    id: str
    kind: str
    name: str
    scopes: list[str]
    channel_id: str | None


@router.get("/me", response_model=PrincipalOut, summary="The calling principal")
async def me(principal: PrincipalDep) -> PrincipalOut:
    """Any valid key may call this; it needs no scope."""
    return PrincipalOut(
        id=principal.id,
        kind=principal.kind,
        name=principal.name,
        scopes=list(principal.scopes),
        channel_id=principal.channel_id,
    )
