import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from training.realeval import read_index
from training.restretch import main, restretch


def _ramp(mode: str) -> Image.Image:
    levels = np.tile(np.arange(256, dtype=np.uint8), (4, 1))
    if mode == "L":
        return Image.fromarray(levels, "L")
    return Image.fromarray(np.stack([levels, levels // 2, 255 - levels], axis=-1), "RGB")


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_a_gamma_below_one_brightens_the_faint_levels_and_keeps_the_ends(mode: str) -> None:
    image = _ramp(mode)
    harder = np.asarray(restretch(image, 0.5), np.int64)
    softer = np.asarray(restretch(image, 2.0), np.int64)
    plain = np.asarray(image, np.int64)
    assert harder.shape == softer.shape == plain.shape
    assert (harder >= plain).all() and (softer <= plain).all()
    first = (slice(None), 64) if mode == "L" else (slice(None), 64, 0)
    assert (harder[first] == round(255 * (64 / 255) ** 0.5)).all()  # 64 -> 128
    assert (softer[first] == round(255 * (64 / 255) ** 2)).all()  # 64 -> 16
    assert (np.asarray(restretch(image, 1.0)) == plain).all()
    for end in (0, 255):  # black stays black, white white
        column = (slice(None), end) if mode == "L" else (slice(None), end, 0)
        assert (harder[column] == end).all()


def test_alpha_is_composited_on_black_and_a_bad_gamma_refused() -> None:
    transparent = Image.new("RGBA", (8, 8), (200, 200, 200, 0))
    assert np.asarray(restretch(transparent, 0.5)).max() == 0
    with pytest.raises(ValueError, match="positive"):
        restretch(_ramp("L"), 0.0)


def test_a_relative_output_folder_is_read_back_where_it_was_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "src").mkdir()
    _ramp("L").save(tmp_path / "src" / "a.png")
    (tmp_path / "src" / "index.csv").write_text("path,name,incl\na.png,A,70\n")
    monkeypatch.chdir(tmp_path)
    main(["src", "out", "--gamma", "2"])
    (image,) = read_index(Path("out"))
    assert image.path.is_file() and image.path.parent == Path("out")


def test_the_upload_is_read_as_the_service_reads_it_exif_orientation_included(
        tmp_path: Path) -> None:
    wide = Image.fromarray(np.zeros((10, 30), np.uint8), "L")
    exif = wide.getexif()
    exif[0x0112] = 6  # rotate 90° on display
    wide.save(tmp_path / "turned.jpg", exif=exif)
    (tmp_path / "index.csv").write_text("path,name,incl\nturned.jpg,T,70\n")
    main([str(tmp_path), str(tmp_path / "out"), "--gamma", "0.5"])
    (image,) = read_index(tmp_path / "out")
    with Image.open(image.path) as written:
        assert written.size == (10, 30)  # upright, as the service measures it


def test_the_command_writes_a_set_evaluate_can_read(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    _ramp("RGB").save(source / "a.png")
    _ramp("L").save(source / "b.jpg", quality=95)
    with (source / "index.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "name", "incl", "set"])
        writer.writerow(["a.png", "A", "60", "one"])
        writer.writerow([str(source / "b.jpg"), "B", "face_on", "two"])
    main([str(source), str(tmp_path / "out"), "--gamma", "0.6"])
    images = read_index(tmp_path / "out")
    assert [(i.name, i.incl, i.columns["set"]) for i in images] == [
        ("A", 60.0, "one"), ("B", None, "two")]
    with Image.open(images[0].path) as a, Image.open(images[1].path) as b:
        assert (a.mode, b.mode) == ("RGB", "L")
        assert np.asarray(a)[0, 64, 0] == round(255 * (64 / 255) ** 0.6)


def test_fits_and_unreadable_members_are_refused_with_their_names(tmp_path: Path) -> None:
    from astropy.io import fits

    fits.PrimaryHDU(np.arange(64, dtype=np.float32).reshape(8, 8)).writeto(tmp_path / "f.fits")
    (tmp_path / "index.csv").write_text("path,name,incl\nf.fits,F,50\n")
    with pytest.raises(ValueError, match=r"f\.fits: FITS has no display stretch"):
        main([str(tmp_path), str(tmp_path / "out"), "--gamma", "2"])
    (tmp_path / "junk.png").write_bytes(b"not an image")
    (tmp_path / "index.csv").write_text("path,name,incl\njunk.png,J,50\n")
    with pytest.raises(ValueError, match=r"junk\.png: not an image the service reads"):
        main([str(tmp_path), str(tmp_path / "out"), "--gamma", "2"])
