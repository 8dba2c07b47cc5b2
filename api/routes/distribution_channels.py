"""Channels: CRUD (the direct one protected), rate budget, webhook secret, contacts,
contracts, and batch update/delete (up to 200 ids, each isolated)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep, require
from api.fields import LongText, Name, Patch, Ref
from domain.auth.service import AuthenticatedPrincipal
from domain.distribution import batch, channels
from domain.distribution.models import Channel, ChannelContact, ChannelContract
from domain.errors import NotFound
from domain.ids import parse_id

router = APIRouter(prefix="/v1/channels", tags=["distribution"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("distribution:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("distribution:write"))]
Kind = Literal["direct", "ota", "affiliate", "reseller", "marketplace", "api_partner"]
Status = Literal["active", "paused", "archived"]
Rps = Annotated[Decimal, Field(gt=0, le=100_000, max_digits=10, decimal_places=3)]
Burst = Annotated[int, Field(ge=1, le=1_000_000)]
Bps = Annotated[int, Field(ge=0, le=10_000)]
Contact = Annotated[str, Field(min_length=1, max_length=320)]


def parse_channel_id(value: str) -> str:
    return parse_id(value, Channel.id_prefix, field="channel_id")


class ChannelIn(BaseModel):
    name: Name
    kind: Kind
    status: Status = "active"
    rate_rps: Rps = Decimal(5)
    rate_burst: Burst = 10
    notes: LongText | None = None


class ChannelPatch(Patch):
    not_null = frozenset({"name", "kind", "status", "rate_rps", "rate_burst"})
    name: Name | None = None
    kind: Kind | None = None
    status: Status | None = None
    rate_rps: Rps | None = None
    rate_burst: Burst | None = None
    notes: LongText | None = None


class ChannelOut(BaseModel):
    """A channel; its webhook secret is shown only on create and rotate."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    kind: str
    status: str
    rate_rps: Decimal
    rate_burst: int
    notes: str | None
    created_at: datetime
    updated_at: datetime


class ChannelCreatedOut(ChannelOut):
    webhook_secret: str


class RateBudgetIn(BaseModel):
    rate_rps: Rps
    rate_burst: Burst


class RateBudgetOut(BaseModel):
    rps: Decimal
    burst: int
    source: str


class SecretOut(BaseModel):
    webhook_secret: str


@router.post("", response_model=ChannelCreatedOut, status_code=201, summary="Create a channel")
async def create_channel(body: ChannelIn, session: SessionDep, _: Writer) -> ChannelCreatedOut:
    """409 `direct_channel_exists` for a second direct channel."""
    channel = await channels.create_channel(session, **body.model_dump())
    return ChannelCreatedOut.model_validate(channel)


@router.get("", response_model=list[ChannelOut], summary="List channels")
async def list_channels(
    session: SessionDep, _: Reader, kind: Kind | None = None, status: Status | None = None
) -> list[Channel]:
    stmt = select(Channel).order_by(Channel.id)
    if kind:
        stmt = stmt.where(Channel.kind == kind)
    if status:
        stmt = stmt.where(Channel.status == status)
    return list(await session.scalars(stmt))


@router.get("/{channel_id}", response_model=ChannelOut, summary="One channel")
async def get_channel(channel_id: str, session: SessionDep, _: Reader) -> Channel:
    return await channels.get_channel(session, parse_channel_id(channel_id))


@router.patch("/{channel_id}", response_model=ChannelOut, summary="Change a channel")
async def update_channel(
    channel_id: str, body: ChannelPatch, session: SessionDep, _: Writer
) -> Channel:
    """409 `direct_channel_protected` when re-kinding the direct channel."""
    return await channels.update_channel(session, parse_channel_id(channel_id), body.changes())


@router.delete("/{channel_id}", status_code=204, summary="Delete a channel")
async def delete_channel(channel_id: str, session: SessionDep, _: Writer) -> Response:
    """409 `direct_channel_protected` for the direct channel."""
    await channels.delete_channel(session, parse_channel_id(channel_id))
    return Response(status_code=204)


@router.put("/{channel_id}/rate-budget", response_model=RateBudgetOut, summary="Set the budget")
async def set_rate_budget(
    channel_id: str, body: RateBudgetIn, session: SessionDep, _: Writer
) -> RateBudgetOut:
    """The channel's upstream budget; the response is the effective one today (a contract's
    override wins)."""
    cid = parse_channel_id(channel_id)
    await channels.update_channel(session, cid, body.model_dump())
    budget = await channels.effective_rate_budget(session, cid, date.today())
    return RateBudgetOut(rps=budget.rps, burst=budget.burst, source=budget.source)


@router.get("/{channel_id}/rate-budget", response_model=RateBudgetOut, summary="Effective budget")
async def get_rate_budget(channel_id: str, session: SessionDep, _: Reader) -> RateBudgetOut:
    budget = await channels.effective_rate_budget(
        session, parse_channel_id(channel_id), date.today()
    )
    return RateBudgetOut(rps=budget.rps, burst=budget.burst, source=budget.source)


@router.post(
    "/{channel_id}/webhook-secret", response_model=SecretOut, summary="Rotate the webhook secret"
)
async def rotate_secret(channel_id: str, session: SessionDep, _: Writer) -> SecretOut:
    return SecretOut(
        webhook_secret=await channels.rotate_webhook_secret(session, parse_channel_id(channel_id))
    )


# --- batch ------------------------------------------------------------------------------


class BatchIds(BaseModel):
    ids: list[Ref] = Field(min_length=1, max_length=batch.MAX_BATCH)


class ChannelBatchUpdate(BatchIds):
    changes: ChannelPatch


class BatchItemOut(BaseModel):
    id: str
    ok: bool
    code: str | None = None
    message: str | None = None


class BatchOut(BaseModel):
    succeeded: int
    failed: int
    results: list[BatchItemOut]


def batch_out(results: list[batch.ItemResult]) -> BatchOut:
    items = [BatchItemOut(**r.__dict__) for r in results]
    ok = sum(r.ok for r in results)
    return BatchOut(succeeded=ok, failed=len(results) - ok, results=items)


@router.post("/batch-update", response_model=BatchOut, summary="Change up to 200 channels")
async def batch_update(body: ChannelBatchUpdate, session: SessionDep, _: Writer) -> BatchOut:
    """Each id in its own savepoint: one failure does not sink the others."""
    changes = body.changes.changes()

    async def apply(cid: str) -> None:
        await channels.update_channel(session, parse_channel_id(cid), dict(changes))

    return batch_out(await batch.run_batch(session, body.ids, apply))


@router.post("/batch-delete", response_model=BatchOut, summary="Delete up to 200 channels")
async def batch_delete(body: BatchIds, session: SessionDep, _: Writer) -> BatchOut:
    """Each id in its own savepoint; the direct channel answers `direct_channel_protected`."""

    async def apply(cid: str) -> None:
        await channels.delete_channel(session, parse_channel_id(cid))

    return batch_out(await batch.run_batch(session, body.ids, apply))


# --- contacts ---------------------------------------------------------------------------


class ContactIn(BaseModel):
    name: Name
    role: Name | None = None
    email: Contact | None = None
    phone: Annotated[str, Field(min_length=1, max_length=40)] | None = None


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    name: str
    role: str | None
    email: str | None
    phone: str | None


@router.post("/{channel_id}/contacts", response_model=ContactOut, status_code=201)
async def add_contact(
    channel_id: str, body: ContactIn, session: SessionDep, _: Writer
) -> ChannelContact:
    """Add a contact person to a channel."""
    return await channels.add_contact(session, parse_channel_id(channel_id), **body.model_dump())


@router.get("/{channel_id}/contacts", response_model=list[ContactOut])
async def list_contacts(channel_id: str, session: SessionDep, _: Reader) -> list[ChannelContact]:
    """The channel's contacts."""
    cid = parse_channel_id(channel_id)
    await channels.get_channel(session, cid)
    stmt = select(ChannelContact).where(ChannelContact.channel_id == cid)
    return list(await session.scalars(stmt.order_by(ChannelContact.id)))


@router.delete("/{channel_id}/contacts/{contact_id}", status_code=204)
async def delete_contact(
    channel_id: str, contact_id: str, session: SessionDep, _: Writer
) -> Response:
    """Remove a contact."""
    await channels.delete_contact(session, parse_channel_id(channel_id), contact_id)
    return Response(status_code=204)


# --- contracts --------------------------------------------------------------------------

PaymentOwner = Literal["operator", "channel", "split"]
CancellationOwner = Literal["operator", "channel"]
Compensation = Literal["eventually_consistent", "strict_atomic"]
ContractStatus = Literal["draft", "active", "expired", "terminated"]


class ContractIn(BaseModel):
    status: ContractStatus = "active"
    valid_from: date | None = None
    valid_to: date | None = None
    commission_bps: Bps | None = None
    payment_owner: PaymentOwner = "operator"
    cancellation_owner: CancellationOwner = "operator"
    compensation_policy: Compensation = "eventually_consistent"
    rate_rps_override: Rps | None = None
    rate_burst_override: Burst | None = None
    notes: LongText | None = None


class ContractPatch(Patch):
    not_null = frozenset({"status", "payment_owner", "cancellation_owner", "compensation_policy"})
    status: ContractStatus | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    commission_bps: Bps | None = None
    payment_owner: PaymentOwner | None = None
    cancellation_owner: CancellationOwner | None = None
    compensation_policy: Compensation | None = None
    rate_rps_override: Rps | None = None
    rate_burst_override: Burst | None = None
    notes: LongText | None = None


class ContractOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    status: str
    valid_from: date | None
    valid_to: date | None
    commission_bps: int | None
    payment_owner: str
    cancellation_owner: str
    compensation_policy: str
    rate_rps_override: Decimal | None
    rate_burst_override: int | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


@router.post("/{channel_id}/contracts", response_model=ContractOut, status_code=201)
async def create_contract(
    channel_id: str, body: ContractIn, session: SessionDep, _: Writer
) -> ChannelContract:
    """Commercial terms over a validity window (400 `invalid_validity` if reversed)."""
    return await channels.create_contract(
        session, parse_channel_id(channel_id), **body.model_dump()
    )


@router.get("/{channel_id}/contracts", response_model=list[ContractOut])
async def list_contracts(channel_id: str, session: SessionDep, _: Reader) -> list[ChannelContract]:
    """The channel's contracts."""
    cid = parse_channel_id(channel_id)
    await channels.get_channel(session, cid)
    stmt = select(ChannelContract).where(ChannelContract.channel_id == cid)
    return list(await session.scalars(stmt.order_by(ChannelContract.id)))


@router.patch("/{channel_id}/contracts/{contract_id}", response_model=ContractOut)
async def update_contract(
    channel_id: str, contract_id: str, body: ContractPatch, session: SessionDep, _: Writer
) -> ChannelContract:
    """Change a contract's terms."""
    contract = await channels.get_contract(session, contract_id)
    if contract.channel_id != parse_channel_id(channel_id):
        raise NotFound("contract_not_found", f"no contract {contract_id} on this channel")
    return await channels.update_contract(session, contract_id, body.changes())
