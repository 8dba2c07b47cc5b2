"""Invoice renditions: render (PDF via fpdf2, HTML) and bind; list; download the body."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict

from api.deps import SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.finance import renditions
from domain.finance.invoice_models import Invoice
from domain.ids import parse_id

router = APIRouter(prefix="/v1/finance/invoices/{invoice_id}/renditions", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]
Format = Literal["pdf", "html"]


class RenderIn(BaseModel):
    """Which format; a second rendition of a format needs `replace_existing`."""

    format: Format
    replace_existing: bool = False


class RenditionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    invoice_id: str
    format: str
    status: str
    content_type: str
    byte_size: int
    sha256: str
    template: str
    version: int
    rendered_at: datetime


def _id(invoice_id: str) -> str:
    return parse_id(invoice_id, Invoice.id_prefix, field="invoice_id")


@router.post("", response_model=RenditionOut, status_code=201, summary="Render and bind")
async def render(invoice_id: str, body: RenderIn, session: SessionDep, _: Writer) -> RenditionOut:
    """409 `invoice_not_issued`, `rendition_exists`; emits `invoice.rendered` (metadata)."""
    row = await renditions.render_and_bind(
        session,
        invoice_id=_id(invoice_id),
        fmt=body.format,
        replace_existing=body.replace_existing,
    )
    return RenditionOut.model_validate(row)


@router.get("", response_model=list[RenditionOut], summary="List renditions")
async def list_renditions(invoice_id: str, session: SessionDep, _: Reader) -> list[RenditionOut]:
    return [
        RenditionOut.model_validate(x)
        for x in await renditions.list_renditions(session, _id(invoice_id))
    ]


@router.get(
    "/{fmt}",
    summary="Download a rendition",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/html": {}}}},
)
async def download(invoice_id: str, fmt: Format, session: SessionDep, _: Reader) -> Response:
    """The stored body, with its content type and sha256 as the ETag."""
    row = await renditions.rendition_body(session, _id(invoice_id), fmt)
    return Response(
        content=row.body, media_type=row.content_type, headers={"ETag": f'"{row.sha256}"'}
    )
