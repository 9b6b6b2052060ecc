"""BLAS thread control (``set_num_threads``), through threadpoolctl when it is installed.

Small matrix products run faster single-threaded on a busy machine; PyTorch users expect
``torch.set_num_threads`` to exist, so neurona offers the same for NumPy's BLAS.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

_limiter: list[Any] = [None]


def _threadpoolctl() -> Any:
    try:
        import threadpoolctl
    except ImportError:  # pragma: no cover - optional
        return None
    return threadpoolctl


def set_blas_threads(n: int) -> None:
    """Limit BLAS to ``n`` threads from now on (no-op without threadpoolctl)."""
    n = int(n)
    if n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n}")
    tpc = _threadpoolctl()
    if tpc is not None:
        _limiter[0] = tpc.threadpool_limits(limits=n, user_api="blas")


def get_blas_threads() -> int:
    tpc = _threadpoolctl()
    if tpc is not None:
        counts = [p["num_threads"] for p in tpc.threadpool_info() if p.get("user_api") == "blas"]
        if counts:
            return int(max(counts))
    return os.cpu_count() or 1


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """One BLAS thread for NumPy and one intra-op thread for PyTorch (if loaded), restored after."""
    import sys

    torch = sys.modules.get("torch")
    prev = torch.get_num_threads() if torch is not None else None
    tpc = _threadpoolctl()
    ctx = tpc.threadpool_limits(limits=1, user_api="blas") if tpc is not None else contextlib.nullcontext()
    try:
        if torch is not None:
            torch.set_num_threads(1)
        with ctx:
            yield
    finally:
        if torch is not None and prev is not None:
            torch.set_num_threads(prev)
