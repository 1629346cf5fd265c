"""Tests for `eigenlab/theory/_data_dependent.py`: Bayes-optimal kernels on GP draws."""

import numpy as np
import pytest

from eigenlab.theory import gp_posterior, kernel_regression_predict


def _rbf(t, length):
    return np.exp(-((t[:, None] - t[None, :]) ** 2) / (2 * length ** 2))


def _domain():
    t = np.linspace(0, 1, 120)
    prior = _rbf(t, 0.08) + 1e-8 * np.eye(t.size)
    return t, prior


def test_prior_covariance_is_the_best_fixed_kernel_on_gp_draws(rng):
    # Monte Carlo over GP draws: KRR with the prior covariance and ridge = noise variance
    # (the posterior mean) beats other kernels, even each at its own best ridge, and the
    # same kernel at a mistuned ridge.
    t, prior = _domain()
    noise, n, draws = 0.05, 15, 300
    root = np.linalg.cholesky(prior)
    train = np.sort(rng.choice(t.size, n, replace=False))
    test = np.setdiff1d(np.arange(t.size), train)
    f = root @ rng.standard_normal((t.size, draws))
    y = f[train] + np.sqrt(noise) * rng.standard_normal((n, draws))

    def mse(prediction):
        per_draw = np.mean((prediction[test] - f[test]) ** 2, axis=0)
        return per_draw.mean(), per_draw.std(ddof=1) / np.sqrt(draws)

    bayes, bayes_se = mse(kernel_regression_predict(prior, train, y, ridge=noise))
    posterior = gp_posterior(prior, train, y, noise=noise)
    np.testing.assert_allclose(posterior.mean, kernel_regression_predict(prior, train, y,
                                                                         ridge=noise),
                               rtol=1e-10, atol=1e-12)
    ridges = np.geomspace(1e-4, 10, 15)
    others = {
        "rbf narrow": _rbf(t, 0.02), "rbf wide": _rbf(t, 0.3),
        "laplace": np.exp(-np.abs(t[:, None] - t[None, :]) / 0.1),
    }
    for kernel in others.values():
        best = min(mse(kernel_regression_predict(kernel, train, y, ridge=r))[0] for r in ridges)
        assert bayes < best
    for factor in [0.1, 10.0]:
        assert bayes < mse(kernel_regression_predict(prior, train, y, ridge=noise * factor))[0]
    # The expected posterior MSE is the mean posterior variance off the training points.
    expected = np.mean(np.diag(posterior.covariance)[test])
    assert bayes == pytest.approx(expected, abs=4 * bayes_se)


def test_posterior_covariance_is_the_optimal_kernel_after_seeing_data(rng):
    # After D1, regressing further data D2 with the posterior covariance as kernel (the
    # posterior mean as offset, ridge = noise) gives the posterior mean given D1 and D2.
    t, prior = _domain()
    noise = 0.02
    order = rng.permutation(t.size)
    first, second = np.sort(order[:10]), np.sort(order[10:25])
    f = np.linalg.cholesky(prior) @ rng.standard_normal((t.size, 3))
    y1 = f[first] + np.sqrt(noise) * rng.standard_normal((10, 3))
    y2 = f[second] + np.sqrt(noise) * rng.standard_normal((15, 3))
    after_first = gp_posterior(prior, first, y1, noise=noise)
    residual = y2 - after_first.mean[second]
    sequential = after_first.mean + kernel_regression_predict(
        after_first.covariance, second, residual, ridge=noise)
    joint = gp_posterior(prior, np.concatenate([first, second]), np.vstack([y1, y2]),
                         noise=noise)
    np.testing.assert_allclose(sequential, joint.mean, rtol=1e-7, atol=1e-9)
    # ... and the posterior covariance updates the same way.
    again = gp_posterior(after_first.covariance, second, residual, noise=noise)
    np.testing.assert_allclose(again.covariance, joint.covariance, atol=1e-9)
    # The prior kernel on D2 alone ignores D1 and does worse on average.
    alone = kernel_regression_predict(prior, second, y2, ridge=noise)
    assert np.mean((joint.mean - f) ** 2) < np.mean((alone - f) ** 2)


def test_second_moment_is_covariance_plus_mean_outer():
    t, prior = _domain()
    post = gp_posterior(prior, [3, 50, 90], [0.5, -1.0, 2.0], noise=0.1)
    np.testing.assert_allclose(post.second_moment(),
                               post.covariance + np.outer(post.mean, post.mean))
    # Posterior covariance is PSD and below the prior.
    assert np.linalg.eigvalsh(post.covariance).min() > -1e-10
    assert np.linalg.eigvalsh(prior - post.covariance).min() > -1e-10


@pytest.mark.parametrize(("call", "message"), [
    (lambda p: gp_posterior(p, [0, 200], [1.0, 2.0], noise=0.1), "`train_index` must lie"),
    (lambda p: gp_posterior(p, [0, 0], [1.0, 2.0], noise=0.1), "must not repeat"),
    (lambda p: gp_posterior(p, [0, 1], [1.0], noise=0.1), "one row per training point"),
    (lambda p: gp_posterior(p, [0, 1], [1.0, 2.0], noise=-0.1), "`noise` must be >= 0"),
    (lambda p: gp_posterior(p[:, :5], [0, 1], [1.0, 2.0], noise=0.1), "square"),
    (lambda p: kernel_regression_predict(np.ones((3, 3)), [0, 1], [1.0, 2.0], ridge=0.0),
     "singular"),
])
def test_bad_inputs(call, message):
    _, prior = _domain()
    with pytest.raises(ValueError, match=message):
        call(prior)
