"""Collation: turning a list of samples into one batch, as ``torch.utils.data.default_collate``.

The rule is applied recursively, by the type of the first sample:

* Tensor → the samples stacked along a new first dimension (same dtype; mixed dtypes
  promote as ``torch.stack`` does); unequal shapes raise ``RuntimeError`` naming them;
* NumPy array → converted to tensors and stacked; NumPy scalar → 1-D tensor of its dtype;
* Python ``float`` → float64 tensor, ``int`` → int64 tensor, ``bool`` → bool tensor;
* ``str`` / ``bytes`` → left as they are (the list, or the tuple of a transposed position);
* dict → a dict of collated values per key; namedtuple → the same namedtuple of collated
  fields; tuple → a *list* with one collated entry per position (PyTorch's choice);
  list → a list per position.

Batched tensors never require grad: collation builds new arrays, outside the graph.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtype
from ..api.creation import as_tensor, tensor
from ..tensor import Tensor

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)

CollateFnMap = dict[type | tuple[type, ...], Callable[..., Any]]


def _stack_dtype(dtypes: list[np.dtype]) -> np.dtype:
    """The dtype ``torch.stack`` gives mixed inputs: the highest kind wins (bool < int < float),
    and within it the widest type (int64 + float32 → float32, as PyTorch, not NumPy's float64)."""
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}
    top = max(rank[d.kind] for d in dtypes)
    out: np.dtype | None = None
    for d in dtypes:
        if rank[d.kind] == top:
            out = d if out is None else np.promote_types(out, d)
    return out  # type: ignore[return-value]


def _stack_arrays(arrays: list[np.ndarray]) -> Tensor:
    """``torch.stack(batch, 0)`` on raw arrays, with PyTorch's error for unequal shapes."""
    shape0 = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape0:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape0)} at entry 0 and "
                f"{list(a.shape)} at entry {i}"
            )
    dtypes = {a.dtype for a in arrays}
    out = np.stack(arrays) if len(dtypes) == 1 else np.stack(arrays).astype(_stack_dtype(list(dtypes)))
    return Tensor._wrap(out)


def collate_tensor_fn(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Stack tensors along a new first dimension (a new array: no autograd history)."""
    return _stack_arrays([t._data for t in batch])


def collate_numpy_array_fn(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """NumPy arrays become tensors (their dtype kept), then are collated as tensors."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """NumPy scalars become a 1-D tensor of their dtype (``np.float32`` → float32, ...)."""
    arr = np.asarray(batch)
    _dtype.from_numpy_dtype(arr.dtype)  # rejects unsupported types clearly
    return Tensor._wrap(arr)


def collate_float_fn(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Python floats → a float64 tensor (PyTorch's default_collate does not use the default dtype)."""
    return Tensor._wrap(np.array(list(batch), dtype=np.float64))  # exact: no float32 detour


def collate_int_fn(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Python ints → int64 tensor; bools (a subclass of int) → bool tensor."""
    return tensor(list(batch))


def collate_str_fn(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """Strings and bytes are not batched: the batch is returned as it is."""
    return batch


default_collate_fn_map: CollateFnMap = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """Collate ``batch`` (a sequence of samples) by the type of its first element.

    ``collate_fn_map`` maps element types to functions ``f(batch, *, collate_fn_map)``; the
    exact type is looked up first, then each key in order with ``isinstance``. Containers
    (mappings, namedtuples, sequences) are collated recursively, position by position.
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        values = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(values)
                return clone
            return elem_type(values)
        except TypeError:  # the mapping type cannot be rebuilt from a dict
            return values
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            sizes = [len(e) for e in batch]
            raise RuntimeError(f"each element in list of batch should be of equal size (got sizes {sizes})")
        transposed = list(zip(*batch))
        collated = [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        if isinstance(elem, tuple):
            return collated  # a list, for backwards compatibility (as PyTorch)
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, c in enumerate(collated):
                    clone[i] = c
                return clone
            return elem_type(collated)
        except TypeError:  # the sequence type cannot be rebuilt from a list
            return collated
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def default_collate(batch: Any) -> Any:
    """Put a list of samples into one batch with an outer batch dimension (see the module doc).

    >>> default_collate([0, 1, 2, 3])            # tensor([0, 1, 2, 3])
    >>> default_collate([(0, 1.0), (2, 3.0)])    # [tensor([0, 2]), tensor([1., 3.], float64)]
    >>> default_collate([{"a": 0}, {"a": 100}])  # {'a': tensor([  0, 100])}
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data: Any) -> Any:
    """Convert NumPy arrays/scalars in ``data`` to tensors, keeping the structure (no batching).

    The DataLoader's collate function when automatic batching is off (``batch_size=None``):
    tensors and Python numbers are left as they are, tuples become lists (as PyTorch).
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        values = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(values)
                return clone
            return elem_type(values)
        except TypeError:
            return values
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # a list, for backwards compatibility (as PyTorch)
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, c in enumerate(converted):
                    clone[i] = c
                return clone
            return elem_type(converted)
        except TypeError:
            return converted
    return data
