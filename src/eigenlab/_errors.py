"""The library's own warning and error classes, so that users can filter them."""


class EigenlabWarning(UserWarning):
    """Base class of every warning eigenlab emits."""


class SpectrumWarning(EigenlabWarning):
    """A spectrum was repaired: negligible negative eigenvalues were set to zero."""


class ConvergenceError(RuntimeError):
    """A self-consistent solve did not converge.

    Attributes
    ----------
    result
        The partial result record, with its diagnostics (``converged``, ``iterations``), for
        inspection.
    """

    def __init__(self, message: str, result: object = None):
        super().__init__(message)
        self.result = result
