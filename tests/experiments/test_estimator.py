"""KernelRidgeRegression against scikit-learn's KernelRidge (rbf, polynomial, a precomputed
Laplace Gram matrix), planted truths (interpolation at ridge 0, the minimum-norm solution,
multi-output as independent columns), scikit-learn's estimator checks, Pipeline and
GridSearchCV, and the errors at the boundary."""

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from eigenlab import EigenlabWarning
from eigenlab.experiments._estimator import KernelRidgeRegression
from eigenlab.kernels import DotProductKernel, GaussianKernel, LaplaceKernel

# float64: both routes solve the same system by Cholesky; the condition number of K + ridge I
# (about 1e3 here) times a few ulps. float32: the same condition number times float32's eps
# (6e-8) gives errors of a few 1e-5 at ridge 1e-2 (measured up to 3e-5).
FLOAT64_ATOL = 1e-10
FLOAT32_ATOL = 2e-4


@pytest.fixture
def problem(rng):
    X = rng.standard_normal((120, 5))
    y = np.sin(X @ rng.standard_normal(5)) + 0.1 * rng.standard_normal(120)
    return X, y, rng.standard_normal((40, 5))


# ---------------------------------------------------------------------- against sklearn
@pytest.mark.parametrize(("dtype", "atol"), [("float64", FLOAT64_ATOL),
                                             ("float32", FLOAT32_ATOL)])
@pytest.mark.parametrize("width", [0.8, 2.0])
def test_gaussian_matches_sklearn_rbf(problem, dtype, atol, width):
    X, y, X_test = problem
    ridge = 1e-2
    reference = KernelRidge(alpha=ridge, kernel="rbf", gamma=1 / (2 * width**2)).fit(X, y)
    model = KernelRidgeRegression("gaussian", ridge=ridge, kernel_params={"width": width},
                                  dtype=dtype).fit(X, y)
    predictions = model.predict(X_test)
    assert predictions.dtype == np.dtype(dtype) and predictions.shape == (40,)
    np.testing.assert_allclose(predictions, reference.predict(X_test), rtol=0, atol=atol)


def test_default_width_is_sklearn_default_gamma(problem):
    X, y, X_test = problem
    reference = KernelRidge(alpha=0.5, kernel="rbf").fit(X, y)  # gamma = 1 / n_features
    model = KernelRidgeRegression(ridge=0.5).fit(X, y)
    assert model.kernel_ == GaussianKernel(np.sqrt(5 / 2))
    np.testing.assert_allclose(model.predict(X_test), reference.predict(X_test), rtol=0,
                               atol=FLOAT64_ATOL)


@pytest.mark.parametrize(("degree", "scale", "offset"), [(2, 1.0, 1.0), (3, 2.0, 0.5)])
def test_polynomial_matches_sklearn(problem, degree, scale, offset):
    X, y, X_test = problem
    reference = KernelRidge(alpha=0.1, kernel="polynomial", degree=degree,
                            gamma=1 / scale**2, coef0=offset).fit(X, y)
    model = KernelRidgeRegression(
        "polynomial", ridge=0.1,
        kernel_params={"degree": degree, "scale": scale, "offset": offset}).fit(X, y)
    expected = reference.predict(X_test)
    np.testing.assert_allclose(model.predict(X_test), expected, rtol=0,
                               atol=FLOAT64_ATOL * np.abs(expected).max())


def test_laplace_matches_sklearn_on_a_precomputed_euclidean_gram(problem):
    # sklearn's "laplacian" kernel uses the l1 distance; build the Euclidean one with cdist.
    X, y, X_test = problem
    width, ridge = 1.5, 1e-2
    reference = KernelRidge(alpha=ridge, kernel="precomputed").fit(
        np.exp(-cdist(X, X) / (np.sqrt(2) * width)), y)
    expected = reference.predict(np.exp(-cdist(X_test, X) / (np.sqrt(2) * width)))
    for kernel, params in (("laplace", {"width": width}), (LaplaceKernel(width), None)):
        model = KernelRidgeRegression(kernel, ridge=ridge, kernel_params=params).fit(X, y)
        np.testing.assert_allclose(model.predict(X_test), expected, rtol=0, atol=FLOAT64_ATOL)


def test_multi_output_equals_independent_columns(problem, rng):
    X, y, X_test = problem
    Y = np.column_stack([y, np.cos(X[:, 0]), rng.standard_normal(120)])
    model = KernelRidgeRegression(ridge=0.1, kernel_params={"width": 1.0}).fit(X, Y)
    predictions = model.predict(X_test)
    assert predictions.shape == (40, 3) and model.dual_coef_.shape == (120, 3)
    for column in range(3):
        single = clone(model).fit(X, Y[:, column]).predict(X_test)
        np.testing.assert_allclose(predictions[:, column], single, rtol=0, atol=FLOAT64_ATOL)
    column_vector = clone(model).fit(X, y[:, None]).predict(X_test)
    assert column_vector.shape == (40, 1)
    reference = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.5).fit(X, Y).predict(X_test)
    np.testing.assert_allclose(predictions, reference, rtol=0, atol=FLOAT64_ATOL)


def test_fitted_attributes(problem):
    X, y, _ = problem
    model = KernelRidgeRegression(ridge=0.3, kernel_params={"width": 1.0}, dtype="float32")
    assert model.fit(X, y) is model
    assert model.n_features_in_ == 5
    assert model.X_fit_.dtype == torch.float32 and model.X_fit_.shape == (120, 5)
    assert model.dual_coef_.shape == (120,)
    # The dual coefficients solve (K + ridge I) alpha = y.
    gram = np.exp(-cdist(X, X, "sqeuclidean") / 2)
    np.testing.assert_allclose((gram + 0.3 * np.eye(120)) @ model.dual_coef_.double().numpy(),
                               y, atol=1e-4)


# ---------------------------------------------------------------------- planted truths
def test_ridgeless_interpolates_with_a_warning(problem):
    X, y, _ = problem
    model = KernelRidgeRegression(ridge=0.0, kernel_params={"width": 1.0})
    with pytest.warns(EigenlabWarning, match="ridge = 0: the minimum-norm interpolant"):
        model.fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, rtol=0, atol=1e-8)


def test_ridgeless_on_repeated_points_is_the_minimum_norm_solution(rng):
    # Each point twice with consistent labels: a singular Gram matrix, whose minimum-norm
    # solution splits every dual coefficient equally between the two copies.
    X = np.repeat(rng.standard_normal((15, 2)), 2, axis=0)
    y = np.repeat(rng.standard_normal(15), 2)
    with pytest.warns(EigenlabWarning, match="dropping 15 eigenvalue"):
        model = KernelRidgeRegression(ridge=0.0, kernel_params={"width": 0.7}).fit(X, y)
    gram = np.exp(-cdist(X, X, "sqeuclidean") / (2 * 0.7**2))
    expected = np.linalg.pinv(gram, rcond=1e-10, hermitian=True) @ y
    dual = model.dual_coef_.numpy()
    np.testing.assert_allclose(dual[0::2], dual[1::2], rtol=1e-6)
    np.testing.assert_allclose(dual, expected, rtol=1e-5, atol=1e-8 * np.abs(expected).max())


def test_failed_cholesky_falls_back_with_a_warning(rng):
    # An indefinite "kernel" (K = -x.x' + 2): Cholesky fails, the symmetric solve still
    # returns the exact solution of the nonsingular system.
    X = rng.standard_normal((20, 3))
    y = rng.standard_normal(20)
    kernel = DotProductKernel(lambda t: 2.0 - t, name="indefinite")
    with pytest.warns(EigenlabWarning, match="not numerically positive definite in float64"):
        model = KernelRidgeRegression(kernel, ridge=0.5).fit(X, y)
    expected = np.linalg.solve(2.0 - X @ X.T + 0.5 * np.eye(20), y)
    np.testing.assert_allclose(model.dual_coef_.numpy(), expected, rtol=1e-8)


def test_large_ridge_shrinks_to_zero(problem):
    X, y, X_test = problem
    model = KernelRidgeRegression(ridge=1e12, kernel_params={"width": 1.0}).fit(X, y)
    assert np.abs(model.predict(X_test)).max() < 1e-9


def test_torch_and_list_inputs(problem):
    X, y, X_test = problem
    model = KernelRidgeRegression(ridge=0.1).fit(torch.as_tensor(X), y.tolist())
    reference = KernelRidgeRegression(ridge=0.1).fit(X, y)
    np.testing.assert_array_equal(model.predict(X_test.tolist()), reference.predict(X_test))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu(problem):
    X, y, X_test = problem
    cpu = KernelRidgeRegression(ridge=1e-2).fit(X, y).predict(X_test)
    gpu = KernelRidgeRegression(ridge=1e-2, device="cuda").fit(X, y)
    assert gpu.X_fit_.device.type == "cuda"
    np.testing.assert_allclose(gpu.predict(X_test), cpu, rtol=0, atol=FLOAT64_ATOL)


# ---------------------------------------------------------------------- scikit-learn API
def _expected_failures(estimator):
    if estimator.dtype == "float32":
        return {"check_regressor_multioutput":
                "dtype='float32' returns float32 predictions by design; the check wants "
                "float64 multi-output predictions"}
    return {}


@parametrize_with_checks(
    [KernelRidgeRegression(), KernelRidgeRegression(LaplaceKernel(2.0), ridge=0.1),
     KernelRidgeRegression("polynomial", kernel_params={"degree": 2}),
     KernelRidgeRegression(dtype="float32")],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_clone_get_and_set_params():
    model = KernelRidgeRegression("laplace", ridge=0.5, kernel_params={"width": 2.0},
                                  dtype="float32")
    assert model.get_params() == {"kernel": "laplace", "ridge": 0.5,
                                  "kernel_params": {"width": 2.0}, "dtype": "float32",
                                  "device": "cpu"}
    twin = clone(model)
    assert twin is not model and twin.get_params() == model.get_params()
    assert twin.set_params(ridge=3.0, kernel=GaussianKernel(1.0)) is twin
    assert twin.ridge == 3.0 and model.ridge == 0.5


def test_pipeline_and_grid_search_agree_with_sklearn(problem):
    X, y, _ = problem
    widths, ridges = [0.7, 2.0, 5.0], [1e-3, 1e-1, 10.0]
    cv = KFold(4, shuffle=True, random_state=0)
    ours = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("krr", KernelRidgeRegression())]),
        {"krr__ridge": ridges, "krr__kernel_params": [{"width": w} for w in widths]},
        cv=cv).fit(X, y)
    theirs = GridSearchCV(
        make_pipeline(StandardScaler(), KernelRidge(kernel="rbf")),
        {"kernelridge__alpha": ridges, "kernelridge__gamma": [1 / (2 * w**2) for w in widths]},
        cv=cv).fit(X, y)
    assert ours.best_params_["krr__ridge"] == theirs.best_params_["kernelridge__alpha"]
    best_width = ours.best_params_["krr__kernel_params"]["width"]
    assert 1 / (2 * best_width**2) == theirs.best_params_["kernelridge__gamma"]
    np.testing.assert_allclose(ours.best_score_, theirs.best_score_, rtol=1e-9)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-9)


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(("params", "error", "message"), [
    ({"ridge": -1.0}, ValueError, r"`ridge` must be >= 0.0; got -1.0"),
    ({"ridge": "big"}, TypeError, r"`ridge` must be a real number; got 'big'"),
    ({"dtype": "float16"}, ValueError, r"`dtype` must be 'float32' or 'float64'; got "
                                       r"'float16'"),
    ({"dtype": "double precision"}, ValueError, r"`dtype` must be 'float32' or 'float64'"),
    ({"device": "gpu"}, ValueError, r"`device` must name an available torch device"),
    ({"kernel": "gauss"}, ValueError, r"`name` must be one of 'gaussian'"),
    ({"kernel": 3}, TypeError, r"`kernel` must be a kernel name"),
    ({"kernel": GaussianKernel(1.0), "kernel_params": {"width": 2.0}}, ValueError,
     r"`kernel_params` must be empty when `kernel` is a Kernel instance"),
    ({"kernel_params": [("width", 1.0)]}, TypeError, r"`kernel_params` must be a dict"),
    ({"kernel": "polynomial"}, TypeError, r"'polynomial' kernel needs parameter\(s\) "
                                          r"\['degree'\]"),
    ({"kernel_params": {"width": 0.0}}, ValueError, r"`width` must be > 0.0"),
])
def test_bad_parameters_raise_in_fit(problem, params, error, message):
    X, y, _ = problem
    model = KernelRidgeRegression(**params)  # construction never validates (sklearn rule)
    with pytest.raises(error, match=message):
        model.fit(X, y)


def test_bad_data(problem):
    X, y, X_test = problem
    with pytest.raises(NotFittedError):
        KernelRidgeRegression().predict(X_test)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        KernelRidgeRegression().fit(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        KernelRidgeRegression().fit(X, y[:-1])
    model = KernelRidgeRegression().fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features, but KernelRidgeRegression is "
                                         "expecting 5 features"):
        model.predict(X_test[:, :4])
