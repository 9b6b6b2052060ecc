"""Class 8's lab (GANs and REINFORCE): the fast profile meets its targets on neurona; the ring of
Gaussians, the mode-coverage metric and the returns-to-go are right."""

import numpy as np
import pytest

import neurona.labs
from lab_checks import assert_targets_met
from neurona.datasets import toys2d
from neurona.labs.clase8_digits import tile
from neurona.labs.clase8_gan2d import mode_coverage
from neurona.labs.clase8_reinforce import returns_to_go
from neurona.labs.runner import reproducible, run_lab

pytestmark = pytest.mark.xdist_group("labs")


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """The fast profile on neurona, seed 0, run once per module: (result, its report folder)."""
    out = tmp_path_factory.mktemp("clase8")
    return run_lab(neurona.labs.find("8"), "neurona", "fast", 0, str(out)), out


def test_clase8_fast_profile_meets_its_targets(fast_run):
    result, tmp_path = fast_run
    missed = [f"{t.target.describe()}: measured {t.measured}"
              for t in result.targets if t.required and not t.passed]
    for line in missed:
        print("missed:", line)
    assert result.status == "ok", result.error or missed
    for name in ("gan2d_modes_covered", "judge_test_accuracy", "dcgan_confident", "dcgan_entropy",
                 "cgan_agreement", "cartpole_last20_mean"):
        assert name in result.metrics, name
    names = {f.name for f in result.figures}
    assert {"gan2d_snapshots", "gan2d_curves", "dcgan_epochs", "dcgan_curves", "cgan_grid",
            "cartpole"} <= names
    assert {t.name for t in result.tables} >= {"gan2d", "cgan_per_digit", "quality"}
    for fig in result.figures:
        assert (tmp_path / fig.path).stat().st_size > 10_000
    assert len(result.curves["dcgan_confident"]) == result.metrics["dcgan_epochs"] + 1


def test_clase8_same_seed_gives_identical_results(fast_run, tmp_path):
    """Issue 8: the same seed gives bit-identical metrics and curves (timings aside)."""
    first, _ = fast_run
    again = run_lab(neurona.labs.find("8"), "neurona", "fast", 0, str(tmp_path))
    assert reproducible(again) == reproducible(first)


# The torch runs form their own xdist group ("labs_torch" with the module's mark), so under
# `pytest -n 2 --dist loadgroup` they run on the other worker than the neurona runs above.
@pytest.mark.xdist_group("torch")
def test_clase8_fast_profile_on_torch_meets_its_targets(tmp_path):
    pytest.importorskip("torch")
    result = run_lab(neurona.labs.find("8"), "torch", "fast", 0, str(tmp_path))
    assert_targets_met(result, "torch")


def test_clase8_is_found_by_number_and_slug():
    assert neurona.labs.find("gans").id == "clase8"
    assert neurona.labs.find("clase8").number == 8


def test_ring_centres_lie_evenly_on_the_circle():
    c = toys2d.ring_centres(8, 2.0)
    assert c.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 2.0)
    np.testing.assert_allclose(c[0], [2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(c[2], [0.0, 2.0], atol=1e-12)
    gaps = np.linalg.norm(c - np.roll(c, 1, axis=0), axis=1)
    np.testing.assert_allclose(gaps, 2 * 2.0 * np.sin(np.pi / 8))  # the chord of 45°


def test_ring_of_gaussians_is_seeded_and_has_the_right_mixture():
    x, k = toys2d.ring_of_gaussians(8000, modes=8, radius=2.0, std=0.1, seed=3)
    x2, k2 = toys2d.ring_of_gaussians(8000, modes=8, radius=2.0, std=0.1, seed=3)
    assert x.dtype == np.float32 and k.dtype == np.int64 and x.shape == (8000, 2)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(k, k2)
    assert not np.array_equal(x, toys2d.ring_of_gaussians(8000, seed=4)[0])
    counts = np.bincount(k, minlength=8)
    assert counts.min() > 850 and counts.max() < 1150  # ≈ 1000 each
    offsets = x - toys2d.ring_centres(8, 2.0)[k]
    np.testing.assert_allclose(offsets.mean(0), 0.0, atol=0.01)
    np.testing.assert_allclose(offsets.std(0), 0.1, rtol=0.05)


def test_mode_coverage_on_real_data_collapse_and_noise():
    centres = toys2d.ring_centres(8, 2.0)
    x, _ = toys2d.ring_of_gaussians(2000, std=0.1, seed=0)
    full = mode_coverage(x, centres, std=0.1)
    assert full.covered == 8
    assert full.quality > 0.97  # P(‖ε‖ < 3σ) = 1 − e^(−4.5) ≈ 0.989
    assert full.counts.sum() == round(full.quality * 2000)

    collapsed = x[np.isin(_nearest(x, centres), [0, 1, 2])]  # a GAN that found 3 modes
    cov = mode_coverage(collapsed, centres, std=0.1)
    assert cov.covered == 3 and cov.quality > 0.97
    assert list(np.flatnonzero(cov.counts)) == [0, 1, 2]

    far = np.random.default_rng(0).uniform(-0.5, 0.5, (1000, 2))  # all near the origin
    cov = mode_coverage(far, centres, std=0.1)
    assert cov.covered == 0 and cov.quality == 0.0


def test_mode_coverage_needs_a_share_of_the_samples():
    centres = toys2d.ring_centres(4, 1.0)
    # 100 samples: fair share 25, a quarter of it 6.25 → a mode needs 7 good samples
    pts = np.concatenate([np.repeat(centres[:1], 87, 0), np.repeat(centres[1:2], 7, 0),
                          np.repeat(centres[2:3], 6, 0)])
    cov = mode_coverage(pts, centres, std=0.1)
    assert cov.covered == 2
    assert list(cov.counts) == [87, 7, 6, 0]


def test_returns_to_go():
    g = returns_to_go(np.ones(3, np.float32), gamma=0.5)
    np.testing.assert_allclose(g, [1 + 0.5 + 0.25, 1 + 0.5, 1.0])
    assert returns_to_go(np.ones(500, np.float32))[0] == pytest.approx((1 - 0.99**500) / 0.01, rel=1e-5)


def test_tile_places_each_image():
    imgs = np.full((4, 1, 2, 2), -1.0, np.float32)
    imgs[3] = 1.0
    canvas = tile(imgs, 2, 2, pad=1)
    assert canvas.shape == (7, 7)
    assert canvas[1, 1] == 0.0 and canvas[4, 4] == 1.0 and canvas[0, 0] == 0.5


def _nearest(x, centres):
    return np.linalg.norm(x[:, None] - centres[None], axis=2).argmin(1)
