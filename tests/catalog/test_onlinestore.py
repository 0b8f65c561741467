import time
from pathlib import Path

from catalog.onlinestore import OnlineStore, separation_arcmin
from tests.catalog.factories import galaxy


def test_galaxies_names_and_cones_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "online.sqlite"
    store = OnlineStore(path, negative_ttl_s=60)
    first = galaxy(4000001, "TESTGAL-N1", 150.2, 2.2, source="hyperleda")
    second = galaxy(4000009, "TESTGAL-N9", 150.21, 2.2, source="hyperleda")
    store.put([first, second], name="My Galaxy", cone=(150.2, 2.2, 1.0))
    store.close()
    again = OnlineStore(path, negative_ttl_s=60)
    assert again.by_pgc(4000001) == first
    assert again.by_name("my  galaxy") == first
    assert again.by_name("testgal-n9") == second
    assert again.cone_asked(150.2, 2.2, 1.0) and not again.cone_asked(150.2, 2.2, 2.0)
    near = again.near(150.2, 2.2, 1.0, 10)
    assert [n.galaxy.pgc for n in near] == [4000001, 4000009]
    assert near[1].separation_arcmin == separation_arcmin(150.2, 2.2, 150.21, 2.2)
    assert again.count() == 2


def test_absent_answers_expire(tmp_path: Path) -> None:
    store = OnlineStore(tmp_path / "online.sqlite", negative_ttl_s=0.2)
    store.put_absent(12)
    assert store.is_absent(12)
    time.sleep(0.25)
    assert not store.is_absent(12)


def test_separation_of_a_known_pair() -> None:
    assert abs(separation_arcmin(10.0, 0.0, 10.0, 1.0) - 60.0) < 1e-9
    assert abs(separation_arcmin(359.9, 0.0, 0.1, 0.0) - 12.0) < 1e-9
