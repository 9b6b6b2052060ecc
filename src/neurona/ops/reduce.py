"""Reductions (sum, mean, var, max, prod, logsumexp, ...) and the softmax family.

``axes`` is a tuple of non-negative axes, or ``None`` for all. A reduction's backward
spreads ``grad`` back over the reduced axes: with ``keepdim=False`` those axes are first
re-inserted as size 1, then broadcasting does the rest.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


def _expand_back(g: np.ndarray, shape: tuple, axes, keepdim: bool) -> np.ndarray:
    """Re-insert the reduced axes of ``g`` (as size 1) so it broadcasts against ``shape``."""
    if axes is None:
        return g.reshape((1,) * len(shape)) if len(shape) else g
    if not keepdim:
        g = np.expand_dims(g, axes)
    return g


class Sum(Node):
    """z = Σ x over ``axes``;  ∂z/∂x = 1 (the gradient is broadcast back)."""

    _name = "SumBackward1"  # x.sum(dim); x.sum() is SumBackward0 (set by the caller)

    def __init__(self, axes, keepdim: bool, dtype=None) -> None:
        self.axes, self.keepdim, self.dtype = axes, keepdim, dtype

    def forward(self, x):
        self.shape = x.shape
        return np.sum(x, axis=self.axes, keepdims=self.keepdim, dtype=self.dtype)

    def backward(self, g):
        return np.broadcast_to(_expand_back(g, self.shape, self.axes, self.keepdim), self.shape)


class Mean(Node):
    """z = (1/N) Σ x over ``axes`` (NaN when N = 0, silently, as PyTorch);  ∂z/∂x = 1/N."""

    _name = "MeanBackward1"

    def __init__(self, axes, keepdim: bool) -> None:
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        self.shape = x.shape
        self.n = _count(x.shape, self.axes)
        return _mean(x, self.axes, self.keepdim, self.n)

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):  # N = 0: x is empty, so is ∂z/∂x
            g = _expand_back(g, self.shape, self.axes, self.keepdim) / self.n
        return np.broadcast_to(g, self.shape)


def _mean(x: np.ndarray, axes, keepdims: bool, n: int) -> np.ndarray:
    """Σ x / n over ``axes``; unlike ``np.mean``, no warning for an empty slice (0/0 = NaN)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.sum(x, axis=axes, keepdims=keepdims) / np.asarray(n, x.dtype))


def _count(shape: tuple, axes) -> int:
    if axes is None:
        return int(np.prod(shape, dtype=np.int64))
    n = 1
    for a in axes:
        n *= shape[a]
    return n


class Var(Node):
    """z = Σ (x − x̄)² / (N − correction);  ∂z/∂x = 2(x − x̄)/(N − correction)."""

    _name = "VarBackward0"
    saves = (0,)

    def __init__(self, axes, correction: float, keepdim: bool) -> None:
        self.axes, self.correction, self.keepdim = axes, correction, keepdim

    def forward(self, x):
        n = _count(x.shape, self.axes)
        self.denom = max(n - self.correction, 0)
        self.centered = x - _mean(x, self.axes, True, n)
        ss = np.sum(self.centered * self.centered, axis=self.axes, keepdims=self.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ss / np.asarray(self.denom, dtype=x.dtype)

    def backward(self, g):
        g = _expand_back(g, self.centered.shape, self.axes, self.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * self.centered * np.asarray(2 / self.denom if self.denom else np.inf,
                                                  dtype=g.dtype)


class Std(Var):
    """z = √var(x);  ∂z/∂x = (x − x̄) / ((N − correction)·z), and 0 where z = 0 (as PyTorch)."""

    _name = "StdBackward0"
    saves_output = True

    def forward(self, x):
        self.out = np.sqrt(super().forward(x))
        return self.out

    def backward(self, g):
        g = _expand_back(g, self.centered.shape, self.axes, self.keepdim)
        out = _expand_back(self.out, self.centered.shape, self.axes, self.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = self.centered / (out * np.asarray(self.denom, dtype=g.dtype))
        return g * np.where(out == 0, np.zeros((), scale.dtype), scale)


class AMax(Node):
    """z = max x over ``axes``; the gradient is shared evenly among the tied maxima."""

    _name = "AmaxBackward0"
    saves = (0,)
    saves_output = True
    _reduce = staticmethod(np.max)

    def __init__(self, axes, keepdim: bool) -> None:
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        self.x = x
        self.out = self._reduce(x, axis=self.axes, keepdims=self.keepdim)
        return self.out

    def backward(self, g):
        out = _expand_back(self.out, self.x.shape, self.axes, self.keepdim)
        g = _expand_back(g, self.x.shape, self.axes, self.keepdim)
        mask = self.x == out
        count = np.sum(mask, axis=self.axes, keepdims=True)
        return g * mask / count.astype(g.dtype)


class AMin(AMax):
    """z = min x over ``axes``; the gradient is shared evenly among the tied minima."""

    _name = "AminBackward0"
    _reduce = staticmethod(np.min)


class MaxDim(Node):
    """(values, indices) of the max along one axis; the gradient goes to the chosen index."""

    _name = "MaxBackward0"

    def __init__(self, axis: int, keepdim: bool, largest: bool = True) -> None:
        self.axis, self.keepdim, self.largest = axis, keepdim, largest

    def forward(self, x):
        self.shape = x.shape
        arg = np.argmax(x, axis=self.axis) if self.largest else np.argmin(x, axis=self.axis)
        self.idx = np.expand_dims(arg, self.axis)
        values = np.take_along_axis(x, self.idx, axis=self.axis)
        self.indices = self.idx if self.keepdim else arg
        return values if self.keepdim else np.squeeze(values, self.axis)

    def backward(self, g):
        if not self.keepdim:
            g = np.expand_dims(g, self.axis)
        out = np.zeros(self.shape, g.dtype)
        np.put_along_axis(out, self.idx, g, axis=self.axis)
        return out


class Prod(Node):
    """z = Π x over one axis (or all);  ∂z/∂xᵢ = Π_{j≠i} xⱼ, exact even with zeros.

    The product of the others is (product of those before i)·(product of those after i):
    two exclusive cumulative products, no division.
    """

    _name = "ProdBackward1"
    saves = (0,)

    def __init__(self, axis, keepdim: bool, dtype=None) -> None:
        self.axis, self.keepdim, self.dtype = axis, keepdim, dtype

    def forward(self, x):
        self.x = x
        return np.prod(x, axis=self.axis, keepdims=self.keepdim, dtype=self.dtype)

    def backward(self, g):
        x = self.x
        if self.axis is None:
            flat = x.reshape(-1)
            others = _exclusive_products(flat, 0).reshape(x.shape)
            return g.reshape((1,) * x.ndim) * others if x.ndim else g * others
        ax = self.axis
        if not self.keepdim:
            g = np.expand_dims(g, ax)
        return g * _exclusive_products(x, ax)


def _exclusive_products(x: np.ndarray, axis: int) -> np.ndarray:
    n = x.shape[axis]
    if n == 0:
        return np.ones_like(x)
    ones_shape = list(x.shape)
    ones_shape[axis] = 1
    ones = np.ones(ones_shape, x.dtype)
    before = np.concatenate([ones, np.cumprod(np.take(x, range(n - 1), axis=axis), axis=axis)],
                            axis=axis)
    rev = np.flip(x, axis)
    after = np.concatenate([ones, np.cumprod(np.take(rev, range(n - 1), axis=axis), axis=axis)],
                           axis=axis)
    return before * np.flip(after, axis)


class Cumsum(Node):
    """zᵢ = Σ_{j≤i} xⱼ;  ∂L/∂xⱼ = Σ_{i≥j} gᵢ (a reversed cumulative sum). A 0-d x is its own
    running sum."""

    _name = "CumsumBackward0"

    def __init__(self, axis: int, dtype=None) -> None:
        self.axis, self.dtype = axis, dtype

    def forward(self, x):
        if x.ndim == 0:
            return x.astype(self.dtype or x.dtype, copy=True)
        return np.cumsum(x, axis=self.axis, dtype=self.dtype)

    def backward(self, g):
        if g.ndim == 0:
            return g
        ax = self.axis
        return np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax)


class LogSumExp(Node):
    """z = log Σ eˣ, computed as m + log Σ e^(x−m) with m = max x;  ∂z/∂x = softmax(x)."""

    _name = "LogsumexpBackward0"
    saves = (0,)
    saves_output = True

    def __init__(self, axes, keepdim: bool) -> None:
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        self.x = x
        if x.size == 0:
            self.out = np.log(np.sum(np.exp(x), axis=self.axes, keepdims=self.keepdim))
            return self.out
        m = np.max(x, axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        s = np.sum(np.exp(x - m), axis=self.axes, keepdims=True)
        with np.errstate(divide="ignore"):
            out = np.log(s) + m
        self.out = out if self.keepdim else np.squeeze(out, self.axes)
        return self.out

    def backward(self, g):
        out = _expand_back(self.out, self.x.shape, self.axes, self.keepdim)
        g = _expand_back(g, self.x.shape, self.axes, self.keepdim)
        return g * np.exp(self.x - out)


class Softmax(Node):
    """yᵢ = e^(xᵢ−m) / Σⱼ e^(xⱼ−m) (m = max, for stability);  ∂L/∂x = y·(g − Σ g·y)."""

    _name = "SoftmaxBackward0"
    saves_output = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        ax = self.axis
        if x.size == 0:  # nothing to normalise (np.max has no identity)
            self.out = x.copy()
            return self.out
        e = np.exp(x - np.max(x, axis=ax, keepdims=True))
        e /= np.sum(e, axis=ax, keepdims=True)
        self.out = e
        return e

    def backward(self, g):
        y = self.out
        return y * (g - np.sum(g * y, axis=self.axis, keepdims=True))


class LogSoftmax(Node):
    """yᵢ = xᵢ − logΣⱼ eˣʲ (shifted by the max);  ∂L/∂x = g − eʸ·Σ g."""

    _name = "LogSoftmaxBackward0"
    saves_output = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        ax = self.axis
        if x.size == 0:  # nothing to normalise (np.max has no identity)
            self.out = x.copy()
            return self.out
        shifted = x - np.max(x, axis=ax, keepdims=True)
        shifted -= np.log(np.sum(np.exp(shifted), axis=ax, keepdims=True))
        self.out = shifted
        return shifted

    def backward(self, g):
        return g - np.exp(self.out) * np.sum(g, axis=self.axis, keepdims=True)


class Norm(Node):
    """z = (Σ |x|ᵖ)^(1/p) over ``axes``; p = 2 by default, also 1, ∞, −∞ and any p > 0."""

    _name = "LinalgVectorNormBackward0"  # Tensor.norm is linalg.vector_norm in PyTorch 2
    saves = (0,)
    saves_output = True

    def __init__(self, p: float, axes, keepdim: bool) -> None:
        self.p, self.axes, self.keepdim = p, axes, keepdim

    def forward(self, x):
        self.x = x
        p, ax, kd = self.p, self.axes, self.keepdim
        a = np.abs(x)
        if p == 2:
            out = np.sqrt(np.sum(x * x, axis=ax, keepdims=kd))
        elif p == 1:
            out = np.sum(a, axis=ax, keepdims=kd)
        elif abs(p) == np.inf and 0 in (x.shape if ax is None else np.take(x.shape, ax)):  # as torch
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty tensor "
                               "because the operation does not have an identity")
        elif p == np.inf:
            out = np.max(a, axis=ax, keepdims=kd, initial=0)
        elif p == -np.inf:
            out = np.min(a, axis=ax, keepdims=kd)
        elif p == 0:
            out = np.sum(a != 0, axis=ax, keepdims=kd).astype(x.dtype)
        else:
            out = np.power(np.sum(np.power(a, p), axis=ax, keepdims=kd), 1.0 / p)
        self.out = np.asarray(out, dtype=x.dtype)
        return self.out

    def backward(self, g):
        x, p = self.x, self.p
        out = _expand_back(self.out, x.shape, self.axes, self.keepdim)
        g = _expand_back(g, x.shape, self.axes, self.keepdim)
        if p == 0:
            return np.zeros(x.shape, g.dtype)
        if p == 1:
            return g * np.sign(x)
        if p in (np.inf, -np.inf):
            mask = np.abs(x) == out
            count = np.sum(mask, axis=self.axes, keepdims=True)
            return g * np.sign(x) * mask / count.astype(g.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                scale = np.where(out == 0, 0, x / out)
            else:
                a = np.abs(x)
                scale = np.where((out == 0) | (x == 0), 0,
                                 x * np.power(a, p - 2) / np.power(out, p - 1))
        return g * scale.astype(g.dtype, copy=False)
