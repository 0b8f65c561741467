"""Galaxy lookups by PGC, name and position, independent of HTTP."""

from catalog import names
from catalog.coordinates import InvalidCoordinate, parse_dec, parse_ra
from catalog.galaxy import Galaxy, Neighbour
from catalog.index import Catalog
from catalog.problems import GalaxyNotFound, InvalidGalaxyQuery, ResolverUnavailable
from catalog.resolver import SesameError, SesameResolver

MAX_PGC = 100_000_000  # HyperLEDA's PGC numbers stay well below this


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
    ) -> None:
        self.catalog = catalog
        self.resolver = resolver
        self.match_radius_arcmin = match_radius_arcmin

    def by_pgc(self, pgc: int) -> Galaxy:
        if not 0 < pgc < MAX_PGC:
            raise InvalidGalaxyQuery(
                f"a PGC number is an integer from 1 to {MAX_PGC - 1}, got {pgc}"
            )
        galaxy = self.catalog.by_pgc(pgc)
        if galaxy is None:
            raise GalaxyNotFound(
                f"PGC {pgc} is not in the embedded catalog (OpenNGC plus the user table); "
                "add it to the user table (CATALOG_USER_TABLE) to look it up"
            )
        return galaxy

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
        if self.resolver is not None:
            return await self._resolve_online(self.resolver, name)
        raise self._not_found(name)

    def _not_found(self, name: str, detail: str = "") -> GalaxyNotFound:
        suggestions = self.catalog.suggest(name)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        return GalaxyNotFound(
            f"no galaxy named {names.display(name)!r} in the embedded catalog{detail}{hint}",
            suggestions=suggestions,
        )

    async def _resolve_online(self, resolver: SesameResolver, name: str) -> Galaxy:
        try:
            position = await resolver.resolve(name)
        except (TimeoutError, SesameError) as exc:
            reason = str(exc) or "no answer in time"
            raise ResolverUnavailable(f"the CDS Sesame name resolver failed: {reason}") from exc
        if position is None:
            raise self._not_found(name, " and CDS Sesame does not know it either")
        ra, dec = position
        found = self.catalog.near(ra, dec, self.match_radius_arcmin, limit=1)
        if not found:
            raise self._not_found(
                name,
                f"; CDS Sesame places it at ra={ra:.5f}, dec={dec:.5f}, with no catalog galaxy "
                f"within {self.match_radius_arcmin:g} arcmin",
            )
        return found[0].galaxy

    def near(
        self, ra: str, dec: str, radius_arcmin: float, limit: int
    ) -> tuple[float, float, list[Neighbour]]:
        """(ra°, dec°, neighbours) for coordinates as the user typed them."""
        ra_deg, dec_deg = position(ra, dec)
        return ra_deg, dec_deg, self.catalog.near(ra_deg, dec_deg, radius_arcmin, limit)
