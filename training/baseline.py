"""The type-dependent variant of the classical baseline: HyperLEDA's intrinsic thickness
(Paturel et al. 1997), log r0 = 0.43 + 0.053·T for T ≤ 7, 0.38 beyond, q0 = 10^(-log r0),
in place of the fixed q0 = 0.2 of :mod:`inference.axial_ratio` (the axial ratio itself, and the
service's second opinion, come from there).
"""

import numpy as np


def hyperleda_q0(t_type: float) -> float:
    log_r0 = 0.43 + 0.053 * t_type if t_type <= 7 else 0.38
    return float(10 ** (-log_r0))


def type_from_bulge_fraction(bulge_fraction: float) -> float:
    """A morphological T type for a synthetic galaxy from its bulge-to-total ratio (B/T 0.6 →
    S0/a, T≈0; B/T 0 → Sd, T≈7), for the type-dependent baseline."""
    return float(np.clip(7.0 - 11.7 * bulge_fraction, 0.0, 7.0))
