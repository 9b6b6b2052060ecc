"""Gradient clipping: ``clip_grad_norm_`` (= ``get_total_norm`` + ``clip_grads_with_norm_``)
and ``clip_grad_value_``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ...tensor import Tensor


def _grads(parameters: Any) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def _norm(a: np.ndarray, p: float) -> np.ndarray:
    """‖a‖_p of the flattened array, in its dtype (max |a| for p = ∞)."""
    flat = a.reshape(-1)
    if p == np.inf:
        return np.max(np.abs(flat)) if flat.size else np.zeros((), a.dtype)
    return np.asarray(np.linalg.norm(flat, p), a.dtype)


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: Any = None) -> Tensor:
    """‖(‖t₁‖_p, ‖t₂‖_p, …)‖_p — the p-norm of all the tensors taken together (0 if none)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    arrays = [t._data for t in tensors]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor._wrap(np.zeros((), np.float32))
    dtype = arrays[0].dtype
    norms = np.asarray([_norm(a, norm_type) for a in arrays], dtype)
    total = _norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
            "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._wrap(np.asarray(total, dtype))


def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, total_norm: Tensor,
                          foreach: Any = None) -> None:
    """Scale every gradient by min(1, max_norm/(total_norm + 1e−6)), in place."""
    grads = _grads(parameters)
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = min(float(max_norm / (total + 1e-6)), 1.0)
    if coef < 1.0:
        for g in grads:
            g._data *= np.asarray(coef, g._data.dtype)
            g._vc[0] += 1


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: Any = None) -> Tensor:
    """Scale all gradients together so their total norm is at most ``max_norm``.

    total = ‖(‖g₁‖_p, ‖g₂‖_p, …)‖_p;  each g ← g·min(1, max_norm/(total + 1e−6)).
    Returns the total norm before clipping.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    total = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach: Any = None) -> None:
    """Clamp every gradient element to [−clip_value, clip_value], in place."""
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._vc[0] += 1
