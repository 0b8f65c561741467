"""Synthetic disk galaxies with known inclination, rendered with galsim and made to look like the
survey cutouts and photographs the service meets (third generation, aimed at real inputs: the
second, plus hand-framed photographs — the galaxy small in a wide star field or off centre — and
early types whose classical bulge is as large as the disk).

**Structure.** A thin exponential disk with intrinsic thickness (``galsim.InclinedExponential``),
a thick disk and a faint stellar halo; a bulge from pseudo to classical (Sérsic 1-4, B/T up to
0.7, bulge-dominated edge-ons included); sometimes a bar in the disk plane; grand-design or
flocculent arms with blue star-forming knots; a dust lane with a realistic height and patchy dust;
sometimes a warp of the outer disk; neighbours and foreground stars. All of it through a Moffat
PSF, with sky noise at varied S/N.

**Sky pedestals** (only in the sets that ask for them, ``pedestals=True``): a faint glow of the
sky around the galaxy — a feathered ellipse or box a little larger than the disk, or a thin ring —
at 1-5% of full scale, grainy and slightly tinted. Photographs, mosaics and catalogue textures
(every stellarium texture of the development set) are pasted into black with such a patch of
their own sky; the flavors trained without it read a galaxy inside one as rounder (on
``test-pedestal``, 45-90°: bias -0.7° to -2.5° by the pedestal's kind, +0.7° without one), and a
harder stretch of a real photograph moves their answers the same way, while it leaves synthetic
galaxies alone (README, "A glow of sky round the photographs").

**Clumpy late types** (only in the sets that ask for them, ``clumpy=True``): a faint disk with
20-50% of its light in 150-600 star-forming clumps, B/T below 0.08, no bar (NGC 45, NGC 925,
M33); the shipped flavors answer them 0.6° worse than the standard galaxies over 45-90°, and a
stage trained on them gained 0.3° of it (README, "Clumpy late types").

**Renderings** (``Galaxy.rendering``): an SDSS SkyServer colour cutout as the catalog fetches it
(Lupton asinh gri, field = 1.5 x D25 so the disk fills about two thirds of the frame, JPEG);
a single-band asinh rendering in both polarities (white on black, and the Galaxy Inclination Zoo
style black on white, often with a saturated core); Legacy Surveys and Pan-STARRS colour
composites (their own colour balance, softening and pixel scale); DSS-like photographic plates
(coarse, grainy, blurred); and astrophotographs (black sky, vivid colours, saturated cores, many
stars, strong dynamic-range compression).

**The label** (``Galaxy.label``) follows the convention of the real reference labels (Galaxy
Inclination Zoo, HyperLEDA): the inclination that the axial-ratio formula gives for the disk's
projected axis ratio, cos²i = (q² - q0²)/(1 - q0²) with q0 = 0.2, where
q² = cos²i_true·(1 - t²) + t² and t is the disk's intrinsic thickness (scale height / radius).
For t = 0.2 the label is the geometric inclination; a thinner disk seen at 85° already reads 90°.
The geometric inclination is kept too (``Galaxy.inclination``).

Every image then goes through ``preprocessor.imaging.to_model_input`` — the exact geometry the
service uses — and is kept as uint8 (lossless: the result is k/255). Everything is a pure
function of ``(seed, index)``; see :func:`render`.
"""

import math
from dataclasses import dataclass, fields
from io import BytesIO

import galsim
import numpy as np
import numpy.typing as npt
from astropy.visualization import make_lupton_rgb
from PIL import Image, ImageFilter
from scipy import ndimage
from scipy.signal import fftconvolve

from preprocessor.imaging import to_model_input

GENERATOR = 3  # bumped whenever the images a seed gives change
PIXEL_ARCSEC = 0.396
LABEL_Q0 = 0.2
# A pedestal's draws: _rng(seed, index + PEDESTAL_STREAM) seeds numpy with [seed, index, 256]
# (the offset is the third 32-bit word), a stream apart from the galaxy's [seed, index].
PEDESTAL_STREAM = 1 << 40
# A clumpy galaxy's own draws (its bulge, clumps and depth) come from a stream of their own too.
CLUMPY_STREAM = 2 << 40
SERSIC_N = (1.0, 1.5, 2.0, 3.0, 4.0)  # discrete: galsim builds a table per index
CLASSICAL_SERSIC_N = {1.0: 3.0, 1.5: 4.0, 2.0: 2.0, 3.0: 3.0, 4.0: 4.0}
RENDERINGS = ("sdss", "zoo", "legacy", "panstarrs", "dss", "photo")
RENDERING_WEIGHTS = (0.30, 0.18, 0.12, 0.10, 0.08, 0.22)
PEDESTAL_KINDS = ("ellipse", "box", "ring")
PEDESTAL_WEIGHTS = (0.5, 0.3, 0.2)
# how often a set with pedestals gives a galaxy one: hand-processed images most often
PEDESTAL_CHANCE = {"photo": 0.6, "dss": 0.6, "sdss": 0.2, "zoo": 0.2, "legacy": 0.2,
                   "panstarrs": 0.2}

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Galaxy:
    """The parameters drawn for one image (kept beside the pixels, for evaluation by kind)."""

    inclination: float  # geometric, degrees
    label: float  # the reported convention: axial-ratio inclination with q0 = 0.2
    hard: bool
    rendering: str
    side: int
    diameter_fraction: float
    h_over_r: float
    bulge_fraction: float
    bar: float
    arm_strength: float
    flocculent: bool
    knots: int
    dust: float
    warp: float
    seeing_px: float
    snr_log10: float
    stars: int
    neighbours: int
    gray: bool
    inverted: bool
    rotated: bool
    jpeg_quality: int
    pedestal: str = ""  # '' (none) or one of PEDESTAL_KINDS


@dataclass(frozen=True)
class Footprint:
    """Where the galaxy lies in the band images (galsim's y axis up), for a sky pedestal."""

    x: float
    y: float
    position_angle: float  # radians, of the major axis from the x axis
    diameter: float  # pixels


def label_from_geometry(inclination_deg: float, thickness: float, q0: float = LABEL_Q0) -> float:
    """The axial-ratio-convention inclination of a disk of intrinsic thickness ``thickness``
    seen at the geometric ``inclination_deg``."""
    q2 = _oblate_q(inclination_deg, thickness) ** 2
    cos2 = (q2 - q0 * q0) / (1.0 - q0 * q0)
    return float(math.degrees(math.acos(math.sqrt(min(max(cos2, 0.0), 1.0)))))


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


def _smooth_noise(rng: np.random.Generator, side: int, cells: int, sigma: float) -> Array:
    """A smooth random field (mean 0, std ~1) on a ``side`` x ``side`` grid."""
    coarse = ndimage.gaussian_filter(rng.normal(size=(cells, cells)), sigma, mode="wrap")
    coarse = (coarse - coarse.mean()) / (coarse.std() + 1e-9)
    return np.asarray(ndimage.zoom(coarse, side / cells, order=1)[:side, :side], np.float64)


def _sample_in_disk(rng: np.random.Generator, field: Array, u: Array, v_disk: Array,
                    radius: float) -> Array:
    """``field`` (a grid over [-radius, radius]² of the disk plane) read at disk coordinates."""
    n = field.shape[0]
    rows = np.clip((v_disk / radius * 0.5 + 0.5) * (n - 1), 0, n - 1)
    cols = np.clip((u / radius * 0.5 + 0.5) * (n - 1), 0, n - 1)
    return np.asarray(ndimage.map_coordinates(field, [rows, cols], order=1), np.float64)


def _stretch_survey(bands: list[Array], edge: float, sky_sigma: float, rng: np.random.Generator,
                    rendering: str, gray: bool) -> npt.NDArray[np.uint8]:
    """Band images (red, green, blue order) → uint8 RGB (H, W, 3) or gray (H, W), in the
    rendering's style. ``edge``: the disk's surface brightness at its isophotal radius, which
    every stretch keeps visible."""
    if gray:
        bands = [bands[1]] * 3
    minimum = -rng.uniform(0.0, 1.5) * sky_sigma
    if rendering in ("sdss", "zoo"):
        # SkyServer: Lupton asinh, Q ≈ 8, the galaxy's outskirts just above the sky.
        stretch = max(edge * 10 ** rng.uniform(0.2, 1.2), sky_sigma * rng.uniform(1.0, 3.0))
        q = rng.uniform(4.0, 12.0)
        rgb = make_lupton_rgb(bands[0], bands[1], bands[2], minimum=minimum, stretch=stretch, Q=q)
        out = np.asarray(rgb, dtype=np.uint8)
    elif rendering in ("legacy", "panstarrs"):
        # Per-band asinh with a softening near the sky noise (the Legacy viewer's look), or a
        # gentler Pan-STARRS-like asinh; bands scaled separately, so colours differ.
        soft = sky_sigma * rng.uniform(1.0, 4.0)
        top = max(edge * 10 ** rng.uniform(1.0, 2.2), sky_sigma * 20.0)
        scale = np.arcsinh(top / soft)
        chans = [np.arcsinh((b - minimum) / soft) / scale * rng.uniform(0.85, 1.15) for b in bands]
        stack = np.clip(np.stack(chans, axis=-1), 0.0, 1.0)
        if rendering == "legacy":
            stack = stack ** rng.uniform(0.8, 1.1)
        out = (stack * 255.0).round().astype(np.uint8)
    elif rendering == "photo":
        # Astrophotographs compress the dynamic range hard so that the whole disk shows: the
        # isophotal edge lands at 6-30% of full scale, the core often saturates.
        kind = rng.choice(["asinh", "log", "linear"], p=[0.5, 0.4, 0.1])
        target = rng.uniform(0.06, 0.30)
        a = 10 ** rng.uniform(0.7, 2.5)
        if kind == "asinh":
            ratio = math.sinh(target * math.asinh(a)) / a
        elif kind == "log":
            ratio = math.expm1(target * math.log1p(a)) / a
        else:
            ratio = target
        top = minimum + (edge - minimum) / ratio
        stack = np.clip((np.stack(bands, axis=-1) - minimum) / (top - minimum), 0.0, None)
        if kind == "log":
            stack = np.log1p(a * stack) / math.log1p(a)
        elif kind == "asinh":
            stack = np.arcsinh(a * stack) / math.asinh(a)
        out = (np.clip(stack, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    else:
        kind = rng.choice(["asinh", "log", "linear"])
        top = max(edge * 10 ** rng.uniform(0.6, 2.4), sky_sigma * rng.uniform(5.0, 15.0))
        stack = (np.stack(bands, axis=-1) - minimum) / (top - minimum)
        if kind == "log":
            a = 10 ** rng.uniform(0.5, 2.5)
            stack = np.log1p(a * np.clip(stack, 0.0, None)) / math.log1p(a)
        elif kind == "asinh":
            a = 10 ** rng.uniform(0.5, 2.0)
            stack = np.arcsinh(a * np.clip(stack, 0.0, None)) / math.asinh(a)
        out = (np.clip(stack, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return out[:, :, 0] if gray else out


def _photographic(pixels: npt.NDArray[np.uint8], rng: np.random.Generator, rendering: str
                  ) -> npt.NDArray[np.uint8]:
    """Astrophotograph or photographic plate look on top of a stretched image: black sky,
    boosted saturation and contrast (photo); coarse grain and blur (DSS)."""
    x = pixels.astype(np.float64) / 255.0
    if rendering == "photo":
        # The black point just above the sky noise: a black, nearly noise-free sky.
        ring = np.concatenate([x[:4].ravel(), x[-4:].ravel(), x[:, :4].ravel(), x[:, -4:].ravel()])
        sky = float(np.median(ring))
        noise = 1.4826 * float(np.median(np.abs(ring - sky)))
        black = min(sky + rng.uniform(0.5, 2.5) * noise, 0.2)
        x = np.clip((x - black) / (1.0 - black), 0.0, 1.0)
        x = x ** rng.uniform(0.7, 1.2)
        if x.ndim == 3:
            mean = x.mean(axis=2, keepdims=True)
            x = np.clip(mean + rng.uniform(1.0, 2.0) * (x - mean), 0.0, 1.0)
            tint = np.array([rng.uniform(0.9, 1.1), 1.0, rng.uniform(0.95, 1.3)])
            x = np.clip(x * tint, 0.0, 1.0)
    else:  # dss
        x = x + rng.normal(0.0, rng.uniform(0.01, 0.04), size=x.shape)
        x = np.clip(x, 0.0, 1.0) ** rng.uniform(0.8, 1.3)
    return np.asarray((x * 255.0).round(), np.uint8)


def _pixels_in_frame(side: int, center: Array, pa: float, u: Array, v: Array
                     ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Points at (u along the major axis, v along the minor) from the galaxy's centre → the
    (rows, columns) of the pixels of those that fall inside the frame."""
    x = (side - 1) / 2.0 + center[0] + u * math.cos(pa) - v * math.sin(pa)
    y = (side - 1) / 2.0 + center[1] + u * math.sin(pa) + v * math.cos(pa)
    keep = (x >= 0) & (x < side - 1) & (y >= 0) & (y < side - 1)
    return y[keep].round().astype(np.int64), x[keep].round().astype(np.int64)


def _clumps(rng: np.random.Generator, side: int, center: Array, pa: float, scale_radius: float,
            inclination: float, h_over_r: float) -> tuple[int, Array]:
    """Star-forming clumps of a clumpy late type (NGC 45, NGC 925, NGC 7793, M33): 150-600
    knots in complexes of a few to a dozen, the complexes at radii drawn from an exponential in
    the disk plane (more concentrated to the centre than an exponential disk), out to the
    isophotal edge and beyond, each knot a resolved blob; projected with the disk
    (a small height above the plane, so that an edge-on one is a thin streak). Returns the
    count and the image (flux 1)."""
    count = int(rng.integers(150, 601))
    complexes = max(count // int(rng.integers(4, 13)), 8)
    radius = rng.exponential(scale_radius * rng.uniform(1.0, 1.6), size=complexes)
    angle = rng.uniform(0.0, 2 * math.pi, size=complexes)
    member = rng.integers(0, complexes, size=count)
    spread = scale_radius * rng.uniform(0.08, 0.25)
    x_disk = radius[member] * np.cos(angle[member]) + rng.normal(0.0, spread, size=count)
    y_disk = radius[member] * np.sin(angle[member]) + rng.normal(0.0, spread, size=count)
    z = rng.normal(0.0, 0.5 * h_over_r * scale_radius, size=count)
    cos_i, sin_i = math.cos(math.radians(inclination)), math.sin(math.radians(inclination))
    rows, cols = _pixels_in_frame(side, center, pa, x_disk, y_disk * cos_i + z * sin_i)
    image = np.zeros((side, side))
    np.add.at(image, (rows, cols), rng.lognormal(0.0, 1.0, size=len(rows)))
    image = ndimage.gaussian_filter(image, rng.uniform(0.4, 1.2) * side / 128)
    return count, image / max(image.sum(), 1e-12)


def sky_pedestal(pixels: npt.NDArray[np.uint8], footprint: Footprint, rng: np.random.Generator
                 ) -> tuple[npt.NDArray[np.uint8], str]:
    """A stretched image (rows in galsim's order, y up) with a faint glow of sky around the
    galaxy added (module docstring), and its kind."""
    x = pixels.astype(np.float64) / 255.0
    height, width = x.shape[:2]
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    radius = footprint.diameter / 2.0 * rng.uniform(1.0, 1.8)
    kind = str(rng.choice(PEDESTAL_KINDS, p=PEDESTAL_WEIGHTS))
    if kind == "box":  # a rectangle of the source image, aligned with the frame
        angle, q = 0.0, rng.uniform(0.5, 1.0)
    else:  # a patch shaped round the galaxy
        angle, q = footprint.position_angle + rng.normal(0.0, 0.3), rng.uniform(0.35, 1.0)
    du, dv = cols - footprint.x, rows - footprint.y
    u = (du * math.cos(angle) + dv * math.sin(angle)) / radius
    v = (-du * math.sin(angle) + dv * math.cos(angle)) / (q * radius)
    # a box's corners rounded (a superellipse), else an ellipse
    r = (np.abs(u) ** 4 + np.abs(v) ** 4) ** 0.25 if kind == "box" else np.hypot(u, v)
    if kind == "ring":
        mask = np.exp(-(((r - 1.0) / rng.uniform(0.05, 0.15)) ** 2))
    else:
        mask = 1.0 / (1.0 + np.exp(np.clip((r - 1.0) / rng.uniform(0.08, 0.3), -50.0, 50.0)))
    grain = ndimage.gaussian_filter(rng.normal(0.0, 1.0, size=(height, width)), 0.8)
    glow = rng.uniform(0.01, 0.05) * mask * (1.0 + rng.uniform(0.2, 0.8) * grain)
    if x.ndim == 3:
        glow = glow[..., None] * np.array([rng.uniform(0.8, 1.2), 1.0, rng.uniform(0.8, 1.3)])
    return np.asarray((np.clip(x + glow, 0.0, 1.0) * 255.0).round(), np.uint8), kind


@dataclass(frozen=True)
class Look:
    """How :func:`finish` rendered a field."""

    gray: bool
    inverted: bool
    rotated: bool
    jpeg_quality: int
    pedestal: str = ""


def finish(bands: list[Array], edge: float, sky_sigma: float, rng: np.random.Generator,
           rendering: str, pedestal: tuple[Footprint, np.random.Generator] | None = None,
           pedestal_chance: float | None = None) -> tuple[Image.Image, Look]:
    """Noisy band images (red, green, blue order, galsim's y axis up) → the PIL image of one
    rendering (:data:`RENDERINGS`): stretch, photographic look, polarity, plate blur, rotation,
    crop and JPEG. ``edge``: the surface brightness of the object's outline, which every stretch
    keeps visible. Shared by the disks and the rejection classifier's non-disks, so that no
    class is told apart by how it was rendered. ``pedestal``: where the galaxy is and a random
    generator of its own, for a sky pedestal (:func:`sky_pedestal`) with the rendering's
    :data:`PEDESTAL_CHANCE` (or ``pedestal_chance`` for every rendering); its own generator
    leaves every other draw as without it."""
    gray = rendering == "zoo" or bool(rng.random() < 0.08)
    pixels = _stretch_survey(bands, edge, sky_sigma, rng, rendering, gray)
    if rendering in ("photo", "dss"):
        pixels = _photographic(pixels, rng, rendering)
    kind = ""
    if pedestal is not None:
        footprint, draws = pedestal
        chance = PEDESTAL_CHANCE[rendering] if pedestal_chance is None else pedestal_chance
        if draws.random() < chance:
            pixels, kind = sky_pedestal(pixels, footprint, draws)
    pixels = pixels[::-1]  # galsim's y axis points up; images are stored top row first
    inverted = (rendering == "zoo" and rng.random() < 0.6) or bool(rng.random() < 0.03)
    if inverted:
        flipped = 255 - pixels.astype(np.int16)
        if rendering == "zoo" and rng.random() < 0.5:
            flipped[pixels >= 250] = 255  # the Zoo's saturated white core
        pixels = flipped.astype(np.uint8)
    image = Image.fromarray(pixels, "L" if gray else "RGB")
    if rendering == "dss":
        image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.0))))
    rotated = bool(rng.random() < 0.1)
    if rotated:
        fill = 255 if (inverted and rng.random() < 0.5) else 0
        image = image.rotate(float(rng.uniform(5.0, 85.0)), resample=Image.Resampling.BILINEAR,
                             expand=True, fillcolor=fill if gray else (fill, fill, fill))
    if rng.random() < 0.12:
        width, height = image.size
        keep = rng.uniform(0.7, 1.0)
        if rng.random() < 0.5:
            cut = int(width * (1 - keep) / 2)
            image = image.crop((cut, 0, width - cut, height))
        else:
            cut = int(height * (1 - keep) / 2)
            image = image.crop((0, cut, width, height - cut))
    jpeg_quality = 0
    if rendering != "photo" or rng.random() < 0.5:
        jpeg_quality = int(rng.integers(55, 96))
        buffer = BytesIO()
        image.save(buffer, format="JPEG", quality=jpeg_quality)
        buffer.seek(0)
        image = Image.open(buffer)
        image.load()
    return image, Look(gray, inverted, rotated, jpeg_quality, kind)


def render_galaxy(seed: int, index: int, hard: bool = False, early_type: bool = False,
                  bulge_edge_on: bool = False, pedestals: bool = False,
                  pedestal_chance: float | None = None, clumpy: bool = False
                  ) -> tuple[Image.Image, Galaxy]:
    """One synthetic field as a PIL image (RGB or L), and its parameters. ``hard``: an early
    type at low S/N in a crowded field; ``early_type``: an early type (B/T 0.3-0.7, bulges as
    large as the disk) with the standard S/N and crowding; ``bulge_edge_on``: an early type
    seen from 70° to edge-on with a classical bulge, B/T 0.45-0.85 and a dark dust lane in
    four of five (NGC 7814, NGC 1055, NGC 4594); ``pedestals``: sometimes a sky pedestal around
    the galaxy (:func:`sky_pedestal`), drawn apart, so that the galaxy is the same as without;
    ``pedestal_chance``: how often, the same for every rendering (default: by rendering);
    ``clumpy``: a late type whose light is largely in star-forming clumps (:func:`_clumps`).

    ``bulge_edge_on`` takes the same random draws as ``early_type`` and maps them onto its
    ranges, so that no image of an earlier set changes with it."""
    rng = _rng(seed, index)
    inclination = float(rng.uniform(0.0, 90.0))
    if bulge_edge_on:
        early_type = True
        inclination = 70.0 + inclination * 20.0 / 90.0
    rendering = str(rng.choice(RENDERINGS, p=RENDERING_WEIGHTS))
    side = int(rng.integers(96, 225))
    # The catalog frames a galaxy at 1.5 x D25: the disk spans about two thirds of the field.
    # Photographs and plates are framed by hand: the galaxy is often small in a wide field.
    if rendering in ("sdss", "legacy", "panstarrs", "dss") and rng.random() < 0.75:
        diameter_fraction = float(np.clip(rng.normal(0.66, 0.08), 0.45, 0.9))
    elif rendering in ("photo", "dss"):
        diameter_fraction = float(rng.uniform(0.25, 0.95))
    else:
        diameter_fraction = float(rng.uniform(0.35, 0.95))
    # Diameter ≈ 2 x 3.2 scale lengths (roughly the 25 mag/arcsec² isophote).
    scale_radius = diameter_fraction * side / 6.4
    h_over_r = float(rng.uniform(0.1, 0.28))
    label = label_from_geometry(inclination, h_over_r)
    pa = float(rng.uniform(0.0, math.pi))
    center = rng.normal(0.0, 0.02 * side, size=2)
    if rendering == "photo" and rng.random() < 0.15:  # framed by hand, not by a catalog
        center = rng.uniform(-0.12, 0.12, size=2) * side
    cos_i = math.cos(math.radians(inclination))

    # Seeing: 0.8-2.0" FWHM at 0.396"/px, binned when the galaxy is large on the sky; plates
    # are coarser still.
    binning = 10 ** rng.uniform(0.0, 0.6)
    seeing_px = float(rng.uniform(0.8, 2.0) / PIXEL_ARCSEC / binning)
    if rendering == "dss":
        seeing_px = float(max(seeing_px, rng.uniform(1.5, 3.5)))
    elif rendering == "photo":  # nearby galaxies, arcminutes across: seeing is a pixel or so
        seeing_px = float(rng.uniform(0.5, 1.5) * side / 128)
    psf = galsim.Moffat(beta=float(rng.uniform(2.5, 4.5)), fwhm=seeing_px)
    kernel_side = int(min(2 * math.ceil(8.0 * seeing_px) + 1, 2 * (side // 2) - 1))
    kernel = _draw(psf, kernel_side)
    kernel /= kernel.sum()

    # --- components, flux 1 each before weighting ---------------------------------------------
    offset = (float(center[0]), float(center[1]))
    thin = _draw(galsim.InclinedExponential(
        inclination * galsim.degrees, scale_radius=scale_radius, scale_h_over_r=h_over_r
    ).rotate(pa * galsim.radians), side, offset)
    thick_fraction = float(rng.uniform(0.0, 0.3))
    thick = _draw(galsim.InclinedExponential(
        inclination * galsim.degrees, scale_radius=scale_radius * rng.uniform(0.9, 1.2),
        scale_h_over_r=min(h_over_r * rng.uniform(2.0, 3.0), 0.6),
    ).rotate(pa * galsim.radians), side, offset)
    halo_fraction = float(rng.uniform(0.0, 0.06))
    halo = _draw(galsim.Sersic(
        n=2.0, half_light_radius=scale_radius * rng.uniform(2.0, 4.0)
    ).shear(q=float(rng.uniform(0.6, 1.0)), beta=pa * galsim.radians), side, offset)

    early = hard or early_type or rng.random() < 0.25
    if early:
        bulge_fraction = float(rng.uniform(0.3, 0.7))  # early types, Sombrero-like edge-ons
    else:
        bulge_fraction = float(rng.uniform(0.0, 1.0) ** 2 * 0.45)
    bulge_n = float(rng.choice(SERSIC_N))
    if bulge_edge_on:
        bulge_fraction += 0.15
        bulge_n = CLASSICAL_SERSIC_N[bulge_n]
    clumps_rng = _rng(seed, index + CLUMPY_STREAM)
    if clumpy:  # a late type: at most a small pseudo-bulge
        bulge_fraction = float(clumps_rng.uniform(0.0, 0.08))
        bulge_n = 1.0
    classical = bulge_n >= 2.0
    bulge_q0 = float(rng.uniform(0.6, 0.95) if classical else rng.uniform(0.35, 0.7))
    # Early types: the bulge and its halo can be as large as the disk (NGC 7814, NGC 4594).
    bulge_size = rng.uniform(0.15, 0.9 if early and classical else 0.45) * (
        1.0 + bulge_fraction)
    bulge = _draw(galsim.Sersic(bulge_n, half_light_radius=scale_radius * bulge_size).shear(
        q=_oblate_q(inclination, bulge_q0), beta=pa * galsim.radians), side, offset)

    # Pixel coordinates in the galaxy frame: u along the major axis, v along the minor; the disk
    # plane coordinate v_disk = v / cos i (bounded near edge-on by the thickness).
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64) - (side - 1) / 2.0
    xx -= center[0]
    yy -= center[1]
    u = xx * math.cos(pa) + yy * math.sin(pa)
    v = -xx * math.sin(pa) + yy * math.cos(pa)
    v_disk = v / max(cos_i, h_over_r)
    r_d = np.hypot(u, v_disk)
    phi = np.arctan2(v_disk, u)

    # Warp: the outer disk bends out of the plane (an S shape seen edge-on).
    warp = float(rng.uniform(0.05, 0.25)) if rng.random() < 0.2 else 0.0
    if warp > 0.0:
        start = 1.5 * scale_radius
        lift = warp * np.sign(u) * np.clip(np.abs(u) - start, 0.0, None) * math.sin(
            math.radians(inclination))
        shift_rows = -lift * math.cos(pa)
        shift_cols = lift * math.sin(pa)
        grid = np.mgrid[0:side, 0:side].astype(np.float64)
        thin = ndimage.map_coordinates(thin, [grid[0] + shift_rows, grid[1] + shift_cols],
                                       order=1, mode="constant")

    # Bar: an elongated Ferrers-like structure in the disk plane, projected.
    bar = float(rng.uniform(0.1, 0.35)) if rng.random() < 0.35 else 0.0
    if clumpy:
        bar = 0.0
    bar_image = np.zeros((side, side))
    if bar > 0.0:
        angle = rng.uniform(0.0, math.pi)
        bu = u * math.cos(angle) + v_disk * math.sin(angle)
        bv = -u * math.sin(angle) + v_disk * math.cos(angle)
        length = scale_radius * rng.uniform(0.8, 1.8)
        m2 = (bu / length) ** 2 + (bv / (length * rng.uniform(0.2, 0.35))) ** 2
        bar_image = np.clip(1.0 - m2, 0.0, None) ** 1.5
        bar_image /= bar_image.sum() + 1e-12

    # Arms: grand design (a logarithmic spiral) or flocculent (a smooth random field), with
    # blue star-forming knots along them.
    flocculent = clumpy or bool(rng.random() < 0.35)
    arm_strength = float(rng.uniform(0.0, 1.0)) * math.sqrt(max(cos_i, 0.05))
    radius_field = 4.0 * scale_radius
    if flocculent:
        field = _smooth_noise(rng, 96, 48, rng.uniform(1.0, 2.0))
        arms = 0.4 * np.clip(_sample_in_disk(rng, field, u, v_disk, radius_field), -1.5, 2.5)
        arms = arms - arms.mean()
    else:
        arms_m = int(rng.choice([2, 2, 2, 3, 4]))
        pitch = math.radians(rng.uniform(10.0, 30.0))
        arms = 0.5 * (1.0 + np.cos(
            arms_m * (phi - np.log(r_d / scale_radius + 0.05) / math.tan(pitch))
            - rng.uniform(0, 6.3)))
        arms = arms ** rng.uniform(1.0, 3.0)
        arms = arms - arms.mean()
    arms *= 1.0 - np.exp(-((r_d / (0.6 * scale_radius)) ** 2))
    knots = int(rng.poisson(rng.uniform(0.0, 60.0)))
    knots_image = np.zeros((side, side))
    if knots:
        kr = rng.exponential(scale_radius, size=knots) + 0.3 * scale_radius
        kphi = rng.uniform(0.0, 2 * math.pi, size=knots)
        ku = kr * np.cos(kphi)
        kv = kr * np.sin(kphi) * cos_i
        rows, cols = _pixels_in_frame(side, center, pa, ku, kv)
        np.add.at(knots_image, (rows, cols), rng.exponential(1.0, size=len(rows)))
        knots_image /= max(knots_image.sum(), 1e-12)
    if clumpy:
        knots, knots_image = _clumps(clumps_rng, side, center, pa, scale_radius, inclination,
                                     h_over_r)

    # Dust: a lane near edge-on (from ~55°, strongest edge-on, its height a fraction of the
    # disk's) and patches that follow the arms at any inclination.
    dust = float(rng.uniform(0.3, 2.0) * _smoothstep((inclination - 55.0) / 28.0))
    if bulge_edge_on:
        dust = 1.0 + 1.2 * dust
    if rng.random() < 0.2:
        dust = 0.0
    lane_width = scale_radius * (h_over_r * rng.uniform(0.25, 0.6) * max(1.0 - cos_i, 0.3)
                                 + 0.5 * cos_i)
    if bulge_edge_on:  # a crisp lane across the bulge
        lane_width *= 0.6
    lane_offset = scale_radius * cos_i * rng.uniform(-0.4, 0.4)
    lane = np.exp(-0.5 * ((v - lane_offset) / max(lane_width, 0.3)) ** 2)
    lane *= np.exp(-np.abs(u) / (2.5 * scale_radius))
    patchy = rng.uniform(0.0, 0.25) * np.clip(-arms, 0.0, 1.0) * np.exp(-r_d / (2 * scale_radius))

    # Neighbours: other galaxies in the field, sometimes overlapping the target.
    neighbours_image = np.zeros((side, side))
    neighbours = int(rng.poisson(1.5 if hard else 0.5))
    for _ in range(neighbours):
        overlap = rng.random() < (0.6 if hard else 0.25)
        reach = 0.9 * scale_radius * 3.2 if overlap else 0.5 * side
        where = rng.uniform(-reach, reach, size=2)
        size = scale_radius * rng.uniform(0.1, 0.6)
        profile = galsim.Exponential(scale_radius=size, flux=float(rng.uniform(0.03, 0.6)))
        profile = profile.shear(q=float(rng.uniform(0.2, 1.0)),
                                beta=float(rng.uniform(0, math.pi)) * galsim.radians)
        neighbours_image += _draw(profile, side, (float(where[0]), float(where[1])))

    # Foreground stars: point sources (the PSF makes them), bright ones with spikes; photographs
    # of nearby galaxies are rich in them.
    rich = rendering == "photo" and rng.random() < 0.6
    mean_stars = rng.uniform(4.0, 15.0) if hard else rng.uniform(0.0, 6.0)
    bright = int(rng.poisson(mean_stars))
    faint = int(rng.poisson(rng.uniform(20.0, 120.0))) if rich else 0
    stars = bright + faint
    stars_image = np.zeros((side, side))
    spike_angle = rng.uniform(0.0, math.pi / 2)
    spiky = bool(rng.random() < 0.4)  # diffraction spikes: reflectors, not every telescope
    for star in range(stars):
        x, y = rng.integers(0, side, size=2)
        flux = 10 ** (rng.uniform(-3.0, 0.6) if star < bright else rng.uniform(-4.0, -2.0))
        stars_image[y, x] += flux
        if flux > 1.0 and spiky:
            length = int(min(side // 2, 8 + 12 * flux * rng.uniform(0.5, 1.5)))
            t = np.arange(-length, length + 1)
            for angle in (spike_angle, spike_angle + math.pi / 2):
                sx = np.round(x + t * math.cos(angle)).astype(int)
                sy = np.round(y + t * math.sin(angle)).astype(int)
                keep = (sx >= 0) & (sx < side) & (sy >= 0) & (sy < side) & (t != 0)
                stars_image[sy[keep], sx[keep]] += 0.0015 * flux * np.exp(
                    -np.abs(t[keep]) / (0.4 * length))
    star_colour = rng.uniform(0.8, 1.25, size=3)

    # Bands (red, green, blue): colours of the components; arms and knots are bluer, the bulge
    # and bar redder, dust reddens.
    disk_colour = np.array([rng.uniform(1.0, 1.25), 1.0, rng.uniform(0.65, 0.95)])
    bulge_colour = np.array([rng.uniform(1.2, 1.45), 1.0, rng.uniform(0.4, 0.7)])
    arm_colour = np.array([0.8, 1.0, 1.3])
    knot_colour = np.array([0.6, 1.0, rng.uniform(1.4, 2.0)])
    dust_colour = np.array([0.75, 1.0, 1.4])
    knot_fraction = float(rng.uniform(0.0, 0.15)) * (1.0 - bulge_fraction)
    if clumpy:
        knot_fraction = float(clumps_rng.uniform(0.2, 0.5)) * (1.0 - bulge_fraction)
    bar_fraction = bar * (1.0 - bulge_fraction)
    disk_fraction = 1.0 - bulge_fraction - bar_fraction - knot_fraction
    disk = (1.0 - thick_fraction - halo_fraction) * thin + thick_fraction * thick + (
        halo_fraction * halo)
    # The isophotal edge: the galaxy's surface brightness 3.2 scale lengths out along the major
    # axis. Noise and stretch are set relative to it, so the disk stays visible out to about the
    # diameter the field was framed for (as for a catalogued galaxy), whatever its B/T.
    centre_xy = (side - 1) / 2.0 + center
    ex, ey = centre_xy + 3.2 * scale_radius * np.array([math.cos(pa), math.sin(pa)])
    row, col = int(np.clip(round(ey), 0, side - 1)), int(np.clip(round(ex), 0, side - 1))
    edge = float((disk * disk_fraction + bulge * bulge_fraction)[row, col])
    edge = max(edge, 1e-6 / scale_radius**2)
    # S/N per pixel at the edge (log10): normal 0.3-4, hard 0.25-1; photographs are deep.
    if hard:
        snr_log10 = float(rng.uniform(-0.6, 0.0))
    elif rendering == "photo":
        snr_log10 = float(rng.uniform(0.0, 1.0))
    else:
        snr_log10 = float(rng.uniform(-0.5, 0.6))
    if clumpy:  # faint, low surface brightness disks
        snr_log10 -= float(clumps_rng.uniform(0.0, 0.4))
    sky_sigma = edge * 10 ** (-snr_log10)
    balance = np.exp(rng.normal(0.0, 0.12, size=3))
    bands = []
    for b in range(3):
        light = disk_fraction * disk_colour[b] * disk * np.clip(
            1.0 + arm_strength * arm_colour[b] * 2.0 * arms, 0.0, None)
        light += bulge_fraction * bulge_colour[b] * bulge + bar_fraction * bulge_colour[b] * (
            bar_image)
        light += knot_fraction * knot_colour[b] * knots_image
        light *= 1.0 - (1.0 - np.exp(-dust * dust_colour[b])) * lane
        light *= np.exp(-patchy * dust_colour[b])
        light += neighbours_image * disk_colour[b] + stars_image * star_colour[b]
        band = fftconvolve(light, kernel, mode="same")
        band += rng.normal(0.0, sky_sigma * rng.uniform(0.8, 1.2), size=band.shape)
        bands.append(band * balance[b])

    footprint = Footprint((side - 1) / 2.0 + float(center[0]), (side - 1) / 2.0 + float(center[1]),
                          pa, 6.4 * scale_radius)
    image, look = finish(bands, edge, sky_sigma, rng, rendering,
                         (footprint, _rng(seed, index + PEDESTAL_STREAM)) if pedestals else None,
                         pedestal_chance)
    galaxy = Galaxy(
        inclination=inclination, label=label, hard=hard, rendering=rendering, side=side,
        diameter_fraction=diameter_fraction, h_over_r=h_over_r, bulge_fraction=bulge_fraction,
        bar=bar, arm_strength=arm_strength, flocculent=flocculent, knots=knots, dust=dust,
        warp=warp, seeing_px=seeing_px, snr_log10=snr_log10, stars=stars, neighbours=neighbours,
        gray=look.gray, inverted=look.inverted, rotated=look.rotated,
        jpeg_quality=look.jpeg_quality, pedestal=look.pedestal,
    )
    return image, galaxy


def render(seed: int, index: int, hard: bool = False, early_type: bool = False,
           bulge_edge_on: bool = False, pedestals: bool = False,
           pedestal_chance: float | None = None, clumpy: bool = False
           ) -> tuple[npt.NDArray[np.uint8], Galaxy]:
    """One synthetic galaxy as the network sees it: uint8 (128, 128, 3) after ``to_model_input``."""
    image, galaxy = render_galaxy(seed, index, hard, early_type, bulge_edge_on, pedestals,
                                  pedestal_chance, clumpy)
    array = to_model_input(image, "rgb")
    return (array * 255.0).round().astype(np.uint8), galaxy


def galaxy_fields() -> list[str]:
    return [field.name for field in fields(Galaxy)]
