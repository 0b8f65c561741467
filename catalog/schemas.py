"""Response schemas of the catalog API (docs/service-contracts.md)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from catalog.galaxy import Galaxy, Neighbour

M31_EXAMPLE: dict[str, JsonValue] = {
    "pgc": 2557,
    "names": ["NGC 224", "M 31", "UGC 454", "PGC 2557", "Andromeda Galaxy"],
    "ra": 10.684792,
    "dec": 41.269056,
    "major_axis_arcmin": 177.83,
    "minor_axis_arcmin": 69.66,
    "position_angle_deg": 35.0,
    "hubble_type": "Sb",
    "axial_ratio": 0.3917,
    "axial_ratio_inclination_deg": 69.9,
    "source": "openngc",
}


class GalaxyOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [M31_EXAMPLE]})

    pgc: int = Field(description="HyperLEDA PGC number")
    names: list[str] = Field(description="Designations and common names, the primary one first")
    ra: float = Field(description="Right ascension J2000, degrees")
    dec: float = Field(description="Declination J2000, degrees")
    major_axis_arcmin: float | None = Field(description="Major-axis diameter, arcmin")
    minor_axis_arcmin: float | None = Field(description="Minor-axis diameter, arcmin")
    position_angle_deg: float | None = Field(description="Major-axis position angle, deg E of N")
    hubble_type: str | None = Field(description="Morphological type, e.g. Sb")
    axial_ratio: float | None = Field(description="minor / major, 0…1")
    axial_ratio_inclination_deg: float | None = Field(
        description="Inclination from the axial ratio, cos²i = (q² - q0²)/(1 - q0²), q0 = 0.2"
    )
    source: Literal["openngc", "user_table", "hyperleda"] = Field(
        description="Which catalog answered: the embedded OpenNGC, the user table, or HyperLEDA "
        "(online, then from the local store)"
    )

    @classmethod
    def from_galaxy(cls, galaxy: Galaxy) -> "GalaxyOut":
        ratio = galaxy.axial_ratio
        inclination = galaxy.axial_ratio_inclination_deg
        return cls(
            pgc=galaxy.pgc,
            names=list(galaxy.names),
            ra=round(galaxy.ra, 6),
            dec=round(galaxy.dec, 6),
            major_axis_arcmin=galaxy.major_axis_arcmin,
            minor_axis_arcmin=galaxy.minor_axis_arcmin,
            position_angle_deg=galaxy.position_angle_deg,
            hubble_type=galaxy.hubble_type,
            axial_ratio=round(ratio, 4) if ratio is not None else None,
            axial_ratio_inclination_deg=round(inclination, 2) if inclination is not None else None,
            source=galaxy.source,
        )


class NeighbourOut(BaseModel):
    galaxy: GalaxyOut
    separation_arcmin: float

    @classmethod
    def from_neighbour(cls, neighbour: Neighbour) -> "NeighbourOut":
        return cls(
            galaxy=GalaxyOut.from_galaxy(neighbour.galaxy),
            separation_arcmin=round(neighbour.separation_arcmin, 4),
        )


class NearOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ra": 10.6847,
                    "dec": 41.269,
                    "radius_arcmin": 5.0,
                    "results": [{"galaxy": M31_EXAMPLE, "separation_arcmin": 0.0129}],
                }
            ]
        }
    )

    ra: float = Field(description="Search centre, degrees")
    dec: float = Field(description="Search centre, degrees")
    radius_arcmin: float
    results: list[NeighbourOut] = Field(description="Nearest first; empty when none is inside")
