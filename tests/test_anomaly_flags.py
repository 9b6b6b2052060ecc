"""The anomaly-mode switches at the top level, as in PyTorch."""

import pytest
import torch

import neurona


@pytest.mark.parametrize("lib", [neurona, torch], ids=["neurona", "torch"])
def test_anomaly_flags_follow_set_anomaly_enabled(lib):
    seen = [(lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled())]
    try:
        lib.set_anomaly_enabled(True, False)
        seen.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
        lib.set_anomaly_enabled(True)
        seen.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
    finally:
        lib.set_anomaly_enabled(False)
    seen.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
    assert seen == [(False, True), (True, False), (True, True), (False, True)]
