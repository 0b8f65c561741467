"""``python -m training <command>``: generate, train, recipe, evaluate, retrain, quick, classifier,
framing, sheet.

Every command is seeded and resumable; run it again after an interruption and it goes on.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from training.realeval import Grouping

ROOT = Path(__file__).resolve().parent
DEFAULT_DATASETS = ROOT / "datasets"
DEFAULT_RUNS = ROOT / "runs"
DEFAULT_MODELS = ROOT.parent / "models"


def _recipe(quick: bool):  # type: ignore[no-untyped-def]
    from training.recipe import FULL, QUICK

    return QUICK if quick else FULL


def _data_root(args: argparse.Namespace) -> Path:
    root: Path = args.datasets
    return root / "quick" if args.quick else root


def _grouping(text: str) -> "Grouping":
    from training.realeval import Grouping

    try:
        return Grouping.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_generate(args: argparse.Namespace) -> None:
    from training.dataset import generate

    recipe = _recipe(args.quick)
    names = list(recipe.datasets) if args.set == "all" else [args.set]
    for name in names:
        generate(_data_root(args) / name, recipe.datasets[name], processes=args.processes)


def _train(args: argparse.Namespace, names: Sequence[str] | None) -> None:
    from training.augment import EARLY_TYPE_BULGE, EARLY_TYPE_MIN_DEG
    from training.dataset import generate, join, load
    from training.train import train_flavor

    recipe = _recipe(args.quick)
    root = _data_root(args)
    for name in ("train", "validation"):
        generate(root / name, recipe.datasets[name], processes=args.processes)
    train, val = load(root / "train"), load(root / "validation")
    spec_train = recipe.datasets["train"]
    description = (
        f"synthetic galsim galaxies (training.synthetic), {spec_train.count} images, "
        f"seed {spec_train.seed}, generator v{spec_train.generator}, inclination uniform 0-90 "
        f"deg, labels in the axial-ratio convention (q0 = 0.2)"
    )
    runs = args.runs / "quick" if args.quick else args.runs
    flavors = [f for f in recipe.flavors if names is None or f.name in names]
    if names is not None and len(flavors) != len(names):
        known = ", ".join(f.name for f in recipe.flavors)
        raise SystemExit(f"unknown flavor in {list(names)}; the recipe has: {known}")
    for flavor in flavors:
        initial, about, data = None, description, train
        for extra in flavor.extra_training:
            spec_extra = recipe.datasets[extra]
            generate(root / extra, spec_extra, processes=args.processes)
            more = load(root / extra)
            data = join(data, more)
            about = (f"{about}; plus {spec_extra.count} galaxies"
                     + (f" ({spec_extra.kind})" if spec_extra.kind else "")
                     + f", seed {spec_extra.seed}")
        if flavor.base is not None:
            bases: Path = args.base_models or args.models
            initial, base_architecture = base_model(bases, flavor.base, flavor.architecture)
            about = f"{about}; fine-tuned from {flavor.base}"
            if base_architecture != flavor.architecture:
                about = f"{about} ({flavor.architecture}: its new blocks started as identities)"
        if flavor.early_type_weight != 1.0:
            about = (f"{about}; bulge-dominated galaxies (B/T >= {EARLY_TYPE_BULGE:g}) above "
                     f"{EARLY_TYPE_MIN_DEG:g} deg weighted x{flavor.early_type_weight:g}")
        train_flavor(flavor, data["images"], data["labels"],  # type: ignore[arg-type]
                     val["images"], val["labels"], runs / flavor.name,  # type: ignore[arg-type]
                     args.models, about, initial_model=initial,
                     bulge_fraction=data["bulge_fraction"])  # type: ignore[arg-type]
        print(f"exported {flavor.name} to {args.models}", flush=True)


def base_model(models_dir: Path, name: str, architecture: str):  # type: ignore[no-untyped-def]
    """The base flavor of a fine-tuning run with its exported weights loaded, as
    ``architecture`` (deepened when that is not the base's own), and the base's architecture."""
    from training.train import deepen, load_flavor

    if not (models_dir / name / "manifest.json").exists():
        raise SystemExit(f"fine-tuning needs the base flavor {name} in {models_dir}")
    model, manifest = load_flavor(models_dir, name)
    if manifest.architecture != architecture:
        model = deepen(model, architecture)
    return model, manifest.architecture


def cmd_train(args: argparse.Namespace) -> None:
    _train(args, args.flavor)


def cmd_recipe(args: argparse.Namespace) -> None:
    _train(args, None)
    if args.evaluate:
        from training.evaluate import evaluate_repository

        recipe = _recipe(args.quick)
        root = _data_root(args)
        evaluate_repository(args.models, root, recipe.datasets, args.report, args.processes)


def cmd_evaluate(args: argparse.Namespace) -> None:
    from training.evaluate import evaluate_repository

    if args.by and args.real is None:
        raise SystemExit("evaluate: --by needs --real (it groups a real set's index)")
    if args.keep_correction and not args.fit_domain:
        raise SystemExit("evaluate: --keep-correction goes with --fit-domain")
    if args.second_opinion and not args.fit_domain:
        raise SystemExit("evaluate: --second-opinion goes with --fit-domain")
    if args.real is not None:
        from training.realeval import evaluate_real, fit_domain

        if args.fit_domain:
            calibration = fit_domain(args.real, args.models, args.keep_correction,
                                     args.second_opinion)
            print(f"domain_scale {calibration.domain_scale}: {calibration.fitted_on}")
        evaluate_real(args.real, args.models, args.report, args.plots, args.url, args.label,
                      isophote=not args.no_isophote, frame=args.frame, groupings=tuple(args.by))
        return
    recipe = _recipe(args.quick)
    evaluate_repository(args.models, _data_root(args), recipe.datasets, args.report,
                        args.processes, write_manifests=not args.no_manifests,
                        plots_dir=args.plots)


def cmd_retrain(args: argparse.Namespace) -> None:
    from training.retrain import Images, Labels, replay_set, retrain

    def replay() -> tuple[Images, Labels]:
        return replay_set(_data_root(args), _recipe(args.quick).datasets, args.replay,
                          seed=args.seed, processes=args.processes)

    manifest = retrain(
        csv_path=args.csv, image_dir=args.images, name=args.name, models_dir=args.models,
        runs_dir=args.runs, base=args.base, architecture=args.architecture,
        epochs=args.epochs, seed=args.seed, validation_fraction=args.validation_fraction,
        frame=args.frame, replay=replay if args.replay else None, real_share=args.real_share,
        learning_rate=args.learning_rate,
    )
    print(manifest.model_dump_json(indent=2))


def cmd_quick(args: argparse.Namespace) -> None:
    from training.quick import make_tiny_repository

    for manifest in make_tiny_repository(args.models, tuple(args.flavors), args.mode, args.seed):
        print(f"exported {manifest.name} to {args.models}")


def cmd_classifier(args: argparse.Namespace) -> None:
    """The rejection classifiers: generate their data, train, evaluate, export; or evaluate
    the exported classifiers on a real set (``--real index.csv``), or compare exported
    classifiers on the synthetic test set (``--compare DIR``)."""
    import json

    from training.classifier import (
        FLAVORS,
        compare_on_synthetic,
        evaluate_real,
        run,
    )
    from training.classifier_data import generate, sets
    from training.negatives import NEGATIVES

    if args.real is not None:
        rows = evaluate_real(args.models, args.real, frame=args.frame)
        for row in rows:
            print(json.dumps(row))
        rejected = sum(r["verdict"] == "reject" for r in rows)
        print(f"rejected {rejected} of {len(rows)}", flush=True)
        kinds = sorted({str(r["kind"]) for r in rows if r.get("kind")})
        if kinds:
            print("by kind (rejected/images): " + ", ".join(
                f"{k} {sum(r.get('kind') == k and r['verdict'] == 'reject' for r in rows)}/"
                f"{sum(r.get('kind') == k for r in rows)}" for k in kinds), flush=True)
        return
    version = NEGATIVES if args.negatives is None else args.negatives
    specs = sets(version)
    root = args.datasets / ("classifier" if version == NEGATIVES else f"classifier-v{version}")
    if args.compare is not None:
        generate(root / "test", specs["test"], processes=args.processes)
        for row in compare_on_synthetic(args.compare, root / "test"):
            print(json.dumps(row), flush=True)
        return
    flavors = tuple(f for f in FLAVORS if f.negatives == version)
    if args.flavor:
        unknown = set(args.flavor) - {f.name for f in FLAVORS}
        if unknown:
            raise SystemExit(f"no classifier flavor {sorted(unknown)} in training/classifier.py")
        flavors = tuple(f for f in FLAVORS if f.name in args.flavor)
    other = sorted(f"{f.name} (v{f.negatives})" for f in flavors if f.negatives != version)
    if other:
        raise SystemExit(f"{', '.join(other)} trained on other training.negatives versions "
                         f"than v{version}: give --negatives")
    for name, spec in specs.items():
        generate(root / name, spec, processes=args.processes)
    run(root, args.runs, args.models, args.report, flavors, base_models=args.base_models)


def cmd_framing(args: argparse.Namespace) -> None:
    import json

    from training.dataset import generate
    from training.framingeval import evaluate_framing, markdown

    recipe = _recipe(args.quick)
    test_dir = _data_root(args) / "test"
    generate(test_dir, recipe.datasets["test"], processes=args.processes)
    rows = evaluate_framing(args.models, test_dir, args.output, args.count, args.seed)
    for row in rows:
        print(json.dumps(row), flush=True)
    print(markdown(rows), flush=True)


def cmd_sheet(args: argparse.Namespace) -> None:
    from training.sheet import contact_sheet

    if args.real is not None:
        from training.sheet import real_beside_synthetic

        print(real_beside_synthetic(args.real, args.output, seed=args.seed))
        return
    contact_sheet(args.output, seed=args.seed, hard=args.hard,
                  bulge_edge_on=args.bulge_edge_on, pedestals=args.pedestals,
                  clumpy=args.clumpy)
    print(args.output)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m training", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--quick", action="store_true", help="the seconds-long test recipe")
        p.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
        p.add_argument("--runs", type=Path, default=DEFAULT_RUNS)
        p.add_argument("--models", type=Path, default=DEFAULT_MODELS)
        p.add_argument("--processes", type=int, default=None, help="default: all cores")
        p.add_argument("--report", type=Path, default=DEFAULT_RUNS / "evaluation")

    p = sub.add_parser("generate", help="write synthetic data set shards")
    common(p)
    p.add_argument("--set", default="all",
                   choices=["all", "train", "train-early", "train-bulge-edge-on", "train-more",
                            "train-early-more", "train-bulge-edge-on-more", "train-third",
                            "train-early-third", "train-bulge-edge-on-third", "train-pedestal",
                            "train-early-pedestal", "train-bulge-edge-on-pedestal",
                            "train-every-pedestal", "train-early-every-pedestal",
                            "train-bulge-edge-on-every-pedestal", "train-pedestal-2",
                            "train-early-pedestal-2", "train-bulge-edge-on-pedestal-2",
                            "train-pedestal-3", "train-early-pedestal-3",
                            "train-bulge-edge-on-pedestal-3", "train-clumpy", "validation",
                            "test", "test-hard", "test-bulge-edge-on", "test-pedestal",
                            "test-clumpy"])
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("train", help="train (or resume) flavors of the recipe and export them")
    common(p)
    p.add_argument("flavor", nargs="+", help="flavor names from training/recipe.py")
    p.add_argument("--base-models", type=Path, default=None,
                   help="where a fine-tuned flavor's base flavor is read (default: --models)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("recipe", help="generate, train and export every flavor of the recipe")
    common(p)
    p.add_argument("--evaluate", action="store_true", help="then evaluate on the test sets")
    p.add_argument("--base-models", type=Path, default=None,
                   help="where a fine-tuned flavor's base flavor is read (default: --models)")
    p.set_defaults(func=cmd_recipe)

    p = sub.add_parser("evaluate", help="held-out test metrics, baselines, plots, manifests")
    common(p)
    p.add_argument("--no-manifests", action="store_true", help="do not update manifests")
    p.add_argument("--plots", type=Path, default=None,
                   help="where the PNG plots go (default: the report folder; the README's "
                        "come from --plots docs/images)")
    p.add_argument("--real", type=Path, default=None, metavar="DIR",
                   help="score real labelled images instead (DIR/index.csv: path,name,incl "
                        "with incl in degrees or face_on)")
    p.add_argument("--url", default=None,
                   help="with --real: post the images to this running gateway's /api/file "
                        "(e.g. http://127.0.0.1:8000) instead of running the models here")
    p.add_argument("--fit-domain", action="store_true",
                   help="with --real: first fit the calibration's real-image domain scale on "
                        "DIR (reports 5-fold cross-validated coverage)")
    p.add_argument("--keep-correction", action="store_true",
                   help="with --fit-domain: fit only the domain scale, under the real-image "
                        "correction the calibration has")
    p.add_argument("--second-opinion", action="store_true",
                   help="with --fit-domain: also fit axial_ratio_coefficient, how much the "
                        "departure of the image's axial-ratio inclination from the median "
                        "widens sigma (otherwise the calibration's is kept)")
    p.add_argument("--no-isophote", action="store_true",
                   help="with --real: leave the (slow) isophote fit out of the report")
    p.add_argument("--label", default="real images",
                   help="with --real: what the images are, for the report's title")
    p.add_argument("--by", action="append", default=[], metavar="COLUMN[=E0,E1,...]",
                   type=_grouping,
                   help="with --real: the figures by each value of this index column, or by "
                        "its numeric bins [E0, E1), [E1, E2), ...; repeatable")
    p.add_argument("--frame", choices=["auto", "as-is"], default="auto",
                   help="with --real: how uploads are framed (/api/file's frame=; default auto, "
                        "the service's default)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("retrain", help="train or fine-tune a flavor on labelled images (CSV)")
    p.add_argument("--csv", type=Path, required=True, action="append",
                   help="CSV with columns 'image,inclination', or an evaluate --real index "
                        "(path,incl; face_on rows left out); repeatable")
    p.add_argument("--images", type=Path, default=None,
                   help="where relative paths point (default: each CSV's folder)")
    p.add_argument("--name", required=True, help="the new flavor's name ([a-z0-9-])")
    p.add_argument("--base", default=None,
                   help="fine-tune this flavor of --models (e.g. res128-30)")
    p.add_argument("--architecture", default="vgg2")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--validation-fraction", type=float, default=0.15)
    p.add_argument("--learning-rate", type=float, default=None,
                   help="default 3e-4 fine-tuning, 1e-3 from scratch (cosine decay)")
    p.add_argument("--frame", choices=["auto", "as-is"], default="auto",
                   help="how the images are framed (/api/file's frame=; default auto)")
    p.add_argument("--replay", type=int, default=0, metavar="N",
                   help="mix in N synthetic training images drawn from the recipe's training "
                        "mix (the whole mix is generated under --datasets where missing: "
                        "minutes), so that fine-tuning does not forget them")
    p.add_argument("--real-share", type=float, default=0.2,
                   help="with --replay: the labelled images' share of each epoch (repeated)")
    p.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    p.add_argument("--processes", type=int, default=None)
    p.add_argument("--quick", action="store_true", help="replay from the seconds-long recipe")
    p.add_argument("--runs", type=Path, default=DEFAULT_RUNS)
    p.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    p.set_defaults(func=cmd_retrain)

    p = sub.add_parser("quick", help="a tiny model repository in seconds (for tests)")
    p.add_argument("--models", type=Path, required=True)
    p.add_argument("--flavors", nargs="+", default=["tiny-a", "tiny-b", "tiny-c"])
    p.add_argument("--mode", choices=["rgb", "gray"], default="rgb")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_quick)

    p = sub.add_parser("classifier", help="train and export the rejection classifiers, or "
                       "evaluate them on a real image set")
    common(p)
    p.add_argument("--real", type=Path, default=None,
                   help="index.csv of real images (path column): evaluate only")
    p.add_argument("--compare", type=Path, action="append", default=None, metavar="DIR",
                   help="score the classifiers under DIR (repeatable) on the synthetic test "
                        "set: each at its threshold and at equal disk acceptances")
    p.add_argument("--base-models", type=Path, default=None,
                   help="where the flavors the classifiers start from (inclination flavors' "
                        "backbones, or classifiers) are read (default: --models)")
    p.add_argument("--flavor", action="append", default=None, metavar="NAME",
                   help="train only this classifier flavor (repeatable; default: those of "
                        "training/classifier.py's FLAVORS trained on --negatives)")
    p.add_argument("--frame", choices=["auto", "as-is"], default="auto",
                   help="with --real: how the images are framed (/api/file's frame=)")
    p.add_argument("--negatives", type=int, default=None, metavar="VERSION",
                   help="the training.negatives version to draw the data with (default: the "
                        "current one; 3 for reject-k, 4 for reject-l and reject-m)")
    p.set_defaults(func=cmd_classifier)

    p = sub.add_parser("framing", help="uploads' framing (frame=as-is, auto) on synthetic test "
                       "galaxies as rendered and moved off centre in a wide field")
    common(p)
    p.add_argument("--output", type=Path, default=Path("/tmp/incline-framing"),
                   help="where the two sets of PNG files are written")
    p.add_argument("--count", type=int, default=400, help="test galaxies (the first N)")
    p.add_argument("--seed", type=int, default=0, help="draws the off-centre positions")
    p.set_defaults(func=cmd_framing)

    p = sub.add_parser("sheet", help="contact sheet PNG of synthetic galaxies")
    p.add_argument("--output", type=Path, default=ROOT.parent / "docs/images/contact-sheet.png")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--hard", action="store_true")
    p.add_argument("--bulge-edge-on", action="store_true",
                   help="bulge-dominated edge-ons (the test-bulge-edge-on kind)")
    p.add_argument("--pedestals", action="store_true",
                   help="galaxies with a sky pedestal (the test-pedestal kind), captioned with it")
    p.add_argument("--clumpy", action="store_true",
                   help="clumpy late types (the test-clumpy kind)")
    p.add_argument("--real", type=Path, default=None, metavar="DIR",
                   help="real labelled images (DIR/index.csv) beside synthetic ones of about "
                        "the same inclination")
    p.set_defaults(func=cmd_sheet)
    return top


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
