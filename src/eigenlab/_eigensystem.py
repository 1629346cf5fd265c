"""The one currency of eigenlab: a kernel's eigenvalues with a target's coefficients.

Lives outside the subpackages so that :mod:`eigenlab.theory` can consume it without importing
anything but numpy; it is re-exported from :mod:`eigenlab.spectra`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ._validation import as_float_array, check_nonnegative, check_psd_eigenvalues

__all__ = ["Eigensystem"]


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False, repr=False)
class Eigensystem:
    r"""Eigenvalues of a kernel (or operator) with a target's coefficients in its eigenbasis.

    The kernel is :math:`K(x, x') = \sum_i \lambda_i \phi_i(x) \phi_i(x')` with eigenfunctions
    orthonormal under the data distribution, :math:`\mathbb{E}[\phi_i \phi_j] = \delta_{ij}`,
    and the target is :math:`f(x) = \sum_i v_i \phi_i(x)`. A mode may stand for a degenerate
    level of ``multiplicities[i]`` eigenfunctions that share :math:`\lambda_i`; its target
    coefficient is then the level's aggregate, :math:`v_i^2` = the target's power in the whole
    level (Simon et al. 2023, arXiv:2110.03922).

    The record is validated once when made and is immutable (its arrays are read-only).

    Parameters
    ----------
    eigenvalues : array-like of shape (n_modes,)
        :math:`\lambda_i`, in decreasing order (ties allowed). Passed through the library's
        PSD gate: negligible negative values are set to zero with a
        :class:`~eigenlab.SpectrumWarning`, significant ones raise. Stored as float64.
    target_coeffs : array-like of shape (n_modes,) or (n_modes, n_outputs), optional
        :math:`v_i`, one column per output for multi-output (e.g. one-hot) targets. ``None``
        means the zero target (a pure-noise task).
    multiplicities : array-like of shape (n_modes,), optional
        :math:`m_i > 0`, the number of eigenfunctions sharing mode ``i``'s eigenvalue.
        Defaults to ones.
    mode_labels : array-like of shape (n_modes, ...), optional
        What each mode is (a frequency, a degree, a Hermite multi-index, ...). Carried along,
        never interpreted.
    tail_mass : float, default 0
        :math:`\sum_{i > P} m_i \lambda_i`, the kernel trace beyond the listed modes. The
        theory treats it as extra ridge (its modes have eigenvalues far below the effective
        ridge, so each contributes :math:`\lambda_i / \kappa`).
    target_tail : float or array-like of shape (n_outputs,), default 0
        :math:`\sum_{i > P} v_i^2`, the target power beyond the listed modes. Those modes are
        not learned, so the theory adds it to the bias.

    Attributes
    ----------
    n_modes : int
        Number of listed modes P.
    n_outputs : int
        Number of target outputs (1 for a vector of coefficients).
    target_power : ndarray of shape (n_modes,)
        :math:`v_i^2` summed over outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from eigenlab.spectra import Eigensystem
    >>> es = Eigensystem([1.0, 0.5, 0.25], [1.0, 0.0, 0.5])
    >>> es.n_modes, es.n_outputs, float(es.total_target_power)
    (3, 1, 1.25)
    """

    eigenvalues: np.ndarray
    target_coeffs: np.ndarray | None = None
    multiplicities: np.ndarray | None = None
    mode_labels: np.ndarray | None = None
    tail_mass: float = 0.0
    target_tail: float | np.ndarray = 0.0
    _checked: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._checked:
            return
        eigenvalues = check_psd_eigenvalues(self.eigenvalues, "eigenvalues")
        n_modes = eigenvalues.shape[0]
        if n_modes == 0:
            raise ValueError("`eigenvalues` must list at least one mode; got an empty array.")
        drops = np.flatnonzero(np.diff(eigenvalues) > 0)
        if drops.size:
            i = int(drops[0])
            raise ValueError(
                "`eigenvalues` must be sorted in decreasing order; got "
                f"eigenvalues[{i}]={eigenvalues[i]!r} < eigenvalues[{i + 1}]="
                f"{eigenvalues[i + 1]!r}. Use Eigensystem.sorted(...) to sort the modes "
                "together with their coefficients."
            )

        if self.target_coeffs is None:
            target = np.zeros(n_modes)
        else:
            target = as_float_array(self.target_coeffs, "target_coeffs", ndim=(1, 2))
            if target.shape[0] != n_modes:
                raise ValueError(
                    f"`target_coeffs` must have one row per mode ({n_modes}); got shape "
                    f"{target.shape}."
                )
            if target.ndim == 2 and target.shape[1] == 0:
                raise ValueError("`target_coeffs` must have at least one output column.")

        if self.multiplicities is None:
            multiplicities = np.ones(n_modes)
        else:
            multiplicities = as_float_array(self.multiplicities, "multiplicities", ndim=(1,))
            if multiplicities.shape != (n_modes,):
                raise ValueError(
                    f"`multiplicities` must have shape ({n_modes},), one per mode; got "
                    f"{multiplicities.shape}."
                )
            if np.any(multiplicities <= 0):
                bad = float(multiplicities[multiplicities <= 0][0])
                raise ValueError(f"`multiplicities` must be > 0; got {bad!r}.")

        labels = self.mode_labels
        if labels is not None:
            labels = np.asarray(labels)
            if labels.ndim == 0 or labels.shape[0] != n_modes:
                raise ValueError(
                    f"`mode_labels` must have one entry per mode ({n_modes}); got shape "
                    f"{labels.shape}."
                )

        tail_mass = check_nonnegative(self.tail_mass, "tail_mass")
        if tail_mass.ndim != 0:
            raise ValueError(f"`tail_mass` must be a scalar; got shape {tail_mass.shape}.")
        target_tail = check_nonnegative(self.target_tail, "target_tail")
        expected = () if target.ndim == 1 else (target.shape[1],)
        if target_tail.shape != expected:
            if target_tail.ndim == 0:
                target_tail = np.full(expected, float(target_tail))
            else:
                raise ValueError(
                    f"`target_tail` must have shape {expected} to match `target_coeffs`; got "
                    f"{target_tail.shape}."
                )

        set_ = object.__setattr__
        set_(self, "eigenvalues", _frozen(eigenvalues))
        set_(self, "target_coeffs", _frozen(target))
        set_(self, "multiplicities", _frozen(multiplicities))
        set_(self, "mode_labels", None if labels is None else _frozen(labels))
        set_(self, "tail_mass", float(tail_mass))
        set_(self, "target_tail", float(target_tail) if target_tail.ndim == 0
             else _frozen(target_tail))
        set_(self, "_checked", True)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def sorted(cls, eigenvalues, target_coeffs=None, *, multiplicities=None, mode_labels=None,
               tail_mass=0.0, target_tail=0.0) -> Eigensystem:
        """Build an eigensystem from modes in any order, sorting them by decreasing eigenvalue.

        The sort is stable, so tied modes keep their given order. Takes the same arguments as
        the constructor.

        Examples
        --------
        >>> Eigensystem.sorted([0.1, 1.0], [2.0, 3.0]).target_coeffs.tolist()
        [3.0, 2.0]
        """
        values = np.asarray(eigenvalues)
        order = np.argsort(-values.real if values.dtype.kind == "c" else -values, kind="stable")

        def take(a):
            return None if a is None else np.asarray(a)[order]

        return cls(values[order], take(target_coeffs), multiplicities=take(multiplicities),
                   mode_labels=take(mode_labels), tail_mass=tail_mass, target_tail=target_tail)

    # ------------------------------------------------------------------ derived quantities
    @property
    def n_modes(self) -> int:
        return int(self.eigenvalues.shape[0])

    @property
    def n_outputs(self) -> int:
        return 1 if self.target_coeffs.ndim == 1 else int(self.target_coeffs.shape[1])

    @property
    def target_power(self) -> np.ndarray:
        """:math:`v_i^2` summed over outputs, shape (n_modes,)."""
        squared = np.square(self.target_coeffs)
        return squared if squared.ndim == 1 else squared.sum(axis=1)

    @property
    def total_target_power(self) -> float:
        """:math:`\\sum_i v_i^2` plus the target tail, summed over outputs."""
        return float(self.target_power.sum() + np.sum(self.target_tail))

    @property
    def trace(self) -> float:
        """The kernel trace :math:`\\mathbb{E}_x K(x, x) = \\sum_i m_i \\lambda_i` + tail."""
        return float(np.dot(self.multiplicities, self.eigenvalues) + self.tail_mass)

    @property
    def n_functions(self) -> float:
        """Number of eigenfunctions listed, :math:`\\sum_i m_i`."""
        return float(self.multiplicities.sum())

    @property
    def rank(self) -> float:
        """Number of eigenfunctions with a positive eigenvalue, plus infinity if a tail exists."""
        if self.tail_mass > 0:
            return float("inf")
        return float(self.multiplicities[self.eigenvalues > 0].sum())

    # ------------------------------------------------------------------ transformations
    def truncate(self, n_modes: int) -> Eigensystem:
        """Keep the first ``n_modes`` modes, moving what is dropped into the two tails.

        The dropped eigenvalue mass joins ``tail_mass`` and the dropped target power joins
        ``target_tail``, so the theory's answers change only by the tail-as-ridge
        approximation, never by silently losing power.
        """
        if isinstance(n_modes, bool) or not isinstance(n_modes, int | np.integer) or n_modes < 1:
            raise ValueError(f"`n_modes` must be a positive integer; got {n_modes!r}.")
        if n_modes >= self.n_modes:
            return self
        kept = slice(0, n_modes)
        dropped = slice(n_modes, None)
        lost_mass = float(np.dot(self.multiplicities[dropped], self.eigenvalues[dropped]))
        squared = np.square(self.target_coeffs[dropped])
        return Eigensystem(
            self.eigenvalues[kept],
            self.target_coeffs[kept],
            multiplicities=self.multiplicities[kept],
            mode_labels=None if self.mode_labels is None else self.mode_labels[kept],
            tail_mass=self.tail_mass + lost_mass,
            target_tail=np.asarray(self.target_tail) + squared.sum(axis=0),
        )

    def with_target(self, target_coeffs, *, target_tail=0.0) -> Eigensystem:
        """The same spectrum with another target."""
        return Eigensystem(self.eigenvalues, target_coeffs, multiplicities=self.multiplicities,
                           mode_labels=self.mode_labels, tail_mass=self.tail_mass,
                           target_tail=target_tail)

    def replace(self, **changes) -> Eigensystem:
        """A copy with some fields changed, validated again."""
        return replace(self, _checked=False, **changes)

    def __repr__(self) -> str:
        top = np.array2string(self.eigenvalues[:3], precision=3, separator=", ")
        more = ", ..." if self.n_modes > 3 else ""
        return (
            f"Eigensystem(n_modes={self.n_modes}, eigenvalues={top[:-1]}{more}], "
            f"n_outputs={self.n_outputs}, total_target_power={self.total_target_power:.4g}, "
            f"tail_mass={self.tail_mass:.3g})"
        )
