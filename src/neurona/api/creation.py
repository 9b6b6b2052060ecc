"""Creating tensors: from data, filled, ranges, random (seeded by ``manual_seed``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtype
from .. import random as _random
from ..tensor import Tensor, device
from ._common import shape_arg


def _finish(arr: np.ndarray, requires_grad: bool = False, dev: Any = None) -> Tensor:
    if dev is not None:
        device(dev)  # validates: CPU only
    t = Tensor._wrap(arr)
    if requires_grad:
        t._set_requires_grad(True, "Only Tensors of floating point and complex dtype")
    return t


def _dt(dtype: Any, default: _dtype.dtype | None = None) -> np.dtype:
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np
    return _dtype.as_dtype(dtype).np


def _unwrap_nested(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


def _array_from_data(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert Python/NumPy data with PyTorch's dtype inference (or straight to ``dtype``,
    so ``tensor(1.1, dtype=float64)`` is exactly 1.1, never rounded through float32)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.ndarray):
        _dtype.from_numpy_dtype(data.dtype)  # rejects unsupported types clearly
        return data
    if isinstance(data, np.generic):
        return np.asarray(data)
    if isinstance(data, (list, tuple)):
        data = _unwrap_nested(data)
    try:
        arr = np.array(data) if dtype is None else np.array(data, dtype=_dtype.as_dtype(dtype).np)
    except (ValueError, TypeError):
        raise _data_error(data) from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise _data_error(data)
    if dtype is not None:
        return arr
    if _first_leaf_is_numpy(data):  # NumPy scalars keep their own dtype, as in PyTorch
        return arr.astype(_leaf_dtype(data).np, copy=False)
    if arr.dtype.kind == "f":
        return arr.astype(_dtype.get_default_dtype().np)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    return arr


def _data_error(data: Any) -> Exception:
    """PyTorch's error for data that is not a rectangular nest of numbers."""
    expected: list[int] = []

    def walk(x: Any, dim: int) -> Exception | None:
        if isinstance(x, (list, tuple, np.ndarray)):
            n = len(x)
            if dim == len(expected):
                expected.append(n)
            elif expected[dim] != n:
                return ValueError(f"expected sequence of length {expected[dim]} at dim {dim} (got {n})")
            for item in x:
                err = walk(item, dim + 1)
                if err is not None:
                    return err
            return None
        if dim < len(expected):
            return TypeError("not a sequence")
        if isinstance(x, str):
            return TypeError("new(): invalid data type 'str'")
        if not isinstance(x, (bool, int, float, np.generic)):
            return RuntimeError(f"Could not infer dtype of {type(x).__name__}")
        return None

    return walk(data, 0) or TypeError(f"Could not infer dtype of {type(data).__name__}")


def _size(size: tuple, fn: str) -> tuple[int, ...]:
    """The shape of a factory call (``f(2, 3)``, ``f((2, 3))``, ``f(Size)``), validated."""
    if not size:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    shape = shape_arg(size)
    for d in shape:
        if d < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {d}: {list(shape)}")
    return shape


def _first_leaf_is_numpy(data: Any) -> bool:
    while isinstance(data, (list, tuple)) and len(data):
        data = data[0]
    return isinstance(data, (np.generic, np.ndarray))


def _leaf_dtype(data: Any) -> _dtype.dtype | None:
    """PyTorch's inference over mixed leaves: NumPy scalars/arrays count with their own dtype,
    Python floats with the default dtype, ints as int64, bools as bool; all promoted."""
    if isinstance(data, (list, tuple)):
        out = None
        for item in data:
            d = _leaf_dtype(item)
            if d is not None:
                out = d if out is None else _dtype.promote_types(out, d)
        return out
    if isinstance(data, (np.generic, np.ndarray)):
        return _dtype.from_numpy_dtype(data.dtype)
    return _dtype.scalar_dtype(data)


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (list, number, ndarray or tensor).

    Python floats give the default dtype (float32), ints int64, bools bool; an ndarray
    keeps its dtype.
    """
    arr = _array_from_data(data, dtype)
    arr = np.array(arr, dtype=_dtype.as_dtype(dtype).np if dtype is not None else None, copy=True)
    return _finish(arr, requires_grad, device)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with an ndarray/tensor when the dtype already fits."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == _dtype.as_dtype(dtype) else data.to(dtype)
    arr = _array_from_data(data, dtype)
    if dtype is not None:
        arr = arr.astype(_dtype.as_dtype(dtype).np, copy=False)
    return _finish(arr, False, device)


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    t = tensor(obj, dtype=dtype) if copy else as_tensor(obj, dtype)
    if requires_grad:
        t._set_requires_grad(True, "Only Tensors of floating point and complex dtype")
    return t


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (changes show in both)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return Tensor._wrap(ndarray)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          out: Any = None) -> Tensor:
    """A tensor of zeros with the given shape."""
    return _finish(np.zeros(_size(size, "zeros"), _dt(dtype)), requires_grad, device)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones with the given shape."""
    return _finish(np.ones(_size(size, "ones"), _dt(dtype)), requires_grad, device)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          memory_format: Any = None) -> Tensor:
    """An uninitialised tensor with the given shape."""
    return _finish(np.empty(_size(size, "empty"), _dt(dtype)), requires_grad, device)


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (dtype inferred from it unless given)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    d = _dt(dtype, _dtype.scalar_dtype(fill_value))
    return _finish(np.full(_size((size,), "full"), fill_value, d), requires_grad, device)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix (n×m)."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, m, dtype=_dt(dtype)), requires_grad, device)


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values ``start + i·step`` for ``i < ⌈(end − start) / step⌉`` (``arange(n)`` is 0…n−1).

    The count is computed in double precision, so ``arange(0, 1, 0.1)`` has 10 values.
    The dtype is int64 unless an argument is a float (then the default float dtype). For an
    integer ``dtype`` PyTorch truncates: ``int64`` truncates start/end/step before counting;
    smaller integer types count with the float values and step by the truncated step.
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    is_float = any(isinstance(v, (float, np.floating)) for v in vals)
    default = _dtype.get_default_dtype() if is_float else _dtype.int64
    d = _dt(dtype, default)
    if d == np.int64:
        vals = [int(v) for v in vals]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = max(0, math.ceil((end - start) / step))
    if d.kind == "f":
        arr = (start + np.arange(n, dtype=np.float64) * step).astype(d)
    else:
        arr = (int(start) + np.arange(n, dtype=np.int64) * int(step)).astype(d)
    return _finish(arr, requires_grad, device)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included.

    With ``step = (end − start) / (steps − 1)``, value ``i`` is ``start + step·i`` in the
    first half and ``end − step·(steps − 1 − i)`` in the second (so both ends are exact),
    each computed in the output dtype with one rounding (a fused multiply-add), as
    PyTorch's CPU kernel does — the values agree with PyTorch bit for bit. Integer dtypes
    truncate start and end first and step in double precision.
    """
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    d = _dt(dtype)
    if d.kind in "iub":
        start, end = int(start), int(end)
    if steps <= 1:
        return _finish(np.full(steps, start, np.float64).astype(d), requires_grad, device)
    i = np.arange(steps)
    first = i < steps // 2
    k = np.where(first, i, steps - 1 - i).astype(np.float64)
    if d == np.float32:
        # fma in float32: step·k is exact in double; rounding the sum to odd in double and
        # then to float32 rounds it once, correctly.
        a, b = np.float32(start), np.float32(end)
        step = np.float32((b - a) / np.float32(steps - 1))
        prod = np.float64(step) * k.astype(np.float32).astype(np.float64)
        arr = _round_to_odd_sum(np.where(first, prod, -prod), np.where(first, a, b)).astype(d)
    elif d == np.float16:  # Half arithmetic: every operation rounds to float16
        h, f = np.float16, np.float32
        step = h(f(h(f(h(end)) - f(h(start)))) / f(h(steps - 1)))
        prod = (f(step) * k.astype(h).astype(f)).astype(h).astype(f)
        base = np.where(first, f(h(start)), f(h(end)))
        arr = np.where(first, base + prod, base - prod).astype(h)
    else:  # float64, and integer dtypes (which step in double and truncate)
        step = (float(end) - float(start)) / (steps - 1)
        arr = _fma(np.where(first, step, -step), k, np.where(first, float(start), float(end)))
        arr = arr.astype(d) if d.kind == "f" else np.trunc(arr).astype(d)
    return _finish(arr, requires_grad, device)


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``s = fl(a + b)`` and its exact error ``e`` (``s + e == a + b``; Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b`` rounded to odd: truncated, with the last bit set when inexact. Rounding
    this once more to a format at least 2 bits shorter gives the correctly rounded sum."""
    s, e = _two_sum(np.asarray(a, np.float64), np.asarray(b, np.float64))
    fix = (e != 0) & ((s.view(np.int64) & 1) == 0)
    if np.any(fix):
        s = s.copy()
        s[fix] = np.nextafter(s[fix], np.where(e[fix] > 0, np.inf, -np.inf))
    return s


def _fma(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``a·b + c`` in float64 with a single rounding (Dekker's exact product, then Boldo and
    Melquiond's emulation: ``RN(th + RO(tl + ul))``)."""
    p = a * b
    split = 134217729.0 * a  # Veltkamp: 2^27 + 1
    ah = split - (split - a)
    al = a - ah
    split = 134217729.0 * b
    bh = split - (split - b)
    bl = b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # p + err == a·b exactly
    th, tl = _two_sum(c, p)
    return th + _round_to_odd_sum(tl, err)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    lin = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finish(np.power(base, lin).astype(_dt(dtype)), requires_grad, device)


# -- random -------------------------------------------------------------------------------


def _float_np(dtype: Any, kernel: str) -> np.dtype:
    """The dtype to sample into; PyTorch's error when it is not floating point."""
    d = _dt(dtype)
    if d.kind != "f":
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{_LEGACY[_dtype.from_numpy_dtype(d).name]}\''
        )
    return d


_LEGACY = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _sample_dtype(d: np.dtype) -> np.dtype:
    return np.float64 if d == np.float64 else np.float32


def rand(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    d = _float_np(dtype, "check_uniform_bounds")
    arr = _random._np(generator).random(_size(size, "rand"), dtype=_sample_dtype(d))
    arr = arr.astype(d, copy=False)
    return _finish(arr, requires_grad, device)


def randn(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples N(0, 1)."""
    d = _float_np(dtype, "normal_kernel_cpu")
    arr = _random._np(generator).standard_normal(_size(size, "randn"), dtype=_sample_dtype(d))
    return _finish(arr.astype(d, copy=False), requires_grad, device)


def randint(*args: Any, generator: Any = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False, **kwargs: Any) -> Tensor:
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    low = kwargs.pop("low", None)
    high = kwargs.pop("high", None)
    size = kwargs.pop("size", None)
    if kwargs:
        raise TypeError(f"randint() got unexpected keyword arguments {sorted(kwargs)}")
    pos = list(args)
    if size is None and pos and isinstance(pos[-1], (tuple, list)):
        size = pos.pop()
    if len(pos) == 2:
        low, high = pos
    elif len(pos) == 1:
        if high is None:
            high = pos[0]
        else:
            low = pos[0]
    if low is None:
        low = 0
    if high is None or size is None:
        raise TypeError("randint() needs high and size: randint(high, size) or randint(low, high, size)")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = _random._np(generator).integers(low, high, shape_arg((size,)))
    return _finish(arr.astype(_dt(dtype, _dtype.int64)), requires_grad, device)


def randperm(n: int, *, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0…n−1."""
    _size((n,), "randperm")
    arr = _random._np(generator).permutation(int(n))
    return _finish(arr.astype(_dt(dtype, _dtype.int64)), requires_grad, device)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std²); mean/std may be tensors (broadcast) or numbers with ``size``."""
    rng = _random._np(generator)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if size is None:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        ref = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
        d = ref._data.dtype if ref is not None else _dt(dtype)
    else:
        shape = shape_arg((size,))
        d = _dt(dtype)
    if np.any(np.asarray(s) < 0):
        bad = float(np.min(s))
        raise RuntimeError(f"normal expects std >= 0.0, but found std {bad:g}")
    arr = (rng.standard_normal(shape) * s + m).astype(d)
    return _finish(arr, requires_grad, device)


def bernoulli(input: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    """1 with probability ``input`` (element-wise), else 0."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true")
    draw = _random._np(generator).random(input._data.shape) < probs
    return Tensor._wrap(draw.astype(input._data.dtype))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:
    """Indices drawn from each row of (unnormalised, non-negative) weights ``input``."""
    w = input._data.astype(np.float64)
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = w.reshape(-1, w.shape[-1])
    n = rows.shape[1]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rng = _random._np(generator)
    out = np.empty((rows.shape[0], num_samples), np.int64)
    for r, row in enumerate(rows):
        total = row.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and np.count_nonzero(row) < num_samples:
            raise RuntimeError(
                "invalid multinomial distribution (with replacement=False, not enough "
                "non-negative category to sample)"
            )
        out[r] = rng.choice(n, size=num_samples, replace=replacement, p=row / total)
    return Tensor._wrap(out.reshape(w.shape[:-1] + (num_samples,)))


# -- *_like -------------------------------------------------------------------------------


def _like_dtype(input: Tensor, dtype: Any) -> np.dtype:
    return input._data.dtype if dtype is None else _dtype.as_dtype(dtype).np


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    return _finish(np.zeros(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    return _finish(np.ones(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    return _finish(np.empty(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    arr = np.full(input._data.shape, fill_value, _like_dtype(input, dtype))
    return _finish(arr, requires_grad, device)


def rand_like(input: Tensor, *, dtype: Any = None, generator: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return rand(input._data.shape, generator=generator, dtype=dtype or input.dtype,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, generator: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return randn(input._data.shape, generator=generator, dtype=dtype or input.dtype,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype: Any = None,
                 generator: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, generator=generator,
                   dtype=dtype or input.dtype)


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    return _finish(np.asarray(s, dtype=_dt(dtype)), requires_grad, device)


# -- tensor.new_* -------------------------------------------------------------------------


def new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def new_zeros(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def new_ones(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def new_empty(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def new_full(self: Tensor, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)
