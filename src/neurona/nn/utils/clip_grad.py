"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ...tensor import Tensor


def _grads(parameters: Any) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: Any = None) -> Tensor:
    """Scale all gradients together so their total norm is at most ``max_norm``.

    total = ‖(‖g₁‖, ‖g₂‖, …)‖_p;  each g ← g·min(1, max_norm/(total + 1e−6)).
    Returns the total norm before clipping.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._wrap(np.zeros((), np.float32))
    dtype = grads[0]._data.dtype
    if norm_type == np.inf:
        norms = [np.max(np.abs(g._data)) if g._data.size else 0.0 for g in grads]
        total = np.max(norms)
    else:
        norms = [np.linalg.norm(g._data.reshape(-1), norm_type) for g in grads]
        total = np.linalg.norm(np.asarray(norms, dtype=np.float64), norm_type)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
            "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`"
        )
    coef = np.asarray(max_norm / (total + 1e-6), dtype=dtype)
    if coef < 1:
        for g in grads:
            g._data *= coef.astype(g._data.dtype)
            g._vc[0] += 1
    return Tensor._wrap(total)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach: Any = None) -> None:
    """Clamp every gradient element to [−clip_value, clip_value]."""
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._vc[0] += 1


def get_total_norm(tensors: Iterable[Tensor], norm_type: float = 2.0) -> Tensor:
    norms = [np.linalg.norm(t._data.reshape(-1), norm_type) for t in tensors]
    return Tensor._wrap(np.asarray(np.linalg.norm(norms, norm_type)))
