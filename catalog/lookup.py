"""Galaxy lookups by PGC, name and position, independent of HTTP."""

from catalog import names
from catalog.coordinates import InvalidCoordinate, parse_dec, parse_ra
from catalog.galaxy import Galaxy, Neighbour
from catalog.index import Catalog
from catalog.online import OnlineCatalog, resolve
from catalog.problems import GalaxyNotFound, InvalidGalaxyQuery
from catalog.resolver import SesameResolver

MAX_PGC = 100_000_000  # HyperLEDA's PGC numbers stay well below this
OFFLINE_NOTE = (
    "; online lookups are off (CATALOG_ONLINE_LOOKUPS=false), so HyperLEDA was not asked: "
    "the galaxy may exist"
)


def position(ra: str, dec: str) -> tuple[float, float]:
    """(ra°, dec°) from coordinates as the user typed them; 422 when they are not coordinates."""
    try:
        return parse_ra(ra), parse_dec(dec)
    except InvalidCoordinate as exc:
        raise InvalidGalaxyQuery(str(exc)) from exc


class GalaxyFinder:
    def __init__(
        self,
        catalog: Catalog,
        *,
        resolver: SesameResolver | None = None,
        match_radius_arcmin: float = 1.0,
        online: OnlineCatalog | None = None,
    ) -> None:
        self.catalog = catalog
        self.resolver = resolver
        self.match_radius_arcmin = match_radius_arcmin
        self.online = online

    async def by_pgc(self, pgc: int) -> Galaxy:
        if not 0 < pgc < MAX_PGC:
            raise InvalidGalaxyQuery(
                f"a PGC number is an integer from 1 to {MAX_PGC - 1}, got {pgc}"
            )
        galaxy = self.catalog.by_pgc(pgc)
        if galaxy is not None:
            return galaxy
        if self.online is not None:
            return await self.online.by_pgc(pgc)
        raise GalaxyNotFound(
            f"PGC {pgc} is not in the embedded catalog (OpenNGC plus the user table)"
            f"{OFFLINE_NOTE}; add it to the user table (CATALOG_USER_TABLE) or turn online "
            "lookups on",
            online_lookup="off",
        )

    async def by_name(self, name: str) -> Galaxy:
        try:
            names.check_name(name)
        except names.InvalidName as exc:
            raise InvalidGalaxyQuery(str(exc)) from exc
        if not names.normalise(name):
            raise InvalidGalaxyQuery("the name has no letters or digits a designation uses")
        galaxy = self.catalog.by_name(name)
        if galaxy is not None:
            return galaxy
        number = names.pgc_number(name)
        if number is not None and self.online is not None and 0 < number < MAX_PGC:
            return await self.online.by_pgc(number)
        if self.online is not None:
            stored = await self.online.stored_name(name)
            if stored is not None:
                return stored
        if self.resolver is not None:
            return await self._resolve_online(self.resolver, name)
        raise self._not_found(name, OFFLINE_NOTE, online_lookup="off")

    def _not_found(self, name: str, detail: str = "", **extra: str) -> GalaxyNotFound:
        suggestions = self.catalog.suggest(name)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        return GalaxyNotFound(
            f"no galaxy named {names.display(name)!r} in the embedded catalog{detail}{hint}",
            suggestions=suggestions,
            **extra,
        )

    async def _resolve_online(self, resolver: SesameResolver, name: str) -> Galaxy:
        """Sesame's position for the name, matched to the embedded catalog, then (online
        lookups on) to HyperLEDA, whose galaxy is then stored under that name."""
        position = await resolve(resolver, name)
        if position is None:
            raise self._not_found(
                name, " and CDS Sesame does not know it either", online_lookup="asked"
            )
        ra, dec = position
        radius = self.match_radius_arcmin
        found = self.catalog.near(ra, dec, radius, limit=1)
        if not found and self.online is not None:
            found = await self.online.near(ra, dec, radius, 1)
            if found:
                await self.online.remember_name(name, found[0].galaxy)
        if not found:
            where = "catalog" if self.online is None else "catalog or HyperLEDA"
            raise self._not_found(
                name,
                f"; CDS Sesame places it at ra={ra:.5f}, dec={dec:.5f}, with no {where} galaxy "
                f"within {radius:g} arcmin",
                online_lookup="asked",
            )
        return found[0].galaxy

    async def near(
        self, ra: str, dec: str, radius_arcmin: float, limit: int
    ) -> tuple[float, float, list[Neighbour]]:
        """(ra°, dec°, neighbours) for coordinates as the user typed them; HyperLEDA's when the
        embedded catalog has none there and online lookups are on."""
        ra_deg, dec_deg = position(ra, dec)
        found = self.catalog.near(ra_deg, dec_deg, radius_arcmin, limit)
        if not found and self.online is not None:
            found = await self.online.near(ra_deg, dec_deg, radius_arcmin, limit)
        return ra_deg, dec_deg, found
