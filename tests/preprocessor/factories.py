"""Deterministic synthetic inputs for the preprocessor tests: galaxies as ellipses, every raster
format and mode, FITS files (single band, cube, multi-HDU, NaNs, offset WCS), and bad bytes."""

import io
import struct
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from astropy.io import fits
from astropy.wcs import WCS
from PIL import Image

from devstack.fields import exponential_disk

SKY = 20
BRIGHT = 220


def ellipse_mask(
    width: int,
    height: int,
    *,
    centre: tuple[float, float] | None = None,
    semi_major: float,
    semi_minor: float,
    angle_deg: float = 0.0,
) -> npt.NDArray[np.bool_]:
    """A filled ellipse (x right, y down); angle counter-clockwise from the x axis on screen."""
    cx, cy = centre if centre is not None else ((width - 1) / 2.0, (height - 1) / 2.0)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    theta = np.radians(angle_deg)
    dx, dy = xx - cx, -(yy - cy)
    u = dx * np.cos(theta) + dy * np.sin(theta)
    v = -dx * np.sin(theta) + dy * np.cos(theta)
    return np.asarray((u / semi_major) ** 2 + (v / semi_minor) ** 2 <= 1.0)


def ellipse_image(
    width: int,
    height: int,
    *,
    semi_major: float,
    semi_minor: float,
    angle_deg: float = 0.0,
    mode: str = "RGB",
) -> Image.Image:
    """A bright uniform ellipse centred on a flat sky, noise-free."""
    mask = ellipse_mask(
        width, height, semi_major=semi_major, semi_minor=semi_minor, angle_deg=angle_deg
    )
    gray = np.where(mask, BRIGHT, SKY).astype(np.uint8)
    image = Image.fromarray(gray, "L")
    return image if mode == "L" else image.convert(mode)


def moments(weights: npt.NDArray[np.floating]) -> tuple[float, float, float, float]:
    """Centroid (x, y), axis ratio (minor/major) and angle (deg, CCW on screen) of a 2-D weight."""
    w = np.clip(weights.astype(np.float64), 0.0, None)
    yy, xx = np.mgrid[0 : w.shape[0], 0 : w.shape[1]].astype(np.float64)
    total = w.sum()
    cx, cy = (w * xx).sum() / total, (w * yy).sum() / total
    dx, dy = xx - cx, -(yy - cy)
    cov = (
        np.array(
            [[(w * dx * dx).sum(), (w * dx * dy).sum()], [(w * dx * dy).sum(), (w * dy * dy).sum()]]
        )
        / total
    )
    values, vectors = np.linalg.eigh(cov)
    major = vectors[:, 1]
    angle = float(np.degrees(np.arctan2(major[1], major[0]))) % 180.0
    return float(cx), float(cy), float(np.sqrt(values[0] / values[1])), angle


def noise_rgb(width: int, height: int, seed: int = 0) -> npt.NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def exif_rotated_jpeg(width: int = 60, height: int = 40, orientation: int = 6) -> bytes:
    """A JPEG whose stored top-left corner holds a white block, with an EXIF orientation tag."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:10, :10] = 255
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(Image.fromarray(pixels, "RGB"), "JPEG", exif=exif, quality=95)


def animated_gif(colours: Sequence[tuple[int, int, int]], size: int = 16) -> bytes:
    frames = [Image.new("RGB", (size, size), colour).convert("P") for colour in colours]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


# --- FITS -------------------------------------------------------------------------------------

PIXEL_SCALE_DEG = 0.4 / 3600.0
CENTRE_WORLD = (150.0, 2.0)


def sky_wcs(width: int, height: int, offset: tuple[float, float] = (0.0, 0.0)) -> WCS:
    """A TAN WCS with the galaxy's sky position at the array centre shifted by ``offset`` px."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = list(CENTRE_WORLD)
    wcs.wcs.cdelt = [-PIXEL_SCALE_DEG, PIXEL_SCALE_DEG]
    wcs.wcs.crpix = [(width + 1) / 2.0 + offset[0], (height + 1) / 2.0 + offset[1]]
    return wcs


def gaussian_galaxy(
    width: int,
    height: int,
    *,
    centre: tuple[float, float] | None = None,
    sigma_x: float = 6.0,
    sigma_y: float = 3.0,
    peak: float = 1000.0,
    sky: float = 100.0,
    noise: float = 2.0,
    seed: int = 0,
) -> npt.NDArray[np.float32]:
    """A raw FITS-like band: elliptical Gaussian (0-based pixel centre) on sky with noise."""
    cx, cy = centre if centre is not None else ((width - 1) / 2.0, (height - 1) / 2.0)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    profile = peak * np.exp(-0.5 * (((xx - cx) / sigma_x) ** 2 + ((yy - cy) / sigma_y) ** 2))
    rng = np.random.default_rng(seed)
    band: npt.NDArray[np.float32] = (sky + profile + rng.normal(0.0, noise, profile.shape)).astype(
        np.float32
    )
    return band


def fits_bytes(*hdus: fits.PrimaryHDU | fits.ImageHDU | fits.BinTableHDU) -> bytes:
    buffer = io.BytesIO()
    fits.HDUList(list(hdus)).writeto(buffer)
    return buffer.getvalue()


def single_band_fits(data: npt.NDArray[np.floating], wcs: WCS | None = None) -> bytes:
    header = wcs.to_header() if wcs is not None else None
    return fits_bytes(fits.PrimaryHDU(data, header=header))


def cube_fits(planes: Sequence[npt.NDArray[np.floating]]) -> bytes:
    return fits_bytes(fits.PrimaryHDU(np.stack(planes).astype(np.float32)))


def multi_hdu_fits(named: Sequence[tuple[str, npt.NDArray[np.floating]]]) -> bytes:
    """An empty primary HDU, then one ImageHDU per (EXTNAME, data) in the given order."""
    return fits_bytes(
        fits.PrimaryHDU(), *(fits.ImageHDU(data, name=name.upper()) for name, data in named)
    )


def offset_bands(
    width: int = 64, height: int = 56, offsets: Sequence[tuple[float, float]] = ()
) -> dict[str, bytes]:
    """g, r, i files of the same galaxy, each on a grid shifted by its offset (px) from r's."""
    offsets = offsets or [(3.0, -2.0), (0.0, 0.0), (-2.5, 1.5)]
    files = {}
    for seed, (band, offset) in enumerate(zip("gri", offsets, strict=True)):
        # The galaxy sits at the sky centre, i.e. at pixel crpix - 1 (0-based) of this grid.
        centre = ((width - 1) / 2.0 + offset[0], (height - 1) / 2.0 + offset[1])
        data = gaussian_galaxy(width, height, centre=centre, seed=seed)
        files[band] = single_band_fits(data, sky_wcs(width, height, offset))
    return files


def disk_field(
    side: int = 512,
    *,
    centre: tuple[float, float] | None = None,
    scale_length: float = 12.0,
    axis_ratio: float = 0.5,
    angle_deg: float = 30.0,
    stars: Sequence[tuple[float, float, float]] = (),
    black_sky: bool = False,
    seed: int = 0,
) -> npt.NDArray[np.uint8]:
    """A square RGB field holding one exponential disk (x right, y down, 0-based centre) seen
    at cos i = axis_ratio, point-like stars (x, y, peak 0-1), and sky noise — or, with
    ``black_sky``, a sky clipped to black as processed photographs have it."""
    rng = np.random.default_rng(seed)
    light = 0.9 * exponential_disk(side, scale_length=scale_length, axis_ratio=axis_ratio,
                                   angle_deg=angle_deg, centre=centre)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64)
    for x, y, peak in stars:
        light += peak * np.exp(-0.5 * ((xx - x) ** 2 + (yy - y) ** 2) / 1.5**2)
    if black_sky:
        gray = np.clip(light - 0.02, 0.0, 1.0)
    else:
        gray = np.clip(light + rng.normal(0.08, 0.015, light.shape), 0.0, 1.0)
    rgb = np.stack([gray * 0.95, gray, gray * 0.85], axis=-1)
    return np.asarray(np.round(rgb * 255.0), dtype=np.uint8)
