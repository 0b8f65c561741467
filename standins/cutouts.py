"""Stand-ins of the cutout services beyond SDSS, on one loopback port:

- DESI Legacy Surveys viewer: ``GET /viewer/cutout.jpg?ra=&dec=&layer=&pixscale=&size=``
  (remote ``legacy``);
- CDS hips2fits: ``GET /hips-image-services/hips2fits?hips=&ra=&dec=&fov=&width=&height=
  &projection=&coordsys=&format=jpg`` (remote ``panstarrs`` for a ``PanSTARRS`` HiPS, ``dss``
  for a ``DSS`` one).

Each answers a JPEG of the size asked: the stand-in SkyServer's synthetic galaxy inside the
survey's footprint (a declination band: Legacy -70…+84, Pan-STARRS1 -30…+90, DSS2 the whole
sky), all black outside, as the real services do. Failure modes per remote (``standins.server``):
``down``, ``slow``, ``garbage``, ``fail_next``; ``GET /standin/mode?remote=legacy&mode=down``.

Run: ``python -m standins.cutouts --port 8092``; then ``CATALOG_LEGACY_URL=http://127.0.0.1:8092``
and ``CATALOG_HIPS2FITS_URL=http://127.0.0.1:8092/hips-image-services/hips2fits``.
"""

from standins.server import Answer, Routes, Standin, cli
from standins.skyserver import MAX_SIDE, draw

LEGACY_PATH = "/viewer/cutout.jpg"
HIPS2FITS_PATH = "/hips-image-services/hips2fits"
REMOTES = ("legacy", "panstarrs", "dss")
# Declination bands of the stand-in footprints.
FOOTPRINTS = {"legacy": (-70.0, 84.0), "panstarrs": (-30.0, 90.0), "dss": (-90.0, 90.0)}


def hips_remote(query: dict[str, str]) -> str:
    hips = query.get("hips", "").lower()
    if "panstarrs" in hips:
        return "panstarrs"
    if "dss" in hips:
        return "dss"
    return hips or "none"


def _image(remote: str, ra: str, dec: str, width: str, height: str) -> Answer:
    try:
        ra_deg, dec_deg, w, h = float(ra), float(dec), int(width), int(height)
        if not (0 < w <= MAX_SIDE and 0 < h <= MAX_SIDE):
            raise ValueError("size out of range")
    except ValueError as exc:
        return Answer(400, f"bad request: {exc}".encode(), "text/plain")
    low, high = FOOTPRINTS[remote]
    return Answer(200, draw(ra_deg, dec_deg, w, h, low <= dec_deg <= high), "image/jpeg")


def legacy(path: str, query: dict[str, str], body: bytes) -> Answer:
    if "ra" not in query or "dec" not in query or query.get("layer", "ls-dr10") == "":
        return Answer(400, b"bad request: ra, dec and layer", "text/plain")
    size = query.get("size", "256")
    return _image("legacy", query["ra"], query["dec"], size, size)


def hips2fits(path: str, query: dict[str, str], body: bytes) -> Answer:
    needed = {"hips", "ra", "dec", "fov", "width", "height"}
    if not needed <= set(query) or query.get("format", "fits") != "jpg":
        return Answer(
            400, b"bad request: hips, ra, dec, fov, width, height, format=jpg", "text/plain"
        )
    remote = hips_remote(query)
    return _image(remote, query["ra"], query["dec"], query["width"], query["height"])


ROUTES: Routes = {LEGACY_PATH: ("legacy", legacy), HIPS2FITS_PATH: (hips_remote, hips2fits)}


class StandinCutouts(Standin):
    """``with StandinCutouts() as surveys: surveys.legacy_url, surveys.hips2fits_url``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(ROUTES, REMOTES, host, port)

    @property
    def legacy_url(self) -> str:
        return self.url

    @property
    def hips2fits_url(self) -> str:
        return f"{self.url}{HIPS2FITS_PATH}"

    def environment(self) -> dict[str, str]:
        """The catalog's settings that point it here."""
        return {"CATALOG_LEGACY_URL": self.legacy_url, "CATALOG_HIPS2FITS_URL": self.hips2fits_url}


def main(argv: list[str] | None = None) -> None:
    cli(__doc__, 8092, StandinCutouts, argv)


if __name__ == "__main__":
    main()
