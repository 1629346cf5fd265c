"""Tests for `eigenlab/data/_preprocess.py`: invariants each option promises, planted truths."""

import numpy as np
import pytest

from eigenlab.data import partial_zca, preprocess

OPTIONS = [
    {},
    {"center": False},
    {"scale": "pixel"},
    {"scale": "pixel", "center": False},
    {"scale": "standardize"},
    {"normalize": "sphere"},
    {"normalize": "sphere", "center": False, "scale": "pixel"},
]


@pytest.fixture
def images(rng):
    return rng.integers(0, 256, size=(50, 6, 5, 3), dtype=np.uint8)


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_common_contract(images, options, dtype):
    """Every option: float64 (N, d), a new array, input untouched, finite."""
    raw = images.astype(dtype)
    before = raw.copy()
    x = preprocess(raw, **options)
    assert x.dtype == np.float64 and x.shape == (50, 90)
    assert not np.shares_memory(x, raw) and np.all(np.isfinite(x))
    np.testing.assert_array_equal(raw, before)


def test_unit_power_is_the_hea_convention(images):
    x = preprocess(images)
    np.testing.assert_allclose(np.mean(np.sum(x**2, axis=1)), 1.0, rtol=1e-13)  # ||X||_F^2/N
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-14)
    # Centred unit-power data: the mean squared distance over all pairs is exactly 2.
    distances = np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    np.testing.assert_allclose(distances.mean(), 2.0, rtol=1e-12)
    uncentred = preprocess(images, center=False)
    np.testing.assert_allclose(np.mean(np.sum(uncentred**2, axis=1)), 1.0, rtol=1e-13)
    # The same direction as the raw pixels: one global factor.
    raw = images.reshape(50, -1) / 255.0
    ratio = uncentred[raw > 0] / raw[raw > 0]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)


def test_pixel_scale_and_centring_against_direct_formulas(images):
    pixels = images.reshape(50, -1).astype(np.float64) / 255
    np.testing.assert_array_equal(preprocess(images, scale="pixel", center=False), pixels)
    np.testing.assert_allclose(preprocess(images, scale="pixel"), pixels - pixels.mean(axis=0),
                               atol=1e-15)
    floats = images.astype(np.float64)  # floats are not divided by 255
    np.testing.assert_array_equal(preprocess(floats, scale="pixel", center=False),
                                  floats.reshape(50, -1))


def test_sphere_puts_every_sample_on_the_unit_sphere(images):
    x = preprocess(images, normalize="sphere")
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, rtol=1e-14)
    centred = images.reshape(50, -1) / 255.0
    centred = centred - centred.mean(axis=0)
    np.testing.assert_allclose(x, centred / np.linalg.norm(centred, axis=1, keepdims=True),
                               atol=1e-14)


def test_standardize_gives_unit_variance_features(images):
    padded = images.reshape(50, -1).copy()
    padded[:, 0] = 7  # a constant feature, like MNIST's border pixels
    x = preprocess(padded, scale="standardize")
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-13)
    np.testing.assert_allclose(x[:, 1:].std(axis=0), 1.0, rtol=1e-12)
    assert np.all(x[:, 0] == 0)


def test_reference_statistics(images, rng):
    train, test = images[:40], images[40:]
    x_test = preprocess(test, reference=train)
    train_pixels = train.reshape(40, -1) / 255.0
    mean = train_pixels.mean(axis=0)
    power = np.mean(np.sum((train_pixels - mean) ** 2, axis=1))
    np.testing.assert_allclose(x_test, (test.reshape(10, -1) / 255.0 - mean) / np.sqrt(power),
                               rtol=1e-12)
    # Preprocessing train with itself as reference changes nothing.
    np.testing.assert_array_equal(preprocess(train, reference=train), preprocess(train))
    with pytest.raises(ValueError, match="`reference` must have 90 features"):
        preprocess(test, reference=rng.standard_normal((3, 4)))


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"normalize": "unit"}, ValueError, "`normalize` must be one of"),
    ({"scale": "max"}, ValueError, "`scale` must be one of"),
    ({"center": "yes"}, TypeError, "`center` must be True or False"),
    ({"scale": "standardize", "center": False}, ValueError, "needs center=True"),
])
def test_option_errors(images, kwargs, error, message):
    with pytest.raises(error, match=message):
        preprocess(images, **kwargs)


def test_input_errors():
    with pytest.raises(ValueError, match="zero power"):
        preprocess(np.ones((4, 3)))
    with pytest.raises(ValueError, match="sample 1 has zero norm"):
        preprocess(np.array([[1.0, 2.0], [0.0, 0.0]]), normalize="sphere", center=False)
    with pytest.raises(ValueError, match="must be finite"):
        preprocess(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"shape \(N, ...\)"):
        preprocess(np.arange(3.0))
    with pytest.raises(TypeError, match="must be numeric"):
        preprocess(np.array([["a", "b"]]))


def test_partial_zca_against_the_svd_route(rng):
    x = rng.standard_normal((80, 6)) * np.array([20.0, 5.0, 2.0, 1.0, 0.5, 0.1])
    x -= x.mean(axis=0)
    strength = 5e-2
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    shrunk = s / np.sqrt(strength / np.mean(s**2) * s**2 + 1)
    expected = (u * shrunk) @ vt
    expected *= np.linalg.norm(x) / np.linalg.norm(expected)
    before = x.copy()
    out = partial_zca(x, strength=strength)
    np.testing.assert_allclose(out, expected, atol=1e-10)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(partial_zca(x, strength=0), x)
    # Stronger whitening raises the effective dimension (participation ratio).
    def d_eff(features):
        gamma = np.linalg.svd(features, compute_uv=False) ** 2
        gamma /= gamma.sum()
        return 1 / np.sum(gamma**2)

    assert d_eff(x) < d_eff(out) < d_eff(partial_zca(x, strength=10.0)) <= 6 + 1e-9
    with pytest.raises(ValueError, match="`strength` must be >= 0"):
        partial_zca(x, strength=-1.0)


def test_partial_zca_with_a_reference_is_one_linear_map(rng):
    reference = rng.standard_normal((200, 5)) * np.array([8.0, 3.0, 1.0, 0.5, 0.2])
    whitened = partial_zca(reference, strength=1e-1)
    np.testing.assert_allclose(partial_zca(reference, strength=1e-1, reference=reference),
                               whitened, atol=1e-12)
    # Rows of the reference, and any linear combination of them, map as in the fit.
    mix = rng.standard_normal((7, 200))
    np.testing.assert_allclose(partial_zca(mix @ reference, strength=1e-1,
                                           reference=reference), mix @ whitened, atol=1e-10)
    with pytest.raises(ValueError, match=r"`reference` must have shape \(M, 5\)"):
        partial_zca(reference, strength=1e-1, reference=reference[:, :3])
