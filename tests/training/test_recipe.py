"""The quick recipe, end to end through the CLI: generate, train, export, evaluate."""

import json
from pathlib import Path

import pytest

from inference.calibration import load_calibration, write_calibration
from inference.manifest import load_manifest
from training.__main__ import main
from training.export import flavor_manifests


def test_quick_recipe_trains_exports_and_evaluates(tmp_path: Path) -> None:
    models, runs, data, report = (tmp_path / n for n in ("models", "runs", "data", "report"))
    args = ["--quick", "--models", str(models), "--runs", str(runs), "--datasets", str(data),
            "--report", str(report), "--processes", "1"]
    main(["recipe", "--evaluate", *args])

    manifests = flavor_manifests(models)
    assert [m.name for m in manifests] == ["quick-0", "quick-1", "quick-2"]
    config = (models / "models.config").read_text()
    assert config.count('base_path: "/models/quick-') == 3
    # quick-2 starts from quick-0's exported weights, weighs the early types up, and says so.
    assert "fine-tuned from quick-0; bulge-dominated galaxies" in manifests[2].training.data
    assert manifests[2].training.data.endswith("weighted x2.5")
    # and it is trained on the early-type and bulge-dominated edge-on sets as well as the
    # training set
    assert ("; plus 16 galaxies (early types: B/T 0.3-0.7), seed 3; plus 16 galaxies "
            "(bulge-dominated edge-ons: 70-90°, B/T 0.45-0.85), seed 4; fine-tuned from "
            "quick-0") in manifests[2].training.data
    assert "fine-tuned" not in manifests[0].training.data
    for manifest in manifests:
        assert manifest.metrics["test_rms_0_90_deg"] > 0.0
        assert "ensemble_test_hard_mae_45_90_deg" in manifest.metrics
        assert manifest.metrics["test_bulge_edge_on_images"] == 16
        assert manifest.alarm_threshold_deg >= 1.0
        run = runs / "quick" / manifest.name
        assert (run / "curves.png").is_file()
        lines = (run / "metrics.csv").read_text().splitlines()
        assert lines[0].startswith("epoch,learning_rate,loss,mae,mae_deg,val_loss")
        assert len(lines) == 1 + manifest.training.epochs
    result = json.loads((report / "report.json").read_text())
    assert set(result["results"]["test"]) >= {"quick-0", "median ensemble",
                                              "axial-ratio q0=0.2", "axial-ratio HyperLEDA q0(T)"}
    assert (report / "test-predicted-vs-true.png").is_file()
    assert (report / "test-residuals-vs-true.png").is_file()
    assert "| median ensemble |" in (report / "report.md").read_text()
    assert "(bulge-dominated edge-ons: 70-90°, B/T 0.45-0.85)" in (report / "report.md").read_text()
    assert (report / "test-bulge-edge-on-residuals-vs-true.png").is_file()
    # the median's errors broken down by what the images show, every image in each breakdown
    parts = result["breakdown"]["test"]
    assert set(parts) == {"rendering", "bulge-to-total", "diameter / frame", "bar / disk light"}
    for groups in parts.values():
        assert sum(stats["n"] for stats in groups.values()) == 64
    assert "by what the images show" in (report / "report.md").read_text()

    # Resumable: running again finds the runs done and only re-exports.
    before = load_manifest(models / "quick-0")
    plain_spread = before.metrics["spread_p99_test_deg"]
    main(["train", "quick-0", *args])
    assert load_manifest(models / "quick-0").training == before.training

    # A real-image correction fitted earlier for the same flavors is kept, and the calibration
    # is fitted on the answers as served, after it.
    calibration = load_calibration(models)
    assert calibration is not None and calibration.real_cos_scale == 1.0
    plain_bases = calibration.base_sigma_deg
    write_calibration(models, calibration.model_copy(update={"real_cos_scale": 0.8}))
    main(["evaluate", *args])
    # the manifests' spread is of the answers as served (rot4, after the correction), as the
    # alarm's threshold is
    assert load_manifest(models / "quick-0").metrics["spread_p99_test_deg"] != plain_spread
    kept = load_calibration(models)
    assert kept is not None and kept.real_cos_scale == 0.8
    assert kept.base_sigma_deg != plain_bases
    table = json.loads((report / "report.json").read_text())["results"]["test"]
    served = table["median ensemble, rot4, as served (real-image correction)"]
    assert served["bias_45_90"] > table["median ensemble, rot4 copies"]["bias_45_90"]
    assert "real_cos_scale 0.8" in (report / "report.md").read_text()



def test_generate_offers_every_data_set_of_both_recipes() -> None:
    """`generate --set` lists the sets by hand (the recipe imports TensorFlow, too slow for
    parsing arguments): every set of either recipe must be on the list."""
    from training.__main__ import parser
    from training.recipe import FULL, QUICK

    for name in {*FULL.datasets, *QUICK.datasets}:
        assert parser().parse_args(["generate", "--set", name]).set == name
    with pytest.raises(SystemExit):
        parser().parse_args(["generate", "--set", "test-easy"])
