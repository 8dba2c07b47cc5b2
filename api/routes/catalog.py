"""Catalog routes: products, options, units and option resource templates."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.availability.recurrence import zone
from domain.catalog.events import lock_product, product_changed
from domain.catalog.models import OptionResourceTemplate, OptionUnit, Product, ProductOption
from domain.errors import Conflict, NotFound
from domain.ids import parse_id
from domain.money import check_currency

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("catalog:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("catalog:write"))]


class ProductIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = "UTC"
    default_currency: str = Field(default="EUR", min_length=3, max_length=3)


class ProductOut(ProductIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    status: str


class ProductPatch(BaseModel):
    """Fields to change (absent or null: unchanged)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = None
    default_currency: str | None = Field(default=None, min_length=3, max_length=3)
    status: Literal["draft", "active", "archived"] | None = None


class OptionIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class OptionOut(OptionIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    product_id: str


class UnitIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    category: str = Field(default="adult", max_length=32)
    pax: int = Field(default=1, ge=1, le=50)
    price_minor: int | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class UnitPatch(BaseModel):
    """Fields to change (absent or null: unchanged)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    category: str | None = Field(default=None, max_length=32)
    pax: int | None = Field(default=None, ge=1, le=50)
    price_minor: int | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class UnitOut(UnitIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    option_id: str


class TemplateIn(BaseModel):
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    capacity_per_unit: int = Field(default=1, ge=1, le=100)
    default_count: int | None = Field(default=None, ge=0, le=10_000)
    label_prefix: str | None = Field(default=None, max_length=64)


class TemplateOut(TemplateIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    option_id: str


async def _product(session: SessionDep, product_id: str) -> Product:
    product = await session.get(Product, parse_id(product_id, "prod", field="product_id"))
    if product is None:
        raise NotFound("product_not_found", f"no product {product_id}")
    return product


async def _option(session: SessionDep, option_id: str) -> ProductOption:
    option = await session.get(ProductOption, parse_id(option_id, "popt", field="option_id"))
    if option is None:
        raise NotFound("option_not_found", f"no option {option_id}")
    return option


@router.post("/products", response_model=ProductOut, status_code=201)
async def create_product(body: ProductIn, session: SessionDep, _: Writer) -> Product:
    """Create a product (IANA timezone and ISO-4217 currency are checked)."""
    zone(body.timezone)
    check_currency(body.default_currency)
    product = Product(**body.model_dump(), status="active")
    session.add(product)
    await session.flush()
    return product


@router.get("/products", response_model=list[ProductOut])
async def list_products(session: SessionDep, _: Reader) -> list[Product]:
    """All products, oldest first."""
    return list((await session.scalars(select(Product).order_by(Product.id))).all())


@router.get("/products/{product_id}", response_model=ProductOut)
async def get_product(product_id: str, session: SessionDep, _: Reader) -> Product:
    """One product."""
    return await _product(session, product_id)


@router.patch("/products/{product_id}", response_model=ProductOut)
async def update_product(
    product_id: str, body: ProductPatch, session: SessionDep, _: Writer
) -> Product:
    """Change a product; channels mapping it get its new content (`catalog.product.changed`)."""
    product = await _product(session, product_id)
    await lock_product(session, product.id)
    changes = body.model_dump(exclude_none=True)
    if "timezone" in changes:
        zone(changes["timezone"])
    if "default_currency" in changes:
        check_currency(changes["default_currency"])
    for name, value in changes.items():
        setattr(product, name, value)
    await product_changed(session, product.id)
    await session.flush()
    await session.refresh(product)
    return product


@router.post("/products/{product_id}/options", response_model=OptionOut, status_code=201)
async def create_option(
    product_id: str, body: OptionIn, session: SessionDep, _: Writer
) -> ProductOption:
    """Add an option to a product."""
    product = await _product(session, product_id)
    option = ProductOption(product_id=product.id, name=body.name)
    session.add(option)
    await product_changed(session, product.id)
    await session.flush()
    return option


@router.patch("/options/{option_id}", response_model=OptionOut)
async def update_option(
    option_id: str, body: OptionIn, session: SessionDep, _: Writer
) -> ProductOption:
    """Rename an option (its product's content changes)."""
    option = await _option(session, option_id)
    await lock_product(session, option.product_id)
    option.name = body.name
    await product_changed(session, option.product_id)
    await session.flush()
    return option


@router.get("/products/{product_id}/options", response_model=list[OptionOut])
async def list_options(product_id: str, session: SessionDep, _: Reader) -> list[ProductOption]:
    """A product's options."""
    product = await _product(session, product_id)
    stmt = select(ProductOption).where(ProductOption.product_id == product.id)
    return list((await session.scalars(stmt.order_by(ProductOption.id))).all())


@router.post("/options/{option_id}/units", response_model=UnitOut, status_code=201)
async def create_unit(option_id: str, body: UnitIn, session: SessionDep, _: Writer) -> OptionUnit:
    """Add a priced unit (adult, child, ...) to an option."""
    option = await _option(session, option_id)
    if body.currency is not None:
        check_currency(body.currency)
    unit = OptionUnit(option_id=option.id, **body.model_dump())
    session.add(unit)
    await product_changed(session, option.product_id)
    await session.flush()
    return unit


@router.patch("/units/{unit_id}", response_model=UnitOut)
async def update_unit(unit_id: str, body: UnitPatch, session: SessionDep, _: Writer) -> OptionUnit:
    """Change a unit (name, pax, price); its product's content changes."""
    unit = await session.get(OptionUnit, parse_id(unit_id, "punt", field="unit_id"))
    if unit is None:
        raise NotFound("unit_not_found", f"no unit {unit_id}")
    option = await _option(session, unit.option_id)
    await lock_product(session, option.product_id)
    changes = body.model_dump(exclude_none=True)
    if "currency" in changes:
        check_currency(changes["currency"])
    for name, value in changes.items():
        setattr(unit, name, value)
    await product_changed(session, option.product_id)
    await session.flush()
    return unit


@router.get("/options/{option_id}/units", response_model=list[UnitOut])
async def list_units(option_id: str, session: SessionDep, _: Reader) -> list[OptionUnit]:
    """An option's units."""
    option = await _option(session, option_id)
    stmt = select(OptionUnit).where(OptionUnit.option_id == option.id).order_by(OptionUnit.id)
    return list((await session.scalars(stmt)).all())


@router.post("/options/{option_id}/resource-templates", response_model=TemplateOut, status_code=201)
async def create_template(
    option_id: str, body: TemplateIn, session: SessionDep, _: Writer
) -> OptionResourceTemplate:
    """Describe a resource kind every new slot of the option gets (one per kind)."""
    option = await _option(session, option_id)
    exists = await session.scalar(
        select(OptionResourceTemplate.id).where(
            OptionResourceTemplate.option_id == option.id, OptionResourceTemplate.kind == body.kind
        )
    )
    if exists:
        raise Conflict("template_exists", f"option {option_id} already has a {body.kind} template")
    template = OptionResourceTemplate(option_id=option.id, **body.model_dump())
    session.add(template)
    await session.flush()
    return template


@router.get("/options/{option_id}/resource-templates", response_model=list[TemplateOut])
async def list_templates(
    option_id: str, session: SessionDep, _: Reader
) -> list[OptionResourceTemplate]:
    """An option's resource templates."""
    option = await _option(session, option_id)
    stmt = select(OptionResourceTemplate).where(OptionResourceTemplate.option_id == option.id)
    return list((await session.scalars(stmt.order_by(OptionResourceTemplate.kind))).all())
