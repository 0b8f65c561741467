"""FITS → the 8-bit image the geometry step takes, keeping the raw dynamic range until one
documented stretch (docs/preprocessing.md).

Accepted layouts: one 2-D image HDU (a single band → gray); a cube with 3 planes (g, r, i in that
order) or 1 plane; three 2-D image HDUs in one file (g, r, i: by their FILTER/BAND/EXTNAME
keywords when those name g, r and i, else in file order); or three single-band files
(:func:`decode_band_files`). Bands whose celestial WCS differ are reprojected (``reproject``,
bilinear) onto the r band's grid before stacking; pixels off the overlap count as missing.

The stretch (Lupton et al. 2004, via :func:`astropy.visualization.make_lupton_rgb` with an
:class:`~astropy.visualization.AsinhStretch`), all of it measured on the data, nothing tuned per
survey:

- sky: per band, the median of the finite pixels of the outer frame (a tenth of the shorter
  side); non-finite pixels (NaN, inf, off the reprojected footprint) are set to it, then it is
  subtracted;
- intensity I = mean of the bands, divided by its 99.9th percentile (the robust maximum → 1);
- softening ``a`` = 3 x the pixel noise of I relative to that maximum, clamped to [1e-4, 1]; the
  noise is the smaller of 1.4826 x MAD over the outer frame and over neighbouring-pixel
  differences / sqrt 2 (a galaxy only inflates either). Linear within the noise, logarithmic
  over the galaxy;
- colours kept (each band scaled by f(I)/I, saturated pixels keep their hue); i → red,
  r → green, g → blue, as SDSS colour images do;
- rows flipped so that FITS row 0 (the bottom) ends at the bottom of the picture (north up for a
  standard WCS).
"""

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import numpy.typing as npt
from astropy.io import fits as astrofits
from astropy.visualization import AsinhStretch, ManualInterval, make_lupton_rgb
from astropy.wcs import WCS, Sip
from PIL import Image

from preprocessor.problems import ImageTooLarge, UnreadableImage

BANDS: Final = ("g", "r", "i")
SATURATION_PERCENTILE: Final = 99.9
SOFTENING_SIGMAS: Final = 3.0
MIN_SOFTENING: Final = 1e-4
_STATS_SAMPLE: Final = 65_536  # pixels used for the sky/noise/percentile statistics
# A plane of more pixels than this is block-averaged by the smallest whole factor that brings it
# within: the decode's float64 copies cost about 145 bytes a pixel (a 3000 x 3000 survey frame
# would need 1.3 GB unbinned). As many pixels as a 10 MiB float32 frame, the largest upload
# before frames were binned, so no float32 frame accepted then is binned now (an int16 or a
# compressed one of more pixels may be).
MAX_DECODED_PIXELS: Final = 2_750_000

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Band:
    name: str
    data: FloatArray  # 2-D, FITS orientation (row 0 at the bottom), binned by ``binning``
    wcs: WCS | None  # of ``data``: binned alike
    dtype: str
    size: tuple[int, int]  # the plane as uploaded, (width, height)
    binning: int = 1


@dataclass(frozen=True)
class StretchedImage:
    image: Image.Image  # "RGB" for three bands, "L" for one
    width: int
    height: int
    mode: str  # "<dtype>x<bands>", e.g. "float32x3"
    bands: tuple[str, ...]
    aligned: str  # "wcs" (reprojected onto the r band), or "none"
    softening: float
    saturation: float
    binning: int = 1  # block-averaged by this factor before the stretch

    def details(self) -> dict[str, str]:
        return {
            "bands": ",".join(self.bands),
            "alignment": self.aligned,
            "binning": str(self.binning),
            "stretch": (
                f"lupton-asinh a={self.softening:.4g} "
                f"saturation={self.saturation:.6g} (p{SATURATION_PERCENTILE:g})"
            ),
        }


def is_fits(data: bytes) -> bool:
    return data.startswith(b"SIMPLE  =")


def _open(data: bytes) -> astrofits.HDUList:
    try:
        hdus = astrofits.open(io.BytesIO(data), memmap=False, lazy_load_hdus=False)
        hdus.verify("silentfix")
    except MemoryError:
        raise
    except Exception as exc:
        raise UnreadableImage(f"corrupt or truncated FITS: {exc}") from exc
    return hdus


def _image_hdus(hdus: astrofits.HDUList) -> list[tuple[int, astrofits.hdu.base.ExtensionHDU]]:
    found = []
    for index, hdu in enumerate(hdus):
        if not isinstance(hdu, astrofits.PrimaryHDU | astrofits.ImageHDU | astrofits.CompImageHDU):
            continue
        shape = tuple(int(n) for n in hdu.shape)
        if len(shape) >= 2 and all(n > 0 for n in shape):
            found.append((index, hdu))
    return found


def _band_name(header: astrofits.Header) -> str | None:
    for key in ("FILTER", "BAND", "FILTNAM", "EXTNAME"):
        value = header.get(key)
        if isinstance(value, str) and value.strip().lower() in BANDS:
            return value.strip().lower()
    return None


def _celestial_wcs(header: astrofits.Header) -> WCS | None:
    try:
        wcs = WCS(header, naxis=2)
    except Exception:
        return None
    return wcs if wcs.has_celestial and wcs.wcs.ctype[0] != "" else None


def binning_factor(width: int, height: int) -> int:
    """The smallest whole factor that brings the plane within MAX_DECODED_PIXELS, never past its
    shorter side."""
    factor = 1
    while (width // factor) * (height // factor) > MAX_DECODED_PIXELS and factor < min(
        width, height
    ):
        factor += 1
    return factor


def _binned(raw: npt.NDArray[np.generic], factor: int) -> FloatArray:
    """(..., H, W) → float64 (..., H // f, W // f), each value the mean of an f x f block (the
    last H % f rows and W % f columns left out); NaN in a block makes the block NaN."""
    if factor == 1:
        return raw.astype(np.float64)
    height, width = raw.shape[-2] // factor * factor, raw.shape[-1] // factor * factor
    blocks = raw[..., :height, :width].reshape(
        *raw.shape[:-2], height // factor, factor, width // factor, factor
    )
    binned: FloatArray = blocks.mean(axis=(-3, -1), dtype=np.float64)
    return binned


def _binned_wcs(wcs: WCS | None, factor: int) -> WCS | None:
    """The WCS of the plane binned by ``factor``: binned pixel p (1-based) is the block centred on
    original pixel factor * (p - 0.5) + 0.5, so CRPIX → (CRPIX - 0.5) / factor + 0.5, the pixel
    scale (CD, or CDELT under PC) x factor, SIP's A_pq and B_pq (and the inverse's) x
    factor^(p+q-1); a lookup-table distortion cannot be binned: 422."""
    if wcs is None or factor == 1:
        return wcs
    if wcs.cpdis1 is not None or wcs.cpdis2 is not None or wcs.det2im1 is not None \
            or wcs.det2im2 is not None:
        raise UnreadableImage(
            "a FITS frame this large is binned before its stretch, and its WCS has a lookup-table "
            "distortion that cannot be binned"
        )
    binned = wcs.deepcopy()
    binned.wcs.crpix = (np.asarray(wcs.wcs.crpix) - 0.5) / factor + 0.5
    if wcs.wcs.has_cd():
        binned.wcs.cd = np.asarray(wcs.wcs.cd) * factor
    else:
        binned.wcs.cdelt = np.asarray(wcs.wcs.cdelt) * factor
    if wcs.sip is not None:
        def scaled(coefficients: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64] | None:
            if coefficients is None:
                return None
            order = np.add.outer(np.arange(coefficients.shape[0]), np.arange(coefficients.shape[1]))
            return np.asarray(coefficients) * float(factor) ** (order - 1)

        binned.sip = Sip(scaled(wcs.sip.a), scaled(wcs.sip.b), scaled(wcs.sip.ap),
                         scaled(wcs.sip.bp), binned.wcs.crpix)
    binned.wcs.set()
    return binned


def _planes(
    hdu: astrofits.hdu.base.ExtensionHDU, max_pixels: int
) -> tuple[list[FloatArray], int]:
    """A 2-D HDU → [plane]; a cube → its planes (degenerate axes dropped); each binned by
    :func:`binning_factor`, which comes back with them."""
    shape = tuple(int(n) for n in hdu.shape)
    height, width = shape[-2], shape[-1]
    leading = [n for n in shape[:-2] if n != 1]
    if len(leading) > 1:
        raise UnreadableImage(f"FITS data of shape {shape} has more than three useful axes")
    if leading and leading[0] != len(BANDS):
        raise UnreadableImage(f"a FITS cube of {leading[0]} planes; expected 3 (g, r, i) or 1")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"a FITS plane is {width}x{height} = {width * height:,} pixels; "
            f"the limit is {max_pixels:,}"
        )
    try:
        raw = np.asarray(hdu.data)
    except MemoryError:
        raise
    except Exception as exc:
        raise UnreadableImage(f"FITS data cannot be read (truncated?): {exc}") from exc
    if raw.size != int(np.prod(shape)):
        raise UnreadableImage("FITS data is truncated")
    factor = binning_factor(width, height)
    array = _binned(raw.reshape(leading[0] if leading else 1, height, width), factor)
    return [array[k] for k in range(array.shape[0])], factor


def _band(name: str, hdu: astrofits.hdu.base.ExtensionHDU, plane: FloatArray, factor: int
          ) -> Band:
    height, width = (int(n) for n in hdu.shape[-2:])
    return Band(
        name,
        plane,
        _binned_wcs(_celestial_wcs(hdu.header), factor),
        str(np.dtype(hdu.data.dtype).newbyteorder("=").name),
        (width, height),
        factor,
    )


def read_bands(data: bytes, max_pixels: int) -> list[Band]:
    """One FITS file → its bands (1 or 3), raw values, FITS orientation."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # astropy's verify/WCS chatter on user headers
        hdus = _open(data)
        with hdus:
            images = _image_hdus(hdus)
            if not images:
                raise UnreadableImage("the FITS file holds no image HDU with 2-D data")
            if len(images) > 1:
                named = {_band_name(hdu.header): hdu for _, hdu in images}
                if all(band in named for band in BANDS):
                    chosen = [named[band] for band in BANDS]
                elif len(images) == 3:
                    chosen = [hdu for _, hdu in images]
                else:
                    raise UnreadableImage(
                        f"the FITS file holds {len(images)} image HDUs; expected 1 (one band or "
                        "a cube) or 3 (g, r, i)"
                    )
                bands = []
                for name, hdu in zip(BANDS, chosen, strict=True):
                    planes, factor = _planes(hdu, max_pixels)
                    if len(planes) != 1:
                        raise UnreadableImage("with three image HDUs each must be a 2-D image")
                    bands.append(_band(name, hdu, planes[0], factor))
                return bands
            _, hdu = images[0]
            planes, factor = _planes(hdu, max_pixels)
            if len(planes) == 1:
                return [_band(_band_name(hdu.header) or "single", hdu, planes[0], factor)]
            if len(planes) == 3:
                return [_band(name, hdu, plane, factor)
                        for name, plane in zip(BANDS, planes, strict=True)]
            raise UnreadableImage(f"a FITS cube of {len(planes)} planes; expected 3 (g, r, i) or 1")


def align(bands: Sequence[Band]) -> tuple[list[FloatArray], str]:
    """Bands on one pixel grid: reprojected onto the r band's WCS where their WCS differ."""
    reference = bands[len(bands) // 2]
    shapes = {band.data.shape for band in bands}
    wcs_list = [band.wcs for band in bands]
    if len(bands) == 1:
        return [bands[0].data], "none"
    if any(wcs is None for wcs in wcs_list):
        if len(shapes) > 1:
            described = ", ".join(f"{band.name}: {band.data.shape}" for band in bands)
            raise UnreadableImage(
                f"the bands differ in shape ({described}) and do not all carry a celestial WCS "
                "to align them"
            )
        return [band.data for band in bands], "none"
    ref_wcs = reference.wcs
    assert ref_wcs is not None
    if len(shapes) == 1 and all(_same_grid(wcs, ref_wcs) for wcs in wcs_list if wcs is not None):
        return [band.data for band in bands], "none"
    from reproject import reproject_interp  # imported on first use: ~0.3 s

    aligned = []
    for band in bands:
        if band is reference:
            aligned.append(band.data)
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                array, _ = reproject_interp(
                    (band.data, band.wcs), ref_wcs, shape_out=reference.data.shape, order="bilinear"
                )
        except MemoryError:
            raise
        except Exception as exc:  # a WCS astropy parses but cannot transform with
            raise UnreadableImage(f"band {band.name} cannot be aligned by its WCS: {exc}") from exc
        aligned.append(np.asarray(array, dtype=np.float64))
    return aligned, "wcs"


def _same_grid(a: WCS, b: WCS) -> bool:
    corners = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]])
    try:
        return bool(
            np.allclose(a.wcs_pix2world(corners, 0), b.wcs_pix2world(corners, 0), rtol=0, atol=1e-7)
        )
    except Exception:
        return False


def _sample(array: FloatArray) -> FloatArray:
    flat = array.reshape(-1)
    step = max(1, flat.size // _STATS_SAMPLE)
    return flat[::step]


def _frame(array: FloatArray) -> FloatArray:
    """The outer frame (a tenth of the shorter side, at least one pixel): where the sky is."""
    width = max(1, min(array.shape) // 10)
    inner = array[width:-width, width:-width]
    if inner.size == 0:
        return array.reshape(-1)
    mask = np.ones(array.shape, dtype=bool)
    mask[width:-width, width:-width] = False
    return array[mask]


def sky_level(array: FloatArray) -> float:
    """Median of the finite pixels of the outer frame (of all finite pixels if none there)."""
    frame = _frame(array)
    finite = frame[np.isfinite(frame)]
    if finite.size == 0:
        everything = array[np.isfinite(array)]
        return float(np.median(_sample(everything)))
    return float(np.median(_sample(finite)))


def _mad_sigma(values: FloatArray) -> float:
    if values.size == 0:
        return float("inf")
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def pixel_noise(array: FloatArray) -> float:
    """Robust per-pixel noise: the smaller of the MAD of the outer frame and the MAD of
    neighbouring-pixel differences / sqrt 2. A galaxy only adds to either (a bright one
    reaching the frame, a steep one the differences), so the smaller is the better guess."""
    rows = array[:: max(1, array.shape[0] * array.shape[1] // _STATS_SAMPLE)]
    diffs = np.diff(rows, axis=1).reshape(-1)
    estimates = [_mad_sigma(_sample(_frame(array))), _mad_sigma(diffs) / np.sqrt(2.0)]
    noise = min(estimates)
    return noise if np.isfinite(noise) else 0.0


def fill_missing(array: FloatArray, name: str) -> tuple[FloatArray, float]:
    """NaN/inf → the band's sky level; returns (filled, sky)."""
    finite = np.isfinite(array)
    if not finite.any():
        raise UnreadableImage(f"band {name} has no finite pixel (all NaN or inf)")
    sky = sky_level(array)
    filled = array if finite.all() else np.where(finite, array, sky)
    return filled, sky


def stretch(planes: Sequence[FloatArray], names: Sequence[str]) -> tuple[Image.Image, float, float]:
    """Raw bands (FITS orientation) → 8-bit RGB (3 bands) or L (1 band), asinh-stretched."""
    subtracted = []
    for plane, name in zip(planes, names, strict=True):
        filled, sky = fill_missing(plane, name)
        subtracted.append(filled - sky)
    intensity = np.mean(subtracted, axis=0)
    saturation = float(np.percentile(_sample(intensity), SATURATION_PERCENTILE))
    if not saturation > 0:
        saturation = float(np.max(intensity))
    if not saturation > 0:
        saturation = 1.0  # a flat image: everything at the sky → black
    noise = pixel_noise(intensity)
    softening = float(np.clip(SOFTENING_SIGMAS * noise / saturation, MIN_SOFTENING, 1.0))
    normalised = [np.flipud(plane / saturation) for plane in subtracted]
    if len(normalised) == 1:
        normalised = normalised * 3
    with np.errstate(invalid="ignore", divide="ignore"):  # I = 0 pixels: astropy divides 0/0
        # colours: i → red, r → green, g → blue
        rgb = make_lupton_rgb(
            normalised[2],
            normalised[1],
            normalised[0],
            interval=ManualInterval(vmin=0.0, vmax=1.0),  # sky already subtracted; both
            stretch_object=AsinhStretch(a=softening),  # limits given → no pass over the data
        )
    image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    if len(planes) == 1:
        image = image.getchannel(0)
    return image, softening, saturation


def _stretched(bands: Sequence[Band], planes: Sequence[FloatArray], aligned: str) -> StretchedImage:
    reference = bands[len(bands) // 2]  # the grid the bands were aligned on
    image, softening, saturation = stretch(planes, [band.name for band in bands])
    dtypes = {band.dtype for band in bands}
    width, height = reference.size
    return StretchedImage(
        image=image,
        width=width,
        height=height,
        mode=f"{'/'.join(sorted(dtypes))}x{len(bands)}",
        bands=tuple(band.name for band in bands),
        aligned=aligned,
        softening=softening,
        saturation=saturation,
        binning=reference.binning,
    )


def decode_fits(data: bytes, *, max_pixels: int) -> StretchedImage:
    """One FITS file (single band, cube, or three HDUs) → stretched image."""
    bands = read_bands(data, max_pixels)
    planes, aligned = align(bands)
    return _stretched(bands, planes, aligned)


def decode_band_files(files: Sequence[bytes], *, max_pixels: int) -> StretchedImage:
    """Three single-band FITS files, in g, r, i order → stretched colour image."""
    bands = []
    for name, data in zip(BANDS, files, strict=True):
        found = read_bands(data, max_pixels)
        if len(found) != 1:
            raise UnreadableImage(f"the {name} file holds {len(found)} bands; expected one")
        bands.append(replace(found[0], name=name))
    planes, aligned = align(bands)
    return _stretched(bands, planes, aligned)
