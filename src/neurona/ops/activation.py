"""Activation functions of ``nn``: each forward beside its derivative.

ReLU, sigmoid and tanh live in :mod:`unary`; these are the parametrised ones. Every
formula avoids overflow: softplus and its relatives go through log1p(e^(−|x|)).
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


def softplus_array(x: np.ndarray) -> np.ndarray:
    """log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), finite for any x."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid_array(x: np.ndarray) -> np.ndarray:
    """σ(x) without overflow (see ``unary.Sigmoid``)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


class LeakyRelu(Node):
    """z = x if x > 0 else s·x;  ∂z/∂x = 1 or s."""

    _name = "LeakyReluBackward0"
    saves = (0,)

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, x * self.slope)

    def backward(self, g):
        return np.where(self.x > 0, g, g * self.slope)


class Elu(Node):
    """z = scale·(x if x > 0 else α·(eˣ − 1)) — ELU (scale 1) and SELU;
    ∂z/∂x = scale·(1 if x > 0 else α·eˣ)."""

    _name = "EluBackward0"
    saves = (0,)

    def __init__(self, alpha: float, scale: float = 1.0) -> None:
        self.alpha, self.scale = alpha, scale

    def forward(self, x):
        self.x = x
        neg = self.alpha * np.expm1(np.minimum(x, 0))
        out = np.where(x > 0, x, neg)
        return out * self.scale if self.scale != 1.0 else out

    def backward(self, g):
        x = self.x
        d = np.where(x > 0, 1, self.alpha * np.exp(np.minimum(x, 0)))
        if self.scale != 1.0:
            d = d * self.scale
        return g * d.astype(g.dtype, copy=False)


class Celu(Node):
    """z = max(0, x) + min(0, α·(e^(x/α) − 1));  ∂z/∂x = 1 (x > 0) or e^(x/α)."""

    _name = "CeluBackward0"
    saves = (0,)

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0) / self.alpha))

    def backward(self, g):
        x = self.x
        return g * np.where(x > 0, 1, np.exp(np.minimum(x, 0) / self.alpha)).astype(g.dtype)


class Gelu(Node):
    """GELU. Exact: z = x·Φ(x) = x·½(1 + erf(x/√2)), ∂z/∂x = Φ(x) + x·φ(x).
    Tanh form: z = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³)."""

    _name = "GeluBackward0"
    saves = (0,)

    def __init__(self, approximate: str) -> None:
        self.approximate = approximate

    def forward(self, x):
        self.x = x
        if self.approximate == "tanh":
            k = np.sqrt(2 / np.pi).astype(x.dtype)
            self.t = np.tanh(k * (x + 0.044715 * x * x * x))
            return 0.5 * x * (1 + self.t)
        from ._special import erf  # lazily: SciPy's import is slow

        self.cdf = 0.5 * (1 + erf(x * np.asarray(1 / np.sqrt(2), x.dtype)))
        return x * self.cdf

    def backward(self, g):
        x = self.x
        if self.approximate == "tanh":
            k = np.sqrt(2 / np.pi).astype(x.dtype)
            t = self.t
            du = k * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        pdf = np.exp(-0.5 * x * x) * np.asarray(1 / np.sqrt(2 * np.pi), x.dtype)
        return g * (self.cdf + x * pdf)


class Silu(Node):
    """z = x·σ(x);  ∂z/∂x = σ(x)·(1 + x·(1 − σ(x)))."""

    _name = "SiluBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        self.s = sigmoid_array(x)
        return x * self.s

    def backward(self, g):
        s = self.s
        return g * (s * (1 + self.x * (1 - s)))


class Mish(Node):
    """z = x·tanh(softplus(x));  ∂z/∂x = t + x·σ(x)·(1 − t²), t = tanh(softplus(x))."""

    _name = "MishBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        self.t = np.tanh(softplus_array(x))
        return x * self.t

    def backward(self, g):
        t = self.t
        return g * (t + self.x * sigmoid_array(self.x) * (1 - t * t))


class Softplus(Node):
    """z = (1/β)·log(1 + e^(βx)), or x where βx > threshold;  ∂z/∂x = σ(βx) (1 above)."""

    _name = "SoftplusBackward0"
    saves = (0,)

    def __init__(self, beta: float, threshold: float) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        self.x = x
        bx = x * self.beta
        return np.where(bx > self.threshold, x, softplus_array(bx) / self.beta)

    def backward(self, g):
        bx = self.x * self.beta
        return g * np.where(bx > self.threshold, 1, sigmoid_array(bx)).astype(g.dtype)


class Hardtanh(Node):
    """z = clamp(x, lo, hi);  ∂z/∂x = 1 strictly inside (lo, hi), else 0 (ReLU6 is (0, 6))."""

    _name = "HardtanhBackward0"
    saves = (0,)

    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x):
        self.x = x
        out = np.clip(x, self.lo, self.hi)
        return out if out.dtype == x.dtype else out.astype(x.dtype)  # int stays int

    def backward(self, g):
        x = self.x
        return g * ((x > self.lo) & (x < self.hi))


class Threshold(Node):
    """z = x if x > threshold else value;  ∂z/∂x = 1 where x > threshold."""

    _name = "ThresholdBackward0"
    saves = (0,)

    def __init__(self, threshold: float, value: float) -> None:
        self.threshold, self.value = threshold, value

    def forward(self, x):
        self.x = x
        return np.where(x > self.threshold, x, np.asarray(self.value, x.dtype))

    def backward(self, g):
        return g * (self.x > self.threshold)


class Softsign(Node):
    """z = x/(1 + |x|);  ∂z/∂x = 1/(1 + |x|)²."""

    _name = "SoftsignBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return x / (1 + np.abs(x))

    def backward(self, g):
        d = 1 + np.abs(self.x)
        return g / (d * d)


class LogSigmoid(Node):
    """z = log σ(x) = −softplus(−x);  ∂z/∂x = 1 − σ(x) = σ(−x)."""

    _name = "LogSigmoidBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return -softplus_array(-x)

    def backward(self, g):
        return g * sigmoid_array(-self.x)


class Hardsigmoid(Node):
    """z = clamp(x/6 + ½, 0, 1);  ∂z/∂x = 1/6 for −3 < x < 3."""

    _name = "HardsigmoidBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.clip(x / 6 + 0.5, 0, 1)

    def backward(self, g):
        x = self.x
        return g * (((x > -3) & (x < 3)) / 6).astype(g.dtype)


class Hardswish(Node):
    """z = x·clamp(x + 3, 0, 6)/6;  ∂z/∂x = 0 (x ≤ −3), 1 (x ≥ 3), (2x + 3)/6 strictly between
    (at the kinks ±3 PyTorch takes the outer side's slope)."""

    _name = "HardswishBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return x * np.clip(x + 3, 0, 6) / 6

    def backward(self, g):
        x = self.x
        d = np.where(x <= -3, 0, np.where(x >= 3, 1, (2 * x + 3) / 6))
        return g * d.astype(g.dtype)


class PRelu(Node):
    """z = x if x > 0 else a·x, a learned (one per channel on axis 1, or shared);
    ∂z/∂x = 1 or a,  ∂z/∂a = x where x ≤ 0 (summed by the engine over the broadcast)."""

    _name = "PreluKernelBackward0"
    saves = (0, 1)

    def forward(self, x, a):
        self.x, self.a = x, a
        return np.where(x > 0, x, a * x)

    def backward(self, g):
        x, a = self.x, self.a
        pos = x > 0
        return np.where(pos, g, g * a), np.where(pos, 0, g * x).astype(g.dtype)
