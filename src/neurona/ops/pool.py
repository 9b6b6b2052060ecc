"""Pooling through strided windows, adaptive pooling, and resampling (interpolate).

Window (i, j) of a pooling with kernel (kh, kw), stride s, padding p and dilation d reads the
cells ``xp[n, c, i·s + a·d, j·s + b·d]`` of the padded input for the kernel offsets (a, b); the
cells at one offset over all windows form a strided *slab* (N, C, Ho, Wo) of xp. Every loop
here runs over the kh·kw offsets (or the kh + kw offsets), each step one vectorised operation
on a whole slab — never a loop over pixels, never ``np.add.at``.

* **max**: y = max over the window, padding never counted. ``arg`` keeps which offset
  t = a·kw + b held the maximum, with PyTorch's rule: scanning the window in row-major order,
  a cell replaces the running maximum when it is greater or NaN (so ties go to the first
  maximum, NaN to the last NaN). Backward: each window's gradient goes to that cell.
  When the windows tile the input (kernel = stride, no padding or dilation, the common
  ``MaxPool2d(2)``) the max runs in two passes, across each window row (over b) and then
  down (over a), which is the same row-major first maximum.
* **average**: y = Σ window / divisor; backward adds g/divisor to every cell of the window.
* **adaptive**: window i covers [⌊i·n/m⌋, ⌈(i + 1)·n/m⌉); average pooling is then a product
  with averaging matrices on both sides, max pooling a separable max (rows, then columns).
* **resampling** (interpolate) is a product with interpolation matrices on both sides.
1-D pooling runs as 2-D with height 1.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node
from .conv import Pad2, pad2d


def pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """Output length: ⌊ or ⌈ (n + 2p − d(k − 1) − 1)/s ⌉ + 1; in ceil mode the last window
    must start inside the input or its left padding (PyTorch's rule)."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def window_pad(hw: tuple, k: tuple, s: tuple, p: tuple, d: tuple, out: tuple) -> Pad2:
    """Padding of the pooled input: p on top/left; on bottom/right what the last window reads
    beyond the input (p, or more in ceil mode, or less when the last cells are never read)."""
    pads = []
    for n, ki, si, pi, di, oi in zip(hw, k, s, p, d, out):
        need = (oi - 1) * si + di * (ki - 1) + 1
        pads.append((pi, max(need - n - pi, 0)))
    return tuple(pads)


def slab(xp: np.ndarray, a: int, b: int, s: tuple, d: tuple, out: tuple) -> np.ndarray:
    """The cells of kernel offset (a, b) of every window: an (N, C, Ho, Wo) strided view."""
    r0, c0 = a * d[0], b * d[1]
    return xp[:, :, r0:r0 + s[0] * (out[0] - 1) + 1:s[0], c0:c0 + s[1] * (out[1] - 1) + 1:s[1]]


def _offset_dtype(n: int) -> type:
    return np.int8 if n <= 127 else np.int32


def _running_max(slabs: list, arg_dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Max over a list of same-shape arrays and the position of the first maximum.

    A later slab wins only where it is strictly greater, and its position is larger than any
    earlier one, so ``arg = max(arg, t·[slab_t > best])`` keeps the first maximum (NaN aside)."""
    if len(slabs) == 1:
        return slabs[0].copy(), np.zeros(slabs[0].shape, arg_dtype)
    best = np.maximum(slabs[0], slabs[1])
    arg = np.greater(slabs[1], slabs[0]).astype(arg_dtype)
    for t in range(2, len(slabs)):
        upd = np.greater(slabs[t], best)
        np.maximum(best, slabs[t], out=best)
        np.maximum(arg, np.multiply(upd, t, dtype=arg_dtype), out=arg)
    return best, arg


def _fill_min(dtype: np.dtype) -> float:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def max_windows(x: np.ndarray, k: tuple, s: tuple, pad: Pad2, d: tuple, out: tuple
                ) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling of x (N, C, H, W) over general windows: (y, arg) with PyTorch's exact rule
    (padding never counts; greater or NaN replaces; a window whose cells are all −∞ points at
    its first cell inside the input)."""
    n, c = x.shape[:2]
    kh, kw = k
    fill = _fill_min(x.dtype)
    xp = pad2d(x, pad, False, fill)
    # running maximum starts at −∞ on the first cell of each window that lies inside the input
    first = []
    for pi, si, di, oi in zip((pad[0][0], pad[1][0]), s, d, out):
        start = np.arange(oi) * si - pi
        first.append(-(np.minimum(start, 0) // di))  # ⌈max(−start, 0)/d⌉
    arg_dtype = _offset_dtype(kh * kw)
    arg = np.broadcast_to((first[0][:, None] * kw + first[1][None, :]).astype(arg_dtype), (n, c, *out)).copy()
    best = np.full((n, c, *out), fill, x.dtype)
    is_float = x.dtype.kind == "f"
    for a in range(kh):
        for b in range(kw):
            t = a * kw + b
            cells = slab(xp, a, b, s, d, out)
            upd = np.greater(cells, best)
            if is_float:
                upd |= np.isnan(cells)
            np.maximum(best, cells, out=best)  # NaN propagates, as it does in PyTorch
            # offsets only grow and cells before the first valid one never win: max keeps the winner
            np.maximum(arg, np.multiply(upd, t, dtype=arg_dtype), out=arg)
    return best, arg


def max_tiles(x: np.ndarray, k: tuple, out: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Max pooling when the windows tile the input (kernel = stride, no padding/dilation):
    max over b across each window row, then over a down the rows. Returns y, the winning row
    offset per window (N, C, Ho, Wo) and the winning column offset per row (N, C, Ho·kh, Wo)."""
    kh, kw = k
    hc, wc = out[0] * kh, out[1] * kw
    dt = _offset_dtype(max(kh, kw))
    across, col = _running_max([x[:, :, :hc, b:wc:kw] for b in range(kw)], dt)
    y, row = _running_max([across[:, :, a::kh] for a in range(kh)], dt)
    return y, row, col


class MaxPool2d(Node):
    """y = max over each window (padding never counts); ∂L/∂x: each window's gradient goes to
    its maximum (the first in row-major order; the last NaN if there is one)."""

    _name = "MaxPool2DWithIndicesBackward0"

    def __init__(self, k: tuple, s: tuple, p: tuple, d: tuple, ceil_mode: bool) -> None:
        self.k, self.s, self.p, self.d, self.ceil_mode = k, s, p, d, ceil_mode

    def forward(self, x):
        h, w = x.shape[2:]
        k, s, p, d = self.k, self.s, self.p, self.d
        out = (pool_out_size(h, k[0], s[0], p[0], d[0], self.ceil_mode),
               pool_out_size(w, k[1], s[1], p[1], d[1], self.ceil_mode))
        self.out, self.in_shape = out, x.shape
        self.tiled = (k == s and p == (0, 0) and d == (1, 1) and out[0] * k[0] <= h and out[1] * k[1] <= w)
        if self.tiled:
            y, self.row, self.col = max_tiles(x, k, out)
            if x.dtype.kind != "f" or not np.isnan(y).any():
                return y
            self.tiled = False  # NaN: its index follows the general rule
            del self.row, self.col
        self.pad = window_pad((h, w), k, s, p, d, out)
        y, self.arg = max_windows(x, k, s, self.pad, d, out)
        return y

    def offsets(self) -> np.ndarray:
        """The kernel offset t = a·kw + b of each window's maximum."""
        if not self.tiled:
            return self.arg.astype(np.int64)
        kh, kw = self.k
        n, c = self.in_shape[:2]
        ho, wo = self.out
        row = self.row.astype(np.int64)
        col = np.take_along_axis(self.col.reshape(n, c, ho, kh, wo), row[:, :, :, None, :], axis=3)
        return row * kw + col[:, :, :, 0]

    def indices(self) -> np.ndarray:
        """Flat indices (into H·W of the unpadded input) of each window's maximum."""
        k, s, p, d = self.k, self.s, self.p, self.d
        a, b = np.divmod(self.offsets(), k[1])
        i = np.arange(self.out[0]).reshape(-1, 1)
        j = np.arange(self.out[1]).reshape(1, -1)
        return (i * s[0] - p[0] + a * d[0]) * self.in_shape[3] + (j * s[1] - p[1] + b * d[1])

    def backward(self, g):
        n, c, h, w = self.in_shape
        kh, kw = self.k
        ho, wo = self.out
        if self.tiled:
            hc, wc = ho * kh, wo * kw
            down = np.empty((n, c, hc, wo), g.dtype)
            for a in range(kh):
                np.multiply(g, self.row == a, out=down[:, :, a::kh])
            gx = np.empty(self.in_shape, g.dtype) if (hc, wc) == (h, w) else np.zeros(self.in_shape, g.dtype)
            for b in range(kw):
                np.multiply(down, self.col == b, out=gx[:, :, :hc, b:wc:kw])
            return gx
        (pt, pb), (pl, pr) = self.pad
        gxp = np.zeros((n, c, h + pt + pb, w + pl + pr), g.dtype)
        for a in range(kh):
            for b in range(kw):
                slab(gxp, a, b, self.s, self.d, self.out)[...] += g * (self.arg == a * kw + b)
        return gxp[:, :, pt:pt + h, pl:pl + w]


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
        pad = window_pad((h, w), k, s, p, d, out)
        xp = pad2d(x, pad, False)
        total = slab(xp, 0, 0, s, d, out).copy()
        for a in range(k[0]):
            for b in range(k[1]):
                if a or b:
                    total += slab(xp, a, b, s, d, out)
        if self.divisor_override:
            div = np.full(out, float(self.divisor_override))
        else:  # count the cells of each window on a 2-D mask of what may be counted
            mask = np.zeros((1, 1, h + sum(pad[0]), w + sum(pad[1])))
            if self.count_include_pad:
                mask[..., :h + 2 * p[0], :w + 2 * p[1]] = 1
            else:
                mask[..., p[0]:p[0] + h, p[1]:p[1] + w] = 1
            div = sum(slab(mask, a, b, s, d, out) for a in range(k[0]) for b in range(k[1]))[0, 0]
        self.div = div.astype(x.dtype)
        self.out, self.pad, self.in_shape = out, pad, x.shape
        total /= self.div
        return total

    def backward(self, g):
        n, c, h, w = self.in_shape
        (pt, pb), (pl, pr) = self.pad
        gd = g / self.div
        gxp = np.zeros((n, c, h + pt + pb, w + pl + pr), g.dtype)
        for a in range(self.k[0]):
            for b in range(self.k[1]):
                slab(gxp, a, b, self.s, (1, 1), self.out)[...] += gd
        return gxp[:, :, pt:pt + h, pl:pl + w]


def adaptive_bins(n: int, m: int) -> list[tuple[int, int]]:
    """The m windows [⌊i·n/m⌋, ⌈(i + 1)·n/m⌉) of adaptive pooling."""
    return [((i * n) // m, -(-((i + 1) * n) // m)) for i in range(m)]


def _average_matrix(n: int, m: int) -> np.ndarray:
    """(m, n) matrix whose row i averages the cells of adaptive bin i."""
    a = np.zeros((m, n))
    for i, (lo, hi) in enumerate(adaptive_bins(n, m)):
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def _max_along_bins(x: np.ndarray, bins: list[tuple[int, int]], axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Max over adaptive bins of ``axis`` (2 or 3) with PyTorch's rule (greater or NaN replaces):
    (max, position along ``axis``). The r-th step reads the r-th cell of every bin at once (a
    gather), the last cell repeated for shorter bins (a repeat never replaces the maximum)."""
    lo = np.array([b[0] for b in bins])
    hi = np.array([b[1] for b in bins])
    width = int((hi - lo).max())
    best = pos = None
    for r in range(width):
        idx = np.minimum(lo + r, hi - 1)
        cells = np.take(x, idx, axis=axis)
        where = idx.reshape((-1, 1) if axis == 2 else (1, -1))
        if best is None:
            best, pos = cells, np.broadcast_to(where, cells.shape).copy()
            continue
        upd = np.greater(cells, best)
        if x.dtype.kind == "f":
            upd |= np.isnan(cells)
        best = np.where(upd, cells, best)
        pos = np.where(upd, where, pos)
    return best, pos


class AdaptivePool2d(Node):
    """Pool to a fixed output size (Ho, Wo) with windows :func:`adaptive_bins`.

    Average: y = A_h · x · A_wᵀ with averaging matrices, ∂L/∂x = A_hᵀ · G · A_w. Max: max over
    the column bins of every row, then over the row bins (separable, and still PyTorch's
    row-major first maximum); ∂L/∂x sends each gradient to its argmax (summed where bins
    overlap, with one ``bincount``)."""

    def __init__(self, out: tuple[int, int], mode: str) -> None:
        self.out, self.mode = out, mode
        self._name = "AdaptiveAvgPool2DBackward0" if mode == "avg" else "AdaptiveMaxPool2DBackward0"

    def forward(self, x):
        n, c, h, w = x.shape
        ho, wo = self.out
        self.in_shape = x.shape
        if self.mode == "avg":
            self.ah = _average_matrix(h, ho).astype(x.dtype)
            self.aw = _average_matrix(w, wo).astype(x.dtype)
            return np.matmul(self.ah, (x.reshape(-1, w) @ self.aw.T).reshape(n, c, h, wo))
        if 0 in (ho, wo, h, w):
            self.arg = np.zeros((n, c, ho, wo), np.int64)
            return np.zeros((n, c, ho, wo), x.dtype)
        across, col = _max_along_bins(x, adaptive_bins(w, wo), axis=3)  # (N, C, H, Wo)
        y, row = _max_along_bins(across, adaptive_bins(h, ho), axis=2)  # (N, C, Ho, Wo)
        self.arg = row * w + np.take_along_axis(col, row, axis=2)
        return y

    def backward(self, g):
        if self.mode == "avg":
            n, c, h, w = self.in_shape
            return np.matmul(self.ah.T, (g.reshape(-1, g.shape[3]) @ self.aw).reshape(n, c, g.shape[2], w))
        n, c, h, w = self.in_shape
        plane = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
        flat = np.bincount((plane + self.arg).ravel(), weights=g.ravel(), minlength=n * c * h * w)
        return flat.astype(g.dtype, copy=False).reshape(self.in_shape)


def interp_matrix(n_in: int, n_out: int, mode: str, align_corners: bool | None,
                  scale: float | None, exact_sizes: bool = True) -> np.ndarray:
    """The (n_out, n_in) matrix of 1-D resampling. 'linear' blends the two neighbours of
    src = (dst + ½)·r − ½ (clamped at 0), or dst·(n_in − 1)/(n_out − 1) with ``align_corners``;
    'nearest' picks src = ⌊dst·r⌋ (in float32, as PyTorch). ``r`` is 1/scale_factor when
    given, else n_in/n_out. As PyTorch, an axis whose size does not change is copied whatever
    the scale factor, and 'nearest' doubles by src = ⌊dst/2⌋ — both for 'nearest' only with
    ``exact_sizes`` (PyTorch's 1-D nearest forward has no such shortcut)."""
    if n_out == n_in and (mode == "linear" or exact_sizes):
        return np.eye(n_in)
    a = np.zeros((n_out, n_in))
    dst = np.arange(n_out)
    ratio = (1.0 / scale) if scale else n_in / n_out
    if mode == "nearest":
        if exact_sizes and n_out == 2 * n_in:
            src = dst // 2
        else:
            src = np.floor(dst.astype(np.float32) * np.float32(ratio)).astype(np.int64)
        a[dst, np.minimum(src, n_in - 1)] = 1.0
        return a
    if align_corners:
        pos = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        pos = np.maximum((dst + 0.5) * ratio - 0.5, 0.0)
    lo = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = pos - lo
    a[dst, lo] = 1.0 - frac
    a[dst, hi] += frac  # each row once per statement: no repeated index within one assignment
    return a


class Resample2d(Node):
    """y = A_h · x · A_wᵀ on the last two axes (separable resampling; A from
    :func:`interp_matrix`);  ∂L/∂x = A_hᵀ · G · A_w."""

    _name = "UpsampleBackward0"

    def __init__(self, ah: np.ndarray, aw: np.ndarray) -> None:
        self.ah, self.aw = ah, aw

    def forward(self, x):
        ah, aw = self.ah.astype(x.dtype), self.aw.astype(x.dtype)
        n, c, h, w = x.shape
        return np.matmul(ah, (x.reshape(-1, w) @ aw.T).reshape(n, c, h, -1))

    def backward(self, g):
        ah, aw = self.ah.astype(g.dtype), self.aw.astype(g.dtype)
        n, c, h, w = g.shape
        return np.matmul(ah.T, (g.reshape(-1, w) @ aw).reshape(n, c, h, -1))
