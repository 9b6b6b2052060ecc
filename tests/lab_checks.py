"""Shared assertion for the lab tests: a run finished and met every required target."""

from typing import Any


def assert_targets_met(result: Any, engine: str = "neurona") -> None:
    """Fail with the list of missed targets (description and measured value) on ``engine``."""
    assert not result.error, result.error
    missed = [f"{t.target.describe()}: measured {t.measured}" for t in result.targets
              if t.required and not t.passed]
    assert not missed, f"targets missed on {engine}:\n" + "\n".join(missed)
    assert result.status == "ok"
