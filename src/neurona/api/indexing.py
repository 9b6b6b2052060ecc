"""Indexing on tensors: ``t[...]``, ``t[...] = v``, gather/scatter, masks, sort, unique."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..autograd.function import run, run_on
from ..ops import index as I
from ..ops import shape as S
from ..tensor import Tensor
from ._common import broadcast_error, wrap_dim

sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])

_BASIC = (int, slice, type(None), type(Ellipsis))


def _index_item(item: Any) -> Any:
    if isinstance(item, Tensor):
        arr = item._data
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    if isinstance(item, (bool, np.bool_)):
        return np.asarray(item)
    if isinstance(item, np.integer):
        return int(item)
    if isinstance(item, (list, tuple)):
        if any(isinstance(v, Tensor) for v in item):
            item = [v._data if isinstance(v, Tensor) else v for v in item]
        arr = np.asarray(item)
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr if arr.size or arr.dtype.kind != "f" else arr.astype(np.int64)
    if isinstance(item, np.ndarray):
        return item
    if isinstance(item, slice):
        if item.step is not None and int(item.step) <= 0:
            raise ValueError("step must be greater than zero")
        return item
    if isinstance(item, _BASIC):
        return item
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
        f"valid indices (got {type(item).__name__})"
    )


def normalize_index(index: Any, shape: tuple) -> tuple[tuple, bool]:
    """The index as a tuple NumPy understands, and whether it is advanced (copying)."""
    if not isinstance(index, tuple):
        index = (index,)
    items = tuple(_index_item(i) for i in index)
    advanced = any(isinstance(i, np.ndarray) for i in items)
    if advanced:  # boolean masks -> integer arrays, so np.add.at can scatter gradients
        out = []
        dim = 0  # the dim of the indexed tensor the next item applies to
        rest = len(shape) - sum(_consumed(i) for i in items)  # the dims `...` stands for
        for i in items:
            if isinstance(i, np.ndarray) and i.dtype == np.bool_ and i.ndim:
                expected = shape[dim:dim + i.ndim]
                if i.shape != tuple(expected):
                    raise IndexError(
                        f"The shape of the mask {list(i.shape)} at index {dim} does not match "
                        f"the shape of the indexed tensor {list(shape)}"
                    )
                out.extend(np.nonzero(i))
            else:
                out.append(i)
            dim += rest if i is Ellipsis else _consumed(i)
        items = tuple(out)
    return items, advanced


def _consumed(item: Any) -> int:
    """How many dims of the indexed tensor an index item uses up (``...`` is counted apart)."""
    if item is None or item is Ellipsis:
        return 0
    if isinstance(item, np.ndarray) and item.dtype == np.bool_:
        return item.ndim
    return 1


def _bounds_error(e: IndexError, shape: tuple) -> IndexError:
    msg = str(e).replace("axis", "dimension")
    return IndexError(f"{msg} (indexing a tensor of shape {list(shape)})")


def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]``: a view for ints/slices/None/..., a copy for tensors and masks."""
    shape = input._data.shape
    items, advanced = normalize_index(index, shape)
    try:
        if advanced:
            return run(I.Index(items), input)
        node = S.Slice(items)
        node._name = _basic_index_name(index, items, shape)
        return run(node, input)
    except IndexError as e:
        raise _bounds_error(e, shape) from None


def _basic_index_name(index: Any, items: tuple, shape: tuple) -> str:
    """The ``grad_fn`` name PyTorch gives ``input[index]`` (ints, slices, None, ...).

    PyTorch applies the items one at a time — an int is a ``select``, a slice a ``slice``,
    None an ``unsqueeze`` — and the result's grad_fn is the last one applied. In a tuple
    index, slices that cover the whole dim are skipped (nothing left: an ``alias``); a lone
    slice ``x[a:b]`` is always a ``slice``.
    """
    if not isinstance(index, tuple):
        item = items[0]
        if item is Ellipsis:
            return "AliasBackward0"
        if item is None:
            return "UnsqueezeBackward0"
        return "SliceBackward0" if isinstance(item, slice) else "SelectBackward0"
    name = "AliasBackward0"
    rest = len(shape) - sum(_consumed(i) for i in items)
    dim = 0
    for item in items:
        if item is Ellipsis:
            dim += rest
            continue
        if item is None:
            name = "UnsqueezeBackward0"
            continue
        if isinstance(item, slice):
            start, stop, step = item.start, item.stop, item.step
            full = (start in (None, 0) and step in (None, 1)
                    and (stop is None or dim < len(shape) and stop >= shape[dim]))
            if not full:
                name = "SliceBackward0"
        else:
            name = "SelectBackward0"
        dim += 1
    return name


def setitem(input: Tensor, index: Any, value: Any) -> None:
    """``input[index] = value`` (in place; recorded in the graph when needed)."""
    from .inplace import _needs_rebase, _rebase

    shape = input._data.shape
    items, _ = normalize_index(index, shape)
    if isinstance(value, Tensor):
        v = value
    else:
        v = Tensor._wrap(np.asarray(value, dtype=input._data.dtype))
    if _needs_rebase(input, v):
        _rebase(input, lambda x: run_on(I.IndexPut(items), (x, v),
                                        [x._data, v._data.astype(x._data.dtype, copy=False)]))
        return
    try:
        input._data[items] = v._data
    except IndexError as e:
        raise _bounds_error(e, shape) from None
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to "
                "a single memory location (an expanded tensor). Please clone() the tensor before "
                "performing the operation."
            ) from None
        if "broadcast" in str(e) or "shape" in str(e):
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to "
                f"indexing result of shape {list(np.empty(shape)[items].shape)}"
            ) from None
        raise
    input._vc[0] += 1


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, ``input`` elsewhere (mask broadcasts)."""
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    try:
        np.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        raise broadcast_error(input._data.shape, m.shape) from None
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        v = value
    else:
        v = Tensor._wrap(np.asarray(value, dtype=input._data.dtype))
    node = I.MaskedFill(m)
    if isinstance(value, Tensor):
        node._name = "MaskedFillBackward1"  # masked_fill(mask, Tensor value)
    return run_on(node, (input, v), [input._data, v._data.astype(input._data.dtype)])


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    return run(I.MaskedSelect(mask._data), input)


def _index_array(index: Tensor, fn: str) -> np.ndarray:
    arr = index._data if isinstance(index, Tensor) else np.asarray(index)
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"{fn}(): Expected dtype int64 for index (got {arr.dtype})")
    return arr


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries at ``index`` along ``dim``."""
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"index out of range in self: index {bad} for dimension {d} of size {n}")
    return run(I.IndexSelect(d, idx.reshape(-1)), input)


def _check_gather_index(input: Tensor, d: int, idx: np.ndarray, fn: str) -> None:
    if idx.ndim != input._data.ndim:
        raise RuntimeError(
            f"Index tensor must have the same number of dimensions as input tensor "
            f"({fn}: index {list(idx.shape)} vs input {list(input.shape)})"
        )
    for k, (a, b) in enumerate(zip(idx.shape, input._data.shape)):
        if k != d and a > b:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(idx.shape)} to be "
                f"smaller than self {list(input.shape)} apart from dimension {d}"
            )
    n = input._data.shape[d]
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """out[i][j][k] = input[i][index[i][j][k]][k] (for dim = 1)."""
    idx = _index_array(index, "gather")
    d = wrap_dim(dim, input._data.ndim)
    _check_gather_index(input, d, idx, "gather")
    return run(I.Gather(d, idx), input)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of input with src added at the index positions (repeats accumulate)."""
    idx = _index_array(index, "scatter_add")
    d = wrap_dim(dim, input._data.ndim)
    _check_gather_index(input, d, idx, "scatter_add")
    return run(I.ScatterAdd(d, idx), input, src)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of input with src (or ``value``) written at the index positions."""
    if reduce is not None:
        if reduce == "add":
            return scatter_add(input, dim, index, src if src is not None else _full_like(index, value, input))
        raise NotImplementedError(f"scatter(reduce='{reduce}') is not supported")
    if src is None:
        src = value
    idx = _index_array(index, "scatter")
    d = wrap_dim(dim, input._data.ndim)
    _check_gather_index(input, d, idx, "scatter")
    s = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src, dtype=input._data.dtype))
    node = I.Scatter(d, idx)
    if not isinstance(src, Tensor):
        node._name = "ScatterBackward1"  # scatter(dim, index, Scalar value)
    return run_on(node, (input, s), [input._data, s._data.astype(input._data.dtype)])


def _full_like(index: Tensor, value: Any, like: Tensor) -> Tensor:
    return Tensor._wrap(np.full(index._data.shape, value, dtype=like._data.dtype))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Pick values along ``dim`` at ``indices`` (broadcasting the other dims)."""
    idx = _index_array(indices, "take_along_dim")
    if dim is None:
        from .shape import reshape

        return run(I.TakeAlong(0, idx.reshape(-1)), reshape(input, (-1,)))
    d = wrap_dim(dim, input._data.ndim)
    if idx.ndim != input._data.ndim:
        raise RuntimeError(
            f"torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {idx.ndim} dimensions "
            "for indices"
        )
    return run(I.TakeAlong(d, idx), input)


def take(input: Tensor, index: Tensor) -> Tensor:
    from .shape import reshape

    out = getitem(reshape(input, (-1,)), index)
    if out.grad_fn is not None:
        out.grad_fn._name = "TakeBackward0"
    return out


def _sort_indices(arr: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """A stable argsort along ``axis``. NaN counts as the largest value (as PyTorch): last when
    ascending, first when descending."""
    if not descending:
        return np.argsort(arr, axis=axis, kind="stable")
    if arr.dtype.kind != "f":  # ~x reverses the order of bools and of (un)signed ints, no overflow
        return np.argsort(~arr, axis=axis, kind="stable")
    return np.lexsort((-arr, ~np.isnan(arr)), axis=axis)  # NaN first, then by decreasing value


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> tuple:
    """(values, indices) sorted along ``dim``; the values carry the gradient."""
    if input._data.ndim == 0:
        return sort_result(run(S.Reshape(()), input), Tensor._wrap(np.zeros((), np.int64)))
    d = wrap_dim(dim, input._data.ndim)
    idx = _sort_indices(input._data, d, descending)
    values = run(I.SortValues(d, idx), input)
    return sort_result(values, Tensor._wrap(idx.astype(np.int64, copy=False)))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    if input._data.ndim == 0:
        return Tensor._wrap(np.zeros((), np.int64))
    d = wrap_dim(dim, input._data.ndim)
    return Tensor._wrap(_sort_indices(input._data, d, descending).astype(np.int64, copy=False))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> tuple:  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range (k={k}, dimension size {n})")
    idx = _sort_indices(input._data, d, largest)
    idx = np.take(idx, np.arange(k), axis=d)
    node = I.TakeAlong(d, idx)
    node._name = "TopkBackward0"
    values = run(node, input)
    return topk_result(values, Tensor._wrap(idx.astype(np.int64, copy=False)))


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values (sorted), optionally with inverse indices and counts."""
    res = np.unique(input._data, return_inverse=return_inverse, return_counts=return_counts,
                    axis=dim)
    if not (return_inverse or return_counts):
        return Tensor._wrap(res)
    out = [Tensor._wrap(res[0])]
    k = 1
    if return_inverse:
        out.append(Tensor._wrap(res[k].reshape(input._data.shape if dim is None else -1).astype(np.int64)))
        k += 1
    if return_counts:
        out.append(Tensor._wrap(res[k].astype(np.int64)))
    return tuple(out)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of the non-zero entries: an (n, ndim) tensor, or one tensor per dim.

    A 0-d input has no dims: (1, 0) or (0, 0) indices, and as a tuple the indices of its
    one-element view.
    """
    if input._data.ndim == 0 and not as_tuple:
        return Tensor._wrap(np.zeros((int(input._data != 0), 0), np.int64))
    idx = np.nonzero(input._data) if input._data.ndim else np.nonzero(input._data.reshape(1))
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in idx)
    return Tensor._wrap(np.stack(idx, axis=1).astype(np.int64) if idx else np.zeros((0, 0), np.int64))


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices → rows of zeros with a 1 at the index (int64), one more trailing dim."""
    arr = tensor._data
    if arr.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(arr.max()) + 1 if arr.size else 0
        if not arr.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise RuntimeError(
            f"Class values must be smaller than num_classes ({num_classes}) and non-negative "
            f"(got values from {int(arr.min())} to {int(arr.max())})"
        )
    out = np.zeros(arr.shape + (num_classes,), np.int64)
    np.put_along_axis(out, arr[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._wrap(out)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    w = None if weights is None else weights._data
    out = np.bincount(input._data, weights=w, minlength=minlength)
    return Tensor._wrap(out if w is not None else out.astype(np.int64))


def searchsorted(sorted_sequence: Tensor, values: Any, *, right: bool = False) -> Tensor:
    v = values._data if isinstance(values, Tensor) else np.asarray(values)
    side = "right" if right else "left"
    return Tensor._wrap(np.asarray(np.searchsorted(sorted_sequence._data, v, side=side), np.int64))


def bucketize(input: Tensor, boundaries: Tensor, *, right: bool = False) -> Tensor:
    side = "left" if not right else "right"
    return Tensor._wrap(np.asarray(np.searchsorted(boundaries._data, input._data, side=side), np.int64))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> tuple:
    vals, idx = sort(input, dim)
    d = wrap_dim(dim, input._data.ndim)
    from .shape import narrow, squeeze

    v = narrow(vals, d, k - 1, 1)
    i = Tensor._wrap(np.take(idx._data, [k - 1], axis=d))
    if not keepdim:
        v, i = squeeze(v, d), Tensor._wrap(np.squeeze(i._data, d))
    if v.grad_fn is not None:
        v.grad_fn._name = "KthvalueBackward0"
    return sort_result(v, i)
