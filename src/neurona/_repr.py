"""``repr`` of a tensor in PyTorch's style: ``tensor([0.1000, 2.0000], requires_grad=True)``.

The rules (PyTorch's print options: precision 4, line width 80, summarise above 1000
elements with 3 items at each edge):

* Floats: only the finite non-zero values decide the format. If they are all whole
  numbers they print as ``1.`` (``{:.0f}.``); otherwise with 4 decimals. Scientific
  notation (``1.0000e-05``) is used when max/min of their magnitudes exceeds 1000, the
  largest exceeds 1e8, or (decimals only) the smallest is below 1e-4. Every element is
  right-aligned to the widest of those values (zeros, ``nan`` and ``inf`` don't widen it).
* Integers and bools: right-aligned to the widest element.
* A row holds ``(80 - indent) // (width + 2)`` elements; a summarised row shows
  `` ...`` between its edges, summarised higher dimensions a ``...,`` line.
"""

from __future__ import annotations

import math

import numpy as np

from . import _dtype

_PRECISION = 4
_LINEWIDTH = 80
_THRESHOLD = 1000
_EDGEITEMS = 3


class _Formatter:
    """Formats one element; ``width`` is what every element is padded to."""

    def __init__(self, values: np.ndarray) -> None:
        self.kind = values.dtype.kind
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if self.kind != "f":
            for v in values.reshape(-1).tolist():
                self.width = max(self.width, len(self._plain(v)))
            return
        vals = values.astype(np.float64).reshape(-1)
        finite = vals[np.isfinite(vals) & (vals != 0)]
        if finite.size == 0:
            return
        mags = np.abs(finite)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or (not self.int_mode and lo < 1.0e-4)
        self.width = max(len(self._plain(v)) for v in finite.tolist())

    def _plain(self, v) -> str:
        if self.kind == "b":
            return "True" if v else "False"
        if self.kind != "f":
            return str(v)
        if math.isnan(v) or math.isinf(v):
            return str(v)  # 'nan', 'inf', '-inf'
        if self.sci_mode:
            return f"{v:.{_PRECISION}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{_PRECISION}f}"

    def format(self, v) -> str:
        return self._plain(v).rjust(self.width)


def _summarized(arr: np.ndarray) -> np.ndarray:
    """Only the edge items of every dimension (what a summarised repr shows)."""
    if arr.ndim == 0:
        return arr
    e = _EDGEITEMS
    if arr.shape[0] > 2 * e:
        parts = [arr[:e], arr[-e:]]
    else:
        parts = [arr]
    if arr.ndim == 1:
        return np.concatenate(parts)
    return np.stack([_summarized(row) for p in parts for row in p])


def _vector(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (_LINEWIDTH - indent) // (fmt.width + 2))
    vals = arr.tolist()
    if summarize and len(vals) > 2 * _EDGEITEMS:
        items = [fmt.format(v) for v in vals[:_EDGEITEMS]] + [" ..."]
        items += [fmt.format(v) for v in vals[-_EDGEITEMS:]]
    else:
        items = [fmt.format(v) for v in vals]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, fmt)
    n = arr.shape[0]
    if summarize and n > 2 * _EDGEITEMS:
        rows = [_body(arr[i], indent + 1, summarize, fmt) for i in range(_EDGEITEMS)]
        rows.append("...")
        rows += [_body(arr[i], indent + 1, summarize, fmt) for i in range(n - _EDGEITEMS, n)]
    else:
        rows = [_body(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def format_array(arr: np.ndarray, prefix: str = "tensor(") -> str:
    """The body of the repr (what goes inside ``tensor(...)``)."""
    if arr.size == 0:
        return "[]" if arr.ndim == 1 else f"[], size={tuple(arr.shape)}"
    summarize = arr.size > _THRESHOLD
    fmt = _Formatter(_summarized(arr) if summarize else arr)
    return _body(arr, len(prefix), summarize, fmt)


def tensor_repr(t) -> str:
    body = format_array(t._data)
    extras = []
    d = t.dtype
    default = _dtype.get_default_dtype()
    if t._data.size == 0:
        show_dtype = d is not default
    else:
        show_dtype = d not in (default, _dtype.int64, _dtype.bool_)
    if show_dtype:
        extras.append(f"dtype={d!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
