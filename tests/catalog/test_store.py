import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from catalog.store import CutoutStore, cutout_key


def test_key_is_the_sha256_of_the_url() -> None:
    url = "https://sky.example/dr19/SkyServerWS/ImgCutout/getjpeg?ra=1.000000"
    assert cutout_key(url) == hashlib.sha256(url.encode()).hexdigest()


def test_write_then_read(tmp_path: Path) -> None:
    store = CutoutStore(tmp_path / "cutouts")
    key = cutout_key("a")
    assert store.read(key) is None
    store.write(key, b"\xff\xd8\xffdata")
    assert store.read(key) == b"\xff\xd8\xffdata"
    assert (tmp_path / "cutouts" / key[:2] / f"{key}.jpg").is_file()
    assert store.count() == 1


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    store = CutoutStore(tmp_path)
    keys = [cutout_key(str(i)) for i in range(20)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda k: store.write(k, k.encode() * 100), keys * 3))
    assert all(store.read(k) == k.encode() * 100 for k in keys)
    assert list(tmp_path.rglob(".tmp-*")) == []


def test_outside_marker(tmp_path: Path) -> None:
    store = CutoutStore(tmp_path)
    key = cutout_key("b")
    assert not store.is_outside(key)
    store.mark_outside(key)
    assert store.is_outside(key)
    assert store.read(key) is None


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab", "g" * 64, cutout_key("x").upper()])
def test_only_hex_digests_are_keys(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        CutoutStore(tmp_path).read(key)
