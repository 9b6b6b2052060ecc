"""Padding: constant, reflect, replicate and circular, along any trailing axes.

Non-constant modes are gathers: along each padded axis an index map says which input
position each output position copies (``reflect``: mirror without repeating the edge;
``replicate``: repeat the edge; ``circular``: wrap around). The backward adds the
gradient back through the same maps (positions read twice receive both contributions).
Negative pads crop.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


def index_map(n: int, left: int, right: int, mode: str) -> np.ndarray:
    """For an axis of size n padded by (left, right): the input index of each output slot.

    Output slot j reads position j − left of the (conceptually infinite) padded axis:
    ``replicate`` clips it into [0, n − 1]; ``reflect`` mirrors it about 0 and n − 1 (period
    2(n − 1)). A negative pad crops that side first; for ``circular`` the wrap-around then
    reads the *cropped* axis (PyTorch crops before it wraps).
    """
    if mode == "circular":
        lo, hi = max(-left, 0), n - max(-right, 0)  # the cropped span [lo, hi)
        m = hi - lo
        return lo + np.mod(np.arange(-max(left, 0), m + max(right, 0)), m)
    pos = np.arange(-left, n + right)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    if mode == "reflect":
        if n == 1:
            return np.zeros_like(pos)
        period = 2 * (n - 1)
        p = np.mod(pos, period)
        return np.where(p < n, p, period - p)
    raise ValueError(f"unknown padding mode {mode}")


class Pad(Node):
    """Pad with a constant, or gather through index maps (reflect/replicate/circular)."""

    _name = "ConstantPadNdBackward0"

    def __init__(self, widths: list[tuple[int, int]], mode: str, value: float) -> None:
        self.widths, self.mode, self.value = widths, mode, value
        if mode != "constant":
            self._name = {"reflect": "ReflectionPad", "replicate": "ReplicationPad",
                          "circular": "CircularPad"}[mode] + "Backward0"

    def forward(self, x):
        self.in_shape = x.shape
        if self.mode == "constant":
            crop = tuple(slice(max(-l, 0), n - max(-r, 0)) for (l, r), n in zip(self.widths, x.shape))
            self.crop = crop
            grow = [(max(l, 0), max(r, 0)) for l, r in self.widths]
            return np.pad(x[crop], grow, mode="constant", constant_values=self.value)
        self.maps = [
            None if (l, r) == (0, 0) else index_map(n, l, r, self.mode)
            for (l, r), n in zip(self.widths, x.shape)
        ]
        out = x
        for axis, m in enumerate(self.maps):
            if m is not None:
                out = np.take(out, m, axis=axis)
        return out

    def backward(self, g):
        """Constant: the gradient of the kept (uncropped) inputs is the inner block of g.
        Gathers: each input position receives the sum of g over the slots that read it."""
        if self.mode == "constant":
            inner = tuple(
                slice(max(l, 0), g.shape[i] - max(r, 0)) for i, (l, r) in enumerate(self.widths)
            )
            out = np.zeros(self.in_shape, g.dtype)
            out[self.crop] = g[inner]
            return out
        for axis in range(len(self.maps) - 1, -1, -1):
            m = self.maps[axis]
            if m is None:
                continue
            moved = np.moveaxis(g, axis, -1)
            flat = moved.reshape(-1, moved.shape[-1])
            n = self.in_shape[axis]
            # one bincount over (row, source index) pairs adds every slot into its source
            keys = (np.arange(flat.shape[0])[:, None] * n + m[None, :]).reshape(-1)
            acc = np.bincount(keys, weights=flat.reshape(-1), minlength=flat.shape[0] * n)
            acc = acc.astype(g.dtype, copy=False).reshape(moved.shape[:-1] + (n,))
            g = np.moveaxis(acc, -1, axis)
        return g
