"""Do the flavors underfit or overfit? Their errors on galaxies they trained on beside galaxies
drawn alike that they never saw.

``python -m training.fitcheck`` renders the first ``--count`` galaxies of a training set of the
recipe (the very images a flavor trained on: every galaxy is a pure function of its seed and
index) and as many of a held-out set, and prints each flavor's and the median's RMS and bias
over 45-90° and 0-90° on both, and the median's held-out RMS over 45-90° by the S/N at the
disk's edge. Errors about equal on both sets mean the flavors fit their training images no
better than new ones (capacity or the data's own ambiguity limits them); much smaller errors on
the training images mean overfitting.
"""

import argparse
import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from training.dataset import DatasetSpec, generate, load
from training.evaluate import Floats, predict_flavor, statistics
from training.export import flavor_manifests

# Bins of log10 S/N per pixel at the disk's isophotal edge (training.synthetic).
SNR_EDGES = (-math.inf, 0.0, 0.3, 0.6, math.inf)


def _errors(models_dir: Path, flavors: Sequence[str], data: Mapping[str, npt.NDArray[np.generic]]
            ) -> dict[str, Floats]:
    manifests = {m.name: m for m in flavor_manifests(models_dir) if m.task == "inclination"}
    missing = [name for name in flavors if name not in manifests]
    if missing:
        raise ValueError(f"{models_dir} has no flavor {', '.join(missing)}")
    answers = {name: predict_flavor(models_dir, manifests[name], data["images"])
               for name in flavors}
    answers["median"] = np.median(np.stack(list(answers.values())), axis=0)
    return answers


def fit_check(models_dir: Path, flavors: Sequence[str], trained: DatasetSpec,
              held_out: DatasetSpec, count: int, processes: int | None = None
              ) -> dict[str, dict[str, dict[str, float]]]:
    """{set: {flavor or 'median': statistics}} for the first ``count`` galaxies of each set,
    and {'held-out S/N': {bin: statistics of the median}}."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for label, spec in (("trained on", trained), ("held out", held_out)):
            directory = generate(Path(scratch) / label.replace(" ", "-"),
                                 replace(spec, count=count), processes, progress=False)
            data = load(directory)
            true = np.asarray(data["labels"], np.float64)
            answers = _errors(models_dir, flavors, data)
            results[label] = {name: statistics(answer, true) for name, answer in answers.items()}
        # data, true and answers are the held-out set's, the loop's last.
        snr = np.asarray(data["snr_log10"], np.float64)
        which = np.digitize(snr, SNR_EDGES[1:-1])
        results["held-out S/N"] = {
            f"log10 S/N {SNR_EDGES[i]:g} to {SNR_EDGES[i + 1]:g}": statistics(
                answers["median"][which == i], true[which == i])
            for i in range(len(SNR_EDGES) - 1) if np.any(which == i)}
    return results


def table(results: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    lines = ["| set | flavor | n | RMS 45-90° | bias 45-90° | RMS 0-90° |",
             "|---|---|---|---|---|---|"]
    for set_name, rows in results.items():
        for name, stats in rows.items():
            lines.append(f"| {set_name} | {name} | {stats['n']:.0f} | {stats['rms_45_90']:.2f} | "
                         f"{stats['bias_45_90']:+.2f} | {stats['rms_0_90']:.2f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    from training.recipe import DATASETS, QUICK_DATASETS

    parser = argparse.ArgumentParser(prog="python -m training.fitcheck", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--flavors", nargs="+", default=None,
                        help="default: every inclination flavor under --models")
    parser.add_argument("--trained", default="train-pedestal-2",
                        help="a training set of the recipe the flavors trained on")
    parser.add_argument("--held-out", default="test-pedestal", help="a set drawn alike")
    parser.add_argument("--count", type=int, default=800)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="the quick recipe's sets")
    args = parser.parse_args(argv)
    datasets = QUICK_DATASETS if args.quick else DATASETS
    flavors = args.flavors or [m.name for m in flavor_manifests(args.models)
                               if m.task == "inclination"]
    results = fit_check(args.models, flavors, datasets[args.trained], datasets[args.held_out],
                        args.count, args.processes)
    print(f"{args.count} galaxies of {args.trained} (trained on) and of {args.held_out} "
          f"(held out), plain answers, no copies\n")
    print(table(results))


if __name__ == "__main__":
    main()
