r"""Infinite-width kernels of fully connected ReLU networks: the NNGP and the NTK, any depth.

The network, its parametrisation and the layer recursion are stated once, in
:class:`ReluNNGPKernel`. Gram blocks follow the recursion in place on one matrix product per
block (the per-layer variances :math:`\Sigma^h(x, x)` are row statistics), so inputs of any
norm are handled, with :math:`\cos\theta` clamped into :math:`[-1, 1]`.

Level coefficients come in two routes, which the tests compare:

* one hidden layer: the closed forms of the HEA paper's code (spec §6.4),
  :math:`c_\ell = \frac{wq}{2\pi}(w/q)^\ell F^{(\ell)}(b/q)`, with the derivatives of the
  arc-cosine map :math:`F(u) = \sqrt{1 - u^2} + u(\pi - \arccos u)` from the recursion
  :math:`F^{(\ell)} = Q_\ell(u)/(1 - u^2)^{\ell - 3/2}` (and :math:`G = F + uF'` for the NTK);
* any depth: exact composition of truncated power series in :math:`t`, one layer at a time,
  with the Taylor series of :math:`F` about the layer's own point :math:`u_0 \in (-1, 1)`
  (:func:`_arccos_map_taylor`).
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from numbers import Integral
from typing import ClassVar

import numpy as np
import torch
from numpy.polynomial import polynomial as _poly

from .._validation import check_scalar
from ._base import Kernel, _positive
from ._levels import _times_factorials
from ._radial import _check_degree

__all__ = ["ReluNNGPKernel", "ReluNTKKernel"]

_TWO_PI = 2.0 * math.pi


# ---------------------------------------------------------------------- power series in t
def _arccos_map_taylor(center: float, order: int) -> np.ndarray:
    r"""Taylor coefficients :math:`F^{(k)}(u_0)/k!`, :math:`k = 0, \dots,` ``order``, of the
    arc-cosine map :math:`F(u) = \sqrt{1 - u^2} + u(\pi - \arccos u)` about
    :math:`u_0 \in (-1, 1)`.

    :math:`F' = \pi - \arccos u` and :math:`F'' = g = (1 - u^2)^{-1/2}`; the coefficients
    :math:`g_k` of :math:`g(u_0 + s)` follow from :math:`(1 - u^2) g' = u g`:
    :math:`g_{k+1} = \frac{(2k + 1) u_0 g_k + k g_{k-1}}{(k + 1)(1 - u_0^2)}`, and
    :math:`F_k = g_{k-2}/(k(k-1))`. The recursion computes the dominant solution (the nearer
    of the singularities :math:`u = \pm 1`), so it is stable for either sign of :math:`u_0`;
    for :math:`u_0 \ge 0` every term is positive.
    """
    u0 = float(center)
    a = (1.0 - u0) * (1.0 + u0)
    coefficients = np.zeros(order + 1)
    coefficients[0] = math.sqrt(a) + u0 * math.acos(-u0)
    if order >= 1:
        coefficients[1] = math.acos(-u0)
    g = np.zeros(max(order - 1, 0))
    if g.size:
        g[0] = a**-0.5
    if g.size > 1:
        g[1] = u0 * a**-1.5
    for k in range(1, g.size - 1):
        g[k + 1] = ((2 * k + 1) * u0 * g[k] + k * g[k - 1]) / ((k + 1) * a)
    degrees = np.arange(2, order + 1)
    coefficients[2:] = g / (degrees * (degrees - 1.0))
    return coefficients


def _multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Product of two power series truncated to ``a``'s length."""
    return np.convolve(a, b)[: a.size]


def _compose(outer: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """:math:`\\sum_k f_k s(t)^k` truncated, for ``shift`` :math:`s` with :math:`s(0) = 0`."""
    result = np.zeros_like(shift)
    for coefficient in outer[::-1]:
        result = _multiply(result, shift)
        result[0] += coefficient
    return result


def _relu_taylor(depth: int, weight_variance: float, bias_variance: float, order: int, *,
                 tangent: bool) -> np.ndarray:
    r"""Taylor coefficients in :math:`t` of the unit-sphere profile, by series composition.

    Layer by layer: :math:`u_h(t) = \Sigma^h(t)/q_h = u_0 + s(t)`,
    :math:`\Sigma^{h+1} = \frac{w q_h}{2\pi}F(u_h) + b_h` and
    :math:`\Theta^{h+1} = \Sigma^{h+1} + \frac{w}{2\pi}F'(u_h)\,\Theta^h`, each a truncated
    composition with the series of :math:`F` (and :math:`F'`) about :math:`u_0`.
    """
    w, b = weight_variance, bias_variance
    sigma = np.zeros(order + 1)
    sigma[0] = b
    if order >= 1:
        sigma[1] = w
    theta = sigma.copy()
    variance = w + b
    for layer in range(depth):
        bias = b if layer < depth - 1 else 0.0
        shift = sigma / variance
        center = min(shift[0], 1.0)
        shift[0] = 0.0
        arccos_map = _arccos_map_taylor(center, order + 1)
        if tangent:
            slope = arccos_map[1:] * np.arange(1, order + 2)
            theta = (w / _TWO_PI) * _multiply(_compose(slope, shift), theta)
        sigma = (w * variance / _TWO_PI) * _compose(arccos_map[: order + 1], shift)
        sigma[0] += bias
        if tangent:
            theta += sigma
        variance = w * variance / 2.0 + bias
    return theta if tangent else sigma


def _depth_one_closed_form(weight_variance: float, bias_variance: float, max_degree: int, *,
                           tangent: bool) -> np.ndarray:
    r"""Spec §6.4: :math:`c_\ell = \frac{wq}{2\pi}(w/q)^\ell H^{(\ell)}(b/q)`, :math:`H = F`
    (NNGP) or :math:`G = F + uF'` (NTK), with :math:`q = w + b`.

    The recursions run on :math:`\hat Q_\ell = Q_\ell/\ell!` (and :math:`\hat P_\ell`),
    so that :math:`H^{(\ell)}/\ell!` is formed without overflow; with
    :math:`1 - u^2 = w(w + 2b)/q^2` the factor :math:`(w/q)^\ell/(1 - u^2)^\ell =
    (q/(w + 2b))^\ell` is at most 1, and :math:`\ell!` is applied last.
    """
    w, b = weight_variance, bias_variance
    q = w + b
    u = b / q
    a = (1.0 - u) * (1.0 + u)
    if tangent:
        taylor = [math.sqrt(a) + 2.0 * u * math.acos(-u), 2.0 * math.acos(-u) + u / math.sqrt(a)]
        # G'' = P_2 / (1 - u^2)^{3/2}, P_{l+1} = (1 - u^2) P_l' + (2l - 1) u P_l.
        numerator, offset, power_shift = np.array([1.5, 0.0, -1.0]), -1, 0.5
    else:
        taylor = [math.sqrt(a) + u * math.acos(-u), math.acos(-u)]
        # F'' = Q_2 / (1 - u^2)^{1/2}, Q_{l+1} = (1 - u^2) Q_l' + (2l - 3) u Q_l.
        numerator, offset, power_shift = np.array([0.5]), -3, 1.5
    ratio = q / (w + 2.0 * b)
    for degree in range(2, max_degree + 1):
        # (w/q)^l H^(l) / l! = hat-numerator(u) (1 - u^2)^shift (q / (w + 2b))^l.
        taylor.append(_poly.polyval(u, numerator) * a**power_shift * ratio**degree)
        numerator = _poly.polyadd(_poly.polymul([1.0, 0.0, -1.0], _poly.polyder(numerator)),
                                  _poly.polymulx(numerator) * (2 * degree + offset))
        numerator = numerator / (degree + 1)
    taylor[1] *= w / q
    return _times_factorials(w * q / _TWO_PI * np.asarray(taylor[: max_degree + 1]))


# ---------------------------------------------------------------------- the kernels
@dataclass(frozen=True)
class _ReluKernel(Kernel):
    """The shared network, recursion and Gram blocks; ``_tangent`` selects the NTK."""

    _tangent: ClassVar[bool]
    depth: int = 1
    _: KW_ONLY
    weight_variance: float = 1.0
    bias_variance: float = 1.0

    def __post_init__(self):
        depth = self.depth
        if isinstance(depth, bool) or not isinstance(depth, Integral) or depth < 1:
            raise ValueError(
                f"`depth` must be an integer >= 1 (the number of hidden layers); got {depth!r}."
            )
        object.__setattr__(self, "depth", int(depth))
        object.__setattr__(self, "weight_variance",
                           _positive(self.weight_variance, "weight_variance"))
        object.__setattr__(self, "bias_variance",
                           check_scalar(self.bias_variance, "bias_variance", minimum=0.0))

    def _biases(self) -> list[float]:
        """:math:`b_h` added after hidden layer :math:`h`: none after the last (readout)."""
        return [self.bias_variance] * (self.depth - 1) + [0.0]

    # The variances Sigma^h(x, x) are computed with exactly the operations a Gram block applies
    # to a pair of identical inputs (at theta = 0, F = pi), so that such a pair gets
    # cos(theta) = 1 bitwise at every layer: the NTK's cusp at theta = 0 would turn any
    # rounding there into an error of order sqrt(eps).
    def _row_stats(self, x):
        scale = self.weight_variance / _TWO_PI
        variance = x.square().sum(dim=1).mul_(self.weight_variance).add_(self.bias_variance)
        columns = [variance]
        for _ in range(self.depth - 1):
            root = variance.sqrt()
            variance = (root * math.pi).mul_(root).mul_(scale).add_(self.bias_variance)
            columns.append(variance)
        return torch.stack(columns, dim=1)

    def _fill_block_(self, out, a, b, stats_a, stats_b, *, same):
        scale = self.weight_variance / _TWO_PI
        tiny = torch.finfo(out.dtype).tiny
        torch.matmul(a, b.mT, out=out)
        sigma = out.mul_(self.weight_variance).add_(self.bias_variance)
        theta = sigma.clone() if self._tangent else None
        roots_a, roots_b = stats_a.sqrt(), stats_b.sqrt()
        work = torch.empty_like(out)
        for layer, bias in enumerate(self._biases()):
            # sqrt(p p') is p exactly for identical inputs; clamped where p = 0, and there
            # sigma is 0 as well.
            torch.mul(stats_a[:, layer, None], stats_b[None, :, layer], out=work)
            cos = sigma.div_(work.sqrt_().clamp_(min=tiny)).clamp_(-1.0, 1.0)
            if same:
                cos.diagonal().fill_(1.0)
            # pi - theta, as arccos(-cos): accurate near theta = pi.
            angle = torch.neg(cos, out=work).arccos_()
            if theta is not None:
                theta.mul_(angle).mul_(scale)
            arc = (1.0 - cos).mul_(1.0 + cos).sqrt_().addcmul_(cos, angle)
            sigma = out.copy_(arc).mul_(roots_a[:, layer, None]).mul_(roots_b[None, :, layer])
            sigma.mul_(scale).add_(bias)
            if theta is not None:
                theta.add_(sigma)
        if theta is not None:
            out.copy_(theta)

    def _diag(self, x):
        scale = self.weight_variance / _TWO_PI
        stats = self._row_stats(x)
        theta = stats[:, 0]
        for layer, bias in enumerate(self._biases()):
            root = stats[:, layer].sqrt()
            sigma = (root * math.pi).mul_(root).mul_(scale).add_(bias)
            theta = (theta * math.pi).mul_(scale).add_(sigma)
        return theta if self._tangent else sigma

    def _profile(self, t):
        # Real or complex t: for complex t in the unit disc |u| < 1, where the principal
        # branches are the analytic continuation (numerical level coefficients use this).
        w = self.weight_variance
        sigma = w * t + self.bias_variance
        theta = sigma
        variance = w + self.bias_variance
        for bias in self._biases():
            u = sigma / variance
            if not np.iscomplexobj(u):
                u = np.clip(u, -1.0, 1.0)
            slope = np.arccos(-u)
            scale = w * variance / _TWO_PI
            sigma = scale * (np.sqrt((1.0 - u) * (1.0 + u)) + u * slope) + bias
            theta = sigma + (w / _TWO_PI) * slope * theta
            # sigma at u = 1 exactly, so that t = 1 gives u = 1 bitwise at the next layer.
            variance = scale * math.pi + bias
        return theta if self._tangent else sigma

    def level_coefficients(self, max_degree: int) -> np.ndarray:
        r"""Level coefficients :math:`c_\ell = k^{(\ell)}(0)`, exact up to round-off.

        One hidden layer: the closed form :math:`c_\ell = \frac{wq}{2\pi}(w/q)^\ell
        H^{(\ell)}(b/q)` with :math:`q = w + b` (spec §6.4), where :math:`H = F` for the NNGP
        and :math:`H = G = F + uF'` for the NTK, and :math:`F^{(\ell)} =
        Q_\ell(u)/(1 - u^2)^{\ell - 3/2}`, :math:`G^{(\ell)} = P_\ell(u)/(1 - u^2)^{\ell - 1/2}`
        from the polynomial recursions :math:`Q_2 = 1`, :math:`Q_{\ell+1} = (1 - u^2)Q_\ell'
        + (2\ell - 3)uQ_\ell` and :math:`P_2 = 3 - 2u^2`, :math:`P_{\ell+1} = (1 - u^2)P_\ell'
        + (2\ell - 1)uP_\ell`. Deeper networks: the profile's power series by exact
        composition of the layer maps, each expanded about its own value at :math:`t = 0`.
        Both routes add up positive terms (but for a mild cancellation in :math:`P_\ell`), so
        they are accurate to a few ulps per degree: within 1.5e-15 of 40-digit numerical
        derivatives for :math:`\ell \le 7`, depth 1 to 3, in the tests.

        Parameters
        ----------
        max_degree : int
            :math:`L \ge 0`.

        Returns
        -------
        numpy.ndarray of shape (max_degree + 1,)
            Non-negative; they grow roughly like :math:`\ell!` (the profile is singular at
            :math:`t = 1`), so a degree cap is a modelling choice (spec errata 4).

        References
        ----------
        Karkada, Turnbull, Liu, Simon, arXiv:2510.14878 (spec §6.4).
        """
        max_degree = _check_degree(max_degree)
        if self.depth == 1:
            return _depth_one_closed_form(self.weight_variance, self.bias_variance,
                                          max_degree, tangent=self._tangent)
        return _times_factorials(_relu_taylor(self.depth, self.weight_variance,
                                              self.bias_variance, max_degree,
                                              tangent=self._tangent))


@dataclass(frozen=True)
class ReluNNGPKernel(_ReluKernel):
    r"""The NNGP kernel of a fully connected ReLU network with ``depth`` hidden layers.

    The network, with hidden width :math:`n \to \infty`, weight variance :math:`w`, bias
    variance :math:`b` and every parameter :math:`W, \beta, v` drawn i.i.d. from
    :math:`\mathcal N(0, 1)` (NTK parametrisation):

    .. math::

        z^1(x) = \sqrt{w}\,W^1 x + \sqrt{b}\,\beta^1, \qquad
        z^{h+1}(x) = \sqrt{w/n}\,W^{h+1}\phi(z^h(x)) + \sqrt{b}\,\beta^{h+1}, \qquad
        f(x) = \sqrt{w/n}\,v^\top\phi(z^L(x)),

    with :math:`\phi = \mathrm{ReLU}`, :math:`h = 1, \dots, L - 1` and no readout bias. In
    standard parametrisation: hidden and readout weights of variance :math:`w/\text{fan-in}`,
    biases of variance :math:`b`, and first-layer weights of variance :math:`w` (not
    :math:`w/d`: eigenlab's data are scaled to :math:`\|x\| \approx 1` in total rather than per
    coordinate; this is :math:`w/d` acting on :math:`\sqrt d\,x`). The kernel is the covariance
    of :math:`f` over initialisations, :math:`\Sigma^{L+1}` of the recursion

    .. math::

        \Sigma^1(x, x') = w\,x \cdot x' + b, \qquad
        \Sigma^{h+1}(x, x') = \frac{w}{2\pi}\sqrt{\Sigma^h(x, x)\Sigma^h(x', x')}
        \big(\sin\theta_h + (\pi - \theta_h)\cos\theta_h\big) + b_h,

    with :math:`\cos\theta_h = \Sigma^h(x, x')/\sqrt{\Sigma^h(x, x)\Sigma^h(x', x')}` (the
    arc-cosine kernel of degree 1) and :math:`b_h = b` for :math:`h < L`, :math:`b_L = 0`.
    With one hidden layer this is the spec's (§6.4) :math:`p = b + w\|x\|^2`,
    :math:`K = w\sqrt{pp'}(\sin\theta + (\pi - \theta)\cos\theta)/(2\pi)`. On the unit sphere
    the profile is :math:`\frac{wq}{2\pi}F(u)` with :math:`q = w + b`, :math:`u = (wt + b)/q`
    and :math:`F(u) = \sqrt{1 - u^2} + u(\pi - \arccos u)`.

    Parameters
    ----------
    depth : int, default 1
        :math:`L \ge 1`, the number of hidden layers.
    weight_variance : float, default 1.0
        :math:`w > 0` (2 is He initialisation).
    bias_variance : float, default 1.0
        :math:`b \ge 0`.

    Notes
    -----
    Dtype policy: float32 and float64 kept; integers and bool become float64 (see
    :class:`Kernel`). :math:`K(x, x)` is affine in :math:`\|x\|^2` (:math:`w q/2` for unit
    norm and one layer), so on data with :math:`\mathbb E\|x\|^2 = 1` the trace
    :math:`\mathbb E K(x, x)` is exactly :meth:`trace_on_sphere`, not 1 (spec errata 2). The
    diagonal of ``kernel(x)`` uses :math:`\theta = 0` exactly.

    References
    ----------
    Cho and Saul, "Kernel methods for deep learning", NeurIPS 2009 (arc-cosine kernels).
    Lee, Bahri, Novak, Schoenholz, Pennington, Sohl-Dickstein, "Deep neural networks as
    Gaussian processes", ICLR 2018, arXiv:1711.00165. Karkada, Turnbull, Liu, Simon,
    arXiv:2510.14878 (level coefficients; spec §6.4).

    Examples
    --------
    >>> kernel = ReluNNGPKernel(weight_variance=1.0, bias_variance=1.0)
    >>> x = [[1.0, 0.0], [0.0, 1.0]]
    >>> kernel(x)                                  # p = 2, cos(theta) = 1/2
    tensor([[1.0000, 0.6090],
            [0.6090, 1.0000]], dtype=torch.float64)
    >>> kernel.trace_on_sphere()                   # w q / 2 with q = w + b
    1.0
    >>> kernel.level_coefficients(3).round(4).tolist()
    [0.609, 0.3333, 0.0919, 0.0306]
    >>> ReluNNGPKernel(2).params
    {'depth': 2, 'weight_variance': 1.0, 'bias_variance': 1.0}
    """

    name: ClassVar[str] = "relu-nngp"
    _tangent: ClassVar[bool] = False


@dataclass(frozen=True)
class ReluNTKKernel(_ReluKernel):
    r"""The neural tangent kernel of a fully connected ReLU network with ``depth`` hidden
    layers.

    Same network and parametrisation as :class:`ReluNNGPKernel` (NTK parametrisation, all
    weights and biases trained, including the first layer's): the kernel is
    :math:`\sum_p \partial_p f(x)\,\partial_p f(x')` at initialisation in the infinite-width
    limit, :math:`\Theta^{L+1}` of

    .. math::

        \Theta^1 = \Sigma^1, \qquad
        \Theta^{h+1} = \Sigma^{h+1} + \dot\Sigma^{h+1}\,\Theta^h, \qquad
        \dot\Sigma^{h+1}(x, x') = w\,\frac{\pi - \theta_h}{2\pi},

    with :math:`\Sigma^h` and :math:`\theta_h` as for the NNGP (no bias after the last
    layer). With one hidden layer this is the spec's (§6.4)
    :math:`\mathrm{NNGP} + w(w\,x \cdot x' + b)(\pi - \theta)/(2\pi)`, and on the unit sphere
    the profile :math:`\frac{wq}{2\pi}G(u)` with :math:`G(u) = \sqrt{1 - u^2}
    + 2u(\pi - \arccos u)`.

    Parameters
    ----------
    depth : int, default 1
        :math:`L \ge 1`, the number of hidden layers.
    weight_variance : float, default 1.0
        :math:`w > 0`.
    bias_variance : float, default 1.0
        :math:`b \ge 0`.

    Notes
    -----
    Dtype policy: float32 and float64 kept; integers and bool become float64 (see
    :class:`Kernel`). The trace :math:`\mathbb E K(x, x)` on data with
    :math:`\mathbb E\|x\|^2 = 1` is :meth:`trace_on_sphere`, :math:`wq` for one layer (spec
    errata 2). :math:`\dot\Sigma` has a cusp at :math:`\theta = 0`, so an explicit self-pair
    ``kernel(x, x)`` is off by about :math:`\sqrt{\epsilon}` on its diagonal; ``kernel(x)``
    sets :math:`\theta = 0` there exactly.

    References
    ----------
    Jacot, Gabriel, Hongler, "Neural tangent kernel: convergence and generalization in neural
    networks", NeurIPS 2018, arXiv:1806.07572. Arora, Du, Hu, Li, Salakhutdinov, Wang, "On
    exact computation with an infinitely wide neural net", NeurIPS 2019, arXiv:1904.11955.
    Cho and Saul, NeurIPS 2009. Karkada, Turnbull, Liu, Simon, arXiv:2510.14878 (spec §6.4).

    Examples
    --------
    >>> kernel = ReluNTKKernel(weight_variance=1.0, bias_variance=1.0)
    >>> kernel([[1.0, 0.0], [0.0, 1.0]])
    tensor([[2.0000, 0.9423],
            [0.9423, 2.0000]], dtype=torch.float64)
    >>> kernel.trace_on_sphere()                   # w q
    2.0
    >>> deep = ReluNTKKernel(3, weight_variance=2.0, bias_variance=0.0)   # He initialisation
    >>> deep.level_coefficients(2).round(4).tolist()
    [2.1208, 1.8251, 2.6604]
    >>> round(float(deep.profile(0.0)), 4)
    2.1208
    """

    name: ClassVar[str] = "relu-ntk"
    _tangent: ClassVar[bool] = True
