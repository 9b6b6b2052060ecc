"""neurona vs PyTorch on the CPU, in one process, on the same data (DESIGN.md §5).

A thin command-line front for :mod:`neurona.bench` (the same workloads ``neurona bench``
runs): prints the environment, the markdown ratio table and the final losses of both
engines, which start from the same weights and see the same batch.

    python benchmarks/bench_engine.py [--runs 5] [--steps N] [--only mlp-raw ...] [--json F] [--strict]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from neurona.bench import WORKLOADS, environment, format_table, run_benchmarks


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; exit 1 if the engines' losses disagree (or, with --strict, a target is missed)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per engine (median reported)")
    p.add_argument("--steps", type=int, default=None, help="steps per run (default: per workload)")
    p.add_argument("--only", nargs="+", choices=list(WORKLOADS), help="run only these workloads")
    p.add_argument("--seed", type=int, default=0, help="seed of the NumPy weights and batch")
    p.add_argument("--json", metavar="PATH", help="also write the results (and environment) here")
    p.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = p.parse_args(argv)

    env = environment()
    print("  ".join(f"{k}={v}" for k, v in env.items()))
    print(f"median of {args.runs} runs after a warm-up\n")
    results = run_benchmarks(args.only, args.runs, args.steps, args.seed, progress=True)
    print(format_table(results))
    status = 0
    for r in results:
        n, t = r["neurona_value"], r["torch_value"]
        agree = abs(n - t) <= 1e-3 + 1e-2 * abs(t)
        print(f"{r['workload']}: final value neurona {n:.6f}  torch {t:.6f}  "
              f"({'agree' if agree else 'DISAGREE'})")
        if not agree or (args.strict and not r["ok"]):
            status = 1
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"environment": env, "results": results}, f, indent=2)
        print(f"wrote {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
