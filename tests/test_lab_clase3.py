"""Clase 3's fast profile on neurona meets every required target (status ok, nothing missed)."""

import pytest

import neurona.labs
from neurona.labs.runner import run_lab

pytestmark = pytest.mark.xdist_group("labs")


def test_clase3_fast_profile_meets_its_targets(tmp_path):
    result = run_lab(neurona.labs.find("3"), "neurona", "fast", 0, str(tmp_path))
    assert not result.error, result.error
    missed = [f"{t.target.describe()}: measured {t.measured}" for t in result.targets
              if t.required and not t.passed]
    print("\n".join(missed))
    assert not missed, "targets missed:\n" + "\n".join(missed)
    assert result.status == "ok"
    assert {t.target.metric for t in result.targets} >= {
        "parity_max_loss_gap", "autograd_engine_gap", "xor_test_accuracy", "digits_test_accuracy"}
    assert (tmp_path / "figures" / "clase3-same_code.png").exists()
