"""Real-image evaluation: an index of images (degrees or face_on) scored through the service's
own upload path, with the baseline, coverage, a report and a plot; the domain fit."""

import csv
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inference.calibration import Calibration, cos_scaled, load_calibration, write_calibration
from inference.manifest import Manifest
from training import realeval
from training.__main__ import main
from training.calibrate import face_on_range
from training.realeval import (
    CATALOGUE_ROW,
    Answers,
    RealImage,
    bootstrap_rms,
    bootstrap_sentence,
    catalogue_inclinations,
    catalogue_statistics,
    predict_in_process,
    read_index,
    real_statistics,
    write_index,
)
from training.synthetic import render_galaxy


def labelled_set(directory: Path, count: int = 8, hubble: tuple[str, ...] = (),
                 columns: dict[str, tuple[str, ...]] | None = None,
                 names: tuple[str, ...] = ()) -> Path:
    """Synthetic renderings written as files, as a stand-in for real photographs (the format
    and the path through the code are the same); ``hubble``: a Hubble type column, and
    ``columns`` more columns, their values in turn; ``names``: the galaxies' names (G0, G1, ...
    without)."""
    extra = {**({"hubble": hubble} if hubble else {}), **(columns or {})}
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "index.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "name", "incl", *extra])
        for index in range(count):
            image, galaxy = render_galaxy(77, index)
            name = names[index] if names else f"G{index}"
            image.convert("RGB").save(directory / f"{name}.png")
            label = "face_on" if galaxy.label < 30 else f"{galaxy.label:.1f}"
            writer.writerow([f"{name}.png", name, label,
                             *(values[index % len(values)] for values in extra.values())])
    return directory


def test_hubble_types_group_from_early_to_late_spirals() -> None:
    from training.realeval import hubble_group

    assert [hubble_group(h) for h in ("Sa", "SBab", "Sb", "SABbc", "Sc", "SBcd", "Sd", "SBm",
                                      "Sm")] == ["Sa-Sab", "Sa-Sab", "Sb-Sbc", "Sb-Sbc",
                                                 "Sc-Scd", "Sc-Scd", "Sd-Sm", "Sd-Sm", "Sd-Sm"]
    assert [hubble_group(h) for h in ("S0", "E", "I", "IB", "S?", "")] == [""] * 6


def test_a_set_with_hubble_types_is_scored_by_type_too(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]]
) -> None:
    models_dir, _ = tiny_repository
    real = labelled_set(tmp_path / "real", count=6, hubble=("Sab", "SBc", "E"))
    assert [i.hubble for i in read_index(real)] == ["Sab", "SBc", "E"] * 2
    report = tmp_path / "report"
    main(["evaluate", "--real", str(real), "--models", str(models_dir), "--report", str(report),
          "--no-isophote"])
    result = json.loads((report / "real-real.json").read_text())
    types = result["by_hubble_type"]
    assert list(types) == ["Sa-Sab", "Sc-Scd"]  # the ellipticals in no group
    counted = sum(pair["median ensemble"]["n_0_90"] + pair["median ensemble"]["n_face_on"]
                  for pair in types.values())
    assert counted == 4
    text = (report / "real-real.md").read_text()
    assert "By Hubble type" in text and "| Sc-Scd, axial-ratio q0=0.2 (" in text
    # a set without the column has no such figures
    plain = labelled_set(tmp_path / "plain", count=3)
    main(["evaluate", "--real", str(plain), "--models", str(models_dir), "--report",
          str(report), "--no-isophote"])
    assert json.loads((report / "real-plain.json").read_text())["by_hubble_type"] == {}
    assert "By Hubble type" not in (report / "real-plain.md").read_text()


def test_statistics_count_face_on_labels_apart() -> None:
    images = [RealImage(Path("a"), "a", 60.0), RealImage(Path("b"), "b", 80.0),
              RealImage(Path("c"), "c", None), RealImage(Path("d"), "d", None)]
    predicted = np.array([64.0, 78.0, 30.0, 55.0])
    stats = real_statistics(predicted, images, sigma=np.array([5.0, 1.0, 9.0, 9.0]))
    assert stats["rms_45_90"] == pytest.approx(np.sqrt((16 + 4) / 2))
    assert stats["bias_45_90"] == pytest.approx(1.0)
    assert stats["face_on_hit_rate"] == 0.5
    assert stats["coverage_68"] == 0.5  # 60 in [59, 69]; 80 not in [77, 79]
    assert stats["n_45_90"] == 2 and stats["n_face_on"] == 2


def test_the_rms_comes_with_a_bootstrap_interval_that_narrows_with_more_images() -> None:
    rng = np.random.default_rng(3)
    delta = rng.normal(0.0, 6.0, size=30)
    rms = float(np.sqrt(np.mean(delta**2)))
    low, high = bootstrap_rms(delta)
    assert low < rms < high
    assert (low, high) == bootstrap_rms(delta)  # seeded: the same interval every run
    # four times the images (the same errors repeated): about half as wide
    more_low, more_high = bootstrap_rms(np.tile(delta, 4))
    assert (more_high - more_low) == pytest.approx((high - low) / 2, rel=0.2)
    # one large error among small ones: the interval reaches far from the RMS on both sides
    lopsided = np.array([1.0] * 29 + [20.0])
    low, high = bootstrap_rms(lopsided)
    assert low < 2.5 and high > 4.5
    assert all(np.isnan(bootstrap_rms(np.array([]))))
    images = [RealImage(Path(f"{k}"), f"{k}", 60.0) for k in range(30)]
    stats = real_statistics(60.0 + delta, images)
    assert (stats["rms_45_90_lo"], stats["rms_45_90_hi"]) == pytest.approx(bootstrap_rms(delta))
    assert "between" in bootstrap_sentence(stats) and "30 images" in bootstrap_sentence(stats)


def test_a_numeric_reference_below_30_degrees_counts_as_face_on_too() -> None:
    images = [RealImage(Path("a"), "a", 20.0), RealImage(Path("b"), "b", 29.9),
              RealImage(Path("c"), "c", 30.0), RealImage(Path("d"), "d", None)]
    stats = real_statistics(np.array([55.0, 40.0, 60.0, 10.0]), images)
    assert stats["n_face_on"] == 3 and stats["face_on_hit_rate"] == pytest.approx(2 / 3)
    assert stats["n_0_90"] == 3  # the numeric ones keep their place in the 0-90° figures


def too_face_on_answers(images: list[RealImage], flavors: list[str], scale: float
                        ) -> dict[str, np.ndarray]:
    """Each flavor's answers as the inverse of the correction with ``scale`` makes them, a
    little noisy (face-on labels: 20°)."""
    grid = np.linspace(0.0, 90.0, 9001)
    true = np.asarray([20.0 if i.incl is None else i.incl for i in images])
    raw = np.interp(true, cos_scaled(grid, scale), grid)
    rng = np.random.default_rng(8)
    return {name: np.clip(raw + rng.normal(0.0, 1.5, raw.size), 0, 90) for name in flavors}


def predictions_of(raw: dict[str, np.ndarray], calls: list[tuple[bool, bool, bool]],
                   baseline: np.ndarray | None = None) -> Callable[..., Answers]:
    """A stand-in for ``predict_in_process`` with the signature of the real one: the flavors'
    answers ``raw`` (corrected by the models' calibration when asked), each call's (isophote,
    correct, classify) recorded in ``calls``; the axial-ratio answers ``baseline`` (50°)."""

    def predict(models: Path, images: list[RealImage], isophote: bool = True,
                frame: str = "auto", correct: bool = True, classify: bool = True) -> Answers:
        calls.append((isophote, correct, classify))
        calibration = load_calibration(models)
        assert calibration is not None
        flavors = {n: calibration.correct(v) if correct else v for n, v in raw.items()}
        stack = np.stack(list(flavors.values()))
        return Answers(flavors, np.median(stack, axis=0), stack.std(axis=0, ddof=1),
                       np.full(len(images), 5.0),
                       np.full(len(images), 50.0) if baseline is None else baseline,
                       np.full(len(images), np.nan))

    return predict


def too_face_on_set(directory: Path, manifests: list[Manifest]
                    ) -> tuple[list[str], Path, dict[str, np.ndarray]]:
    """The flavors' names, a labelled set of 12 in ``directory``, and the flavors' answers on it
    as a real-image correction of 0.88 would put right."""
    names = sorted(m.name for m in manifests)
    real = labelled_set(directory, count=12)
    return names, real, too_face_on_answers(read_index(real), names, 0.88)


def test_fit_domain_fits_the_correction_on_the_flavors_own_answers_and_then_the_domain_scale(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    models_dir, manifests = tiny_repository
    names, real, raw = too_face_on_set(tmp_path / "real", manifests)
    calls: list[tuple[bool, bool, bool]] = []
    monkeypatch.setattr(realeval, "predict_in_process", predictions_of(raw, calls))
    write_calibration(models_dir, Calibration(
        flavors=names, bin_centres_deg=[20.0, 70.0], base_sigma_deg=[9.0, 4.0],
        alarm_threshold_deg=20.0, fitted_on="test table"))
    report = tmp_path / "report"
    main(["evaluate", "--real", str(real), "--models", str(models_dir), "--report", str(report),
          "--fit-domain", "--no-isophote", "--label", "synthetic files"])
    # fitted on the flavors' own answers (no isophotes or verdicts needed), scored as served
    # (--no-isophote)
    assert calls == [(False, False, False), (False, True, True)]
    written = load_calibration(models_dir)
    assert written is not None and written.domain_scale >= 1.0
    assert written.real_cos_scale == pytest.approx(0.88, abs=0.02)
    assert f"real_cos_scale {written.real_cos_scale} fitted on the" in written.fitted_on
    assert written.fitted_on.startswith("test table; real_cos_scale")
    assert "the mean over 20 random splits" in written.fitted_on
    assert list(written.coverage) == ["real_real_5fold_cv"]
    result = json.loads((report / "real-real.json").read_text())["results"]
    assert abs(result["median ensemble"]["bias_45_90"]) < 1.0
    # fitting again starts from the flavors' own answers, not the corrected ones
    main(["evaluate", "--real", str(real), "--models", str(models_dir), "--report", str(report),
          "--fit-domain", "--no-isophote"])
    again = load_calibration(models_dir)
    assert again is not None and again.real_cos_scale == written.real_cos_scale
    assert again.fitted_on == written.fitted_on and list(again.coverage) == ["real_real_5fold_cv"]
    (models_dir / "ensemble.json").unlink()


def test_fit_domain_can_keep_the_correction_and_fit_the_domain_scale_alone(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        tiny_repository: tuple[Path, list[Manifest]]) -> None:
    names, real, raw = too_face_on_set(tmp_path / "pooled", tiny_repository[1])
    models_dir = tiny_repository[0]
    common = np.random.default_rng(3).normal(0.0, 12.0, len(read_index(real)))
    wide = {n: np.clip(v + common, 0, 90) for n, v in raw.items()}  # all wrong alike
    monkeypatch.setattr(realeval, "predict_in_process", predictions_of(wide, []))
    before = Calibration(
        flavors=names, bin_centres_deg=[20.0, 70.0], base_sigma_deg=[3.0, 2.0],
        alarm_threshold_deg=20.0, real_cos_scale=0.95,
        fitted_on="test table; real_cos_scale 0.95 fitted on the 32 of realdev",
        coverage={"synthetic_test": 0.68, "real_realdev_5fold_cv": 0.74})
    write_calibration(models_dir, before)
    with pytest.raises(SystemExit, match="--fit-domain"):
        main(["evaluate", "--real", str(real), "--models", str(models_dir),
              "--keep-correction"])
    main(["evaluate", "--real", str(real), "--models", str(models_dir), "--report",
          str(tmp_path / "report"), "--fit-domain", "--keep-correction", "--no-isophote"])
    after = load_calibration(models_dir)
    assert after is not None
    assert after.real_cos_scale == 0.95  # the correction kept, the answers' scatter widens sigma
    assert after.domain_scale > 2.0
    assert after.fitted_on.startswith("test table; real_cos_scale 0.95 fitted on the 32 of "
                                      "realdev; domain_scale fitted on the 9 numerically "
                                      "labelled real images of pooled under the correction above")
    # the development set's coverage was of the old scale: every real figure is this set's now
    assert list(after.coverage) == ["synthetic_test", "real_pooled_5fold_cv"]
    assert 0.5 < after.coverage["real_pooled_5fold_cv"] < 0.9
    # too few numeric references to fit anything on: refused before any model runs
    few = tmp_path / "few"
    few.mkdir()
    rows = (real / "index.csv").read_text().splitlines()
    numeric = [r for r in rows[1:] if not r.endswith("face_on")]
    (few / "index.csv").write_text("\n".join([rows[0], *numeric[:4]]) + "\n")
    with pytest.raises(ValueError, match="4 numerically labelled images"):
        realeval.fit_domain(few, models_dir, keep_correction=True)
    (models_dir / "ensemble.json").unlink()


def test_fit_domain_fits_the_second_opinions_coefficient_only_when_asked(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        tiny_repository: tuple[Path, list[Manifest]]) -> None:
    names, real, raw = too_face_on_set(tmp_path / "pooled", tiny_repository[1])
    models_dir = tiny_repository[0]
    count = len(read_index(real))
    # half the galaxies misread by every flavor alike, where the axial ratio departs from them
    misread = np.where(np.arange(count) % 2 == 0, 15.0, 0.0)
    wide = {n: np.clip(v + misread, 0, 90) for n, v in raw.items()}
    median = np.median(np.stack(list(wide.values())), axis=0)
    monkeypatch.setattr(realeval, "predict_in_process",
                        predictions_of(wide, [], baseline=median - misread))
    before = Calibration(
        flavors=names, bin_centres_deg=[20.0, 70.0], base_sigma_deg=[3.0, 2.0],
        alarm_threshold_deg=20.0, real_cos_scale=0.88, fitted_on="test table")
    write_calibration(models_dir, before)
    arguments = ["evaluate", "--real", str(real), "--models", str(models_dir), "--report",
                 str(tmp_path / "report"), "--fit-domain", "--keep-correction", "--no-isophote"]
    main(arguments)
    kept = load_calibration(models_dir)
    assert kept is not None and kept.axial_ratio_coefficient == 0.0
    main([*arguments, "--second-opinion"])
    fitted = load_calibration(models_dir)
    assert fitted is not None and fitted.axial_ratio_coefficient > 0.3
    assert (f"axial_ratio_coefficient ({fitted.axial_ratio_coefficient}, by the Gaussian "
            "likelihood of the errors)") in fitted.fitted_on
    # the wide intervals go where the second opinion departs: the domain scale need not
    assert fitted.domain_scale < kept.domain_scale
    # fitted again without the flag: the coefficient is kept and said to be
    main(arguments)
    again = load_calibration(models_dir)
    assert again is not None and again.axial_ratio_coefficient == fitted.axial_ratio_coefficient
    assert f"(axial_ratio_coefficient {fitted.axial_ratio_coefficient} kept)" in again.fitted_on
    with pytest.raises(SystemExit, match="--fit-domain"):
        main(["evaluate", "--real", str(real), "--models", str(models_dir),
              "--second-opinion"])
    (models_dir / "ensemble.json").unlink()


def test_images_without_a_second_opinion_are_in_neither_split_row(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        tiny_repository: tuple[Path, list[Manifest]]) -> None:
    names, real, raw = too_face_on_set(tmp_path / "split", tiny_repository[1])
    images = read_index(real)
    median = np.median(np.stack(list(raw.values())), axis=0)
    # three with no second opinion, three far from the median, the rest close to it
    second = median + np.where(np.arange(len(images)) % 4 == 1, 25.0, 2.0)
    second[[0, 4, 8]] = np.nan
    monkeypatch.setattr(realeval, "predict_in_process", predictions_of(raw, [], second))
    write_calibration(tiny_repository[0], Calibration(
        flavors=names, bin_centres_deg=[20.0, 70.0], base_sigma_deg=[9.0, 4.0],
        alarm_threshold_deg=20.0, fitted_on="test table"))
    report = tmp_path / "report"
    main(["evaluate", "--real", str(real), "--models", str(tiny_repository[0]), "--report",
          str(report), "--no-isophote"])
    results = json.loads((report / "real-split.json").read_text())["results"]
    numeric = np.isfinite(face_on_range([i.incl for i in images]))
    far = np.isfinite(second) & (np.abs(second - median) >= 10)
    near = np.isfinite(second) & (np.abs(second - median) < 10)
    assert results["median ensemble, axial ratio 10° or more away"]["n_0_90"] == int(
        np.sum(far & numeric)) > 0
    assert results["median ensemble, axial ratio within 10°"]["n_0_90"] == int(
        np.sum(near & numeric)) > 0
    assert int(np.sum((far | near) & numeric)) < int(numeric.sum())
    (tiny_repository[0] / "ensemble.json").unlink()


def test_evaluate_real_in_process_applies_the_correction_writes_report_and_plot(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]]
) -> None:
    models_dir, manifests = tiny_repository
    real = labelled_set(tmp_path / "real")
    assert len(read_index(real)) == 8
    calibration = Calibration(
        flavors=sorted(m.name for m in manifests), bin_centres_deg=[20.0, 70.0],
        base_sigma_deg=[9.0, 4.0], alarm_threshold_deg=20.0, fitted_on="test table",
        real_cos_scale=0.9)
    write_calibration(models_dir, calibration)
    report = tmp_path / "report"
    main(["evaluate", "--real", str(real), "--models", str(models_dir), "--report", str(report),
          "--label", "synthetic files"])
    # the answers in process are the flavors' answers through the correction
    images = read_index(real)
    raw = predict_in_process(models_dir, images, isophote=False, correct=False)
    served = predict_in_process(models_dir, images, isophote=False)
    for name, values in raw.flavors.items():
        np.testing.assert_allclose(served.flavors[name], calibration.correct(values))
    np.testing.assert_allclose(served.median, calibration.correct(raw.median))
    written = json.loads((report / "real-real.json").read_text())
    rows = written["images"]
    assert [row["median"] for row in rows] == pytest.approx(served.median.tolist(), abs=0.01)
    # the median's rows split by how far the axial-ratio second opinion lies from it (the
    # images without one in neither); the labelled set's disks all have one
    assert np.isfinite(served.baseline).all()
    assert [row["baseline"] for row in rows] == pytest.approx(served.baseline.tolist(),
                                                              abs=0.01)
    gone = np.abs(served.median - served.baseline)
    numeric = np.isfinite(face_on_range([i.incl for i in images]))
    for row, chosen in (("median ensemble, axial ratio within 10°", gone < 10),
                        ("median ensemble, axial ratio 10° or more away", gone >= 10)):
        figures = written["results"].get(row)
        assert (figures is None) == (not chosen.any())
        if figures is not None:
            assert figures["n_0_90"] == int(np.sum(chosen & numeric))
    text = (report / "real-real.md").read_text()
    assert "median ensemble" in text and "axial-ratio" in text and "synthetic files" in text
    assert (report / "real-real.png").stat().st_size > 1000
    with Image.open(report / "real-real.png") as plot:
        assert plot.size[0] > 300
    (report / "real-real.json").unlink()
    (models_dir / "ensemble.json").unlink()


def test_evaluate_real_without_the_isophote_fit_leaves_its_rows_out(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]]
) -> None:
    models_dir, _ = tiny_repository
    real = labelled_set(tmp_path / "real", count=3)
    report = tmp_path / "report"
    main(["evaluate", "--real", str(real), "--models", str(models_dir), "--report", str(report),
          "--no-isophote"])
    text = (report / "real-real.md").read_text()
    assert "median ensemble" in text and "isophote" not in text
    rows = json.loads((report / "real-real.json").read_text())["images"]
    assert len(rows) == 3 and all(row["isophote"] is None for row in rows)


def test_the_catalogue_inclination_is_openngcs_axis_ratio_by_name() -> None:
    from pyongc import ongc

    major, minor = ongc.get("NGC7814").dimensions[:2]
    q = minor / major
    expected = np.degrees(np.arccos(np.sqrt((q**2 - 0.04) / 0.96)))
    names = ["NGC7814", "NGC 7814", "COSMOS-100027", "G0", "M108"]
    values = catalogue_inclinations([RealImage(Path("x.png"), n, 80.0) for n in names])
    assert values[0] == pytest.approx(expected, abs=0.05)
    assert values[1] == values[0]  # a space in the name is the same galaxy
    assert np.isnan(values[2]) and np.isnan(values[3])  # names OpenNGC does not know
    assert 0.0 < values[4] <= 90.0


def test_the_catalogue_row_needs_five_known_galaxies_and_other_references() -> None:
    names = ["NGC891", "NGC4565", "M108", "NGC3198", "NGC7814", "G9"]
    own = catalogue_inclinations([RealImage(Path("x.png"), n, None) for n in names])
    other = [RealImage(Path("x.png"), n, 80.0) for n in names]
    row = catalogue_statistics(own, other)
    assert row is not None and row["n_45_90"] == 5  # over the galaxies OpenNGC knows
    assert row["failed"] == 0  # G9, unknown, is left out, not counted as a miss
    # fewer than five known labelled galaxies: no row
    assert catalogue_statistics(own[1:], other[1:]) is None
    # a set labelled with the catalogue's own values (the wide set) is not compared with itself
    itself = [RealImage(Path("x.png"), n, round(float(v), 1) if np.isfinite(v) else None)
              for n, v in zip(names, own, strict=True)]
    assert catalogue_statistics(own, itself) is None


def test_evaluate_real_adds_the_catalogue_row_where_openngc_knows_the_galaxies(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]]
) -> None:
    models_dir, _ = tiny_repository
    names = ("NGC891", "NGC4565", "M108", "NGC3198", "NGC7814", "NGC925")
    real = labelled_set(tmp_path / "known", count=6, names=names)
    report = tmp_path / "report"
    main(["evaluate", "--real", str(real), "--models", str(models_dir), "--report", str(report),
          "--no-isophote"])
    saved = json.loads((report / "real-known.json").read_text())
    catalogue = catalogue_inclinations(read_index(real))
    assert [row["catalogue"] for row in saved["images"]] == catalogue.tolist()
    assert sum(i.incl is not None for i in read_index(real)) >= 5  # enough for the row
    assert CATALOGUE_ROW in saved["results"]
    assert CATALOGUE_ROW in (report / "real-known.md").read_text()
    unknown = labelled_set(tmp_path / "unknown", count=6)
    main(["evaluate", "--real", str(unknown), "--models", str(models_dir), "--report",
          str(report), "--no-isophote"])
    saved = json.loads((report / "real-unknown.json").read_text())
    assert CATALOGUE_ROW not in saved["results"]
    assert all(row["catalogue"] is None for row in saved["images"])


def test_evaluate_real_in_process_splits_the_figures_by_the_classifiers_verdict(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]]
) -> None:
    import shutil

    from tests.gateway.test_rejection import verdict_set
    from training.classifier import evaluate_real as classify_real
    from training.quick_classifier import make_tiny_classifier

    source, _ = tiny_repository
    models = tmp_path / "models"
    shutil.copytree(source, models)
    make_tiny_classifier(models)
    real = verdict_set(tmp_path / "verdicts")
    answers = predict_in_process(models, read_index(real), isophote=False)
    assert answers.likelihood is not None and answers.threshold == 0.5
    # the same verdicts as the classifiers' own real-set evaluation gives
    rows = classify_real(models, real / "index.csv")
    assert [r["likelihood"] for r in rows] == pytest.approx(answers.likelihood.tolist(), abs=1e-4)
    accepted = answers.accepted()
    assert accepted is not None and accepted.tolist() == [True, False]
    main(["evaluate", "--real", str(real), "--models", str(models), "--report",
          str(tmp_path / "report"), "--no-isophote"])
    saved = json.loads((tmp_path / "report" / "real-verdicts.json").read_text())
    assert [row["verdict"] for row in saved["images"]] == ["accept", "reject"]
    assert saved["results"]["median ensemble, accepted by the classifier"]["n_0_90"] == 1
    # without a classifier there is no verdict and no split
    plain = predict_in_process(source, read_index(real), isophote=False)
    assert plain.likelihood is None and plain.accepted() is None


def test_a_grouping_is_a_column_or_a_column_with_increasing_bin_edges() -> None:
    from training.realeval import Grouping

    assert Grouping.parse("rendering") == Grouping("rendering")
    bins = Grouping.parse("hlr_px=0,15,1000")
    assert bins == Grouping("hlr_px", (0.0, 15.0, 1000.0))
    assert [bins.label(v) for v in ("3", "15", "999.9", "1000", "1001", "-1", "", "big")] == [
        "0-15", "15-1000", "15-1000", "15-1000", "", "", "", ""]
    assert bins.order(["15-1000"]) == ["0-15", "15-1000"]
    assert Grouping("kind").order(["sdss", "photo", "sdss"]) == ["photo", "sdss"]
    assert Grouping.parse("x=1000000,1000001,2000000").order([]) == [
        "1e+06-1000001.0", "1000001.0-2e+06"]  # bins named apart however close
    for bad in ("x=1", "x=3,1", "x=1,1", "x=a,b", "=1,2", "", "x=0,nan", "x=0,inf"):
        with pytest.raises(ValueError, match="--by"):
            Grouping.parse(bad)


def test_figures_by_a_column_score_each_group_apart() -> None:
    from training.realeval import Grouping, by_column

    images = [RealImage(Path(f"{n}"), f"{n}", incl, columns={"rendering": r, "size": z})
              for n, (incl, r, z) in enumerate([(60.0, "photo", "10"), (80.0, "sdss", "20"),
                                                (70.0, "photo", "30"), (None, "sdss", "5")])]
    median = np.array([62.0, 75.0, 71.0, 20.0])
    sigma = np.array([3.0, 3.0, 0.5, 3.0])
    answers = Answers({}, median, np.zeros(4), sigma, np.array([50.0, 70.0, 60.0, 40.0]),
                      np.full(4, np.nan))
    groups = by_column(answers, images, Grouping("rendering"))
    assert list(groups) == ["photo", "sdss"]
    assert groups["photo"]["median ensemble"] == real_statistics(
        median[[0, 2]], [images[0], images[2]], sigma[[0, 2]])
    assert groups["photo"]["median ensemble"]["bias_45_90"] == pytest.approx(1.5)
    # each group's intervals counted apart: 62 ± 3 holds 60, 71 ± 0.5 misses 70, 75 ± 3 misses 80
    assert groups["photo"]["median ensemble"]["coverage_68"] == 0.5
    assert groups["sdss"]["median ensemble"]["coverage_68"] == 0.0
    assert "coverage_68" not in groups["sdss"]["axial-ratio q0=0.2"]
    assert groups["sdss"]["axial-ratio q0=0.2"]["n_face_on"] == 1
    sizes = by_column(answers, images, Grouping("size", (0.0, 15.0, 100.0)))
    assert {k: v["median ensemble"]["n_0_90"] for k, v in sizes.items()} == {
        "0-15": 1.0, "15-100": 2.0}
    with pytest.raises(ValueError, match="--by colour"):
        by_column(answers, images, Grouping("colour"))


def test_evaluate_real_reports_figures_by_index_columns_and_checks_them_first(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]]
) -> None:
    real = labelled_set(tmp_path / "real", count=4, columns={
        "rendering": ("sdss", "photo"), "hlr_px": ("5", "15", "25", "35")})
    report = tmp_path / "report"
    main(["evaluate", "--real", str(real), "--models", str(tiny_repository[0]), "--report",
          str(report), "--no-isophote", "--by", "rendering", "--by", "hlr_px=0,12,100"])
    by = json.loads((report / "real-real.json").read_text())["by_column"]
    assert list(by) == ["rendering", "hlr_px=0,12,100"]
    assert list(by["rendering"]) == ["photo", "sdss"]
    assert list(by["hlr_px=0,12,100"]) == ["0-12", "12-100"]
    text = (report / "real-real.md").read_text()
    assert "By rendering:" in text and "| 12-100, median ensemble (" in text
    with pytest.raises(ValueError, match="--by colour"):
        main(["evaluate", "--real", str(real), "--models", str(tiny_repository[0]), "--report",
              str(tmp_path / "other"), "--no-isophote", "--by", "colour"])
    assert not (tmp_path / "other").exists()
    with pytest.raises(SystemExit):
        main(["evaluate", "--real", str(real), "--by", "hlr_px=3,1"])
    with pytest.raises(SystemExit, match="--by needs --real"):
        main(["evaluate", "--by", "rendering"])


def test_the_index_keeps_its_other_columns_and_ignores_unnamed_fields(tmp_path: Path) -> None:
    (tmp_path / "index.csv").write_text(
        "path,name,incl,rendering\na.png,A,60,photo\nb.png,B,face_on,sdss,stray\n")
    images = read_index(tmp_path)
    assert [(i.name, i.incl, dict(i.columns)) for i in images] == [
        ("A", 60.0, {"rendering": "photo"}), ("B", None, {"rendering": "sdss"})]
    assert images[0].path == tmp_path / "a.png"


def test_an_index_written_is_read_back_with_missing_columns_left_empty(tmp_path: Path) -> None:
    rows = [{"path": "a.png", "name": "A", "incl": "60.0", "set": "one"},
            {"path": "b.png", "name": "B", "incl": "face_on"}]
    index = write_index(tmp_path / "new", rows, ["path", "name", "incl", "set"])
    assert index == tmp_path / "new" / "index.csv"
    images = read_index(tmp_path / "new")
    assert [(i.path, i.incl, i.columns["set"]) for i in images] == [
        (tmp_path / "new" / "a.png", 60.0, "one"), (tmp_path / "new" / "b.png", None, "")]
