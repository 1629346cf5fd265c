"""The muP MLP and the online trainer, checked against what muP and SGD must do.

The coordinate check is the independent route: hidden coordinates O(1), the output at
initialisation shrinking like 1/sqrt(width), and the first SGD step changing the function and
the features by amounts that do not depend on the width. A table that is not muP fails it
(checked too).
"""

import dataclasses

import numpy as np
import pytest
import torch

from eigenlab.experiments import MupMLP, OnlineTrainingResult, mup_table, train_online

WIDTHS = (64, 256, 1024)
DIM = 20
SEEDS = (0, 1, 2)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Small matrices: one torch thread is faster, and immune to a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _inputs(n, seed):
    gamma = (6.0 + np.arange(DIM)) ** -2.0
    gamma /= gamma.sum()
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, DIM, generator=g)
    return z * torch.as_tensor(np.sqrt(gamma), dtype=torch.float32), z


def _model(width, seed, depth=3, table=None, **options):
    table = table or mup_table(DIM, width, depth, **options)
    return MupMLP(table, generator=torch.Generator().manual_seed(seed))


def _one_step(model, x, y):
    """One SGD step written out here, from the parameter groups."""
    loss = torch.mean((model(x) - y) ** 2)
    loss.backward()
    with torch.no_grad():
        for group in model.parameter_groups():
            for parameter in group["params"]:
                parameter -= group["lr"] * parameter.grad
                parameter.grad = None


def _coordinate_check(table_for_width, widths=WIDTHS, seeds=SEEDS):
    """Per width, averaged over seeds: the smallest and largest hidden RMS at initialisation,
    the RMS change of the function after one SGD step, and the relative RMS change of the
    last hidden layer's features."""
    x_train, z_train = _inputs(256, 100)
    y_train = z_train[:, 0]
    x_test, _ = _inputs(256, 101)
    rows = []
    for width in widths:
        stats = []
        for seed in seeds:
            model = MupMLP(table_for_width(width), generator=torch.Generator().manual_seed(seed))
            with torch.no_grad():
                _, hidden0 = model.uncentred(x_test)
            _one_step(model, x_train, y_train)
            with torch.no_grad():
                change = model(x_test)
                _, hidden1 = model.uncentred(x_test)
            stats.append([
                min(float(h.square().mean().sqrt()) for h in hidden0),
                max(float(h.square().mean().sqrt()) for h in hidden0),
                float(change.square().mean().sqrt()),
                float((hidden1[-1] - hidden0[-1]).square().mean().sqrt()
                      / hidden0[-1].square().mean().sqrt())])
        rows.append(np.mean(stats, axis=0))
    return np.array(rows)  # (widths, 4)


def _width_exponent(values, widths=WIDTHS):
    return np.polyfit(np.log(widths), np.log(values), 1)[0]


@pytest.fixture(scope="module")
def mup_check():
    return _coordinate_check(lambda width: mup_table(DIM, width, 2))


def test_hidden_coordinates_are_order_one_at_every_width(mup_check):
    smallest, largest = mup_check[:, 0], mup_check[:, 1]
    assert np.all(smallest > 0.3) and np.all(largest < 3.0)
    assert abs(_width_exponent(largest)) < 0.05


def test_output_at_initialisation_shrinks_like_inverse_sqrt_width():
    """muP readout: Var f0(x) over initialisations = w E[phi^2] / width."""
    x, _ = _inputs(128, 7)
    rms = []
    for width in (64, 1024):
        with torch.no_grad():
            outputs = torch.stack([_model(width, seed, depth=1).uncentred(x)[0]
                                   for seed in range(24)])
        rms.append(float(outputs.square().mean().sqrt()))
    assert _width_exponent(rms, (64, 1024)) == pytest.approx(-0.5, abs=0.1)


def test_first_step_changes_function_and_features_independently_of_width(mup_check):
    change, feature_change = mup_check[:, 2], mup_check[:, 3]
    assert np.all(change > 1e-4) and np.all(feature_change > 1e-4)
    # muP: both tend to a nonzero width-independent limit. Exponents for comparison: NTK
    # scaling shrinks the relative feature change like width^-1/2; one learning rate for
    # every layer makes the function change grow like width^1 (next test).
    assert abs(_width_exponent(change)) < 0.15
    assert abs(_width_exponent(feature_change)) < 0.15


def test_coordinate_check_catches_a_table_that_is_not_mup():
    def one_rate(width):  # muP initialisation, but one learning rate for every layer
        table = mup_table(DIM, width, 2)
        layers = tuple(dataclasses.replace(layer, learning_rate=0.05) for layer in table.layers)
        return dataclasses.replace(table, layers=layers)

    change = _coordinate_check(one_rate, widths=(64, 256), seeds=(0,))[:, 2]
    assert _width_exponent(change, (64, 256)) > 0.6


@pytest.mark.parametrize("depth", [1, 3])
def test_centred_network_is_zero_at_initialisation_and_moves_after_a_step(depth):
    model = _model(128, 0, depth=depth)
    x, z = _inputs(64, 3)
    with torch.no_grad():
        assert torch.equal(model(x), torch.zeros(64))
        assert float(model.uncentred(x)[0].abs().max()) > 0
    _one_step(model, x, z[:, 0])
    with torch.no_grad():
        assert float(model(x).abs().max()) > 0


def test_richness_rule_matches_the_first_step_it_implies():
    """Output /gamma; rate x gamma (gamma >= 1) or x gamma^2. With the network centred, the
    first update of the parameters is the same at gamma >= 1, so the function moves exactly 1/gamma
    as far; at gamma < 1 it moves the same distance to first order (the lazy limit)."""
    x, z = _inputs(256, 5)
    y = z[:, 0]
    x_test, _ = _inputs(256, 6)
    changes = {}
    for gamma in (0.1, 1.0, 4.0):
        model = MupMLP(mup_table(DIM, 256, 3, richness=gamma),
                       generator=torch.Generator().manual_seed(0), dtype=torch.float64)
        _one_step(model, x.double(), y.double())
        with torch.no_grad():
            changes[gamma] = model(x_test.double())
    assert torch.allclose(changes[4.0] * 4.0, changes[1.0], rtol=1e-9, atol=1e-12)
    relative = (changes[0.1] - changes[1.0]).norm() / changes[1.0].norm()
    assert 0 < float(relative) < 0.1


def test_same_generator_seed_same_network_and_dtype_policy():
    a, b = _model(32, 7), _model(32, 7)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert all(p.dtype == torch.float32 for p in a.parameters())
    c = MupMLP(mup_table(DIM, 32), generator=torch.Generator().manual_seed(7),
               dtype=torch.float64)
    assert torch.allclose(c.weights[0].float(), a.weights[0])
    state = torch.random.get_rng_state()
    _model(32, 8)
    assert torch.equal(state, torch.random.get_rng_state())  # global RNG untouched


def test_table_is_printable_and_layer_groups_carry_its_rates():
    table = mup_table(DIM, 64, 3, learning_rate=0.02)
    frame = table.to_frame()
    assert list(frame["name"]) == ["readin", "hidden2", "hidden3", "readout"]
    groups = _model(64, 0, table=table).parameter_groups()
    assert [g["lr"] for g in groups] == list(frame["learning_rate"])
    assert [len(g["params"]) for g in groups] == [2, 2, 2, 1]  # no readout bias


def _easy_task(batch=64, seed=0):
    g = torch.Generator().manual_seed(seed)

    def sample(step):
        x, z = _inputs(batch, int(torch.randint(10**6, (1,), generator=g)))
        return x, z[:, 0]
    return sample


def test_train_online_times_the_first_crossing_of_the_smoothed_loss():
    model = _model(64, 0, depth=2, learning_rate=0.05)
    result = train_online(model, _easy_task(), max_steps=150, thresholds=(0.5, 0.15),
                          stop_when_reached=False)
    assert isinstance(result, OnlineTrainingResult)
    assert result.steps_run == 150 and not result.diverged
    assert result.losses[0] == pytest.approx(1.0, abs=0.3)  # centred: y^2 on unit targets
    ema = np.empty_like(result.losses)
    for t, value in enumerate(result.losses):
        ema[t] = value if t == 0 else 0.9 * ema[t - 1] + 0.1 * value
    np.testing.assert_allclose(result.ema_losses, ema, rtol=1e-12)
    for level, step in zip(result.thresholds, result.steps_to_threshold, strict=True):
        assert step == np.flatnonzero(ema < level)[0] + 1
    assert result.reached.all() and result.steps_to_threshold[0] < result.steps_to_threshold[1]


def _after_one_online_step(x, y):
    model = _model(32, 0, depth=2, learning_rate=0.05)
    batches = iter([(x, y)])
    train_online(model, lambda step: next(batches), max_steps=1)
    return model


def test_train_online_takes_the_sgd_step_of_the_table():
    x, z = _inputs(64, 9)
    trained = _after_one_online_step(x, z[:, 0])
    reference = _model(32, 0, depth=2, learning_rate=0.05)
    _one_step(reference, x, z[:, 0])
    for a, b in zip(trained.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.slow  # only for the seconds torch.optim takes to import
def test_train_online_steps_like_torch_sgd():
    x, z = _inputs(64, 9)
    trained = _after_one_online_step(x, z[:, 0])
    reference = _model(32, 0, depth=2, learning_rate=0.05)
    optimizer = torch.optim.SGD(reference.parameter_groups(), lr=0.0)
    torch.mean((reference(x) - z[:, 0]) ** 2).backward()
    optimizer.step()
    for a, b in zip(trained.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_train_online_reports_censored_and_diverged_runs():
    censored = train_online(_model(64, 0, depth=2), _easy_task(), max_steps=10)
    assert censored.steps_run == 10 and not censored.reached.any()
    assert np.isnan(censored.steps_to_threshold).all()
    wild = _model(64, 0, depth=2, learning_rate=1e4)
    diverged = train_online(wild, _easy_task(), max_steps=100)
    assert diverged.diverged and np.isnan(diverged.steps_to_threshold).all()
    assert diverged.steps_run < 100 and np.isfinite(diverged.losses).all()


def test_progress_is_reported_without_printing(capsys):
    calls = []
    train_online(_model(32, 0, depth=1), _easy_task(32), max_steps=30,
                 progress=lambda done, total, message: calls.append((done, total, message)))
    assert calls == [(25, 30, "training"), (30, 30, "training")]
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("call", "name"), [
    (lambda: mup_table(0, 64), "input_dim"),
    (lambda: mup_table(DIM, 64.5), "width"),
    (lambda: mup_table(DIM, 64, 0), "depth"),
    (lambda: mup_table(DIM, 64, learning_rate=-1.0), "learning_rate"),
    (lambda: mup_table(DIM, 64, richness=0.0), "richness"),
    (lambda: mup_table(DIM, 64, weight_variance=0.0), "weight_variance"),
    (lambda: mup_table(DIM, 64, bias_variance=-1.0), "bias_variance"),
    (lambda: MupMLP(mup_table(DIM, 8), generator=None), "generator"),
    (lambda: MupMLP(mup_table(DIM, 8), generator=torch.Generator(), dtype=torch.float16),
     "dtype"),
    (lambda: MupMLP(mup_table(DIM, 8), generator=torch.Generator(), device="tpu"), "device"),
    (lambda: train_online(_model(8, 0), _easy_task(), max_steps=0), "max_steps"),
    (lambda: train_online(_model(8, 0), _easy_task(), max_steps=5, thresholds=[-1]),
     "thresholds"),
    (lambda: train_online(_model(8, 0), _easy_task(), max_steps=5, ema=1.0), "ema"),
    (lambda: train_online(_model(8, 0), lambda t: (torch.zeros(4, DIM), torch.zeros(4, 1)),
                          max_steps=5), "sample"),
])
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        call()
