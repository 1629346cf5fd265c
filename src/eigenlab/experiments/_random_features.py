r"""Random-feature ridge regression, measured: feature maps, designs, the nested-subset grid.

Random-feature (RF) regression is KRR with the random kernel

.. math::

    \hat K(x, x') = \frac1k \sum_{j=1}^k g(w_j, x)\, g(w_j, x'), \qquad
    \mathbb E_w[g(w, x) g(w, x')] = K(x, x'),

with an absolute ridge :math:`\delta` on the raw :math:`n \times n` matrix :math:`\hat K_{DD}`
(spec §3.1): :math:`\hat f(x) = \hat K_{xD}(\hat K_{DD} + \delta I_n)^{-1} y`. Every feature
map here is :math:`g(w, x) = a\,\sigma(u \cdot x + c)` with Gaussian :math:`u`, so a draw is a
weight matrix, optional offsets and a scale; its limit :math:`K` is one of eigenlab's kernels,
with the same parameters.

The measurement draws the widest feature pool once per trial and takes nested subsets of its
first k features; for each (n, k) one eigendecomposition of the smaller of the two Gram
matrices (:math:`n \times n` or :math:`k \times k`) serves every ridge.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral
from typing import ClassVar

import numpy as np

from .._eigensystem import Eigensystem
from .._validation import as_float_array, check_nonnegative, check_scalar

__all__ = [
    "GaussianDesign",
    "GaussianRandomFeatures",
    "MeasuredOptimalRidge",
    "MeasuredRFLearningCurve",
    "RandomFeatureMap",
    "RandomFeatures",
    "RandomFourierFeatures",
    "ReluRandomFeatures",
    "measure_rf_learning_curve",
]

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------- feature maps
def _resolve(dtype, device):
    import torch

    dtype = torch.float64 if dtype is None else dtype
    if isinstance(dtype, str):
        dtype = {"float64": torch.float64, "float32": torch.float32}.get(dtype, dtype)
    if dtype not in (torch.float64, torch.float32):
        raise ValueError(f"`dtype` must be torch.float64 or torch.float32; got {dtype!r}.")
    return dtype, torch.device("cpu" if device is None else device)


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer; got {value!r}.")
    return int(value)


class RandomFeatureMap:
    r"""Base class: a distribution of features :math:`g(w, x) = a\,\sigma(u \cdot x + c)`.

    Subclasses set ``name``, the activation, how :math:`(u, c)` are drawn, the scale
    :math:`a`, and :attr:`kernel`, the limit :math:`\mathbb E_w[g(w, x) g(w, x')]`.
    """

    name: ClassVar[str]

    @property
    def kernel(self):
        """The limiting kernel :math:`K = \\mathbb E_w[g(w, x) g(w, x')]`, an eigenlab kernel."""
        raise NotImplementedError

    @property
    def params(self) -> dict:
        """The map's parameters as a JSON-able dict (the limiting kernel's, by construction)."""
        return {key: value for key, value in vars(self).items()}

    def _draw(self, rng, n_features, input_dim):
        raise NotImplementedError

    def _activate_(self, z):
        raise NotImplementedError

    _scale: ClassVar[float] = 1.0

    def sample(self, n_features: int, input_dim: int, *, seed=0, dtype=None,
               device=None) -> RandomFeatures:
        """Draw ``n_features`` i.i.d. features for inputs of dimension ``input_dim``.

        Parameters
        ----------
        n_features : int
            k, the number of features.
        input_dim : int
            d, the input dimension.
        seed : int or numpy.random.Generator, default 0
            The weights are drawn with numpy (float64) and then cast, so a seed gives the same
            features on every device.
        dtype : torch.float64 or torch.float32, default float64
        device : str or torch.device, default "cpu"

        Returns
        -------
        RandomFeatures
        """
        import torch

        n_features = _count(n_features, "n_features")
        input_dim = _count(input_dim, "input_dim")
        dtype, device = _resolve(dtype, device)
        weights, offsets = self._draw(np.random.default_rng(seed), n_features, input_dim)
        return RandomFeatures(
            feature_map=self,
            weights=torch.as_tensor(weights, dtype=dtype, device=device),
            offsets=None if offsets is None else torch.as_tensor(offsets, dtype=dtype,
                                                                  device=device))


@dataclass(frozen=True, eq=False)
class RandomFeatures:
    r"""k drawn features :math:`g(w_j, x) = a\,\sigma(u_j \cdot x + c_j)`, :math:`j = 1..k`.

    Attributes
    ----------
    feature_map : RandomFeatureMap
        Where they were drawn from (activation, scale, limiting kernel).
    weights : torch.Tensor of shape (k, d)
        :math:`u_j`.
    offsets : torch.Tensor of shape (k,) or None
        :math:`c_j` (None: no offset).
    """

    feature_map: RandomFeatureMap
    weights: object
    offsets: object = None

    @property
    def n_features(self) -> int:
        return int(self.weights.shape[0])

    def subset(self, n_features: int) -> RandomFeatures:
        """The first ``n_features`` features: a draw of that many, nested in this one."""
        k = _count(n_features, "n_features")
        if k > self.n_features:
            raise ValueError(f"`n_features` must be <= {self.n_features} (the features drawn); "
                             f"got {k}.")
        return RandomFeatures(self.feature_map, self.weights[:k],
                              None if self.offsets is None else self.offsets[:k])

    def features(self, x):
        r"""The raw feature matrix :math:`\Phi_{aj} = g(w_j, x_a)`, shape (N, k).

        Not divided by :math:`\sqrt k`: the random kernel is :math:`\Phi\Phi^\top / k`, so
        the first k columns of a wider draw are a draw of k features with no rescaling
        needed. ``x`` (array-like or tensor of shape (N, d)) is cast to the weights' dtype
        and device, and never modified.
        """
        import torch

        x = torch.as_tensor(x).to(dtype=self.weights.dtype, device=self.weights.device)
        if x.ndim != 2 or x.shape[1] != self.weights.shape[1]:
            raise ValueError(f"`x` must have shape (N, {self.weights.shape[1]}); got "
                             f"{tuple(x.shape)}.")
        z = x @ self.weights.mT
        if self.offsets is not None:
            z.add_(self.offsets)
        self.feature_map._activate_(z)
        scale = self.feature_map._scale
        return z if scale == 1.0 else z.mul_(scale)

    def gram(self, x1, x2=None):
        r""":math:`\hat K(x_1, x_2) = \Phi(x_1)\Phi(x_2)^\top / k`, shape (N1, N2)."""
        phi1 = self.features(x1)
        phi2 = phi1 if x2 is None else self.features(x2)
        return (phi1 @ phi2.mT).div_(self.n_features)


@dataclass(frozen=True)
class ReluRandomFeatures(RandomFeatureMap):
    r"""ReLU features whose limit is :class:`~eigenlab.kernels.ReluNNGPKernel` (depth 1).

    :math:`g(w, x) = \sqrt{w}\,\mathrm{ReLU}(u \cdot x + c)` with :math:`u \sim \mathcal N(0,
    w I_d)` and :math:`c \sim \mathcal N(0, b)`: the hidden layer of the one-hidden-layer
    network of :class:`~eigenlab.kernels.ReluNNGPKernel` (weight variance :math:`w` on
    inputs of norm about 1, bias variance :math:`b`), with the readout's variance :math:`w`
    folded into the scale, so that :math:`\mathbb E_w[g(w, x) g(w, x')] =
    \frac{w}{2\pi}\sqrt{pp'}(\sin\theta + (\pi - \theta)\cos\theta)` with :math:`p = w\|x\|^2
    + b`, exactly ``ReluNNGPKernel(1, weight_variance=w, bias_variance=b)``.

    P3's CIFAR-10 features :math:`\mathrm{relu}(Wx)`, :math:`W \sim \mathcal N(0, 2/3072)` on
    raw-scale pixels are, up to the data's scale, ``weight_variance=2, bias_variance=0``.

    Parameters
    ----------
    weight_variance : float, default 1.0
        :math:`w > 0`.
    bias_variance : float, default 1.0
        :math:`b \ge 0`.

    Examples
    --------
    >>> features = ReluRandomFeatures(weight_variance=2.0, bias_variance=0.0)
    >>> features.kernel
    ReluNNGPKernel(depth=1, weight_variance=2.0, bias_variance=0.0)
    >>> draw = features.sample(20_000, 2, seed=1)
    >>> x = [[1.0, 0.0], [0.0, 1.0]]                # K = [[2, 2/pi], [2/pi, 2]]
    >>> bool(abs(draw.gram(x) - features.kernel(x)).max() < 0.1)
    True
    """

    name: ClassVar[str] = "relu"
    weight_variance: float = 1.0
    bias_variance: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "weight_variance", check_scalar(
            self.weight_variance, "weight_variance", minimum=0.0, strictly=True))
        object.__setattr__(self, "bias_variance", check_scalar(
            self.bias_variance, "bias_variance", minimum=0.0))

    @property
    def _scale(self):
        return math.sqrt(self.weight_variance)

    @property
    def kernel(self):
        from ..kernels import ReluNNGPKernel

        return ReluNNGPKernel(1, weight_variance=self.weight_variance,
                              bias_variance=self.bias_variance)

    def _draw(self, rng, n_features, input_dim):
        weights = math.sqrt(self.weight_variance) * rng.standard_normal((n_features, input_dim))
        offsets = None
        if self.bias_variance > 0:
            offsets = math.sqrt(self.bias_variance) * rng.standard_normal(n_features)
        return weights, offsets

    def _activate_(self, z):
        z.clamp_(min=0.0)


@dataclass(frozen=True)
class RandomFourierFeatures(RandomFeatureMap):
    r"""Random Fourier features whose limit is :class:`~eigenlab.kernels.GaussianKernel`.

    :math:`g(w, x) = \sqrt2\cos(u \cdot x + c)` with :math:`u \sim \mathcal N(0, \sigma^{-2}
    I_d)` and :math:`c \sim U[0, 2\pi)`, so that :math:`\mathbb E_w[g(w, x) g(w, x')] =
    \exp(-\|x - x'\|^2 / (2\sigma^2))`, exactly ``GaussianKernel(width=sigma)``.

    Parameters
    ----------
    width : float
        :math:`\sigma > 0`.

    References
    ----------
    Rahimi and Recht, "Random features for large-scale kernel machines", NeurIPS 2007.

    Examples
    --------
    >>> features = RandomFourierFeatures(width=1.0)
    >>> draw = features.sample(20_000, 2, seed=1)
    >>> x = [[0.0, 0.0], [1.0, 0.0]]
    >>> bool(abs(draw.gram(x) - features.kernel(x)).max() < 0.03)
    True
    """

    name: ClassVar[str] = "fourier"
    _scale: ClassVar[float] = math.sqrt(2.0)
    width: float

    def __post_init__(self):
        object.__setattr__(self, "width", check_scalar(self.width, "width", minimum=0.0,
                                                       strictly=True))

    @property
    def kernel(self):
        from ..kernels import GaussianKernel

        return GaussianKernel(width=self.width)

    def _draw(self, rng, n_features, input_dim):
        weights = rng.standard_normal((n_features, input_dim)) / self.width
        return weights, rng.uniform(0.0, 2.0 * math.pi, n_features)

    def _activate_(self, z):
        z.cos_()


@dataclass(frozen=True)
class GaussianRandomFeatures(RandomFeatureMap):
    r"""Linear Gaussian features :math:`g(w, x) = u \cdot x`, :math:`u \sim \mathcal N(0, I_d)`.

    The limit is the linear kernel :math:`x \cdot x'` (``PolynomialKernel(1, offset=0)``).
    On the inputs of a :class:`GaussianDesign`, :math:`x \sim \mathcal N(0,
    \mathrm{diag}(\lambda))`, that kernel has eigenvalues :math:`\lambda_i` and
    eigenfunctions :math:`x_i/\sqrt{\lambda_i}`: these are P3's "Gaussian random features"
    with a planted spectrum, :math:`G\Lambda^{1/2}z/\sqrt k` on white :math:`z` (spec §3.5b).

    Examples
    --------
    >>> GaussianRandomFeatures().kernel
    PolynomialKernel(degree=1, scale=1.0, offset=0.0)
    """

    name: ClassVar[str] = "gaussian"

    @property
    def kernel(self):
        from ..kernels import PolynomialKernel

        return PolynomialKernel(1, scale=1.0, offset=0.0)

    def _draw(self, rng, n_features, input_dim):
        return rng.standard_normal((n_features, input_dim)), None

    def _activate_(self, z):
        pass


# ---------------------------------------------------------------------- a planted design
@dataclass(frozen=True, eq=False)
class GaussianDesign:
    r"""Gaussian inputs with a planted eigensystem: fresh samples on demand.

    :math:`x \sim \mathcal N(0, \mathrm{diag}(\lambda))` in :math:`M` dimensions and the
    target :math:`f(x) = \sum_i v_i x_i / \sqrt{\lambda_i}`. Under this distribution the
    linear kernel :math:`x \cdot x'` (the limit of :class:`GaussianRandomFeatures`) has
    eigenvalues :math:`\lambda_i`, orthonormal eigenfunctions :math:`x_i/\sqrt{\lambda_i}`
    and target coefficients :math:`v_i`: the :attr:`eigensystem` is exact, with no tail.

    Parameters
    ----------
    eigenvalues : array-like of shape (M,)
        :math:`\lambda_i > 0`, decreasing.
    target_coeffs : array-like of shape (M,) or (M, n_outputs)
        :math:`v_i`.

    Examples
    --------
    >>> import numpy as np
    >>> i = np.arange(1, 1001)
    >>> design = GaussianDesign(i**-1.5, i**-0.75)      # lambda_i = v_i^2 = i^-1.5
    >>> x, y = design.sample(20_000, seed=0)
    >>> x.shape, y.shape
    ((20000, 1000), (20000,))
    >>> bool(abs(np.mean(y**2) - np.sum(i**-1.5)) < 0.05)
    True
    """

    eigenvalues: np.ndarray
    target_coeffs: np.ndarray

    def __post_init__(self):
        values = as_float_array(self.eigenvalues, "eigenvalues", ndim=(1,))
        if values.size == 0 or np.any(values <= 0) or np.any(np.diff(values) > 0):
            raise ValueError("`eigenvalues` must be positive and decreasing; got "
                             f"{values[:6].tolist()}{'...' if values.size > 6 else ''}.")
        coeffs = as_float_array(self.target_coeffs, "target_coeffs", ndim=(1, 2))
        if coeffs.shape[0] != values.size:
            raise ValueError(f"`target_coeffs` must have one row per eigenvalue ({values.size});"
                             f" got shape {coeffs.shape}.")
        object.__setattr__(self, "eigenvalues", values)
        object.__setattr__(self, "target_coeffs", coeffs)

    @classmethod
    def from_eigensystem(cls, eigensystem: Eigensystem) -> GaussianDesign:
        """The design of an eigensystem's listed modes (its tails cannot be planted)."""
        if eigensystem.tail_mass > 0 or np.any(np.asarray(eigensystem.target_tail) > 0):
            raise ValueError("`eigensystem` must have no tail (tail_mass = target_tail = 0): "
                             "a Gaussian design plants only listed modes. Rebuild it from "
                             "`eigensystem.eigenvalues` and `eigensystem.target_coeffs`.")
        return cls(eigensystem.eigenvalues, eigensystem.target_coeffs)

    @property
    def input_dim(self) -> int:
        return int(self.eigenvalues.size)

    @property
    def eigensystem(self) -> Eigensystem:
        """The exact eigensystem of the linear kernel under this design."""
        return Eigensystem(self.eigenvalues, self.target_coeffs)

    def sample(self, n_points: int, *, seed=0) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)``: ``n_points`` fresh inputs, shape (N, M), and clean targets, float64."""
        n_points = _count(n_points, "n_points")
        rng = np.random.default_rng(seed)
        white = rng.standard_normal((n_points, self.input_dim))
        targets = white @ self.target_coeffs
        return white * np.sqrt(self.eigenvalues), targets


# ---------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class MeasuredOptimalRidge:
    r"""The ridge that minimises the trial-averaged test MSE, per (n, k); arrays (len n, len k).

    Attributes
    ----------
    n, k : ndarray
    ridge : ndarray
        The refined optimum: the vertex of the parabola through the grid minimum and its two
        neighbours in (log ridge, log mean test MSE), kept between those neighbours; the grid
        minimum itself where it lies at an end of the grid or next to ridge 0.
    test_mse : ndarray
        The parabola's value there (an interpolation, <= ``grid_test_mse``).
    grid_ridge, grid_test_mse, grid_test_mse_sem : ndarray
        The measured minimum over the grid, and its standard error over trials.
    on_boundary : ndarray of bool
        The grid minimum is the smallest or largest ridge: widen the grid.
    """

    n: np.ndarray
    k: np.ndarray
    ridge: np.ndarray
    test_mse: np.ndarray
    grid_ridge: np.ndarray
    grid_test_mse: np.ndarray
    grid_test_mse_sem: np.ndarray
    on_boundary: np.ndarray

    def to_frame(self, **settings):
        """Tidy table: one row per (n, k)."""
        import pandas as pd

        sizes, widths = np.meshgrid(self.n, self.k, indexing="ij")
        frame = pd.DataFrame({
            "source": "experiment", "n": sizes.ravel(), "k": widths.ravel(),
            "ridge": self.ridge.ravel(), "test_mse": self.test_mse.ravel(),
            "grid_ridge": self.grid_ridge.ravel(), "grid_test_mse": self.grid_test_mse.ravel(),
            "grid_test_mse_sem": self.grid_test_mse_sem.ravel(),
            "on_boundary": self.on_boundary.ravel()})
        for key, value in settings.items():
            frame[key] = value
        return frame


@dataclass(frozen=True, eq=False)
class MeasuredRFLearningCurve:
    """RF ridge-regression errors; arrays of shape (n_trials, len(n), len(k), len(ridge)).

    Attributes
    ----------
    n, k, ridge : ndarray
        The grids, sorted and without repeats.
    noise : float
        Label-noise variance per output added to training and test labels.
    test_mse : ndarray
        Mean squared error on the test points (noisy labels when ``noise > 0``), summed over
        outputs.
    train_mse : ndarray
        Mean squared error on the training points against their (noisy) labels.
    test_size : int
        Test points per trial.
    pool_size : int or None
        M for a held-out pool; None when every trial draws fresh points from a design.
    features : str
        The feature map's name (``"relu"``, ``"fourier"``, ``"gaussian"``).
    feature_params : dict
    dtype : str
    """

    n: np.ndarray
    k: np.ndarray
    ridge: np.ndarray
    noise: float
    test_mse: np.ndarray
    train_mse: np.ndarray
    test_size: int
    pool_size: int | None
    features: str
    feature_params: dict
    dtype: str

    def to_frame(self, **settings):
        """Tidy table: one row per (trial, n, k, ridge), ``source = "experiment"``."""
        import pandas as pd

        trials, sizes, widths, ridges = np.meshgrid(
            np.arange(self.test_mse.shape[0]), self.n, self.k, self.ridge, indexing="ij")
        frame = pd.DataFrame({
            "source": "experiment", "n": sizes.ravel(), "k": widths.ravel(),
            "ridge": ridges.ravel(), "noise": self.noise, "trial": trials.ravel(),
            "test_mse": self.test_mse.ravel(), "train_mse": self.train_mse.ravel(),
            "test_size": self.test_size,
            "test_points": "fresh" if self.pool_size is None else "held-out",
            "pool_size": self.pool_size, "features": self.features, "dtype": self.dtype})
        for key, value in settings.items():
            frame[key] = value
        return frame

    def optimal_ridge(self) -> MeasuredOptimalRidge:
        """The ridge minimising the trial-averaged test MSE per (n, k); see the record."""
        mean = self.test_mse.mean(axis=0)
        trials = self.test_mse.shape[0]
        sem = (self.test_mse.std(axis=0, ddof=1) / math.sqrt(trials) if trials > 1
               else np.full_like(mean, np.nan))
        best = np.argmin(mean, axis=-1)
        grid_ridge = self.ridge[best]
        grid_mse = np.take_along_axis(mean, best[..., None], axis=-1)[..., 0]
        grid_sem = np.take_along_axis(sem, best[..., None], axis=-1)[..., 0]
        ridge, value = grid_ridge.copy(), grid_mse.copy()
        last = self.ridge.size - 1
        for index in np.ndindex(best.shape):
            i = int(best[index])
            if i == 0 or i == last or self.ridge[i - 1] <= 0:
                continue
            u = np.log(self.ridge[i - 1:i + 2])
            f = np.log(mean[index][i - 1:i + 2])
            curvature, slope, intercept = np.polyfit(u - u[1], f, 2)
            if curvature <= 0:
                continue
            vertex = np.clip(-slope / (2 * curvature), u[0] - u[1], u[2] - u[1])
            ridge[index] = math.exp(u[1] + vertex)
            value[index] = min(math.exp(intercept + vertex * (slope + curvature * vertex)),
                               grid_mse[index])
        return MeasuredOptimalRidge(
            n=self.n, k=self.k, ridge=ridge, test_mse=value, grid_ridge=grid_ridge,
            grid_test_mse=grid_mse, grid_test_mse_sem=grid_sem,
            on_boundary=(best == 0) | (best == last))


# ---------------------------------------------------------------------- the measurement
def _grid(value, name: str) -> np.ndarray:
    array = as_float_array(value, name).ravel()
    if array.size == 0 or np.any(array < 1) or np.any(array != np.round(array)):
        raise ValueError(f"`{name}` must hold positive whole numbers; got {array.tolist()}.")
    return np.unique(array.astype(np.int64))


def measure_rf_learning_curve(feature_map: RandomFeatureMap, data, *, n, k, ridge,
                              trials: int = 5, noise=0.0, test_size: int | None = None,
                              seed=0, dtype=None, device=None,
                              progress: Progress | None = None) -> MeasuredRFLearningCurve:
    r"""Measure random-feature ridge regression's test and train MSE over grids of n, k, ridge.

    The estimator is KRR with the random kernel :math:`\hat K = \Phi\Phi^\top / k` (spec
    §3.1): :math:`\hat f(x) = \hat K_{xD}(\hat K_{DD} + \delta I_n)^{-1} y`, with an absolute
    ridge :math:`\delta` on the raw :math:`n \times n` matrix.

    Each trial draws

    1. data: ``data.sample`` fresh points (a :class:`GaussianDesign`; test points are fresh
       too, so no finite-pool correction applies, spec errata 11), or a random permutation of
       the pool ``data = (inputs, targets)`` whose first ``max(n)`` points are the candidate
       training points and whose next ``test_size`` points are held out for testing;
    2. label noise (variance ``noise``) on training and test labels;
    3. one pool of ``max(k)`` features. The training set of size n is the first n training
       points and the k features are the first k of the pool (rescaled: :math:`\hat K` divides
       by k), so within a trial the grid is nested, as in P3's experiments.

    For each (n, k), with :math:`A = \Phi_{nk}/\sqrt k`, the smaller of :math:`A^\top A`
    (k x k) and :math:`AA^\top` (n x n) is eigendecomposed once, giving the nonzero squared
    singular values :math:`s_r^2` of A, the coefficients :math:`c = U^\top y` and the
    projected test kernel :math:`Q = \hat K_{TD} U`. Then for every ridge

    .. math::

        \hat f_T = Q\,\mathrm{diag}\Big(\frac{1}{s^2 + \delta}\Big) c, \qquad
        \|y - \hat f_D\|^2 = \|y - Uc\|^2 + \sum_r \Big(\frac{\delta}{s_r^2 + \delta}\Big)^2
        c_r^2,

    which costs :math:`O(T\,\min(n, k))` per ridge. Ridge 0 is the minimum-norm
    (pseudo-inverse) solution: squared singular values at or below
    :math:`\max(n, k)\,\varepsilon\,s_{max}^2` (:math:`\varepsilon` the dtype's machine
    epsilon) count as zero, for every ridge.

    Parameters
    ----------
    feature_map : RandomFeatureMap
        :class:`ReluRandomFeatures`, :class:`RandomFourierFeatures`,
        :class:`GaussianRandomFeatures`.
    data : GaussianDesign or tuple (inputs, targets)
        Fresh points per trial, or a pool: inputs of shape (M, d) and clean targets of shape
        (M,) or (M, n_outputs).
    n : array-like of int
        Training-set sizes (for a pool, ``max(n) < M``).
    k : array-like of int
        Numbers of features.
    ridge : array-like
        Ridges :math:`\delta \ge 0`.
    trials : int, default 5
    noise : float, default 0
        Variance of Gaussian label noise, added independently to training and test labels.
    test_size : int, optional
        Test points per trial; default 1000 (for a pool, at most ``M - max(n)``).
    seed : int or numpy.random.Generator, default 0
    dtype : torch.float64 or torch.float32, default float64
        Of the features, the Gram matrices and their eigendecompositions. In float32 the
        ridgeless peak (k close to n at ridge 0) is not resolved: use float64 there.
    device : str or torch.device, default "cpu"
    progress : callable(done, total), optional
        Called after each (trial, k).

    Returns
    -------
    MeasuredRFLearningCurve
        Errors of shape (trials, len(n), len(k), len(ridge)), ``optimal_ridge()`` and
        ``to_frame()``.

    Notes
    -----
    Cost per trial: evaluating :math:`(\max n + T) \times \max k` features, then per (n, k)
    one Gram matrix (:math:`nk\min(n, k)`), one eigendecomposition (:math:`\min(n, k)^3`)
    and the test projection (:math:`Tk\min(n, k)`), then :math:`O(T\min(n, k))` per ridge.
    A fit per (n, k, ridge) with fresh features costs a feature evaluation and an
    :math:`n^3` solve each. Memory: the :math:`(\max n + T) \times \max k` feature matrix.

    References
    ----------
    Simon, Karkada, Ghosh, Belkin, "More is better in modern machine learning: when infinite
    overparameterization is optimal and overfitting is obligatory", ICLR 2024,
    arXiv:2311.14646 (spec §3).

    Examples
    --------
    >>> import numpy as np
    >>> i = np.arange(1, 201)
    >>> design = GaussianDesign(i**-1.5, i**-0.75)
    >>> curve = measure_rf_learning_curve(GaussianRandomFeatures(), design, n=[50],
    ...                                   k=[10, 50, 200], ridge=[0.0, 1e-2], trials=3,
    ...                                   noise=0.5, test_size=200)
    >>> curve.test_mse.shape
    (3, 1, 3, 2)
    >>> peak = curve.test_mse.mean(axis=0)[0, :, 0]      # ridge 0: the peak at k = n
    >>> bool(peak[1] > 3 * max(peak[0], peak[2]))
    True
    """
    import torch

    if not isinstance(feature_map, RandomFeatureMap):
        raise TypeError(f"`feature_map` must be a RandomFeatureMap (ReluRandomFeatures, "
                        f"RandomFourierFeatures, GaussianRandomFeatures); got "
                        f"{type(feature_map).__name__}.")
    sizes, widths = _grid(n, "n"), _grid(k, "k")
    ridges = np.unique(check_nonnegative(ridge, "ridge").ravel())
    if ridges.size == 0:
        raise ValueError("`ridge` must list at least one ridge; got an empty array.")
    noise = float(check_nonnegative(noise, "noise"))
    trials = _count(trials, "trials")
    dtype, device = _resolve(dtype, device)
    largest, widest = int(sizes[-1]), int(widths[-1])

    pool_inputs = pool_targets = None
    if isinstance(data, GaussianDesign):
        available, input_dim, pool_size = None, data.input_dim, None
    elif isinstance(data, tuple | list) and len(data) == 2:
        pool_inputs = as_float_array(data[0].cpu().numpy() if hasattr(data[0], "cpu")
                                     else data[0], "inputs", ndim=(2,))
        pool_targets = as_float_array(data[1].cpu().numpy() if hasattr(data[1], "cpu")
                                      else data[1], "targets", ndim=(1, 2))
        pool_size, input_dim = pool_inputs.shape
        if pool_targets.shape[0] != pool_size:
            raise ValueError(f"`targets` must have one row per input ({pool_size}); got shape "
                             f"{pool_targets.shape}.")
        if largest >= pool_size:
            raise ValueError(f"`n` must be smaller than the pool ({pool_size} points) so that "
                             f"points are left to test on; got n = {largest}.")
        available = pool_size - largest
    else:
        raise TypeError("`data` must be a GaussianDesign or a pair (inputs, targets); got "
                        f"{type(data).__name__}.")
    default = 1000 if available is None else min(1000, available)
    test_size = default if test_size is None else test_size
    if isinstance(test_size, bool) or not isinstance(test_size, Integral) or not (
            1 <= test_size <= (available or test_size)):
        limit = "" if available is None else f" and <= {available} (the pool minus max(n))"
        raise ValueError(f"`test_size` must be an integer >= 1{limit}; got {test_size!r}.")
    test_size = int(test_size)

    rng = np.random.default_rng(seed)
    test = np.empty((trials, sizes.size, widths.size, ridges.size))
    train = np.empty_like(test)
    total = trials * widths.size
    for t in range(trials):
        if pool_inputs is None:
            x, y = data.sample(largest + test_size, seed=rng)
        else:
            order = rng.permutation(pool_size)[:largest + test_size]
            x, y = pool_inputs[order], pool_targets[order]
        y = y[:, None] if y.ndim == 1 else y
        if noise > 0:
            y = y + math.sqrt(noise) * rng.standard_normal(y.shape)
        draw = feature_map.sample(widest, input_dim, seed=rng, dtype=dtype, device=device)
        x = torch.as_tensor(x, dtype=dtype, device=device)
        labels = torch.as_tensor(y, dtype=dtype, device=device)
        phi = draw.features(x)
        del x

        def report(done_k, t=t):
            if progress is not None:
                progress(t * widths.size + done_k, total)

        test[t], train[t] = _nested_errors(phi[:largest], labels[:largest], phi[largest:],
                                           labels[largest:], sizes, widths, ridges, report)
    return MeasuredRFLearningCurve(
        n=sizes, k=widths, ridge=ridges, noise=noise, test_mse=test, train_mse=train,
        test_size=test_size, pool_size=pool_size, features=feature_map.name,
        feature_params=feature_map.params, dtype=str(dtype).replace("torch.", ""))


def _nested_errors(phi_train, y_train, phi_test, y_test, sizes, widths, ridges, report=None):
    """Test and train MSE, shape (len n, len k, len ridge), from nested rows and columns.

    ``phi_*`` are raw feature matrices (random kernel ``phi phi^T / k``); the training set of
    size n is the first n rows and the k features the first k columns. One eigendecomposition
    per (n, k) of the smaller Gram matrix; see :func:`measure_rf_learning_curve`.
    """
    import torch

    dtype = phi_train.dtype
    eps = torch.finfo(dtype).eps
    delta = torch.as_tensor(ridges, dtype=dtype, device=phi_train.device)
    test = np.empty((sizes.size, widths.size, ridges.size))
    train = np.empty_like(test)
    for b, k in enumerate(widths):
        k = int(k)
        phi_test_k = phi_test[:, :k]
        for a, n in enumerate(sizes):
            n = int(n)
            features = phi_train[:n, :k]
            y = y_train[:n]
            if k <= n:
                values, vectors = torch.linalg.eigh((features.mT @ features).div_(k))
                keep = values > max(n, k) * eps * values[-1].clamp(min=0)
                values, vectors = values[keep], vectors[:, keep]
                root = values.sqrt()
                # U = A V / s with A = features / sqrt(k); Q = K_TD U = B V s.
                left = (features @ vectors).div_(root * math.sqrt(k))
                projected = (phi_test_k @ vectors).mul_(root / math.sqrt(k))
            else:
                values, left = torch.linalg.eigh((features @ features.mT).div_(k))
                keep = values > max(n, k) * eps * values[-1].clamp(min=0)
                values, left = values[keep], left[:, keep]
                projected = ((phi_test_k @ features.mT).div_(k)) @ left
            coeffs = left.mT @ y
            residual = float((y - left @ coeffs).square().sum())
            shrink = 1.0 / (values[:, None] + delta[None, :])
            predictions = torch.einsum("tr,rR,ro->tRo", projected, shrink, coeffs)
            errors = (predictions - y_test[:, None, :]).square().sum(dim=2).mean(dim=0)
            fitted = ((delta[None, :] * shrink).square() * coeffs.square().sum(dim=1)[:, None])
            test[a, b] = errors.cpu().numpy()
            train[a, b] = (residual + fitted.sum(dim=0).cpu().numpy()) / n
        if report is not None:
            report(b + 1)
    return test, train
