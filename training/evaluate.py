"""Evaluate the exported flavors (the SavedModels, exactly as served) on the held-out synthetic
test sets: per flavor and for the median ensemble, RMS / MAE / bias over 45-90° and 0-90°; the
axial-ratio baselines on the same images; plots. Fits the ensemble's calibrated uncertainty and
alarm threshold on the validation set (``models/ensemble.json``) and reports its coverage. The
flavors' tables are their answers as trained; the calibration and its coverage are of the
answers as served, after the real-image correction an earlier calibration of the same flavors
fitted (``real_cos_scale``, kept). Writes the figures into each manifest and a report (JSON +
Markdown table). Real labelled images: :mod:`training.realeval`."""

import itertools
import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import tensorflow as tf

from inference.axial_ratio import Q0, axis_ratio, inclination_from_q
from inference.calibration import Calibration, cos_scaled, load_calibration, write_calibration
from inference.manifest import Manifest, write_manifest
from training.baseline import hyperleda_q0, type_from_bulge_fraction
from training.calibrate import fit_base_sigma, inside, over_flavors
from training.dataset import DatasetSpec, generate, load
from training.export import flavor_manifests, write_models_config

RANGES = {"45_90": (45.0, 90.0), "0_90": (0.0, 90.0)}
TEST_SETS = ("test", "test-hard", "test-bulge-edge-on", "test-pedestal", "test-clumpy")
ALARM_PERCENTILE = 99.0
DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"

Floats = npt.NDArray[np.float64]


def predict_flavor(models_dir: Path, manifest: Manifest, images: npt.NDArray[np.generic],
                   batch: int = 128) -> Floats:
    """Degrees predicted by the exported SavedModel (clipped as the manifest says)."""
    loaded = tf.saved_model.load(str(models_dir / manifest.name / str(manifest.version)))
    signature = loaded.signatures[manifest.input.signature]
    raw = []
    for start in range(0, len(images), batch):
        x = images[start:start + batch].astype(np.float32) / 255.0
        if manifest.input.shape[-1] == 1 and x.shape[-1] == 3:
            x = (x @ np.array([0.299, 0.587, 0.114], np.float32))[..., np.newaxis]
        out = signature(**{manifest.input.key: tf.constant(x)})[manifest.output.key]
        raw.append(np.asarray(out.numpy(), np.float64)[:, 0])
    degrees = manifest.output.offset_deg + manifest.output.scale_deg * np.concatenate(raw)
    return np.clip(degrees, manifest.output.min_deg, manifest.output.max_deg)


def statistics(predicted: Floats, true: Floats) -> dict[str, float]:
    """RMS, MAE, bias (predicted - true) per range; NaN predictions are counted as failures."""
    out: dict[str, float] = {}
    for key, (low, high) in RANGES.items():
        inside = (true >= low) & (true <= high)
        ok = inside & np.isfinite(predicted)
        delta = predicted[ok] - true[ok]
        out[f"rms_{key}"] = float(np.sqrt(np.mean(delta**2))) if ok.any() else math.nan
        out[f"mae_{key}"] = float(np.mean(np.abs(delta))) if ok.any() else math.nan
        out[f"bias_{key}"] = float(np.mean(delta)) if ok.any() else math.nan
        out[f"failed_{key}"] = float(np.sum(inside & ~np.isfinite(predicted)))
    out["n"] = float(len(true))
    return out


# Edges of the breakdown's bins (each bin [low, high), the last one closed at 1): bulge-to-total
# ratio, and the galaxy's diameter as a fraction of the frame.
BULGE_EDGES = (0.0, 0.1, 0.3, 0.5, 0.7, 1.0)
SIZE_EDGES = (0.0, 0.45, 0.7, 1.0)
BAR_EDGES = (0.0, 0.05, 0.2, 1.0)  # the bar's share of the disk light; 0 for no bar (65%)


def _binned(values: Floats, edges: tuple[float, ...]) -> dict[str, npt.NDArray[np.bool_]]:
    which = np.digitize(values, edges[1:-1])
    return {f"{low:g}-{high:g}": which == k
            for k, (low, high) in enumerate(itertools.pairwise(edges))}


def breakdown(predicted: Floats, true: Floats, data: Mapping[str, npt.NDArray[np.generic]]
              ) -> dict[str, dict[str, dict[str, float]]]:
    """Where the errors come from: :func:`statistics` of ``predicted`` on the images of each
    rendering (the Zoo's two polarities apart), each bulge-to-total bin, each bin of the
    galaxy's size in its frame and of its bar's share of the disk light (none, weak, strong),
    and, for a set drawn with sky pedestals, each kind of pedestal ('none' without one); with
    ``n_45_90`` (how many of them are inclined 45-90°)."""
    rendering = np.asarray(data["rendering"]).astype(str)
    look = np.where(np.asarray(data["inverted"], bool),
                    np.char.add(rendering, " inverted"), rendering)
    groups = {
        "rendering": {name: look == name for name in sorted(set(look.tolist()))},
        "bulge-to-total": _binned(np.asarray(data["bulge_fraction"], np.float64), BULGE_EDGES),
        "diameter / frame": _binned(np.asarray(data["diameter_fraction"], np.float64),
                                    SIZE_EDGES),
        "bar / disk light": _binned(np.asarray(data["bar"], np.float64), BAR_EDGES),
    }
    pedestal = np.asarray(data.get("pedestal", np.array([], str))).astype(str)
    if (pedestal != "").any():
        kinds = np.where(pedestal == "", "none", pedestal)
        groups["sky pedestal"] = {name: kinds == name for name in sorted(set(kinds.tolist()))}
    low, high = RANGES["45_90"]
    return {kind: {name: {**statistics(predicted[mask], true[mask]),
                          "n_45_90": float(np.sum(mask & (true >= low) & (true <= high)))}
                   for name, mask in masks.items() if mask.any()}
            for kind, masks in groups.items()}


def breakdown_table(parts: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """:func:`breakdown` as markdown: RMS, bias over 45-90°, RMS over 0-90° and counts."""
    lines = ["| | | RMS 45-90° | bias 45-90° | RMS 0-90° | images (45-90°) |",
             "|---|---|---|---|---|---|"]

    def cell(value: float, form: str) -> str:
        return "—" if math.isnan(value) else format(value, form)

    for kind, groups in parts.items():
        for name, stats in groups.items():
            lines.append(f"| {kind} | {name} | {cell(stats['rms_45_90'], '.2f')} | "
                         f"{cell(stats['bias_45_90'], '+.2f')} | "
                         f"{cell(stats['rms_0_90'], '.2f')} | "
                         f"{stats['n']:.0f} ({stats['n_45_90']:.0f}) |")
    return "\n".join(lines)


def baselines(data: Mapping[str, npt.NDArray[np.generic]]) -> dict[str, Floats]:
    images = data["images"]
    q = np.array([axis_ratio(image) for image in images])
    types = [type_from_bulge_fraction(float(b)) for b in data["bulge_fraction"]]
    fixed = np.array([inclination_from_q(v, Q0) for v in q])
    typed = np.array(
        [inclination_from_q(v, hyperleda_q0(t)) for v, t in zip(q, types, strict=True)]
    )
    return {"axial-ratio q0=0.2": fixed, "axial-ratio HyperLEDA q0(T)": typed}


def plot(true: Floats, predicted: Floats, baseline: Floats, title: str, prefix: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, ax = plt.subplots(figsize=(4.2, 4.0), dpi=80)
    ax.scatter(true, baseline, s=2, color="0.7", label="axial ratio, q0=0.2")
    ax.scatter(true, predicted, s=2, color="C0", label="median ensemble")
    ax.plot([0, 90], [0, 90], color="k", lw=0.8)
    ax.set(xlim=(0, 90), ylim=(0, 90), xlabel="true inclination (deg)",
           ylabel="predicted inclination (deg)", title=title)
    ax.legend(loc="upper left", fontsize=7, markerscale=4)
    fig.tight_layout()
    path = prefix.with_name(prefix.name + "-predicted-vs-true.png")
    fig.savefig(path)
    plt.close(fig)
    paths.append(path)

    fig, ax = plt.subplots(figsize=(5.0, 3.2), dpi=80)
    delta = predicted - true
    ax.scatter(true, delta, s=2, color="C0")
    slope, intercept = np.polyfit(true, delta, 1)
    xs = np.array([0.0, 90.0])
    ax.plot(xs, intercept + slope * xs, color="C3",
            label=f"least squares: Δi = {intercept:.2f} + {slope:.4f}·i")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set(xlim=(0, 90), ylim=(-20, 20), xlabel="true inclination (deg)",
           ylabel="Δi = predicted - true (deg)", title=title)
    ax.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    path = prefix.with_name(prefix.name + "-residuals-vs-true.png")
    fig.savefig(path)
    plt.close(fig)
    paths.append(path)
    return paths


def _row(name: str, stats: Mapping[str, float]) -> str:
    cells = [f"{stats[f'{s}_{r}']:.2f}" for r in RANGES for s in ("rms", "mae", "bias")]
    return f"| {name} | " + " | ".join(cells) + " |"


def markdown_table(results: Mapping[str, Mapping[str, float]]) -> str:
    head = "| | " + " | ".join(
        f"{s} {r.replace('_', '-')}°" for r in RANGES for s in ("RMS", "MAE", "bias")
    ) + " |"
    lines = [head, "|---" * (1 + 3 * len(RANGES)) + "|"]
    lines += [_row(name, stats) for name, stats in results.items()]
    return "\n".join(lines)


def predict_rot4(models_dir: Path, manifest: Manifest, images: npt.NDArray[np.generic]
                 ) -> tuple[Floats, Floats]:
    """(plain, rot4): the flavor on the images as they are, and the median over the four
    90-degree rotations (what the service answers with copies=rot4)."""
    rotations = np.stack([predict_flavor(models_dir, manifest, np.rot90(images, k, axes=(1, 2)))
                          for k in range(4)])
    return rotations[0], np.median(rotations, axis=0)


def _ensemble(per_flavor: Mapping[str, Floats]) -> tuple[Floats, Floats, Floats]:
    """(median, stdev, spread) over the flavors."""
    stack = np.stack(list(per_flavor.values()))
    return *over_flavors(stack), stack.max(axis=0) - stack.min(axis=0)


def fit_calibration(models_dir: Path, manifests: list[Manifest], data_root: Path,
                    datasets: Mapping[str, DatasetSpec], processes: int | None
                    ) -> tuple[Calibration, Floats]:
    """Base sigma and the alarm threshold from the synthetic validation set (rot4 copies, as
    served); the domain scale and axial-ratio coefficient of an earlier calibration of the
    same flavors are kept."""
    data = load(generate(data_root / "validation", datasets["validation"], processes=processes))
    true = np.asarray(data["labels"], np.float64)
    previous = load_calibration(models_dir)
    keep = previous is not None and sorted(previous.flavors) == sorted(m.name for m in manifests)
    cos_scale = previous.real_cos_scale if keep and previous else 1.0
    served = {m.name: cos_scaled(predict_rot4(models_dir, m, data["images"])[1], cos_scale)
              for m in manifests}
    median, stdev, spread = _ensemble(served)
    centres, bases = fit_base_sigma(median, stdev, true)
    spec = datasets["validation"]
    calibration = Calibration(
        flavors=sorted(served),
        bin_centres_deg=centres,
        base_sigma_deg=bases,
        spread_coefficient=1.0,
        domain_scale=previous.domain_scale if keep and previous else 1.0,
        axial_ratio_coefficient=previous.axial_ratio_coefficient if keep and previous else 0.0,
        real_cos_scale=cos_scale,
        alarm_threshold_deg=round(max(float(np.percentile(spread, ALARM_PERCENTILE)), 1.0), 2),
        fitted_on=(previous.fitted_on if keep and previous else
                   f"base sigma and alarm threshold: {spec.count} synthetic validation "
                   f"galaxies (seed {spec.seed}, generator v{spec.generator}), rot4 copies"),
        coverage={k: v for k, v in (previous.coverage.items() if keep and previous else [])
                  if k.startswith("real_")},
    )
    if calibration.domain_scale != 1.0:
        print(f"domain_scale {calibration.domain_scale} kept: it was fitted against the base "
              "sigma this replaces; fit it again (`evaluate --real DIR --fit-domain "
              "--keep-correction`)", flush=True)
    return calibration, spread


def evaluate_repository(
    models_dir: Path,
    data_root: Path,
    datasets: Mapping[str, DatasetSpec],
    report_dir: Path,
    processes: int | None = None,
    write_manifests: bool = True,
    plots_dir: Path | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Evaluate every flavor in ``models_dir`` on the synthetic test sets (:data:`TEST_SETS`
    that ``datasets`` names); fit the ensemble's uncertainty on the validation set and report
    its coverage on each."""
    report_dir.mkdir(parents=True, exist_ok=True)
    if plots_dir is not None:
        plots_dir.mkdir(parents=True, exist_ok=True)
    manifests = [m for m in flavor_manifests(models_dir) if m.task == "inclination"]
    if not manifests:
        raise ValueError(f"no flavors with a manifest in {models_dir}")
    calibration, _ = fit_calibration(models_dir, manifests, data_root, datasets, processes)
    results: dict[str, dict[str, dict[str, float]]] = {}
    spreads: dict[str, Floats] = {}
    coverage: dict[str, float] = {}
    parts: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for set_name in (name for name in TEST_SETS if name in datasets):
        directory = generate(data_root / set_name, datasets[set_name], processes=processes)
        data = load(directory)
        true = np.asarray(data["labels"], np.float64)
        both = {m.name: predict_rot4(models_dir, m, data["images"]) for m in manifests}
        per_flavor = {name: pair[0] for name, pair in both.items()}
        ensemble = _ensemble(per_flavor)[0]
        table: dict[str, dict[str, float]] = {
            name: statistics(pred, true) for name, pred in per_flavor.items()
        }
        table["median ensemble"] = statistics(ensemble, true)
        served_median = _ensemble({n: p[1] for n, p in both.items()})[0]
        table["median ensemble, rot4 copies"] = statistics(served_median, true)
        parts[set_name] = breakdown(served_median, true, data)
        answered, answered_stdev, spreads[set_name] = _ensemble(
            {n: calibration.correct(p[1]) for n, p in both.items()})
        if calibration.real_cos_scale != 1.0:
            table["median ensemble, rot4, as served (real-image correction)"] = statistics(
                answered, true)
        base = baselines(data)
        covered = inside(calibration, answered, answered_stdev, true, 1.0,
                         base["axial-ratio q0=0.2"])
        coverage[f"synthetic_{set_name.replace('-', '_')}"] = round(float(np.mean(covered)), 3)
        for name, pred in base.items():
            table[name] = statistics(pred, true)
        results[set_name] = table
        title = f"{set_name} set ({len(true)} synthetic galaxies)"
        prefix = (plots_dir or report_dir) / set_name
        plot(true, ensemble, base["axial-ratio q0=0.2"], title, prefix)
        columns = {"true": true, "ensemble": ensemble, **per_flavor,
                   **{k.replace(" ", "_"): v for k, v in base.items()}}
        np.savez(report_dir / f"{set_name}-predictions.npz", **columns)  # type: ignore[arg-type]
    calibration = calibration.model_copy(
        update={"coverage": {**coverage, **calibration.coverage}})
    if write_manifests:
        write_calibration(models_dir, calibration)

    threshold = calibration.alarm_threshold_deg
    ensemble_stats = results["test"]["median ensemble"]
    for manifest in manifests:
        metrics: dict[str, float] = {}
        for set_name, table in results.items():
            key = set_name.replace("-", "_")
            for stat, value in table[manifest.name].items():
                if not stat.startswith(("failed", "n")):
                    metrics[f"{key}_{stat}_deg"] = round(value, 3)
            for stat, value in table["median ensemble"].items():
                if not stat.startswith(("failed", "n")):
                    metrics[f"ensemble_{key}_{stat}_deg"] = round(value, 3)
            metrics[f"{key}_images"] = table[manifest.name]["n"]
        metrics["spread_p99_test_deg"] = round(float(np.percentile(spreads["test"], 99)), 3)
        if write_manifests:
            updated = manifest.model_copy(update={
                "metrics": metrics, "alarm_threshold_deg": round(max(threshold, 1.0), 2)})
            write_manifest(models_dir / manifest.name, updated)
    if write_manifests:
        write_models_config(models_dir)

    report = {
        "flavors": [m.name for m in manifests],
        "alarm_threshold_deg": threshold,
        "alarm_percentile": ALARM_PERCENTILE,
        "results": results,
        "breakdown": parts,
        "ensemble_test": ensemble_stats,
        "calibration": calibration.model_dump(mode="json"),
    }
    (report_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    text = []
    for set_name, table in results.items():
        spec = datasets[set_name]
        text.append(f"**{set_name}**: {spec.count} synthetic galaxies, seed {spec.seed}"
                    f"{f' ({spec.kind})' if spec.kind else ''}\n")
        text.append(markdown_table(table) + "\n")
        text.append(f"The median (rot4 copies) on {set_name}, by what the images show:\n")
        text.append(breakdown_table(parts[set_name]) + "\n")
    text.append(f"Alarm threshold (p{ALARM_PERCENTILE:.0f} of the flavors' spread on the "
                f"validation set, rot4 copies): {threshold:.2f}°\n")
    text.append("Coverage of the 68% interval (synthetic, after the real-image correction "
                f"real_cos_scale {calibration.real_cos_scale}, before the domain scale): "
                + ", ".join(f"{k} {v:.0%}" for k, v in coverage.items()) + "\n")
    (report_dir / "report.md").write_text("\n".join(text))
    print("\n".join(text), flush=True)
    return results
