"""An independent synthetic test set of disk galaxies, rendered by 3-D line-of-sight integration.

usage: python -m training.independent OUTDIR [--count 600] [--seed 7001]

For evaluation only, never for training: a second renderer written independently of
``training/synthetic.py`` (different code, numpy and astropy only, no galsim, none of the training
generator's modules read or imported), so that a figure measured on this set does not merely say
how well the networks learned their own generator. Writes OUTDIR/<name>.png (or .jpg) and
OUTDIR/index.csv with the columns ``path,name,incl,rendering,bulge_fraction,thickness`` (absolute
paths), which ``python -m training evaluate --real OUTDIR`` reads. Image ``index`` is drawn from
``np.random.default_rng([seed, index])`` alone, so a set is the same whatever the order or count.

Each galaxy is an emissivity field in its own frame (x, y in the disk plane, z up, lengths in
disk scale lengths h), integrated along each line of sight in front-to-back order:

* disk: ``exp(-R/h) sech²(z/z_d)``, modulated in the plane by two logarithmic spiral arms (pitch
  10-30°, amplitude 0-0.6) or, for 30%, a flocculent pattern (a smooth random multiplicative
  field of short sheared spiral fragments), plus small star-forming knots on the arms. Thickness
  ``t`` (uniform 0.10-0.25) is the disk's edge-on isophotal axis ratio at the isophote of the
  face-on surface brightness at R = 3.2 h (where the sky noise hides the disk): z_d = 1.92 t h
  makes that exact to 1% for t in 0.10-0.25. A sech² disk's isophotes are not exact ellipses,
  but the pure disk's isophotal axis ratio at that level, measured on renderings, gives the label
  below to within 0.5° at every inclination for t = 0.1, 0.2 and 0.25.
* bulge: an oblate Sérsic-like spheroid, the Prugniel-Simien (1997) deprojection
  ``m^-p exp(-b_n m^(1/n))`` of a Sérsic profile (n 1-4, b_n = 2n - 1/3 after Ciotti & Bertin,
  m the ellipsoidal radius over the projected half-light radius, 0.15-0.45 h; flattening
  0.6-1.0); B/T is none for 30%, 0-0.4 for 55% and 0.4-0.7 for 15%, from the analytic totals of
  both laws. Redder than the disk; the arms and knots bluer.
* dust (60%): an absorbing ``exp(-R/h_dust - |z|/z_dust)`` layer (h_dust 1-1.5 h, z_dust
  0.3-0.6 z_d, central face-on optical depth 0.5-3 in r, 1.45 times that in g and 0.74 in i),
  concentrated on the arms' inner edges; each sample's light is dimmed by exp(-τ) of the dust
  in front of it.

The galaxy is inclined by i (uniform in degrees 0-90) about its x axis and turned by a random
position angle on the sky. Each pixel's line of sight is cut into M = 96 segments over its chord
through the bounding ellipsoids (disk: R < 8 h, |z| < 8 z_d; bulge: 4 + 2n half-light radii);
the vertical sech² and exponential factors are integrated exactly over each segment (no aliasing
of thin layers along the line of sight), and a nearly edge-on disk thinner on the sky than 2.5 px
(its dust layer than 2 px) is supersampled 2-3 times in the image plane. The field of view is
1.4-1.6 D (D = 2 * 3.2 h; 25%: 1.6-3 D), 128-256 px, the galaxy within 5% of the side of the
centre. Then: 0-15 point stars (15% bright), 0-2 small exponential neighbours away from the
centre, a Gaussian or Moffat PSF (FWHM 1-4 px), Gaussian sky noise (the face-on disk at R = 3.2 h
is 1-3 sigma above the sky) and one of four renderings: an SDSS-like gri ``make_lupton_rgb`` JPEG
(35%), a single-band asinh PNG white on black (20%), the same black on white (15%), or a colour
"photograph" PNG with the black point above the sky and a saturated core (30%).

The label ``incl`` is the service's convention, :func:`label_inclination`: the inclination the
axial-ratio formula with q0 = 0.2 gives for the disk's projected axis ratio.
"""

import argparse
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from astropy.convolution import Gaussian2DKernel, Moffat2DKernel, convolve_fft
from astropy.visualization import AsinhStretch, LogStretch, make_lupton_rgb
from PIL import Image

from inference.axial_ratio import inclination_from_q
from training.realeval import write_index

Floats = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]

Q0 = 0.2  # the service's intrinsic axis ratio in the axial-ratio formula
EDGE = 3.2  # the disk's isophotal radius in scale lengths (D = 2 * 3.2 h)
ZD_PER_T = 1.92  # z_d / (t h): the edge-on isophotal axis ratio at the edge level is t
DISK_EXTENT = 8.0  # the disk's bounding ellipsoid: R < 8 h, |z| < 8 z_d
SAMPLES = 96  # line-of-sight segments per pixel
TEXTURE = 640  # in-plane texture (arms, knots, dust) over ±DISK_EXTENT
BANDS = ("g", "r", "i")
EXTINCTION = (1.45, 1.0, 0.74)  # A_band / A_r
RENDERINGS = ("lupton", "asinh", "asinh_inverted", "photo")
RENDERING_P = (0.35, 0.20, 0.15, 0.30)
CHUNK = 1 << 20  # samples per block of the line-of-sight integration


def label_inclination(incl_deg: float, thickness: float, q0: float = Q0) -> float:
    """The label of a disk of intrinsic axis ratio ``thickness`` seen at ``incl_deg``: its
    projected axis ratio q² = cos²i (1 - t²) + t², put through the service's axial-ratio
    formula (:func:`inference.axial_ratio.inclination_from_q`)."""
    cos2 = math.cos(math.radians(incl_deg)) ** 2
    return inclination_from_q(math.sqrt(cos2 * (1.0 - thickness**2) + thickness**2), q0)


@dataclass(frozen=True)
class Colours:
    """g/r and i/r flux ratios of each component."""

    bulge: tuple[float, float] = (0.50, 1.45)
    disk: tuple[float, float] = (0.60, 1.30)
    young: tuple[float, float] = (0.90, 1.00)


@dataclass(frozen=True)
class Point:
    """A star (size 0) or a small exponential neighbour galaxy, in output pixels."""

    col: float
    row: float
    flux: float  # r-band flux over the galaxy's
    g_r: float  # g/r flux ratio
    i_r: float
    size: float = 0.0  # exponential scale length, px
    axis_ratio: float = 1.0
    angle: float = 0.0  # radians


@dataclass(frozen=True)
class Galaxy:
    """Everything one image depends on; the defaults are a plain disk, face-on, noiseless."""

    incl: float = 0.0  # degrees
    pa: float = 0.0  # degrees: major axis along (cos pa, sin pa) in (column, row)
    thickness: float = 0.15
    side: int = 128
    fov: float = 1.5  # field of view over the isophotal diameter 2 * 3.2 h
    offset: tuple[float, float] = (0.0, 0.0)  # centre offset (column, row), fraction of side
    arm_amplitude: float = 0.0
    pitch: float = 20.0  # degrees
    arm_phase: float = 0.0
    flocculent: float = 0.0  # log-amplitude of a random multiplicative field instead of arms
    young: float = 0.15  # share of the disk's r light in the arms and knots
    knots: int = 0
    bulge_fraction: float = 0.0
    sersic: float = 2.0
    bulge_re: float = 0.3  # projected half-light radius, h
    bulge_q: float = 0.8
    dust_tau: float = 0.0  # central face-on optical depth in r; 0: no dust
    dust_z: float = 0.45  # z_dust / z_d
    dust_h: float = 1.2  # dust scale length, h
    psf_fwhm: float = 0.0  # px; 0: no PSF
    moffat: float = 0.0  # Moffat beta; 0: Gaussian
    edge_snr: float = 0.0  # face-on disk at R = 3.2 h over the sky sigma; 0: no noise
    band_noise: tuple[float, float, float] = (1.0, 1.0, 1.0)
    colours: Colours = field(default_factory=Colours)
    points: tuple[Point, ...] = ()
    rendering: str = "asinh"
    quality: int = 90  # JPEG quality (lupton)
    stretch: float = 1.0  # lupton: stretch in sigma; asinh/photo: white over the core's peak
    black: float = 0.0  # black point in sigma above the sky
    log_stretch: bool = False  # photo: a log stretch instead of asinh
    cap: float = 30.0  # asinh/photo: white at most this times the galaxy's level (saturated core)
    softening: float = 1.0  # asinh: the stretch turns logarithmic at this times the galaxy's level
    texture_seed: int = 0

    @property
    def label(self) -> float:
        return label_inclination(self.incl, self.thickness)

    @property
    def z_d(self) -> float:
        return ZD_PER_T * self.thickness


def draw(rng: np.random.Generator) -> Galaxy:
    """A random galaxy; every number comes from ``rng`` in a fixed order."""
    u = rng.uniform
    side = int(rng.integers(128, 257))
    wide = u() < 0.25
    fov = u(1.6, 3.0) if wide else u(1.4, 1.6)
    radius, angle = 0.05 * math.sqrt(u()), u(0, 2 * math.pi)
    grand = u() < 0.7
    pick = u()
    bulge = 0.0 if pick < 0.30 else u(0.0, 0.4) if pick < 0.85 else u(0.4, 0.7)
    dusty = u() < 0.6

    def ratio(colour: float) -> float:
        return float(10 ** (-0.4 * colour))

    colours = Colours(bulge=(ratio(u(0.70, 0.85)), ratio(-u(0.35, 0.45))),
                      disk=(ratio(u(0.45, 0.65)), ratio(-u(0.22, 0.35))),
                      young=(ratio(u(-0.05, 0.25)), ratio(-u(-0.10, 0.10))))
    points = []
    for _ in range(int(rng.integers(0, 16))):
        g_r = u(0.2, 1.5)
        flux = u(0.02, 0.5) if u() < 0.15 else 10 ** u(-4, -2)
        points.append(Point(u(0, side), u(0, side), flux, ratio(g_r), ratio(-0.4 * g_r)))
    for _ in range(int(rng.choice(3, p=[0.5, 0.3, 0.2]))):
        r, a = u(0.55, 0.95) * side / 2, u(0, 2 * math.pi)
        points.append(Point(side / 2 + r * math.cos(a), side / 2 + r * math.sin(a),
                            u(0.01, 0.15), ratio(u(0.3, 1.0)), ratio(-u(0.2, 0.45)),
                            size=u(0.008, 0.03) * side, axis_ratio=u(0.3, 1.0),
                            angle=u(0, math.pi)))
    rendering = str(rng.choice(RENDERINGS, p=RENDERING_P))
    return Galaxy(
        incl=u(0, 90), pa=u(0, 180), thickness=u(0.10, 0.25), side=side, fov=fov,
        offset=(radius * math.cos(angle), radius * math.sin(angle)),
        arm_amplitude=u(0, 0.6) if grand else 0.0, pitch=u(10, 30), arm_phase=u(0, 2 * math.pi),
        flocculent=0.0 if grand else u(0.15, 0.4), young=u(0.05, 0.3),
        knots=int(rng.integers(0, 31)),
        bulge_fraction=bulge, sersic=u(1, 4), bulge_re=u(0.15, 0.45), bulge_q=u(0.6, 1.0),
        dust_tau=u(0.5, 3.0) if dusty else 0.0, dust_z=u(0.3, 0.6), dust_h=u(1.0, 1.5),
        psf_fwhm=u(1, 4), moffat=u(2.5, 4.5) if u() < 0.5 else 0.0, edge_snr=u(1, 3),
        band_noise=(u(0.5, 0.75), 1.0, u(1.1, 1.5)), colours=colours, points=tuple(points),
        rendering=rendering, quality=int(rng.integers(75, 96)),
        stretch=u(4, 12) if rendering == "lupton" else u(0.35, 0.8) if rendering == "photo"
        else u(0.6, 1.2), softening=u(0.2, 1.0), cap=u(8, 30),
        black=u(1.0, 2.5) if rendering == "photo" else -u(0.5, 2.0), log_stretch=u() < 0.5,
        texture_seed=int(rng.integers(2**31)))


# --- the galaxy's in-plane textures -------------------------------------------------------------

def flocculent_field(rng: np.random.Generator, x: Floats, y: Floats, pitch: float) -> Floats:
    """A smooth random field of short, sheared spiral fragments: a sum of 16 logarithmic spiral
    waves of 1-8 arms with random pitches around ``pitch`` and phases, normalised to unit
    variance."""
    theta = np.arctan2(y, x).astype(np.float32)
    log_r = np.log(np.hypot(x, y) + 1e-3).astype(np.float32)
    total = np.zeros_like(theta)
    for _ in range(16):
        arms = int(rng.integers(1, 9))
        slope = arms / math.tan(math.radians(pitch * rng.uniform(0.7, 1.4)))
        total += rng.uniform(0.5, 1) * np.cos(arms * theta - slope * log_r + rng.uniform(0, 7))
    return np.asarray(total / total.std(), dtype=np.float64)


def textures(g: Galaxy) -> tuple[F32, F32, F32]:
    """The old disk's, the young disk's (arms, knots) and the dust's in-plane modulations, on a
    TEXTURE² grid over ±DISK_EXTENT h; old + young average 1 and dust 1 under exp(-R)."""
    rng = np.random.default_rng(g.texture_seed)
    axis = (np.arange(TEXTURE) + 0.5) / TEXTURE * 2 * DISK_EXTENT - DISK_EXTENT
    y, x = np.meshgrid(axis, axis, indexing="ij")
    radius = np.hypot(x, y)
    weight = np.exp(-radius)
    taper = 1 - np.exp(-((radius / 0.8) ** 2))  # no arms inside the bulge region
    if g.flocculent > 0:
        pattern = flocculent_field(rng, x, y, g.pitch)
        arms = np.exp(g.flocculent * taper * pattern)
        dust = np.exp(1.2 * g.flocculent * taper * np.roll(pattern, 3, axis=0))
    else:
        phase = 2 * (np.arctan2(y, x) - np.log(radius + 1e-6) / math.tan(math.radians(g.pitch))
                     - g.arm_phase)
        arms = 1 + g.arm_amplitude * taper * np.cos(phase)
        dust = 1 + 1.2 * g.arm_amplitude * taper * np.cos(phase + 0.4)  # lanes on arms' inner edge
    knots = np.zeros_like(radius)
    for _ in range(g.knots):
        while True:  # a knot where the arms are bright
            cx, cy = rng.uniform(-EDGE, EDGE, 2)
            i, j = (int((c + DISK_EXTENT) / (2 * DISK_EXTENT) * TEXTURE) for c in (cy, cx))
            if rng.uniform() * arms.max() < arms[i, j] and math.hypot(cx, cy) > 0.5:
                break
        size, peak = rng.uniform(0.03, 0.08), rng.uniform(1, 4)
        reach = int(4 * size / (2 * DISK_EXTENT) * TEXTURE) + 1  # a patch of ±4 sizes
        patch = slice(max(i - reach, 0), i + reach + 1), slice(max(j - reach, 0), j + reach + 1)
        knots[patch] += peak * np.exp(-((x[patch] - cx) ** 2 + (y[patch] - cy) ** 2)
                                      / (2 * size**2))
    old = 1 + 0.4 * (arms - 1)  # the old light follows the arms only weakly
    young = arms * (1 + knots)
    mean = float((weight * young).sum() / weight.sum())
    young *= g.young / mean
    old *= (1 - g.young) / float((weight * old).sum() / weight.sum())
    dust = np.clip(dust, 0, None) / float((weight * np.clip(dust, 0, None)).sum() / weight.sum())
    return old.astype(np.float32), young.astype(np.float32), dust.astype(np.float32)


# --- geometry and the line-of-sight integration -------------------------------------------------

def sky_to_galaxy(x_sky: F32, y_sky: F32, z_sky: F32, incl: float) -> tuple[F32, F32, F32]:
    """Sky (x along the major axis, y on the sky, z towards the observer) → galaxy frame (x, y in
    the disk, z up), for a disk inclined by ``incl`` degrees about its x axis. The disk's near
    side is at positive sky y."""
    c, s = math.cos(math.radians(incl)), math.sin(math.radians(incl))
    return x_sky, y_sky * c + z_sky * s, -y_sky * s + z_sky * c


def chord(x: Floats, y: Floats, incl: float, a: float, c: float) -> tuple[Floats, Floats]:
    """Where each sky pixel's line of sight enters and leaves the galaxy-frame ellipsoid
    (x² + y²)/a² + z²/c² = 1 (sky z; NaN where it misses)."""
    ci, si = math.cos(math.radians(incl)), math.sin(math.radians(incl))
    qa = si**2 / a**2 + ci**2 / c**2
    qb = 2 * y * ci * si * (1 / a**2 - 1 / c**2)
    qc = x**2 / a**2 + y**2 * (ci**2 / a**2 + si**2 / c**2) - 1
    disc = qb**2 - 4 * qa * qc
    root = np.sqrt(np.where(disc > 0, disc, np.nan))
    return (-qb - root) / (2 * qa), (-qb + root) / (2 * qa)


def bulge_law(n: float) -> tuple[float, float, float]:
    """(b_n, p, total) of the Prugniel-Simien emissivity m^-p exp(-b m^(1/n)) of a round bulge
    of unit half-light radius; total is its integral over space."""
    b = 2 * n - 1 / 3
    p = 1 - 0.6097 / n + 0.05563 / n**2
    return b, p, 4 * math.pi * n * b ** (-n * (3 - p)) * math.gamma(n * (3 - p))


def supersampling(g: Galaxy) -> int:
    """1-3: the image-plane supersampling that resolves the disk's projected thin axis (to 2.5
    px) and its dust layer's (to 2 px); at most 2 for images over 200 px."""
    per_px = g.fov * 2 * EDGE / g.side  # h per output pixel
    ci, si = math.cos(math.radians(g.incl)), math.sin(math.radians(g.incl))

    def need(height: float, target: float) -> int:
        thin = math.hypot(ci, height * si) / per_px
        return 1 if thin >= target else 2 if thin >= target / 2 else 3

    ss = max(need(g.z_d, 2.5), need(g.dust_z * g.z_d, 2.0) if g.dust_tau > 0 else 1)
    return min(ss, 2) if g.side > 200 else ss


def integrate(g: Galaxy, x: Floats, y: Floats, bands: tuple[int, ...]) -> Floats:
    """Surface brightness in each of ``bands`` at sky positions (x, y) (in h; x along the
    major axis): emissivity * exp(-τ in front) summed over SAMPLES segments per chord."""
    old_t, young_t, dust_t = textures(g)
    zd, incl = g.z_d, g.incl
    ci = abs(math.cos(math.radians(incl)))
    enter, leave = chord(x, y, incl, DISK_EXTENT, DISK_EXTENT * zd)
    b_n, p, unit = bulge_law(g.sersic)
    if g.bulge_fraction > 0:
        reach = min(g.bulge_re * (4 + 2 * g.sersic), DISK_EXTENT)
        b_enter, b_leave = chord(x, y, incl, reach, reach * g.bulge_q)
        enter, leave = np.fmin(enter, b_enter), np.fmax(leave, b_leave)
        disk_total = 4 * math.pi * zd  # ∫ exp(-R) sech²(z/z_d) dV, textures averaging 1
        bulge_amp = (g.bulge_fraction / (1 - g.bulge_fraction) * disk_total
                     / (unit * g.bulge_q * g.bulge_re**3))
    out = np.zeros((len(bands), x.size))
    hit = np.flatnonzero(np.isfinite(enter))
    kappa = g.dust_tau / (2 * g.dust_z * zd)
    colours = g.colours
    weights = [np.array([(colours.disk[0], colours.young[0], colours.bulge[0]), (1, 1, 1),
                         (colours.disk[1], colours.young[1], colours.bulge[1])])[b] for b in bands]
    mid = (np.arange(SAMPLES) + 0.5)[None, :] / SAMPLES
    for start in range(0, hit.size, max(CHUNK // SAMPLES, 1)):
        pix = hit[start:start + CHUNK // SAMPLES]
        step = ((leave[pix] - enter[pix]) / SAMPLES)[:, None].astype(np.float32)
        z_sky = (leave[pix][:, None] - mid * (leave[pix] - enter[pix])[:, None])  # near to far
        gx, gy, gz = sky_to_galaxy(x[pix][:, None].astype(np.float32),
                                   y[pix][:, None].astype(np.float32), z_sky.astype(np.float32),
                                   incl)
        r2 = gx**2 + gy**2
        radius = np.sqrt(r2)
        # sech²(z/z_d) averaged exactly over each segment: z spans ±half around its midpoint
        half = ci * step / (2 * zd)
        e = np.exp(-2 * np.abs(gz / zd))
        sinhc = np.where(half > 1e-4, np.sinh(2 * half) / np.maximum(2 * half, 1e-4), 1)
        sech2 = sinhc * 4 * e / (1 + e * e + 2 * np.cosh(2 * half) * e)
        disk = np.exp(-radius) * sech2 * step
        texel = (np.clip(((gy + DISK_EXTENT) / (2 * DISK_EXTENT) * TEXTURE).astype(np.int32), 0,
                         TEXTURE - 1) * TEXTURE
                 + np.clip(((gx + DISK_EXTENT) / (2 * DISK_EXTENT) * TEXTURE).astype(np.int32), 0,
                           TEXTURE - 1))
        old, young = disk * old_t.ravel()[texel], disk * young_t.ravel()[texel]
        bulge = None
        if g.bulge_fraction > 0:
            m = np.sqrt(r2 + (gz / g.bulge_q) ** 2) / g.bulge_re
            log_m = np.log(np.maximum(m, 0.02))
            bulge = bulge_amp * np.exp(-p * log_m - b_n * np.exp(log_m / g.sersic)) * step
        tau = None
        if g.dust_tau > 0:  # exp(-|z|/z_dust) averaged exactly over each segment
            a, d = np.abs(gz) / (g.dust_z * zd), ci * step / (2 * g.dust_z * zd)
            ea = np.exp(-a)
            dc = np.maximum(d, 1e-3)
            vertical = np.where(a >= d, ea * np.sinh(dc) / dc,
                                (1 - np.exp(-dc) * (1 / ea + ea) / 2) / dc)
            vertical = np.where(d < 1e-3, ea, vertical)
            seg = (kappa * np.exp(-radius / g.dust_h) * dust_t.ravel()[texel] * vertical * step)
            tau = np.cumsum(seg, axis=1) - seg / 2
        for k, band in enumerate(bands):
            light = weights[k][0] * old + weights[k][1] * young
            if bulge is not None:
                light = light + weights[k][2] * bulge
            if tau is not None:
                light = light * np.exp(-EXTINCTION[band] * tau)
            out[k, pix] = light.sum(axis=1)
    return out


# --- the image ----------------------------------------------------------------------------------

def psf_kernel(g: Galaxy) -> Gaussian2DKernel | Moffat2DKernel:
    size = int(2 * math.ceil(4 * g.psf_fwhm) + 1)
    if g.moffat > 0:
        gamma = g.psf_fwhm / (2 * math.sqrt(2 ** (1 / g.moffat) - 1))
        kernel = Moffat2DKernel(gamma, g.moffat, x_size=size, y_size=size, mode="oversample")
    else:
        kernel = Gaussian2DKernel(g.psf_fwhm / 2.3548, x_size=size, y_size=size,
                                  mode="oversample")
    kernel.normalize()
    return kernel


def add_points(g: Galaxy, image: Floats, total: float, band: int) -> None:
    """Stars (spread over their four nearest pixels) and neighbours, r flux relative to
    ``total``; neighbours are drawn on their own 2-D exponential profile."""
    rows, cols = np.mgrid[0:g.side, 0:g.side] + 0.5
    for pt in g.points:
        flux = pt.flux * total * (pt.g_r, 1.0, pt.i_r)[band]
        if pt.size > 0:
            dc, dr = cols - pt.col, rows - pt.row
            u = dc * math.cos(pt.angle) + dr * math.sin(pt.angle)
            v = (-dc * math.sin(pt.angle) + dr * math.cos(pt.angle)) / pt.axis_ratio
            blob = np.exp(-np.hypot(u, v) / pt.size)
            image += flux * blob / blob.sum()
            continue
        c0, r0 = math.floor(pt.col - 0.5), math.floor(pt.row - 0.5)
        fc, fr = pt.col - 0.5 - c0, pt.row - 0.5 - r0
        for dr_, dc_, w in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc),
                            (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
            if 0 <= r0 + dr_ < g.side and 0 <= c0 + dc_ < g.side:
                image[r0 + dr_, c0 + dc_] += flux * w


def render(g: Galaxy, bands: tuple[int, ...] = (0, 1, 2),
           noise: np.random.Generator | None = None) -> Floats:
    """The sky-subtracted image of ``g`` in ``bands`` (0 g, 1 r, 2 i), shape (bands, side,
    side), in units of the disk's face-on central r surface brightness over 2 z_d; the sky noise
    comes from ``noise`` (none without it, or when ``g.edge_snr`` is 0)."""
    ss = supersampling(g)
    n = g.side * ss
    per_px = g.fov * 2 * EDGE / g.side
    centre = (0.5 + g.offset[0]) * g.side, (0.5 + g.offset[1]) * g.side
    grid = (np.arange(n) + 0.5) / ss
    rows, cols = np.meshgrid(grid - centre[1], grid - centre[0], indexing="ij")
    pa = math.radians(g.pa)
    x = (cols * math.cos(pa) + rows * math.sin(pa)) * per_px
    y = (-cols * math.sin(pa) + rows * math.cos(pa)) * per_px
    fine = integrate(g, x.ravel(), y.ravel(), bands).reshape(len(bands), n, n)
    image = fine.reshape(len(bands), g.side, ss, g.side, ss).mean(axis=(2, 4))
    total = float(image[bands.index(1)].sum()) if 1 in bands else float(image[0].sum())
    sigma = 2 * g.z_d * math.exp(-EDGE) / g.edge_snr if g.edge_snr > 0 else 0.0
    out: Floats = np.zeros(image.shape)
    for k, band in enumerate(bands):
        plane = image[k].copy()
        add_points(g, plane, total, band)
        if g.psf_fwhm > 0:
            plane = convolve_fft(plane, psf_kernel(g), boundary="fill", fill_value=0.0)
        if noise is not None and sigma > 0:
            plane = plane + noise.normal(0, sigma * g.band_noise[band], plane.shape)
        out[k] = plane
    return out


def sky_sigma(plane: Floats) -> float:
    """The sky noise from the data: the MAD of the frame's border."""
    border = np.concatenate([plane[:8].ravel(), plane[-8:].ravel(), plane[:, :8].ravel(),
                             plane[:, -8:].ravel()])
    return float(1.4826 * np.median(np.abs(border - np.median(border)))) or 1e-6


def core_peak(plane: Floats) -> float:
    """The brightest pixel within 15% of the side of the centre (the galaxy's core)."""
    n = plane.shape[0]
    lo, hi = int(0.35 * n), int(0.65 * n) + 1
    return float(plane[lo:hi, lo:hi].max())


def display(g: Galaxy, image: Floats) -> Image.Image:
    """One of the four renderings of an image from :func:`render` (bands g, r, i; r alone for
    the single-band renderings)."""
    if g.rendering == "lupton":
        g_, r_, i_ = image
        sigma = sky_sigma(r_)
        rgb = make_lupton_rgb(i_ * 0.75, r_, g_ * 1.6, minimum=0.0, stretch=g.stretch * sigma,
                              Q=8)
        return Image.fromarray(np.asarray(rgb, dtype=np.uint8))
    if g.rendering == "photo":
        planes = [image[2] * 0.75, image[1], image[0] * 1.6]
    else:
        planes = [image[0] if len(image) == 1 else image[1]]
    main = planes[0] if len(planes) == 1 else planes[1]
    sigma = sky_sigma(main)
    black = g.black * sigma
    level = max(float(np.percentile(main, 97)) - black, 3 * sigma)  # the galaxy's inner disk
    white = black + max(min((core_peak(main) - black) * g.stretch, g.cap * level), 10 * sigma)
    level /= white - black
    stretch = (LogStretch(a=100) if g.rendering == "photo" and g.log_stretch
               else AsinhStretch(a=float(np.clip(g.softening * level, 0.002, 1))))
    scaled = [stretch(np.clip((p - black) / (white - black), 0, 1)) for p in planes]
    array = np.round(np.stack(scaled, axis=-1) * 255).astype(np.uint8)
    if g.rendering == "asinh_inverted":
        array = 255 - array
    return Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)


def make(seed: int, index: int) -> tuple[Galaxy, Image.Image]:
    """Image ``index`` of the set ``seed``: a function of (seed, index) alone."""
    rng = np.random.default_rng([seed, index])
    g = draw(rng)
    bands = (1,) if g.rendering.startswith("asinh") else (0, 1, 2)
    return g, display(g, render(g, bands, noise=rng))


def build(out: Path, count: int = 600, seed: int = 7001) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for index in range(count):
        g, image = make(seed, index)
        name = f"indep-{seed}-{index:04d}"
        if g.rendering == "lupton":
            target = out / f"{name}.jpg"
            image.save(target, quality=g.quality)
        else:
            target = out / f"{name}.png"
            image.save(target)
        rows.append({"path": str(target.resolve()), "name": name, "incl": f"{g.label:.1f}",
                     "rendering": g.rendering, "bulge_fraction": f"{g.bulge_fraction:.3f}",
                     "thickness": f"{g.thickness:.3f}"})
    return write_index(out, rows, list(rows[0]) if rows else ["path"])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m training.independent", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7001)
    args = parser.parse_args()
    began = time.perf_counter()
    index = build(args.out, args.count, args.seed)
    print(f"{args.count} images and {index} in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
