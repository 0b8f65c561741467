"""Synthetic images for the rejection classifier: measurable disk galaxies (the inclination
generator's own images, :mod:`training.synthetic`) against everything that is not one.

Classes (:data:`CLASSES`, the classifier's output order):

- ``disk``: every galaxy of :func:`training.synthetic.render_galaxy`, face-on to edge-on, easy and
  hard renderings; from v6 one in eight of the others a bulge-dominated edge-on (its
  ``bulge_edge_on`` kind: 70-90°, B/T 0.45-0.85, as M104, NGC 7331 or NGC 3190 look). Nearly
  face-on disks count as measurable: their inclination is small and known to be small, which is
  an answer (the ensemble's interval says how precise it is).
- ``spheroid``: E0-E7 ellipticals (Sérsic n 2.5-5, axis ratio 1.0-0.3, red, no structure) and
  S0s (a smooth red disk under a large bulge, any inclination, no arms, no dust): the hard case,
  since a flattened elliptical looks like an inclined disk.
- ``cluster``: globular clusters (thousands of stars on a Plummer profile over an unresolved
  glow; half of them rich and near, as photographs of M13 or M3 show them: 5,000-30,000 stars
  resolved into the core over a faint glow, up to most of the frame), open clusters and plain
  star fields.
- ``nebula``: diffuse emission and reflection nebulae (log-normal multi-scale fields in H-alpha red,
  [O III] teal or reflection blue, with dark lanes), H II regions with a bright, nearly white
  core and uneven wispy wings, planetary nebulae (shells with a central star, half of them red
  outside and teal inside as narrow-band photographs show them; from v5 also bipolar lobes,
  [O III] shells in a halo and nested shells) and filamentary remnants; from v7 also bipolar
  outflows pinched by a dark waist (Sh2-106, the Red Rectangle: an elongated object with a dark
  lane across it), rich star fields veiled by faint nebulosity and cut by dark clouds (rho
  Ophiuchi, Barnard 22), round H II regions filling the frame (Sh2-170) and arcs of a shell.
- ``irregular``: dwarf irregulars (a low-surface-brightness patchy body, blue knots, resolved
  stars; nearby ones resolved into a grainy cloud, from a faint haze to a bright body, some in a
  dense foreground star field), merging pairs with tidal tails, and crowded fields of similar
  galaxies; from v7 also dwarf spheroidals (a smooth swarm of old stars: Leo I, Draco).
- ``artefact``: satellite trails, a saturated star in the centre (spikes, halo, bleed), the edge
  of the survey (part of the frame empty).
- ``blank``: sky alone, or with a few faint stars.

Every class goes through the disks' own finishing — PSF, sky noise and one of the generator's
renderings drawn with the same weights (:func:`training.synthetic.finish`: SDSS, Zoo, Legacy,
Pan-STARRS, DSS plate, astrophotograph) — the same :func:`photographic` zoom-out into a star
field and the same :func:`close_framing` (a field narrower than the object), so that no class
is told apart by how it was rendered or framed. Everything is a pure function of
``(seed, index)``; see :func:`render_example`.
"""

import math

import galsim
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageEnhance
from scipy.ndimage import gaussian_filter

from preprocessor.imaging import to_model_input
from training.synthetic import PIXEL_ARCSEC, RENDERING_WEIGHTS, RENDERINGS, finish, render_galaxy

# The generator's version, kept in each data set's spec: 1 through reject-i; 2: half of the
# globular clusters rich and resolved into their core; 3: H II regions with a bright core,
# stratified planetary nebulae, resolved dwarfs with a bright body or in a dense star field;
# 4: a quarter of every class framed closer than the object (:func:`close_framing`); 5:
# planetary nebulae in four shapes (:func:`_planetary_shapes`); 6: one disk in eight (not hard)
# a bulge-dominated edge-on (:func:`is_bulge_edge_on`); 7: bipolar outflows, star fields veiled
# by nebulosity and dark clouds, round H II regions and arcs among the nebulae, dwarf spheroidals
# among the irregulars (the non-disks of real photographs still accepted by reject-p).
NEGATIVES = 7
CLASSES: tuple[str, ...] = (
    "disk", "spheroid", "cluster", "nebula", "irregular", "artefact", "blank",
)
# How often each class is drawn: half disks; spheroids (the hard case) the largest negative share.
MIX: tuple[float, ...] = (0.5, 0.16, 0.08, 0.08, 0.1, 0.05, 0.03)
SERSIC_N = (2.5, 3.0, 4.0, 5.0)  # discrete: galsim builds a table per index

Array = npt.NDArray[np.float64]


def _rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, index, 15])


def _draw(profile: galsim.GSObject, side: int, offset: tuple[float, float] = (0.0, 0.0)) -> Array:
    image = profile.drawImage(nx=side, ny=side, scale=1.0, method="no_pixel", offset=offset)
    return np.asarray(image.array, dtype=np.float64)


def _grid(side: int) -> tuple[Array, Array]:
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64) - (side - 1) / 2.0
    return xx, yy


def _rotated(side: int, centre: Array, pa: float, q: float = 1.0) -> tuple[Array, Array]:
    """Each pixel's offset from ``centre`` along (u) and across (v) the position angle ``pa``,
    v stretched by 1/``q`` so that an ellipse of axis ratio q is a circle in (u, v)."""
    xx, yy = _grid(side)
    u = (xx - centre[0]) * math.cos(pa) + (yy - centre[1]) * math.sin(pa)
    v = (-(xx - centre[0]) * math.sin(pa) + (yy - centre[1]) * math.cos(pa)) / q
    return u, v


def _random_field(rng: np.random.Generator, side: int, slope: float) -> Array:
    """Gaussian random field with a power-law spectrum k^-slope, unit variance."""
    ky = np.fft.fftfreq(side)[:, None]
    kx = np.fft.fftfreq(side)[None, :]
    k = np.hypot(kx, ky)
    k[0, 0] = 1.0
    amplitude = k ** (-slope / 2.0)
    amplitude[0, 0] = 0.0
    phases = rng.normal(size=(side, side)) + 1j * rng.normal(size=(side, side))
    field: Array = np.real(np.fft.ifft2(amplitude * phases))
    normalised: Array = (field - field.mean()) / (field.std() + 1e-12)
    return normalised


def _points(rng: np.random.Generator, side: int, xs: Array, ys: Array, fluxes: Array,
            colours: Array) -> Array:
    """Point sources (to be convolved with the PSF) as (3, side, side)."""
    bands = np.zeros((3, side, side))
    col = np.round(xs + (side - 1) / 2.0).astype(int)
    row = np.round(ys + (side - 1) / 2.0).astype(int)
    keep = (col >= 0) & (col < side) & (row >= 0) & (row < side)
    for b in range(3):
        np.add.at(bands[b], (row[keep], col[keep]), fluxes[keep] * colours[keep, b])
    return bands


def _star_colours(rng: np.random.Generator, n: int) -> Array:
    """(i, r, g) multipliers from blue-white to orange."""
    t = rng.uniform(0.0, 1.0, size=n)
    return np.stack([0.8 + 0.6 * t, np.ones(n), 1.3 - 0.8 * t], axis=1)


def _field_stars(rng: np.random.Generator, side: int, mean: float, level: float) -> Array:
    n = int(rng.poisson(mean))
    xs, ys = (rng.uniform(-side / 2, side / 2, size=(2, n)))
    fluxes = level * 10 ** (rng.exponential(0.5, size=n) - 1.0)
    return _points(rng, side, xs, ys, fluxes, _star_colours(rng, n))


def _colour(light: Array, rgb: tuple[float, float, float]) -> Array:
    return np.stack([light * c for c in rgb])


def spheroid(rng: np.random.Generator, side: int) -> tuple[Array, float]:
    """An elliptical (E0-E7) or an S0; returns bands and the surface brightness of its edge.
    Sometimes compact (a bright nucleus in a wide field, as photographs of M49 or M89 frame
    them) and in a rich star field."""
    compact = rng.random() < 0.3
    size = side * (rng.uniform(0.015, 0.05) if compact else rng.uniform(0.05, 0.22))
    centre = rng.normal(0.0, 0.03 * side, size=2)
    pa = float(rng.uniform(0.0, math.pi))
    # Red like the disks' bulges, or (40%) the near-neutral cream that white-balanced
    # photographs give ellipticals, like the disks' own colours: colour alone must not tell a
    # spheroid from a disk.
    if rng.random() < 0.4:
        red = (rng.uniform(1.0, 1.15), 1.0, rng.uniform(0.8, 1.0))
    else:
        red = (rng.uniform(1.1, 1.45), 1.0, rng.uniform(0.5, 0.85))
    if rng.random() < 0.7:  # elliptical
        q = 1.0 - int(rng.integers(0, 8)) / 10.0 * rng.uniform(0.9, 1.1)
        profile = galsim.Sersic(float(rng.choice(SERSIC_N)), half_light_radius=size)
        light = _draw(profile.shear(q=min(max(q, 0.25), 1.0), beta=pa * galsim.radians), side,
                      (float(centre[0]), float(centre[1])))
    else:  # S0: a smooth disk under a large bulge, no arms, no dust
        incl = float(np.degrees(np.arccos(rng.uniform(0.0, 1.0))))
        disk = galsim.InclinedExponential(
            incl * galsim.degrees, scale_radius=size / 1.2,
            scale_h_over_r=float(rng.uniform(0.1, 0.25))).rotate(pa * galsim.radians)
        bulge = galsim.Sersic(4.0, half_light_radius=size * rng.uniform(0.3, 0.7))
        bulge = bulge.shear(q=float(rng.uniform(0.6, 1.0)), beta=pa * galsim.radians)
        bt = float(rng.uniform(0.35, 0.8))
        # Drawn apart: the inclined disk goes through an FFT, the bulge in real space (a sum
        # would draw the compact bulge's wide k-space extent through a huge FFT too).
        at = (float(centre[0]), float(centre[1]))
        light = _draw(disk.withFlux(1 - bt), side, at) + _draw(bulge.withFlux(bt), side, at)
    bands = _colour(light, red)
    for _ in range(int(rng.poisson(0.5))):  # companions, often other ellipticals
        offset = rng.uniform(-0.4 * side, 0.4 * side, size=2)
        companion = galsim.Sersic(4.0, half_light_radius=size * rng.uniform(0.1, 0.5),
                                  flux=float(rng.uniform(0.02, 0.3)))
        bands += _colour(_draw(companion.shear(q=float(rng.uniform(0.5, 1.0)), beta=0.0
                                               * galsim.radians), side,
                               (float(offset[0]), float(offset[1]))), red)
    edge = max(float(light[int(np.clip(side / 2 + centre[1], 0, side - 1)),
                           int(np.clip(side / 2 + centre[0] + 2.0 * size, 0, side - 1))]), 1e-7)
    if rng.random() < 0.5:
        bands += _field_stars(rng, side, rng.uniform(20, 400), edge * rng.uniform(10.0, 300.0))
    return bands, edge


def globular(rng: np.random.Generator, side: int, level: float, rich: bool
             ) -> tuple[Array, Array, Array, Array]:
    """A globular cluster's stars (x, y offsets from the centre in pixels, fluxes) on a Plummer
    profile, and its unresolved glow (side x side). ``rich``: a near, rich cluster resolved into
    its core (M13, M3): 5,000-30,000 stars, Plummer radius 6-20% of the frame, a faint glow;
    otherwise 400-4,000 stars, 3-12%, a glow up to 30 times the faint stars' level."""
    if rich:
        n = int(10 ** rng.uniform(3.7, 4.5))
        a = side * rng.uniform(0.06, 0.2)  # Plummer radius
    else:
        n = int(rng.integers(400, 4000))
        a = side * rng.uniform(0.03, 0.12)
    radius = a / np.sqrt(rng.uniform(0.0, 1.0, size=n) ** (-2.0 / 3.0) - 1.0 + 1e-9)
    radius = np.minimum(radius, side)
    angle = rng.uniform(0.0, 2 * math.pi, size=n)
    xs, ys = radius * np.cos(angle), radius * np.sin(angle)
    fluxes = level * 10 ** (rng.exponential(0.4, size=n) - 0.5)
    xx, yy = _grid(side)
    glow = (1.0 + (xx**2 + yy**2) / a**2) ** -2.5
    glow *= level * (rng.uniform(0.3, 5.0) if rich else rng.uniform(2.0, 30.0))
    return xs, ys, fluxes, glow


def cluster(rng: np.random.Generator, side: int) -> tuple[Array, float]:
    """A globular cluster, an open cluster or a star field."""
    kind = rng.choice(["globular", "globular", "open", "field"])
    level = 1e-3
    if kind == "globular":
        xs, ys, fluxes, glow = globular(rng, side, level, rich=bool(rng.random() < 0.5))
        n = len(xs)
        bands = _points(rng, side, xs, ys, fluxes, _star_colours(rng, n))
        bands += _colour(glow, (rng.uniform(1.0, 1.3), 1.0, rng.uniform(0.6, 0.95)))
    elif kind == "open":
        n = int(rng.integers(30, 300))
        xs, ys = rng.normal(0.0, side * rng.uniform(0.08, 0.25), size=(2, n))
        fluxes = level * 10 ** (rng.exponential(0.6, size=n))
        bands = _points(rng, side, xs, ys, fluxes, _star_colours(rng, n))
    else:
        bands = _field_stars(rng, side, rng.uniform(50, 800), level)
    bands += _field_stars(rng, side, rng.uniform(10, 200), level)
    return bands, level * 0.3


def _bright_nebula(rng: np.random.Generator, side: int,
                   colours: list[tuple[float, float, float]]) -> Array:
    """An H II region as photographs frame it: a bright, nearly white core where the young
    stars sit, wings of glowing gas fanning out unevenly from it and fading into a black sky,
    wisps and dark lanes, a few bright stars embedded in the core."""
    xx, yy = _grid(side)
    cx, cy = rng.normal(0.0, 0.08 * side, size=2)
    radius = np.hypot(xx - cx, yy - cy)
    theta = np.arctan2(yy - cy, xx - cx)
    core_radius = side * rng.uniform(0.02, 0.08)
    extent = side * rng.uniform(0.2, 0.5)
    fan = np.ones_like(radius)  # uneven wings: a few angular modes
    for m in (1, 2, 3):
        fan += rng.uniform(0.0, 0.8) * np.cos(m * (theta - rng.uniform(0.0, 2 * math.pi)))
    fan = np.clip(fan, 0.05, None)
    wings = (1.0 + (radius / core_radius) ** 2) ** -rng.uniform(0.25, 0.6)
    wings *= np.exp(-0.5 * (radius / (extent * np.sqrt(fan))) ** 2)
    light = np.zeros((3, side, side))
    for colour in colours:
        texture = np.exp(rng.uniform(0.7, 1.4) * _random_field(rng, side, rng.uniform(2.0, 3.2)))
        light += _colour(wings * texture * rng.uniform(0.3, 1.0), colour)
    core = (1.0 + (radius / core_radius) ** 2) ** -1.5 * rng.uniform(1.0, 6.0)
    red, green, blue = colours[0]
    light += _colour(core, (0.5 + 0.5 * red, 0.5 + 0.5 * green, 0.5 + 0.5 * blue))
    lanes = np.clip(_random_field(rng, side, rng.uniform(2.5, 3.5)), 0.0, None)
    light *= np.exp(-lanes * rng.uniform(0.0, 1.5))
    n = int(rng.integers(0, 6))
    stars = rng.normal(0.0, core_radius, size=(2, n)) + np.array([[cx], [cy]])
    light += _points(rng, side, stars[0], stars[1], rng.uniform(2.0, 20.0, size=n),
                     np.tile(np.array([0.9, 1.0, 1.2]), (n, 1)))
    return light


def _planetary(rng: np.random.Generator, side: int,
               colours: list[tuple[float, float, float]]) -> Array:
    """A planetary nebula: an elliptical shell and its fainter interior around a central star.
    Half of them ionisation-stratified as narrow-band colour photographs show them: the
    low-ionisation red (H-alpha, [N II]) on the rim, the [O III] teal inside, a smooth shell."""
    q = rng.uniform(0.6, 1.0)
    pa = rng.uniform(0.0, math.pi)
    centre = rng.normal(0.0, 0.04 * side, size=2)
    u, v = _rotated(side, centre, pa, q)
    r = np.hypot(u, v)
    radius = side * rng.uniform(0.06, 0.3)
    width = radius * rng.uniform(0.15, 0.4)
    stratified = rng.random() < 0.5
    texture = np.exp((0.25 if stratified else 0.6)
                     * _random_field(rng, side, rng.uniform(1.5, 3.0)))
    shell = np.exp(-0.5 * ((r - radius) / width) ** 2) * texture
    inner = np.exp(-0.5 * (r / (radius * rng.uniform(0.5, 0.9))) ** 2) * texture
    if stratified:
        rim = np.exp(-0.5 * ((r - radius - 1.2 * width) / (0.7 * width)) ** 2) * texture
        light = (_colour(rim, (1.0, 0.25, 0.35)) + _colour(shell, (0.2, 0.9, 0.85))
                 + _colour(inner * rng.uniform(0.2, 0.6), (0.3, 0.7, 1.0)))
    else:
        light = _colour(shell, colours[0]) + _colour(inner * rng.uniform(0.2, 0.8), colours[1])
    light += _points(rng, side, centre[:1], centre[1:], np.array([rng.uniform(0.5, 5.0)]),
                     np.ones((1, 3)))
    return light


OIII = (0.35, 1.0, 0.7)  # [O III] 501 nm: the green-teal of planetary nebulae
HALPHA = (1.0, 0.3, 0.35)  # H-alpha and [N II]
NEBULA_KINDS_V7 = ("diffuse", "bright", "planetary", "remnant", "bipolar", "dark", "round", "arc")
NEBULA_MIX_V7 = (0.14, 0.14, 0.15, 0.07, 0.16, 0.16, 0.11, 0.07)


def _axes(rng: np.random.Generator, side: int) -> tuple[Array, Array, Array]:
    """A centre near the middle of the frame and a random position angle: the centre and each
    pixel's offset from it along (u) and across (v) that angle."""
    centre = rng.normal(0.0, 0.04 * side, size=2)
    pa = rng.uniform(0.0, math.pi)
    u, v = _rotated(side, centre, pa)
    return centre, u, v


def _planetary_shapes(rng: np.random.Generator, side: int,
                      colours: list[tuple[float, float, float]]) -> Array:
    """A planetary nebula in one of the shapes photographs show (v5): a shell as
    :func:`_planetary`; bipolar lobes pinched at a bright waist (NGC 2346, NGC 6302); a bright
    [O III] shell inside a faint wide halo (NGC 6826, IC 3568); or nested shells of different
    sizes and colours (NGC 6210, NGC 7027). All around a central star."""
    shape = rng.choice(["ring", "bipolar", "halo", "nested"])
    if shape == "ring":
        return _planetary(rng, side, colours)
    centre, u, v = _axes(rng, side)
    size = side * rng.uniform(0.08, 0.3)
    texture = np.exp(rng.uniform(0.2, 0.6) * _random_field(rng, side, rng.uniform(1.5, 3.0)))
    rim = colours[0] if rng.random() < 0.5 else HALPHA
    if shape == "bipolar":
        along, across = size * rng.uniform(0.4, 0.7), size * rng.uniform(0.2, 0.5)
        offset = size * rng.uniform(0.5, 1.0)
        lobes = np.zeros_like(u)
        for sign in (-1.0, 1.0):
            r = np.hypot((u - sign * offset) / along, v / across)
            hollow = rng.random() < 0.5
            lobes += np.exp(-0.5 * ((r - 1.0) / 0.3) ** 2) if hollow else np.exp(-0.5 * r ** 2)
        waist = np.exp(-0.5 * (np.hypot(u, v) / (0.25 * size)) ** 2)
        light = (_colour(lobes * texture, rim)
                 + _colour(waist * texture * rng.uniform(0.5, 2.0), OIII))
    elif shape == "halo":
        q = rng.uniform(0.7, 1.0)
        r = np.hypot(u, v / q)
        inner = np.exp(-0.5 * (r / (size * rng.uniform(0.2, 0.45))) ** 4)
        halo = np.exp(-0.5 * (r / (size * rng.uniform(0.8, 1.3))) ** 2)
        light = (_colour(inner * texture * rng.uniform(2.0, 6.0), OIII)
                 + _colour(halo * texture * rng.uniform(0.1, 0.4),
                           OIII if rng.random() < 0.5 else rim))
    else:
        light = np.zeros((3, side, side))
        for _ in range(int(rng.integers(2, 4))):
            q = rng.uniform(0.6, 1.0)
            radius = size * rng.uniform(0.3, 1.0)
            r = np.hypot(u, v / q)
            shell = np.exp(-0.5 * ((r - radius) / (radius * rng.uniform(0.1, 0.3))) ** 2)
            palette = (OIII, HALPHA, colours[0], colours[1])
            light += _colour(shell * texture * rng.uniform(0.3, 1.0),
                             palette[int(rng.integers(0, len(palette)))])
    light += _points(rng, side, centre[:1], centre[1:], np.array([rng.uniform(0.5, 5.0)]),
                     np.ones((1, 3)))
    return light


def _spikes(side: int, centre: Array, flux: float, length: float, angle: float) -> Array:
    """A bright star's four diffraction spikes (telescopes with a spider), to be convolved."""
    xx, yy = _grid(side)
    spikes = np.zeros((side, side))
    for k in range(4):
        theta = angle + k * math.pi / 2
        along = (xx - centre[0]) * math.cos(theta) + (yy - centre[1]) * math.sin(theta)
        across = -(xx - centre[0]) * math.sin(theta) + (yy - centre[1]) * math.cos(theta)
        spikes += (along > 0) * np.exp(-np.abs(across) / 0.6) * np.exp(-along / length)
    return spikes * flux * 0.02


def _bipolar_outflow(rng: np.random.Generator, side: int) -> Array:
    """A young or dying star's bipolar nebula as photographs show Sh2-106, the Calabash or the
    Red Rectangle (v7): two lobes or an hourglass of limb-brightened cone walls opening from a
    bright central star (often with diffraction spikes), pinched by a dark dusty waist — an
    elongated object with a dark lane across its middle, the look of an edge-on disk turned a
    quarter turn. Reflection white-orange or H-alpha red, textured."""
    centre, u, v = _axes(rng, side)
    length = side * rng.uniform(0.15, 0.45)
    texture = np.exp(rng.uniform(0.3, 0.8) * _random_field(rng, side, rng.uniform(2.0, 3.0)))
    fade = np.exp(-np.abs(u) / (length * rng.uniform(0.4, 0.9))) * (np.abs(u) < 1.2 * length)
    if rng.random() < 0.5:  # hourglass: cone walls (Red Rectangle)
        half_angle = rng.uniform(0.25, 0.7)
        wall = np.abs(v) - np.abs(u) * math.tan(half_angle)
        width = 1.0 + np.abs(u) * rng.uniform(0.05, 0.15)
        light = np.exp(-0.5 * (wall / width) ** 2) + rng.uniform(0.1, 0.5) * (wall < 0)
    else:  # lobes: elongated blobs either side (Sh2-106, Calabash)
        across = length * rng.uniform(0.15, 0.4)
        light = np.zeros_like(u)
        for sign in (-1.0, 1.0):
            offset = length * rng.uniform(0.35, 0.6)
            light += rng.uniform(0.4, 1.0) * np.exp(
                -0.5 * (((u - sign * offset) / (0.5 * length)) ** 2 + (v / across) ** 2))
    light = light * fade * texture * rng.uniform(1.0, 4.0)
    waist = max(length * rng.uniform(0.04, 0.15), 1.5)
    light *= 1.0 - rng.uniform(0.85, 1.0) * np.exp(-0.5 * (u / waist) ** 2)
    palette = [(1.0, 0.75, 0.55), (1.0, 0.6, 0.35), HALPHA, (0.95, 0.8, 0.95)]
    colour = palette[int(rng.integers(0, len(palette)))]
    bands = _colour(light, colour)
    if rng.random() < 0.4:  # the far tip of one lobe scattering blue (Calabash)
        tip = np.exp(-0.5 * (((u - length) / (0.3 * length)) ** 2 + (v / (0.3 * length)) ** 2))
        bands += _colour(tip * texture * rng.uniform(0.2, 0.8), (0.4, 0.6, 1.2))
    star = rng.uniform(1.0, 30.0) * float(light.max() + 1e-9)
    bands += _points(rng, side, centre[:1], centre[1:], np.array([star]), np.ones((1, 3)))
    if rng.random() < 0.6:
        bands += _colour(_spikes(side, centre, star, side * rng.uniform(0.05, 0.3),
                                 rng.uniform(0.0, math.pi / 2)), (1.0, 1.0, 1.0))
    return bands


def _dark_cloud_field(rng: np.random.Generator, side: int) -> Array:
    """A rich star field veiled by faint nebulosity and cut by dark clouds, as wide-field
    photographs of rho Ophiuchi, LBN 782 or Barnard 22 show it (v7): thousands of stars, dimmed
    where the dust lies, over faint red emission and blue reflection glows; sometimes a bright
    star in a blue reflection halo. Nothing in the middle of the frame in particular."""
    xx, yy = _grid(side)
    glow = np.zeros((3, side, side))
    for colour in ((1.0, 0.3, 0.35), (0.4, 0.6, 1.2), (0.9, 0.7, 0.5)):
        if rng.random() < 0.6:
            field = np.exp(rng.uniform(0.8, 1.5) * _random_field(rng, side, rng.uniform(2.5, 3.5)))
            glow += _colour(field * rng.uniform(0.02, 0.3), colour)
    dust = np.clip(_random_field(rng, side, rng.uniform(2.5, 3.5)) + rng.uniform(-0.5, 0.5),
                   0.0, None) * rng.uniform(1.0, 4.0)
    level = 1.0
    stars = _field_stars(rng, side, rng.uniform(800, 6000), level)
    light = (glow + stars) * np.exp(-dust)
    for _ in range(int(rng.integers(0, 3))):
        at = rng.uniform(-0.4, 0.4, size=2) * side
        halo = np.exp(-np.hypot(xx - at[0], yy - at[1]) / (side * rng.uniform(0.03, 0.12)))
        light += _colour(halo * rng.uniform(0.2, 1.5), (0.5, 0.7, 1.3))
        light += _points(rng, side, at[:1], at[1:], np.array([rng.uniform(20.0, 200.0)]),
                         np.ones((1, 3)))
    return light


def _round_emission(rng: np.random.Generator, side: int) -> Array:
    """A round H II region filling much of the frame (Sh2-170, the Rosette, Sh2-80 v7): a
    textured red or pink disk with a soft edge, sometimes hollow, dark globules across it and
    young stars in front."""
    centre = rng.normal(0.0, 0.06 * side, size=2)
    q = rng.uniform(0.75, 1.0)
    pa = rng.uniform(0.0, math.pi)
    u, v = _rotated(side, centre, pa, q)
    radius = side * rng.uniform(0.1, 0.45)
    r = np.hypot(u, v)
    body = 1.0 / (1.0 + np.exp((r - radius) / (radius * rng.uniform(0.05, 0.2))))
    if rng.random() < 0.4:  # blown hollow by its cluster
        body *= 1.0 - rng.uniform(0.4, 0.9) * np.exp(-0.5 * (r / (0.5 * radius)) ** 2)
    texture = np.exp(rng.uniform(0.4, 1.0) * _random_field(rng, side, rng.uniform(2.0, 3.2)))
    globules = np.clip(_random_field(rng, side, rng.uniform(2.5, 3.5)) - 1.0, 0.0, None)
    light = _colour(body * texture * np.exp(-globules * rng.uniform(0.5, 3.0)),
                    HALPHA if rng.random() < 0.6 else (1.0, 0.5, 0.55))
    n = int(rng.integers(3, 30))
    xs, ys = rng.normal(0.0, radius * 0.4, size=(2, n)) + centre[:, None]
    light += _points(rng, side, xs, ys, rng.uniform(1.0, 20.0, size=n),
                     np.tile(np.array([0.85, 1.0, 1.25]), (n, 1)))
    return light


def _arc_filament(rng: np.random.Generator, side: int) -> Array:
    """Part of a shell: a crescent of filaments (Sh2-188, supernova remnants and bubbles v7)."""
    xx, yy = _grid(side)
    centre = rng.uniform(-0.3, 0.3, size=2) * side
    radius = side * rng.uniform(0.2, 0.5)
    r = np.hypot(xx - centre[0], yy - centre[1])
    theta = np.arctan2(yy - centre[1], xx - centre[0])
    middle = rng.uniform(-math.pi, math.pi)
    spread = rng.uniform(0.6, 2.2)
    offset = np.angle(np.exp(1j * (theta - middle)))
    arc = np.exp(-0.5 * (offset / (0.5 * spread)) ** 2)
    shell = np.exp(-0.5 * ((r - radius) / (radius * rng.uniform(0.03, 0.15))) ** 2)
    filaments = np.clip(_random_field(rng, side, rng.uniform(1.5, 2.5)), 0.0, None) ** 1.5
    palette = [HALPHA, (1.0, 0.35, 0.6), OIII]
    return _colour(arc * shell * (0.3 + filaments), palette[int(rng.integers(0, len(palette)))])


def nebula(rng: np.random.Generator, side: int, version: int = NEGATIVES) -> tuple[Array, float]:
    """Diffuse emission/reflection nebula, an H II region with a bright core, a planetary
    nebula (from v5 in four shapes) or a filamentary remnant; from v7 also bipolar outflows,
    star fields veiled by nebulosity and dark clouds, round H II regions and arcs of a shell."""
    if version >= 7:
        kind = rng.choice(NEBULA_KINDS_V7, p=NEBULA_MIX_V7)
    else:
        kind = rng.choice(["diffuse", "bright", "planetary", "remnant"], p=[0.3, 0.3, 0.25, 0.15])
    xx, yy = _grid(side)
    palette = [(1.0, 0.25, 0.4), (0.3, 0.85, 1.0), (0.5, 0.75, 1.3), (1.0, 0.55, 0.6)]
    colours = [palette[i] for i in rng.choice(len(palette), size=2)]
    level = 1.0
    if kind == "diffuse":  # anywhere in the frame, sometimes with a bright compact core
        cx, cy = rng.uniform(-0.3, 0.3, size=2) * side
        radius = np.hypot(xx - cx, yy - cy)
        envelope = np.exp(-0.5 * (radius / (side * rng.uniform(0.2, 0.8))) ** 2)
        light = np.zeros((3, side, side))
        for colour in colours:
            field = np.exp(rng.uniform(0.8, 1.6) * _random_field(rng, side, rng.uniform(2.5, 3.5)))
            light += _colour(field * envelope * rng.uniform(0.3, 1.0), colour)
        if rng.random() < 0.4:
            core = np.exp(-0.5 * (radius / (side * rng.uniform(0.03, 0.1))) ** 2)
            light += _colour(core * rng.uniform(1.0, 5.0), colours[0])
        dust = np.clip(_random_field(rng, side, 3.0), 0.0, None) * rng.uniform(0.0, 2.0)
        light *= np.exp(-dust)
    elif kind == "bright":
        light = _bright_nebula(rng, side, colours)
    elif kind == "planetary":
        light = (_planetary_shapes(rng, side, colours) if version >= 5
                 else _planetary(rng, side, colours))
    elif kind == "bipolar":
        light = _bipolar_outflow(rng, side)
    elif kind == "dark":
        light = _dark_cloud_field(rng, side)
    elif kind == "round":
        light = _round_emission(rng, side)
    elif kind == "arc":
        light = _arc_filament(rng, side)
    else:
        q = rng.uniform(0.6, 1.0)
        pa = rng.uniform(0.0, math.pi)
        u, v = _rotated(side, np.zeros(2), pa, q)
        r = np.hypot(u, v)
        radius = side * rng.uniform(0.1, 0.3)
        blob = np.exp(-0.5 * (r / radius) ** 2)
        filaments = np.clip(_random_field(rng, side, 2.0), 0.0, None) ** 2
        light = _colour(blob * 0.5, colours[1]) + _colour(blob * filaments, colours[0])
    light += _field_stars(rng, side, rng.uniform(20, 400), level * 0.05)
    return light, level * rng.uniform(0.05, 0.3)


def _exponential(side: int, size: float, q: float, pa: float, offset: Array,
                 flux: float = 1.0) -> Array:
    profile = galsim.Exponential(scale_radius=size, flux=flux).shear(
        q=q, beta=pa * galsim.radians)
    return _draw(profile, side, (float(offset[0]), float(offset[1])))


def resolved_dwarf(rng: np.random.Generator, side: int) -> tuple[Array, float]:
    """A nearby dwarf irregular as photographs show NGC 6822, IC 1613 or Sextans B: a grainy,
    lumpy cloud of thousands of faint resolved stars over a weak glow, up to the size of the
    frame, with a few pink H II regions; no nucleus, no arms."""
    level = 1e-3
    size = side * rng.uniform(0.1, 0.3)
    centre = rng.normal(0.0, 0.08 * side, size=2)
    body = _exponential(side, size, float(rng.uniform(0.35, 1.0)),
                        float(rng.uniform(0, math.pi)), centre)
    density = body * np.exp(rng.uniform(0.3, 0.9) * _random_field(rng, side,
                                                                    rng.uniform(2.0, 3.0)))
    density /= density.sum()
    n = int(rng.integers(1500, 8000))
    pixels = rng.choice(density.size, size=n, p=density.ravel())
    row, col = np.divmod(pixels, side)
    xs = col - (side - 1) / 2.0 + rng.uniform(-0.5, 0.5, size=n)
    ys = row - (side - 1) / 2.0 + rng.uniform(-0.5, 0.5, size=n)
    fluxes = level * 10 ** (rng.exponential(0.3, size=n) - 0.7)
    colours = _star_colours(rng, n)
    colours[: n // 2] = (0.85, 1.0, 1.15)  # half young and blue
    light = _points(rng, side, xs, ys, fluxes, colours)
    # the unresolved light: from a weak haze to a body as bright as its stars together
    glow = density * float(fluxes.sum()) * 10 ** rng.uniform(-0.7, 0.5)
    light += _colour(glow, (0.9, 1.0, 1.2))
    knots = np.zeros((3, side, side))
    for _ in range(int(rng.integers(0, 8))):
        spot = int(rng.choice(density.size, p=density.ravel()))
        knots += _points(rng, side, np.array([spot % side - (side - 1) / 2.0]),
                         np.array([spot // side - (side - 1) / 2.0]),
                         np.array([level * rng.uniform(3.0, 20.0)]),
                         np.array([[1.0, 0.35, 0.55]]))
    light += gaussian_filter(knots, sigma=(0, 1.5, 1.5))
    # near the Galactic plane (NGC 6822, IC 10) a dense foreground of faint stars fills the frame
    crowd = rng.uniform(1000, 5000) if rng.random() < 0.4 else rng.uniform(20, 300)
    light += _field_stars(rng, side, crowd, level)
    return light, level * rng.uniform(0.1, 0.4)


def dwarf_spheroidal(rng: np.random.Generator, side: int) -> tuple[Array, float]:
    """A Local Group dwarf spheroidal as photographs show Leo I, Draco or Ursa Minor (v7): a
    smooth, round to oval swarm of old yellowish stars, thousands of them, over a glow from
    barely there to a faint haze; no knots, no gas, no nucleus, no arms; sometimes a bright
    foreground star nearby (Regulus beside Leo I)."""
    level = 1e-3
    a = side * rng.uniform(0.08, 0.3)
    q = rng.uniform(0.5, 1.0)
    pa = rng.uniform(0.0, math.pi)
    centre = rng.normal(0.0, 0.06 * side, size=2)
    n = int(10 ** rng.uniform(3.2, 4.2))
    radius = a / np.sqrt(rng.uniform(0.0, 1.0, size=n) ** (-2.0 / 3.0) - 1.0 + 1e-9)
    radius = np.minimum(radius, side)
    angle = rng.uniform(0.0, 2 * math.pi, size=n)
    u, v = radius * np.cos(angle), radius * np.sin(angle) * q
    xs = centre[0] + u * math.cos(pa) - v * math.sin(pa)
    ys = centre[1] + u * math.sin(pa) + v * math.cos(pa)
    fluxes = level * 10 ** (rng.exponential(0.3, size=n) - 0.7)
    colours = _star_colours(rng, n)
    colours[:, 0] = np.maximum(colours[:, 0], 1.0)  # old: none bluer than white
    colours[:, 2] = np.minimum(colours[:, 2], 1.0)
    light = _points(rng, side, xs, ys, fluxes, colours)
    du, dv = _rotated(side, centre, pa, q)
    glow = (1.0 + (du ** 2 + dv ** 2) / a ** 2) ** -2.0
    glow *= float(fluxes.sum()) / float(glow.sum()) * 10 ** rng.uniform(-1.0, 0.3)
    light += _colour(glow, (1.1, 1.0, 0.85))
    light += _field_stars(rng, side, rng.uniform(20, 600), level)
    if rng.random() < 0.3:
        at = rng.uniform(-0.5, 0.5, size=2) * side
        light += _points(rng, side, at[:1], at[1:], np.array([level * rng.uniform(100.0, 2000.0)]),
                         np.array([[0.9, 1.0, 1.15]]))
    return light, level * rng.uniform(0.1, 0.4)


def irregular(rng: np.random.Generator, side: int, version: int = NEGATIVES
              ) -> tuple[Array, float]:
    """A dwarf irregular, a merging pair with tidal tails, or a crowded field of galaxies; from
    v7 also dwarf spheroidals (:func:`dwarf_spheroidal`)."""
    if version >= 7:
        kind = rng.choice(["dwarf", "resolved", "spheroidal", "merger", "crowded"],
                          p=[0.2, 0.25, 0.25, 0.15, 0.15])
    else:
        kind = rng.choice(["dwarf", "resolved", "merger", "crowded"])
    size = side * rng.uniform(0.08, 0.2)
    blue = (rng.uniform(0.7, 1.0), 1.0, rng.uniform(1.0, 1.4))
    if kind == "resolved":
        return resolved_dwarf(rng, side)
    if kind == "spheroidal":
        return dwarf_spheroidal(rng, side)
    if kind == "dwarf":  # from compact to filling the frame (NGC 6822, IC 1613)
        size *= rng.uniform(1.0, 2.0)
        centre = rng.normal(0.0, 0.05 * side, size=2)
        body = _exponential(side, size, float(rng.uniform(0.4, 1.0)),
                            float(rng.uniform(0, math.pi)), centre)
        patchy = np.exp(rng.uniform(0.6, 1.2) * _random_field(rng, side, rng.uniform(2.0, 3.0)))
        light = _colour(body * patchy, blue)
        n = int(rng.integers(5, 40))
        xs, ys = rng.normal(0.0, size, size=(2, n)) + centre[:, None]
        knots = _points(rng, side, xs, ys, body.max() * 10 ** rng.uniform(0.0, 1.5, size=n),
                        np.tile(np.array([0.9, 1.0, 1.3]), (n, 1)))
        light += gaussian_filter(knots, sigma=(0, 1.5, 1.5)) * 4.0
        n = int(rng.integers(50, 2000))  # resolved stars on the body
        xs, ys = rng.normal(0.0, 1.5 * size, size=(2, n)) + centre[:, None]
        light += _points(rng, side, xs, ys, body.max() * 10 ** rng.uniform(-0.5, 1.0, size=n),
                         _star_colours(rng, n))
        edge = float(body.max()) * 0.05
    elif kind == "merger":
        offsets = rng.normal(0.0, size * 0.8, size=(2, 2))
        light = np.zeros((3, side, side))
        for k in range(2):
            galaxy = _exponential(side, size * rng.uniform(0.4, 0.9), float(rng.uniform(0.3, 1.0)),
                                  float(rng.uniform(0, math.pi)), offsets[k])
            core = galsim.Sersic(4.0, half_light_radius=size * 0.15, flux=0.3)
            galaxy += _draw(core, side, (float(offsets[k][0]), float(offsets[k][1])))
            light += _colour(galaxy, (1.1, 1.0, 0.8))
        for k in range(int(rng.integers(1, 3))):  # tidal tails: arcs of blobs
            t = np.linspace(0.0, 1.0, 60)
            start = offsets[k % 2]
            turn = rng.uniform(-3.0, 3.0)
            length = side * rng.uniform(0.25, 0.5)
            angle = rng.uniform(0.0, 2 * math.pi) + turn * t
            xs = start[0] + np.cumsum(np.cos(angle)) * length / 60
            ys = start[1] + np.cumsum(np.sin(angle)) * length / 60
            tail = _points(rng, side, xs, ys, np.full(60, 0.004 * rng.uniform(0.3, 1.5)),
                           np.tile(np.array(blue), (60, 1)))
            light += gaussian_filter(tail, sigma=(0, size * 0.15, size * 0.15))
        edge = float(light[1].max()) * 0.01
    else:
        light = np.zeros((3, side, side))
        for _ in range(int(rng.integers(4, 12))):
            offset = rng.uniform(-0.4 * side, 0.4 * side, size=2)
            galaxy = _exponential(side, size * rng.uniform(0.3, 0.8),
                                  float(rng.uniform(0.3, 1.0)), float(rng.uniform(0, math.pi)),
                                  offset, float(rng.uniform(0.3, 1.0)))
            light += _colour(galaxy, (rng.uniform(1.0, 1.4), 1.0, rng.uniform(0.5, 1.0)))
        edge = float(light[1].max()) * 0.02
    light += _field_stars(rng, side, rng.uniform(0, 100), edge)
    return light, max(edge, 1e-7)


def artefact(rng: np.random.Generator, side: int) -> tuple[Array, float]:
    """A satellite trail, a saturated star in the centre, or the edge of the survey."""
    kind = rng.choice(["trail", "saturated", "edge"])
    xx, yy = _grid(side)
    level = 1.0
    light = _field_stars(rng, side, rng.uniform(5, 100), level * 0.1)
    if kind == "trail":
        for _ in range(int(rng.integers(1, 3))):
            angle = rng.uniform(0.0, math.pi)
            across = -xx * math.sin(angle) + yy * math.cos(angle)
            distance = np.abs(across - rng.normal(0, side / 6))
            line = np.exp(-0.5 * (distance / rng.uniform(0.6, 2.5)) ** 2) * rng.uniform(0.5, 5.0)
            light += _colour(line, tuple(rng.uniform(0.7, 1.3, size=3)))
    elif kind == "saturated":
        r = np.hypot(xx, yy) + 0.5
        width = side * rng.uniform(0.01, 0.05)
        star = 200.0 * (1.0 + (r / width) ** 2) ** -1.5 + 2.0 * np.exp(-r / (side * 0.15))
        for angle in rng.uniform(0.0, math.pi / 2) + np.arange(4) * math.pi / 2:
            along = xx * math.cos(angle) + yy * math.sin(angle)
            across = -xx * math.sin(angle) + yy * math.cos(angle)
            star += (along > 0) * 5.0 * np.exp(-np.abs(across) / 0.7) * np.exp(
                -along / (side * rng.uniform(0.1, 0.4)))
        star = np.minimum(star, rng.uniform(5.0, 40.0))  # saturation: a flat core
        light += _colour(star, tuple(rng.uniform(0.85, 1.15, size=3)))
    else:
        if rng.random() < 0.5:
            light += _colour(_exponential(side, side * rng.uniform(0.04, 0.12), 1.0, 0.0,
                                          rng.uniform(-0.3 * side, 0.3 * side, size=2)) * 500,
                             (1.1, 1.0, 0.8))
    return light, level * rng.uniform(0.05, 0.3)


def blank(rng: np.random.Generator, side: int) -> tuple[Array, float]:
    return _field_stars(rng, side, rng.uniform(0, 15), 1.0), rng.uniform(0.5, 5.0)


RENDERERS = {"spheroid": spheroid, "cluster": cluster, "nebula": nebula,
             "irregular": irregular, "artefact": artefact, "blank": blank}


def draw_rendering(seed: int, index: int) -> str:
    """The rendering of a non-disk: one of the disks' (:data:`training.synthetic.RENDERINGS`),
    with their weights."""
    rng = np.random.default_rng([seed, index, 4])
    return str(rng.choice(RENDERINGS, p=RENDERING_WEIGHTS))


def _finish(bands: Array, edge: float, rng: np.random.Generator, side: int, rendering: str
            ) -> Image.Image:
    """PSF, sky noise and the disks' finishing for ``rendering``
    (:func:`training.synthetic.finish`): band images (red, green, blue order) → a PIL image."""
    if rendering == "photo":
        seeing = float(rng.uniform(0.5, 1.5) * side / 128)
    else:
        seeing = float(rng.uniform(0.8, 2.0) / PIXEL_ARCSEC / 10 ** rng.uniform(0.0, 0.6))
        if rendering == "dss":
            seeing = max(seeing, float(rng.uniform(1.5, 3.5)))
    bands = gaussian_filter(bands, sigma=(0, seeing / 2.355, seeing / 2.355))
    snr_log10 = rng.uniform(0.0, 1.0) if rendering == "photo" else rng.uniform(-0.5, 0.6)
    sky = edge * 10 ** (-snr_log10)
    bands = bands * np.exp(rng.normal(0.0, 0.12, size=(3, 1, 1)))
    bands = bands + rng.normal(0.0, sky, size=bands.shape)
    image, _ = finish(list(bands), edge, sky, rng, rendering)
    return image


def _survey_edge(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    array = np.asarray(image).copy()
    height, width = array.shape[:2]
    xx, yy = np.meshgrid(np.arange(width) - width / 2, np.arange(height) - height / 2)
    angle = rng.uniform(0.0, 2 * math.pi)
    cut = xx * math.cos(angle) + yy * math.sin(angle) > rng.uniform(-0.2, 0.3) * width
    array[cut] = 255 if rng.random() < 0.2 else 0
    return Image.fromarray(array, image.mode)


def photographic(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The look of an amateur/observatory photograph: the field widened into a black, star-rich
    sky (the object spans less of the frame), a harder black point and boosted colour. Applied
    with the same probabilities to every class."""
    if rng.random() < 0.5:
        return image
    rgb = image.convert("RGB")
    widen = rng.random() < 0.6
    if widen or rng.random() < 0.7:
        array = np.asarray(rgb).astype(np.float64) / 255.0
        # A black point at or above the sky: photographs show a black, noise-free sky.
        sky = float(np.median(array))
        black = sky + rng.uniform(0.0, 0.1) if widen else rng.uniform(0.0, 0.25)
        black = min(black, 0.9)
        gamma = rng.uniform(0.7, 1.6)
        array = np.clip((array - black) / (1.0 - black), 0.0, 1.0) ** gamma
        rgb = Image.fromarray((array * 255).round().astype(np.uint8), "RGB")
        rgb = ImageEnhance.Color(rgb).enhance(float(rng.uniform(1.0, 1.6)))
    if widen:
        width, height = rgb.size
        factor = rng.uniform(1.2, 2.6)
        side = int(max(width, height) * factor)
        canvas = rng.normal(rng.uniform(0.0, 12.0), rng.uniform(0.5, 4.0), size=(side, side, 3))
        n = int(rng.poisson(rng.uniform(10, 300)))
        xs, ys = rng.uniform(0, side, size=(2, n))
        stars = np.zeros((side, side, 3))
        colours = _star_colours(rng, n)[:, ::-1]
        np.add.at(stars, (ys.astype(int), xs.astype(int)),
                  (10 ** (1.3 + rng.exponential(0.5, size=n)))[:, None] * colours)
        stars = gaussian_filter(stars, sigma=(rng.uniform(0.6, 1.5),) * 2 + (0,))
        canvas = np.clip(canvas + stars, 0, 255)
        x0 = int(rng.integers(0, side - width + 1))
        y0 = int(rng.integers(0, side - height + 1))
        inner = np.asarray(rgb).astype(np.float64)
        canvas[y0:y0 + height, x0:x0 + width] = np.maximum(
            inner, canvas[y0:y0 + height, x0:x0 + width])
        rgb = Image.fromarray(canvas.round().astype(np.uint8), "RGB")
    return rgb


def close_framing(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A quarter of the time, a field narrower than the object: a square crop of 45-85% of the
    frame, off centre by up to a fifth of it, as uploads and photographs often frame large
    galaxies (an edge-on disk from corner to corner, a spiral cut by the frame's edge). Applied
    with the same probabilities to every class."""
    if rng.random() >= 0.25:
        return image
    width, height = image.size
    side = round(min(width, height) * rng.uniform(0.45, 0.85))
    cx = width / 2 + rng.uniform(-0.2, 0.2) * side
    cy = height / 2 + rng.uniform(-0.2, 0.2) * side
    left = int(np.clip(round(cx - side / 2), 0, width - side))
    top = int(np.clip(round(cy - side / 2), 0, height - side))
    return image.crop((left, top, left + side, top + side))


def render_negative(kind: str, seed: int, index: int, version: int = NEGATIVES) -> Image.Image:
    rng = _rng(seed, index)
    side = int(rng.integers(80, 257))
    if kind == "nebula":
        bands, edge = nebula(rng, side, version)
    elif kind == "irregular":
        bands, edge = irregular(rng, side, version)
    else:
        bands, edge = RENDERERS[kind](rng, side)
    image = _finish(bands, edge, rng, side, draw_rendering(seed, index))
    if kind == "artefact" and rng.random() < 0.4:
        image = _survey_edge(image, rng)
    return image


def draw_class(seed: int, index: int) -> str:
    rng = np.random.default_rng([seed, index, 1])
    return CLASSES[int(rng.choice(len(CLASSES), p=np.asarray(MIX) / sum(MIX)))]


def is_hard(seed: int, index: int) -> bool:
    """Whether example ``(seed, index)``, when it is a disk, is in the generator's hard
    renderings (low S/N: :func:`training.synthetic.render_galaxy` with ``hard=True``)."""
    return bool(np.random.default_rng([seed, index, 2]).random() < 0.15)


BULGE_EDGE_ON_SHARE = 0.125


def is_bulge_edge_on(seed: int, index: int) -> bool:
    """Whether example ``(seed, index)``, when it is a disk and not a hard one, is drawn from v6
    on as a bulge-dominated edge-on (``render_galaxy(..., bulge_edge_on=True)``)."""
    return bool(np.random.default_rng([seed, index, 6]).random() < BULGE_EDGE_ON_SHARE)


# The oldest version the current code still draws: v3 differs from v4 only by the close framing,
# v4 from v5 only by the planetary nebulae, v5 from v6 only by the bulge-dominated edge-ons, v6
# from v7 only by the nebulae and irregulars.
OLDEST_DRAWABLE = 3


def render_example(seed: int, index: int, version: int = NEGATIVES
                   ) -> tuple[npt.NDArray[np.uint8], int]:
    """One training example of ``training.negatives`` ``version`` (3-7): uint8
    (128, 128, 3) after ``to_model_input``, and its class index."""
    if not OLDEST_DRAWABLE <= version <= NEGATIVES:
        raise ValueError(f"training.negatives v{version} is not drawn by this code (only "
                         f"v{OLDEST_DRAWABLE}-v{NEGATIVES}); its code is in git history")
    kind = draw_class(seed, index)
    if kind == "disk":
        hard = is_hard(seed, index)
        edge_on = version >= 6 and not hard and is_bulge_edge_on(seed, index)
        image, _ = render_galaxy(seed, index, hard=hard, bulge_edge_on=edge_on)
    else:
        image = render_negative(kind, seed, index, version)
    image = photographic(image, np.random.default_rng([seed, index, 3]))
    if version >= 4:
        image = close_framing(image, np.random.default_rng([seed, index, 5]))
    array = to_model_input(image, "rgb")
    return (array * 255.0).round().astype(np.uint8), CLASSES.index(kind)

