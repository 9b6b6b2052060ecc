"""Clase 3's fast profile on neurona meets every required target (status ok, nothing missed)."""

import pytest

import neurona.labs
from lab_checks import assert_targets_met
from neurona.labs.runner import reproducible, run_lab

pytestmark = pytest.mark.xdist_group("labs")


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """The fast profile on neurona, seed 0, run once per module: (result, its report folder)."""
    out = tmp_path_factory.mktemp("clase3")
    return run_lab(neurona.labs.find("3"), "neurona", "fast", 0, str(out)), out


def test_clase3_fast_profile_meets_its_targets(fast_run):
    result, tmp_path = fast_run
    assert not result.error, result.error
    missed = [f"{t.target.describe()}: measured {t.measured}" for t in result.targets
              if t.required and not t.passed]
    print("\n".join(missed))
    assert not missed, "targets missed:\n" + "\n".join(missed)
    assert result.status == "ok"
    assert {t.target.metric for t in result.targets} >= {
        "parity_max_loss_gap", "autograd_engine_gap", "xor_test_accuracy", "digits_test_accuracy"}
    assert (tmp_path / "figures" / "clase3-same_code.png").exists()


def test_clase3_same_seed_gives_identical_results(fast_run, tmp_path):
    """Issue 8: the same seed gives bit-identical metrics and curves (timings aside)."""
    first, _ = fast_run
    again = run_lab(neurona.labs.find("3"), "neurona", "fast", 0, str(tmp_path))
    assert reproducible(again) == reproducible(first)


def test_clase3_another_seed_gives_another_run(fast_run, tmp_path):
    first, _ = fast_run
    other = run_lab(neurona.labs.find("3"), "neurona", "fast", 1, str(tmp_path))
    assert other.status == "ok", other.error
    assert reproducible(other)["metrics"] != reproducible(first)["metrics"]


# The torch runs form their own xdist group ("labs_torch" with the module's mark), so under
# `pytest -n 2 --dist loadgroup` they run on the other worker than the neurona runs above.
@pytest.mark.xdist_group("torch")
def test_clase3_fast_profile_on_torch_meets_its_targets(tmp_path):
    pytest.importorskip("torch")
    result = run_lab(neurona.labs.find("3"), "torch", "fast", 0, str(tmp_path))
    assert_targets_met(result, "torch")
