"""Value of information from a probabilistic sensitivity analysis (docs/evidence.md).

The expected value of perfect information (EVPI) is what resolving every uncertainty before
choosing among the options would be worth; the expected value of partial perfect
information (EVPPI) of a parameter or group, what resolving only that would be worth. Both
come from the PSA's draws: EVPI directly, EVPPI by the nonparametric-regression method of
Strong, Oakley & Brennan (2014, *Med Decis Making* 34:311-326): regress each option's net
benefit on the parameter(s) of interest; the fitted values estimate the net benefit
expected once those parameters are known, and

    EVPPI = mean over draws of max_d fitted_d  −  max_d mean over draws of NB_d.

One parameter is fitted with a penalised cubic spline, a group with a Gaussian process
(automatic relevance per parameter), both from scikit-learn, as Strong et al. recommend.
The regression smooths out the model's stochastic noise. When that noise is large (in
this model chance is most of one complex's variance) and the group has several inputs,
a Gaussian process with short length scales can reproduce the noise draw by draw (on
the draws it is then the same as white noise, so the likelihood cannot tell them
apart) and calls any group valuable: on the main job's 128 draws, every group came out
at the EVPI, shuffled draws too. Length scales are therefore kept at
:data:`MIN_LENGTH_SCALE` prior standard deviations or more, and :func:`evppi_table`
reports beside each EVPPI its *noise floor*: the same estimate with that input's draws
shuffled, a value no input can explain.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["MIN_LENGTH_SCALE", "evpi", "evppi", "evppi_table", "fitted_net_benefit"]

#: Shortest length scale of a group's Gaussian process, in prior standard deviations of
#: each input. At 1.0 a 9-parameter group still fitted the noise on shuffled draws of
#: the main job (EVPPI €62k where none can be); at 1.5 every shuffled group gave ≤ €0.2k.
MIN_LENGTH_SCALE = 1.5


def _as_matrix(nb: pd.DataFrame | np.ndarray) -> np.ndarray:
    x = np.asarray(nb, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError("net benefit must be a table of draws (rows) by options (columns)")
    if not np.isfinite(x).all():
        raise ValueError("net benefit has missing or infinite values")
    return x


def evpi(nb: pd.DataFrame | np.ndarray) -> float:
    """E[max_d NB_d] − max_d E[NB_d] over the draws (rows) and options (columns); ≥ 0."""
    x = _as_matrix(nb)
    return float(max(x.max(axis=1).mean() - x.mean(axis=0).max(), 0.0))


def fitted_net_benefit(nb: pd.DataFrame | np.ndarray, inputs: pd.DataFrame | np.ndarray,
                       *, seed: int = 0) -> np.ndarray:
    """Each option's net benefit regressed on ``inputs`` (draws × parameters), fitted values.

    One input: cubic splines with a cross-validated ridge penalty; several: a Gaussian
    process with an anisotropic RBF kernel (length scales ≥ :data:`MIN_LENGTH_SCALE` on
    standardised inputs) and a fitted noise term. The fit is centred on each option's
    mean, so an input that explains nothing gives (close to) that mean.
    """
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer, StandardScaler

    y = _as_matrix(nb)
    x = np.asarray(inputs, dtype=float)
    x = x.reshape(len(x), -1)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} rows of inputs for {len(y)} draws of net benefit")
    out = np.empty_like(y)
    for j in range(y.shape[1]):
        col = y[:, j]
        if np.ptp(col) == 0.0:
            out[:, j] = col
            continue
        if x.shape[1] == 1:
            knots = int(np.clip(len(x) // 20, 4, 12))
            model = make_pipeline(SplineTransformer(n_knots=knots, degree=3),
                                  RidgeCV(alphas=np.logspace(-4, 4, 17)))
            out[:, j] = model.fit(x, col).predict(x)
        else:
            scale = col.std()
            kernel = (ConstantKernel(1.0, (1e-3, 1e3))
                      * RBF(np.full(x.shape[1], 2.0 * MIN_LENGTH_SCALE),
                            (MIN_LENGTH_SCALE, 1e3))
                      + WhiteKernel(0.5, (1e-6, 1e1)))
            gp = GaussianProcessRegressor(kernel, normalize_y=False, n_restarts_optimizer=1,
                                          random_state=seed)
            xs = StandardScaler().fit_transform(x)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence chatter at the bounds
                gp.fit(xs, (col - col.mean()) / scale)
            out[:, j] = gp.predict(xs) * scale + col.mean()
    return out


def evppi(nb: pd.DataFrame | np.ndarray, inputs: pd.DataFrame | np.ndarray, *,
          seed: int = 0, clip: bool = True) -> float:
    """EVPPI of ``inputs`` (one parameter or a group) for the choice among the options.

    Clipped to [0, EVPI] (``clip``): the regression estimate can fall just outside by
    noise; the unclipped estimate is for checking the method.
    """
    x = _as_matrix(nb)
    fitted = fitted_net_benefit(x, inputs, seed=seed)
    value = float(fitted.max(axis=1).mean() - x.mean(axis=0).max())
    return min(max(value, 0.0), evpi(x)) if clip else value


def evppi_table(nb: pd.DataFrame, draws: pd.DataFrame,
                groups: Mapping[str, Sequence[str]] | None = None, *,
                seed: int = 0) -> pd.DataFrame:
    """EVPPI of each parameter (column of ``draws``) and each group, with EVPI beside it.

    Rows: ``name``, ``kind`` ("parameter" or "group"), ``evppi``, ``floor`` (the EVPPI of
    the same input with its draws shuffled by ``seed``: what the estimator gives for an
    input that explains nothing), ``share_of_evpi``; sorted by EVPPI, largest first.
    Parameters that did not vary are left out. An EVPPI near its floor is not resolved.
    """
    total = evpi(nb)
    order = np.random.default_rng(seed).permutation(len(draws))

    def row(name: str, kind: str, x: pd.DataFrame) -> tuple[str, str, float, float]:
        shuffled = x.to_numpy()[order]
        return (name, kind, evppi(nb, x, seed=seed), evppi(nb, shuffled, seed=seed))

    rows = []
    for key in draws.columns:
        if draws[key].nunique() > 1:
            rows.append(row(key, "parameter", draws[[key]]))
    for name, keys in (groups or {}).items():
        keys = [k for k in keys if k in draws.columns and draws[k].nunique() > 1]
        if keys:
            rows.append(row(name, "group", draws[keys]))
    table = pd.DataFrame(rows, columns=["name", "kind", "evppi", "floor"])
    table["share_of_evpi"] = table["evppi"] / total if total > 0 else 0.0
    table.attrs["evpi"] = total
    return table.sort_values("evppi", ascending=False, ignore_index=True)
