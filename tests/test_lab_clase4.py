"""Class 4's lab (regularization, hyperparameter search, embeddings): the fast profile meets its
targets on neurona."""

import pytest

import neurona.labs
from lab_checks import assert_targets_met
from neurona.labs.runner import reproducible, run_lab

pytestmark = pytest.mark.xdist_group("labs")


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """The fast profile on neurona, seed 0, run once per module: (result, its report folder)."""
    out = tmp_path_factory.mktemp("clase4")
    return run_lab(neurona.labs.find("4"), "neurona", "fast", 0, str(out)), out


def test_clase4_fast_profile_meets_its_targets(fast_run):
    result, tmp_path = fast_run
    missed = [f"{t.target.describe()}: measured {t.measured}"
              for t in result.targets if t.required and not t.passed]
    for line in missed:
        print("missed:", line)
    assert result.status == "ok", result.error or missed
    names = {f.name for f in result.figures}
    assert {"overfitting_curves", "overfitting_boundaries", "optuna_history", "embedding_losses",
                     "team_embeddings"} <= names
    assert {t.name for t in result.tables} >= {"overfitting", "optuna", "optuna_best", "embeddings"}
    for fig in result.figures:
        assert (tmp_path / fig.path).stat().st_size > 10_000


def test_clase4_same_seed_gives_identical_results(fast_run, tmp_path):
    """Issue 8: the same seed gives bit-identical metrics and curves (timings aside)."""
    first, _ = fast_run
    again = run_lab(neurona.labs.find("4"), "neurona", "fast", 0, str(tmp_path))
    assert reproducible(again) == reproducible(first)


def test_clase4_another_seed_gives_another_run(fast_run, tmp_path):
    first, _ = fast_run
    other = run_lab(neurona.labs.find("4"), "neurona", "fast", 1, str(tmp_path))
    assert other.status == "ok", other.error
    assert reproducible(other)["metrics"] != reproducible(first)["metrics"]


# The torch runs form their own xdist group ("labs_torch" with the module's mark), so under
# `pytest -n 2 --dist loadgroup` they run on the other worker than the neurona runs above.
@pytest.mark.xdist_group("torch")
def test_clase4_fast_profile_on_torch_meets_its_targets(tmp_path):
    pytest.importorskip("torch")
    result = run_lab(neurona.labs.find("4"), "torch", "fast", 0, str(tmp_path))
    assert_targets_met(result, "torch")


def test_clase4_is_found_by_number_and_slug():
    assert neurona.labs.find("regularization").id == "clase4"
    assert neurona.labs.find("clase4").number == 4
