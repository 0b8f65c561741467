"""The online catalog behind the embedded one: HyperLEDA's PGC (VizieR VII/237) and CDS Sesame.

Every answer is stored (``catalog.onlinestore``), so the second lookup of a galaxy is offline.
A call to VizieR gets ``timeout_s`` per attempt and one retry after ``retry_backoff_s`` when the
remote is down (not when it is slow: that would double the wait); a failed call opens the circuit
breaker, and until it lets a probe through every lookup that needs the remote is a 503 at once.
Problems carry ``online_lookup``: ``asked`` (the remote answered: the galaxy does not exist),
``unreachable`` (it could not be asked), so a client can tell the two apart.
"""

import asyncio
import time
from collections.abc import Callable

from catalog import hyperleda
from catalog.breaker import CircuitBreaker, CircuitOpen
from catalog.galaxy import Galaxy, Neighbour
from catalog.hyperleda import RemoteDown, RemoteGarbage, RemoteSlow, VizierPGC
from catalog.onlinestore import OnlineStore
from catalog.problems import (
    GalaxyNotFound,
    OnlineCatalogBadAnswer,
    OnlineCatalogDown,
    OnlineCatalogSlow,
    ResolverSlow,
    ResolverUnavailable,
)
from catalog.resolver import SesameError, SesameResolver
from servicekit.logging import get_logger

log = get_logger("catalog.online")

LABEL = "HyperLEDA (VizieR VII/237)"


class OnlineCatalog:
    def __init__(
        self,
        vizier: VizierPGC,
        store: OnlineStore,
        *,
        timeout_s: float,
        retry_backoff_s: float,
        breaker: CircuitBreaker,
    ) -> None:
        self.vizier = vizier
        self.store = store
        self.timeout_s = timeout_s
        self.retry_backoff_s = retry_backoff_s
        self.breaker = breaker
        self._last: tuple[str, float] | None = None

    # -- lookups ---------------------------------------------------------------------------

    async def by_pgc(self, pgc: int) -> Galaxy:
        stored = await asyncio.to_thread(self.store.by_pgc, pgc)
        if stored is not None:
            return stored
        if await asyncio.to_thread(self.store.is_absent, pgc):
            raise self._absent(pgc, " (remembered from an earlier answer)")
        found = [g for g in await self._ask(self.vizier.by_pgc, pgc) if g.pgc == pgc]
        if not found:
            await asyncio.to_thread(self.store.put_absent, pgc)
            raise self._absent(pgc)
        await asyncio.to_thread(self.store.put, found[:1])
        return found[0]

    async def near(
        self, ra: float, dec: float, radius_arcmin: float, limit: int
    ) -> list[Neighbour]:
        if not await asyncio.to_thread(self.store.cone_asked, ra, dec, radius_arcmin):
            galaxies = await self._ask(self.vizier.near, ra, dec, radius_arcmin)
            await asyncio.to_thread(self.store.put, galaxies, cone=(ra, dec, radius_arcmin))
        return await asyncio.to_thread(self.store.near, ra, dec, radius_arcmin, limit)

    async def stored_name(self, name: str) -> Galaxy | None:
        """A galaxy an earlier lookup found under this name (through Sesame)."""
        return await asyncio.to_thread(self.store.by_name, name)

    async def remember_name(self, name: str, galaxy: Galaxy) -> None:
        await asyncio.to_thread(self.store.put, [galaxy], name=name)

    # -- the remote ------------------------------------------------------------------------

    def health(self) -> tuple[str, str]:
        stored = self.store.count()
        if self.breaker.is_open:
            return "degraded", f"{LABEL}: circuit {self.breaker.state()}; {stored} stored"
        if self._last is None:
            return "ok", f"{LABEL} not asked yet; {stored} galaxies stored"
        detail, when = self._last
        return "ok", f"{LABEL}: {detail} ({time.time() - when:.0f} s ago); {stored} stored"

    async def _ask(self, query: Callable[..., list[Galaxy]], *args: object) -> list[Galaxy]:
        try:
            self.breaker.before_call()
        except CircuitOpen as exc:
            raise OnlineCatalogDown(
                f"{LABEL} failed a moment ago ({exc.reason}) and is not asked again for "
                f"{exc.retry_in_s:.0f} s; the galaxy may exist, it could not be looked up",
                online_lookup="unreachable",
            ) from exc
        try:
            return await self._attempts(query, *args)
        finally:
            self.breaker.release()  # a probe cancelled half-way must not block the next one

    async def _attempts(self, query: Callable[..., list[Galaxy]], *args: object) -> list[Galaxy]:
        await asyncio.to_thread(hyperleda.warm_up)
        for attempt in (1, 2):
            try:
                async with asyncio.timeout(self.timeout_s + 1.0):
                    galaxies = await asyncio.to_thread(hyperleda.call, query, *args)
            except (RemoteSlow, TimeoutError) as exc:
                self._failed("no answer in time")
                raise OnlineCatalogSlow(
                    f"{LABEL} did not answer within {self.timeout_s:g} s; the galaxy may exist, "
                    "it could not be looked up; try again later",
                    online_lookup="unreachable",
                ) from exc
            except RemoteGarbage as exc:
                self._failed(f"bad answer: {exc}")
                raise OnlineCatalogBadAnswer(f"{LABEL} {exc}", online_lookup="unreachable") from exc
            except RemoteDown as exc:
                log.warning("online catalog failed", extra={"attempt": attempt, "reason": str(exc)})
                if attempt == 1:
                    await asyncio.sleep(self.retry_backoff_s)
                    continue
                self._failed(str(exc))
                raise OnlineCatalogDown(
                    f"{LABEL} {exc} (tried twice); the galaxy may exist, it could not be "
                    "looked up; try again later",
                    online_lookup="unreachable",
                ) from exc
            except Exception as exc:  # astroquery failing in a way not foreseen
                log.exception("online catalog query failed")
                self._failed(f"unexpected {type(exc).__name__}")
                raise OnlineCatalogBadAnswer(
                    f"{LABEL} could not be read ({type(exc).__name__}: {exc})",
                    online_lookup="unreachable",
                ) from exc
            self.breaker.succeeded()
            self._last = ("answered", time.time())
            return galaxies
        raise AssertionError("unreachable")  # pragma: no cover

    def _failed(self, reason: str) -> None:
        self.breaker.failed(reason)
        self._last = (f"failed: {reason}", time.time())

    def _absent(self, pgc: int, note: str = "") -> GalaxyNotFound:
        return GalaxyNotFound(
            f"PGC {pgc} is neither in the embedded catalog nor in {LABEL}{note}",
            online_lookup="asked",
        )


async def resolve(resolver: SesameResolver, name: str) -> tuple[float, float] | None:
    """Sesame's position for a name, its failures as a 503 problem."""
    try:
        return await resolver.resolve(name)
    except TimeoutError as exc:
        raise ResolverSlow(
            f"the CDS Sesame name resolver did not answer within {resolver.timeout_s:g} s",
            online_lookup="unreachable",
        ) from exc
    except SesameError as exc:
        reason = str(exc) or "no answer"
        if "timed out" in reason or "took longer" in reason:
            raise ResolverSlow(
                f"the CDS Sesame name resolver is too slow: {reason}", online_lookup="unreachable"
            ) from exc
        raise ResolverUnavailable(
            f"the CDS Sesame name resolver failed: {reason}", online_lookup="unreachable"
        ) from exc
