"""Cache keys: spellings of one question share a key; options and model sets do not."""

from gateway.keys import coord_query, name_query, pgc_query, result_key, upload_query
from gateway.schemas import Options

RGB4 = Options(mode="rgb", copies="rot4")


def test_name_spellings_share_a_key() -> None:
    keys = {result_key(name_query(n), RGB4, "v1") for n in ("NGC 4565", "ngc4565", " NGC  4565 ")}
    assert len(keys) == 1
    assert result_key(name_query("NGC 4566"), RGB4, "v1") not in keys


def test_coordinates_are_rounded_and_wrapped() -> None:
    a = coord_query(10.684700001, 41.269, radius=5.0, fov=None)
    b = coord_query(370.6847, 41.26900000004, radius=5.0, fov=None)
    assert result_key(a, RGB4, "v1") == result_key(b, RGB4, "v1")
    assert coord_query(0.0, -0.0, 5.0, None)["dec"] == 0.0
    near = coord_query(10.6847, 41.269, radius=5.0, fov=None)
    field = coord_query(10.6847, 41.269, radius=None, fov=5.0)
    assert result_key(near, RGB4, "v1") != result_key(field, RGB4, "v1")


def test_options_and_model_set_version_change_the_key() -> None:
    query = pgc_query(2557)
    base = result_key(query, RGB4, "v1")
    assert result_key(query, RGB4, "v2") != base
    assert result_key(query, Options(mode="gray", copies="rot4"), "v1") != base
    assert result_key(query, Options(mode="rgb", copies="d4"), "v1") != base
    assert result_key(pgc_query(2557), RGB4, "v1") == base


def test_upload_key_is_the_content_hash() -> None:
    digest = "AB" * 32
    assert upload_query(digest, "auto") == {"sha256": "ab" * 32, "frame": "auto"}
    upload = result_key(upload_query(digest, "auto"), RGB4, "v1")
    assert upload != result_key(pgc_query(1), RGB4, "v1")
    assert upload != result_key(upload_query(digest, "as-is"), RGB4, "v1")
