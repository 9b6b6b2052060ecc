"""``neurona bench``: neurona against PyTorch, in one process, on the same data.

Every workload (see :mod:`.workloads`) runs the same code on both engines from the same
weights. Each engine gets a warm-up, then timed runs alternate between engines so drift
hits both; the table reports the median time per step and the ratio neurona / PyTorch.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .workloads import WORKLOADS, Workload, make_data

__all__ = ["WORKLOADS", "environment", "format_table", "run_benchmarks"]


def _time(step: Any, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps * 1e3


def _measure(w: Workload, engines: dict[str, Any], data: dict[str, Any], runs: int,
             steps: int) -> dict[str, Any]:
    built = {name: w.setup(m, data) for name, m in engines.items()}
    for step, _ in built.values():
        _time(step, max(1, steps // 10))  # warm-up
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(runs):
        for name, (step, _) in built.items():
            times[name].append(_time(step, steps))
    tn, tt = statistics.median(times["neurona"]), statistics.median(times["torch"])
    losses = {name: read() for name, (_, read) in built.items()}
    return {
        "workload": w.name, "title": w.title, "neurona_ms": tn, "torch_ms": tt, "ratio": tn / tt,
        "target": w.target, "ok": tn / tt <= w.target, "steps_per_run": steps, "runs": runs,
        "neurona_runs_ms": times["neurona"], "torch_runs_ms": times["torch"],
        "neurona_value": losses["neurona"], "torch_value": losses["torch"],
    }


def run_benchmarks(names: Sequence[str] | None = None, runs: int = 5, steps: int | None = None,
                   seed: int = 0, progress: bool = False) -> list[dict[str, Any]]:
    """Time the named workloads (all by default); one result dict per workload."""
    import torch

    import neurona

    engines = {"neurona": neurona, "torch": torch}
    data = make_data(seed)
    results = []
    for name in names or list(WORKLOADS):
        w = WORKLOADS[name]
        if progress:
            sys.stderr.write(f"bench: {w.title} ...\n")
        results.append(_measure(w, engines, data, runs, steps or w.default_steps))
    return results


def _ms(v: float) -> str:
    return f"{v:.4f}" if v < 1 else f"{v:.2f}"


def format_table(results: Sequence[dict[str, Any]]) -> str:
    """The results as a markdown table: workload, neurona ms, torch ms, ratio, target."""
    lines = ["| workload | neurona ms | torch ms | ratio | target |", "|---|---:|---:|---:|---|"]
    for r in results:
        mark = "✓" if r["ok"] else "✗"
        lines.append(f"| {r['title']} | {_ms(r['neurona_ms'])} | {_ms(r['torch_ms'])} | "
                     f"{r['ratio']:.2f}× | ≤ {r['target']:g}× {mark} |")
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    """What the numbers depend on: versions, threads, cores, BLAS settings (read only)."""
    import torch

    import neurona

    env: dict[str, Any] = {
        "python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
        "neurona": neurona.__version__, "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(), "machine": platform.machine(),
    }
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env
