"""The ensemble: alarm when the flavors disagree, the threshold, clipping, quorum, gray input."""

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from inference.manifest import Manifest
from tests.inference.conftest import app_client, post_npy, rot4, settings_for, with_output
from tests.inference.expected import flavor_degrees


async def test_an_alarm_is_raised_logged_and_counted_when_flavors_disagree(
    derive: Callable[..., Path], data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    # tiny-off is tiny-a read 40 degrees lower: it disagrees wherever tiny-a says more than 10.
    repo = derive(
        tiny_a=("tiny-a", None),
        tiny_b=("tiny-b", None),
        tiny_off=("tiny-a", with_output(offset_deg=5.0)),
    )
    expected = flavor_degrees(repo, galaxies, copies=1)
    async with app_client(settings_for(repo, data_dir)) as client:
        before = await metric(client, "incline_inference_alarms_total")
        response = await post_npy(client, galaxies)
        after = await metric(client, "incline_inference_alarms_total")

    assert response.status_code == 200
    body = response.json()
    raised = []
    for index, galaxy in enumerate(body["galaxies"]):
        values = [expected[name][index][0] for name in ("tiny-a", "tiny-b", "tiny-off")]
        spread = max(values) - min(values)
        assert galaxy["alarm"]["threshold_deg"] == 10.0
        assert galaxy["alarm"]["spread_deg"] == pytest.approx(spread, abs=1e-3)
        assert galaxy["alarm"]["raised"] is (spread > 10.0)
        if galaxy["alarm"]["raised"]:
            raised.append(index)
    assert raised, "the offset flavor should disagree on some galaxy"

    lines = [json.loads(line) for line in (data_dir / "alarms.jsonl").read_text().splitlines()]
    assert [line["galaxy_index"] for line in lines] == raised
    assert all(line["model_set_version"] == body["model_set_version"] for line in lines)
    assert all(line["request_id"] == response.headers["x-request-id"] for line in lines)
    assert set(lines[0]["flavors"]) == {"tiny-a", "tiny-b", "tiny-off"}
    assert after - before == len(raised)


async def metric(client, name: str) -> float:  # type: ignore[no-untyped-def]
    text = (await client.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def threshold(value: float) -> Callable[[Manifest], Manifest]:
    return lambda m: m.model_copy(update={"alarm_threshold_deg": value})


async def test_the_threshold_is_the_median_of_the_manifests_unless_overridden(
    derive: Callable[..., Path], data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    repo = derive(
        tiny_a=("tiny-a", threshold(4.0)),
        tiny_b=("tiny-b", threshold(7.0)),
        tiny_c=("tiny-c", threshold(30.0)),
    )
    async with app_client(settings_for(repo, data_dir)) as client:
        by_manifest = (await post_npy(client, galaxies[:2])).json()
    async with app_client(settings_for(repo, data_dir, alarm_threshold_deg=1000.0)) as client:
        overridden = (await post_npy(client, galaxies[:2])).json()

    assert {g["alarm"]["threshold_deg"] for g in by_manifest["galaxies"]} == {7.0}
    for galaxy in overridden["galaxies"]:
        assert galaxy["alarm"] == {**galaxy["alarm"], "threshold_deg": 1000.0, "raised": False}
    assert not (data_dir / "alarms.jsonl").exists() or all(
        json.loads(line)["threshold_deg"] == 7.0
        for line in (data_dir / "alarms.jsonl").read_text().splitlines()
    )


async def test_values_outside_the_physical_range_are_clipped_and_say_so(
    derive: Callable[..., Path], data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    # Read with an offset of 80 degrees, most values land above 90 and are clipped there.
    repo = derive(tiny_a=("tiny-a", None), tiny_high=("tiny-a", with_output(offset_deg=125.0)))
    async with app_client(settings_for(repo, data_dir)) as client:
        body = (await post_npy(client, rot4(galaxies), copies_per_galaxy=4)).json()

    expected = flavor_degrees(repo, rot4(galaxies), copies=4)
    assert any(clipped for _, clipped in expected["tiny-high"])
    for index, galaxy in enumerate(body["galaxies"]):
        high = next(f for f in galaxy["flavors"] if f["name"] == "tiny-high")
        value, clipped = expected["tiny-high"][index]
        assert high["clipped"] is clipped
        assert high["inclination_deg"] == pytest.approx(value, abs=1e-3)
        assert 0.0 <= high["inclination_deg"] <= 90.0
        assert galaxy["inclination"]["max"] <= 90.0


async def test_gray_input_reaches_a_flavor_that_accepts_gray(
    derive: Callable[..., Path], data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    """An rgb-native flavor that lists gray gets the gray channel repeated three times."""

    def accepts_gray(m: Manifest) -> Manifest:
        return m.model_copy(update={"color_modes": ["rgb", "gray"]})

    repo = derive(tiny_a=("tiny-a", accepts_gray), tiny_b=("tiny-b", None))
    gray = galaxies[:2].mean(axis=3, keepdims=True).astype(np.float32)
    expected = flavor_degrees(repo, np.repeat(gray, 3, axis=3), copies=1)
    async with app_client(settings_for(repo, data_dir)) as client:
        response = await post_npy(client, gray, mode="gray")
    assert response.status_code == 200
    body = response.json()
    for index, galaxy in enumerate(body["galaxies"]):
        assert [f["name"] for f in galaxy["flavors"]] == ["tiny-a"]
        assert galaxy["flavors"][0]["inclination_deg"] == pytest.approx(
            expected["tiny-a"][index][0], abs=1e-3
        )
        assert galaxy["inclination"]["stdev"] == 0.0
