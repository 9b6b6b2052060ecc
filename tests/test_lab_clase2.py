"""Clase 2's lab: the fast profile meets every required target, and its pieces are right on
their own — the hand-written backprop against autograd (PyTorch's and neurona's) and finite
differences, and the toy data generators."""

import os

import numpy as np
import pytest

import neurona
import neurona.labs
from lab_checks import assert_targets_met
from neurona.datasets import toys
from neurona.labs import clase2
from neurona.labs.runner import reproducible, run_lab

pytestmark = pytest.mark.xdist_group("labs")


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """The fast profile on neurona, seed 0, run once per module: (result, its report folder)."""
    out = tmp_path_factory.mktemp("clase2")
    return run_lab(neurona.labs.find("2"), "neurona", "fast", 0, str(out)), out


def test_fast_profile_meets_every_required_target(fast_run):
    result, tmp_path = fast_run
    missed = [f"{t.target.describe()} (measured {t.measured})" for t in result.targets
              if t.required and not t.passed]
    assert result.status == "ok", result.error or "missed: " + "; ".join(missed)
    assert not missed, "; ".join(missed)
    assert len(result.targets) >= 10
    assert result.figures and all(os.path.isfile(tmp_path / f.path) for f in result.figures)


def test_clase2_same_seed_gives_identical_results(fast_run, tmp_path):
    """Issue 8: the same seed gives bit-identical metrics and curves (timings aside)."""
    first, _ = fast_run
    again = run_lab(neurona.labs.find("2"), "neurona", "fast", 0, str(tmp_path))
    assert reproducible(again) == reproducible(first)


def test_clase2_another_seed_gives_another_run(fast_run, tmp_path):
    first, _ = fast_run
    other = run_lab(neurona.labs.find("2"), "neurona", "fast", 1, str(tmp_path))
    assert other.status == "ok", other.error
    assert reproducible(other)["metrics"] != reproducible(first)["metrics"]


# The torch runs form their own xdist group ("labs_torch" with the module's mark), so under
# `pytest -n 2 --dist loadgroup` they run on the other worker than the neurona runs above.
@pytest.mark.xdist_group("torch")
def test_clase2_fast_profile_on_torch_meets_its_targets(tmp_path):
    pytest.importorskip("torch")
    result = run_lab(neurona.labs.find("2"), "torch", "fast", 0, str(tmp_path))
    assert_targets_met(result, "torch")


def _random_problem(seed: int, n: int = 7) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = rng.normal(size=n)
    p = {k: 2 * v for k, v in clase2.init_221(rng).items()}
    return X, y, p


@pytest.mark.parametrize("seed", range(5))
def test_backprop_by_hand_matches_torch_autograd(seed):
    torch = pytest.importorskip("torch")
    X, y, p = _random_problem(seed)
    hand = clase2.backprop_221(X, y, p)
    auto = clase2.autograd_221(torch, X, y, p)
    assert set(hand) == set(auto) == {"W1", "b1", "W2", "b2"}
    for k in hand:
        assert hand[k].shape == p[k].shape
        np.testing.assert_allclose(hand[k], auto[k], rtol=1e-12, atol=1e-14, err_msg=k)


@pytest.mark.parametrize("seed", range(3))
def test_backprop_by_hand_matches_neurona_and_finite_differences(seed):
    X, y, p = _random_problem(seed)
    hand = clase2.flat9(clase2.backprop_221(X, y, p))
    auto = clase2.flat9(clase2.autograd_221(neurona, X, y, p))
    np.testing.assert_allclose(hand, auto, rtol=1e-12, atol=1e-14)
    fd = clase2.flat9(clase2.finite_differences(lambda q: clase2.loss_221(X, y, q), p, h=1e-6))
    np.testing.assert_allclose(hand, fd, rtol=1e-6, atol=1e-8)
    forward = clase2.flat9(clase2.finite_differences(lambda q: clase2.loss_221(X, y, q), p, h=1e-7,
                                                     central=False))
    np.testing.assert_allclose(hand, forward, rtol=1e-4, atol=1e-5)


def test_loss_221_is_the_mean_squared_error_of_the_forward_pass():
    X, y, p = _random_problem(0, n=4)
    _, _, y_hat = clase2.forward_221(X, p)
    assert y_hat.shape == (1, 4)
    assert clase2.loss_221(X, y, p) == pytest.approx(np.mean((y - y_hat[0]) ** 2), rel=1e-15)


def test_descend_matches_between_engines_on_rosenbrock():
    torch = pytest.importorskip("torch")
    for _, cls, kw in clase2.ROSENBROCK_OPTIMIZERS:
        a, fa = clase2.descend(neurona, clase2.rosenbrock, (-1.2, 1.0), cls, kw, 30)
        b, fb = clase2.descend(torch, clase2.rosenbrock, (-1.2, 1.0), cls, kw, 30)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=cls)
        np.testing.assert_allclose(fa, fb, rtol=1e-10, atol=1e-12, err_msg=cls)


def test_toy_generators_are_seeded_and_shaped():
    x, y = toys.noisy_sine(50, seed=3)
    assert x.shape == y.shape == (50, 1) and x.dtype == y.dtype == np.float32
    np.testing.assert_array_equal(x, toys.noisy_sine(50, seed=3)[0])
    x, y = toys.moons(60, seed=1)
    assert x.shape == (60, 2) and y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    x, y = toys.spirals(20, 4, seed=2)
    assert x.shape == (80, 2) and np.bincount(y).tolist() == [20] * 4
    np.testing.assert_array_equal(y, toys.spirals(20, 4, seed=2)[1])
    assert np.abs(x).max() <= 1.0 + 1e-6  # radius t ∈ [0, 1]
