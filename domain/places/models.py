"""The places table: shared physical locations used by every workflow."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Double, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

PLACE_KINDS = (
    "meeting_point",
    "pickup",
    "dropoff",
    "airport",
    "station",
    "port",
    "attraction",
    "venue",
    "accommodation",
)


class Place(TypeIdPk, Timestamps, Base):
    """A named location with an IANA timezone and optional coordinates."""

    __tablename__ = "places"
    id_prefix = "plac"

    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Double)
    longitude: Mapped[float | None] = mapped_column(Double)
    timezone: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint(f"kind IN {PLACE_KINDS!r}", name="kind"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        # A point is either fully located or not at all.
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_pair"),
        Index("ix_places_kind_name", "kind", "name"),
    )


# The v1 compatibility name: "facilities" and "places" are the same definitions.
Facility = Place
