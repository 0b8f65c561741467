import math
import random
import time
from pathlib import Path

import pytest

from catalog import index, names, openngc, user_table
from catalog.index import Catalog
from tests.catalog.factories import (
    NEW_DEC,
    NEW_NAME,
    NEW_PGC,
    NEW_RA,
    OVERRIDDEN_PGC,
    galaxy,
    user_table_text,
)

M31_SPELLINGS = [
    "M31", "Messier 31", "NGC224", "NGC 0224", "ngc 224", "UGC 454", "PGC 2557", "PGC2557",
    "LEDA 2557", "Andromeda", "andromeda galaxy",
]  # fmt: skip


def test_openngc_bulk_load_is_fast_and_complete() -> None:
    start = time.perf_counter()
    load = openngc.load()
    catalog = index.build(load)
    elapsed = time.perf_counter() - start
    assert 10_000 < len(catalog) < 11_000  # OpenNGC galaxies with a PGC/LEDA number
    assert elapsed < 5.0  # ~0.5 s on an idle core
    assert all(g.source == "openngc" for g in load.galaxies)
    assert len({g.pgc for g in load.galaxies}) == len(load.galaxies)


def test_m31_record_from_openngc(embedded: Catalog) -> None:
    m31 = embedded.by_pgc(2557)
    assert m31 is not None
    assert m31.names[:4] == ("NGC 224", "M 31", "UGC 454", "PGC 2557")
    assert m31.ra == pytest.approx(10.6848, abs=1e-3)
    assert m31.dec == pytest.approx(41.2690, abs=1e-3)
    assert (m31.major_axis_arcmin, m31.minor_axis_arcmin) == (177.83, 69.66)
    assert m31.position_angle_deg == 35.0
    assert m31.hubble_type == "Sb"


@pytest.mark.parametrize("spelling", M31_SPELLINGS)
def test_m31_by_every_spelling(embedded: Catalog, spelling: str) -> None:
    found = embedded.by_name(spelling)
    assert found is not None and found.pgc == 2557


@pytest.mark.parametrize(
    ("name", "primary"),
    [
        ("IC 342", "IC 342"),
        ("Sombrero", "NGC 4594"),
        ("Whirlpool", "NGC 5194"),
        ("Pinwheel", "NGC 5457"),
        ("Triangulum", "NGC 598"),
        ("Black Eye", "NGC 4826"),
        ("Cigar", "NGC 3034"),
        ("Sunflower", "NGC 5055"),
        ("M 102", "NGC 5457"),  # an OpenNGC duplicate designation
        ("LMC", "ESO 56-115"),
    ],
)
def test_common_names_and_aliases(embedded: Catalog, name: str, primary: str) -> None:
    found = embedded.by_name(name)
    assert found is not None and found.names[0] == primary


def test_alias_becomes_a_name_of_its_galaxy(embedded: Catalog) -> None:
    m101 = embedded.by_name("M101")
    assert m101 is not None and "Pinwheel" in m101.names


def test_unknown_name(embedded: Catalog) -> None:
    assert embedded.by_name("NGC 99999") is None
    assert embedded.by_pgc(99_999_999) is None


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("Andromedaa", "Andromeda Galaxy"), ("Sombero", "Sombrero Galaxy"), ("NGC 4594x", "NGC 4594")],
)
def test_suggestions_for_near_misses(embedded: Catalog, typo: str, expected: str) -> None:
    assert expected in embedded.suggest(typo)


def test_no_suggestion_for_nonsense(embedded: Catalog) -> None:
    assert embedded.suggest("qqqqzzzz") == []
    assert embedded.suggest("x" * 1000) == []


def test_near_m31_nearest_first(embedded: Catalog) -> None:
    found = embedded.near(10.6848, 41.2690, 60.0, limit=10)
    primaries = [n.galaxy.names[0] for n in found]
    assert primaries[:3] == ["NGC 224", "NGC 221", "NGC 205"]
    separations = [n.separation_arcmin for n in found]
    assert separations == sorted(separations)
    assert separations[1] == pytest.approx(24.2, abs=0.2)  # M32 is 24' from M31
    assert all(s <= 60.0 for s in separations)


def test_near_limit_and_empty(embedded: Catalog) -> None:
    assert len(embedded.near(10.6848, 41.2690, 60.0, limit=1)) == 1
    assert embedded.near(0.0, -89.9, 1.0, limit=5) == []


def test_near_across_ra_zero() -> None:
    catalog = Catalog([galaxy(1, "A 1", 359.99, 0.0), galaxy(2, "B 2", 0.01, 0.0)])
    found = catalog.near(0.0, 0.0, 1.0, limit=5)
    assert sorted(n.galaxy.pgc for n in found) == [1, 2]
    assert found[0].separation_arcmin == pytest.approx(0.6, abs=1e-6)


def test_near_the_pole() -> None:
    catalog = Catalog([galaxy(1, "A 1", 10.0, 89.99), galaxy(2, "B 2", 190.0, 89.99)])
    found = catalog.near(100.0, 90.0, 1.0, limit=5)
    assert [round(n.separation_arcmin, 3) for n in found] == [0.6, 0.6]


def test_user_table_extends_and_overrides(openngc_load: openngc.OpenNGCLoad) -> None:
    table = user_table.parse(user_table_text(), Path("t.csv"))
    catalog = index.build(openngc_load, table)
    assert table.rejected == []
    new = catalog.by_pgc(NEW_PGC)
    assert new is not None and new.source == "user_table"
    assert (new.ra, new.dec) == (NEW_RA, NEW_DEC)
    assert catalog.by_name(NEW_NAME) == new
    assert catalog.near(NEW_RA, NEW_DEC, 0.1, limit=1)[0].galaxy == new
    original = index.build(openngc_load).by_pgc(OVERRIDDEN_PGC)
    overridden = catalog.by_pgc(OVERRIDDEN_PGC)
    assert original is not None and overridden is not None
    assert overridden.source == "user_table"
    assert overridden.major_axis_arcmin == pytest.approx(30.0)
    assert overridden.axial_ratio == pytest.approx(0.5)
    assert overridden.position_angle_deg == 40.0
    assert overridden.hubble_type == "Sc"
    # cells left empty keep OpenNGC's values; names are kept and still resolve
    assert (overridden.ra, overridden.dec) == (original.ra, original.dec)
    assert overridden.names[: len(original.names)] == original.names
    assert catalog.by_name("M101") == overridden


def test_user_row_unknown_to_openngc_needs_a_position(openngc_load: openngc.OpenNGCLoad) -> None:
    table = user_table.parse("pgc,logd25\n3000002,1.0\n", Path("t.csv"))
    catalog = index.build(openngc_load, table)
    assert catalog.by_pgc(3_000_002) is None
    assert table.rejected == [(2, "PGC 3000002 is not in OpenNGC and the row has no ra/dec")]


def test_new_major_axis_alone_drops_the_openngc_minor(openngc_load: openngc.OpenNGCLoad) -> None:
    table = user_table.parse("pgc,logd25\n2557,3.0\n", Path("t.csv"))
    m31 = index.build(openngc_load, table).by_pgc(2557)
    assert m31 is not None
    assert m31.major_axis_arcmin == pytest.approx(100.0)
    assert m31.minor_axis_arcmin is None and m31.axial_ratio is None


def test_every_galaxy_is_reachable_by_its_pgc_name(embedded: Catalog) -> None:
    for pgc in (2557, 13826, 50063, 17223):
        galaxy_ = embedded.by_pgc(pgc)
        assert galaxy_ is not None
        assert embedded.by_name(f"PGC {pgc}") == galaxy_
        assert names.normalise(galaxy_.names[0])


def test_cone_search_agrees_with_brute_force(embedded: Catalog) -> None:
    everything = [n.galaxy for n in embedded.near(0.0, 0.0, 10_800, 20_000)]  # the whole sky
    assert len(everything) == len(embedded)
    rng = random.Random(3)
    for _ in range(40):
        centre = rng.choice(everything)
        ra, dec = (
            centre.ra + rng.uniform(-0.5, 0.5),
            max(-90.0, min(90.0, centre.dec + rng.uniform(-0.5, 0.5))),
        )
        radius = rng.choice([1.0, 10.0, 60.0, 240.0])
        expected = {
            g.pgc: separation
            for g in everything
            if (separation := haversine_arcmin(ra, dec, g.ra, g.dec)) <= radius - 1e-6
        }
        found = {
            n.galaxy.pgc: n.separation_arcmin for n in embedded.near(ra % 360, dec, radius, 10_000)
        }
        assert set(expected) <= set(found)
        for pgc, separation in found.items():
            assert separation == pytest.approx(
                haversine_arcmin(ra, dec, *position(embedded, pgc)), abs=1e-6
            )


def position(catalog: Catalog, pgc: int) -> tuple[float, float]:
    galaxy_ = catalog.by_pgc(pgc)
    assert galaxy_ is not None
    return galaxy_.ra, galaxy_.dec


def haversine_arcmin(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    p1, p2 = math.radians(dec1), math.radians(dec2)
    dp, dl = p2 - p1, math.radians(ra2 - ra1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h)))) * 60


def test_a_user_table_name_wins_over_openngc(openngc_load: openngc.OpenNGCLoad) -> None:
    table = user_table.parse("pgc,objname,ra,dec\n3000003,NGC 221,10.67,40.87\n", Path("t.csv"))
    catalog = index.build(openngc_load, table)
    found = catalog.by_name("NGC 221")
    assert found is not None and found.pgc == 3_000_003
    m32 = catalog.by_name("M32")  # its other names still lead to OpenNGC's record
    assert m32 is not None and m32.pgc == 2555
    assert catalog.by_name("PGC 2555") == m32
