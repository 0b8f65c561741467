from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from training.dataset import DatasetSpec, generate, load
from training.synthetic import (
    PEDESTAL_KINDS,
    RENDERINGS,
    Footprint,
    _clumps,
    label_from_geometry,
    render,
    render_galaxy,
    sky_pedestal,
)


def test_render_is_deterministic_by_seed() -> None:
    first, galaxy = render(3, 5)
    again, galaxy_again = render(3, 5)
    other, _ = render(4, 5)
    assert first.dtype == np.uint8
    assert first.shape == (128, 128, 3)
    np.testing.assert_array_equal(first, again)
    assert galaxy == galaxy_again
    assert not np.array_equal(first, other)


def test_labels_cover_the_range_and_images_vary() -> None:
    galaxies = [render_galaxy(11, i)[1] for i in range(40)]
    inclinations = np.array([g.inclination for g in galaxies])
    assert np.all((inclinations >= 0.0) & (inclinations <= 90.0))
    assert inclinations.min() < 20.0 and inclinations.max() > 70.0
    assert any(g.gray for g in galaxies) and not all(g.gray for g in galaxies)
    assert any(g.jpeg_quality for g in galaxies)
    assert {g.rendering for g in galaxies} == set(RENDERINGS)
    assert all(g.gray for g in galaxies if g.rendering == "zoo")
    assert any(g.inverted for g in galaxies if g.rendering == "zoo")
    assert any(g.bar for g in galaxies) and any(g.flocculent for g in galaxies)
    assert max(g.bulge_fraction for g in galaxies) > 0.5


def test_the_label_follows_the_axial_ratio_convention() -> None:
    # q0 = 0.2 thickness: the convention is the geometric inclination itself.
    for inclination in (0.0, 30.0, 60.0, 89.0):
        assert label_from_geometry(inclination, 0.2) == pytest.approx(inclination, abs=1e-6)
    # A thinner disk looks flatter than the convention expects: it reads more inclined, and a
    # thin disk near edge-on reads 90°; a thicker one reads less inclined.
    assert label_from_geometry(70.0, 0.1) > 70.0
    assert label_from_geometry(85.0, 0.1) == 90.0
    assert label_from_geometry(70.0, 0.28) < 70.0
    galaxies = [render_galaxy(12, i)[1] for i in range(6)]
    for galaxy in galaxies:
        assert galaxy.label == label_from_geometry(galaxy.inclination, galaxy.h_over_r)
    hard = [render_galaxy(11, i, hard=True)[1] for i in range(10)]
    assert np.mean([g.bulge_fraction for g in hard]) > np.mean([g.bulge_fraction for g in galaxies])


def test_early_type_sets_are_bulge_dominated_at_the_standard_s_n() -> None:
    early = [render_galaxy(13, i, early_type=True)[1] for i in range(12)]
    assert all(0.3 <= g.bulge_fraction <= 0.7 for g in early)
    assert not any(g.hard for g in early)
    # the standard S/N range (the hard set's edge S/N is below 1 per pixel, log10 < 0)
    assert max(g.snr_log10 for g in early) > 0.0
    standard = [render_galaxy(13, i)[1] for i in range(12)]
    assert sum(g.bulge_fraction >= 0.3 for g in standard) < len(standard)


def test_bulge_edge_ons_are_early_types_moved_to_70_90_degrees_with_bigger_bulges() -> None:
    for index in range(10):
        early = render_galaxy(14, index, early_type=True)[1]
        edge_on = render_galaxy(14, index, bulge_edge_on=True)[1]
        # The same draws, mapped onto the kind's ranges: the rest of the galaxy is the same.
        assert edge_on.inclination == pytest.approx(70.0 + early.inclination * 20.0 / 90.0)
        assert edge_on.bulge_fraction == pytest.approx(early.bulge_fraction + 0.15)
        assert 0.45 <= edge_on.bulge_fraction <= 0.85
        assert (edge_on.rendering, edge_on.side, edge_on.h_over_r) == (
            early.rendering, early.side, early.h_over_r)
        assert edge_on.dust == 0.0 or edge_on.dust >= 1.0
        assert edge_on.label >= early.label
    lanes = [render_galaxy(14, index, bulge_edge_on=True)[1].dust for index in range(10)]
    assert sum(dust > 0.0 for dust in lanes) >= 6


def test_clumpy_galaxies_are_late_types_with_hundreds_of_clumps() -> None:
    for index in range(10):
        standard = render_galaxy(16, index)[1]
        clumpy = render_galaxy(16, index, clumpy=True)[1]
        # drawn before anything clumpy: the geometry is the standard galaxy's
        assert (clumpy.inclination, clumpy.label, clumpy.rendering, clumpy.side) == (
            standard.inclination, standard.label, standard.rendering, standard.side)
        assert clumpy.bulge_fraction < 0.08 and clumpy.bar == 0.0
        assert 150 <= clumpy.knots <= 600
    first, galaxy = render(16, 3, clumpy=True)
    again, galaxy_again = render(16, 3, clumpy=True)
    np.testing.assert_array_equal(first, again)
    assert galaxy == galaxy_again
    assert not np.array_equal(first, render(16, 3)[0])


@pytest.mark.parametrize("inclination", [0.0, 45.0, 80.0, 90.0])
def test_the_clumps_lie_in_the_disk_and_flatten_with_it(inclination: float) -> None:
    """Clumps are projected with the disk: summed over galaxies, the second moments of their
    light along the minor and major axes (major axis along x here) have about the ratio
    cos^2 i, down to the small height above the plane edge-on."""
    rows, cols = np.mgrid[0:256, 0:256] - 127.5
    minor = major = 0.0
    for seed in range(100):
        count, image = _clumps(np.random.default_rng(seed), 256, np.zeros(2), 0.0, 12.0,
                               inclination, 0.15)
        assert 150 <= count <= 600
        assert image.sum() == pytest.approx(1.0)
        minor += float((image * rows**2).sum())
        major += float((image * cols**2).sum())
    expected = np.cos(np.radians(inclination)) ** 2
    assert minor / major == pytest.approx(expected, abs=0.06 if inclination < 50 else 0.02)
    if inclination == 90.0:
        assert 0.0 < minor / major < 0.03


def test_a_clumpy_set_says_so_and_is_no_other_kind() -> None:
    assert "clumpy" in DatasetSpec(count=4, seed=1, clumpy=True).kind
    assert "clumpy" not in DatasetSpec(count=4, seed=1).kind
    for other in ({"hard": True}, {"early_types": True}, {"bulge_edge_ons": True}):
        with pytest.raises(ValueError, match="clumpy"):
            DatasetSpec(count=4, seed=1, clumpy=True, **other)


def test_pedestals_add_sky_round_the_galaxy_and_change_nothing_else() -> None:
    kinds = []
    for index in range(24):
        plain, galaxy = render(15, index)
        with_sky, galaxy_sky = render(15, index, pedestals=True)
        # drawn from a stream of their own: the galaxy and everything else are as without
        assert galaxy_sky == replace(galaxy, pedestal=galaxy_sky.pedestal)
        assert galaxy.pedestal == ""
        kinds.append(galaxy_sky.pedestal)
        if not galaxy_sky.pedestal:
            np.testing.assert_array_equal(plain, with_sky)
    assert set(kinds) - {""} and "" in kinds
    assert set(kinds) <= {"", *PEDESTAL_KINDS}


def test_a_pedestal_chance_overrides_the_renderings_own() -> None:
    every = [render_galaxy(16, index, pedestals=True, pedestal_chance=1.0)[1]
             for index in range(12)]
    assert all(g.pedestal in PEDESTAL_KINDS for g in every)
    assert {g.rendering for g in every} - {"photo", "dss"}  # survey renderings too
    never = [render_galaxy(16, index, pedestals=True, pedestal_chance=0.0)[1]
             for index in range(12)]
    assert not any(g.pedestal for g in never)
    spec = DatasetSpec(count=4, seed=16, pedestals=True, pedestal_chance=1.0)
    assert spec.kind == "with sky pedestals on 100%"


@pytest.mark.parametrize("kind", PEDESTAL_KINDS)
def test_a_sky_pedestal_is_a_faint_glow_about_the_galaxy(kind: str) -> None:
    black = np.zeros((96, 128, 3), np.uint8)
    footprint = Footprint(x=80.0, y=40.0, position_angle=0.3, diameter=30.0)
    for seed in range(40):
        rng = np.random.default_rng(seed)
        glowing, drawn = sky_pedestal(black, footprint, rng)
        if drawn == kind:
            break
    else:
        pytest.fail(f"no {kind} pedestal in 40 draws")
    light = glowing.mean(axis=2)
    assert light.max() <= 0.1 * 255  # faint: at most 5% of full scale, with grain
    assert light.shape == black.shape[:2]
    rows, cols = np.mgrid[0:96, 0:128]
    weight = light / light.sum()
    # centred on the galaxy, a little larger than it (a ring too: 1-1.8 radii)
    assert abs(float((weight * cols).sum()) - 80.0) < 4.0
    assert abs(float((weight * rows).sum()) - 40.0) < 4.0
    distance = np.hypot(cols - 80.0, rows - 40.0)
    assert weight[distance <= 1.2 * footprint.diameter].sum() > 0.95
    if kind == "ring":
        assert light[40, 80] < light.max() / 4  # hollow
    else:
        assert light[40, 80] > light.max() / 4  # the galaxy sits inside the glow


def test_shards_do_not_depend_on_the_number_of_processes(tmp_path: Path) -> None:
    spec = DatasetSpec(count=6, seed=21, shard_size=4)
    one = load(generate(tmp_path / "one", spec, processes=1, progress=False))
    two = load(generate(tmp_path / "two", spec, processes=2, progress=False))
    assert one["images"].shape == (6, 128, 128, 3)
    np.testing.assert_array_equal(one["images"], two["images"])
    np.testing.assert_array_equal(one["labels"], two["labels"])
    # Resumable: a finished data set is not rendered again.
    stamp = (tmp_path / "one" / "shard-00000.npz").stat().st_mtime_ns
    generate(tmp_path / "one", spec, processes=1, progress=False)
    assert (tmp_path / "one" / "shard-00000.npz").stat().st_mtime_ns == stamp


def test_the_pedestal_is_placed_on_the_galaxy_the_renderer_drew(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The footprint handed to the pedestal is the thin disk's centre and major axis, in the
    band images' own pixels (before any flip, rotation or crop)."""
    import training.synthetic as synthetic

    drawn: list[np.ndarray] = []
    footprints: list[Footprint] = []
    real_draw, real_pedestal = synthetic._draw, synthetic.sky_pedestal

    def draw(*args: Any, **kwargs: Any) -> np.ndarray:
        drawn.append(real_draw(*args, **kwargs))
        return drawn[-1]

    def pedestal(pixels: np.ndarray, footprint: Footprint, rng: np.random.Generator
                 ) -> tuple[np.ndarray, str]:
        footprints.append(footprint)
        return real_pedestal(pixels, footprint, rng)

    monkeypatch.setattr(synthetic, "_draw", draw)
    monkeypatch.setattr(synthetic, "sky_pedestal", pedestal)
    checked = 0
    for index in range(30):
        drawn.clear()
        footprints.clear()
        galaxy = render_galaxy(5, index, pedestals=True, pedestal_chance=1.0)[1]
        if galaxy.inclination < 50:
            continue
        thin = drawn[1]  # the PSF kernel first, then the thin disk
        rows, cols = np.mgrid[0:thin.shape[0], 0:thin.shape[1]]
        weight = thin / thin.sum()
        x, y = float((weight * cols).sum()), float((weight * rows).sum())
        (footprint,) = footprints
        assert abs(footprint.x - x) < 1.0 and abs(footprint.y - y) < 1.0
        cxx = float((weight * (cols - x) ** 2).sum())
        cyy = float((weight * (rows - y) ** 2).sum())
        cxy = float((weight * (cols - x) * (rows - y)).sum())
        major = 0.5 * np.arctan2(2 * cxy, cxx - cyy)
        difference = (footprint.position_angle - major + np.pi / 2) % np.pi - np.pi / 2
        assert abs(difference) < 0.1
        checked += 1
    assert checked >= 5


def test_sets_are_joined_over_the_arrays_both_have_and_pedestal_chance_needs_pedestals() -> None:
    from training.dataset import join

    old = {"images": np.zeros((2, 4), np.uint8), "labels": np.array([1.0, 2.0])}
    new = {**old, "pedestal": np.array(["", "ring"])}
    joined = join(new, old)
    assert set(joined) == {"images", "labels"} and len(joined["labels"]) == 4
    with pytest.raises(ValueError, match="pedestals=True"):
        DatasetSpec(count=4, seed=1, pedestal_chance=0.5)
