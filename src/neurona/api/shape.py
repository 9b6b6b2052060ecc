"""Shape and layout functions on tensors (views where PyTorch gives views)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtype
from ..autograd.function import run, run_on
from ..ops import shape as S
from ..ops import unary as U
from ..tensor import Tensor
from ._common import check_tensor, shape_arg, varargs, wrap_dim


def _infer_shape(shape: tuple, numel: int, fn: str = "shape") -> tuple:
    """Resolve a single -1 and check the element count, with PyTorch's error."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input: Tensor, *args: Any, shape: Any = None) -> Tensor:
    """Same elements in a new shape (one dim may be -1); a view when the memory allows."""
    shape = _infer_shape(shape_arg(varargs(args, shape, "shape", "reshape")), input._data.size)
    if shape == input._data.shape:
        return run(S.Reshape(shape), input)
    return run(S.Reshape(shape), input)


def view(input: Tensor, *args: Any, size: Any = None, dtype: Any = None) -> Tensor:
    """A view with a new shape; fails (as PyTorch) when the strides don't allow one."""
    shape = varargs(args, size if dtype is None else dtype, "size", "view")
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, np.integer)):
        d = _dtype.as_dtype(shape[0])  # view(dtype): reinterpret the bytes
        return Tensor._wrap(input._data.view(d.np))
    shape = _infer_shape(shape_arg(shape), input._data.size)
    try:
        np.reshape(input._data, shape, copy=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return run(S.Reshape(shape), input)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one."""
    shp = input._data.shape
    if not shp:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, len(shp)), wrap_dim(end_dim, len(shp))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    merged = math.prod(shp[s:e + 1])
    return reshape(input, shp[:s] + (merged,) + shp[e + 1:])


def unflatten(input: Tensor, dim: int, sizes: Any) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one may be -1)."""
    shp = input._data.shape
    d = wrap_dim(dim, len(shp))
    sizes = tuple(int(s) for s in sizes)
    try:
        sizes = _infer_shape(sizes, shp[d])
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({shp[d]}) in the input tensor"
        ) from None
    return reshape(input, shp[:d] + sizes + shp[d + 1:])


def squeeze(input: Tensor, *args: Any, dim: Any = None) -> Tensor:
    """Remove dims of size 1 (all, or those in ``dim`` that have size 1).

    ``x.squeeze(0, 1)`` means dims (0, 1), as PyTorch's method.
    """
    if args:
        dim = varargs(args, dim, "dim", "squeeze")
        dim = dim[0] if len(dim) == 1 else dim
    shp = input._data.shape
    if dim is None:
        axes = [i for i, s in enumerate(shp) if s == 1]
    else:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        axes = [wrap_dim(d, len(shp)) for d in dims]
        axes = [a for a in axes if len(shp) and shp[a] == 1]
    node = S.Reshape(tuple(s for i, s in enumerate(shp) if i not in axes))
    # PyTorch's three overloads: squeeze(), squeeze(int), squeeze(tuple of ints)
    node._name = ("SqueezeBackward0" if dim is None else
                  "SqueezeBackward1" if isinstance(dim, (int, np.integer)) else "SqueezeBackward2")
    return run(node, input)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim`` (negative counts from the end of the result)."""
    shp = input._data.shape
    d = wrap_dim(dim, len(shp) + 1)
    node = S.Reshape(shp[:d] + (1,) + shp[d:])
    node._name = "UnsqueezeBackward0"
    return run(node, input)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    n = input._data.ndim
    if n == 0:
        return run(S.Reshape(()), input)
    a, b = wrap_dim(dim0, n), wrap_dim(dim1, n)
    perm = list(range(n))
    perm[a], perm[b] = perm[b], perm[a]
    node = S.Permute(tuple(perm))
    node._name = "TransposeBackward0"
    return run(node, input)


swapaxes = swapdims = transpose


def permute(input: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """Reorder dims (a view): ``out.shape[i] == input.shape[dims[i]]``."""
    n = input._data.ndim
    dims = varargs(args, dims, "dims", "permute")
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    if len(dims) != n:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    perm = tuple(wrap_dim(d, n) for d in dims)
    if len(set(perm)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return run(S.Permute(perm), input)


def t(input: Tensor) -> Tensor:
    """Transpose a matrix (0-D and 1-D tensors are returned as is)."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    if input._data.ndim < 2:
        node = S.Reshape(input._data.shape)
    else:
        node = S.Permute((1, 0))
    node._name = "TBackward0"
    return run(node, input)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    n = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [wrap_dim(s, n) for s in src]
    dst = [wrap_dim(d, n) for d in dst]
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


def _T(input: Tensor) -> Tensor:  # noqa: N802
    return permute(input, tuple(range(input._data.ndim - 1, -1, -1)))


def _mT(input: Tensor) -> Tensor:  # noqa: N802
    if input._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {input.ndim}-D tensor.")
    return transpose(input, -2, -1)


def expand(input: Tensor, *args: Any, size: Any = None, implicit: bool = False) -> Tensor:
    """Broadcast to ``sizes`` without copying (-1 keeps a dim)."""
    sizes = shape_arg(varargs(args, size, "size", "expand"))
    shp = input._data.shape
    if len(sizes) < len(shp):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shp)})"
        )
    lead = len(sizes) - len(shp)
    out = []
    for i, s in enumerate(sizes):
        cur = shp[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = cur
        if cur is not None and cur != 1 and cur != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shp)}"
            )
        out.append(s)
    return run(S.Expand(tuple(out)), input)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, *args: Any, size: Any = None) -> Tensor:
    return expand(input, *varargs(args, size, "size", "broadcast_to"))


def broadcast_tensors(*tensors: Tensor) -> tuple:
    from ._common import broadcast_shapes

    shape = broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def repeat(input: Tensor, *args: Any, repeats: Any = None) -> Tensor:
    """Tile the tensor: ``sizes[i]`` copies along dim i (may add leading dims)."""
    reps = shape_arg(varargs(args, repeats, "repeats", "repeat"))
    if len(reps) < input._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    return run(S.Repeat(reps), input)


def tile(input: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """Repeat the tensor ``dims[i]`` times along dim i (missing leading entries are 1)."""
    reps = shape_arg(varargs(args, dims, "dims", "tile"))
    reps = (1,) * (input._data.ndim - len(reps)) + reps
    return repeat(input, reps)


def _tensor_list(tensors: Any, fn: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fn}(): argument 'tensors' must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{fn}(): expected a non-empty list of Tensors")
    for t in tensors:
        check_tensor(t, fn, "tensors")
    return tensors


def _common_arrays(tensors: list) -> list:
    d = _dtype.result_type(*tensors) if len({t._data.dtype for t in tensors}) > 1 else None
    return [t._data if d is None else t._data.astype(d.np, copy=False) for t in tensors]


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors along an existing dim (shapes must match elsewhere)."""
    tensors = _tensor_list(tensors, "cat")
    ref = next((t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)), tensors[0])
    n = ref._data.ndim
    if n == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, n)
    for i, t in enumerate(tensors):
        if t.ndim == 1 and t.shape[0] == 0:
            continue
        if t._data.ndim != n:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {n} and {t._data.ndim}"
            )
        for k in range(n):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref._data.shape[k]} but got size {t._data.shape[k]} for tensor number {i} "
                    "in the list."
                )
    return run_on(S.Cat(d), tuple(tensors), _common_arrays(tensors))


concat = concatenate = cat


def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Join equal-shaped tensors along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    shp = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shp:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shp)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}"
            )
    d = wrap_dim(dim, len(shp) + 1)
    return run_on(S.Stack(d), tuple(tensors), _common_arrays(tensors))


def hstack(tensors: Any) -> Tensor:
    tensors = _tensor_list(tensors, "hstack")
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    tensors = [t if t.ndim >= 2 else reshape(t, (1, -1)) for t in _tensor_list(tensors, "vstack")]
    return cat(tensors, 0)


row_stack = vstack


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start+length`` along ``dim`` (a view)."""
    n = input._data.ndim
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    start = int(start)
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({size})."
        )
    index = (slice(None),) * d + (slice(start, start + length),)
    return run(S.Slice(index), input)


def _pieces(input: Tensor, d: int, sizes: list, name: str) -> tuple:
    """Consecutive slices of the given sizes along dim ``d`` (views), named as PyTorch's op."""
    out = []
    start = 0
    pre = (slice(None),) * d
    for s in sizes:
        node = S.Slice(pre + (slice(start, start + s),))
        node._name = name
        out.append(run(node, input))
        start += s
    return tuple(out)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dim removed (a view): ``x.select(0, i)``
    is ``x[i]``."""
    n = input._data.ndim
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    i = int(index)
    if not -size <= i < size:
        raise IndexError(
            f"select(): index {i} out of range for tensor of size {list(input.shape)} at "
            f"dimension {d}"
        )
    node = S.Slice((slice(None),) * d + (i,))
    node._name = "SelectBackward0"
    return run(node, input)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of given sizes."""
    d = wrap_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0 and size > 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got {size}")
        sizes = [min(step, size - s) for s in range(0, size, step)] if size else [0]
        name = "SplitBackward0"
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}"
            )
        name = "SplitWithSizesBackward0"
    return _pieces(tensor, d, sizes, name)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple:
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
    else:
        bounds = [0] + [min(max(int(i), 0), size) for i in indices_or_sections] + [size]
        sizes = [max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
    return _pieces(input, d, sizes, "SliceBackward0")


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of equal size (the last may be smaller); an empty ``dim`` gives
    ``chunks`` empty pieces, as PyTorch."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = input._data.shape[wrap_dim(dim, input._data.ndim)]
    if size == 0:
        return split(input, [0] * chunks, dim)
    step = -(-size // chunks)
    return split(input, int(step), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, with that dim removed (views)."""
    d = wrap_dim(dim, input._data.ndim)
    pre = (slice(None),) * d
    out = []
    for i in range(input._data.shape[d]):
        node = S.Slice(pre + (i,))
        node._name = "UnbindBackward0"
        out.append(run(node, input))
    return tuple(out)


def flip(input: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy): ``x.flip(0, 1)`` or
    ``flip(x, (0, 1))``."""
    dims = varargs(args, dims, "dims", "flip")
    if len(dims) == 1:
        dims = dims[0]
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    axes = tuple(wrap_dim(d, input._data.ndim) for d in dims)
    return run(S.Flip(axes), input)


def fliplr(input: Tensor) -> Tensor:
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    return flip(input, (0,))


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements cyclically along ``dims`` (the flattened tensor if None)."""
    if dims is None:  # roll the flattened elements (np.roll does this for axis=None)
        return run(S.Roll(int(_int(shifts)), None), input)
    shifts_t = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims_t = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts_t)}, dims:{len(dims_t)}"
        )
    axes = tuple(wrap_dim(d, input._data.ndim) for d in dims_t)
    return run(S.Roll(tuple(int(s) for s in shifts_t), axes), input)


def _int(x: Any) -> int:
    if isinstance(x, (tuple, list)):
        if len(x) != 1:
            raise RuntimeError("roll: several shifts need the same number of dims")
        return int(x[0])
    return int(x)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zero everything above the ``diagonal``-th diagonal of the last two dims."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return run(S.Triangle(False, diagonal), input)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zero everything below the ``diagonal``-th diagonal of the last two dims."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return run(S.Triangle(True, diagonal), input)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes, as the last dim (a view)."""
    n = input._data.ndim
    a, b = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return run(S.Diagonal(offset, a, b), input)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D input becomes a diagonal matrix; a 2-D input gives its diagonal."""
    if input._data.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    if input._data.ndim != 1:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")
    from .linalg import einsum

    n = input._data.shape[0]
    eye = Tensor._wrap(np.eye(n + abs(diagonal), k=diagonal, dtype=input._data.dtype))
    idx = np.arange(n)
    rows = idx if diagonal >= 0 else idx - diagonal
    cols = idx + diagonal if diagonal >= 0 else idx
    sel = np.zeros((n, n + abs(diagonal), n + abs(diagonal)), input._data.dtype)
    sel[idx, rows, cols] = 1
    del eye
    out = einsum("i,ijk->jk", input, Tensor._wrap(sel))
    if out.grad_fn is not None:
        out.grad_fn._name = "DiagEmbedBackward0"
    return out


def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:
    """``input`` itself if C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return run(S.Contiguous(), input)


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy that stays in the graph (its gradient flows back to ``input``)."""
    return run(U.Identity(), input)


def detach(input: Tensor) -> Tensor:
    """The same memory, outside the graph (shares the version counter)."""
    out = Tensor._wrap(input._data)
    out._vc = input._vc
    return out


def detach_(input: Tensor) -> Tensor:
    if input._base is not None and input.grad_fn is not None:
        raise RuntimeError("Can't detach views in-place. Use detach() instead.")
    input.grad_fn = None
    input._requires_grad = False
    return input


def as_strided(input: Tensor, size: Any, stride: Any, storage_offset: int = 0) -> Tensor:
    return run(S.AsStrided(tuple(size), tuple(stride), int(storage_offset)), input)


def atleast_1d(input: Tensor) -> Tensor:
    return reshape(input, (1,)) if input._data.ndim == 0 else input


def atleast_2d(input: Tensor) -> Tensor:
    nd = input._data.ndim
    if nd == 1:
        return unsqueeze(input, 0)
    return reshape(input, (1,) * (2 - nd) + input._data.shape) if nd < 2 else input


def meshgrid(*tensors: Tensor, indexing: str = "ij") -> tuple:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    n = len(tensors)
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}"
        )
    shape = [t._data.size for t in tensors]
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(tensors):
        view_shape = [1] * n
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        view_shape[pos] = t._data.size
        out.append(expand(reshape(t, view_shape), shape))
    return tuple(out)


def repeat_interleave(input: Tensor, repeats: Any, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (the flattened tensor if None)."""
    from .indexing import index_select

    if dim is None:
        input, dim = flatten(input), 0
    d = wrap_dim(dim, input._data.ndim)
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    idx = np.repeat(np.arange(input._data.shape[d]), reps)
    return index_select(input, d, Tensor._wrap(idx.astype(np.int64)))
