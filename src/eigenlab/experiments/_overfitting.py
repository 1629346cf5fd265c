r"""Measured overfitting: how much label noise interpolating learners absorb.

Ridgeless KRR fitted to labels :math:`y = f(x) + \xi` has test risk
:math:`\mathcal{E}_0 (B + \epsilon^2)` in the eigenframework, so the label noise costs
:math:`(\mathcal{E}_0 - 1)\epsilon^2` beyond the noise floor. How the overfitting
coefficient :math:`\mathcal{E}_0` behaves as n grows sorts learners into benign (it tends
to 1), tempered (a constant above 1) and catastrophic (it diverges) (Mallinar, Simon et al.
2022, arXiv:2207.06569). This module measures it three independent ways:

* **noise fitting**: ridgeless KRR on pure noise labels, tested against fresh noise: the
  test MSE per unit noise variance is :math:`\mathcal{E}_0` (:func:`measure_overfitting_
  coefficient`);
* **the data-only estimator** :math:`n\,\mathrm{Tr}[(K + \delta)^{-2}] /
  \mathrm{Tr}[(K + \delta)^{-1}]^2` on the same training Gram matrices (spec §4.3);
* **noise sensitivity**: the slope of the test MSE against *clean* test targets over the
  label-noise variance, :math:`\mathcal{E}_0 - 1`, for KRR (:func:`krr_noise_sensitivity`)
  and for a trained MLP (:func:`mlp_noise_sensitivity`), where no eigenframework applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array, check_nonnegative, check_sample_sizes

__all__ = ["MeasuredOverfitting", "NoiseSensitivity", "krr_noise_sensitivity",
           "krr_overfitting", "measure_overfitting_coefficient", "mlp_noise_sensitivity",
           "sphere_points"]

Progress = Callable[[int, int], None]


def sphere_points(n: int, dim: int, seed=0) -> np.ndarray:
    """``n`` points drawn uniformly from the unit sphere :math:`S^{d-1} \\subset
    \\mathbb{R}^d` (normalised Gaussian vectors), float64, shape (n, dim)."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"`n` must be a positive integer; got {n!r}.")
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 2:
        raise ValueError(f"`dim` must be an integer >= 2; got {dim!r}.")
    x = np.random.default_rng(seed).standard_normal((int(n), int(dim)))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@dataclass(frozen=True, eq=False)
class MeasuredOverfitting:
    r"""The overfitting coefficient measured over trials; arrays of shape (trials, len(n)).

    Attributes
    ----------
    n : ndarray
    ridge : float
    overfitting_coefficient : ndarray
        Noise fitting: test MSE of KRR trained on pure unit-variance noise labels, against
        fresh noise labels of held-out points. Its expectation is :math:`\mathcal{E}_0`.
    overfitting_estimate : ndarray
        The data-only estimator :math:`n\,\mathrm{Tr}[(K + \delta)^{-2}] /
        \mathrm{Tr}[(K + \delta)^{-1}]^2` of the same training Gram matrices (at ridge 0,
        over the eigenvalues kept by the pseudo-inverse).
    test_size : int
    """

    n: np.ndarray
    ridge: float
    overfitting_coefficient: np.ndarray
    overfitting_estimate: np.ndarray
    test_size: int

    def to_frame(self, **settings):
        """Tidy table: one row per (trial, n) and method (``noise-fit``, ``estimator``)."""
        import pandas as pd

        trials, sizes = np.meshgrid(np.arange(self.overfitting_coefficient.shape[0]), self.n,
                                    indexing="ij")
        frames = [pd.DataFrame({"method": method, "n": sizes.ravel(), "ridge": self.ridge,
                                "trial": trials.ravel(),
                                "overfitting_coefficient": values.ravel()})
                  for method, values in (("noise-fit", self.overfitting_coefficient),
                                         ("estimator", self.overfitting_estimate))]
        frame = pd.concat(frames, ignore_index=True)
        frame["test_size"] = self.test_size
        for key, value in settings.items():
            frame[key] = value
        return frame


@dataclass(frozen=True, eq=False)
class NoiseSensitivity:
    r"""Test MSE against clean targets over label-noise levels; shape (trials, len(n),
    len(noise)).

    Attributes
    ----------
    learner : str
        ``"krr"`` or ``"mlp"``.
    n, noise : ndarray
        Training sizes; label-noise variances :math:`\epsilon^2` (per output).
    test_mse, train_mse : ndarray
        Test MSE against the clean targets of held-out points; train MSE against the noisy
        training labels (near 0 for an interpolating learner).
    """

    learner: str
    n: np.ndarray
    noise: np.ndarray
    test_mse: np.ndarray
    train_mse: np.ndarray

    @property
    def excess_per_noise(self) -> np.ndarray:
        r"""Per n, the least-squares slope of the trial-mean test MSE over :math:`\epsilon^2`:
        the noise-induced excess risk per unit noise variance, :math:`\mathcal{E}_0 - 1` for
        KRR. Shape (len(n),)."""
        mean = self.test_mse.mean(axis=0)
        centred = self.noise - self.noise.mean()
        return (mean - mean.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)

    def to_frame(self, **settings):
        """Tidy table: one row per (trial, n, noise)."""
        import pandas as pd

        trials, sizes, noise = np.meshgrid(np.arange(self.test_mse.shape[0]), self.n,
                                           self.noise, indexing="ij")
        frame = pd.DataFrame({"learner": self.learner, "n": sizes.ravel(),
                              "noise": noise.ravel(), "trial": trials.ravel(),
                              "test_mse": self.test_mse.ravel(),
                              "train_mse": self.train_mse.ravel()})
        for key, value in settings.items():
            frame[key] = value
        return frame


def _gram_tensor(gram):
    import torch

    matrix = torch.as_tensor(gram)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"`gram` must be a square matrix; got shape {tuple(matrix.shape)}.")
    return matrix.to(torch.float64)


def _sizes_and_test(n, pool: int, test_size):
    sizes = check_sample_sizes(n, "n").ravel()
    if np.any(sizes != np.round(sizes)):
        raise ValueError(f"`n` must hold whole numbers of samples; got {sizes.tolist()}.")
    sizes = np.unique(sizes.astype(np.int64))
    if sizes[-1] >= pool:
        raise ValueError(f"`n` must be smaller than the pool ({pool} points) so that points "
                         f"are left to test on; got n = {sizes[-1]}.")
    available = pool - int(sizes[-1])
    test_size = available if test_size is None else test_size
    if isinstance(test_size, bool) or not isinstance(test_size, int | np.integer) or not (
            1 <= test_size <= available):
        raise ValueError(f"`test_size` must be an integer between 1 and {available} (the pool "
                         f"minus the largest training set); got {test_size!r}.")
    return sizes, int(test_size)


def _check_trials(trials) -> int:
    if isinstance(trials, bool) or not isinstance(trials, int | np.integer) or trials < 1:
        raise ValueError(f"`trials` must be a positive integer; got {trials!r}.")
    return int(trials)


def _spectral_solver(block, ridge: float):
    """(apply, kept eigenvalues) for (K + ridge)^+ from one eigendecomposition, cut at the
    eigensolver's round-off (the minimum-norm interpolant at ridge 0)."""
    import torch

    values, vectors = torch.linalg.eigh(block)
    values = values + ridge
    cut = block.shape[0] * torch.finfo(block.dtype).eps * values.abs().max()
    keep = values > cut
    inverse = torch.where(keep, 1.0 / values, torch.zeros_like(values))

    def apply(rhs):
        return vectors @ (inverse[:, None] * (vectors.T @ rhs))

    return apply, values[keep]


def measure_overfitting_coefficient(gram, *, n, ridge: float = 0.0, trials: int = 5,
                                    test_size: int | None = None, seed=0,
                                    progress: Progress | None = None) -> MeasuredOverfitting:
    r"""Measure :math:`\mathcal{E}_0` on a pool of points by noise fitting, with the
    data-only estimator on the same Gram matrices.

    Each trial draws a random permutation of the pool: the training set of size n is its
    first n points (nested within a trial), the test points come after the largest training
    set. Training labels are i.i.d. standard normal; KRR (ridge ``ridge``; the minimum-norm
    interpolant at 0) is tested against fresh standard-normal labels of the test points. With
    no signal the eigenframework's test risk is :math:`\mathcal{E}_0 \epsilon^2`, so the test
    MSE estimates :math:`\mathcal{E}_0` (Mallinar, Simon et al. 2022, arXiv:2207.06569; the
    "noise fitting" of Simon et al.'s code).

    When the pool is drawn from a distribution (fresh points, e.g. :func:`sphere_points`),
    the held-out points are fresh draws and the result estimates the population
    :math:`\mathcal{E}_0` of that distribution, to compare with the eigenframework on its
    eigensystem.

    Parameters
    ----------
    gram : torch.Tensor or array-like of shape (M, M)
        The pool's Gram matrix (used in float64).
    n : array-like of int
        Training sizes, each < M.
    ridge : float, default 0
    trials : int, default 5
    test_size : int, optional
        Held-out points per trial; default all that the largest training set leaves.
    seed : int or numpy.random.Generator
    progress : callable(done, total), optional

    Returns
    -------
    MeasuredOverfitting

    Notes
    -----
    Dtype policy: float64. Cost: one eigendecomposition of the n x n training block per
    (trial, n).
    """
    measured, _ = krr_overfitting(gram, None, n=n, ridge=ridge, trials=trials,
                                  test_size=test_size, seed=seed, progress=progress)
    return measured


def _noise_levels(noise) -> np.ndarray:
    levels = check_nonnegative(noise, "noise").ravel()
    if levels.size < 2 or np.unique(levels).size != levels.size:
        raise ValueError(f"`noise` must list at least two distinct label-noise variances "
                         f"(e.g. 0, 0.5, 1) to read a slope from; got {levels.tolist()}.")
    return np.sort(levels)


def krr_noise_sensitivity(gram, targets, *, n, noise=(0.0, 0.5, 1.0), ridge: float = 0.0,
                          trials: int = 5, test_size: int | None = None, seed=0,
                          progress: Progress | None = None) -> NoiseSensitivity:
    r"""KRR's test MSE against clean targets as label noise grows, on a pool of points.

    Per trial and n, one eigendecomposition of the training block serves every noise level;
    the levels share one draw of unit noise scaled by :math:`\sqrt{\epsilon^2}`, so that the
    slope over :math:`\epsilon^2` (:attr:`NoiseSensitivity.excess_per_noise`) is read from
    correlated, not independent, measurements. For KRR the slope is
    :math:`\mathcal{E}_0 - 1` in the eigenframework, whatever the target.

    Parameters
    ----------
    gram : torch.Tensor or array-like of shape (M, M)
    targets : array-like of shape (M,) or (M, n_outputs)
        Clean targets of the pool.
    n : array-like of int
    noise : array-like, default (0, 0.5, 1)
        Label-noise variances per output, at least two.
    ridge, trials, test_size, seed, progress
        As in :func:`measure_overfitting_coefficient`.

    Returns
    -------
    NoiseSensitivity
        ``learner = "krr"``.

    Notes
    -----
    Dtype policy: float64.
    """
    _, sensitivity = krr_overfitting(gram, targets, n=n, noise=noise, ridge=ridge,
                                     trials=trials, test_size=test_size, seed=seed,
                                     progress=progress)
    return sensitivity


def krr_overfitting(gram, targets=None, *, n, noise=(0.0, 0.5, 1.0), ridge: float = 0.0,
                    trials: int = 5, test_size: int | None = None, seed=0,
                    progress: Progress | None = None):
    """Both KRR measurements from one eigendecomposition per (trial, n): the overfitting
    coefficient (:func:`measure_overfitting_coefficient`) and, when ``targets`` are given,
    the noise sensitivity (:func:`krr_noise_sensitivity`), on the same training sets.

    Returns
    -------
    (MeasuredOverfitting, NoiseSensitivity or None)
    """
    import torch

    matrix = _gram_tensor(gram)
    pool = matrix.shape[0]
    sizes, test_size = _sizes_and_test(n, pool, test_size)
    ridge = float(check_nonnegative(ridge, "ridge"))
    trials = _check_trials(trials)
    y = levels = None
    if targets is not None:
        y = as_float_array(targets, "targets", ndim=(1, 2))
        if y.shape[0] != pool:
            raise ValueError(f"`targets` must have one row per pool point ({pool}); got "
                             f"shape {y.shape}.")
        y = torch.as_tensor(y.reshape(pool, -1))
        levels = _noise_levels(noise)
    rng = np.random.default_rng(seed)
    fitted = np.empty((trials, sizes.size))
    estimate = np.empty_like(fitted)
    shape = (trials, sizes.size, 0 if levels is None else levels.size)
    test, train = np.empty(shape), np.empty(shape)
    for t in range(trials):
        order = torch.as_tensor(rng.permutation(pool))
        train_index, test_index = order[:sizes[-1]], order[sizes[-1]:sizes[-1] + test_size]
        noise_train = torch.as_tensor(rng.standard_normal(int(sizes[-1])))
        noise_test = torch.as_tensor(rng.standard_normal(test_size))
        # Drawn with or without targets, so that a seed gives the same training sets and
        # noise either way (single-output targets).
        unit = torch.as_tensor(rng.standard_normal((int(sizes[-1]),
                                                    1 if y is None else y.shape[1])))
        k_train = matrix[train_index[:, None], train_index]
        k_cross = matrix[test_index[:, None], train_index]
        if y is not None:
            y_train, y_test = y[train_index], y[test_index]
        for s, size in enumerate(sizes):
            solve, kept = _spectral_solver(k_train[:size, :size], ridge)
            # Noise fitting: pure unit noise, tested against fresh unit noise.
            prediction = k_cross[:, :size] @ solve(noise_train[:size, None])
            fitted[t, s] = float(((prediction[:, 0] - noise_test) ** 2).mean())
            estimate[t, s] = float(size * (kept ** -2).sum() / (kept ** -1).sum() ** 2)
            for j, level in enumerate(() if levels is None else levels):
                labels = y_train[:size] + float(np.sqrt(level)) * unit[:size]
                dual = solve(labels)
                test[t, s, j] = float(((k_cross[:, :size] @ dual - y_test) ** 2).sum(1).mean())
                train[t, s, j] = float(((k_train[:size, :size] @ dual - labels) ** 2)
                                       .sum(1).mean())
        if progress is not None:
            progress(t + 1, trials)
    measured = MeasuredOverfitting(n=sizes.astype(np.float64), ridge=ridge,
                                   overfitting_coefficient=fitted,
                                   overfitting_estimate=estimate, test_size=test_size)
    if levels is None:
        return measured, None
    return measured, NoiseSensitivity(learner="krr", n=sizes.astype(np.float64),
                                      noise=levels, test_mse=test, train_mse=train)


def mlp_noise_sensitivity(x, targets, *, n, noise=(0.0, 0.5, 1.0), trials: int = 3,
                          test_size: int = 1000, width: int = 512, depth: int = 2,
                          steps: int = 2000, learning_rate: float = 1e-3,
                          tolerance: float = 1e-4, seed=0, device="cpu",
                          progress: Progress | None = None) -> NoiseSensitivity:
    r"""A ReLU MLP trained to interpolate noisy labels: test MSE against clean targets.

    The deep-learning side of the taxonomy (Mallinar, Simon et al. 2022, arXiv:2207.06569:
    interpolating networks are *tempered*). Each trial draws training and test points from
    ``x``; for each n and noise level a fresh network (PyTorch default initialisation, the
    same for every noise level of a trial and n) is trained full-batch with Adam on the mean
    squared error until the train MSE falls below ``tolerance`` times the label variance,
    or for ``steps`` steps. As for KRR, the noise levels share one draw of unit noise.

    Parameters
    ----------
    x : array-like of shape (N, d)
        Inputs (preprocessed as the caller wishes), float.
    targets : array-like of shape (N,) or (N, n_outputs)
    n : array-like of int
        Training sizes; the largest plus ``test_size`` must not exceed N.
    noise : array-like, default (0, 0.5, 1)
    trials : int, default 3
    test_size : int, default 1000
    width, depth : int
        Hidden width and number of hidden layers.
    steps : int, default 2000
        Most full-batch Adam steps per fit.
    learning_rate : float, default 1e-3
    tolerance : float, default 1e-4
        Stop once the train MSE is below ``tolerance`` times the mean squared label.
    seed : int or numpy.random.Generator
    device : str or torch.device
    progress : callable(done, total), optional
        Called after each fit.

    Returns
    -------
    NoiseSensitivity
        ``learner = "mlp"``; ``train_mse`` shows whether each fit interpolated.

    Notes
    -----
    Dtype policy: float32 (networks); errors accumulated in float64.
    """
    import torch

    from ._mlp import resolve_device

    inputs = as_float_array(x, "x", ndim=(2,))
    y = as_float_array(targets, "targets", ndim=(1, 2))
    if y.shape[0] != inputs.shape[0]:
        raise ValueError(f"`targets` must have one row per sample ({inputs.shape[0]}); got "
                         f"shape {y.shape}.")
    y = y.reshape(y.shape[0], -1)
    sizes, test_size = _sizes_and_test(n, inputs.shape[0], test_size)
    levels = _noise_levels(noise)
    trials = _check_trials(trials)
    for name, value in (("width", width), ("depth", depth), ("steps", steps)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer; got {value!r}.")
    if not learning_rate > 0 or not tolerance > 0:
        raise ValueError(f"`learning_rate` and `tolerance` must be > 0; got {learning_rate!r} "
                         f"and {tolerance!r}.")
    device = resolve_device(device)
    rng = np.random.default_rng(seed)
    test = np.empty((trials, sizes.size, levels.size))
    train = np.empty_like(test)
    total, done = trials * sizes.size * levels.size, 0
    for t in range(trials):
        order = rng.permutation(inputs.shape[0])
        train_index, test_index = order[:sizes[-1]], order[sizes[-1]:sizes[-1] + test_size]
        unit = rng.standard_normal((int(sizes[-1]), y.shape[1]))
        x_test = torch.as_tensor(inputs[test_index], dtype=torch.float32, device=device)
        y_test = y[test_index]
        for s, size in enumerate(sizes):
            x_train = torch.as_tensor(inputs[train_index[:size]], dtype=torch.float32,
                                      device=device)
            init_seed = int(rng.integers(2**62))
            for j, level in enumerate(levels):
                labels = y[train_index[:size]] + np.sqrt(level) * unit[:size]
                model = _fit_mlp(x_train, labels, width=width, depth=depth, steps=steps,
                                 learning_rate=learning_rate, tolerance=tolerance,
                                 seed=init_seed)
                with torch.no_grad():
                    fitted = model(x_train).double().cpu().numpy()
                    predicted = model(x_test).double().cpu().numpy()
                train[t, s, j] = float(((fitted - labels) ** 2).sum(1).mean())
                test[t, s, j] = float(((predicted - y_test) ** 2).sum(1).mean())
                done += 1
                if progress is not None:
                    progress(done, total)
    return NoiseSensitivity(learner="mlp", n=sizes.astype(np.float64), noise=levels,
                            test_mse=test, train_mse=train)


def _fit_mlp(x, labels, *, width, depth, steps, learning_rate, tolerance, seed):
    import torch

    generator = torch.Generator().manual_seed(seed)
    layers, fan_in = [], x.shape[1]
    for _ in range(depth):
        layers += [torch.nn.Linear(fan_in, width), torch.nn.ReLU()]
        fan_in = width
    layers.append(torch.nn.Linear(fan_in, labels.shape[1]))
    model = torch.nn.Sequential(*layers).to(x.device)
    with torch.no_grad():  # PyTorch's default initialisation, drawn from our generator
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                bound = 1.0 / np.sqrt(layer.in_features)
                layer.weight.copy_((torch.rand(layer.weight.shape, generator=generator) * 2
                                    - 1) * bound)
                layer.bias.copy_((torch.rand(layer.bias.shape, generator=generator) * 2 - 1)
                                 * bound)
    y = torch.as_tensor(labels, dtype=torch.float32, device=x.device)
    goal = tolerance * float((y ** 2).mean())
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    for _ in range(steps):
        optimiser.zero_grad(set_to_none=True)
        loss = ((model(x) - y) ** 2).mean()
        if float(loss.detach()) < goal:
            break
        loss.backward()
        optimiser.step()
    return model
