"""The ``neurona`` command.

    neurona labs                              list the labs
    neurona lab ID [options]                  run one lab (ID: 1, clase1 or its slug)
    neurona course [options]                  run every lab and write the report
    neurona bench [--runs N] [--only NAME]    neurona vs PyTorch speed table

Options of lab/course: --engine neurona|torch|both, --profile fast|full, --seed N,
--out DIR, --device cpu|cuda. Exit status: 0 all targets met, 1 a target missed or a lab
failed, 2 bad input, 130 interrupted (the report keeps what finished).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


SEED_MAX = 2**32 - 1


def _seed(text: str) -> int:
    """A seed every generator accepts: an integer in [0, 2**32 − 1] (NumPy's legacy seeding,
    and the labs' toy data, reject negative seeds)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: '{text}'") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to {SEED_MAX} (2**32 - 1), got {value}")
    return value


def _lab_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("neurona", "torch", "both"), default="neurona",
                   help="framework that runs the lab (both: same weights and batches, compared)")
    p.add_argument("--profile", choices=("fast", "full"), default="fast",
                   help="fast: minutes on a laptop; full: the course's reference numbers")
    p.add_argument("--seed", type=_seed, default=0, help=f"random seed, 0 to {SEED_MAX} (default 0)")
    p.add_argument("--out", default="neurona-report", help="report folder (default neurona-report/)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="cuda only with --engine torch")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="neurona", description="neurona: a readable NumPy deep-learning engine "
                     "with PyTorch's API, and the labs of the course.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    sub.required = True
    sub.add_parser("labs", help="list the labs of the course")
    lab = sub.add_parser("lab", help="run one lab")
    lab.add_argument("id", help="lab id: 1, clase1, or its name (see 'neurona labs')")
    _lab_options(lab)
    course = sub.add_parser("course", help="run every lab and write the report")
    _lab_options(course)
    bench = sub.add_parser("bench", help="time neurona against PyTorch (ratio table)")
    bench.add_argument("--runs", type=_positive, default=5, help="timed runs per workload (median)")
    bench.add_argument("--steps", type=_positive, default=None, help="steps per run")
    bench.add_argument("--only", nargs="+", default=None, metavar="NAME",
                       help="run only these workloads")
    bench.add_argument("--json", default=None, metavar="PATH", help="also write results as JSON")
    return parser


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import WORKLOADS, format_table, run_benchmarks

    if args.only:
        unknown = [n for n in args.only if n not in WORKLOADS]
        if unknown:
            sys.stderr.write(
                f"neurona bench: error: unknown workload '{unknown[0]}' (choose from "
                f"{', '.join(WORKLOADS)})\n"
            )
            return 2
    results = run_benchmarks(names=args.only, runs=args.runs, steps=args.steps, progress=True)
    print(format_table(results))
    if args.json:
        import json

        from .io import atomic_write_bytes

        atomic_write_bytes(args.json, json.dumps(results, indent=2).encode())
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"neurona: error: {message}\n")
    return 2


def _check_lab_args(args: argparse.Namespace) -> str | None:
    """One-line reason the lab options can't work, or None."""
    if args.device == "cuda":
        if args.engine != "torch":
            return "--device cuda needs --engine torch (neurona runs on the CPU)"
        import torch

        if not torch.cuda.is_available():
            return "--device cuda: no CUDA device is available on this machine"
    try:
        os.makedirs(args.out, exist_ok=True)
        probe = os.path.join(args.out, ".write-test")
        with open(probe, "w") as f:
            f.write("")
        os.unlink(probe)
    except OSError as e:
        return f"--out {args.out}: cannot write there ({e.strerror or e})"
    return None


def _cmd_labs() -> int:
    from .labs.registry import available

    for lab in available():
        print(f"{lab.number}  {lab.id:<8} {lab.slug:<22} {lab.title}")
        print(f"{'':>12}{lab.summary}")
    return 0


def _cmd_run(args: argparse.Namespace, ids: list[str] | None) -> int:
    from .labs.course import run_course
    from .labs.registry import available, find

    if ids is None:
        labs = available()
    else:
        try:
            labs = [find(i) for i in ids]
        except KeyError as e:
            return _fail(str(e.args[0]))
    problem = _check_lab_args(args)
    if problem:
        return _fail(problem)
    return run_course(labs, engine=args.engine, profile=args.profile, seed=args.seed,
                      out_dir=args.out, device=args.device, progress=not args.quiet)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurona`` console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "bench":
            return _cmd_bench(args)
        if args.command == "labs":
            return _cmd_labs()
        if args.command == "lab":
            return _cmd_run(args, [args.id])
        if args.command == "course":
            return _cmd_run(args, None)
    except KeyboardInterrupt:
        sys.stderr.write("neurona: interrupted\n")
        return 130
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
