"""Optional online name resolution through CDS Sesame (astropy ``SkyCoord.from_name``).

Off by default (``CATALOG_ONLINE_RESOLVER``); used only for names the embedded catalog lacks, and
the position it returns is matched to the nearest catalog galaxy. Tests never use it.
"""

import asyncio


class SesameError(RuntimeError):
    """Sesame does not know the name, or could not be reached."""


def _resolve_blocking(name: str) -> tuple[float, float]:
    from astropy.coordinates import SkyCoord
    from astropy.coordinates.name_resolve import NameResolveError

    try:
        coord = SkyCoord.from_name(name, parse=False, cache=False)
    except NameResolveError as exc:
        raise SesameError(str(exc)) from exc
    return float(coord.icrs.ra.deg), float(coord.icrs.dec.deg)


class SesameResolver:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    async def resolve(self, name: str) -> tuple[float, float] | None:
        """(ra, dec) in degrees; None when Sesame does not know the name.

        Raises TimeoutError or SesameError when Sesame cannot be reached.
        """
        try:
            async with asyncio.timeout(self.timeout_s):
                return await asyncio.to_thread(_resolve_blocking, name)
        except SesameError as exc:
            if "Unable to find coordinates" in str(exc):
                return None
            raise
