"""Data types and PyTorch's type-promotion rules.

A :class:`dtype` pairs a PyTorch name (``float32``) with the NumPy dtype that stores it.
Promotion follows ``torch.result_type``: operands are split into three groups — tensors
with at least one dimension, zero-dimensional tensors, and Python scalars ("wrapped
numbers") — each group is promoted on its own, and a lower-priority group only changes
the result when it belongs to a higher *category* (bool < integer < floating point).
So ``float32 tensor * 2.5`` stays float32, ``int tensor * 2.5`` becomes the default
float dtype, and ``float32 tensor(dim>0) + float64 tensor(dim=0)`` stays float32.
"""

from __future__ import annotations

import numpy as np


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, e.g. ``neurona.float32``."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, np_dtype: type, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self._category = category  # 0 bool, 1 integer, 2 floating point
        self.is_floating_point = category == 2
        self.is_signed = name not in ("bool", "uint8")
        self.itemsize = self.np.itemsize

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"neurona.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(
    {
        "float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
        "short": int16, "bool_": bool_,
    }
)

_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype of floating-point tensors created from Python floats (float32 unless set)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating-point dtype; only ``float32`` and ``float64`` are allowed."""
    d = as_dtype(d)
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def as_dtype(d: object) -> dtype:
    """Accept a neurona dtype, a NumPy dtype, a name, or a Python type; return a neurona dtype."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return _default[0]
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    name = getattr(d, "__module__", "") == "torch" and str(d).removeprefix("torch.")
    if name and name in _BY_NAME:  # a torch.dtype, for interop
        return _BY_NAME[name]
    try:
        return _BY_NP[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"unsupported dtype: {d!r}") from None


def from_numpy_dtype(npdt: np.dtype) -> dtype:
    """The neurona dtype stored as ``npdt``; a clear error for types PyTorch lacks."""
    try:
        return _BY_NP[npdt]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {npdt}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to (``torch.promote_types``).

    Unlike NumPy, the higher category wins outright (``float16 + int64 → float16``,
    ``float32 + int64 → float32``); within a category the wider type wins, and
    ``uint8 + int8 → int16`` (the one mixed-signedness pair of equal width).
    """
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a.itemsize >= b.itemsize else b


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool_ or lower._category > higher._category:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value: object) -> dtype:
    """The dtype PyTorch gives a Python scalar used as an operand (a "wrapped number")."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    if isinstance(value, (float, np.floating)):
        return _default[0]
    raise TypeError(f"unsupported operand type: {type(value).__name__}")


def result_type(*operands: object) -> dtype:
    """``torch.result_type`` for any mix of tensors (anything with ``dtype``/``ndim``) and scalars."""
    dim_r = zero_r = wrapped_r = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype):
            if op.ndim:
                dim_r = d if dim_r is None else promote_types(dim_r, d)
            else:
                zero_r = d if zero_r is None else promote_types(zero_r, d)
        else:
            d = scalar_dtype(op)
            wrapped_r = d if wrapped_r is None else promote_types(wrapped_r, d)
    out = _combine(_combine(dim_r, zero_r), wrapped_r)
    assert out is not None
    return out
