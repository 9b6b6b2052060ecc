"""neurona vs PyTorch on the CPU, in one process, on the same data (DESIGN.md §5).

Two workloads, each written once as a function of the framework module ``m`` (``neurona`` or
``torch``), so both engines run exactly the same code:

* ``tiny op + backward`` — ``(a * b + c).sum().backward()`` on 10-element float32 tensors that
  require grad: pure per-op overhead (dispatch, graph recording, the backward walk).
* ``MLP step`` — a 784-256-256-10 ReLU network, softmax cross-entropy written from raw tensor
  ops (``log_softmax(dim=1)``, pick ``lp[arange(B), y]``, mean, negate), batch 128, float32,
  forward + backward + a manual SGD update under ``no_grad``.

Both engines start every run from identical weights (NumPy arrays) and see the same batch.
Each run is timed with ``time.perf_counter``; the table reports the median of the runs (after a
warm-up run) in milliseconds per step and the ratio neurona / PyTorch. ``torch.set_num_threads``
is left at its default and the OpenBLAS environment is left as found.

Run ``make bench`` or ``python benchmarks/bench_engine.py [--runs 5] [--steps 200] [--json F]``.
From Python: ``run_benchmarks(runs=5, steps=200) -> list[dict]`` (one dict per workload).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

TINY_TARGET = 3.0  # per-op overhead on tiny tensors: neurona ≤ 3× PyTorch
MLP_TARGET = 1.15  # MLP training step: neurona ≤ 1.15× PyTorch

BATCH = 128
SIZES = (784, 256, 256, 10)
LR = 0.05


# -- the workloads: one body, either framework ---------------------------------------------


def tiny_op(m: ModuleType, a: Any, b: Any, c: Any) -> None:
    """One small op and its backward: ``(a * b + c).sum().backward()``."""
    (a * b + c).sum().backward()


def mlp_step(m: ModuleType, params: Sequence[Any], x: Any, y: Any, lr: float) -> Any:
    """One SGD step of a ReLU MLP with a raw-op softmax cross-entropy; returns the loss tensor.

    ``loss = −mean_i log_softmax(f(x))[i, y_i]``, then ``p ← p − lr·∂loss/∂p`` for every
    parameter, under ``no_grad``, and the gradients are cleared (``p.grad = None``).
    """
    w1, b1, w2, b2, w3, b3 = params
    h = m.relu(x @ w1 + b1)
    h = m.relu(h @ w2 + b2)
    logits = h @ w3 + b3
    lp = logits.log_softmax(dim=1)
    loss = -lp[m.arange(x.shape[0]), y].mean()
    loss.backward()
    with m.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


# -- data and weights (NumPy, shared by both engines) -----------------------------------------


def make_data(seed: int = 0) -> dict[str, Any]:
    """The weights (Kaiming-uniform-like, ``(in, out)`` layout), the batch and the tiny tensors."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    tiny = [rng.standard_normal(10).astype(np.float32) for _ in range(3)]
    return {"weights": weights, "x": x, "y": y, "tiny": tiny}


def _params(m: ModuleType, weights: Sequence[np.ndarray]) -> list[Any]:
    return [m.tensor(w.copy(), requires_grad=True) for w in weights]


# -- timing ------------------------------------------------------------------------------------


def _time_tiny(m: ModuleType, data: dict[str, Any], iters: int) -> float:
    """Milliseconds per ``tiny_op`` call, averaged over ``iters`` calls."""
    a, b, c = (m.tensor(v.copy(), requires_grad=True) for v in data["tiny"])
    t0 = time.perf_counter()
    for _ in range(iters):
        tiny_op(m, a, b, c)
    return (time.perf_counter() - t0) / iters * 1e3


def _time_mlp(m: ModuleType, data: dict[str, Any], steps: int) -> tuple[float, float]:
    """(milliseconds per MLP step over ``steps`` steps from the initial weights, final loss)."""
    params = _params(m, data["weights"])
    x, y = m.tensor(data["x"]), m.tensor(data["y"])
    loss = None
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = mlp_step(m, params, x, y, LR)
    elapsed = time.perf_counter() - t0
    return elapsed / steps * 1e3, float(loss.item())


def _bench(
    engines: dict[str, ModuleType], fn: Callable[[ModuleType], Any], runs: int
) -> dict[str, list[Any]]:
    """Warm up each engine once, then ``runs`` rounds alternating engines (drift hits both)."""
    for m in engines.values():
        fn(m)
    out: dict[str, list[Any]] = {name: [] for name in engines}
    for _ in range(runs):
        for name, m in engines.items():
            out[name].append(fn(m))
    return out


def run_benchmarks(
    runs: int = 5,
    steps: int = 200,
    tiny_iters: int = 2000,
    seed: int = 0,
    workloads: Sequence[str] = ("tiny", "mlp"),
) -> list[dict]:
    """Time the workloads on neurona and PyTorch; one dict per workload.

    Each dict has ``workload``, ``neurona_ms`` and ``torch_ms`` (medians over ``runs``, ms per
    step), ``ratio`` (neurona / torch), ``target`` (the largest acceptable ratio), ``ok``, the
    per-run times ``neurona_runs_ms`` / ``torch_runs_ms`` and, for the MLP, the final losses
    (``neurona_loss``, ``torch_loss``) and ``losses_agree``.
    """
    import torch

    import neurona

    engines = {"neurona": neurona, "torch": torch}
    data = make_data(seed)
    results = []
    if "tiny" in workloads:
        times = _bench(engines, lambda m: _time_tiny(m, data, tiny_iters), runs)
        results.append(_row("tiny op + backward (10 elems)", times, TINY_TARGET, tiny_iters, "calls"))
    if "mlp" in workloads:
        res = _bench(engines, lambda m: _time_mlp(m, data, steps), runs)
        times = {k: [t for t, _ in v] for k, v in res.items()}
        row = _row("MLP 784-256-256-10 step (B=128)", times, MLP_TARGET, steps, "steps")
        ln, lt = res["neurona"][-1][1], res["torch"][-1][1]
        row.update(
            neurona_loss=ln,
            torch_loss=lt,
            losses_agree=bool(abs(ln - lt) <= 1e-3 + 1e-2 * abs(lt)),
        )
        results.append(row)
    return results


def _row(name: str, times: dict[str, list[float]], target: float, n: int, unit: str) -> dict:
    tn, tt = statistics.median(times["neurona"]), statistics.median(times["torch"])
    ratio = tn / tt
    return {
        "workload": name,
        "neurona_ms": tn,
        "torch_ms": tt,
        "ratio": ratio,
        "target": target,
        "ok": ratio <= target,
        "per_run": f"{n} {unit}",
        "neurona_runs_ms": times["neurona"],
        "torch_runs_ms": times["torch"],
    }


# -- reporting ---------------------------------------------------------------------------------


def _ms(v: float) -> str:
    return f"{v:.4f}" if v < 1 else f"{v:.2f}"


def format_table(results: Sequence[dict]) -> str:
    """The results as a markdown table: workload, neurona ms, torch ms, ratio, target."""
    lines = [
        "| workload | neurona ms | torch ms | ratio | target |",
        "|---|---:|---:|---:|---|",
    ]
    for r in results:
        mark = "✓" if r["ok"] else "✗"
        lines.append(
            f"| {r['workload']} | {_ms(r['neurona_ms'])} | {_ms(r['torch_ms'])} | "
            f"{r['ratio']:.2f}× | ≤ {r['target']:g}× {mark} |"
        )
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    """What the numbers depend on: versions, threads, cores, OpenBLAS settings (read only)."""
    import torch

    import neurona

    env = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "neurona": neurona.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
    }
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the table (and the final losses); exit 1 if the losses disagree."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per engine (median reported)")
    p.add_argument("--steps", type=int, default=200, help="MLP steps per run")
    p.add_argument("--tiny-iters", type=int, default=2000, help="tiny-op calls per run")
    p.add_argument("--seed", type=int, default=0, help="seed of the NumPy weights and batch")
    p.add_argument("--json", metavar="PATH", help="also write the results (and environment) here")
    p.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = p.parse_args(argv)

    env = environment()
    print("  ".join(f"{k}={v}" for k, v in env.items()))
    print(
        f"median of {args.runs} runs after a warm-up; MLP: {args.steps} steps/run; "
        f"tiny op: {args.tiny_iters} calls/run\n"
    )
    results = run_benchmarks(args.runs, args.steps, args.tiny_iters, args.seed)
    print(format_table(results))
    status = 0
    for r in results:
        if "neurona_loss" in r:
            agree = "agree" if r["losses_agree"] else "DISAGREE"
            print(
                f"\nfinal MLP loss after {args.steps} steps: neurona {r['neurona_loss']:.6f}  "
                f"torch {r['torch_loss']:.6f}  ({agree})"
            )
            if not r["losses_agree"]:
                status = 1
        if args.strict and not r["ok"]:
            status = 1
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"environment": env, "results": results}, f, indent=2)
        print(f"wrote {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
