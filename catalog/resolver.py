"""Optional online name resolution through CDS Sesame (astropy ``SkyCoord.from_name``).

Off by default (``CATALOG_ONLINE_RESOLVER``); used only for names the embedded catalog lacks, and
the position it returns is matched to the nearest catalog galaxy. The suite needs no internet:
its one test of this path talks to a Sesame stand-in on loopback.
"""

import asyncio


class SesameError(RuntimeError):
    """Sesame could not be reached or answered nothing usable."""


def _resolve_blocking(name: str) -> tuple[float, float] | None:
    from astropy.coordinates import SkyCoord
    from astropy.coordinates.name_resolve import NameResolveError

    try:
        coord = SkyCoord.from_name(name, parse=False, cache=False)
    except NameResolveError as exc:
        if "Unable to find coordinates for name" in str(exc):
            return None
        raise SesameError(str(exc)) from exc
    return float(coord.icrs.ra.deg), float(coord.icrs.dec.deg)


class SesameResolver:
    def __init__(self, timeout_s: float, url: str = "") -> None:
        # astropy keeps both in process-wide state; only this service's resolver uses them.
        from astropy.coordinates import name_resolve
        from astropy.utils import data

        self.timeout_s = timeout_s
        data.conf.remote_timeout = timeout_s
        if url:
            name_resolve.sesame_url.set([url])

    async def resolve(self, name: str) -> tuple[float, float] | None:
        """(ra, dec) in degrees; None when Sesame does not know the name.

        Raises TimeoutError or SesameError when Sesame cannot be reached.
        """
        async with asyncio.timeout(self.timeout_s + 1.0):
            return await asyncio.to_thread(_resolve_blocking, name)
