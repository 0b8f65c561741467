"""The embedded backend on tiny real SavedModels, through the app."""

from collections.abc import Callable
from pathlib import Path
from statistics import median

import numpy as np
import numpy.typing as npt
import pytest

from tests.inference.conftest import (
    app_client,
    post_npy,
    rot4,
    settings_for,
    with_input_key,
)
from tests.inference.expected import flavor_degrees


async def test_each_flavor_is_its_signature_pooled_over_the_copies(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    images = rot4(galaxies)
    expected = flavor_degrees(tiny_repo, images, copies=4)

    async with app_client(settings_for(tiny_repo, data_dir)) as client:
        response = await post_npy(client, images, copies_per_galaxy=4, mode="rgb")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["backend"] == "embedded"
    assert body["failed_flavors"] == []
    assert len(body["galaxies"]) == len(galaxies)
    for index, galaxy in enumerate(body["galaxies"]):
        got = {f["name"]: f["inclination_deg"] for f in galaxy["flavors"]}
        assert set(got) == set(expected)
        for name, value in got.items():
            assert value == pytest.approx(expected[name][index][0], abs=1e-3)
        values = list(got.values())
        assert galaxy["inclination"]["median"] == pytest.approx(median(values), abs=1e-3)
        assert galaxy["inclination"]["min"] == min(values)
        assert galaxy["inclination"]["max"] == max(values)
        assert galaxy["alarm"]["spread_deg"] == pytest.approx(max(values) - min(values), abs=1e-3)


async def test_copies_are_pooled_per_galaxy_not_across_galaxies(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    """The same images as N galaxies of one copy each give N answers."""
    async with app_client(settings_for(tiny_repo, data_dir)) as client:
        single = await post_npy(client, galaxies)
        one_by_one = [await post_npy(client, galaxies[i : i + 1]) for i in range(2)]

    assert single.status_code == 200
    batch = single.json()["galaxies"]
    assert len(batch) == len(galaxies)
    for index, response in enumerate(one_by_one):
        alone = response.json()["galaxies"][0]
        for a, b in zip(alone["flavors"], batch[index]["flavors"], strict=True):
            assert a["inclination_deg"] == pytest.approx(b["inclination_deg"], abs=1e-3)


async def test_a_flavor_whose_signature_does_not_match_is_unavailable(
    derive: Callable[..., Path], data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    repo = derive(
        tiny_a=("tiny-a", None),
        tiny_b=("tiny-b", None),
        tiny_x=("tiny-c", with_input_key("pixels")),
    )
    async with app_client(settings_for(repo, data_dir)) as client:
        models = (await client.get("/models")).json()
        ready = await client.get("/readyz")
        response = await post_npy(client, galaxies[:2])

    status = {f["name"]: (f["status"], f["reason"]) for f in models["flavors"]}
    assert status["tiny-a"] == ("available", None)
    assert status["tiny-x"][0] == "unavailable"
    assert "'pixels'" in status["tiny-x"][1]
    assert ready.status_code == 200
    assert ready.json()["checks"]["models"]["status"] == "degraded"
    assert "tiny-x" in ready.json()["checks"]["models"]["detail"]
    assert response.status_code == 200
    body = response.json()
    assert [f["name"] for f in body["failed_flavors"]] == ["tiny-x"]
    assert "signature" in body["failed_flavors"][0]["reason"]
    assert {f["name"] for f in body["galaxies"][0]["flavors"]} == {"tiny-a", "tiny-b"}


async def test_a_corrupt_saved_model_is_unavailable_and_the_quorum_can_fail(
    derive: Callable[..., Path], data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    repo = derive(tiny_a=("tiny-a", None), tiny_b=("tiny-b", None), tiny_c=("tiny-c", None))
    (repo / "tiny-b" / "1" / "saved_model.pb").write_bytes(b"not a saved model")
    settings = settings_for(repo, data_dir, quorum=3)
    async with app_client(settings) as client:
        ready = await client.get("/readyz")
        response = await post_npy(client, galaxies[:1])

    assert ready.status_code == 503
    assert "tiny-b" in ready.json()["checks"]["models"]["detail"]
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert "2 of 3" in problem["detail"]
    assert [f["name"] for f in problem["failed_flavors"]] == ["tiny-b"]
    assert "cannot load" in problem["failed_flavors"][0]["reason"]
