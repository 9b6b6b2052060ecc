"""Helpers shared by the tensor-level functions: operands, dtype promotion, dims, errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _dtype
from ..tensor import Tensor, _wrap_dim

Number = int | float | bool
_SCALAR_TYPES = (int, float, bool, np.number, np.bool_)


def is_scalar(x: Any) -> bool:
    return isinstance(x, _SCALAR_TYPES)


def as_tensor_operand(x: Any) -> Tensor:
    """An operand as a Tensor (ndarrays are wrapped; scalars become 0-d tensors)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x)
    if is_scalar(x):
        d = _dtype.scalar_dtype(x)
        return Tensor._wrap(np.asarray(x, dtype=d.np))
    raise TypeError(f"expected a Tensor or a number, got {type(x).__name__}")


def check_tensor(x: Any, fn: str, arg: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' must be Tensor, not {type(x).__name__}")
    return x


def promoted_arrays(a: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Both tensors' arrays converted to their common (PyTorch-promoted) dtype."""
    xa, xb = a._data, b._data
    if xa.dtype is xb.dtype or xa.dtype == xb.dtype:
        return xa, xb
    d = _dtype.result_type(a, b).np
    return xa.astype(d, copy=False), xb.astype(d, copy=False)


def float_array(t: Tensor) -> np.ndarray:
    """The tensor's array, as the default float dtype if it is bool/integer (like ``exp(int)``)."""
    arr = t._data
    if arr.dtype.kind == "f":
        return arr
    return arr.astype(_dtype.get_default_dtype().np)


def broadcast_error(a: Sequence[int], b: Sequence[int]) -> RuntimeError:
    """PyTorch's broadcasting error, naming the first mismatched dimension and both shapes."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + a
    pb = (1,) * (n - len(b)) + b
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(
                f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                f"non-singleton dimension {i}: shapes {list(a)} and {list(b)} cannot be broadcast"
            )
    return RuntimeError(f"shapes {list(a)} and {list(b)} cannot be broadcast")


def broadcast_shapes(*shapes: Sequence[int]) -> tuple:
    """The broadcast of several shapes, or PyTorch's error naming the two that clash."""
    out: tuple = ()
    for s in shapes:
        try:
            out = np.broadcast_shapes(out, tuple(s))
        except ValueError:
            raise broadcast_error(out, s) from None
    return out


class _Omitted:
    """Default of an argument whose *absence* PyTorch distinguishes from ``None``.

    ``x.sum()`` and ``x.sum(None)`` compute the same thing, but PyTorch records them as
    different overloads (``SumBackward0`` / ``SumBackward1``). Reads as ``None``.
    """

    def __repr__(self) -> str:
        return "None"

    def __bool__(self) -> bool:
        return False


OMITTED: Any = _Omitted()


def dims_arg(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """Normalise ``dim`` (None, int, or sequence) to a tuple of non-negative axes.

    A 0-d tensor accepts ``dim`` 0 or -1 (as PyTorch) but has no axis to reduce: the result is
    then ``()``, which the reductions treat as "all of its one element".
    """
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        dims = (_wrap_dim(int(dim), ndim),)
    else:
        dims = tuple(_wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return dims if ndim else ()


def wrap_dim(dim: int, ndim: int) -> int:
    return _wrap_dim(int(dim), ndim)


def shape_arg(size: Any) -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)`` all mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    if len(size) == 1 and isinstance(size[0], Tensor):
        size = tuple(size[0].tolist())
    try:
        shape = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"size must be a sequence of ints, got {size!r}") from None
    for s in shape:
        if s < 0 and s != -1:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def varargs(args: tuple, keyword: Any, name: str, fn: str) -> tuple:
    """The arguments of ``f(2, 3)``, ``f((2, 3))`` or ``f(name=(2, 3))`` (PyTorch accepts all
    three for a method whose only argument is a list of ints), as the tuple ``args``."""
    if keyword is not None:
        if args:
            raise TypeError(f"{fn}() got multiple values for argument '{name}'")
        return (keyword,)
    if not args:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "{name}"')
    return args
