"""Pooling through strided windows, adaptive pooling, and resampling (interpolate).

Max and average pooling read every window through the same strided view as the
convolutions (``conv.patches``): max keeps the argmax of each window (the mask of where
the gradient goes back), average divides by the number of counted cells. The backward of
both is a loop over the kh·kw kernel offsets, each a strided add of a whole slab.
1-D pooling runs as 2-D with height 1.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Node
from .conv import patches


def pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """Output length: ⌊ or ⌈ (n + 2p − d(k − 1) − 1)/s ⌉ + 1; in ceil mode the last window
    must start inside the input or its left padding (PyTorch's rule)."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _padded(x: np.ndarray, k: tuple, s: tuple, p: tuple, d: tuple, out: tuple,
            fill: float) -> np.ndarray:
    """x padded by p on the left/top and by whatever the last (ceil-mode) window needs on
    the right/bottom, with ``fill``."""
    h, w = x.shape[2:]
    need_h = (out[0] - 1) * s[0] + d[0] * (k[0] - 1) + 1
    need_w = (out[1] - 1) * s[1] + d[1] * (k[1] - 1) + 1
    right_h = max(need_h - h - p[0], 0)
    right_w = max(need_w - w - p[1], 0)
    if p == (0, 0) and right_h == 0 and right_w == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (p[0], right_h), (p[1], right_w)), constant_values=fill)


def _scatter_offsets(per_offset, shape: tuple, k: tuple, s: tuple, d: tuple, out: tuple,
                     dtype) -> np.ndarray:
    """Σ over kernel offsets (a, b) of ``per_offset(a, b)`` added at the positions that
    offset read: the adjoint of reading windows."""
    ho, wo = out
    gx = np.zeros(shape, dtype)
    for a in range(k[0]):
        r0 = a * d[0]
        for b in range(k[1]):
            c0 = b * d[1]
            gx[:, :, r0:r0 + s[0] * (ho - 1) + 1:s[0], c0:c0 + s[1] * (wo - 1) + 1:s[1]] += per_offset(a, b)
    return gx


class MaxPool2d(Node):
    """y = max over each window (padding counts as −∞);  ∂L/∂x: each window's gradient goes
    to its (first) maximum."""

    _name = "MaxPool2DWithIndicesBackward0"

    def __init__(self, k: tuple, s: tuple, p: tuple, d: tuple, ceil_mode: bool) -> None:
        self.k, self.s, self.p, self.d, self.ceil_mode = k, s, p, d, ceil_mode

    def forward(self, x):
        n, c, h, w = x.shape
        k, s, p, d = self.k, self.s, self.p, self.d
        out = (pool_out_size(h, k[0], s[0], p[0], d[0], self.ceil_mode),
               pool_out_size(w, k[1], s[1], p[1], d[1], self.ceil_mode))
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = _padded(x, k, s, p, d, out, fill)
        win = patches(xp, k, s, d, out).reshape(n, c, out[0], out[1], k[0] * k[1])
        self.arg = np.argmax(win, axis=-1)
        y = np.take_along_axis(win, self.arg[..., None], axis=-1)[..., 0]
        self.out, self.xp_shape, self.in_shape = out, xp.shape, x.shape
        return y

    def indices(self) -> np.ndarray:
        """Flat indices (into H·W of the unpadded input) of each window's maximum."""
        k, s, p, d = self.k, self.s, self.p, self.d
        a, b = np.divmod(self.arg, k[1])
        i = np.arange(self.out[0]).reshape(-1, 1)
        j = np.arange(self.out[1]).reshape(1, -1)
        row = i * s[0] - p[0] + a * d[0]
        col = j * s[1] - p[1] + b * d[1]
        return (row * self.in_shape[3] + col).astype(np.int64)

    def backward(self, g):
        kw = self.k[1]
        arg = self.arg
        gxp = _scatter_offsets(lambda a, b: np.where(arg == a * kw + b, g, 0), self.xp_shape, self.k,
                               self.s, self.d, self.out, g.dtype)
        h, w = self.in_shape[2:]
        p = self.p
        return gxp[:, :, p[0]:p[0] + h, p[1]:p[1] + w]


class AvgPool2d(Node):
    """y = (Σ window)/divisor. The divisor counts the window's cells inside the padded input
    (``count_include_pad``) or inside the input only, or is ``divisor_override``;
    ∂L/∂x: each window's gradient/divisor added to every cell it read."""

    _name = "AvgPool2DBackward0"

    def __init__(self, k: tuple, s: tuple, p: tuple, ceil_mode: bool, count_include_pad: bool,
                 divisor_override: int | None) -> None:
        self.k, self.s, self.p = k, s, p
        self.ceil_mode, self.count_include_pad, self.divisor_override = (
            ceil_mode, count_include_pad, divisor_override)

    def forward(self, x):
        n, c, h, w = x.shape
        k, s, p, d = self.k, self.s, self.p, (1, 1)
        out = (pool_out_size(h, k[0], s[0], p[0], 1, self.ceil_mode),
               pool_out_size(w, k[1], s[1], p[1], 1, self.ceil_mode))
        xp = _padded(x, k, s, p, d, out, 0)
        total = patches(xp, k, s, d, out).sum(axis=(-1, -2))
        if self.divisor_override:
            div = np.full(out, float(self.divisor_override))
        else:  # count cells per window on a 2-D mask of what may be counted
            mask = np.zeros((1, 1) + xp.shape[2:])
            if self.count_include_pad:
                mask[..., :h + 2 * p[0], :w + 2 * p[1]] = 1
            else:
                mask[..., p[0]:p[0] + h, p[1]:p[1] + w] = 1
            div = patches(mask, k, s, d, out).sum(axis=(-1, -2))[0, 0]
        self.div = div.astype(x.dtype)
        self.out, self.xp_shape, self.in_shape = out, xp.shape, x.shape
        return total / self.div

    def backward(self, g):
        gd = g / self.div
        gxp = _scatter_offsets(lambda a, b: gd, self.xp_shape, self.k, self.s, (1, 1), self.out,
                               g.dtype)
        h, w = self.in_shape[2:]
        p = self.p
        return gxp[:, :, p[0]:p[0] + h, p[1]:p[1] + w]


def adaptive_bins(n: int, m: int) -> list[tuple[int, int]]:
    """The m windows [⌊i·n/m⌋, ⌈(i + 1)·n/m⌉) of adaptive pooling."""
    return [(math.floor(i * n / m), math.ceil((i + 1) * n / m)) for i in range(m)]


class AdaptivePool2d(Node):
    """Pool to a fixed output size (Ho, Wo) with windows ``adaptive_bins``; mean or max.
    Backward: mean spreads g/|window| over the window; max sends g to the argmax."""

    def __init__(self, out: tuple[int, int], mode: str) -> None:
        self.out, self.mode = out, mode
        self._name = "AdaptiveAvgPool2DBackward0" if mode == "avg" else "AdaptiveMaxPool2DBackward0"

    def forward(self, x):
        n, c, h, w = x.shape
        ho, wo = self.out
        self.in_shape = x.shape
        self.rows, self.cols = adaptive_bins(h, ho), adaptive_bins(w, wo)
        y = np.empty((n, c, ho, wo), x.dtype)
        if self.mode == "max":
            self.arg = np.empty((n, c, ho, wo), np.int64)
        for i, (r0, r1) in enumerate(self.rows):
            for j, (c0, c1) in enumerate(self.cols):
                win = x[:, :, r0:r1, c0:c1]
                if self.mode == "avg":
                    y[:, :, i, j] = win.mean(axis=(2, 3))
                else:
                    flat = win.reshape(n, c, -1)
                    a = np.argmax(flat, axis=-1)
                    y[:, :, i, j] = np.take_along_axis(flat, a[..., None], -1)[..., 0]
                    self.arg[:, :, i, j] = (r0 + a // (c1 - c0)) * w + (c0 + a % (c1 - c0))
        return y

    def backward(self, g):
        n, c, h, w = self.in_shape
        gx = np.zeros(self.in_shape, g.dtype)
        if self.mode == "max":
            flat = gx.reshape(n, c, h * w)
            np.add.at(flat, (np.arange(n)[:, None, None], np.arange(c)[None, :, None],
                             self.arg.reshape(n, c, -1)), g.reshape(n, c, -1))
            return gx
        for i, (r0, r1) in enumerate(self.rows):
            for j, (c0, c1) in enumerate(self.cols):
                gx[:, :, r0:r1, c0:c1] += (g[:, :, i, j] / ((r1 - r0) * (c1 - c0)))[:, :, None, None]
        return gx


def interp_matrix(n_in: int, n_out: int, mode: str, align_corners: bool | None,
                  scale: float | None) -> np.ndarray:
    """The (n_out, n_in) matrix of 1-D resampling: 'nearest' picks ⌊dst·s⌋; 'linear' blends
    the two neighbours of src = (dst + ½)·s − ½ (clamped at 0), or dst·(n_in − 1)/(n_out − 1)
    with ``align_corners``. ``s`` is 1/scale_factor when given, else n_in/n_out."""
    a = np.zeros((n_out, n_in))
    dst = np.arange(n_out)
    ratio = (1.0 / scale) if scale else n_in / n_out
    if mode == "nearest":
        src = np.minimum(np.floor(dst * ratio).astype(np.int64), n_in - 1)
        a[dst, src] = 1.0
        return a
    if align_corners:
        pos = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        pos = np.maximum((dst + 0.5) * ratio - 0.5, 0.0)
    lo = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = pos - lo
    np.add.at(a, (dst, lo), 1.0 - frac)
    np.add.at(a, (dst, hi), frac)
    return a


class Resample2d(Node):
    """y = A_h · x · A_wᵀ on the last two axes (separable resampling; A from
    :func:`interp_matrix`);  ∂L/∂x = A_hᵀ · G · A_w."""

    _name = "UpsampleBackward0"

    def __init__(self, ah: np.ndarray, aw: np.ndarray) -> None:
        self.ah, self.aw = ah, aw

    def forward(self, x):
        ah, aw = self.ah.astype(x.dtype), self.aw.astype(x.dtype)
        return np.matmul(np.matmul(ah, x), aw.T)

    def backward(self, g):
        ah, aw = self.ah.astype(g.dtype), self.aw.astype(g.dtype)
        return np.matmul(np.matmul(ah.T, g), aw)
