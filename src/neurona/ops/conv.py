"""Convolutions as im2col + one matrix product, and their transposes.

For an input x (N, C, H, W) zero-padded to xp and a kernel W (O, C/g, kh, kw):

* **im2col**: every output position (n, i, j) reads the patch
  ``xp[n, :, i·s + a·d, j·s + b·d]`` for kernel offsets (a, b). A strided *view*
  (``sliding_window_view``) exposes all patches without copying; one reshape copies them
  into the matrix ``cols`` of shape (N·Ho·Wo, C·kh·kw) — the only buffer kept for backward.
* **forward**: ``out = cols @ Wᵀ`` (one GEMM; per group when ``groups > 1``), plus bias.
* **backward**: ``∂L/∂W = Gᵀ·cols``; ``∂L/∂cols = G·W``; and **col2im** adds each patch's
  gradient back where it was read — a loop over the kh·kw kernel offsets, each a strided
  add of a whole (N, C, Ho, Wo) slab (never a loop over pixels, never ``np.add.at``).

A transposed convolution is exactly the backward of a convolution with respect to its
input (col2im of x·W), and its backward is a convolution (im2col) — both reuse the same
two helpers. 1-D convolutions run as 2-D ones with height 1.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.function import Node


def out_size(n: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of a convolution/pooling: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def patches(xp: np.ndarray, k: tuple[int, int], s: tuple[int, int], d: tuple[int, int],
            out: tuple[int, int]) -> np.ndarray:
    """A strided view (N, C, Ho, Wo, kh, kw) of every patch of the padded input."""
    kh, kw = k
    span = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
    win = sliding_window_view(xp, span, axis=(2, 3))
    return win[:, :, :out[0] * s[0]:s[0], :out[1] * s[1]:s[1], ::d[0], ::d[1]][:, :, :out[0], :out[1]]


def im2col(xp: np.ndarray, k: tuple[int, int], s: tuple[int, int], d: tuple[int, int],
           out: tuple[int, int]) -> np.ndarray:
    """The patch matrix (N·Ho·Wo, C·kh·kw), rows ordered (n, i, j), columns (c, a, b)."""
    n, c = xp.shape[:2]
    view = patches(xp, k, s, d, out)  # (N, C, Ho, Wo, kh, kw)
    return view.transpose(0, 2, 3, 1, 4, 5).reshape(n * out[0] * out[1], c * k[0] * k[1])


def col2im(cols: np.ndarray, shape: tuple[int, ...], k: tuple[int, int], s: tuple[int, int],
           d: tuple[int, int], out: tuple[int, int]) -> np.ndarray:
    """Add the rows of ``cols`` (N·Ho·Wo, C·kh·kw) back onto a zero array of ``shape`` (the
    padded input): the adjoint of :func:`im2col`."""
    n, c = shape[:2]
    ho, wo = out
    kh, kw = k
    g = cols.reshape(n, ho, wo, c, kh, kw)
    xp = np.zeros(shape, cols.dtype)
    for a in range(kh):
        r0 = a * d[0]
        for b in range(kw):
            c0 = b * d[1]
            xp[:, :, r0:r0 + s[0] * (ho - 1) + 1:s[0], c0:c0 + s[1] * (wo - 1) + 1:s[1]] += (
                g[:, :, :, :, a, b].transpose(0, 3, 1, 2)
            )
    return xp


def _pad(x: np.ndarray, p: tuple[int, int]) -> np.ndarray:
    if p == (0, 0):
        return x
    return np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))


def _to_nchw(rows: np.ndarray, n: int, ho: int, wo: int) -> np.ndarray:
    """(N·Ho·Wo, C) rows → a (N, C, Ho, Wo) array (a transposed view of NHWC memory)."""
    return rows.reshape(n, ho, wo, -1).transpose(0, 3, 1, 2)


def _rows(g: np.ndarray) -> np.ndarray:
    """(N, C, Ho, Wo) → (N·Ho·Wo, C), the layout the GEMMs use."""
    n, c = g.shape[:2]
    return g.transpose(0, 2, 3, 1).reshape(-1, c)


def _grouped_matmul(cols: np.ndarray, w: np.ndarray, groups: int) -> np.ndarray:
    """cols (M, g·K) times each group's Wᵀ, W (g·Og, K) → (M, g·Og)."""
    if groups == 1:
        return cols @ w.T
    m = cols.shape[0]
    k = cols.shape[1] // groups
    og = w.shape[0] // groups
    c3 = cols.reshape(m, groups, k).transpose(1, 0, 2)  # (g, M, K)
    w3 = w.reshape(groups, og, k)  # (g, Og, K)
    return np.matmul(c3, w3.transpose(0, 2, 1)).transpose(1, 0, 2).reshape(m, groups * og)


class Conv2d(Node):
    """y = conv2d(x, W) + b with stride, zero padding, dilation and groups (see the module
    docstring for the im2col forward and the col2im backward)."""

    _name = "ConvolutionBackward0"
    saves = (1,)

    def __init__(self, stride: tuple[int, int], padding: tuple[int, int],
                 dilation: tuple[int, int], groups: int) -> None:
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def forward(self, x, w, b=None):
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        s, p, d = self.stride, self.padding, self.dilation
        ho, wo = out_size(h, kh, s[0], p[0], d[0]), out_size(wd, kw, s[1], p[1], d[1])
        xp = _pad(x, p)
        self.xp_shape, self.k, self.out = xp.shape, (kh, kw), (ho, wo)
        self.w2 = w.reshape(o, -1)
        self.cols = im2col(xp, (kh, kw), s, d, (ho, wo))
        rows = _grouped_matmul(self.cols, self.w2, self.groups)
        if b is not None:
            rows += b
        return _to_nchw(rows, n, ho, wo)

    def backward(self, g):
        need = self.needs_input_grad
        groups = self.groups
        g2 = _rows(g)  # (M, O)
        o = g2.shape[1]
        gx = gw = gb = None
        if need[1]:
            if groups == 1:
                gw = (g2.T @ self.cols).reshape(self.w2.shape[0], -1)
            else:
                m, k = self.cols.shape[0], self.cols.shape[1] // groups
                og = o // groups
                c3 = self.cols.reshape(m, groups, k).transpose(1, 0, 2)
                g3 = g2.reshape(m, groups, og).transpose(1, 0, 2)
                gw = np.matmul(g3.transpose(0, 2, 1), c3).reshape(o, k)
            gw = gw.reshape(o, -1, *self.k)
        if len(need) > 2 and need[2]:
            gb = g2.sum(axis=0)
        if need[0]:
            if groups == 1:
                gcols = g2 @ self.w2
            else:
                m = g2.shape[0]
                og, k = o // groups, self.w2.shape[1]
                g3 = g2.reshape(m, groups, og).transpose(1, 0, 2)
                w3 = self.w2.reshape(groups, og, k)
                gcols = np.matmul(g3, w3).transpose(1, 0, 2).reshape(m, groups * k)
            gxp = col2im(gcols, self.xp_shape, self.k, self.stride, self.dilation, self.out)
            p = self.padding
            gx = gxp[:, :, p[0]:gxp.shape[2] - p[0], p[1]:gxp.shape[3] - p[1]]
        return (gx, gw, gb) if len(need) > 2 else (gx, gw)


class ConvTranspose2d(Node):
    """y = conv_transpose2d(x, W) + b: each input pixel scatters W-weighted copies of the
    kernel onto the output (col2im of x·W), the adjoint of Conv2d with the same geometry.

    W is (C_in, C_out/g, kh, kw). Output size: (H − 1)s − 2p + d(k − 1) + output_padding + 1.
    Backward: ∂L/∂x = im2col(G)·Wᵀ, ∂L/∂W = xᵀ·im2col(G), ∂L/∂b = Σ G.
    """

    _name = "ConvolutionBackward0"
    saves = (0, 1)

    def __init__(self, stride: tuple[int, int], padding: tuple[int, int],
                 output_padding: tuple[int, int], dilation: tuple[int, int], groups: int) -> None:
        self.stride, self.padding, self.output_padding = stride, padding, output_padding
        self.dilation, self.groups = dilation, groups

    def forward(self, x, w, b=None):
        n, cin, h, wd = x.shape
        _, og, kh, kw = w.shape
        s, p, d, op, groups = self.stride, self.padding, self.dilation, self.output_padding, self.groups
        full = ((h - 1) * s[0] + d[0] * (kh - 1) + 1 + op[0], (wd - 1) * s[1] + d[1] * (kw - 1) + 1 + op[1])
        self.k, self.in_hw, self.full = (kh, kw), (h, wd), full
        self.x_rows = _rows(x)  # (N·H·W, Cin)
        cin_g = cin // groups
        w3 = w.reshape(groups, cin_g, og * kh * kw)
        if groups == 1:
            cols = self.x_rows @ w3[0]
        else:
            x3 = self.x_rows.reshape(-1, groups, cin_g).transpose(1, 0, 2)
            cols = np.matmul(x3, w3).transpose(1, 0, 2)  # (M, g, og·k)
            cols = cols.reshape(-1, groups, og, kh * kw).reshape(-1, groups * og * kh * kw)
        self.w3 = w3
        out = col2im(cols, (n, groups * og, *full), (kh, kw), s, d, (h, wd))
        out = out[:, :, p[0]:full[0] - p[0], p[1]:full[1] - p[1]]
        if b is not None:
            out = out + b.reshape(1, -1, 1, 1)
        return out

    def backward(self, g):
        need = self.needs_input_grad
        p, s, d, groups = self.padding, self.stride, self.dilation, self.groups
        n, cout = g.shape[:2]
        gfull = np.zeros((n, cout, *self.full), g.dtype)
        gfull[:, :, p[0]:self.full[0] - p[0], p[1]:self.full[1] - p[1]] = g
        cols = im2col(gfull, self.k, s, d, self.in_hw)  # (N·H·W, Cout·kh·kw)
        gx = gw = gb = None
        kk = self.k[0] * self.k[1]
        cin_g = self.w3.shape[1]
        og = cout // groups
        if groups == 1:
            if need[0]:
                gx = cols @ self.w3[0].T
            if need[1]:
                gw = self.x_rows.T @ cols
        else:
            c3 = cols.reshape(-1, groups, og * kk).transpose(1, 0, 2)
            if need[0]:
                gx = np.matmul(c3, self.w3.transpose(0, 2, 1)).transpose(1, 0, 2).reshape(-1, groups * cin_g)
            if need[1]:
                x3 = self.x_rows.reshape(-1, groups, cin_g).transpose(1, 0, 2)
                gw = np.matmul(x3.transpose(0, 2, 1), c3)
        if gx is not None:
            gx = _to_nchw(gx, n, *self.in_hw)
        if gw is not None:
            gw = gw.reshape(groups * cin_g, og, *self.k)
        if len(need) > 2:
            if need[2]:
                gb = g.sum(axis=(0, 2, 3))
            return gx, gw, gb
        return gx, gw


class Unfold(Node):
    """F.unfold: the patches as columns, (N, C·kh·kw, L) with L = Ho·Wo;
    backward: col2im (patches that overlap add their gradients)."""

    _name = "Im2ColBackward0"

    def __init__(self, k: tuple[int, int], d: tuple[int, int], p: tuple[int, int],
                 s: tuple[int, int]) -> None:
        self.k, self.d, self.p, self.s = k, d, p, s

    def forward(self, x):
        n, c, h, w = x.shape
        k, s, p, d = self.k, self.s, self.p, self.d
        self.out = (out_size(h, k[0], s[0], p[0], d[0]), out_size(w, k[1], s[1], p[1], d[1]))
        xp = _pad(x, p)
        self.xp_shape, self.n = xp.shape, n
        cols = im2col(xp, k, s, d, self.out)  # (N·L, C·k)
        return cols.reshape(n, -1, cols.shape[1]).transpose(0, 2, 1)

    def backward(self, g):
        cols = g.transpose(0, 2, 1).reshape(-1, g.shape[1])
        gxp = col2im(cols, self.xp_shape, self.k, self.s, self.d, self.out)
        p = self.p
        return gxp[:, :, p[0]:gxp.shape[2] - p[0], p[1]:gxp.shape[3] - p[1]]


class Fold(Node):
    """F.fold: columns (N, C·kh·kw, L) summed back into an image (the adjoint of unfold);
    backward: unfold."""

    _name = "Col2ImBackward0"

    def __init__(self, output_size: tuple[int, int], k: tuple[int, int], d: tuple[int, int],
                 p: tuple[int, int], s: tuple[int, int]) -> None:
        self.size, self.k, self.d, self.p, self.s = output_size, k, d, p, s

    def forward(self, x):
        n, ck, _ = x.shape
        k, s, p, d = self.k, self.s, self.p, self.d
        c = ck // (k[0] * k[1])
        h, w = self.size
        self.out = (out_size(h, k[0], s[0], p[0], d[0]), out_size(w, k[1], s[1], p[1], d[1]))
        self.xp_shape = (n, c, h + 2 * p[0], w + 2 * p[1])
        cols = x.transpose(0, 2, 1).reshape(-1, ck)
        xp = col2im(cols, self.xp_shape, k, s, d, self.out)
        return xp[:, :, p[0]:xp.shape[2] - p[0], p[1]:xp.shape[3] - p[1]]

    def backward(self, g):
        gp = _pad(g, self.p)
        cols = im2col(gp, self.k, self.s, self.d, self.out)
        n = g.shape[0]
        return cols.reshape(n, -1, cols.shape[1]).transpose(0, 2, 1)
