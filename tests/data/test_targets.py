"""Tests for `eigenlab/data/_targets.py`."""

import numpy as np
import pytest

from eigenlab.data import (
    NAMED_SPLITS,
    add_label_noise,
    binary_target,
    class_split,
    one_hot_target,
)


@pytest.fixture
def labels(rng):
    return rng.permutation(np.repeat(np.arange(10), 30))


@pytest.mark.parametrize("name", sorted(NAMED_SPLITS))
def test_every_named_split_is_a_disjoint_pair_of_digit_classes(name, labels):
    positive, negative = class_split(name)
    assert positive and negative and not set(positive) & set(negative)
    assert set(positive) | set(negative) <= set(range(10))
    y, kept = binary_target(labels, positive, negative)
    assert y.sum() == 30 * (len(positive) - len(negative))  # 30 samples per class
    assert kept.sum() == 30 * (len(positive) + len(negative))


def test_vehicles_animals_is_cifar_order():
    cifar = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
             "truck")
    positive, negative = class_split("vehicles-animals")
    assert {cifar[c] for c in positive} == {"airplane", "automobile", "ship", "truck"}
    assert len(negative) == 6
    with pytest.raises(ValueError, match="`name` must be one of"):
        class_split("cats-dogs")


def test_binary_target_values_and_mask(labels):
    y, kept = binary_target(labels, positive=[3], negative=(5, 7))
    assert y.dtype == np.float64 and set(np.unique(y)) == {-1.0, 1.0}
    np.testing.assert_array_equal(kept, np.isin(labels, [3, 5, 7]))
    np.testing.assert_array_equal(y, np.where(labels[kept] == 3, 1.0, -1.0))
    balanced, _ = binary_target(labels, *class_split("even-odd"))
    assert balanced.sum() == 0 and balanced.size == labels.size
    one_vs_rest, kept = binary_target(labels, np.int64(0))
    assert kept.all() and (one_vs_rest == 1).sum() == 30


@pytest.mark.parametrize(("positive", "negative", "kwargs", "message"), [
    ([1, 2], [2, 3], {}, "must not share classes; both hold \\[2\\]"),
    ([], [1], {}, "`positive` must name at least one class"),
    ([1], [], {}, "`negative` must name at least one class"),
    ([1], [12], {}, "class indices in 0..9; got \\[12\\]"),
    ([-1], None, {}, "class indices in 0..9; got \\[-1\\]"),
    ([1], [10], {"n_classes": 11}, "`negative` classes \\(10,\\) have no samples"),
    (list(range(10)), None, {}, "there are none"),
])
def test_binary_target_errors(labels, positive, negative, kwargs, message):
    with pytest.raises(ValueError, match=message):
        binary_target(labels, positive, negative, **kwargs)


def test_binary_target_type_errors(labels):
    with pytest.raises(TypeError, match="class index or a collection"):
        binary_target(labels, "cat")
    with pytest.raises(TypeError, match="must hold class indices"):
        binary_target(labels, [1.5])
    with pytest.raises(ValueError, match="integer class indices"):
        binary_target(labels.astype(float), 1)


def test_a_subset_may_lack_some_listed_classes():
    y, kept = binary_target([0, 1, 2, 3], *class_split("even-odd"), n_classes=10)
    assert y.tolist() == [1.0, -1.0, 1.0, -1.0] and kept.all()


def test_one_hot(labels):
    targets = one_hot_target(labels)
    assert targets.shape == (300, 10) and targets.dtype == np.float64
    np.testing.assert_array_equal(targets.sum(axis=1), 1.0)
    np.testing.assert_array_equal(targets.argmax(axis=1), labels)
    centred = one_hot_target(labels, 12, centered=True)
    np.testing.assert_allclose(centred.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(centred + 1 / 12, one_hot_target(labels, 12))
    with pytest.raises(ValueError, match=r"must be in 0..4 \(n_classes = 5\); got 9"):
        one_hot_target(labels, 5)
    with pytest.raises(ValueError, match="positive integer"):
        one_hot_target(labels, 0)


def test_label_noise_variance_by_monte_carlo(rng):
    y = np.tile(np.array([[1.0, -1.0, 0.5]]), (200_000, 1))
    before = y.copy()
    noisy = add_label_noise(y, 0.3, seed=7)
    np.testing.assert_array_equal(y, before)
    residual = noisy - y
    n = residual.shape[0]
    # Each output's sample variance is within 4 standard errors (sqrt(2/n) relative).
    np.testing.assert_allclose(residual.var(axis=0), 0.3, rtol=4 * np.sqrt(2 / n))
    np.testing.assert_allclose(residual.mean(axis=0), 0.0, atol=4 * np.sqrt(0.3 / n))
    assert abs(np.corrcoef(residual.T)[0, 1]) < 4 / np.sqrt(n)  # independent outputs
    np.testing.assert_array_equal(noisy, add_label_noise(y, 0.3, seed=7))
    assert not np.array_equal(noisy, add_label_noise(y, 0.3, seed=8))
    from_generator = add_label_noise(y[:5], 0.3, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(from_generator, noisy[:5])


def test_label_noise_arguments():
    y = np.arange(3.0)
    clean = add_label_noise(y, 0.0, seed=0)
    assert clean is not y and clean.tolist() == y.tolist()
    with pytest.raises(ValueError, match="`variance` must be >= 0"):
        add_label_noise(y, -0.1, seed=0)
    with pytest.raises(TypeError, match="`seed` must be"):
        add_label_noise(y, 0.1, seed=None)
