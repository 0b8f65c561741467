"""The synthetic evaluation's arithmetic: the breakdown of the median's errors."""

import numpy as np

from training.evaluate import breakdown, breakdown_table


def test_the_breakdown_groups_errors_by_rendering_bulge_size_and_bar() -> None:
    """Each image lands in one group of each breakdown; the Zoo's inverted polarity is a
    group of its own; the statistics are those of the group's own images."""
    true = np.array([50.0, 60.0, 70.0, 20.0, 80.0, 85.0])
    predicted = true + np.array([2.0, -2.0, 4.0, 10.0, 0.0, -6.0])
    data = {
        "rendering": np.array(["sdss", "sdss", "zoo", "zoo", "photo", "photo"]),
        "inverted": np.array([False, False, True, False, False, False]),
        "bulge_fraction": np.array([0.0, 0.05, 0.2, 0.4, 0.6, 1.0]),
        "diameter_fraction": np.array([0.3, 0.5, 0.5, 0.8, 0.9, 0.44]),
        "bar": np.array([0.0, 0.0, 0.0, 0.12, 0.2, 0.35]),
    }
    parts = breakdown(predicted, true, data)
    rendering = parts["rendering"]
    assert set(rendering) == {"sdss", "zoo", "zoo inverted", "photo"}
    assert rendering["sdss"]["rms_45_90"] == 2.0
    assert rendering["sdss"]["bias_45_90"] == 0.0
    assert rendering["zoo"]["n"] == 1 and rendering["zoo"]["n_45_90"] == 0
    assert rendering["zoo"]["rms_0_90"] == 10.0
    assert rendering["photo"]["rms_45_90"] == np.sqrt(18.0)
    bulge = parts["bulge-to-total"]
    assert {k: v["n"] for k, v in bulge.items()} == {"0-0.1": 2, "0.1-0.3": 1, "0.3-0.5": 1,
                                                      "0.5-0.7": 1, "0.7-1": 1}  # 1.0 in the last
    size = parts["diameter / frame"]
    assert {k: v["n"] for k, v in size.items()} == {"0-0.45": 2, "0.45-0.7": 2, "0.7-1": 2}
    bar = parts["bar / disk light"]
    assert {k: v["n"] for k, v in bar.items()} == {"0-0.05": 3, "0.05-0.2": 1, "0.2-1": 2}
    assert bar["0.2-1"]["bias_45_90"] == -3.0  # the strong bars' own errors, 0 and -6
    table = breakdown_table(parts)
    assert "| rendering | zoo | — | — | 10.00 | 1 (0) |" in table  # none inclined 45-90°
    assert "| bulge-to-total | 0.7-1 | 6.00 | -6.00 | 6.00 | 1 (1) |" in table


def test_a_set_with_sky_pedestals_is_broken_down_by_their_kind_too() -> None:
    true = np.array([50.0, 60.0, 85.0, 88.0])
    predicted = true + np.array([1.0, -1.0, -4.0, -8.0])
    data = {
        "rendering": np.array(["photo"] * 4),
        "inverted": np.zeros(4, bool),
        "bulge_fraction": np.zeros(4),
        "diameter_fraction": np.full(4, 0.5),
        "bar": np.zeros(4),
        "pedestal": np.array(["", "", "ring", "box"]),
    }
    parts = breakdown(predicted, true, data)
    assert {k: v["n"] for k, v in parts["sky pedestal"].items()} == {
        "none": 2, "ring": 1, "box": 1}
    assert parts["sky pedestal"]["ring"]["bias_45_90"] == -4.0
    # a set drawn without them (every pedestal '') has no such breakdown
    data["pedestal"] = np.array(["", "", "", ""])
    assert "sky pedestal" not in breakdown(predicted, true, data)
