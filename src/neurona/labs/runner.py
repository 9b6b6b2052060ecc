"""Running labs on one or both engines and collecting their results."""

from __future__ import annotations

import re
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from .._threads import single_threaded
from .engine import LabContext, Shared
from .registry import Lab, Target, load_run


@dataclass
class TargetResult:
    target: Target
    measured: float | None
    required: bool
    passed: bool


@dataclass
class LabResult:
    """One lab on one engine: its metrics, target checks, figures, tables and texts."""

    lab: Lab
    engine: str
    profile: str
    seed: int
    status: str = "ok"  # ok | failed (a required target missed) | error | interrupted
    error: str = ""
    seconds: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    curves: dict[str, list[float]] = field(default_factory=dict)
    targets: list[TargetResult] = field(default_factory=list)
    figures: list[Any] = field(default_factory=list)
    tables: list[Any] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "ok"


def _framework(engine: str) -> Any:
    if engine == "torch":
        import torch

        return torch
    import neurona

    return neurona


def evaluate_targets(lab: Lab, metrics: dict[str, float], profile: str) -> list[TargetResult]:
    out = []
    for t in lab.targets:
        measured = metrics.get(t.metric)
        required = profile in t.profiles
        out.append(TargetResult(t, measured, required, t.check(measured)))
    return out


def run_lab(lab: Lab, engine: str = "neurona", profile: str = "fast", seed: int = 0,
            out_dir: str = "neurona-report", device: str = "cpu", progress: bool = False,
            shared: Shared | None = None) -> LabResult:
    """Run one lab on one engine. Exceptions become an ``error`` result (KeyboardInterrupt
    propagates after recording an ``interrupted`` result is left to the caller)."""
    fw = _framework(engine)
    ctx = LabContext(fw, lab.id, profile, seed, out_dir, device, shared, progress)
    result = LabResult(lab, engine, profile, seed)
    t0 = time.perf_counter()
    try:
        # The labs' matrices are small: one thread is faster (and fair between engines).
        with single_threaded():
            load_run(lab)(ctx)
    except KeyboardInterrupt:
        result.status = "interrupted"
        raise
    except Exception as e:  # noqa: BLE001 - a failing lab must not stop the course
        result.status = "error"
        result.error = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=6)}"
    finally:
        result.seconds = time.perf_counter() - t0
        result.metrics = dict(ctx.metrics)
        result.curves = dict(ctx.curves)
        result.figures = list(ctx.figures)
        result.tables = list(ctx.tables)
        result.texts = list(ctx.texts)
        result.notes = list(ctx.notes)
        result.targets = evaluate_targets(lab, result.metrics, profile)
    if result.status == "ok" and any(t.required and not t.passed for t in result.targets):
        result.status = "failed"
    return result


class LabRuns(list):
    """One lab's runs (a list of ``LabResult``, one per engine, in ``engines_for`` order) and,
    once every engine has run, the figure overlaying their curves (``report.engine_overlay``)."""

    overlay: Any = None


#: Names of recorded values that measure wall-clock time: the only part of a lab's results the
#: same seed does not reproduce (design note 16).
TIMING = re.compile(r"(^|_)(seconds|secs|time|times|elapsed|wall|ms)(_|$)")


def reproducible(result: LabResult) -> dict[str, Any]:
    """What the same seed reproduces bit for bit on the same machine: the status, every metric
    and every curve of a run (timings — names matching ``TIMING`` — left out; NaN as ``"nan"``
    so that equal runs compare equal)."""

    def exact(v: float) -> float | str:
        return "nan" if v != v else v

    return {"status": result.status,
            "metrics": {k: exact(v) for k, v in result.metrics.items() if not TIMING.search(k)},
            "curves": {k: [exact(v) for v in c] for k, c in result.curves.items() if not TIMING.search(k)}}


def engines_for(engine: str) -> list[str]:
    return ["neurona", "torch"] if engine == "both" else [engine]


def shared_curves(results: list[LabResult]) -> list[str]:
    """The curves recorded (non-empty) by the first two engines, in the first one's order."""
    if len(results) < 2:
        return []
    a, b = results[0], results[1]
    return [k for k in a.curves if a.curves[k] and b.curves.get(k)]


def compare_engines(results: list[LabResult]) -> dict[str, float]:
    """Largest absolute difference between engines, per shared metric and curve."""
    if len(results) < 2:
        return {}
    a, b = results[0], results[1]
    diffs: dict[str, float] = {}
    for k in a.metrics.keys() & b.metrics.keys():
        diffs[k] = abs(a.metrics[k] - b.metrics[k])
    for k in a.curves.keys() & b.curves.keys():
        n = min(len(a.curves[k]), len(b.curves[k]))
        if n:
            diffs["curve:" + k] = max(abs(x - y) for x, y in zip(a.curves[k][:n], b.curves[k][:n]))
    return diffs
