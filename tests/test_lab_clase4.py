"""Class 4's lab (regularization, hyperparameter search, embeddings): the fast profile meets its
targets on neurona."""

import pytest

import neurona.labs
from neurona.labs.runner import run_lab

pytestmark = pytest.mark.xdist_group("labs")


def test_clase4_fast_profile_meets_its_targets(tmp_path):
    lab = neurona.labs.find("4")
    result = run_lab(lab, "neurona", "fast", 0, str(tmp_path))
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


def test_clase4_is_found_by_number_and_slug():
    assert neurona.labs.find("regularization").id == "clase4"
    assert neurona.labs.find("clase4").number == 4
