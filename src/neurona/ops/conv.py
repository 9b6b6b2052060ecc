"""Convolutions as im2col + matrix products, and their transposes.

Notation: input x (N, C, H, W); kernel W (O, C/G, kh, kw) in G groups; stride s, padding p
(top/bottom, left/right), dilation d; output (N, O, Ho, Wo) with
``Ho = ⌊(H + p_top + p_bottom − d(kh − 1) − 1)/s⌋ + 1`` (likewise Wo).

* **patches**: output position (n, i, j) reads ``xp[n, c, i·s + a·d, j·s + b·d]`` of the
  zero-padded input for every kernel offset (a, b). :func:`patches` exposes all of them as a
  strided *view* (N, Ho, Wo, kh, kw, C), without copying.
* **im2col** copies that view into each group's patch matrix ``cols[g]`` (M, Kg): M = N·Ho·Wo
  rows ordered (n, i, j), Kg = kh·kw·C/G columns ordered (a, b, c) — channels last. Its memory
  is row-major, so the copy reads runs of kw·C contiguous values (many channels), or
  column-major, so the copy reads whole image rows (few channels, e.g. a first layer on
  1-channel images); the matrix, and so the math, is the same.
* **forward**: ``y = cols · Wᵀ`` per group (W reordered (o | a, b, c)), written as a
  contiguous (N, O, Ho, Wo) array with the bias.
* **backward**, with G the output gradient as rows (M, O): ``∂L/∂W = Gᵀ · cols``,
  ``∂L/∂b = 1ᵀ · G``, and ∂L/∂x is col2im of G·W — every patch's gradient added back where
  it was read — computed one kernel offset at a time (:func:`scatter_offsets`): the slab that
  offset (a, b) read gets G·W[:, :, a, b]; kh·kw strided adds of whole slabs, never a loop
  over pixels, never ``np.add.at``.

The patch matrix is k²/s² times larger than x, so :class:`Conv2d` builds it for a chunk of
samples at a time (:func:`sample_chunks`, ~1 MiB) and keeps x, not the patches, for backward,
which rebuilds them: memory stays what PyTorch keeps, and each chunk is used while in cache.

A transposed convolution is exactly the backward of a convolution with respect to its input
(:func:`scatter_offsets` of x·W) and its backward is a convolution (im2col of the output
gradient). 1-D convolutions run as 2-D ones with height 1. Results are C-contiguous like
PyTorch's, so ``.view`` works on them as it does in PyTorch.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Node

Pad2 = tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))


def out_size(n: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of a convolution/pooling: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def padded_out_size(hw: tuple[int, int], k: tuple[int, int], s: tuple[int, int], p: Pad2,
                    d: tuple[int, int]) -> tuple[int, int]:
    """(Ho, Wo) of windows over an input of size ``hw`` padded by p = ((top, bottom), (left, right))."""
    return tuple(out_size(n + lo + hi, ki, si, 0, di) for n, ki, si, (lo, hi), di in zip(hw, k, s, p, d))


def as_pad2(p: tuple) -> Pad2:
    """(ph, pw) symmetric padding, or ((top, bottom), (left, right)), as the latter."""
    return tuple((q, q) if isinstance(q, (int, np.integer)) else (int(q[0]), int(q[1])) for q in p)


def pad2d(x: np.ndarray, p: Pad2, channels_last: bool, value: float = 0) -> np.ndarray:
    """``x`` (N, C, H, W) padded with ``value`` by p = ((top, bottom), (left, right)): an
    (N, C, H', W') array whose memory is (N, H', W', C) when ``channels_last`` (it is then a
    transposed view). Without padding and in x's own layout, x itself."""
    n, c, h, w = x.shape
    (t, b), (lf, r) = p
    if channels_last:
        if t == b == lf == r == 0:
            return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        buf = np.full((n, h + t + b, w + lf + r, c), value, x.dtype)
        buf[:, t:t + h, lf:lf + w] = x.transpose(0, 2, 3, 1)
        return buf.transpose(0, 3, 1, 2)
    if t == b == lf == r == 0:
        return x
    buf = np.full((n, c, h + t + b, w + lf + r), value, x.dtype)
    buf[:, :, t:t + h, lf:lf + w] = x
    return buf


def patches(xp: np.ndarray, k: tuple[int, int], s: tuple[int, int], d: tuple[int, int],
            out: tuple[int, int]) -> np.ndarray:
    """A read-only strided view (N, Ho, Wo, kh, kw, C) of every patch of ``xp`` (N, C, H, W),
    whatever its memory layout: ``view[n, i, j, a, b, c] = xp[n, c, i·s + a·d, j·s + b·d]``."""
    sn, sc, sh, sw = xp.strides
    return as_strided(xp, (xp.shape[0], out[0], out[1], k[0], k[1], xp.shape[1]),
                      (sn, s[0] * sh, s[1] * sw, d[0] * sh, d[1] * sw, sc), writeable=False)


def rows_major(cg: int, kw: int, wo: int) -> bool:
    """Memory order of a patch matrix: row-major when a patch row (kw·C/G values, contiguous in
    channels-last memory) is at least as long as an output row (Wo values, contiguous in NCHW
    memory); column-major otherwise. Either way the copy reads the longer contiguous runs."""
    return cg * kw >= wo


def im2col(x: np.ndarray, k: tuple[int, int], s: tuple[int, int], p: Pad2, d: tuple[int, int],
           out: tuple[int, int], groups: int = 1) -> np.ndarray:
    """The patch matrices of x (N, C, H, W), one per group: a (G, M, Kg) array, rows (n, i, j),
    columns (a, b, c); stored row- or column-major (see :func:`rows_major`)."""
    n, c = x.shape[:2]
    kh, kw = k
    cg = c // groups
    m = n * out[0] * out[1]
    row_major = rows_major(cg, kw, out[1])
    view = patches(pad2d(x, p, row_major), k, s, d, out)
    view = view.reshape(n, out[0], out[1], kh, kw, groups, cg)
    if row_major:
        buf = np.empty((groups, n, out[0], out[1], kh, kw, cg), x.dtype)
        buf[...] = view.transpose(5, 0, 1, 2, 3, 4, 6)
        return buf.reshape(groups, m, kh * kw * cg)
    buf = np.empty((groups, kh, kw, cg, n, out[0], out[1]), x.dtype)
    buf[...] = view.transpose(5, 3, 4, 6, 0, 1, 2)
    return buf.reshape(groups, kh * kw * cg, m).transpose(0, 2, 1)


def col2im(cols: np.ndarray, shape: tuple[int, ...], k: tuple[int, int], s: tuple[int, int],
           p: Pad2, d: tuple[int, int], out: tuple[int, int]) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every row of the patch matrices ``cols`` (G, M, Kg)
    back where it was read, onto zeros of the padded input, and crop the padding; returns a
    contiguous array of ``shape`` (N, C, H, W). One strided slab add per kernel offset."""
    n, c, h, w = shape
    groups = cols.shape[0]
    cg = c // groups
    (pt, pb), (pl, pr) = p
    ho, wo = out
    kh, kw = k
    g7 = np.reshape(cols, (groups, n, ho, wo, kh, kw, cg), copy=False)
    hp, wp = h + pt + pb, w + pl + pr
    if cols.strides[2] <= cols.strides[1]:  # row-major patches: accumulate channels-last
        gxp = np.zeros((n, hp, wp, groups, cg), cols.dtype).transpose(0, 3, 4, 1, 2)
    else:
        gxp = np.zeros((n, groups, cg, hp, wp), cols.dtype)
    for a in range(kh):
        r0 = a * d[0]
        for b in range(kw):
            c0 = b * d[1]
            gxp[:, :, :, r0:r0 + s[0] * (ho - 1) + 1:s[0], c0:c0 + s[1] * (wo - 1) + 1:s[1]] += (
                g7[:, :, :, :, a, b, :].transpose(1, 0, 4, 2, 3))
    return np.ascontiguousarray(gxp[:, :, :, pt:pt + h, pl:pl + w]).reshape(n, c, h, w)


def kernel_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """W (O, C/G, kh, kw) → (G, O/G, kh·kw·C/G), columns ordered (a, b, c) like a patch row."""
    o, cg, kh, kw = w.shape
    og = o // groups
    return w.reshape(groups, og, cg, kh, kw).transpose(0, 1, 3, 4, 2).reshape(groups, og, -1)


def as_rows(g: np.ndarray, groups: int) -> np.ndarray:
    """An (N, O, H, W) array as per-group rows (G, N·H·W, O/G) (one transposing copy)."""
    n, o, h, w = g.shape
    g4 = g.reshape(n, groups, o // groups, h * w)
    return np.ascontiguousarray(g4.transpose(1, 0, 3, 2)).reshape(groups, n * h * w, o // groups)


def rows_to_nchw(rows: np.ndarray, n: int, hw: tuple[int, int], bias: np.ndarray | None,
                 out: np.ndarray | None = None) -> np.ndarray:
    """Per-group rows (G, M, O/G) → a contiguous (N, O, Ho, Wo) array (or into ``out``,
    contiguous, of N·O·Ho·Wo elements), + bias, in one pass."""
    groups, _, og = rows.shape
    src = rows.reshape(groups, n, hw[0] * hw[1], og).transpose(1, 0, 3, 2)  # (N, G, O/G, L)
    if out is None:
        out = np.empty((n, groups, og, hw[0] * hw[1]), rows.dtype)
    else:
        out = out.reshape(n, groups, og, hw[0] * hw[1])
    if bias is None:
        out[...] = src
    else:
        np.add(src, bias.reshape(1, groups, og, 1), out=out)
    return out.reshape(n, groups * og, *hw)


def scatter_offsets(g: np.ndarray, wk: np.ndarray, shape: tuple[int, ...], k: tuple[int, int],
                    s: tuple[int, int], p: Pad2, d: tuple[int, int], out: tuple[int, int]) -> np.ndarray:
    """col2im(G·W) without building G·W: for every kernel offset (a, b), the slab of the padded
    input that (a, b) read gets ``G · W[a, b]``; the padding is then cropped. Returns a
    contiguous (N, C, H, W) array. This is ∂L/∂x of a convolution and the forward of a
    transposed one. Two layouts of the same sum:

    * ``g`` rows (G, M, Og) and ``wk`` (G, Og, kh, kw, Cg): each product is (G, M, Cg), added
      to a channels-last slab (whole runs of Wo·C contiguous values when G = 1);
    * ``g`` an image (N, O, Ho, Wo) (one group) and ``wk`` (1, O, kh, kw, C): each product is
      W[a, b]ᵀ·g per sample, (N, C, Ho·Wo), added to an NCHW slab (runs of Wo values).
    """
    n, c, h, w = shape
    (pt, pb), (pl, pr) = p
    hp, wp = h + pt + pb, w + pl + pr
    ho, wo = out
    per_sample = g.ndim == 4
    groups = wk.shape[0]
    cg = c // groups
    if per_sample:
        gxp = np.zeros((n, c, hp, wp), g.dtype)
        g3 = g.reshape(n, g.shape[1], ho * wo)
    else:
        gxp = np.zeros((n, hp, wp, groups, cg), g.dtype).transpose(0, 3, 4, 1, 2)  # (N, G, Cg, Hp, Wp)
    for a in range(k[0]):
        r0 = a * d[0]
        for b in range(k[1]):
            c0 = b * d[1]
            target = gxp[..., r0:r0 + s[0] * (ho - 1) + 1:s[0], c0:c0 + s[1] * (wo - 1) + 1:s[1]]
            if per_sample:
                target += np.matmul(wk[0, :, a, b].T, g3).reshape(n, c, ho, wo)
            else:
                part = np.matmul(g, wk[:, :, a, b])  # (G, M, Cg)
                target += part.reshape(groups, n, ho, wo, cg).transpose(1, 0, 4, 2, 3)
    gx = gxp[..., pt:pt + h, pl:pl + w]
    return np.ascontiguousarray(gx).reshape(n, c, h, w)


CHUNK = 1 << 18  # elements of patch matrix built at a time (1 MiB of float32)


def sample_chunks(n: int, per_sample: int) -> list[tuple[int, int]]:
    """Ranges of samples whose patch matrix has at most :data:`CHUNK` elements (at least one
    sample each): the convolutions work chunk by chunk, so their temporary memory is bounded
    and stays in cache."""
    step = max(1, CHUNK // max(per_sample, 1))
    return [(i, min(i + step, n)) for i in range(0, n, step)]


class Conv2d(Node):
    """y = conv2d(x, W) + b with stride, zero padding (possibly asymmetric), dilation and
    groups: the im2col forward and backward of the module docstring, run over chunks of
    samples (:func:`sample_chunks`); backward rebuilds each chunk's patches from x (like
    PyTorch, it keeps only x and W).

    Two layouts of the same products. *Per sample* (one group, column-major patches: few
    channels): y_n = W·cols_nᵀ straight into NCHW, ∂L/∂W = Σ_n G_n·cols_n with G_n the
    (O, Ho·Wo) gradient of sample n as it comes. *Rows* (otherwise): y = cols·Wᵀ per group then
    copied to NCHW, ∂L/∂W = Gᵀ·cols with G the gradient copied to rows (M, O).
    """

    _name = "ConvolutionBackward0"
    saves = (0, 1)

    def __init__(self, stride: tuple[int, int], padding: tuple, dilation: tuple[int, int],
                 groups: int) -> None:
        self.stride, self.padding, self.dilation, self.groups = stride, as_pad2(padding), dilation, groups

    def _cols(self, x: np.ndarray) -> np.ndarray:
        return im2col(x, self.k, self.stride, self.padding, self.dilation, self.out, self.groups)

    def forward(self, x, w, b=None):
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        groups = self.groups
        self.k = (kh, kw)
        self.out = padded_out_size((h, wd), self.k, self.stride, self.padding, self.dilation)
        self.x, self.w3 = x, kernel_matrix(w, groups)  # W as (G, Og, Kg)
        l = self.out[0] * self.out[1]
        self.per_sample = groups == 1 and not rows_major(cg, kw, self.out[1])
        y = np.empty((n, o, l), x.dtype)
        for lo, hi in sample_chunks(n, l * kh * kw * c):
            cols = self._cols(x[lo:hi])  # (G, m, Kg)
            if self.per_sample:  # each cols_nᵀ (K, L) is a block of contiguous rows
                np.matmul(self.w3[0], cols[0].reshape(hi - lo, l, -1).transpose(0, 2, 1), out=y[lo:hi])
            else:
                rows_to_nchw(np.matmul(cols, self.w3.transpose(0, 2, 1)), hi - lo, self.out, b, out=y[lo:hi])
        if self.per_sample and b is not None:
            y += b.reshape(1, o, 1)
        return y.reshape(n, o, *self.out)

    def backward(self, g):
        need = self.needs_input_grad
        groups, (kh, kw), x = self.groups, self.k, self.x
        n, o = g.shape[:2]
        l = self.out[0] * self.out[1]
        gx = np.empty(x.shape, g.dtype) if need[0] else None
        gw3 = np.zeros(self.w3.shape, g.dtype) if need[1] else None
        wk = self.w3.reshape(groups, o // groups, kh, kw, -1)  # W[:, :, a, b] is wk[:, :, a, b]
        for lo, hi in sample_chunks(n, l * self.w3.shape[2] * groups):
            gc = g[lo:hi]
            cols = self._cols(x[lo:hi]) if need[1] else None
            if self.per_sample:
                if need[1]:  # Σ_n G_n (O, L) · cols_n (L, K)
                    per_sample = np.matmul(gc.reshape(hi - lo, o, l), cols[0].reshape(hi - lo, l, -1))
                    gw3[0] += per_sample.sum(axis=0)
            else:
                gc = as_rows(gc, groups)  # (G, m, Og)
                if need[1]:
                    gw3 += np.matmul(gc.transpose(0, 2, 1), cols)
            if need[0]:
                gx[lo:hi] = scatter_offsets(gc, wk, (hi - lo, *x.shape[1:]), self.k, self.stride,
                                            self.padding, self.dilation, self.out)
        gw = gb = None
        if need[1]:
            gw = np.ascontiguousarray(gw3.reshape(o, kh, kw, -1).transpose(0, 3, 1, 2))
        if len(need) > 2 and need[2]:
            gb = np.matmul(g.reshape(n, o, -1), np.ones(l, g.dtype)).sum(axis=0)
        return (gx, gw, gb) if len(need) > 2 else (gx, gw)


class ConvTranspose2d(Node):
    """y = conv_transpose2d(x, W) + b: every input pixel adds a W-weighted copy of the kernel
    onto the output (:func:`scatter_offsets`, the adjoint of Conv2d with the same geometry).

    W is (C_in, C_out/G, kh, kw). Output size: (H − 1)s − 2p + d(k − 1) + output_padding + 1.
    Backward: with Gc = im2col(∂L/∂y), ∂L/∂x = Gc·Wᵀ, ∂L/∂W = xᵀ·Gc, ∂L/∂b = Σ ∂L/∂y.
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
        self.out_shape = (n, groups * og, full[0] - 2 * p[0], full[1] - 2 * p[1])
        self.k, self.in_hw, self.x = (kh, kw), (h, wd), x
        # W as (G, Cin/G, kh, kw, Og): row (a, b) of input channel i is what pixel i adds at (a, b)
        self.wk = w.reshape(groups, cin // groups, og, kh, kw).transpose(0, 1, 3, 4, 2)
        per_sample = groups == 1 and not rows_major(og, kw, wd)
        src = x if per_sample else as_rows(x, groups)
        y = scatter_offsets(src, self.wk, self.out_shape, self.k, s, as_pad2(p), d, self.in_hw)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        return y

    def backward(self, g):
        need = self.needs_input_grad
        groups, (kh, kw) = self.groups, self.k
        n = g.shape[0]
        gcols = im2col(g, self.k, self.stride, as_pad2(self.padding), self.dilation, self.in_hw, groups)
        w3 = self.wk.reshape(groups, self.wk.shape[1], -1)  # (G, Cin/G, kh·kw·Og)
        gx = gw = gb = None
        if need[0]:
            gx = rows_to_nchw(np.matmul(gcols, w3.transpose(0, 2, 1)), n, self.in_hw, None)
        if need[1]:
            gw3 = np.matmul(as_rows(self.x, groups).transpose(0, 2, 1), gcols)  # (G, Cin/G, kh·kw·Og)
            og = gw3.shape[2] // (kh * kw)
            gw = np.ascontiguousarray(gw3.reshape(-1, kh, kw, og).transpose(0, 3, 1, 2))
        if len(need) > 2:
            if need[2]:
                c = g.shape[1]
                gb = np.matmul(g.reshape(n, c, -1), np.ones(g.shape[2] * g.shape[3], g.dtype)).sum(axis=0)
            return gx, gw, gb
        return gx, gw


class Unfold(Node):
    """F.unfold: the patches as columns, (N, C·kh·kw, L) with rows ordered (c, a, b) and
    L = Ho·Wo; backward: col2im (patches that overlap add their gradients)."""

    _name = "Im2ColBackward0"

    def __init__(self, k: tuple[int, int], d: tuple[int, int], p: tuple[int, int],
                 s: tuple[int, int]) -> None:
        self.k, self.d, self.p, self.s = k, d, as_pad2(p), s

    def forward(self, x):
        n, c, h, w = x.shape
        k, s, p, d = self.k, self.s, self.p, self.d
        self.out = padded_out_size((h, w), k, s, p, d)
        self.in_shape = x.shape
        view = patches(pad2d(x, p, False), k, s, d, self.out)  # (N, Ho, Wo, kh, kw, C)
        return view.transpose(0, 5, 3, 4, 1, 2).reshape(n, c * k[0] * k[1], -1)

    def backward(self, g):
        n, c = self.in_shape[:2]
        (kh, kw), (ho, wo) = self.k, self.out
        cols = g.reshape(n, c, kh, kw, ho, wo).transpose(0, 4, 5, 2, 3, 1).reshape(1, n * ho * wo, -1)
        return col2im(cols, self.in_shape, self.k, self.s, self.p, self.d, self.out)


class Fold(Node):
    """F.fold: columns (N, C·kh·kw, L) summed back into an image (the adjoint of unfold);
    backward: unfold."""

    _name = "Col2ImBackward0"

    def __init__(self, output_size: tuple[int, int], k: tuple[int, int], d: tuple[int, int],
                 p: tuple[int, int], s: tuple[int, int]) -> None:
        self.size, self.k, self.d, self.p, self.s = output_size, k, d, as_pad2(p), s

    def forward(self, x):
        n, ck, _ = x.shape
        k, s, p, d = self.k, self.s, self.p, self.d
        c = ck // (k[0] * k[1])
        h, w = self.size
        self.out = padded_out_size((h, w), k, s, p, d)
        cols = x.reshape(n, c, k[0], k[1], *self.out).transpose(0, 4, 5, 2, 3, 1).reshape(1, -1, ck)
        return col2im(cols, (n, c, h, w), k, s, p, d, self.out)

    def backward(self, g):
        n, c = g.shape[:2]
        k = self.k
        view = patches(pad2d(g, self.p, False), k, self.s, self.d, self.out)
        return view.transpose(0, 5, 3, 4, 1, 2).reshape(n, c * k[0] * k[1], -1)
