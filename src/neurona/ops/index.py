"""Indexing ops: advanced indexing, index_put, gather/scatter, masked_fill, sort.

A gather-like forward (``out = x[idx]``) has a scatter-add backward
(``gx = zeros; gx[idx] += g``): an element picked k times receives k contributions, which
is why repeated indices must accumulate (``np.add.at``) rather than overwrite.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


class Index(Node):
    """out = x[index] with at least one integer array (a copy);  backward: scatter-add."""

    _name = "IndexBackward0"

    def __init__(self, index: tuple) -> None:
        self.index = index

    def forward(self, x):
        self.in_shape = x.shape
        return x[self.index]

    def backward(self, g):
        out = np.zeros(self.in_shape, g.dtype)
        np.add.at(out, self.index, g)
        return out


class IndexPut(Node):
    """out = x with out[index] = v;  ∂/∂x: g with the written places zeroed, ∂/∂v: g[index]."""

    _name = "IndexPutBackward0"

    def __init__(self, index: tuple) -> None:
        self.index = index

    def forward(self, x, v):
        out = x.copy()
        out[self.index] = v
        return out

    def backward(self, g):
        gx = None
        if self.needs_input_grad[0]:
            gx = g.copy()
            gx[self.index] = 0
        gv = g[self.index] if self.needs_input_grad[1] else None
        return gx, gv


class MaskedFill(Node):
    """out = value where mask else x;  ∂/∂x = g·¬mask,  ∂/∂value = Σ g·mask."""

    _name = "MaskedFillBackward0"

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def forward(self, x, value):
        return np.where(self.mask, value, x)

    def backward(self, g):
        zero = np.zeros((), g.dtype)
        gx = np.where(self.mask, zero, g) if self.needs_input_grad[0] else None
        gv = None
        if self.needs_input_grad[1]:
            gv = np.sum(np.where(self.mask, g, zero))
        return gx, gv


class IndexSelect(Node):
    """out = x.take(idx, axis);  backward: add g back at idx along axis."""

    _name = "IndexSelectBackward0"

    def __init__(self, axis: int, idx: np.ndarray) -> None:
        self.axis, self.idx = axis, idx

    def forward(self, x):
        self.in_shape = x.shape
        return np.take(x, self.idx, axis=self.axis)

    def backward(self, g):
        out = np.zeros(self.in_shape, g.dtype)
        np.add.at(out, (slice(None),) * self.axis + (self.idx,), g)
        return out


def scatter_index(idx: np.ndarray, axis: int) -> tuple:
    """The full index tuple addressing, for every entry of ``idx``, position ``idx`` on
    ``axis`` and its own position on the other axes (PyTorch's gather/scatter addressing)."""
    grids = list(np.indices(idx.shape, sparse=True))
    grids[axis] = idx
    return tuple(grids)


class Gather(Node):
    """out[i][j][k] = x[i][idx[i][j][k]][k] (for axis 1);  backward: scatter-add."""

    _name = "GatherBackward0"

    def __init__(self, axis: int, idx: np.ndarray) -> None:
        self.axis, self.idx = axis, idx

    def forward(self, x):
        self.in_shape = x.shape
        self.full = scatter_index(self.idx, self.axis)
        return x[self.full]

    def backward(self, g):
        out = np.zeros(self.in_shape, g.dtype)
        np.add.at(out, self.full, g)
        return out


class ScatterAdd(Node):
    """out = x; out[idx-addressed] += src;  ∂/∂x = g,  ∂/∂src = gather(g, idx)."""

    _name = "ScatterAddBackward0"

    def __init__(self, axis: int, idx: np.ndarray) -> None:
        self.axis, self.idx = axis, idx

    def forward(self, x, src):
        self.src_shape = src.shape
        self.full = scatter_index(self.idx, self.axis)
        out = x.copy()
        np.add.at(out, self.full, src[tuple(slice(0, n) for n in self.idx.shape)])
        return out

    def backward(self, g):
        gsrc = None
        if self.needs_input_grad[1]:
            gsrc = np.zeros(self.src_shape, g.dtype)
            gsrc[tuple(slice(0, n) for n in self.idx.shape)] = g[self.full]
        return g, gsrc


class Scatter(Node):
    """out = x; out[idx-addressed] = src;  ∂/∂x = g with written places zeroed,
    ∂/∂src = gather(g, idx)."""

    _name = "ScatterBackward0"

    def __init__(self, axis: int, idx: np.ndarray) -> None:
        self.axis, self.idx = axis, idx

    def forward(self, x, src):
        self.src_shape = src.shape
        self.full = scatter_index(self.idx, self.axis)
        out = x.copy()
        out[self.full] = src[tuple(slice(0, n) for n in self.idx.shape)] if src.ndim else src
        return out

    def backward(self, g):
        gx = g.copy()
        gx[self.full] = 0
        gsrc = None
        if self.needs_input_grad[1]:
            if len(self.src_shape) == 0:
                gsrc = np.sum(g[self.full])
            else:
                gsrc = np.zeros(self.src_shape, g.dtype)
                gsrc[tuple(slice(0, n) for n in self.idx.shape)] = g[self.full]
        return gx, gsrc


class TakeAlong(Node):
    """out = take_along_axis(x, idx, axis) (idx broadcasts);  backward: scatter-add."""

    _name = "GatherBackward0"  # take_along_dim is a gather in PyTorch

    def __init__(self, axis: int, idx: np.ndarray) -> None:
        self.axis, self.idx = axis, idx

    def forward(self, x):
        self.in_shape = x.shape
        shape = list(np.broadcast_shapes(
            x.shape[:self.axis] + (1,) + x.shape[self.axis + 1:],
            self.idx.shape[:self.axis] + (1,) + self.idx.shape[self.axis + 1:],
        ))
        shape[self.axis] = self.idx.shape[self.axis]
        self.idx_b = np.broadcast_to(self.idx, shape)
        xshape = list(shape)
        xshape[self.axis] = x.shape[self.axis]
        self.x_shape_b = tuple(xshape)
        return np.take_along_axis(np.broadcast_to(x, xshape), self.idx_b, self.axis)

    def backward(self, g):
        out = np.zeros(self.x_shape_b, g.dtype)
        np.add.at(out, scatter_index(self.idx_b, self.axis), g)
        return out  # the engine sums the broadcast axes back to x's shape


class SortValues(Node):
    """Sorted values along an axis;  backward: each gradient goes back to where its value
    came from (the indices are a permutation)."""

    _name = "SortBackward0"

    def __init__(self, axis: int, idx: np.ndarray) -> None:
        self.axis, self.idx = axis, idx

    def forward(self, x):
        self.in_shape = x.shape
        return np.take_along_axis(x, self.idx, self.axis)

    def backward(self, g):
        out = np.zeros(self.in_shape, g.dtype)
        np.put_along_axis(out, self.idx, g, self.axis)
        return out


class MaskedSelect(Node):
    """out = x[mask] (1-D);  backward: g written back at the mask's places."""

    _name = "MaskedSelectBackward0"

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def forward(self, x):
        self.x_shape = np.broadcast_shapes(x.shape, self.mask.shape)
        self.mask_b = np.broadcast_to(self.mask, self.x_shape)
        return np.broadcast_to(x, self.x_shape)[self.mask_b]

    def backward(self, g):
        out = np.zeros(self.x_shape, g.dtype)
        out[self.mask_b] = g
        return out
