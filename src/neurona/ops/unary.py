"""Element-wise functions of one array, each with its derivative.

Where the derivative is cheaper from the output (exp, tanh, sigmoid, sqrt) the op keeps
the output instead of the input. ``sigmoid`` is computed in the stable form that never
evaluates ``exp`` of a large positive number.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


class Neg(Node):
    """z = −x."""

    _name = "NegBackward0"

    def forward(self, x):
        return np.negative(x)

    def backward(self, g):
        return -g


class Abs(Node):
    """z = |x|;  ∂z/∂x = sign(x) (0 at 0)."""

    _name = "AbsBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.abs(x)

    def backward(self, g):
        return g * np.sign(self.x)


class Exp(Node):
    """z = eˣ;  ∂z/∂x = z."""

    _name = "ExpBackward0"
    saves_output = True

    def forward(self, x):
        self.out = np.exp(x)
        return self.out

    def backward(self, g):
        return g * self.out


class Exp2(Node):
    """z = 2ˣ;  ∂z/∂x = z·ln 2."""

    _name = "Exp2Backward0"
    saves_output = True

    def forward(self, x):
        self.out = np.exp2(x)
        return self.out

    def backward(self, g):
        return g * self.out * np.log(2.0).astype(g.dtype)


class Expm1(Node):
    """z = eˣ − 1 (accurate near 0);  ∂z/∂x = z + 1."""

    _name = "Expm1Backward0"
    saves_output = True

    def forward(self, x):
        self.out = np.expm1(x)
        return self.out

    def backward(self, g):
        return g * (self.out + 1)


class Log(Node):
    """z = ln x;  ∂z/∂x = 1/x."""

    _name = "LogBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.log(x)

    def backward(self, g):
        return g / self.x


class Log2(Node):
    """z = log₂ x;  ∂z/∂x = 1/(x·ln 2)."""

    _name = "Log2Backward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.log2(x)

    def backward(self, g):
        return g / (self.x * np.log(2.0).astype(g.dtype))


class Log10(Node):
    """z = log₁₀ x;  ∂z/∂x = 1/(x·ln 10)."""

    _name = "Log10Backward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.log10(x)

    def backward(self, g):
        return g / (self.x * np.log(10.0).astype(g.dtype))


class Log1p(Node):
    """z = ln(1 + x) (accurate near 0);  ∂z/∂x = 1/(1 + x)."""

    _name = "Log1PBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.log1p(x)

    def backward(self, g):
        return g / (1 + self.x)


class Sqrt(Node):
    """z = √x;  ∂z/∂x = 1/(2z)."""

    _name = "SqrtBackward0"
    saves_output = True

    def forward(self, x):
        self.out = np.sqrt(x)
        return self.out

    def backward(self, g):
        return g / (2 * self.out)


class Rsqrt(Node):
    """z = 1/√x;  ∂z/∂x = −z³/2."""

    _name = "RsqrtBackward0"
    saves_output = True

    def forward(self, x):
        self.out = 1 / np.sqrt(x)
        return self.out

    def backward(self, g):
        o = self.out
        return g * (-0.5 * o * o * o)


class Reciprocal(Node):
    """z = 1/x;  ∂z/∂x = −z²."""

    _name = "ReciprocalBackward0"
    saves_output = True

    def forward(self, x):
        self.out = np.reciprocal(x)
        return self.out

    def backward(self, g):
        return -g * self.out * self.out


class Square(Node):
    """z = x²;  ∂z/∂x = 2x."""

    _name = "PowBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, g):
        return g * (2 * self.x)


class Sin(Node):
    """z = sin x;  ∂z/∂x = cos x."""

    _name = "SinBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.sin(x)

    def backward(self, g):
        return g * np.cos(self.x)


class Cos(Node):
    """z = cos x;  ∂z/∂x = −sin x."""

    _name = "CosBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.cos(x)

    def backward(self, g):
        return -g * np.sin(self.x)


class Tan(Node):
    """z = tan x;  ∂z/∂x = 1 + z²."""

    _name = "TanBackward0"
    saves_output = True

    def forward(self, x):
        self.out = np.tan(x)
        return self.out

    def backward(self, g):
        return g * (1 + self.out * self.out)


class Asin(Node):
    """z = asin x;  ∂z/∂x = 1/√(1 − x²)."""

    _name = "AsinBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.arcsin(x)

    def backward(self, g):
        return g / np.sqrt(1 - self.x * self.x)


class Acos(Node):
    """z = acos x;  ∂z/∂x = −1/√(1 − x²)."""

    _name = "AcosBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.arccos(x)

    def backward(self, g):
        return -g / np.sqrt(1 - self.x * self.x)


class Atan(Node):
    """z = atan x;  ∂z/∂x = 1/(1 + x²)."""

    _name = "AtanBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.arctan(x)

    def backward(self, g):
        return g / (1 + self.x * self.x)


class Sinh(Node):
    """z = sinh x;  ∂z/∂x = cosh x."""

    _name = "SinhBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.sinh(x)

    def backward(self, g):
        return g * np.cosh(self.x)


class Cosh(Node):
    """z = cosh x;  ∂z/∂x = sinh x."""

    _name = "CoshBackward0"
    saves = (0,)

    def forward(self, x):
        self.x = x
        return np.cosh(x)

    def backward(self, g):
        return g * np.sinh(self.x)


class Tanh(Node):
    """z = tanh x;  ∂z/∂x = 1 − z²."""

    _name = "TanhBackward0"
    saves_output = True

    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, g):
        o = self.out
        return g * (1 - o * o)


class Sigmoid(Node):
    """z = σ(x) = 1/(1 + e⁻ˣ);  ∂z/∂x = z·(1 − z).

    Stable for any x: with e = e^(−|x|) ≤ 1, σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e)
    for x < 0, so exp never overflows and tiny results keep full relative precision.
    """

    _name = "SigmoidBackward0"
    saves_output = True

    def forward(self, x):
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1, e)
        e += 1
        out /= e
        self.out = out
        return out

    def backward(self, g):
        o = self.out
        return g * o * (1 - o)


class Relu(Node):
    """z = max(x, 0);  ∂z/∂x = 1 where z > 0 (0 at x = 0, as PyTorch)."""

    _name = "ReluBackward0"
    saves_output = True

    def forward(self, x):
        self.out = np.maximum(x, 0)
        return self.out

    def backward(self, g):
        return g * (self.out > 0)


class Erf(Node):
    """z = erf x;  ∂z/∂x = 2/√π · e^(−x²)."""

    _name = "ErfBackward0"
    saves = (0,)

    def forward(self, x):
        from ._special import erf

        self.x = x
        return erf(x)

    def backward(self, g):
        x = self.x
        return g * (2 / np.sqrt(np.pi)) * np.exp(-x * x)


class ZeroGrad(Node):
    """Step-like functions (floor, ceil, round, trunc, sign): derivative 0 almost everywhere."""

    def __init__(self, fn, name: str) -> None:
        self.fn = fn
        self._name = name

    def forward(self, x):
        return self.fn(x)

    def backward(self, g):
        return np.zeros_like(g)


class Frac(Node):
    """z = x − trunc(x);  ∂z/∂x = 1."""

    _name = "FracBackward0"

    def forward(self, x):
        return x - np.trunc(x)

    def backward(self, g):
        return g


class NanToNum(Node):
    """Replace NaN/±inf by finite numbers;  ∂z/∂x = 1 where x was finite, else 0."""

    _name = "NanToNumBackward0"
    saves = (0,)

    def __init__(self, nan, posinf, neginf) -> None:
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, x):
        self.x = x
        return np.nan_to_num(x, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, g):
        return g * np.isfinite(self.x)


class Identity(Node):
    """z = x (a copy: ``clone``);  ∂z/∂x = 1."""

    _name = "CloneBackward0"

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g


class Cast(Node):
    """z = x converted to another dtype;  the gradient is converted back (by the engine)."""

    _name = "ToCopyBackward0"

    def __init__(self, np_dtype) -> None:
        self.np_dtype = np_dtype

    def forward(self, x):
        return x.astype(self.np_dtype)

    def backward(self, g):
        return g
