"""Class 5's lab (CNNs): the fast profile meets its targets on neurona; the MNIST-1D loader is
offline, deterministic, side-effect free and writes nothing."""

import os
import random

import numpy as np
import pytest

import neurona.labs
from lab_checks import assert_targets_met
from neurona.datasets.mnist1d import PAPER_ACCURACY, dataset_args, load_mnist1d, templates
from neurona.labs.clase5 import out_size
from neurona.labs.runner import reproducible, run_lab

pytestmark = pytest.mark.xdist_group("labs")


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """The fast profile on neurona, seed 0, run once per module: (result, its report folder)."""
    out = tmp_path_factory.mktemp("clase5")
    return run_lab(neurona.labs.find("5"), "neurona", "fast", 0, str(out)), out


def test_clase5_fast_profile_meets_its_targets(fast_run):
    result, tmp_path = fast_run
    assert not result.error, result.error
    missed = [f"{t.target.describe()}: measured {t.measured}" for t in result.targets
              if t.required and not t.passed]
    for line in missed:
        print("missed:", line)
    assert not missed, "targets missed:\n" + "\n".join(missed)
    assert result.status == "ok"
    assert {t.target.metric for t in result.targets} >= {
        "shape_formula_mismatches", "mnist1d_cnn_accuracy", "mnist1d_ordering", "mnist_cnn_test_accuracy"}
    names = {f.name for f in result.figures}
    assert {"sliding_kernel", "mnist1d_curves", "mnist_filters", "mnist_feature_maps", "mnist_confusion",
            "mnist_mistakes"} <= names
    assert {t.name for t in result.tables} >= {"shapes", "parameters", "mnist1d", "mnist", "summary_cnn1d",
                                               "summary_mnist_cnn"}
    for fig in result.figures:
        assert (tmp_path / fig.path).stat().st_size > 5_000


def test_clase5_same_seed_gives_identical_results(fast_run, tmp_path):
    """Issue 8: the same seed gives bit-identical metrics and curves (timings aside)."""
    first, _ = fast_run
    again = run_lab(neurona.labs.find("5"), "neurona", "fast", 0, str(tmp_path))
    assert reproducible(again) == reproducible(first)


# The torch runs form their own xdist group ("labs_torch" with the module's mark), so under
# `pytest -n 2 --dist loadgroup` they run on the other worker than the neurona runs above.
@pytest.mark.xdist_group("torch")
def test_clase5_fast_profile_on_torch_meets_its_targets(tmp_path):
    pytest.importorskip("torch")
    result = run_lab(neurona.labs.find("5"), "torch", "fast", 0, str(tmp_path))
    assert_targets_met(result, "torch")


def test_clase5_is_found_by_number_and_slug():
    assert neurona.labs.find("cnn").id == "clase5"
    assert neurona.labs.find("clase5").number == 5


@pytest.mark.parametrize("n, k, s, p, d, ceil, expected", [
    (28, 3, 1, 0, 1, False, 26), (28, 3, 1, 1, 1, False, 28), (28, 3, 2, 1, 1, False, 14),
    (40, 5, 2, 1, 1, False, 19), (7, 2, 2, 0, 1, False, 3), (7, 2, 2, 0, 1, True, 4),
    (28, 3, 2, 0, 1, True, 14), (5, 2, 2, 1, 1, True, 3), (28, 3, 1, 0, 2, False, 24),
])
def test_output_size_formula(n, k, s, p, d, ceil, expected):
    assert out_size(n, k, s, p, d, ceil) == expected


def test_mnist1d_loader_shapes_determinism_and_no_side_effects(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.random.seed(123)
    random.seed(123)
    np_next, py_next = np.random.rand(), random.random()
    np.random.seed(123)
    random.seed(123)

    x, y, xt, yt = load_mnist1d()
    assert x.shape == (4000, 40) and xt.shape == (1000, 40)
    assert y.shape == (4000,) and yt.shape == (1000,)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(10))
    assert abs(float(np.concatenate([x, xt]).std()) - 1.0) < 1e-3  # the generator standardises

    # the generator reseeds the global RNGs: the loader restores them
    assert np.random.rand() == np_next and random.random() == py_next
    # same arguments, same data; the caller gets copies
    x2, y2, *_ = load_mnist1d()
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    x2[:] = 0
    assert np.array_equal(load_mnist1d()[0], x)
    # another seed, other data of the same shape
    x3, *_ = load_mnist1d(seed=7, num_samples=500)
    assert x3.shape == (400, 40) and not np.array_equal(x3[:10], x[:10])
    # nothing written in the working directory (get_dataset would leave a pickle here)
    assert os.listdir(tmp_path) == []


def test_mnist1d_args_and_templates():
    args = dataset_args()
    assert args["num_samples"] == 5000 and args["final_seq_length"] == 40 and "url" not in args
    with pytest.raises(TypeError):
        dataset_args(no_such_argument=1)
    tx, tt = templates()
    assert tx.shape == (10, 12) and tt.shape == (12,)
    assert PAPER_ACCURACY["cnn"] == 0.94
