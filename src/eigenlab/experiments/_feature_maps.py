r"""Random feature maps whose limits are eigenlab's kernels, and a Gaussian design with a
planted eigensystem.

Random-feature (RF) regression is KRR with the random kernel

.. math::

    \hat K(x, x') = \frac1k \sum_{j=1}^k g(w_j, x)\, g(w_j, x'), \qquad
    \mathbb E_w[g(w, x) g(w, x')] = K(x, x').

Every feature map here is :math:`g(w, x) = a\,\sigma(u \cdot x + c)` with Gaussian
:math:`u`, so a draw is a weight matrix, optional offsets and a scale; its limit :math:`K` is
one of eigenlab's kernels, with the same parameters. The measurement is in
:mod:`eigenlab.experiments._random_features`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral
from typing import ClassVar

import numpy as np

from .._eigensystem import Eigensystem
from .._validation import as_float_array, check_scalar

__all__ = [
    "GaussianDesign",
    "GaussianRandomFeatures",
    "RandomFeatureMap",
    "RandomFeatures",
    "RandomFourierFeatures",
    "ReluRandomFeatures",
]


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
