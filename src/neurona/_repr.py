"""``repr`` of a tensor in PyTorch's style: ``tensor([0.1000, 2.0000], requires_grad=True)``.

Floats print with 4 decimals; in scientific notation when the magnitudes span more than
three orders, exceed 1e8, or go below 1e-4; as ``1.`` when all are whole numbers. Large
tensors are summarised with ``...``, 3 items at each edge.
"""

from __future__ import annotations

import numpy as np

from . import _dtype


def _float_formatter(arr: np.ndarray):
    finite = arr[np.isfinite(arr)]
    nonzero = np.abs(finite[finite != 0]).astype(np.float64)
    if nonzero.size == 0:
        return lambda x: _special(x) or "0."
    lo, hi = nonzero.min(), nonzero.max()
    integers = np.all(finite == np.ceil(finite))
    sci = hi / lo > 1000.0 or hi > 1e8 or (not integers and lo < 1e-4)
    if integers and not sci:
        return lambda x: _special(x) or f"{x:.0f}."
    if sci:
        return lambda x: _special(x) or f"{x:.4e}"
    return lambda x: _special(x) or f"{x:.4f}"


def _special(x: float) -> str:
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return ""


def format_array(arr: np.ndarray, prefix: str = "tensor(") -> str:
    """The body of the repr (what goes inside ``tensor(...)``)."""
    if arr.size == 0:
        return "[]" if arr.ndim == 1 else f"[], size={tuple(arr.shape)}"
    sample = _edges(arr) if arr.size > 1000 else arr.reshape(-1)
    if arr.dtype.kind == "f":
        fmt = _float_formatter(sample)
    elif arr.dtype.kind == "b":
        def fmt(x):
            return "True" if x else "False"
    else:
        fmt = str
    if arr.ndim == 0:
        return fmt(arr.item())
    width = max(len(fmt(v)) for v in sample.tolist())
    kind = {"f": "float_kind", "b": "bool"}.get(arr.dtype.kind, "int")
    return np.array2string(
        arr, separator=", ", prefix=prefix, threshold=1000, edgeitems=3, max_line_width=80,
        formatter={kind: lambda x: fmt(x).rjust(width)},
    )


def _edges(arr: np.ndarray) -> np.ndarray:
    parts = []
    for axis_arr in (arr.reshape(-1)[:3], arr.reshape(-1)[-3:]):
        parts.append(axis_arr)
    flat = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr.reshape(-1)
    if arr.ndim > 1:
        rows = np.concatenate([flat[:3], flat[-3:]])
        parts.append(np.concatenate([rows[:, :3].ravel(), rows[:, -3:].ravel()]))
    return np.concatenate(parts)


def tensor_repr(t) -> str:
    body = format_array(t._data)
    extras = []
    d = t.dtype
    if t._data.size == 0 and t._data.ndim != 1:
        pass
    if d not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool_) or (
        t._data.size == 0 and d not in (_dtype.get_default_dtype(),)
    ):
        extras.append(f"dtype={d!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
