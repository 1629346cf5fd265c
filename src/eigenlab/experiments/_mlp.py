r"""A feature-learning ReLU MLP in the maximal update parametrisation, and online SGD.

The parametrisation is a per-layer table (:func:`mup_table`) computed from the shapes alone,
printable (:meth:`MupTable.to_frame`) and applied by visible calls: :class:`MupMLP` draws its
initial weights from it and :meth:`MupMLP.parameter_groups` hands its learning rates to
``torch.optim.SGD``. Nothing is patched onto tensors or modules.

The network, with input dimension :math:`d`, width :math:`n` and :math:`L` hidden layers:

.. math::

    h^1 = W^1 x + b^1, \qquad h^{l+1} = W^{l+1}\phi(h^l) + b^{l+1}, \qquad
    f(x) = \frac{1}{\gamma}\, v^\top \phi(h^L), \qquad
    \hat f(x) = f(x) - f_0(x),

:math:`\phi = \mathrm{ReLU}`, with :math:`f_0` a frozen copy of the network at initialisation
(the network is *centred*: :math:`\hat f \equiv 0` at initialisation) and :math:`\gamma` the
richness. Inputs follow eigenlab's HEA convention :math:`\mathbb E\|x\|^2 = 1` (in total, not
per coordinate), as in :class:`eigenlab.kernels.ReluNTKKernel`.

References: Yang, Hu, "Feature learning in infinite-width neural networks" (Tensor Programs
IV), ICML 2021, arXiv:2011.14522; Yang, Simon, Bernstein, "A spectral condition for feature
learning", arXiv:2310.17813; Karkada, Turnbull, Liu, Simon, arXiv:2510.14878 (the richness
rule and the centring, spec §6.11).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import torch

from .._validation import check_scalar

__all__ = ["LayerScaling", "MupMLP", "MupTable", "OnlineTrainingResult", "mup_table",
           "train_online"]

Progress = Callable[[int, int, str], None]

# Losses are copied to the host once per this many steps (one device sync per block, not per
# step); the first crossing is still found exactly, at the cost of up to this many extra steps.
_CHECK_EVERY = 25


def _positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def resolve_device(device) -> torch.device:
    """``"cpu"``, ``"cuda"`` (``"cuda:1"``, ...) or ``"auto"`` (CUDA when available)."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
        torch.empty(0, device=resolved)
    except (RuntimeError, TypeError, AssertionError) as error:
        raise ValueError(f"`device` must be 'cpu', 'cuda', 'cuda:K' or 'auto' and available; "
                         f"got {device!r} ({error}).") from None
    return resolved


def _float_dtype(dtype) -> torch.dtype:
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"`dtype` must be torch.float32 or torch.float64; got {dtype!r}.")
    return dtype


@dataclass(frozen=True)
class LayerScaling:
    """One row of the muP table: how one layer is initialised and trained.

    Attributes
    ----------
    name : str
        ``"readin"``, ``"hidden2"``, ..., ``"readout"``.
    fan_in, fan_out : int
    weight_std : float
        Standard deviation of the initial weights.
    bias_std : float
        Standard deviation of the initial biases (NaN: the layer has no bias).
    learning_rate : float
        SGD learning rate of the layer's weights and bias (richness rule included).
    """

    name: str
    fan_in: int
    fan_out: int
    weight_std: float
    bias_std: float
    learning_rate: float


@dataclass(frozen=True)
class MupTable:
    """The maximal update parametrisation of a ReLU MLP, one :class:`LayerScaling` per layer.

    Attributes
    ----------
    layers : tuple of LayerScaling
        Read-in, ``depth - 1`` hidden layers, readout.
    output_multiplier : float
        :math:`1/\\gamma`, applied to the readout.
    input_dim, width, depth : int
    learning_rate : float
        The base learning rate :math:`\\eta_0` before the width and richness factors.
    richness : float
        :math:`\\gamma`.
    """

    layers: tuple[LayerScaling, ...]
    output_multiplier: float
    input_dim: int
    width: int
    depth: int
    learning_rate: float
    richness: float

    def to_frame(self):
        """The table as a pandas DataFrame, one row per layer."""
        import pandas as pd

        return pd.DataFrame([vars(layer) for layer in self.layers])


def mup_table(input_dim: int, width: int, depth: int = 3, *, learning_rate: float = 1e-2,
              richness: float = 1.0, weight_variance: float = 1.0,
              bias_variance: float = 1.0) -> MupTable:
    r"""The muP table of a ReLU MLP trained by SGD, from its shapes.

    With :math:`n` = ``width``, :math:`w` = ``weight_variance``, :math:`b` =
    ``bias_variance``, base learning rate :math:`\eta_0` and richness :math:`\gamma`:

    ===========  ======================  =====================  ==========================
    layer        weight init std         bias init std          SGD learning rate
    ===========  ======================  =====================  ==========================
    read-in      :math:`\sqrt w`         :math:`\sqrt b`        :math:`\eta\,n`
    hidden       :math:`\sqrt{w/n}`      :math:`\sqrt b`        :math:`\eta` (bias
                                                                :math:`\eta\,n`)
    readout      :math:`\sqrt w/n`       none                   :math:`\eta/n`
    ===========  ======================  =====================  ==========================

    with :math:`\eta = \eta_0\gamma` for :math:`\gamma \ge 1` and :math:`\eta_0\gamma^2`
    otherwise, and the output multiplied by :math:`1/\gamma` (spec §6.11). This is Tensor
    Programs V's SGD table (input weights and biases: learning rate :math:`\propto` fan-out;
    hidden: :math:`\propto 1`; output: init variance :math:`1/n^2`, learning rate
    :math:`\propto 1/n`) and meets the spectral condition of Yang, Simon and Bernstein: at
    initialisation every preactivation coordinate is :math:`O(1)`, and one SGD step changes
    every layer by :math:`O(\eta)` relative to itself in spectral norm, at any width. The read-in
    rows are on eigenlab's input scale :math:`\mathbb E\|x\|^2 = 1`: variance :math:`w` is
    :math:`w/d` acting on :math:`\sqrt d\,x`, so at initialisation (before centring) the
    network is the one whose infinite-width kernels are
    ``ReluNTKKernel(depth, weight_variance=w, bias_variance=b)``, readout scale aside.

    Parameters
    ----------
    input_dim : int
        :math:`d`.
    width : int
        :math:`n`, the width of every hidden layer.
    depth : int, default 3
        :math:`L \ge 1`, the number of hidden layers (the paper's MLP has 3).
    learning_rate : float, default 1e-2
        :math:`\eta_0 > 0` (the paper's base rate).
    richness : float, default 1.0
        :math:`\gamma > 0`; larger is richer (more feature learning), smaller lazier.
    weight_variance, bias_variance : float, default 1.0
        :math:`w > 0`, :math:`b \ge 0` (the HEA paper's ReLU-NTK convention; 2 and 0 are He).

    Returns
    -------
    MupTable

    Examples
    --------
    >>> table = mup_table(10, 100, depth=2)
    >>> table.to_frame()[["name", "weight_std", "learning_rate"]].round(4)
          name  weight_std  learning_rate
    0   readin        1.00         1.0000
    1  hidden2        0.10         0.0100
    2  readout        0.01         0.0001
    """
    input_dim = _positive_int(input_dim, "input_dim")
    width = _positive_int(width, "width")
    depth = _positive_int(depth, "depth")
    base = check_scalar(learning_rate, "learning_rate", minimum=0.0, strictly=True)
    gamma = check_scalar(richness, "richness", minimum=0.0, strictly=True)
    w = check_scalar(weight_variance, "weight_variance", minimum=0.0, strictly=True)
    b = check_scalar(bias_variance, "bias_variance", minimum=0.0)
    eta = base * (gamma if gamma >= 1.0 else gamma * gamma)
    layers = [LayerScaling("readin", input_dim, width, math.sqrt(w), math.sqrt(b), eta * width)]
    for index in range(2, depth + 1):
        layers.append(LayerScaling(f"hidden{index}", width, width, math.sqrt(w / width),
                                   math.sqrt(b), eta))
    layers.append(LayerScaling("readout", width, 1, math.sqrt(w) / width, math.nan,
                               eta / width))
    return MupTable(layers=tuple(layers), output_multiplier=1.0 / gamma, input_dim=input_dim,
                    width=width, depth=depth, learning_rate=base, richness=gamma)


class MupMLP(torch.nn.Module):
    r"""A centred ReLU MLP initialised from a :class:`MupTable`.

    ``forward(x)`` returns :math:`\hat f(x) = f(x) - f_0(x)` of shape (N,), where :math:`f_0`
    is the network at initialisation, kept as frozen buffers (no gradient, never trained).

    Parameters
    ----------
    table : MupTable
    generator : torch.Generator
        A CPU generator for the initial weights (drawn on the CPU in float64 and then cast and
        moved, so that a seed gives the same network on every device and dtype).
    device : str or torch.device, default "cpu"
        ``"cpu"``, ``"cuda"`` or ``"auto"``.
    dtype : torch.dtype, default torch.float32
        Dtype policy: float32 for training speed (the per-step noise of online SGD dwarfs its
        round-off); float64 on request.

    Examples
    --------
    >>> model = MupMLP(mup_table(5, 32), generator=torch.Generator().manual_seed(0))
    >>> float(model(torch.randn(4, 5)).detach().abs().max())
    0.0
    """

    def __init__(self, table: MupTable, *, generator: torch.Generator, device="cpu",
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        if not isinstance(table, MupTable):
            raise TypeError(f"`table` must be a MupTable (see mup_table); got {table!r}.")
        if not isinstance(generator, torch.Generator) or generator.device.type != "cpu":
            raise ValueError(f"`generator` must be a CPU torch.Generator; got {generator!r}.")
        device = resolve_device(device)
        dtype = _float_dtype(dtype)
        self.table = table
        self.weights = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        for layer in table.layers:
            weight = torch.randn(layer.fan_out, layer.fan_in, generator=generator,
                                 dtype=torch.float64) * layer.weight_std
            self.weights.append(torch.nn.Parameter(weight.to(device=device, dtype=dtype)))
            if not math.isnan(layer.bias_std):
                bias = torch.randn(layer.fan_out, generator=generator,
                                   dtype=torch.float64) * layer.bias_std
                self.biases.append(torch.nn.Parameter(bias.to(device=device, dtype=dtype)))
        for index, parameter in enumerate(self._ordered_parameters()):
            self.register_buffer(f"initial{index}", parameter.detach().clone())

    def _ordered_parameters(self):
        return [*self.weights, *self.biases]

    def _initial(self):
        n = len(self.weights)
        frozen = [getattr(self, f"initial{i}") for i in range(n + len(self.biases))]
        return frozen[:n], frozen[n:]

    def _network(self, x, weights, biases, *, keep_hidden=False):
        hidden = []
        h = x
        for weight, bias in zip(weights[:-1], biases, strict=True):
            h = torch.nn.functional.linear(h, weight, bias).relu_()
            if keep_hidden:
                hidden.append(h)
        out = (h @ weights[-1].squeeze(0)) * self.table.output_multiplier
        return out, hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self._network(x, list(self.weights), list(self.biases))
        with torch.no_grad():
            initial, _ = self._network(x, *self._initial())
        return out - initial

    def uncentred(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """:math:`f(x)` without the centring, and the post-activations :math:`\\phi(h^l)`."""
        return self._network(x, list(self.weights), list(self.biases), keep_hidden=True)

    def parameter_groups(self) -> list[dict]:
        """Parameter groups, one per layer, with the table's learning rates (the format of
        ``torch.optim.SGD``; :func:`train_online` applies them itself)."""
        groups = []
        biases = iter(self.biases)
        for layer, weight in zip(self.table.layers, self.weights, strict=True):
            params = [weight] if math.isnan(layer.bias_std) else [weight, next(biases)]
            groups.append({"params": params, "lr": layer.learning_rate, "name": layer.name})
        return groups


@dataclass(frozen=True, eq=False)
class OnlineTrainingResult:
    """What :func:`train_online` measured.

    Attributes
    ----------
    thresholds : ndarray of shape (T,)
        Loss levels, decreasing.
    steps_to_threshold : ndarray of shape (T,)
        First step :math:`t \\ge 1` at which the EMA train loss is below each threshold; NaN
        where it was not reached within ``steps_run`` (censored) or before the run diverged.
    losses : ndarray of shape (steps_run,)
        Batch MSE at each step, measured before that step's update.
    ema_losses : ndarray of shape (steps_run,)
    steps_run : int
    max_steps : int
    diverged : bool
        A non-finite loss stopped the run.
    wall_time : float
        Seconds.
    """

    thresholds: np.ndarray
    steps_to_threshold: np.ndarray
    losses: np.ndarray
    ema_losses: np.ndarray
    steps_run: int
    max_steps: int
    diverged: bool
    wall_time: float

    @property
    def reached(self) -> np.ndarray:
        """Whether each threshold was reached, shape (T,)."""
        return np.isfinite(self.steps_to_threshold)


@torch.no_grad()
def _sgd_step(groups) -> None:
    r"""Plain SGD, :math:`\theta \leftarrow \theta - \eta_l \nabla_\theta L`, per group;
    clears the gradients (``torch.optim.SGD`` without momentum, minus its import time)."""
    for group in groups:
        for parameter in group["params"]:
            parameter.add_(parameter.grad, alpha=-group["lr"])
            parameter.grad = None


def _check_thresholds(thresholds) -> np.ndarray:
    values = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)) or np.any(
            values <= 0):
        raise ValueError(f"`thresholds` must be one or more finite losses > 0; got "
                         f"{thresholds!r}.")
    return np.sort(values)[::-1]


def train_online(model: MupMLP, sample: Callable[[int], tuple], *, max_steps: int,
                 thresholds=(0.15, 0.1), ema: float = 0.9, stop_when_reached: bool = True,
                 progress: Progress | None = None) -> OnlineTrainingResult:
    r"""Online SGD on the MSE, fresh samples every step, timing when the loss crosses levels.

    Step :math:`t = 1, 2, \dots` draws a batch ``(x, y) = sample(t)``, measures
    :math:`\ell_t = \mathrm{mean}((\hat f(x) - y)^2)` and takes one SGD step with the
    model's per-layer learning rates (plain SGD: no momentum, no weight decay). The
    smoothed loss is :math:`\bar\ell_1 = \ell_1`,
    :math:`\bar\ell_t = a\bar\ell_{t-1} + (1 - a)\ell_t`, and the time to learn for a
    threshold :math:`\epsilon` is the first :math:`t` with :math:`\bar\ell_t < \epsilon`
    (spec §6.11: :math:`a = 0.9`, :math:`\epsilon \in \{0.15, 0.1\}` for unit-variance
    targets, whose loss starts at 1 because the network is centred).

    Parameters
    ----------
    model : MupMLP
        Trained in place.
    sample : callable(step) -> (x, y)
        A fresh batch: ``x`` of shape (B, d) and ``y`` of shape (B,), on the model's device
        and dtype. It owns its randomness (a ``torch.Generator``).
    max_steps : int
        Cap on the number of steps.
    thresholds : sequence of float, default (0.15, 0.1)
    ema : float, default 0.9
        :math:`a \in [0, 1)`.
    stop_when_reached : bool, default True
        Stop once the lowest threshold is crossed (within a block of 25 steps).
    progress : callable(done, total, message), optional

    Returns
    -------
    OnlineTrainingResult

    Notes
    -----
    Losses are copied to the host in blocks of 25 steps, so a GPU synchronises once per
    block. Dtype: the model's; the EMA is kept in float64.
    """
    if not isinstance(model, MupMLP):
        raise TypeError(f"`model` must be a MupMLP; got {type(model).__name__}.")
    max_steps = _positive_int(max_steps, "max_steps")
    levels = _check_thresholds(thresholds)
    ema = check_scalar(ema, "ema", minimum=0.0)
    if ema >= 1.0:
        raise ValueError(f"`ema` must be in [0, 1); got {ema!r}.")
    groups = model.parameter_groups()
    first = next(model.parameters())
    buffer = torch.empty(_CHECK_EVERY, dtype=first.dtype, device=first.device)
    losses = np.empty(max_steps)
    smoothed = np.empty(max_steps)
    crossed = np.full(levels.size, np.nan)
    pointer, average, step, diverged = 0, math.nan, 0, False
    start = time.perf_counter()
    while step < max_steps and not diverged:
        block = min(_CHECK_EVERY, max_steps - step)
        for k in range(block):
            x, y = sample(step + k + 1)
            out = model(x)
            if step + k == 0 and y.shape != out.shape:
                raise ValueError(f"`sample` must return x of shape (B, {model.table.input_dim}) "
                                 f"and y of shape (B,); got x {tuple(x.shape)}, y "
                                 f"{tuple(y.shape)}.")
            loss = torch.mean(torch.square(out - y))
            loss.backward()
            _sgd_step(groups)
            buffer[k] = loss.detach()
        values = buffer[:block].to(torch.float64).cpu().numpy()
        for value in values:
            step += 1
            if not math.isfinite(value):
                diverged = True
                losses[step - 1:] = smoothed[step - 1:] = math.nan
                step = step - 1
                break
            average = value if step == 1 else ema * average + (1.0 - ema) * value
            losses[step - 1], smoothed[step - 1] = value, average
            while pointer < levels.size and average < levels[pointer]:
                crossed[pointer] = step
                pointer += 1
        if progress is not None:
            progress(step, max_steps, "training")
        if stop_when_reached and pointer == levels.size:
            break
    return OnlineTrainingResult(
        thresholds=levels, steps_to_threshold=crossed, losses=losses[:step].copy(),
        ema_losses=smoothed[:step].copy(), steps_run=step, max_steps=max_steps,
        diverged=diverged, wall_time=time.perf_counter() - start)
