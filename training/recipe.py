"""The full recipe for the shipped flavors: which data sets (sizes, seeds) and which flavors.

Seeds: training 1, validation 2; the held-out test sets use 1001 (standard) and 2001 (hard),
never used in training. A flavor with a ``base`` starts from that flavor's exported weights
(read from ``--base-models``, by default the ``--models`` folder the bases were trained into):
the shipped v3 flavors were fine-tuned from the v2 flavors as they are in git history
(``--base-models`` pointing at a checkout of them); ``recipe`` rebuilds everything from nothing,
the bases first. Sized to finish on the 2-core CPU machine in about an hour and a half
(see README).
"""

from dataclasses import dataclass
from typing import Any

from training.dataset import DatasetSpec
from training.train import FlavorSpec

TRAIN = DatasetSpec(count=16_000, seed=1)
# Bulge-dominated galaxies at the standard S/N (the training set has one in four): added to the
# training set of the flavors that name it in ``extra_training``.
TRAIN_EARLY = DatasetSpec(count=4_000, seed=3, early_types=True)
# Bulge-dominated edge-ons (70-90°, classical bulges with B/T up to 0.85, crisp dust lanes): the
# real photographs' worst answers (NGC 7814, NGC 1055) are these, read 14-18° too face-on.
TRAIN_BULGE_EDGE_ON = DatasetSpec(count=2_000, seed=4, bulge_edge_ons=True)
# 16,000 more galaxies of the standard kind, a fresh seed: by res128-14 the first 16,000 had been
# seen 29 times, and the validation loss was still falling at every stage's last epoch.
TRAIN_MORE = DatasetSpec(count=16_000, seed=5)
# ... and as many more early types and bulge-dominated edge-ons, so that the shares stay those of
# the shipped flavors' training set (with train-more alone the early types' share halved).
TRAIN_EARLY_MORE = DatasetSpec(count=4_000, seed=6, early_types=True)
TRAIN_BULGE_EDGE_ON_MORE = DatasetSpec(count=2_000, seed=7, bulge_edge_ons=True)
# The same mix a third time (seeds 8, 9, 10): doubling it was the first stage to gain on the
# development set by more than the noise (7.22 -> 6.85).
TRAIN_THIRD = DatasetSpec(count=16_000, seed=8)
TRAIN_EARLY_THIRD = DatasetSpec(count=4_000, seed=9, early_types=True)
TRAIN_BULGE_EDGE_ON_THIRD = DatasetSpec(count=2_000, seed=10, bulge_edge_ons=True)
# The same mix with sky pedestals (a faint glow of sky round the galaxy, as photographs and
# catalogue textures are pasted into black): the flavors read galaxies inside one as rounder.
TRAIN_PEDESTAL = DatasetSpec(count=16_000, seed=11, pedestals=True)
TRAIN_EARLY_PEDESTAL = DatasetSpec(count=4_000, seed=12, early_types=True, pedestals=True)
TRAIN_BULGE_EDGE_ON_PEDESTAL = DatasetSpec(count=2_000, seed=13, bulge_edge_ons=True,
                                           pedestals=True)
# ... and with a pedestal round every galaxy (a third of them had one above).
TRAIN_EVERY_PEDESTAL = DatasetSpec(count=16_000, seed=14, pedestals=True, pedestal_chance=1.0)
TRAIN_EARLY_EVERY_PEDESTAL = DatasetSpec(count=4_000, seed=15, early_types=True, pedestals=True,
                                         pedestal_chance=1.0)
TRAIN_BULGE_EDGE_ON_EVERY_PEDESTAL = DatasetSpec(count=2_000, seed=16, bulge_edge_ons=True,
                                                 pedestals=True, pedestal_chance=1.0)
# The pedestal mix again from fresh seeds: a replication of res128-24/25, vgg3-v13 on images
# it never saw.
TRAIN_PEDESTAL_2 = DatasetSpec(count=16_000, seed=17, pedestals=True)
TRAIN_EARLY_PEDESTAL_2 = DatasetSpec(count=4_000, seed=18, early_types=True, pedestals=True)
TRAIN_BULGE_EDGE_ON_PEDESTAL_2 = DatasetSpec(count=2_000, seed=19, bulge_edge_ons=True,
                                             pedestals=True)
# ... and from fresh seeds a third time, for a stage from the flavors the second one made.
TRAIN_PEDESTAL_3 = DatasetSpec(count=16_000, seed=20, pedestals=True)
TRAIN_EARLY_PEDESTAL_3 = DatasetSpec(count=4_000, seed=21, early_types=True, pedestals=True)
TRAIN_BULGE_EDGE_ON_PEDESTAL_3 = DatasetSpec(count=2_000, seed=22, bulge_edge_ons=True,
                                             pedestals=True)
# Clumpy late types (much of the light in star-forming clumps, a faint smooth disk, no bulge to
# speak of: NGC 45, NGC 925, NGC 7793, M33), with sky pedestals as the third pedestal mix has them.
TRAIN_CLUMPY = DatasetSpec(count=6_000, seed=23, clumpy=True, pedestals=True)
VALIDATION = DatasetSpec(count=1_000, seed=2)
TEST = DatasetSpec(count=2_000, seed=1001)
TEST_HARD = DatasetSpec(count=1_000, seed=2001, hard=True)
TEST_BULGE_EDGE_ON = DatasetSpec(count=500, seed=3001, bulge_edge_ons=True)
TEST_PEDESTAL = DatasetSpec(count=1_000, seed=4001, pedestals=True)
TEST_CLUMPY = DatasetSpec(count=500, seed=5001, clumpy=True)

DATASETS = {
    "train": TRAIN, "train-early": TRAIN_EARLY, "train-bulge-edge-on": TRAIN_BULGE_EDGE_ON,
    "train-more": TRAIN_MORE, "train-early-more": TRAIN_EARLY_MORE,
    "train-bulge-edge-on-more": TRAIN_BULGE_EDGE_ON_MORE,
    "train-third": TRAIN_THIRD, "train-early-third": TRAIN_EARLY_THIRD,
    "train-bulge-edge-on-third": TRAIN_BULGE_EDGE_ON_THIRD,
    "train-pedestal": TRAIN_PEDESTAL, "train-early-pedestal": TRAIN_EARLY_PEDESTAL,
    "train-bulge-edge-on-pedestal": TRAIN_BULGE_EDGE_ON_PEDESTAL,
    "train-every-pedestal": TRAIN_EVERY_PEDESTAL,
    "train-early-every-pedestal": TRAIN_EARLY_EVERY_PEDESTAL,
    "train-bulge-edge-on-every-pedestal": TRAIN_BULGE_EDGE_ON_EVERY_PEDESTAL,
    "train-pedestal-2": TRAIN_PEDESTAL_2, "train-early-pedestal-2": TRAIN_EARLY_PEDESTAL_2,
    "train-bulge-edge-on-pedestal-2": TRAIN_BULGE_EDGE_ON_PEDESTAL_2,
    "train-pedestal-3": TRAIN_PEDESTAL_3, "train-early-pedestal-3": TRAIN_EARLY_PEDESTAL_3,
    "train-bulge-edge-on-pedestal-3": TRAIN_BULGE_EDGE_ON_PEDESTAL_3,
    "train-clumpy": TRAIN_CLUMPY,
    "validation": VALIDATION, "test": TEST, "test-hard": TEST_HARD,
    "test-bulge-edge-on": TEST_BULGE_EDGE_ON, "test-pedestal": TEST_PEDESTAL,
    "test-clumpy": TEST_CLUMPY,
}

DOUBLED_MIX = ("train-early", "train-bulge-edge-on", "train-more", "train-early-more",
               "train-bulge-edge-on-more")
TRIPLED_MIX = (*DOUBLED_MIX, "train-third", "train-early-third", "train-bulge-edge-on-third")
PEDESTAL_MIX = ("train-early-third", "train-bulge-edge-on-third", "train-pedestal",
                "train-early-pedestal", "train-bulge-edge-on-pedestal")
PEDESTAL_MIX_2 = ("train-early-third", "train-bulge-edge-on-third", "train-pedestal-2",
                  "train-early-pedestal-2", "train-bulge-edge-on-pedestal-2")
PEDESTAL_MIX_3 = ("train-early-pedestal-2", "train-bulge-edge-on-pedestal-2", "train-pedestal-3",
                  "train-early-pedestal-3", "train-bulge-edge-on-pedestal-3")
CLUMPY_MIX = (*PEDESTAL_MIX_3, "train-clumpy")
EVERY_PEDESTAL_MIX = ("train-early-third", "train-bulge-edge-on-third", "train-every-pedestal",
                      "train-early-every-pedestal", "train-bulge-edge-on-every-pedestal")


def _stage(names: tuple[str, str, str], bases: tuple[str, str, str], seed: int,
           **training: Any) -> tuple[FlavorSpec, ...]:
    """A stage of the shipped ensemble: each flavor fine-tuned alike from its base, the seeds
    consecutive from ``seed``, the architecture the name's prefix (res128-…, vgg3-…)."""
    return tuple(FlavorSpec(name, name.split("-")[0], seed=seed + i, base=base, **training)
                 for i, (name, base) in enumerate(zip(names, bases, strict=True)))


FLAVORS = (
    FlavorSpec("res128-0", "res128", seed=30, bootstrap_fraction=1.0, epochs=18, patience=6),
    FlavorSpec("res128-1", "res128", seed=31, bootstrap_fraction=0.8, epochs=14, patience=6),
    FlavorSpec("vgg3-v2", "vgg3", seed=32, bootstrap_fraction=1.0, epochs=14, patience=6),
    FlavorSpec("res128-2", "res128", seed=33, bootstrap_fraction=1.0, epochs=18, patience=6),
    # Generator v3: the v2 flavors above, fine-tuned on the v3 images at a lower rate.
    *_stage(("res128-3", "res128-4", "vgg3-v3"), ("res128-0", "res128-2", "vgg3-v2"), 40,
            epochs=8, learning_rate=3e-4, patience=4),
    # The v3 flavors fine-tuned again with the bulge-dominated inclined galaxies (B/T >= 0.3,
    # above 60 deg) weighted up: on the hard set and real photographs they come out too face-on.
    *_stage(("res128-5", "res128-6", "vgg3-v4"), ("res128-3", "res128-4", "vgg3-v3"), 50,
            epochs=4, learning_rate=2e-4, patience=4, early_type_weight=2.5),
    # Those three stopped at their last (best) epoch: six more at a lower rate, same weights.
    *_stage(("res128-8", "res128-9", "vgg3-v5"), ("res128-5", "res128-6", "vgg3-v4"), 60,
            epochs=6, learning_rate=1.5e-4, patience=4, early_type_weight=2.5),
    # Bulge-dominated edge-ons are still read too face-on (synthetic B/T >= 0.5 above 75 deg:
    # 5-9 deg low): 4,000 more early types, their weight lowered so that their share of the
    # loss stays about what it was.
    *_stage(("res128-10", "res128-11", "vgg3-v6"), ("res128-8", "res128-9", "vgg3-v5"), 70,
            epochs=4, learning_rate=1.5e-4, patience=4, early_type_weight=2.0,
            extra_training=("train-early",)),
    # Still: the synthetic bulge-dominated edge-ons (B/T > 0.4, above 80°) are answered 5° too
    # face-on, the real ones 14-18°. 2,000 of them (B/T up to 0.85) added, and the weight of
    # the early types lowered again, so that the galaxies above 60° stay about half early types.
    *_stage(("res128-12", "res128-13", "vgg3-v7"), ("res128-10", "res128-11", "vgg3-v6"), 80,
            epochs=4, learning_rate=1e-4, patience=4, early_type_weight=1.5,
            extra_training=("train-early", "train-bulge-edge-on")),
    # Those three answered the standard test set 0.1° worse (too edge-on): three more epochs at
    # a lower rate, labels balanced only (no early-type weight).
    *_stage(("res128-14", "res128-15", "vgg3-v8"), ("res128-12", "res128-13", "vgg3-v7"), 90,
            epochs=3, learning_rate=5e-5, patience=3,
            extra_training=("train-early", "train-bulge-edge-on")),
    # More data and more epochs: the shipped three on 38,000 images (16,000 of them new). Failed
    # their rule (hard set 9.74 against 9.22, bulge-dominated edge-ons 11.98 against 11.36: the
    # early types' share of the training set had halved); not shipped.
    *_stage(("res128-16", "res128-17", "vgg3-v9"), ("res128-14", "res128-15", "vgg3-v8"), 100,
            epochs=4, learning_rate=1e-4, patience=4,
            extra_training=("train-early", "train-bulge-edge-on", "train-more")),
    # The same with the shipped training set's mix doubled (44,000 images, 22,000 of them new).
    # Passed their rule (test 5.36/7.33, hard 9.26, bulge-dominated edge-ons 10.97), then the
    # development set's (6.85 against 7.22): shipped, then replaced by res128-22/23, vgg3-v12.
    *_stage(("res128-18", "res128-19", "vgg3-v10"), ("res128-14", "res128-15", "vgg3-v8"), 110,
            epochs=4, learning_rate=1e-4, patience=4, extra_training=DOUBLED_MIX),
    # Their validation loss was lowest at the last epoch (res128-18) or the one before: three
    # more epochs on the same data at half the rate. Failed their rule by 0.06 deg (test 5.32
    # over 45-90 against the 5.26 asked; 0-90 7.21, hard 9.06, bulge-dominated edge-ons 10.65,
    # all better): not scored on real images, not shipped.
    *_stage(("res128-20", "res128-21", "vgg3-v11"), ("res128-18", "res128-19", "vgg3-v10"), 120,
            epochs=3, learning_rate=5e-5, patience=3, extra_training=DOUBLED_MIX),
    # res128-18, res128-19, vgg3-v10 on the mix tripled (66,000 images, 22,000 of them new).
    # Passed their rule (test 5.22/7.08, hard 9.06, bulge-dominated edge-ons 10.39) and the
    # development set's (7.01 against the 7.05 allowed): shipped, then replaced by res128-30/31,
    # vgg3-v16.
    *_stage(("res128-22", "res128-23", "vgg3-v12"), ("res128-18", "res128-19", "vgg3-v10"), 130,
            epochs=4, learning_rate=1e-4, patience=4, extra_training=TRIPLED_MIX),
    # The shipped three, 3 epochs on 44,000: the standard training set and the third mix's early
    # types and edge-ons (22,000, replayed) and the same mix with sky pedestals (22,000 new):
    # real photographs inside a glow of sky are read too face-on. Failed their rule (README,
    # "A glow of sky"): every synthetic set within 0.1° of the shipped, but the test-pedestal
    # galaxies with a pedestal gained 0.84° over 45-90° where 1.0° was asked; not shipped.
    *_stage(("res128-24", "res128-25", "vgg3-v13"), ("res128-22", "res128-23", "vgg3-v12"), 140,
            epochs=3, learning_rate=1e-4, patience=3, extra_training=PEDESTAL_MIX),
    # They passed every synthetic criterion but the pedestals' own (with a pedestal, 45-90°:
    # 6.25 -> 5.41, 5.25 asked; their validation loss still falling): 3 more epochs, same data.
    # Failed the same rule (with a pedestal 5.56); not shipped, never scored on real images.
    *_stage(("res128-26", "res128-27", "vgg3-v14"), ("res128-24", "res128-25", "vgg3-v13"), 150,
            epochs=3, learning_rate=7e-5, patience=3, extra_training=PEDESTAL_MIX),
    # The first of those two again, from the shipped three, with a pedestal round every galaxy
    # of the 22,000 new ones (half the training images, against a sixth). Failed the same rule
    # (with a pedestal 5.37; the standard set over 0-90° 7.48, 7.44 allowed); not shipped.
    *_stage(("res128-28", "res128-29", "vgg3-v15"), ("res128-22", "res128-23", "vgg3-v12"), 160,
            epochs=3, learning_rate=1e-4, patience=3, extra_training=EVERY_PEDESTAL_MIX),
    # The first pedestal stage again on 22,000 pedestal images from fresh seeds (17, 18, 19),
    # by a rule written down before it trained: within 0.1 deg of the shipped on the standard
    # sets, and the test-pedestal galaxies with a pedestal at least 0.5 deg better over 45-90.
    # Passed both (test 5.37/7.29, hard 9.58, bulge-dominated edge-ons 10.50, with a pedestal
    # 5.52 against the 5.75 asked) and the development step (CV 6.37 against 7.01): shipped.
    *_stage(("res128-30", "res128-31", "vgg3-v16"), ("res128-22", "res128-23", "vgg3-v12"), 170,
            epochs=3, learning_rate=1e-4, patience=3, extra_training=PEDESTAL_MIX_2),
    # The shipped three, the same again on 22,000 pedestal images from fresh seeds (20-22) with
    # the early types and edge-ons of the second pedestal set replayed, by a rule written down
    # before it trained (2026-12-03): every synthetic set within 0.1 deg of the shipped, the
    # test-pedestal galaxies with a pedestal at least 0.3 deg better over 45-90, then the
    # development set's cross-validated RMS no worse than the shipped's 6.37 + 0.2. Failed it:
    # every set within 0.1 (test 5.35/7.32, hard 9.65, bulge-dominated edge-ons 10.29) but with a
    # pedestal 5.43 against the shipped 5.52 (0.09 gained, 0.3 asked); not shipped, the
    # development set not scored.
    *_stage(("res128-32", "res128-33", "vgg3-v17"), ("res128-30", "res128-31", "vgg3-v16"), 180,
            epochs=3, learning_rate=1e-4, patience=3, extra_training=PEDESTAL_MIX_3),
    # The shipped three on the failed stage's data (its control) and 6,000 clumpy late types
    # (train-clumpy), by a rule written down before the clumpy test set existed (2026-12-03
    # 09:56 UTC): go on only if the shipped flavors are more than 0.5 deg worse on test-clumpy
    # than on test (they were: 5.94 against 5.37, plain median over 45-90); every other
    # synthetic set within 0.1 deg of the shipped, test-clumpy at least 1.0 better, then the
    # development set's cross-validated RMS no worse than 6.37 and the independent set's bars
    # still met. Failed it: test 5.38/7.28, bulge-dominated edge-ons 10.55, with a pedestal
    # 5.52 within the 0.1, but hard 9.80 (9.68 allowed) and test-clumpy 5.67 (0.27 gained, 1.0
    # asked); not shipped.
    *_stage(("res128-34", "res128-35", "vgg3-v18"), ("res128-30", "res128-31", "vgg3-v16"), 190,
            epochs=3, learning_rate=1e-4, patience=3, extra_training=CLUMPY_MIX),
    # Depth, not data: the shipped flavors answer their own training images no better than
    # held-out ones (`python -m training.fitcheck --trained train --held-out test`: the median
    # 5.28° over 45-90° on 800 galaxies of the set every flavor has trained on since generator
    # v3, 5.14° on 800 test galaxies), and not much better at high S/N (4.69° above S/N 4 at the
    # edge), where an axial ratio is measurable to a degree or two: too little
    # capacity, not overfitting. res128-30 and res128-31 deepened to res128d (a second residual
    # block at 16, 8 and 4 pixels, started as identities: the answers are unchanged before
    # training), then exactly the failed res128-32/33 stage (its data and schedule), so that
    # stage is the control and depth the only difference. Rule written down before they
    # trained (2026-12-03 17:06 UTC), the plain median of res128d-0, res128d-1 and vgg3-v16
    # against the shipped three's: the test set over 45-90° at least 0.2° better, over 0-90° no
    # more than 0.1° worse, the hard set, the bulge-dominated edge-ons and the test-pedestal set
    # over 45-90° no more than 0.1° worse; then the development set's cross-validated RMS no
    # worse than the shipped 6.37° and the independent set's bars still met. Failed it: test
    # 5.40/7.33 against the shipped 5.38/7.30 (0.02 worse where 0.2 better was asked), hard
    # 9.65, bulge-dominated edge-ons 10.38, test-pedestal 5.20, all within 0.1 of the shipped;
    # alone res128d-0 5.28 against res128-30's 5.27, res128d-1 5.70 against res128-31's 5.61:
    # no better than the control. Not shipped, the development set not scored.
    FlavorSpec("res128d-0", "res128d", seed=200, base="res128-30", epochs=3,
               learning_rate=1e-4, patience=3, extra_training=PEDESTAL_MIX_3),
    FlavorSpec("res128d-1", "res128d", seed=201, base="res128-31", epochs=3,
               learning_rate=1e-4, patience=3, extra_training=PEDESTAL_MIX_3),
    # Capacity from nothing: res128w (1.3M parameters: wider stages of 48-128 filters, two
    # residual blocks in each but the first) trained from random weights at 3e-4 on the same
    # 44,000 images, 20 epochs (about 100 minutes alone on this machine). Rule written down
    # before it trained (2026-12-03
    # 17:34 UTC): alone, plain (no copies), the standard test set over 45-90° at least 0.3°
    # better than res128-30 and over 0-90° no worse; the hard set, the bulge-dominated
    # edge-ons and the test-pedestal set over 45-90° no more than 0.1° worse than res128-30.
    # Then the ensemble with it (in place of a res128 flavor or as a fourth, whichever median
    # the standard test set over 45-90° prefers) to the development set, whose cross-validated
    # RMS must be no worse than the shipped 6.37°. The first start, at 1e-3, died in its first
    # epoch (every answer saturated at the tanh's end: training loss 1.28, as constant 0°
    # answers give) and was restarted at 3e-4 before anything was evaluated; the rule stands.
    FlavorSpec("res128w-0", "res128w", seed=210, epochs=20, learning_rate=3e-4, patience=6,
               extra_training=PEDESTAL_MIX_3),
)

QUICK_DATASETS = {
    "train": DatasetSpec(count=128, seed=1, shard_size=64),
    "train-early": DatasetSpec(count=16, seed=3, shard_size=16, early_types=True),
    "train-bulge-edge-on": DatasetSpec(count=16, seed=4, shard_size=16, bulge_edge_ons=True),
    "validation": DatasetSpec(count=32, seed=2, shard_size=32),
    "test": DatasetSpec(count=64, seed=1001, shard_size=64),
    "test-hard": DatasetSpec(count=32, seed=2001, hard=True, shard_size=32),
    "test-bulge-edge-on": DatasetSpec(count=16, seed=3001, shard_size=16, bulge_edge_ons=True),
}
QUICK_FLAVORS = (
    FlavorSpec("quick-0", "tiny", seed=10, epochs=2, batch_size=32),
    FlavorSpec("quick-1", "tiny", seed=11, bootstrap_fraction=0.67, epochs=2, batch_size=32),
    FlavorSpec("quick-2", "tiny", seed=12, epochs=1, batch_size=32, learning_rate=3e-4,
               base="quick-0", early_type_weight=2.5,
               extra_training=("train-early", "train-bulge-edge-on")),
)


@dataclass(frozen=True)
class Recipe:
    datasets: dict[str, DatasetSpec]
    flavors: tuple[FlavorSpec, ...]


FULL = Recipe(DATASETS, FLAVORS)
QUICK = Recipe(QUICK_DATASETS, QUICK_FLAVORS)
