"""The rejection classifier's data and arithmetic: the negatives generator, the likelihood, the
threshold rule, the confusion counts, the real-negative list, and the residual classifier's
backbone transfer."""

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from training.architectures import BACKBONE_LAYERS, build
from training.classifier import (
    binary_metrics,
    build_res_classifier,
    choose_threshold,
    class_confusion,
    compare_on_synthetic,
    confusion,
    likelihood,
    load_exported_weights,
    rejected_at_acceptance,
)
from training.classifier_data import ClassifierSetSpec, hard_examples
from training.negatives import (
    CLASSES,
    NEGATIVES,
    RENDERERS,
    _arc_filament,
    _bipolar_outflow,
    _bright_nebula,
    _dark_cloud_field,
    _planetary,
    _planetary_shapes,
    _rng,
    _round_emission,
    close_framing,
    draw_class,
    draw_rendering,
    dwarf_spheroidal,
    globular,
    is_bulge_edge_on,
    is_hard,
    render_example,
    render_negative,
    resolved_dwarf,
    spheroid,
)
from training.realneg import (
    axial_ratio_inclination,
    catalogue_name,
    entries,
    wide_entries,
    wide_kind,
)
from training.synthetic import RENDERING_WEIGHTS, RENDERINGS


@pytest.mark.parametrize("kind", sorted(RENDERERS))
def test_every_negative_kind_renders_deterministically(kind: str) -> None:
    first = np.asarray(render_negative(kind, 3, 7).convert("RGB"))
    again = np.asarray(render_negative(kind, 3, 7).convert("RGB"))
    assert first.ndim == 3 and first.shape[2] == 3
    assert min(first.shape[:2]) >= 56  # 80 pixels or more, cropped to 70% at most
    np.testing.assert_array_equal(first, again)
    assert first.std() > 0  # not a constant picture


def test_resolved_dwarfs_are_wide_clouds_of_stars() -> None:
    """The dwarf irregulars that photographs resolve (NGC 6822, IC 1613): thousands of point
    sources spread over a wide body."""
    yy, xx = np.mgrid[0:160, 0:160]
    for index in range(6):
        bands, _ = resolved_dwarf(_rng(11, index), 160)
        green = bands[1]
        peaks = green > np.maximum.reduce([np.roll(green, s, a) for s in (-1, 1)
                                           for a in (0, 1)])
        assert peaks.sum() > 500  # resolved: many local maxima
        cx, cy = (green * xx).sum() / green.sum(), (green * yy).sum() / green.sum()
        spread = np.sqrt((green * ((xx - cx) ** 2 + (yy - cy) ** 2)).sum() / green.sum())
        assert spread > 0.1 * 160  # a cloud, not a compact galaxy


def test_bright_nebulae_have_a_compact_core_and_uneven_wings() -> None:
    """H II regions as photographs frame them (M42, M8, M17): most of the peak light in a small
    core, wings reaching far out and unequal on opposite sides."""
    yy, xx = np.mgrid[0:160, 0:160] - 79.5
    radius = np.hypot(xx, yy)
    lopsided = 0
    for index in range(8):
        light = _bright_nebula(_rng(13, index), 160, [(1.0, 0.3, 0.4), (0.3, 0.9, 1.0)])
        green = light.sum(axis=0)
        row, col = np.unravel_index(np.argmax(green), green.shape)
        assert np.hypot(row - 79.5, col - 79.5) < 0.35 * 160  # the core near the centre
        assert green[radius > 0.2 * 160].sum() > 0.1 * green.sum()  # wide wings
        halves = [green[(xx * np.cos(a) + yy * np.sin(a) > 10)].sum()
                  for a in np.linspace(0, 2 * np.pi, 8, endpoint=False)]
        lopsided += max(halves) > 1.5 * min(halves)
    assert lopsided >= 4


def test_stratified_planetary_nebulae_are_red_outside_and_teal_inside() -> None:
    """About half of the planetary nebulae show the ionisation stratification of narrow-band
    photographs (M57, NGC 6720): red low-ionisation rim outside, [O III] teal inside."""
    yy, xx = np.mgrid[0:160, 0:160] - 79.5
    stratified = 0
    for index in range(20):
        light = _planetary(_rng(17, index), 160, [(1.0, 1.0, 1.0), (1.0, 1.0, 1.0)])
        red, blue = light[0], light[2]
        total = red + blue
        cx, cy = (total * xx).sum() / total.sum(), (total * yy).sum() / total.sum()
        radius = np.hypot(xx - cx, yy - cy)
        red_radius = (red * radius).sum() / red.sum()
        blue_radius = (blue * radius).sum() / blue.sum()
        if red_radius > 1.08 * blue_radius:
            stratified += 1
        else:  # the others keep the colours they were given (here neutral)
            assert abs(red_radius / blue_radius - 1.0) < 0.02
    assert 5 <= stratified <= 15


def test_planetary_nebulae_take_four_shapes() -> None:
    """v5: rings, bipolar lobes (long and pinched), an [O III] shell in a halo (green centre),
    nested shells; every one with its central star at the brightest-compact spot."""
    elongations, green_centres = [], 0
    for index in range(40):
        light = _planetary_shapes(_rng(23, index), 160, [(1.0, 0.3, 0.4), (0.3, 0.9, 1.0)])
        total = light.sum(axis=0)
        yy, xx = np.mgrid[0:160, 0:160]
        w = total / total.sum()
        cx, cy = (w * xx).sum(), (w * yy).sum()
        cov = np.cov(np.stack([xx.ravel() - cx, yy.ravel() - cy]), aweights=w.ravel())
        low, high = np.linalg.eigvalsh(cov)
        elongations.append(np.sqrt(high / low))
        centre = light[:, int(cy) - 3:int(cy) + 4, int(cx) - 3:int(cx) + 4].sum(axis=(1, 2))
        green_centres += centre[1] > 1.3 * centre[0]
    assert max(elongations) > 2.0  # bipolar lobes
    assert min(elongations) < 1.3  # round shells and halos
    assert green_centres >= 5  # [O III] inside


def _moments(light: np.ndarray) -> tuple[float, float, float, np.ndarray]:
    """Centroid, elongation (major/minor axis) and major-axis direction of ``light``."""
    yy, xx = np.mgrid[0:light.shape[0], 0:light.shape[1]]
    w = light / light.sum()
    cx, cy = (w * xx).sum(), (w * yy).sum()
    cov = np.cov(np.stack([xx.ravel() - cx, yy.ravel() - cy]), aweights=w.ravel())
    values, vectors = np.linalg.eigh(cov)
    return cx, cy, float(np.sqrt(values[1] / values[0])), vectors[:, 1]


def test_bipolar_outflows_are_long_and_pinched_by_a_dark_waist() -> None:
    """v7 (Sh2-106, the Red Rectangle): elongated, and along the long axis through the central
    star the light dips at the waist between the lobes (a median across the axis leaves the
    star's spikes out)."""
    pinched = 0
    for index in range(12):
        light = _bipolar_outflow(_rng(31, index), 160).sum(axis=0)
        star_y, star_x = np.unravel_index(np.argmax(light), light.shape)
        _, _, elongation, axis = _moments(light)
        assert elongation > 1.3
        across = np.array([-axis[1], axis[0]])
        profile = []
        for t in range(-70, 71):
            samples = [np.array([star_x, star_y]) + t * axis + d * across for d in range(-3, 4)]
            profile.append(np.median([light[round(y), round(x)]
                                      if 0 <= x < 159.5 and 0 <= y < 159.5 else 0.0
                                      for x, y in samples]))
        waist = min(profile[68:73])
        lobes = min(max(profile[:66]), max(profile[75:]))
        pinched += waist < 0.6 * lobes
    assert pinched >= 10


def test_dark_cloud_fields_are_rich_star_fields_with_nothing_in_the_middle() -> None:
    """v7 (rho Ophiuchi, LBN 782, Barnard 22): thousands of stars over the whole frame, the
    light not gathered at the centre as a galaxy's is."""
    yy, xx = np.mgrid[0:160, 0:160] - 79.5
    centre = np.hypot(xx, yy) < 0.2 * 160
    for index in range(6):
        green = _dark_cloud_field(_rng(37, index), 160)[1]
        peaks = green > np.maximum.reduce([np.roll(green, s, a) for s in (-1, 1)
                                           for a in (0, 1)])
        assert peaks.sum() > 300
        assert green[centre].sum() < 0.5 * green.sum()


def test_round_emission_regions_are_red_and_wide() -> None:
    """v7 (Sh2-170, the Rosette): H-alpha red or pink, spread over much of the frame."""
    for index in range(8):
        light = _round_emission(_rng(41, index), 160)
        assert light[0].sum() > 1.5 * light[1].sum()
        yy, xx = np.mgrid[0:160, 0:160]
        total = light.sum(axis=0)
        cx, cy = (total * xx).sum() / total.sum(), (total * yy).sum() / total.sum()
        spread = np.sqrt((total * ((xx - cx) ** 2 + (yy - cy) ** 2)).sum() / total.sum())
        assert spread > 0.07 * 160


def test_arcs_are_thin_crescents() -> None:
    """v7 (Sh2-188): part of a thin ring, so most of the light lies in a small part of the
    frame and, unless the arc is short, the light's own centroid falls in the dark inside of
    the curve."""
    from scipy.ndimage import gaussian_filter

    curved = 0
    for index in range(8):
        total = gaussian_filter(_arc_filament(_rng(43, index), 160).sum(axis=0), 2.0)
        ordered = np.sort(total.ravel())[::-1]
        assert np.searchsorted(np.cumsum(ordered), 0.8 * ordered.sum()) < 0.15 * total.size
        cx, cy, _, _ = _moments(total)
        curved += total[round(cy), round(cx)] < 0.25 * total.max()
    assert curved >= 5


def test_dwarf_spheroidals_are_swarms_of_old_stars() -> None:
    """v7 (Leo I, Draco): thousands of resolved stars, none bluer than white, over a wide
    body; no pink H II knots."""
    for index in range(6):
        bands, _ = dwarf_spheroidal(_rng(47, index), 160)
        green = bands[1]
        peaks = green > np.maximum.reduce([np.roll(green, s, a) for s in (-1, 1)
                                           for a in (0, 1)])
        assert peaks.sum() > 500
        assert bands[0].sum() >= bands[2].sum()
        _, _, elongation, _ = _moments(green)
        assert elongation < 2.5


def test_spheroids_range_from_bulge_red_to_neutral() -> None:
    """Colour alone must not tell a spheroid from a disk: some spheroids are as red as the
    disks' bulges, some nearly as neutral as white-balanced photographs show ellipticals."""
    ratios = []
    for index in range(80):
        bands, _ = spheroid(_rng(21, index), 96)
        centre = bands[:, 40:56, 40:56].sum(axis=(1, 2))
        ratios.append(centre[2] / centre[0])  # blue over red
    assert min(ratios) < 0.5 and max(ratios) > 0.75
    assert 0.2 < np.mean(np.array(ratios) > 0.7) < 0.6


def test_non_disks_are_rendered_like_the_disks() -> None:
    """The classes share the disks' renderings with the disks' weights, so no rendering (the
    astrophotograph's black sky, the Zoo's black on white) tells a class apart."""
    drawn = [draw_rendering(9, i) for i in range(3000)]
    for rendering, weight in zip(RENDERINGS, RENDERING_WEIGHTS, strict=True):
        assert abs(drawn.count(rendering) / len(drawn) - weight) < 0.03, rendering
    zoo = [i for i in range(60) if draw_rendering(9, i) == "zoo"][:3]
    photo = [i for i in range(60) if draw_rendering(9, i) == "photo"][:3]
    assert zoo and photo
    for index in zoo:  # single band, as the Galaxy Inclination Zoo shows galaxies
        assert render_negative("spheroid", 9, index).mode == "L"
    for index in photo:  # the photographs' black sky: the border is dark
        pixels = np.asarray(render_negative("spheroid", 9, index).convert("L"), np.float64)
        assert np.median(np.concatenate([pixels[:4].ravel(), pixels[-4:].ravel()])) < 40


def test_examples_are_model_inputs_with_a_class_and_the_mix_holds() -> None:
    image, label = render_example(1, 0)
    assert image.shape == (128, 128, 3) and image.dtype == np.uint8
    assert 0 <= label < len(CLASSES)
    assert CLASSES[label] == draw_class(1, 0)
    drawn = [draw_class(5, i) for i in range(2000)]
    assert 0.45 < drawn.count("disk") / len(drawn) < 0.55
    assert set(drawn) == set(CLASSES)


def test_older_negatives_versions_are_drawn_as_they_were() -> None:
    """v3 (reject-k's data) differs from v4 only by the close framing of a quarter of the
    images, v4 from v5 only by the planetary nebulae, v5 from v6 only by the disks drawn as
    bulge-dominated edge-ons, v6 from v7 only by the nebulae and irregulars; versions the code
    no longer draws are refused rather than drawn wrongly."""
    differ = 0
    for index in range(24):
        v3, label3 = render_example(1, index, 3)
        v4, label4 = render_example(1, index, 4)
        assert label3 == label4
        differ += not np.array_equal(v3, v4)
    assert 2 <= differ <= 12
    for index in range(40):
        v4, label = render_example(2, index, 4)
        if CLASSES[label] != "nebula":
            np.testing.assert_array_equal(v4, render_example(2, index, 5)[0])
    edge_ons = 0
    for index in range(60):
        v5, label = render_example(3, index, 5)
        v6, label6 = render_example(3, index, 6)
        assert label == label6
        changed = CLASSES[label] == "disk" and not is_hard(3, index) and is_bulge_edge_on(3, index)
        edge_ons += changed
        assert np.array_equal(v5, v6) != changed
    assert 2 <= edge_ons <= 8
    redrawn = 0
    for index in range(40):
        v6, label = render_example(4, index, 6)
        v7, label7 = render_example(4, index, 7)
        assert label == label7
        if CLASSES[label] in ("nebula", "irregular"):
            redrawn += not np.array_equal(v6, v7)
        else:
            np.testing.assert_array_equal(v6, v7)
    assert redrawn >= 3
    with pytest.raises(ValueError, match="not drawn by this code"):
        render_example(1, 0, 2)


def test_a_stage_is_trained_only_on_the_data_version_it_was_trained_on(tmp_path: Path) -> None:
    from training.__main__ import main

    with pytest.raises(SystemExit, match=r"reject-k \(v3\).*give --negatives"):
        main(["classifier", "--flavor", "reject-k", "--datasets", str(tmp_path)])
    assert not any(tmp_path.iterdir())  # refused before any data is drawn


def test_likelihood_is_one_minus_the_disk_probability() -> None:
    probs = np.array([[0.9, 0.1, 0, 0, 0, 0, 0], [0.2, 0.5, 0.3, 0, 0, 0, 0]])
    np.testing.assert_allclose(likelihood(probs), [0.1, 0.8])


def test_the_threshold_accepts_the_asked_share_of_validation_disks() -> None:
    rng = np.random.default_rng(0)
    labels = np.array([0] * 1000 + [1] * 1000)
    scores = np.concatenate([rng.uniform(0, 0.5, 1000), rng.uniform(0.3, 1.0, 1000)])
    threshold = choose_threshold(scores, labels, accept_rate=0.97)
    assert np.mean(scores[labels == 0] < threshold) >= 0.97
    assert np.mean(scores[labels == 0] < threshold - 0.01) < 0.975
    with pytest.raises(ValueError):
        choose_threshold(scores[labels == 1], labels[labels == 1])


def test_the_threshold_rule_leaves_out_the_hard_renderings() -> None:
    """Hard-rendered disks that look like non-disks do not pull the threshold up."""
    rng = np.random.default_rng(1)
    labels = np.array([0] * 1000 + [1] * 1000)
    hard = np.zeros(2000, dtype=bool)
    hard[:150] = True
    scores = np.concatenate([rng.uniform(0.8, 1.0, 150), rng.uniform(0.0, 0.4, 850),
                             rng.uniform(0.3, 1.0, 1000)])
    everything = choose_threshold(scores, labels, accept_rate=0.97)
    standard = choose_threshold(scores, labels, accept_rate=0.97, among=~hard)
    assert everything > 0.9 and standard <= 0.41
    assert np.mean(scores[(labels == 0) & ~hard] < standard) >= 0.97
    with pytest.raises(ValueError):
        choose_threshold(scores, labels, among=np.zeros(2000, dtype=bool))


def test_hard_examples_follow_the_examples_own_draw(tmp_path: Path) -> None:
    spec = ClassifierSetSpec(count=40, seed=77, shard_size=40)
    (tmp_path / "dataset.json").write_text(json.dumps(asdict(spec)))
    hard = hard_examples(tmp_path)
    assert hard.tolist() == [is_hard(77, i) for i in range(40)]
    assert 0 < hard.sum() < 40


def test_confusion_counts_and_metrics() -> None:
    labels = np.array([0, 0, 1, 2])
    scores = np.array([0.1, 0.9, 0.8, 0.2])
    counts = confusion(scores, labels, 0.5)
    assert counts["disk"] == {"accept": 1, "reject": 1}
    assert counts["spheroid"] == {"accept": 0, "reject": 1}
    assert counts["cluster"] == {"accept": 1, "reject": 0}
    metrics = binary_metrics(scores, labels, 0.5, "t")
    assert metrics == {"t_disks_accepted": 0.5, "t_negatives_rejected": 0.5,
                       "t_spheroids_rejected": 1.0}
    split = binary_metrics(scores, labels, 0.5, "t", hard=np.array([True, False, False, False]))
    assert split["t_hard_disks_accepted"] == 1.0 and split["t_standard_disks_accepted"] == 0.0
    probs = np.eye(len(CLASSES))[[0, 1, 1, 2]]
    matrix = class_confusion(probs, labels)
    assert matrix[0][0] == 1 and matrix[0][1] == 1 and matrix[1][1] == 1 and matrix[2][2] == 1


def test_the_real_negative_list_names_ten_headline_images_of_four_kinds() -> None:
    rows = entries()
    assert len({r["name"] for r in rows}) == len(rows)
    assert {r["kind"] for r in rows} == {"elliptical", "globular", "nebula", "dwarf_irregular"}
    headline = [r for r in rows if r["headline"] == "1"]
    assert len(headline) == 10
    assert {r["kind"] for r in headline} == {"elliptical", "globular", "nebula",
                                             "dwarf_irregular"}


def test_the_wide_real_set_takes_its_kinds_from_openngc_by_rule() -> None:
    assert catalogue_name("n4697-dss.png") == "NGC4697"
    assert catalogue_name("m105-vasey.png") == "M105"
    assert catalogue_name("ic1613.png") == "IC1613"
    assert catalogue_name("p143.png") == "PGC 143"
    assert catalogue_name("lmc_01.png") is None and catalogue_name("sh2-106.png") is None
    assert wide_kind("Galaxy", "E") == "elliptical"
    assert wide_kind("Galaxy", "E-S0") is None  # lenticulars are left out
    assert wide_kind("Galaxy", "S0-a") is None and wide_kind("Galaxy", "S?") is None
    assert wide_kind("Galaxy", "SBc") == "spiral" and wide_kind("Galaxy", "Sm") == "spiral"
    assert wide_kind("Galaxy", "IB") == "dwarf_irregular"
    assert wide_kind("Globular Cluster", "") == "globular"
    assert wide_kind("Planetary Nebula", "") == "planetary"
    assert wide_kind("HII Ionized region", "") == "nebula"
    assert wide_kind("Open Cluster", "") is None and wide_kind("Galaxy Pair", "") is None


def test_the_wide_real_set_leaves_out_the_listed_and_the_excluded(tmp_path: Path) -> None:
    for file in ("m13.png", "m92.png", "n891.png", "n1407-dss.png", "n6543.png", "m45x.png",
                 "notes.txt", "n2683.png"):
        (tmp_path / file).write_bytes(b"")
    rows = wide_entries(tmp_path, {"M13", "NGC891"}, {"n1407-dss.png"})
    assert [(r["name"], r["kind"]) for r in rows] == [
        ("M92", "globular"), ("NGC2683", "spiral"), ("NGC6543", "planetary")]
    assert rows[1]["hubble"].startswith("S")


def test_the_wide_spirals_take_the_catalogue_axis_ratio_in_the_services_convention() -> None:
    assert axial_ratio_inclination(10.0, 10.0) == "0.0"
    assert axial_ratio_inclination(10.0, 2.0) == "90.0"  # q = q0: edge-on
    assert axial_ratio_inclination(10.0, 1.0) == "90.0"  # thinner than q0: still edge-on
    assert axial_ratio_inclination(10.0, 5.0) == "62.1"  # cos²i = (0.25 - 0.04) / 0.96
    assert axial_ratio_inclination(None, 5.0) == "" and axial_ratio_inclination(10.0, 0.0) == ""


def test_the_wide_set_build_writes_its_index_and_the_spirals_labelled_set(tmp_path: Path) -> None:
    from training.realeval import read_index
    from training.realneg import SUBTREE, build

    textures = tmp_path / "pkg" / SUBTREE
    textures.mkdir(parents=True)
    for file in ("m10.png", "n2683.png", "m13.png"):  # M13 is in the listed set: left out
        Image.new("RGBA", (40, 30), (200, 200, 200, 255)).save(textures / file)
    build(tmp_path / "out", tmp_path / "pkg", wide=True)
    index = (tmp_path / "out" / "index.csv").read_text().splitlines()
    assert index[0] == "path,name,kind,headline,hubble" and len(index) == 3
    spirals = read_index(tmp_path / "out" / "wide-spirals")
    assert [s.name for s in spirals] == ["NGC2683"]
    assert spirals[0].incl is not None and 60 < spirals[0].incl < 90  # 9.5' x 2.7'
    assert spirals[0].hubble == "Sb"  # OpenNGC's type, for the figures by Hubble type


def test_the_unlisted_real_set_takes_its_kinds_from_the_catalogue_of_each_name(
        tmp_path: Path) -> None:
    from training.realneg import SUBTREE, build, unlisted_entries, unlisted_kind

    assert unlisted_kind("sh2-106.png") == unlisted_kind("rcw38.png") == "nebula"
    assert unlisted_kind("barnard_loop-2.png") == "nebula"
    assert unlisted_kind("barnard72.png") == unlisted_kind("ldn1622.png") == "dark_nebula"
    assert unlisted_kind("abell39.png") == unlisted_kind("Medusa-vasey.png") == "planetary"
    assert unlisted_kind("u12613.png") == "dwarf_irregular"
    assert unlisted_kind("u10822.png") == "dwarf_spheroidal"
    # clusters of galaxies, Magellanic tiles, interacting UGC pairs, NGC names: left out
    for file in ("coma_cluster.png", "lmc_03.png", "u10214.png", "u1810.png", "n891.png"):
        assert unlisted_kind(file) is None
    textures = tmp_path / "pkg" / SUBTREE
    textures.mkdir(parents=True)
    for file in ("sh2-106.png", "u5373.png", "u9749.png", "virgo_cluster.png", "m13.png"):
        Image.new("RGBA", (40, 30), (200, 200, 200, 255)).save(textures / file)
    assert [r["name"] for r in unlisted_entries(textures, {"u9749.png"})] == ["sh2-106"]
    build(tmp_path / "out", tmp_path / "pkg", unlisted=True)
    index = (tmp_path / "out" / "index.csv").read_text().splitlines()
    # u5373 (Sextans B) is in the listed set and m13 has an OpenNGC name: both left out
    assert [line.split(",")[1:3] for line in index[1:]] == [
        ["sh2-106", "nebula"], ["u9749", "dwarf_spheroidal"]]


def test_close_framing_crops_a_quarter_of_the_images_inside_the_frame() -> None:
    image = Image.new("RGB", (200, 160))
    sizes = [close_framing(image, np.random.default_rng([4, i])).size for i in range(400)]
    cropped = [size for size in sizes if size != (200, 160)]
    assert 0.18 < len(cropped) / len(sizes) < 0.32
    assert all(w == h and 0.44 * 160 <= w <= 0.86 * 160 for w, h in cropped)


def test_a_res_classifier_starts_from_an_inclination_flavors_backbone(tmp_path: Path) -> None:
    regressor = build("res128", (128, 128, 3))
    regressor.export(str(tmp_path / "res" / "1"), verbose=False)
    classifier = build_res_classifier()
    backbone = [w for w in classifier.weights if w.path.startswith(BACKBONE_LAYERS)]
    assert load_exported_weights(classifier, tmp_path / "res" / "1") == len(backbone) > 0
    for name in ("stem", "stage4_conv2"):
        np.testing.assert_array_equal(classifier.get_layer(name).kernel.numpy(),
                                      regressor.get_layer(name).kernel.numpy())
    assert classifier.output_shape == (None, len(CLASSES))

    tiny = build("tiny", (128, 128, 3))
    tiny.export(str(tmp_path / "tiny" / "1"), verbose=False)
    with pytest.raises(ValueError, match="shares no variable"):
        load_exported_weights(build_res_classifier(), tmp_path / "tiny" / "1")


def test_a_classifier_goes_on_from_all_the_weights_of_an_exported_classifier(
        tmp_path: Path) -> None:
    first = build_res_classifier()
    head = first.get_layer("probabilities")
    head.kernel.assign(np.random.default_rng(3).normal(size=head.kernel.shape))
    first.export(str(tmp_path / "reject" / "1"), verbose=False)
    second = build_res_classifier()
    assert load_exported_weights(second, tmp_path / "reject" / "1", ("",)) == len(second.weights)
    for name in ("stem", "dense", "probabilities"):
        np.testing.assert_array_equal(second.get_layer(name).kernel.numpy(),
                                      first.get_layer(name).kernel.numpy())
    # by default only the backbone: the head stays as it was built
    third = build_res_classifier()
    load_exported_weights(third, tmp_path / "reject" / "1")
    assert not np.array_equal(third.get_layer("probabilities").kernel.numpy(),
                              head.kernel.numpy())


def test_the_quick_classifier_run_trains_chooses_a_threshold_and_exports(tmp_path: Path) -> None:
    from training.classifier import ClassifierFlavorSpec, run, run_quick
    from training.classifier_data import QUICK_SETS

    run_quick(tmp_path / "models", tmp_path / "work")
    manifest = json.loads((tmp_path / "models" / "reject-quick" / "manifest.json").read_text())
    assert manifest["task"] == "classify"
    block = manifest["classifier"]
    assert 0.0 <= block["threshold"] <= 1.0
    # the rule and the data description name the seeds of the sets it used, not the full recipe's
    assert f"seed {QUICK_SETS['validation'].seed};" in block["threshold_rule"]
    assert f"seed {QUICK_SETS['train'].seed}" in manifest["training"]["data"]
    report = json.loads((tmp_path / "work" / "report" / "classifier.json").read_text())
    assert sum(report["sets"]["test"].values()) == QUICK_SETS["test"].count
    assert "reject-quick" in (tmp_path / "models" / "models.config").read_text()

    # The exported classifier scored again on the test shards, as `--compare` does.
    [row] = compare_on_synthetic([tmp_path / "models"], tmp_path / "work" / "datasets" / "test")
    assert row["classifier"] == "reject-quick" and row["threshold"] == block["threshold"]
    test = report["reject-quick"]["metrics"]
    assert row["synthetic_disks_accepted"] == test["synthetic_test_disks_accepted"]
    assert row["synthetic_negatives_rejected"] == test["synthetic_test_negatives_rejected"]
    assert 0.0 <= row["non_disks_rejected_at_95%_disks_accepted"] <= 1.0
    # one disk of the quick v6 test set is drawn as a bulge-dominated edge-on: accepted or not
    assert row["bulge_edge_on_disks_accepted"] in (0.0, 1.0)

    # A classifier trained on from the exported one (all of its weights) says so.
    run(tmp_path / "work" / "datasets", tmp_path / "work" / "runs", tmp_path / "models",
        tmp_path / "work" / "report-2",
        (ClassifierFlavorSpec("reject-quick-2", seed=2, epochs=1, base="reject-quick"),),
        base_models=tmp_path / "models")
    again = json.loads((tmp_path / "models" / "reject-quick-2" / "manifest.json").read_text())
    assert again["training"]["data"].endswith("; continued from reject-quick (all its weights)")
    # In one run, a stage goes on from the one trained just before it, not from base_models.
    run(tmp_path / "work" / "datasets", tmp_path / "work" / "runs", tmp_path / "chain",
        tmp_path / "work" / "report-3",
        (ClassifierFlavorSpec("reject-quick-3", seed=3, epochs=1),
         ClassifierFlavorSpec("reject-quick-4", seed=4, epochs=1, base="reject-quick-3")),
        base_models=tmp_path / "elsewhere")
    chained = json.loads((tmp_path / "chain" / "reject-quick-4" / "manifest.json").read_text())
    assert chained["training"]["data"].endswith("; continued from reject-quick-3 (all its weights)")


def test_rejection_at_equal_disk_acceptance() -> None:
    labels = np.array([0] * 10 + [1] * 4)
    scores = np.concatenate([np.linspace(0.0, 0.9, 10), [0.05, 0.5, 0.95, 0.99]])
    # 90% of the disks accepted: threshold at the 90% quantile of the disks' scores (0.81)
    assert rejected_at_acceptance(scores, labels, 0.9) == 0.5
    assert rejected_at_acceptance(scores, labels, 0.5) == 0.75  # threshold 0.45


def test_the_classifier_command_refuses_an_unknown_flavor_before_generating(
        tmp_path: Path) -> None:
    from training.__main__ import main
    from training.classifier import FLAVORS

    with pytest.raises(SystemExit, match=r"no classifier flavor \['reject-nope'\]"):
        main(["classifier", "--flavor", "reject-nope", "--flavor", FLAVORS[0].name,
              "--datasets", str(tmp_path / "data")])
    assert not (tmp_path / "data").exists()
    # every base of a listed classifier is an earlier classifier or an inclination flavor
    names = [f.name for f in FLAVORS]
    for position, flavor in enumerate(FLAVORS):
        if flavor.base is not None and flavor.base.startswith("reject-"):
            assert flavor.base in names[:position]


def test_rich_globular_clusters_are_resolved_into_their_core() -> None:
    from training.negatives import _grid

    for seed in range(6):
        for rich in (True, False):
            xs, ys, fluxes, glow = globular(np.random.default_rng(seed), 160, 1e-3, rich)
            radius = np.hypot(xs, ys)
            half = float(np.median(radius))
            xx, yy = _grid(160)
            stars_over_glow = fluxes[radius < half].sum() / glow[np.hypot(xx, yy) < half].sum()
            if rich:
                # thousands of stars, spread over much of the frame, outshining the glow
                assert len(xs) >= 5000 and half >= 0.07 * 160
                assert stars_over_glow > 3.0
            else:
                assert 400 <= len(xs) < 4000


def test_a_set_drawn_with_an_older_negatives_generator_is_refused(tmp_path: Path) -> None:
    from training.classifier_data import generate
    from training.dataset import SPEC_FILE

    folder = tmp_path / "test"
    folder.mkdir()
    # a spec as sets were written before the generator's version was kept
    (folder / SPEC_FILE).write_text(json.dumps({"count": 4, "seed": 9, "shard_size": 4}))
    with pytest.raises(ValueError, match="holds a different data set"):
        generate(folder, ClassifierSetSpec(4, 9, 4, negatives=NEGATIVES), processes=1)
    assert NEGATIVES > 1
