"""FITS: layouts, band order and colours, orientation, NaNs, the asinh stretch, WCS alignment."""

import gzip
import tracemalloc

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS, Sip

from preprocessor import fits as fitsmod
from preprocessor.decoding import decode_bands, decode_image
from preprocessor.imaging import to_model_input
from preprocessor.pipeline import preprocess_bytes
from preprocessor.problems import ImageTooLarge, UnreadableImage
from tests.preprocessor.factories import (
    cube_fits,
    fits_bytes,
    gaussian_galaxy,
    moments,
    multi_hdu_fits,
    offset_bands,
    single_band_fits,
    sky_wcs,
)

W, H = 64, 48


def flat_field(width: int, height: int, value: float = 100.0, seed: int = 9) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (value + rng.normal(0.0, 2.0, size=(height, width))).astype(np.float32)


def flat(value: float = 100.0, seed: int = 9) -> np.ndarray:
    return flat_field(W, H, value, seed)


def test_single_band_is_gray_and_centred() -> None:
    decoded = decode_image(single_band_fits(gaussian_galaxy(W, H)))
    assert decoded.format == "FITS" and decoded.mode == "float32x1"
    assert decoded.image.mode == "L" and decoded.image.size == (W, H)
    assert decoded.details["bands"] == "single" and decoded.details["alignment"] == "none"
    out = to_model_input(decoded.image, "gray")[:, :, 0]
    cx, cy, _q, angle = moments(np.where(out > 0.2, out, 0.0))
    assert abs(cx - 63.5) < 0.5 and abs(cy - 63.5) < 0.5
    assert angle == pytest.approx(0.0, abs=2.0) or angle == pytest.approx(180.0, abs=2.0)


def test_integer_fits_with_bscale_is_read_in_physical_units() -> None:
    raw = gaussian_galaxy(W, H)
    hdu = fits.PrimaryHDU(raw.astype(np.float64))
    hdu.scale("int16", bscale=0.1, bzero=1000.0)
    decoded = decode_image(fits_bytes(hdu))
    reference = decode_image(single_band_fits(raw))
    diff = np.abs(np.asarray(decoded.image, dtype=int) - np.asarray(reference.image, dtype=int))
    assert diff.max() <= 2


def test_cube_planes_are_g_r_i_and_i_is_red() -> None:
    galaxy = gaussian_galaxy(W, H, sky=0.0)
    only_i = cube_fits([flat(0.0, 1), flat(0.0, 2), galaxy])
    only_g = cube_fits([galaxy, flat(0.0, 1), flat(0.0, 2)])
    red = np.asarray(decode_image(only_i).image, dtype=float)
    blue = np.asarray(decode_image(only_g).image, dtype=float)
    centre = (H // 2, W // 2)
    assert red[centre][0] > 200 and red[centre][1] < 30 and red[centre][2] < 30
    assert blue[centre][2] > 200 and blue[centre][0] < 30
    assert decode_image(only_i).mode == "float32x3"


def test_three_hdus_are_matched_by_their_names_whatever_their_order() -> None:
    galaxy = gaussian_galaxy(W, H)
    data = multi_hdu_fits([("r", flat(100.0, 1)), ("i", galaxy), ("g", flat(100.0, 2))])
    decoded = decode_image(data)
    assert decoded.details["bands"] == "g,r,i"
    r, g, b = np.asarray(decoded.image)[H // 2, W // 2]
    assert r > 200 and g < 30 and b < 30


def test_three_unnamed_hdus_are_taken_in_file_order() -> None:
    galaxy = gaussian_galaxy(W, H)
    data = multi_hdu_fits([("a", galaxy), ("b", flat(100.0, 1)), ("c", flat(100.0, 2))])
    r, _g, b = np.asarray(decode_image(data).image)[H // 2, W // 2]
    assert b > 200 and r < 30  # the first HDU is g, shown blue


def test_rows_are_flipped_so_fits_row_zero_is_at_the_bottom() -> None:
    data = flat(100.0)
    data[2:6, 30:34] = 5000.0  # near FITS row 0: the bottom of the sky image
    array = np.asarray(decode_image(single_band_fits(data)).image)
    assert array[H - 4, 32] > 200 and array[3, 32] < 60


def test_nan_and_inf_become_sky_and_the_output_is_finite() -> None:
    galaxy = gaussian_galaxy(W, H)
    galaxy[:10, :10] = np.nan
    galaxy[-5:, -5:] = np.inf
    galaxy[0, -1] = -np.inf
    planes = [galaxy.copy(), galaxy.copy(), galaxy.copy()]
    decoded = decode_image(cube_fits(planes))
    array = np.asarray(decoded.image, dtype=float)
    nan_block = array[H - 10 :, :10]  # rows flipped
    assert np.ptp(nan_block) == 0 and nan_block.max() <= np.median(array)  # the sky level
    out = to_model_input(decoded.image, "rgb")
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0


def test_all_nan_band_is_unreadable() -> None:
    with pytest.raises(UnreadableImage, match="no finite pixel"):
        decode_image(single_band_fits(np.full((H, W), np.nan, dtype=np.float32)))


def test_asinh_stretch_keeps_faint_structure_visible_and_is_monotonic() -> None:
    noise = 2.0
    band = gaussian_galaxy(W, H, peak=1e5, sigma_x=4.0, sigma_y=4.0, noise=noise, sky=50.0)
    decoded = decode_image(single_band_fits(band))
    array = np.flipud(np.asarray(decoded.image, dtype=float))  # back to FITS orientation
    raw = band - 50.0
    # a pixel at ~20 sigma above the sky (0.04 % of the peak): linear scaling would show 0
    faint = np.argwhere((raw > 15 * noise) & (raw < 25 * noise))
    assert len(faint) > 0
    assert array[tuple(faint[0])] > 40
    order = np.argsort(raw, axis=None)
    smoothed = np.convolve(array.reshape(-1)[order], np.ones(50) / 50, mode="valid")
    assert (np.diff(smoothed) >= -0.5).all()
    assert "lupton-asinh" in decoded.details["stretch"]


def test_bands_with_offset_wcs_are_aligned_on_the_r_grid() -> None:
    files = offset_bands(W, H)
    bands = [fitsmod.read_bands(files[b], max_pixels=10**6)[0] for b in "gri"]
    aligned, how = fitsmod.align(bands)
    assert how == "wcs"
    centroids = [moments(np.where(a > 300, a - 100, 0))[:2] for a in aligned]
    reference = centroids[1]
    for centroid in centroids:
        assert abs(centroid[0] - reference[0]) < 0.15 and abs(centroid[1] - reference[1]) < 0.15
    # without the WCS the same arrays are off by the offsets: the test can fail
    raw_centroids = [moments(np.where(b.data > 300, b.data - 100, 0))[:2] for b in bands]
    assert abs(raw_centroids[0][0] - raw_centroids[1][0]) > 2.5


def test_three_band_files_decode_to_one_aligned_colour_image() -> None:
    decoded = decode_bands(offset_bands(W, H))
    assert decoded.format == "FITS" and decoded.image.mode == "RGB"
    assert decoded.details == {**decoded.details, "bands": "g,r,i", "alignment": "wcs"}
    array = np.asarray(decoded.image, dtype=float)
    # every colour peaks on the same pixel once aligned
    peaks = {np.unravel_index(np.argmax(array[:, :, c]), array.shape[:2]) for c in range(3)}
    assert len(peaks) == 1 or max(np.ptp(np.array(list(peaks)), axis=0)) <= 1


def test_same_grid_bands_are_stacked_without_reprojection() -> None:
    files = offset_bands(W, H, offsets=[(0.0, 0.0)] * 3)
    assert decode_bands(files).details["alignment"] == "none"


def test_bands_of_different_shapes_without_wcs_are_unreadable() -> None:
    files = {
        "g": single_band_fits(flat()),
        "r": single_band_fits(flat()[:, :40]),
        "i": single_band_fits(flat()),
    }
    with pytest.raises(UnreadableImage, match="differ in shape"):
        decode_bands(files)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (cube_fits([flat()] * 5), "5 planes"),
        (fits_bytes(fits.PrimaryHDU()), "no image HDU"),
        (
            fits_bytes(fits.PrimaryHDU(), fits.BinTableHDU.from_columns([fits.Column("a", "E")])),
            "no image HDU",
        ),
        (multi_hdu_fits([("g", flat()), ("x", flat())]), "2 image HDUs"),
        (single_band_fits(flat())[:2880], "FITS"),  # header only: the data are cut
        (b"SIMPLE  =                    T" + b" " * 50, "FITS"),  # no END card
    ],
)
def test_bad_fits_is_unreadable_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableImage, match=reason):
        decode_image(data)


def test_missing_band_file() -> None:
    files = offset_bands(W, H)
    del files["r"]
    with pytest.raises(UnreadableImage, match="r"):
        decode_bands(files)


def test_fits_pixel_limit() -> None:
    with pytest.raises(ImageTooLarge):
        decode_image(single_band_fits(flat()), max_pixels=W * H - 1)


def test_tile_compressed_fits() -> None:
    galaxy = gaussian_galaxy(W, H)
    data = fits_bytes(fits.PrimaryHDU(), fits.CompImageHDU(galaxy))
    decoded = decode_image(data)
    reference = decode_image(single_band_fits(galaxy))
    diff = np.abs(np.asarray(decoded.image, dtype=int) - np.asarray(reference.image, dtype=int))
    assert decoded.format == "FITS" and diff.max() <= 2


def test_gzip_compressed_fits_is_inflated_in_memory() -> None:
    plain = cube_fits([gaussian_galaxy(W, H, seed=s) for s in range(3)])
    decoded = decode_image(gzip.compress(plain))
    assert decoded.format == "FITS" and decoded.details["compression"] == "gzip"
    np.testing.assert_array_equal(np.asarray(decoded.image), np.asarray(decode_image(plain).image))
    bands = {band: gzip.compress(data) for band, data in offset_bands(W, H).items()}
    assert decode_bands(bands).details["alignment"] == "wcs"


def test_gzip_bomb_truncated_gzip_and_gzip_of_something_else() -> None:
    with pytest.raises(ImageTooLarge, match="inflates beyond"):
        decode_image(gzip.compress(b"SIMPLE  =" + bytes(1_000_000)), max_inflated_bytes=100_000)
    packed = gzip.compress(single_band_fits(flat()))
    with pytest.raises(UnreadableImage, match="gzip"):
        decode_image(packed[: len(packed) // 2])
    with pytest.raises(UnreadableImage, match="not FITS"):
        decode_image(gzip.compress(b"just text"))


def test_a_large_plane_is_block_averaged_before_the_stretch_keeping_its_shape() -> None:
    width, height = 2600, 1100  # 2.86 Mpx: binned by 2 → 1300 x 550
    galaxy = gaussian_galaxy(width, height, sigma_x=150.0, sigma_y=60.0, noise=5.0)
    decoded = decode_image(single_band_fits(galaxy))
    assert decoded.image.size == (1300, 550)
    assert (decoded.width, decoded.height) == (width, height)  # the upload's size
    assert decoded.details["binning"] == "2"
    image = np.asarray(decoded.image, dtype=float)
    cx, cy, q, _ = moments(np.where(image > 100, image, 0.0))
    assert abs(cx - (1300 - 1) / 2) < 1.0 and abs(cy - (550 - 1) / 2) < 1.0
    assert q == pytest.approx(0.4, abs=0.03)
    small = decode_image(single_band_fits(gaussian_galaxy(W, H)))
    assert small.details["binning"] == "1" and small.image.size == (W, H)


@pytest.mark.parametrize(("width", "height"), [(1619, 1619), (4096, 640), (2048, 1280)])
def test_no_frame_that_fitted_the_old_10_mib_limit_is_binned(width: int, height: int) -> None:
    assert width * height * 4 <= 10 * 2**20  # float32 under the limit before frames were binned
    assert fitsmod.binning_factor(width, height) == 1
    assert fitsmod.binning_factor(3000, 3000) == 2 and fitsmod.binning_factor(4096, 4096) == 3


def test_a_binned_plane_keeps_its_wcs_on_the_sky() -> None:
    width, height = 2100, 1500  # 3.15 Mpx: binned by 2 → 1050 x 750
    wcs = sky_wcs(width, height)
    (band,) = fitsmod.read_bands(single_band_fits(flat_field(width, height), wcs), 10**8)
    assert band.binning == 2 and band.data.shape == (750, 1050) and band.size == (width, height)
    assert band.wcs is not None
    binned = np.array([[0.0, 0.0], [10.0, 20.0], [1049.0, 749.0]])
    # binned pixel (x, y) is the block of original pixels 2x, 2x + 1: centred on 2x + 0.5
    np.testing.assert_allclose(
        band.wcs.wcs_pix2world(binned, 0), wcs.wcs_pix2world(2 * binned + 0.5, 0), atol=1e-9
    )


def sip_cd_wcs(width: int, height: int) -> WCS:
    """A TAN-SIP WCS with a CD matrix (rotated, as survey frames carry), second- and third-order
    distortion terms of a few pixels at the corners."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
    wcs.wcs.crval = [150.0, 2.0]
    wcs.wcs.crpix = [width / 2 + 10.5, height / 2 - 7.25]
    scale, angle = 0.262 / 3600.0, np.radians(20.0)
    wcs.wcs.cd = scale * np.array([[-np.cos(angle), np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    a, b = np.zeros((4, 4)), np.zeros((4, 4))
    a[2, 0], a[1, 1], a[3, 0] = 2e-6, -1e-6, 1e-9
    b[0, 2], b[1, 1], b[0, 3] = 1.5e-6, 0.5e-6, -1e-9
    wcs.sip = Sip(a, b, None, None, wcs.wcs.crpix)
    wcs.wcs.set()
    return wcs


@pytest.mark.parametrize("kind", ["cdelt", "cd-sip"])
def test_a_binned_wcs_puts_every_binned_pixel_where_its_block_was(kind: str) -> None:
    width, height = 2100, 1500
    wcs = sky_wcs(width, height) if kind == "cdelt" else sip_cd_wcs(width, height)
    binned = fitsmod._binned_wcs(wcs, 2)
    assert binned is not None
    pixels = np.array([[0.0, 0.0], [700.0, 300.0], [1049.0, 749.0], [10.0, 740.0]])
    np.testing.assert_allclose(
        binned.all_pix2world(pixels, 0), wcs.all_pix2world(2 * pixels + 0.5, 0), atol=1e-9
    )


def test_a_survey_size_frame_decodes_in_a_bounded_memory() -> None:
    """3000 x 3000 float32 (36 MB, as ESO 479-G1's Legacy Surveys frame): unbinned the stretch's
    float64 copies took about 1.3 GiB."""
    data = single_band_fits(flat_field(3000, 3000))
    tracemalloc.start()
    try:
        decoded = decode_image(data, max_pixels=10**8)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert decoded.image.size == (1500, 1500)
    assert peak < 500 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_the_framing_of_a_binned_frame_is_reported_in_the_uploads_pixels() -> None:
    width, height = 2600, 1100  # binned by 2
    galaxy = gaussian_galaxy(width, height, centre=(600.0, 700.0), sigma_x=60.0, sigma_y=30.0)
    prepared = preprocess_bytes(single_band_fits(galaxy), "gray", "none", frame="auto")
    framing = prepared.framing
    assert framing is not None and framing.found is not None
    assert (framing.found.width, framing.found.height) == (width, height)
    # FITS row 0 is the bottom: the galaxy drawn at row 700 of 1100 shows at y = 1099 - 700
    assert framing.found.x == pytest.approx(600.0, abs=6.0)
    assert framing.found.y == pytest.approx(height - 1 - 700.0, abs=6.0)
    assert framing.applied and framing.left < framing.found.x < framing.left + framing.side
