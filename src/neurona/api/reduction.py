"""Reductions and the softmax family on tensors (``dim``, ``keepdim``, ``dtype`` as PyTorch)."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import _dtype
from ..autograd.function import run, run_on
from ..ops import reduce as R
from ..tensor import Tensor
from ._common import OMITTED, dims_arg, float_array, varargs, wrap_dim

max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])
var_mean_result = namedtuple("var_mean", ["var", "mean"])


def _np_dtype(dtype: Any) -> Any:
    return None if dtype is None else _dtype.as_dtype(dtype).np


def _input_for(input: Tensor, dtype: Any) -> np.ndarray:
    arr = input._data
    if dtype is not None:
        return arr.astype(_dtype.as_dtype(dtype).np, copy=False)
    return arr


def sum(input: Tensor, dim: Any = OMITTED, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Σ input over ``dim`` (all dims if None). Integers and bools sum to int64."""
    name = "SumBackward0" if dim is OMITTED and not keepdim else "SumBackward1"
    return _sum(input, None if dim is OMITTED else dim, keepdim, dtype, name)


def _sum(input: Tensor, dim: Any, keepdim: bool, dtype: Any, name: str) -> Tensor:
    arr = _input_for(input, dtype)
    if dtype is None and arr.dtype.kind in "biu":
        arr = arr.astype(np.int64)
    axes = dims_arg(dim, arr.ndim)
    if axes == ():
        axes = None
    node = R.Sum(axes, keepdim)
    node._name = name
    return run_on(node, (input,), [arr])


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Σ input over ``dim``, treating NaN as zero."""
    from .pointwise import isnan, where

    zero = Tensor._wrap(np.zeros((), input._data.dtype))
    return _sum(where(isnan(input), zero, input), dim, keepdim, dtype, "NansumBackward0")


def mean(input: Tensor, dim: Any = OMITTED, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """(1/N) Σ input over ``dim``. Needs a floating-point input (or ``dtype``)."""
    name = "MeanBackward0" if dim is OMITTED and not keepdim else "MeanBackward1"
    if dim is OMITTED:
        dim = None
    arr = _input_for(input, dtype)
    if arr.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype.name.capitalize()}"
        )
    axes = dims_arg(dim, arr.ndim)
    if axes == ():
        axes = None
    node = R.Mean(axes, keepdim)
    node._name = name
    with np.errstate(invalid="ignore", divide="ignore"):
        return run_on(node, (input,), [arr])


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None and unbiased is not None:
        raise RuntimeError("var/std: cannot pass both 'unbiased' and 'correction'")
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def _var_args(dim: Any, unbiased: Any) -> tuple[Any, Any]:
    if isinstance(dim, bool):  # legacy var(input, unbiased)
        return None, dim
    return dim, unbiased


def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Σ (x − x̄)² / (N − correction) over ``dim``; ``correction=1`` (Bessel) by default."""
    dim, unbiased = _var_args(dim, unbiased)
    axes = dims_arg(dim, input.ndim)
    if axes == ():
        axes = None
    return run_on(R.Var(axes, _correction(unbiased, correction), keepdim), (input,),
                  [float_array(input)])


def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """√var(input) over ``dim``."""
    dim, unbiased = _var_args(dim, unbiased)
    axes = dims_arg(dim, input.ndim)
    if axes == ():
        axes = None
    return run_on(R.Std(axes, _correction(unbiased, correction), keepdim), (input,),
                  [float_array(input)])


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    return var_mean_result(var(input, dim, unbiased, keepdim, correction=correction),
                           mean(input, dim, keepdim))


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    return (std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def _empty_check(input: Tensor, name: str, dim: Any) -> None:
    if input._data.size == 0 and (dim is None or input._data.shape[wrap_dim(dim, input.ndim)] == 0):
        raise IndexError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
            if dim is None
            else f"{name}(): Expected reduction dim {dim} to have non-zero size."
        )


def _max_min(input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    name = "max" if largest else "min"
    if isinstance(dim, Tensor):
        from .pointwise import maximum, minimum

        return maximum(input, dim) if largest else minimum(input, dim)
    _empty_check(input, name, dim)
    if dim is None:
        node = R.AMax(None, False) if largest else R.AMin(None, False)
        node._name = "MaxBackward1" if largest else "MinBackward1"
        return run(node, input)
    if input.ndim == 0:  # dim 0 or -1 of a scalar: the value itself, at index 0
        wrap_dim(dim, 0)
        node = R.AMax(None, False) if largest else R.AMin(None, False)
        node._name = "MaxBackward0" if largest else "MinBackward0"
        result = max_result if largest else min_result
        return result(run(node, input), Tensor._wrap(np.zeros((), np.int64)))
    node = R.MaxDim(wrap_dim(dim, input.ndim), keepdim, largest)
    if not largest:
        node._name = "MinBackward0"
    values = run(node, input)
    indices = Tensor._wrap(node.indices.astype(np.int64, copy=False))
    return (max_result if largest else min_result)(values, indices)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """The largest value; with ``dim``, ``(values, indices)`` along it; with a tensor, maximum."""
    return _max_min(input, dim, keepdim, True)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """The smallest value; with ``dim``, ``(values, indices)`` along it; with a tensor, minimum."""
    return _max_min(input, dim, keepdim, False)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Max over ``dim`` (all if empty); ties share the gradient evenly."""
    axes = dims_arg(dim, input.ndim) or None
    _empty_check(input, "amax", None if axes is None else axes[0])
    return run(R.AMax(axes, keepdim), input)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Min over ``dim`` (all if empty); ties share the gradient evenly."""
    axes = dims_arg(dim, input.ndim) or None
    _empty_check(input, "amin", None if axes is None else axes[0])
    return run(R.AMin(axes, keepdim), input)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) maximum, over the flattened tensor or along ``dim``."""
    return _arg(np.argmax, input, dim, keepdim, "argmax")


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _arg(np.argmin, input, dim, keepdim, "argmin")


def _arg(fn, input: Tensor, dim: Any, keepdim: bool, name: str) -> Tensor:
    _empty_check(input, name, dim)
    arr = input._data
    if dim is None:
        out = np.asarray(fn(arr))
        if keepdim:
            out = out.reshape((1,) * arr.ndim)
    else:
        ax = wrap_dim(dim, arr.ndim)
        out = fn(arr, axis=ax, keepdims=keepdim) if arr.ndim else np.asarray(0)
    return Tensor._wrap(np.asarray(out, dtype=np.int64))


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Π input (all, or along one ``dim``); the gradient is exact even with zeros."""
    arr = _input_for(input, dtype)
    if dtype is None and arr.dtype.kind in "biu":
        arr = arr.astype(np.int64)
    axis = None if dim is None else wrap_dim(dim, arr.ndim)
    if arr.ndim == 0:  # dim 0 or -1 of a scalar names its one element
        axis = None
    node = R.Prod(axis, keepdim)
    if dim is None:  # PyTorch's prod() overload; prod(dim) is ProdBackward1
        node._name = "ProdBackward0"
    return run_on(node, (input,), [arr])


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``."""
    arr = _input_for(input, dtype)
    if dtype is None and arr.dtype.kind in "biu":
        arr = arr.astype(np.int64)
    return run_on(R.Cumsum(wrap_dim(dim, arr.ndim)), (input,), [arr])


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log Σ exp(input) over ``dim``, without overflow (shifted by the max)."""
    axes = dims_arg(dim, input.ndim) or None
    return run_on(R.LogSumExp(axes, keepdim), (input,), [float_array(input)])


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """exp(xᵢ) / Σⱼ exp(xⱼ) along ``dim``, shifted by the max for stability."""
    arr = _input_for(input, dtype) if dtype is not None else float_array(input)
    return run_on(R.Softmax(wrap_dim(dim, arr.ndim)), (input,), [arr])


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """xᵢ − log Σⱼ exp(xⱼ) along ``dim``; exact where softmax would underflow."""
    arr = _input_for(input, dtype) if dtype is not None else float_array(input)
    return run_on(R.LogSoftmax(wrap_dim(dim, arr.ndim)), (input,), [arr])


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """The p-norm (Σ|x|ᵖ)^(1/p) over ``dim`` (all if None); 'fro' is p = 2."""
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise NotImplementedError(f"norm: p='{p}' is not supported (use p='fro', a number or inf)")
    arr = _input_for(input, dtype) if dtype is not None else float_array(input)
    axes = dims_arg(dim, arr.ndim) or None
    return run_on(R.Norm(float(p), axes, keepdim), (input,), [arr])


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element (along ``dim``) is non-zero."""
    axes = dims_arg(dim, input.ndim)
    return Tensor._wrap(np.asarray(np.all(input._data, axis=axes, keepdims=keepdim)))


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element (along ``dim``) is non-zero."""
    axes = dims_arg(dim, input.ndim)
    return Tensor._wrap(np.asarray(np.any(input._data, axis=axes, keepdims=keepdim)))


def count_nonzero(input: Tensor, *args: Any, dim: Any = None) -> Tensor:
    """How many entries are non-zero (along ``dim``; ``x.count_nonzero(0, 1)`` as PyTorch)."""
    if args:
        dim = varargs(args, dim, "dim", "count_nonzero")
        dim = dim[0] if len(dim) == 1 else dim
    axes = dims_arg(dim, input.ndim)
    return Tensor._wrap(np.asarray(np.count_nonzero(input._data, axis=axes), dtype=np.int64))
