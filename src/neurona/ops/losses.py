"""Loss primitives whose PyTorch gradients are not those of a plain composition."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node

_EPS = float(np.float32(1e-12))  # PyTorch's BCE gradient floor (a float constant in its kernel)


class BinaryCrossEntropy(Node):
    """ℓ = −(y·log x + (1 − y)·log(1 − x)) for probabilities x, each log clamped at −100
    (so x = 0 or 1 gives a finite loss). Gradients as PyTorch's:
      ∂ℓ/∂x = (x − y) / max(x·(1 − x), ε)   (ε = 1e−12 rounded to float32, as PyTorch's),
      ∂ℓ/∂y = −logit(x) = −log(x / (1 − x)), *not* clamped: ±inf at x = 1 / x = 0 (and NaN
      there where the incoming gradient is 0), exactly as PyTorch."""

    _name = "BinaryCrossEntropyBackward0"
    saves = (0, 1)

    def forward(self, x, y):
        self.x, self.y = x, y
        with np.errstate(divide="ignore"):
            self.log_x = np.maximum(np.log(x), -100)
            self.log_1mx = np.maximum(np.log1p(-x), -100)
        return -(y * self.log_x + (1 - y) * self.log_1mx)

    def backward(self, g):
        x, y = self.x, self.y
        gx = gy = None
        if self.needs_input_grad[0]:
            gx = g * (x - y) / np.maximum(x * (1 - x), np.asarray(_EPS, x.dtype))
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gy = g * -np.log(x / (1 - x))
        return gx, gy


class XLogY(Node):
    """z = x·log x with 0 at x = 0 (the entropy term of KL divergence);
    ∂z/∂x = log x + 1, NaN at x = 0 as in PyTorch (whose xlogy(x, x) backward adds
    xlogy(x ≠ 0, x) = 0 and x/x = 0/0 there): the derivative is unbounded at 0."""

    _name = "XlogyBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x == 0, 0, x * np.log(np.where(x == 0, 1, x))).astype(x.dtype)

    def backward(self, g):
        x = self.x
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(x == 0, np.nan, np.log(np.where(x == 0, 1, x)) + 1).astype(g.dtype)
            return g * d
