"""Accuracy on real labelled images: ``python -m training evaluate --real DIR``.

``DIR/index.csv`` has the columns ``path,name,incl``: ``incl`` in degrees, or ``face_on`` for a
galaxy judged face-on (< 45°) without a number; a relative ``path`` is relative to DIR. An optional
``hubble`` column (a Hubble type such as ``SABc``) adds the median's and the baseline's figures by
type (:func:`hubble_group`); ``--by COLUMN`` or ``--by COLUMN=E0,E1,...`` the same by the values,
or the numeric bins, of any other column of the index (:class:`Grouping`).

In process (the default), every image goes through exactly what the service does to an upload:
``preprocessor.pipeline.preprocess_bytes`` (the flavor's colour mode, ``rot4`` test-time copies),
each flavor's SavedModel, the median over copies, the median over flavors and the calibrated
sigma of ``models/ensemble.json``. With ``--url`` the images are posted to a running gateway's
``/api/file`` instead and its answers are scored. Either way: RMS, MAE and bias over 45-90° and
0-90°, the face-on hit rate (answers below 50° for galaxies labelled face-on or with a reference
below 30°), the coverage of the
68% interval, the axial-ratio baseline and the isophote fit (:mod:`training.isophote`) side by
side, the median of the flavors with the isophote fit as one more member, OpenNGC's catalogue
axis ratio where it knows the set's galaxies by name (how far a catalogue value lies from the
references: no image is measured for it), the median's figures on the images the rejection
classifiers accept and on those they reject (where the models hold any), and a residual plot.
"""

import csv
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from inference.axial_ratio import DEPARTURE_DOUBT_DEG, Q0, image_inclination
from inference.calibration import Calibration, corrected, uncertainty
from preprocessor.copies import COPY_COUNTS, Copies
from preprocessor.framing import Frame
from preprocessor.pipeline import preprocess_bytes
from training.calibrate import face_on_range, over_flavors
from training.openngc import inclination

FACE_ON_BELOW_DEG = 50.0
FACE_ON_REFERENCE_BELOW_DEG = 30.0  # a numeric reference this low counts as a face-on galaxy too
BOOTSTRAP_DRAWS = 2000  # resamples of a set's images for the 68% interval of its RMS
COPIES: Copies = "rot4"
# The catalogue row: OpenNGC's axis ratio beside the image estimators, where it knows enough of
# the set's galaxies by name (not an estimator of the image: how near a catalogue value lies);
# its figures are over the galaxies OpenNGC knows.
CATALOGUE_ROW = f"catalogue axis ratio (OpenNGC) q0={Q0}"
MIN_CATALOGUE_IMAGES = 5

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RealImage:
    path: Path
    name: str
    incl: float | None  # None: labelled face_on
    hubble: str = ""  # the Hubble type, where the index gives one
    columns: Mapping[str, str] = field(default_factory=dict)  # the index's other columns


# Hubble stages grouped as the bulge shrinks: early (large bulge) to late (little or none).
HUBBLE_GROUPS = {"a": "Sa-Sab", "b": "Sb-Sbc", "c": "Sc-Scd", "d": "Sd-Sm", "m": "Sd-Sm"}


def hubble_group(hubble: str) -> str:
    """``Sa-Sab``, ``Sb-Sbc``, ``Sc-Scd`` or ``Sd-Sm`` for a spiral's Hubble type (barred or not:
    ``SBab`` is Sa-Sab, ``SABcd`` Sc-Scd); '' for anything else."""
    found = re.fullmatch(r"S(?:AB|B)?([a-dm])[a-dm]?", hubble.strip())
    return HUBBLE_GROUPS[found.group(1)] if found else ""


def write_index(directory: Path, rows: Sequence[Mapping[str, object]],
                columns: Sequence[str]) -> Path:
    """DIRECTORY/index.csv (the folder made if need be) holding ``rows`` under ``columns``
    (a column a row lacks is left empty); :func:`read_index` reads it back."""
    directory.mkdir(parents=True, exist_ok=True)
    index = directory / "index.csv"
    with index.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), restval="")
        writer.writeheader()
        writer.writerows(rows)
    return index


def read_index(directory: Path) -> list[RealImage]:
    directory = Path(directory)
    rows = []
    with (directory / "index.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            path = Path(row["path"])
            label = row["incl"].strip()
            rows.append(RealImage(path if path.is_absolute() else directory / path, row["name"],
                                  None if label == "face_on" else float(label),
                                  (row.get("hubble") or "").strip(),
                                  {k: (v or "").strip() for k, v in row.items()
                                   if isinstance(k, str) and isinstance(v, str | None)
                                   and k not in ("path", "name", "incl", "hubble")}))
    if not rows:
        raise ValueError(f"{directory}/index.csv lists no images")
    return rows


@dataclass(frozen=True)
class Answers:
    """What the ensemble said of each image: per flavor, and the combined answer."""

    flavors: dict[str, Floats]
    median: Floats
    stdev: Floats
    sigma: Floats
    baseline: Floats
    isophote: Floats
    likelihood: Floats | None = None  # the rejection classifiers' (None without one)
    threshold: float = math.nan  # ... and the threshold of their verdict

    def accepted(self) -> npt.NDArray[np.bool_] | None:
        """Which images the classifiers accept, as the service's verdict (None without one)."""
        return None if self.likelihood is None else self.likelihood < self.threshold


def predict_in_process(models_dir: Path, images: list[RealImage], isophote: bool = True,
                       frame: Frame = "auto", correct: bool = True, classify: bool = True
                       ) -> Answers:
    """The service's own path for an upload, in this process (imports TensorFlow); ``frame``
    as the gateway's ``/api/file?frame=`` (its default for uploads is ``auto``); without
    ``correct``, the flavors' answers before the real-image correction (``real_cos_scale``);
    without ``classify``, no rejection verdicts even where the models hold classifiers."""
    from inference.registry import load_registry
    from inference.runtime import LoadedFlavor

    registry = load_registry(models_dir)
    if not registry.flavors:
        raise ValueError(f"no usable flavors in {models_dir}")
    copies = COPY_COUNTS[COPIES]
    modes = {f.manifest.color_mode for f in registry.flavors}
    parts: dict[str, list[npt.NDArray[np.float32]]] = {mode: [] for mode in modes}
    baseline = []
    for image in images:
        data = image.path.read_bytes()
        for mode in modes:
            parts[mode].append(preprocess_bytes(data, mode, COPIES, frame=frame).tensor)
        # the second opinion, as the service computes it on the first copy of the rgb tensor
        # the gateway sends
        first = (parts["rgb"][-1] if "rgb" in parts
                 else preprocess_bytes(data, "rgb", "none", frame=frame).tensor)[0]
        baseline.append(image_inclination(first))
    tensors = {mode: np.concatenate(arrays) for mode, arrays in parts.items()}
    per_flavor: dict[str, Floats] = {}
    for flavor in registry.flavors:
        out = flavor.manifest.output
        raw = LoadedFlavor(flavor).predict(tensors[flavor.manifest.color_mode])
        degrees = out.offset_deg + out.scale_deg * raw.astype(np.float64)
        per_image = np.median(degrees.reshape(-1, copies), axis=1)
        answers = np.clip(per_image, out.min_deg, out.max_deg)
        per_flavor[flavor.name] = (corrected(registry.calibration, flavor.name, answers)
                                   if correct else answers)
    median, stdev = over_flavors(np.stack(list(per_flavor.values())))
    sigma = np.array([
        uncertainty(registry.calibration, list(per_flavor), float(m), float(s), float(b))[0]
        for m, s, b in zip(median, stdev, baseline, strict=True)
    ])
    scores, threshold = None, math.nan
    if classify and registry.classifiers:
        from training.classifier import rejection_of

        rgb = parts.get("rgb") or [preprocess_bytes(i.path.read_bytes(), "rgb", COPIES,
                                                    frame=frame).tensor for i in images]
        scores, threshold, _ = rejection_of(registry, rgb)
    return Answers(per_flavor, median, stdev, sigma, np.asarray(baseline, np.float64),
                   isophotes(images, isophote), scores, threshold)


def predict_through_service(url: str, images: list[RealImage], timeout_s: float = 120.0,
                            isophote: bool = True, frame: Frame = "auto") -> Answers:
    """POST each image to ``url``/api/file and read the answer (what a user gets)."""
    import httpx

    per_flavor: dict[str, list[float]] = {}
    median, stdev, sigma, baseline = [], [], [], []
    scores: list[float] = []
    thresholds: set[float] = set()
    with httpx.Client(base_url=url, timeout=timeout_s) as client:
        for image in images:
            data = image.path.read_bytes()
            response = client.post("/api/file", params={"frame": frame},
                                   files={"file": (image.path.name, data)})
            if response.status_code != 200:
                raise RuntimeError(f"{image.name}: {response.status_code} {response.text[:200]}")
            answer = response.json()
            median.append(answer["inclination"]["median"])
            stdev.append(answer["inclination"]["stdev"])
            sigma.append(answer["inclination"]["sigma"])
            for flavor in answer["flavors"]:
                per_flavor.setdefault(flavor["name"], []).append(flavor["inclination_deg"])
            if answer.get("rejection") is not None:
                scores.append(answer["rejection"]["likelihood"])
                thresholds.add(answer["rejection"]["threshold"])
            if "axial_ratio_deg" in answer["inclination"]:  # the service's second opinion
                axial = answer["inclination"]["axial_ratio_deg"]
                baseline.append(math.nan if axial is None else float(axial))
            else:  # a service from before it: the same measure, here
                first = preprocess_bytes(data, "rgb", "none", frame=frame).tensor[0]
                baseline.append(image_inclination(first))
    complete = {k: np.asarray(v) for k, v in per_flavor.items() if len(v) == len(images)}
    rejection = (np.asarray(scores, np.float64), thresholds.pop()) if (
        len(scores) == len(images) and len(thresholds) == 1) else (None, math.nan)
    return Answers(complete, np.asarray(median), np.asarray(stdev), np.asarray(sigma),
                   np.asarray(baseline), isophotes(images, isophote), *rejection)


def isophotes(images: list[RealImage], fit: bool = True) -> Floats:
    """The isophote-fit estimator on each image file (a second or two each on the development
    set's photographs, much longer on some large textures); NaN for every image without
    ``fit``."""
    from training.isophote import isophote_inclination

    if not fit:
        return np.full(len(images), math.nan)
    return np.asarray([isophote_inclination(i.path) for i in images], np.float64)


def catalogue_inclinations(images: list[RealImage]) -> Floats:
    """OpenNGC's isophotal axis ratio of each image's galaxy, found by the index's ``name``, as
    an inclination in the service's convention (q0 = 0.2); NaN where OpenNGC does not know the
    name or lacks an axis. Not a measurement of the image: how far a catalogue value lies from
    the set's references."""
    return np.asarray([inclination(image.name) for image in images], np.float64)


def catalogue_statistics(catalogue: Floats, images: list[RealImage]) -> dict[str, float] | None:
    """The catalogue row's figures over the images OpenNGC knows, or None where it knows fewer
    than :data:`MIN_CATALOGUE_IMAGES` labelled ones, or where the set's references are the
    catalogue's own values (the wide set: the row would be a set compared with itself)."""
    true = face_on_range([i.incl for i in images])
    known = np.isfinite(catalogue)
    labelled = known & np.isfinite(true)
    if labelled.sum() < MIN_CATALOGUE_IMAGES:
        return None
    if np.allclose(catalogue[labelled], true[labelled], atol=0.06):
        return None
    chosen = np.flatnonzero(known)
    return real_statistics(catalogue[chosen], [images[k] for k in chosen])


def bootstrap_rms(delta: Floats, draws: int = BOOTSTRAP_DRAWS, seed: int = 0
                  ) -> tuple[float, float]:
    """The central 68% of the RMS of ``delta`` over ``draws`` resamples of its images (with
    replacement): how far a set this small pins its own RMS down. NaN for no image."""
    if len(delta) == 0:
        return math.nan, math.nan
    picks = np.random.default_rng(seed).integers(0, len(delta), size=(draws, len(delta)))
    rms = np.sqrt(np.mean(np.asarray(delta, np.float64)[picks] ** 2, axis=1))
    low, high = np.percentile(rms, [16.0, 84.0])
    return float(low), float(high)


def real_statistics(predicted: Floats, images: list[RealImage],
                    sigma: Floats | None = None) -> dict[str, float]:
    """RMS (with its 68% bootstrap interval over the images, ``rms_*_lo`` and ``rms_*_hi``),
    MAE, bias per range over the numerically labelled images; the face-on hit rate (labelled
    face-on, or a reference below 30°); the 68% interval's coverage (numeric labels, interval
    clipped to 0-90 as served) and the mean Gaussian negative log-likelihood of the errors
    under it (``nll``)."""
    true = face_on_range([i.incl for i in images])
    face_on = np.asarray([i.incl is None or i.incl < FACE_ON_REFERENCE_BELOW_DEG
                          for i in images])
    out: dict[str, float] = {}
    for key, (low, high) in {"45_90": (45.0, 90.0), "0_90": (0.0, 90.0)}.items():
        chosen = (true >= low) & (true <= high) & np.isfinite(predicted)
        delta = predicted[chosen] - true[chosen]
        out[f"rms_{key}"] = float(np.sqrt(np.mean(delta**2))) if chosen.any() else math.nan
        out[f"rms_{key}_lo"], out[f"rms_{key}_hi"] = bootstrap_rms(delta)
        out[f"mae_{key}"] = float(np.mean(np.abs(delta))) if chosen.any() else math.nan
        out[f"bias_{key}"] = float(np.mean(delta)) if chosen.any() else math.nan
        out[f"n_{key}"] = float(chosen.sum())
    out["face_on_hit_rate"] = (
        float(np.mean(predicted[face_on] < FACE_ON_BELOW_DEG)) if face_on.any() else math.nan
    )
    out["n_face_on"] = float(face_on.sum())
    out["failed"] = float(np.sum(~np.isfinite(predicted)))
    if sigma is not None:
        numeric = np.isfinite(true) & np.isfinite(predicted)
        lower = np.maximum(0.0, predicted - sigma)
        upper = np.minimum(90.0, predicted + sigma)
        covered = (true >= lower) & (true <= upper)
        out["coverage_68"] = float(np.mean(covered[numeric])) if numeric.any() else math.nan
        out["median_sigma"] = float(np.median(sigma))
        # how likely the errors are as Gaussians of the answers' sigma (lower: sigma says more)
        error, spread = predicted[numeric] - true[numeric], sigma[numeric]
        out["nll"] = (float(np.mean(np.log(spread) + error**2 / (2 * spread**2)
                                    + 0.5 * math.log(2 * math.pi)))
                      if numeric.any() else math.nan)
    return out


def plot_residuals(images: list[RealImage], answers: Answers, title: str, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    true = face_on_range([i.incl for i in images])
    face_on = ~np.isfinite(true)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), dpi=80)
    ax = axes[0]
    ax.errorbar(true[~face_on], answers.median[~face_on], yerr=answers.sigma[~face_on], fmt="o",
                ms=3, color="C0", lw=0.8, label="service answer ± sigma")
    ax.scatter(true[~face_on], answers.baseline[~face_on], s=10, color="0.6", marker="x",
               label=f"axial ratio, q0={Q0}")
    ax.scatter(np.full(face_on.sum(), 20.0), answers.median[face_on], s=12, color="C2",
               label="labelled face-on (drawn at 20°)")
    ax.plot([0, 90], [0, 90], color="k", lw=0.8)
    ax.axhline(FACE_ON_BELOW_DEG, color="C2", lw=0.5, ls=":")
    ax.set(xlim=(0, 92), ylim=(0, 92), xlabel="reference inclination (deg)",
           ylabel="answer (deg)", title=title)
    ax.legend(fontsize=7, loc="upper left")
    ax = axes[1]
    delta = answers.median - true
    ax.scatter(true, delta, s=12, color="C0")
    for x, y, image in zip(true, delta, images, strict=True):
        if np.isfinite(y) and abs(y) > 8:
            ax.annotate(image.name, (x, y), fontsize=6, xytext=(3, 0), textcoords="offset points")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set(xlim=(40, 92), ylim=(-35, 35), xlabel="reference inclination (deg)",
           ylabel="answer - reference (deg)", title="residuals")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def bootstrap_sentence(stats: Mapping[str, float]) -> str:
    """How well the set pins the median's RMS over 45-90° down, in words."""
    if not stats["n_45_90"]:
        return "No image is labelled 45-90°."
    return (f"The median's RMS over 45-90° is {stats['rms_45_90']:.2f}°; resampling these "
            f"{stats['n_45_90']:.0f} images ({BOOTSTRAP_DRAWS:,} draws) puts 68% of it between "
            f"{stats['rms_45_90_lo']:.2f}° and {stats['rms_45_90_hi']:.2f}°.")


def markdown(results: Mapping[str, Mapping[str, float]]) -> str:
    head = ("| | RMS 45-90° | MAE 45-90° | bias 45-90° | RMS 0-90° | bias 0-90° | face-on < 50° "
            "| 68% coverage |")
    lines = [head, "|---|---|---|---|---|---|---|---|"]

    def cell(value: float | None, fmt: str = "{:.2f}") -> str:
        return "" if value is None or not math.isfinite(value) else fmt.format(value)

    for name, s in results.items():
        lines.append(
            f"| {name} | {cell(s['rms_45_90'])} | {cell(s['mae_45_90'])} | "
            f"{cell(s['bias_45_90'], '{:+.2f}')} | {cell(s['rms_0_90'])} | "
            f"{cell(s['bias_0_90'], '{:+.2f}')} | {cell(s['face_on_hit_rate'], '{:.0%}')} | "
            f"{cell(s.get('coverage_68'), '{:.0%}')} |"
        )
    return "\n".join(lines)


def figures_by_group(answers: Answers, images: list[RealImage], groups: list[str],
                     order: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """The median's (with its intervals' coverage) and the axial-ratio baseline's figures on the
    images of each group, in ``order`` (groups with no image, and images in the group '', left
    out)."""
    labels = np.asarray(groups)
    out = {}
    for group in order:
        chosen = labels == group
        if group and chosen.any():
            subset = [i for i, keep in zip(images, chosen, strict=True) if keep]
            out[group] = {"median ensemble": real_statistics(answers.median[chosen], subset,
                                                             answers.sigma[chosen]),
                          f"axial-ratio q0={Q0}": real_statistics(answers.baseline[chosen],
                                                                  subset)}
    return out


def by_hubble_type(answers: Answers, images: list[RealImage]
                   ) -> dict[str, dict[str, dict[str, float]]]:
    """:func:`figures_by_group` over each :func:`hubble_group`."""
    return figures_by_group(answers, images, [hubble_group(i.hubble) for i in images],
                            list(dict.fromkeys(HUBBLE_GROUPS.values())))


def edge_text(edge: float) -> str:
    """A bin edge as short as it reads back exactly (15 as "15", 1000001 in full)."""
    short = f"{edge:g}"
    return short if float(short) == edge else repr(edge)


@dataclass(frozen=True)
class Grouping:
    """``--by COLUMN`` (each value of an index column a group) or ``--by COLUMN=E0,E1,...``
    (numeric: the bins [E0, E1), [E1, E2), ..., the last one closed)."""

    column: str
    edges: tuple[float, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Grouping":
        column, _, edges = text.partition("=")
        if not column.strip():
            raise ValueError(f"--by {text!r}: no column")
        try:
            bins = tuple(float(e) for e in edges.split(",")) if edges else ()
        except ValueError:
            raise ValueError(f"--by {text!r}: the bin edges are not numbers") from None
        if edges and (len(bins) < 2 or list(bins) != sorted(set(bins))
                      or not all(math.isfinite(e) for e in bins)):
            raise ValueError(f"--by {text!r}: at least two increasing, finite bin edges")
        return cls(column.strip(), bins)

    def label(self, value: str) -> str:
        """The group of one image's value ('' for none: outside the bins, empty, not a number)."""
        if not self.edges:
            return value
        try:
            number = float(value)
        except ValueError:
            return ""
        last = len(self.edges) - 2
        for k, (low, high) in enumerate(itertools.pairwise(self.edges)):
            if low <= number < high or (k == last and number == high):
                return f"{edge_text(low)}-{edge_text(high)}"
        return ""

    def order(self, labels: list[str]) -> list[str]:
        if self.edges:
            return [f"{edge_text(a)}-{edge_text(b)}" for a, b in itertools.pairwise(self.edges)]
        return sorted(set(labels))


def check_column(images: list[RealImage], grouping: Grouping) -> None:
    """ValueError when the index lacks the grouping's column."""
    if any(grouping.column not in i.columns for i in images):
        raise ValueError(f"--by {grouping.column}: not a column of every row of the index "
                         "(path, name, incl and hubble are not groupings)")


def by_column(answers: Answers, images: list[RealImage], grouping: Grouping
              ) -> dict[str, dict[str, dict[str, float]]]:
    """:func:`figures_by_group` over the groups of an index column (:func:`check_column`)."""
    check_column(images, grouping)
    labels = [grouping.label(i.columns[grouping.column]) for i in images]
    return figures_by_group(answers, images, labels, grouping.order(labels))


def grouped_markdown(title: str, groups: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    return f"\n{title}:\n\n" + markdown(
        {f"{group}, {row} ({stats['n_45_90']:.0f} at 45-90°)": stats
         for group, pair in groups.items() for row, stats in pair.items()}) + "\n"


def evaluate_real(directory: Path, models_dir: Path, report_dir: Path,
                  plots_dir: Path | None = None, url: str | None = None,
                  label: str = "real images", isophote: bool = True, frame: Frame = "auto",
                  groupings: tuple[Grouping, ...] = ()) -> dict[str, dict[str, float]]:
    """Score the ensemble (in process, or the service at ``url``) on a real labelled set;
    without ``isophote`` the isophote-fit rows are left out; ``frame`` as ``/api/file``'s;
    each of ``groupings`` adds the figures by the groups of an index column."""
    images = read_index(directory)
    for grouping in groupings:  # a missing column fails before any image is scored
        check_column(images, grouping)
    catalogue = catalogue_inclinations(images)
    answers = (predict_through_service(url, images, isophote=isophote, frame=frame) if url
               else predict_in_process(models_dir, images, isophote, frame))
    results: dict[str, dict[str, float]] = {}
    for name, values in answers.flavors.items():
        results[name] = real_statistics(values, images)
    results["median ensemble" + (" (service /api/file)" if url else "")] = real_statistics(
        answers.median, images, answers.sigma)
    results[f"axial-ratio q0={Q0}"] = real_statistics(answers.baseline, images)
    if isophote:
        results["isophote fit (photutils)"] = real_statistics(answers.isophote, images)
        with_isophote = np.median(np.vstack([*answers.flavors.values(), np.where(
            np.isfinite(answers.isophote), answers.isophote, answers.median)]), axis=0)
        results["median of flavors + isophote fit"] = real_statistics(with_isophote, images)
    splits: dict[str, npt.NDArray[np.bool_]] = {}
    accepted = answers.accepted()
    if accepted is not None:
        splits |= {"accepted by the classifier": accepted, "rejected by the classifier": ~accepted}
    # the images without a second opinion (nothing stood out from the sky) are in neither
    with np.errstate(invalid="ignore"):
        gone = np.abs(answers.median - answers.baseline)  # NaN where there is none
    splits |= {f"axial ratio within {DEPARTURE_DOUBT_DEG:.0f}°": gone < DEPARTURE_DOUBT_DEG,
               f"axial ratio {DEPARTURE_DOUBT_DEG:.0f}° or more away": gone >= DEPARTURE_DOUBT_DEG}
    for words, chosen in splits.items():
        if chosen.any():
            picked = np.flatnonzero(chosen)
            results[f"median ensemble, {words}"] = real_statistics(
                answers.median[picked], [images[k] for k in picked], answers.sigma[picked])
    catalogue_row = catalogue_statistics(catalogue, images)
    if catalogue_row is not None:
        results[CATALOGUE_ROW] = catalogue_row
    report_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(directory).name or "real"
    rows = [{"name": i.name, "incl": "face_on" if i.incl is None else i.incl,
             "median": round(float(m), 2), "sigma": round(float(s), 2),
             "stdev": round(float(d), 2), "baseline": round(float(b), 2),
             "isophote": (round(float(answers.isophote[n]), 2)
                          if math.isfinite(answers.isophote[n]) else None),
             "catalogue": float(catalogue[n]) if math.isfinite(catalogue[n]) else None,
             **({} if accepted is None or answers.likelihood is None else {
                 "likelihood": round(float(answers.likelihood[n]), 4),
                 "verdict": "accept" if accepted[n] else "reject"}),
             **{k: round(float(v[n]), 2) for k, v in answers.flavors.items()}}
            for n, (i, m, s, d, b) in enumerate(zip(images, answers.median, answers.sigma,
                                                    answers.stdev, answers.baseline,
                                                    strict=True))]
    types = by_hubble_type(answers, images)
    columns = {(g.column + ("=" + ",".join(edge_text(e) for e in g.edges) if g.edges else "")):
               by_column(answers, images, g) for g in groupings}
    (report_dir / f"real-{stem}.json").write_text(json.dumps(
        {"directory": str(directory), "measured_on": label, "through": url or "in process",
         "frame": frame, "results": results, "by_hubble_type": types, "by_column": columns,
         "images": rows}, indent=2) + "\n")
    face_on = sum(i.incl is None or i.incl < FACE_ON_REFERENCE_BELOW_DEG for i in images)
    median_row = results["median ensemble" + (" (service /api/file)" if url else "")]
    text = (f"**{label}** ({len(images)} images, {face_on} face-on (labelled, or a reference "
            f"below {FACE_ON_REFERENCE_BELOW_DEG:.0f}°); "
            f"{'through ' + url + '/api/file' if url else 'in process'}; "
            f"frame={frame})\n\n"
            + markdown(results) + "\n\n" + bootstrap_sentence(median_row) + "\n")
    if types:
        text += grouped_markdown("By Hubble type", types)
    for spec, groups in columns.items():
        text += grouped_markdown(f"By {spec}", groups)
    (report_dir / f"real-{stem}.md").write_text(text)
    plot_residuals(images, answers, label, (plots_dir or report_dir) / f"real-{stem}.png")
    print(text, flush=True)
    return results


def fit_domain(directory: Path, models_dir: Path, keep_correction: bool = False,
               second_opinion: bool = False) -> Calibration:
    """Fit the real-image correction (``real_cos_scale``) of models/ensemble.json on a real
    labelled set (in process), then ``domain_scale`` on the answers as served after it (with
    ``second_opinion``, ``axial_ratio_coefficient`` first: how much the departure of the image's
    axial-ratio inclination from the median widens sigma; without it the calibration's
    coefficient is kept); record
    the figures of both fitted on four fifths and scored on the fifth left out (the mean over 20
    random splits); return the updated calibration. The base sigma and alarm threshold stay as
    ``training evaluate`` fitted them, under the correction the calibration had then: after a new
    correction, run it again (and this once more). ``keep_correction``: fit the domain scale
    alone, under the correction the calibration has (fitted on another set, say). Either way
    every real coverage figure recorded before (of the domain scale replaced) gives way to this
    set's. ValueError with fewer than ``MIN_REAL_IMAGES`` numerically labelled images."""
    from inference.calibration import load_calibration, write_calibration
    from training.calibrate import (
        MIN_REAL_IMAGES,
        fit_axial_ratio_coefficient,
        fit_cos_scale,
        fit_domain_scale,
        repeated_real_fit,
        served,
    )

    calibration = load_calibration(models_dir)
    if calibration is None:
        raise ValueError(f"no calibration in {models_dir}: run `python -m training evaluate`")
    images = read_index(directory)
    true = face_on_range([i.incl for i in images])
    numeric = np.isfinite(true)
    if numeric.sum() < MIN_REAL_IMAGES:
        raise ValueError(f"{int(numeric.sum())} numerically labelled images in {directory}: the "
                         f"real-image fit needs at least {MIN_REAL_IMAGES}")
    answers = predict_in_process(models_dir, images, isophote=False, correct=False,
                                 classify=False)
    flavors = np.stack(list(answers.flavors.values()))[:, numeric]
    true = true[numeric]
    axial = answers.baseline[numeric]
    raw = np.median(flavors, axis=0)
    cos_scale = calibration.real_cos_scale if keep_correction else fit_cos_scale(raw, true)
    base = calibration.model_copy(update={"domain_scale": 1.0, "real_cos_scale": cos_scale})
    median, stdev = served(flavors, cos_scale)
    coefficient = (fit_axial_ratio_coefficient(base, median, stdev, true, axial)
                   if second_opinion else calibration.axial_ratio_coefficient)
    base = base.model_copy(update={"axial_ratio_coefficient": coefficient})
    fitted = fit_domain_scale(base, median, stdev, true, axial)
    # Never narrower than the synthetic calibration: a small real set of one rendering (e.g.
    # photographs) says little about the others (survey cutouts), where errors may be larger.
    scale = max(1.0, fitted)
    splits = repeated_real_fit(base, flavors, true,
                               cos_scale=cos_scale if keep_correction else None, axial=axial,
                               fit_coefficient=second_opinion)
    (rms, bias, cv), (low, high) = splits.mean(axis=0), np.percentile(splits[:, 0], [0, 100])
    key = f"real_{Path(directory).name}"
    # every real coverage figure was of the domain scale this replaces
    coverage = {k: v for k, v in calibration.coverage.items() if not k.startswith("real_")}
    coverage[f"{key}_5fold_cv"] = round(float(cv), 3)
    how = (f"{fitted:.3f}" if fitted > 1.0 else f"the fit asked for {fitted:.2f}, kept at 1: "
           "never narrower than the synthetic calibration")
    widening = (f" and axial_ratio_coefficient ({coefficient}, by the Gaussian likelihood of "
                "the errors)" if second_opinion
                else f" (axial_ratio_coefficient {coefficient} kept)" if coefficient else "")
    if keep_correction:
        under = ("under the correction above" if cos_scale != 1.0
                 else "with no real-image correction")
        fitted_on = (re.split(r"; domain_scale", calibration.fitted_on)[0]
                     + f"; domain_scale{widening} fitted on the "
                     f"{len(true)} numerically labelled real images"
                     f" of {Path(directory).name} {under} ({how}; 5-fold cross-validated "
                     f"coverage, fitted without the fold, {cv:.0%})")
    else:
        in_range = true >= 45.0
        correction = (f"real_cos_scale {cos_scale} fitted on the {len(true)} numerically "
                      f"labelled real images of {Path(directory).name} (5-fold cross-validated "
                      f"RMS 45-90° {rms:.2f}, bias {bias:+.2f}: the mean over {len(splits)} "
                      f"random splits, RMS {low:.2f}-{high:.2f}; uncorrected "
                      f"{np.sqrt(np.mean((raw - true)[in_range] ** 2)):.2f}, "
                      f"{np.mean((raw - true)[in_range]):+.2f})")
        fitted_on = (re.split(r"; (?:real_cos_scale|domain_scale)", calibration.fitted_on)[0]
                     + f"; {correction}; domain_scale{widening} fitted on the same images "
                     f"after the correction ({how}; 5-fold cross-validated coverage, all fitted "
                     f"without the fold, {cv:.0%})")
    updated = calibration.model_copy(update={
        "domain_scale": scale, "real_cos_scale": cos_scale, "coverage": coverage,
        "axial_ratio_coefficient": coefficient,
        "fitted_on": fitted_on,
    })
    write_calibration(models_dir, updated)
    if cos_scale != calibration.real_cos_scale:
        print(f"real_cos_scale {calibration.real_cos_scale} -> {cos_scale}: base sigma and the "
              "alarm threshold were fitted under the old one; run `python -m training evaluate` "
              "and then this again", flush=True)
    return updated
