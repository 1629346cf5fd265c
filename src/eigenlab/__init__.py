"""eigenlab: the eigenframework theory of deep learning as a working tool.

Subpackages
-----------
theory
    Eigenframeworks (kernel ridge regression, ...): pure numpy/scipy functions of an
    eigensystem. Imports in well under a second and never loads torch or matplotlib.
spectra
    The :class:`~eigenlab.spectra.Eigensystem` record and where eigensystems come from
    (synthetic power laws, analytic domains, ...).
plotting
    Result records -> matplotlib Axes.

Importing ``eigenlab`` itself loads nothing heavy; import the subpackage you need.
"""

__version__ = "0.1.0"

from ._errors import ConvergenceError, EigenlabWarning, SpectrumWarning

__all__ = ["ConvergenceError", "EigenlabWarning", "SpectrumWarning", "__version__"]
