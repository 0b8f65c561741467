"""What a whole-stack run sends (the load benchmark, the soak, the gateway benchmark): synthetic
galaxy images and catalog galaxies whose cutouts the SkyServer stand-in serves."""

import asyncio
import io

import httpx
import numpy as np

from devstack.fields import exponential_disk

# Test-time copies of one galaxy per option value (GATEWAY_COPIES).
COPIES = {"none": 1, "rot4": 4, "d4": 8}


def galaxy_jpeg(seed: int, side: int = 512) -> bytes:
    """A deterministic synthetic inclined disk on sky noise, as a JPEG."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    q = 0.2 + 0.8 * rng.random()
    disk = exponential_disk(side, scale_length=side / 12, axis_ratio=q,
                            angle_deg=180 * rng.random())
    gray = np.clip(disk + rng.normal(0.03, 0.01, (side, side)), 0, 1)
    rgb = (np.stack([gray * 0.9, gray, gray * 0.8], axis=-1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


async def pick_galaxies(catalog: str, count: int) -> list[int]:
    """Small catalog galaxies (cutouts of a few hundred pixels) inside the stand-in's footprint."""
    found: list[int] = []
    async with httpx.AsyncClient(base_url=catalog, timeout=60) as client:
        for ra in np.arange(150.0, 240.0, 7.5):
            params = {"ra": float(ra), "dec": 20.0, "radius": 300}
            answer = (await client.get("/galaxies/near", params=params)).json()
            for result in answer.get("results", []):
                galaxy = result["galaxy"]
                axis = galaxy.get("major_axis_arcmin")
                if galaxy.get("pgc") and axis and 0.5 <= axis <= 3.0 and galaxy["pgc"] not in found:
                    found.append(int(galaxy["pgc"]))
            if len(found) >= count:
                return found[:count]
    if len(found) < count:
        raise RuntimeError(f"only {len(found)} catalog galaxies found for the benchmark")
    return found


async def warm_cutouts(gateway: str, pgcs: list[int]) -> None:
    async with httpx.AsyncClient(base_url=gateway, timeout=120) as client:
        slots = asyncio.Semaphore(4)

        async def warm(pgc: int) -> None:
            async with slots:
                response = await client.get("/api/cutout", params={"pgc": pgc})
                response.raise_for_status()

        await asyncio.gather(*(warm(p) for p in pgcs))
