"""The ``neurona`` command.

    neurona bench [--runs N] [--steps N] [--only NAME ...] [--json PATH]

Bad arguments print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="neurona", description="neurona: a readable NumPy deep-learning engine "
                     "with PyTorch's API, and the labs of the course.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    sub.required = True
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurona`` console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "bench":
            return _cmd_bench(args)
    except KeyboardInterrupt:
        sys.stderr.write("neurona: interrupted\n")
        return 130
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
