"""Ops that move data around without arithmetic: reshape, permute, expand, cat, stack, ...

Where PyTorch returns a *view* (reshape when possible, transpose, permute, expand,
narrow, diagonal) the op returns a NumPy view of the same memory and sets ``is_view``;
where PyTorch copies (flip, roll, repeat, tril, cat) the op copies too. Each backward
moves the gradient the opposite way.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


class Reshape(Node):
    """Same elements, new shape (a view when memory allows);  backward: reshape back."""

    _name = "ViewBackward0"

    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        out = x.reshape(self.shape)
        # a copy made by reshape can have a .base too (NumPy's temporary): check the memory
        self.is_view = x.size == 0 or np.may_share_memory(out, x)
        if not self.is_view:
            self._name = "UnsafeViewBackward0"  # reshape had to copy
        return out

    def backward(self, g):
        return g.reshape(self.in_shape)


class Permute(Node):
    """Reorder axes (a view);  backward: the inverse permutation."""

    _name = "PermuteBackward0"
    is_view = True

    def __init__(self, perm: tuple) -> None:
        self.perm = perm

    def forward(self, x):
        return np.transpose(x, self.perm)

    def backward(self, g):
        return np.transpose(g, np.argsort(self.perm))


class Expand(Node):
    """Broadcast to a larger shape without copying;  backward: the engine sums the
    gradient over the expanded axes (it is already shaped like the output)."""

    _name = "ExpandBackward0"
    is_view = True

    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, g):
        return g


class Slice(Node):
    """Basic indexing (ints, slices, None, ...): a view;  backward: scatter into zeros."""

    _name = "SliceBackward0"
    is_view = True

    def __init__(self, index: tuple) -> None:
        self.index = index

    def forward(self, x):
        self.in_shape = x.shape
        index = self.index
        if Ellipsis not in index:  # x[0] of a vector: a 0-d view, not a NumPy scalar
            index = index + (Ellipsis,)
        return x[index]

    def backward(self, g):
        out = np.zeros(self.in_shape, g.dtype)
        out[self.index] = g
        return out


class Cat(Node):
    """Concatenate along an axis;  backward: cut the gradient into the inputs' pieces."""

    _name = "CatBackward0"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] if x.ndim else 0 for x in xs]
        self.skip = [x.shape == (0,) and any(y.shape != (0,) for y in xs) for x in xs]  # legacy empties
        return np.concatenate([x for x, s in zip(xs, self.skip) if not s], axis=self.axis)

    def backward(self, g):
        out = []
        start = 0
        for n, skip in zip(self.sizes, self.skip):
            if skip:
                out.append(np.zeros((0,), g.dtype))
                continue
            index = [slice(None)] * g.ndim
            index[self.axis] = slice(start, start + n)
            out.append(g[tuple(index)])
            start += n
        return tuple(out)


class Stack(Node):
    """Stack equal-shaped arrays along a new axis;  backward: take each slice back."""

    _name = "StackBackward0"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        self.n = len(xs)
        return np.stack(xs, axis=self.axis)

    def backward(self, g):
        return tuple(np.take(g, i, axis=self.axis) for i in range(self.n))


class Flip(Node):
    """Reverse the order along axes (a copy, as PyTorch);  backward: flip again."""

    _name = "FlipBackward0"

    def __init__(self, axes: tuple) -> None:
        self.axes = axes

    def forward(self, x):
        return np.flip(x, self.axes).copy()

    def backward(self, g):
        return np.flip(g, self.axes)


class Roll(Node):
    """Shift elements cyclically;  backward: roll back by the opposite shifts."""

    _name = "RollBackward0"

    def __init__(self, shifts, axes) -> None:
        self.shifts, self.axes = shifts, axes

    def forward(self, x):
        return np.roll(x, self.shifts, self.axes)

    def backward(self, g):
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return np.roll(g, neg, self.axes)


class Triangle(Node):
    """Keep the lower (tril) or upper (triu) triangle of the last two axes;  backward: the
    same mask applied to the gradient."""

    def __init__(self, upper: bool, k: int) -> None:
        self.fn = np.triu if upper else np.tril
        self.k = k
        self._name = "TriuBackward0" if upper else "TrilBackward0"

    def forward(self, x):
        return self.fn(x, self.k)

    def backward(self, g):
        return self.fn(g, self.k)


class Diagonal(Node):
    """The diagonal of two axes (a writable view, moved to the last axis);  backward: zeros
    with the gradient written on that diagonal."""

    _name = "DiagonalBackward0"
    is_view = True

    def __init__(self, offset: int, ax1: int, ax2: int) -> None:
        self.offset, self.ax1, self.ax2 = offset, ax1, ax2

    def forward(self, x):
        self.in_shape = x.shape
        return diagonal_view(x, self.offset, self.ax1, self.ax2)

    def backward(self, g):
        out = np.zeros(self.in_shape, g.dtype)
        diagonal_view(out, self.offset, self.ax1, self.ax2)[...] = g
        return out


def diagonal_view(x: np.ndarray, offset: int, ax1: int, ax2: int) -> np.ndarray:
    """A writable strided view of ``x``'s diagonal (NumPy's own is read-only)."""
    rest = [a for a in range(x.ndim) if a not in (ax1, ax2)]
    y = np.transpose(x, rest + [ax1, ax2])
    y = y[..., :, offset:] if offset >= 0 else y[..., -offset:, :]
    n = max(0, min(y.shape[-2], y.shape[-1]))
    return np.lib.stride_tricks.as_strided(
        y, y.shape[:-2] + (n,), y.strides[:-2] + (y.strides[-2] + y.strides[-1],),
        writeable=x.flags.writeable,
    )


class Repeat(Node):
    """Tile the array ``reps`` times along each axis;  backward: sum the tiles."""

    _name = "RepeatBackward0"

    def __init__(self, reps: tuple) -> None:
        self.reps = reps

    def forward(self, x):
        self.in_shape = (1,) * (len(self.reps) - x.ndim) + x.shape
        return np.tile(x, self.reps)

    def backward(self, g):
        split = []
        for r, s in zip(self.reps, self.in_shape):
            split += [r, s]
        g = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return g


class Contiguous(Node):
    """A C-contiguous copy (``contiguous``, ``clone``);  backward: identity."""

    _name = "CloneBackward0"

    def forward(self, x):
        return np.array(x, copy=True, order="C")

    def backward(self, g):
        return g


class AsStrided(Node):
    """A view reading the input through arbitrary element strides (``as_strided``);
    backward: add the gradient back at the positions each output element read."""

    _name = "AsStridedBackward0"
    is_view = True

    def __init__(self, size: tuple, stride: tuple, offset: int) -> None:
        self.size, self.stride, self.offset = size, stride, offset

    def forward(self, x):
        self.in_shape = x.shape
        base = np.ascontiguousarray(x).reshape(-1)[self.offset:]
        st = tuple(s * base.itemsize for s in self.stride)
        return np.lib.stride_tricks.as_strided(base, self.size, st, writeable=False)

    def backward(self, g):
        idx = np.lib.stride_tricks.as_strided(
            np.arange(self.offset, self.offset + int(np.prod(self.in_shape)), dtype=np.int64),
            self.size, tuple(s * 8 for s in self.stride),
        )
        out = np.zeros(int(np.prod(self.in_shape)), g.dtype)
        np.add.at(out, idx.reshape(-1), g.reshape(-1))
        return out.reshape(self.in_shape)
