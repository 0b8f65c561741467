"""Synthetic disk galaxies with known inclination, rendered with galsim and made to look like the
survey cutouts and photos the service will meet.

One galaxy: an inclined exponential disk with intrinsic thickness (``galsim.InclinedExponential``,
h/r 0.1-0.3), logarithmic spiral arms modulating the disk in its own plane, an oblate Sérsic bulge
(varied B/T), a dust lane that shows near edge-on, foreground stars (bright ones with diffraction
spikes) and neighbours (sometimes overlapping), all through a Moffat PSF of varied seeing, with sky
noise at varied S/N. The field is about 1.5x the galaxy's diameter (the galaxy spans a third to
most of the frame) at an SDSS-like 0.396"/px, binned for larger galaxies. g, r, i images become
RGB with a Lupton asinh stretch (or linear/log stretches, colour-balance changes) or a single-band
gray image; some are inverted black-on-white, rotated with blank corners, cropped to a rectangle,
JPEG-compressed. Every image then goes through ``preprocessor.imaging.to_model_input`` — the exact
geometry the service uses — and is kept as uint8 (lossless: the result is k/255).

Everything is a pure function of ``(seed, index)``; see :func:`render`.
"""

import math
from dataclasses import dataclass, fields
from io import BytesIO

import galsim
import numpy as np
import numpy.typing as npt
from astropy.visualization import make_lupton_rgb
from PIL import Image
from scipy.signal import fftconvolve

from preprocessor.imaging import to_model_input

PIXEL_ARCSEC = 0.396
SERSIC_N = (1.5, 2.0, 3.0, 4.0)  # discrete: galsim builds a table per index

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Galaxy:
    """The parameters drawn for one image (kept beside the pixels, for evaluation by kind)."""

    inclination: float
    hard: bool
    side: int
    diameter_fraction: float
    h_over_r: float
    bulge_fraction: float
    arm_strength: float
    dust: float
    seeing_px: float
    snr_log10: float
    stars: int
    neighbours: int
    gray: bool
    inverted: bool
    rotated: bool
    jpeg_quality: int


def _rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, index])


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


def _oblate_q(inclination_deg: float, q0: float) -> float:
    cos_i = math.cos(math.radians(inclination_deg))
    return math.sqrt(cos_i**2 * (1.0 - q0**2) + q0**2)


def _draw(profile: galsim.GSObject, side: int, offset: tuple[float, float] = (0.0, 0.0)) -> Array:
    image = profile.drawImage(nx=side, ny=side, scale=1.0, method="no_pixel", offset=offset)
    return np.asarray(image.array, dtype=np.float64)


def _stretch(bands: list[Array], edge: float, sky_sigma: float, rng: np.random.Generator,
             gray: bool) -> npt.NDArray[np.uint8]:
    """Band images (i, r, g order) → uint8 RGB (H, W, 3) or gray (H, W). ``edge``: the disk's
    surface brightness at the isophotal radius, which every stretch keeps visible."""
    kind = rng.choice(["lupton", "lupton", "lupton", "lupton", "linear", "log"])
    if gray:
        bands = [bands[1]] * 3
    minimum = -rng.uniform(0.0, 2.0) * sky_sigma
    if kind == "lupton":
        stretch = max(edge * 10 ** rng.uniform(0.2, 1.3), sky_sigma * rng.uniform(1.0, 3.0))
        q = rng.uniform(3.0, 10.0)
        rgb = make_lupton_rgb(bands[0], bands[1], bands[2], minimum=minimum, stretch=stretch, Q=q)
        out = np.asarray(rgb, dtype=np.uint8)
    else:
        top = max(edge * 10 ** rng.uniform(0.8, 2.0), sky_sigma * rng.uniform(5.0, 10.0))
        stack = (np.stack(bands, axis=-1) - minimum) / (top - minimum)
        if kind == "log":
            a = 10 ** rng.uniform(0.5, 2.0)
            stack = np.log1p(a * np.clip(stack, 0.0, None)) / math.log1p(a)
        out = (np.clip(stack, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return out[:, :, 0] if gray else out


def render_galaxy(seed: int, index: int, hard: bool = False) -> tuple[Image.Image, Galaxy]:
    """One synthetic field as a PIL image (RGB or L), and its parameters."""
    rng = _rng(seed, index)
    inclination = float(rng.uniform(0.0, 90.0))
    side = int(rng.integers(80, 221))
    diameter_fraction = float(rng.uniform(0.33, 0.9))
    # Diameter ≈ 2 x 3.2 scale lengths (roughly the 25 mag/arcsec² isophote).
    scale_radius = diameter_fraction * side / 6.4
    h_over_r = float(rng.uniform(0.1, 0.3))
    pa = float(rng.uniform(0.0, math.pi))
    center = rng.normal(0.0, 0.02 * side, size=2)

    # Seeing: 1.0-1.9" FWHM at 0.396"/px, binned x1-4 when the galaxy is large on the sky.
    binning = 10 ** rng.uniform(0.0, 0.6)
    seeing_px = float(rng.uniform(1.0, 1.9) / PIXEL_ARCSEC / binning)
    psf = galsim.Moffat(beta=float(rng.uniform(2.5, 4.5)), fwhm=seeing_px)
    kernel_side = int(min(2 * math.ceil(8.0 * seeing_px) + 1, 2 * (side // 2) - 1))
    kernel = _draw(psf, kernel_side)
    kernel /= kernel.sum()

    # Components (flux 1 in r each before weighting), drawn once and mixed per band.
    disk_profile = galsim.InclinedExponential(
        inclination * galsim.degrees, scale_radius=scale_radius, scale_h_over_r=h_over_r
    ).rotate(pa * galsim.radians)
    disk = _draw(disk_profile, side, tuple(center))
    if hard:
        bulge_fraction = float(rng.uniform(0.3, 0.7))
    else:
        bulge_fraction = float(rng.uniform(0.0, 1.0) ** 2 * 0.6)
    bulge_q0 = float(rng.uniform(0.5, 0.85))
    bulge_profile = galsim.Sersic(
        float(rng.choice(SERSIC_N)), half_light_radius=scale_radius * rng.uniform(0.15, 0.5)
    ).shear(q=_oblate_q(inclination, bulge_q0), beta=pa * galsim.radians)
    bulge = _draw(bulge_profile, side, tuple(center))

    # Pixel coordinates in the galaxy frame: u along the major axis, v along the minor.
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64) - (side - 1) / 2.0
    xx -= center[0]
    yy -= center[1]
    u = xx * math.cos(pa) + yy * math.sin(pa)
    v = -xx * math.sin(pa) + yy * math.cos(pa)
    cos_i = math.cos(math.radians(inclination))

    # Spiral arms: a logarithmic spiral in the disk plane, modulating the disk light.
    arm_strength = float(rng.uniform(0.0, 1.0)) * math.sqrt(max(cos_i, 0.05))
    r_d = np.hypot(u, v / max(cos_i, h_over_r))
    phi = np.arctan2(v / max(cos_i, h_over_r), u)
    arms_m = int(rng.choice([2, 2, 2, 3, 4]))
    pitch = math.radians(rng.uniform(10.0, 30.0))
    spiral = 0.5 * (1.0 + np.cos(
        arms_m * (phi - np.log(r_d / scale_radius + 0.05) / math.tan(pitch)) - rng.uniform(0, 6.3)
    ))
    spiral = spiral ** rng.uniform(1.0, 3.0)
    spiral = (spiral - spiral.mean()) * (1.0 - np.exp(-((r_d / (0.6 * scale_radius)) ** 2)))

    # Dust lane: shows from ~60° and is strongest edge-on; bluer bands are more attenuated.
    dust = float(rng.uniform(0.2, 1.6) * _smoothstep((inclination - 60.0) / 25.0))
    if rng.random() < 0.25:
        dust = 0.0
    lane_width = scale_radius * (h_over_r * rng.uniform(0.25, 0.6) * max(1.0 - cos_i, 0.3)
                                 + 0.5 * cos_i)
    lane_offset = scale_radius * cos_i * rng.uniform(-0.4, 0.4)
    lane = np.exp(-0.5 * ((v - lane_offset) / max(lane_width, 0.3)) ** 2)
    lane *= np.exp(-np.abs(u) / (2.5 * scale_radius))

    # Neighbours: other galaxies in the field, sometimes overlapping the target.
    neighbours_image = np.zeros((side, side))
    neighbours = int(rng.poisson(1.5 if hard else 0.4))
    for _ in range(neighbours):
        overlap = rng.random() < (0.6 if hard else 0.3)
        reach = 0.9 * scale_radius * 3.2 if overlap else 0.5 * side
        offset = rng.uniform(-reach, reach, size=2)
        size = scale_radius * rng.uniform(0.1, 0.6)
        profile = galsim.Exponential(scale_radius=size, flux=float(rng.uniform(0.03, 0.6)))
        profile = profile.shear(q=float(rng.uniform(0.2, 1.0)),
                                beta=float(rng.uniform(0, math.pi)) * galsim.radians)
        neighbours_image += _draw(profile, side, (float(offset[0]), float(offset[1])))

    # Foreground stars: point sources (the PSF makes them), bright ones with spikes.
    stars = int(rng.poisson(rng.uniform(4.0, 15.0) if hard else rng.uniform(0.0, 6.0)))
    stars_image = np.zeros((side, side))
    spike_angle = rng.uniform(0.0, math.pi / 2)
    for _ in range(stars):
        x, y = rng.integers(0, side, size=2)
        flux = 10 ** rng.uniform(-2.7, 0.6)
        stars_image[y, x] += flux
        if flux > 1.0:
            length = int(min(side // 2, 8 + 12 * flux * rng.uniform(0.5, 1.5)))
            t = np.arange(-length, length + 1)
            for angle in (spike_angle, spike_angle + math.pi / 2):
                sx = np.round(x + t * math.cos(angle)).astype(int)
                sy = np.round(y + t * math.sin(angle)).astype(int)
                keep = (sx >= 0) & (sx < side) & (sy >= 0) & (sy < side) & (t != 0)
                stars_image[sy[keep], sx[keep]] += 0.0015 * flux * np.exp(
                    -np.abs(t[keep]) / (0.4 * length))
    star_colour = rng.uniform(0.8, 1.25, size=3)

    # Bands (i, r, g): colours of disk, bulge and arms; arms are bluer, dust redder.
    disk_colour = np.array([rng.uniform(1.05, 1.25), 1.0, rng.uniform(0.6, 0.9)])
    bulge_colour = np.array([rng.uniform(1.2, 1.45), 1.0, rng.uniform(0.4, 0.65)])
    arm_colour = np.array([0.8, 1.0, 1.3])
    dust_colour = np.array([0.75, 1.0, 1.4])
    # The isophotal edge: the galaxy's surface brightness 3.2 scale lengths out along the major
    # axis. Noise and stretch are set relative to it, so the disk stays visible out to about the
    # diameter the field was framed for (as for a catalogued galaxy), whatever its B/T.
    centre_xy = (side - 1) / 2.0 + center
    ex, ey = centre_xy + 3.2 * scale_radius * np.array([math.cos(pa), math.sin(pa)])
    row, col = int(np.clip(round(ey), 0, side - 1)), int(np.clip(round(ex), 0, side - 1))
    edge = float((disk * (1 - bulge_fraction) + bulge * bulge_fraction)[row, col])
    edge = max(edge, 1e-6 / scale_radius**2)
    # S/N per pixel at the edge (log10): normal 0.3-4, hard 0.25-1.
    snr_log10 = float(rng.uniform(-0.6, 0.0) if hard else rng.uniform(-0.5, 0.6))
    sky_sigma = edge * 10 ** (-snr_log10)
    balance = np.exp(rng.normal(0.0, 0.12, size=3))
    bands = []
    for b in range(3):
        light = (1 - bulge_fraction) * disk_colour[b] * disk * np.clip(
            1.0 + arm_strength * arm_colour[b] * 2.0 * spiral, 0.0, None
        ) + bulge_fraction * bulge_colour[b] * bulge
        light *= 1.0 - (1.0 - np.exp(-dust * dust_colour[b])) * lane
        light += neighbours_image * disk_colour[b] + stars_image * star_colour[b]
        band = fftconvolve(light, kernel, mode="same")
        band += rng.normal(0.0, sky_sigma * rng.uniform(0.8, 1.2), size=band.shape)
        bands.append(band * balance[b])

    gray = bool(rng.random() < 0.2)
    pixels = _stretch(bands, edge, sky_sigma, rng, gray)
    pixels = pixels[::-1]  # galsim's y axis points up; images are stored top row first
    inverted = bool(rng.random() < 0.08)
    image = Image.fromarray(pixels, "L" if gray else "RGB")
    if inverted:
        image = Image.fromarray(255 - np.asarray(image), image.mode)
    rotated = bool(rng.random() < 0.12)
    if rotated:
        fill = 255 if (inverted and rng.random() < 0.5) else 0
        image = image.rotate(float(rng.uniform(5.0, 85.0)), resample=Image.Resampling.BILINEAR,
                             expand=True, fillcolor=fill if gray else (fill, fill, fill))
    if rng.random() < 0.15:
        width, height = image.size
        keep = rng.uniform(0.7, 1.0)
        if rng.random() < 0.5:
            cut = int(width * (1 - keep) / 2)
            image = image.crop((cut, 0, width - cut, height))
        else:
            cut = int(height * (1 - keep) / 2)
            image = image.crop((0, cut, width, height - cut))
    jpeg_quality = 0
    if rng.random() < 0.7:
        jpeg_quality = int(rng.integers(55, 96))
        buffer = BytesIO()
        image.save(buffer, format="JPEG", quality=jpeg_quality)
        buffer.seek(0)
        image = Image.open(buffer)
        image.load()

    galaxy = Galaxy(
        inclination=inclination, hard=hard, side=side, diameter_fraction=diameter_fraction,
        h_over_r=h_over_r, bulge_fraction=bulge_fraction, arm_strength=arm_strength, dust=dust,
        seeing_px=seeing_px, snr_log10=snr_log10, stars=stars, neighbours=neighbours, gray=gray,
        inverted=inverted, rotated=rotated, jpeg_quality=jpeg_quality,
    )
    return image, galaxy


def render(seed: int, index: int, hard: bool = False) -> tuple[npt.NDArray[np.uint8], Galaxy]:
    """One synthetic galaxy as the network sees it: uint8 (128, 128, 3) after ``to_model_input``."""
    image, galaxy = render_galaxy(seed, index, hard)
    array = to_model_input(image, "rgb")
    return (array * 255.0).round().astype(np.uint8), galaxy


def galaxy_fields() -> list[str]:
    return [field.name for field in fields(Galaxy)]
