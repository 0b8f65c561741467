import csv
import re
from pathlib import Path

import pytest

from training.realneg import literature_spirals
from training.references import TABLE, canonical, compare, galaxy_key, load, reference

HEADER = "name,incl,e_incl,method,catalogue,source\n"
TABLE_TEXT = """# a comment line
name,incl,e_incl,method,catalogue,source
NGC 0891,90,,kinematic,Paper A,repo/a.txt
NGC891,88,2,kinematic,Paper B,repo/b.txt
NGC891,80,,photometric,HyperLEDA,repo/c.txt
NGC2403,63,3,kinematic,Paper A,repo/a.txt
NGC4321,38.5,,photometric,HyperLEDA,repo/c.txt
NGC4321,27.5,,photometric,Other,repo/d.txt
NGC5457,18,,literature,Compilation,repo/e.txt
NGC5457,22,,photometric,HyperLEDA,repo/c.txt
"""


def write_table(tmp_path: Path, text: str = TABLE_TEXT) -> Path:
    path = tmp_path / "inclinations.csv"
    path.write_text(text)
    return path


def test_names_are_keyed_without_spaces_case_or_leading_zeros() -> None:
    assert canonical("NGC 0891") == canonical("ngc891") == "NGC891"
    assert canonical("UGC02885") == "UGC2885" and canonical("ESO274-001") == "ESO274-1"
    assert canonical("NGC100") == "NGC100" and canonical("IC 342") == "IC342"


def test_an_image_name_is_keyed_by_its_galaxys_primary_name() -> None:
    assert galaxy_key("M31") == "NGC224"
    assert galaxy_key("M100") == "NGC4321"
    assert galaxy_key("NGC5906") == "NGC5907"  # stellarium's n5906 texture is NGC 5907
    assert galaxy_key("PGC54392") == "ESO274-1"
    assert galaxy_key("COSMOS-100027") == "COSMOS-100027"  # not OpenNGC's: the name itself


def test_kinematic_values_come_first_and_several_give_their_median(tmp_path: Path) -> None:
    table = load(write_table(tmp_path))
    edge_on = reference("NGC891", table)
    assert edge_on is not None
    assert (edge_on.incl, edge_on.method, edge_on.catalogue) == (89.0, "kinematic",
                                                                 "Paper A; Paper B")
    only_photometric = reference("NGC4321", table)
    assert only_photometric is not None
    assert (only_photometric.incl, only_photometric.method) == (33.0, "photometric")
    chosen = reference("NGC5457", table)  # a compilation's choice before an axis ratio
    assert chosen is not None and (chosen.incl, chosen.method) == (18.0, "literature")
    assert reference("NGC7331", table) is None


@pytest.mark.parametrize("row", ["NGC1,95,,kinematic,P,s", "NGC1,-1,,kinematic,P,s",
                                 "NGC1,45,,guessed,P,s", "NGC1,,,kinematic,P,s",
                                 "NGC1,about 45,,kinematic,P,s", "NGC1,45,,kinematic"])
def test_a_bad_row_is_an_error_that_names_its_line(tmp_path: Path, row: str) -> None:
    # out of range, an unknown method, no number, a short row; after two comment lines and a
    # good row, the bad one is line 5 of the file
    path = write_table(tmp_path, "# one\n# two\n" + HEADER + "NGC2,30,,kinematic,P,s\n" + row
                       + "\n")
    with pytest.raises(ValueError, match="line 5"):
        load(path)


def test_a_table_without_its_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="header"):
        load(write_table(tmp_path, "galaxy,incl\nNGC1,30\n"))


def test_the_literature_set_leaves_out_the_development_galaxies_and_second_textures(
        tmp_path: Path) -> None:
    table = write_table(tmp_path, TABLE_TEXT + "NGC5907,88,,kinematic,P,s\n")
    spirals = [{"path": f"/x/{name}.png", "name": name, "hubble": "Sb"}
               for name in ("M100", "M101", "M102", "NGC2403", "NGC5906", "NGC7331")]
    rows = literature_spirals(spirals, {galaxy_key("NGC5907")}, table)
    assert [(r["name"], r["incl"], r["method"]) for r in rows] == [
        ("M100", "33.0", "photometric"), ("M101", "18.0", "literature"),
        ("NGC2403", "63.0", "kinematic")]
    assert rows[0]["reference"] == "HyperLEDA; Other" and rows[0]["path"] == "/x/M100.png"


def test_the_shipped_table_keys_galaxies_by_primary_name_and_names_each_rows_source() -> None:
    table = load(TABLE)
    assert len(table) >= 90
    # a row under another name than OpenNGC's primary one (M51 for NGC 5194) would never match
    assert all(galaxy_key(key) == key for key in table)
    with TABLE.open(newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+/\S+@[0-9a-f]{12}", row["source"])
               and row["catalogue"].strip() for row in rows)


def test_compare_lists_an_indexs_galaxies_beside_their_published_inclinations(
        tmp_path: Path) -> None:
    (tmp_path / "index.csv").write_text("path,name,incl\na.png,NGC891,86\nb.png,M100,face_on\n"
                                        "c.png,M101,24\nd.png,NGC7331,70\n")
    lines = compare(tmp_path, load(write_table(tmp_path)))
    assert lines[0].split()[:4] == ["NGC891", "86.0", "89.0", "-3.0"]
    assert lines[1].split()[:4] == ["M100", "face_on", "33.0", "-"]  # listed, not counted
    assert lines[1].endswith("(not counted: face-on)")
    assert lines[2].split()[:4] == ["M101", "24.0", "18.0", "+6.0"]
    assert lines[3].endswith("kinematic references of 1 images: set - published RMS 3.00, "
                             "mean -3.00")
    assert lines[4].endswith("literature references of 1 images: set - published RMS 6.00, "
                             "mean +6.00")
    assert len(lines) == 5  # NGC7331 (not in the table) left out


def test_agreement_pairs_every_two_values_of_a_galaxy_by_their_methods(tmp_path: Path) -> None:
    from training.references import agreement

    pairs = agreement(load(write_table(tmp_path)))
    # NGC 891: 90 and 88 kinematic, 80 photometric; NGC 4321: 38.5 and 27.5 photometric;
    # NGC 5457: 18 literature and 22 photometric
    assert pairs[("kinematic", "kinematic")] == pytest.approx((1, 2.0))
    assert pairs[("kinematic", "photometric")] == pytest.approx((2, (0.5 * (100 + 64)) ** 0.5))
    assert pairs[("literature", "photometric")] == pytest.approx((1, 4.0))
    assert pairs[("photometric", "photometric")] == pytest.approx((1, 11.0))
    assert list(pairs) == [("kinematic", "kinematic"), ("kinematic", "photometric"),
                           ("literature", "photometric"), ("photometric", "photometric")]


def test_the_wide_build_writes_the_spirals_with_a_published_inclination(tmp_path: Path) -> None:
    from PIL import Image

    from training.realeval import read_index
    from training.realneg import LITERATURE, SUBTREE, build

    textures = tmp_path / "pkg" / SUBTREE
    textures.mkdir(parents=True)
    # NGC 2683 has SPARC's kinematic 80 deg; NGC 5906's texture is NGC 5907, excluded below as a
    # development-set galaxy; M10 is a globular cluster
    for file in ("m10.png", "n2683.png", "n5906.png"):
        Image.new("RGBA", (40, 30), (200, 200, 200, 255)).save(textures / file)
    development = tmp_path / "dev.csv"
    development.write_text("path,name,incl\nx.png,NGC5907,88.5\n")
    build(tmp_path / "out", tmp_path / "pkg", wide=True, exclude=(development,))
    rows = read_index(tmp_path / "out" / LITERATURE)
    assert [(r.name, r.incl) for r in rows] == [("NGC2683", 80.0)]
    text = (tmp_path / "out" / LITERATURE / "index.csv").read_text().splitlines()
    assert text[0] == "path,name,incl,hubble,method,reference"
    assert text[1].endswith(",kinematic,Lelli+2016 SPARC (AJ 152 157)")


def test_write_relabels_several_indexes_into_one(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from training import references

    table = write_table(tmp_path)
    monkeypatch.setattr(references, "TABLE", table)
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "index.csv").write_text("path,name,incl\nn891.png,NGC891,86\n")
    (second / "index.csv").write_text("path,name,incl,hubble\n/abs/m100.png,M100,face_on,SABb\n"
                                      "x.png,NGC7331,70,Sb\n")
    monkeypatch.setattr("sys.argv", ["references", str(first), str(second),
                                     "--write", str(tmp_path / "out")])
    references.main()
    out = capsys.readouterr().out
    assert "2 images with a published inclination" in out
    # the table's own agreement first: NGC 891's two kinematic values, 90 and 88
    assert "kinematic against kinematic: RMS 2.00 over 1 pairs" in out
    with (tmp_path / "out" / "index.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["path"], r["name"], r["incl"], r["hubble"], r["method"]) for r in rows] == [
        (str(first / "n891.png"), "NGC891", "89.0", "", "kinematic"),
        ("/abs/m100.png", "M100", "33.0", "SABb", "photometric")]


def test_write_keep_keeps_the_galaxies_no_table_knows_with_their_own_label(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from training import references

    monkeypatch.setattr(references, "TABLE", write_table(tmp_path))
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.csv").write_text(
        "path,name,incl\n/x/m74.png,M74,19.8\n/x/n891.png,NGC891,86\n/x/n891b.png,NGC891,84\n"
        "/x/eso.png,ESO479-G1,face_on\n")
    argv = ["references", str(tmp_path / "a"), "--write", str(tmp_path / "out")]
    monkeypatch.setattr("sys.argv", [*argv, "--keep"])
    references.main()
    assert "1 images with a published inclination, 2 with their own in" in capsys.readouterr().out
    with (tmp_path / "out" / "index.csv").open(newline="") as handle:
        rows = [(r["name"], r["incl"], r["method"]) for r in csv.DictReader(handle)]
    # NGC 891's second image is left out as without --keep: one image a galaxy
    assert rows == [("M74", "19.8", "own"), ("NGC891", "89.0", "kinematic"),
                    ("ESO479-G1", "face_on", "own")]
    monkeypatch.setattr("sys.argv", argv)
    references.main()
    with (tmp_path / "out" / "index.csv").open(newline="") as handle:
        assert [r["name"] for r in csv.DictReader(handle)] == ["NGC891"]

ZOO_TEXT = HEADER + """NGC891,89,,zoo,Zoo,repo/z.txt
NGC4321,face_on,,zoo,Zoo,repo/z.txt
NGC5457,face_on,,zoo,Zoo,repo/z.txt
NGC5457,60,,zoo,Other zoo,repo/y.txt
"""


def test_face_on_flags_are_references_without_a_number(tmp_path: Path) -> None:
    table = load(write_table(tmp_path, ZOO_TEXT))
    flagged = reference("NGC4321", table)
    assert flagged is not None and flagged.face_on and flagged.label == "face_on"
    mixed = reference("NGC5457", table)  # a number beats a flag of the same method
    assert mixed is not None and (mixed.incl, mixed.label) == (60.0, "60.0")
    assert mixed.catalogue == "Other zoo"  # the flag's publication gave no number
    numbered = reference("NGC891", table)
    assert numbered is not None and not numbered.face_on and numbered.method == "zoo"
    for word in ("face-on", "nan", "NaN"):
        with pytest.raises(ValueError, match="line 2"):
            load(write_table(tmp_path, HEADER + f"NGC1,{word},,zoo,Zoo,s\n"))


def test_tables_merge_and_the_zoo_comes_after_kinematics_and_before_axis_ratios(
        tmp_path: Path) -> None:
    from training.references import agreement

    table = load(write_table(tmp_path))
    zoo = tmp_path / "zoo.csv"
    zoo.write_text(ZOO_TEXT)
    load(zoo, table)
    kinematic = reference("NGC891", table)  # kinematic 90, 88 before the zoo's 89
    assert kinematic is not None and (kinematic.incl, kinematic.method) == (89.0, "kinematic")
    flagged = reference("NGC4321", table)  # the zoo's face-on flag before two axis ratios
    assert flagged is not None and flagged.face_on and flagged.method == "zoo"
    partial = write_table(tmp_path, HEADER + "NGC224,77,,kinematic,P,s\nNGC1,95,,zoo,Z,s\n")
    with pytest.raises(ValueError, match="line 3"):
        load(partial, table)
    assert "NGC224" not in table  # a table with a bad row adds nothing
    pairs = agreement(table)  # flags pair with nothing
    assert pairs[("kinematic", "zoo")] == pytest.approx((2, (0.5 * (1 + 1)) ** 0.5))
    assert pairs[("literature", "zoo")] == pytest.approx((1, 42.0))
    assert ("zoo", "zoo") not in pairs


def test_compare_skips_face_on_references_and_write_labels_them_face_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from training import references

    zoo = write_table(tmp_path, ZOO_TEXT)
    sets = tmp_path / "dev"
    sets.mkdir()
    (sets / "index.csv").write_text("path,name,incl\na.png,NGC891,86\nb.png,M100,24\n"
                                    "c.png,NGC7331,70\n")
    lines = compare(sets, load(zoo))
    assert [line.split()[:3] for line in lines[:-1]] == [["NGC891", "86.0", "89.0"],
                                                       ["M100", "24.0", "face_on"]]
    assert lines[-1].endswith("zoo references of 1 images: set - published RMS 3.00, mean -3.00")
    monkeypatch.setattr("sys.argv", ["references", str(sets), "--table", str(zoo),
                                     "--table", str(zoo), "--write", str(tmp_path / "out")])
    references.main()
    out = capsys.readouterr().out
    assert "2 images with a published inclination" in out
    assert "zoo against zoo" not in out  # the table named twice is read once
    with (tmp_path / "out" / "index.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["name"], r["incl"], r["method"], r["set"]) for r in rows] == [
        ("NGC891", "89.0", "zoo", "dev"), ("M100", "face_on", "zoo", "dev")]


def test_the_shipped_zoo_table_names_its_source_and_keys_galaxies_by_primary_name() -> None:
    from training.references import ZOO_TABLE

    table = load(ZOO_TABLE)
    values = [value for values in table.values() for value in values]
    assert len(table) == len(values) == 59  # one value per galaxy
    assert sum(v.face_on for v in values) == 13
    assert all(v.method == "zoo" and (v.face_on or 45.0 <= v.incl <= 90.0) for v in values)
    assert all(galaxy_key(key) == key for key in table)
    with ZOO_TABLE.open(newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert {row["source"] for row in rows} <= {
        f"ekourkchi/incNET-data/incNET_Sagemaker/AWS_64x64_{split}.lst@a59e44dcbbf2"
        for split in ("train", "val")}
    m104 = reference(galaxy_key("M104"), table)
    assert m104 is not None and m104.incl == 87.0
