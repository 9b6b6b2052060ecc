"""Binary arithmetic on arrays, each op's forward beside its backward.

Gradients are returned in the broadcast result's shape; the engine sums them back to each
input's shape. Ops with a Python scalar operand (``x * 2``) keep the scalar as a constant
and have a single tensor input.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


class Add(Node):
    """z = a + alpha·b;  ∂z/∂a = 1,  ∂z/∂b = alpha."""

    _name = "AddBackward0"

    def __init__(self, alpha: float = 1) -> None:
        self.alpha = alpha

    def forward(self, a, b):
        return a + b if self.alpha == 1 else a + self.alpha * b

    def backward(self, g):
        return g, (g if self.alpha == 1 else g * self.alpha)


class Sub(Node):
    """z = a − alpha·b;  ∂z/∂a = 1,  ∂z/∂b = −alpha."""

    _name = "SubBackward0"

    def __init__(self, alpha: float = 1) -> None:
        self.alpha = alpha

    def forward(self, a, b):
        return a - b if self.alpha == 1 else a - self.alpha * b

    def backward(self, g):
        return g, (-g if self.alpha == 1 else g * -self.alpha)


class Mul(Node):
    """z = a·b;  ∂z/∂a = b,  ∂z/∂b = a."""

    _name = "MulBackward0"
    saves = (0, 1)

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        need = self.needs_input_grad
        return (g * self.b if need[0] else None), (g * self.a if need[1] else None)


class Div(Node):
    """z = a / b;  ∂z/∂a = 1/b,  ∂z/∂b = −a/b²."""

    _name = "DivBackward0"
    saves = (0, 1)

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        need = self.needs_input_grad
        ga = g / self.b if need[0] else None
        gb = -g * self.a / (self.b * self.b) if need[1] else None
        return ga, gb


class Pow(Node):
    """z = aᵇ;  ∂z/∂a = b·aᵇ⁻¹ (0 where b = 0),  ∂z/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0,
    as PyTorch)."""

    _name = "PowBackward1"
    saves = (0, 1)
    saves_output = True

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = np.power(a, b)
        return self.out

    def backward(self, g):
        a, b = self.a, self.b
        need = self.needs_input_grad
        ga = gb = None
        if need[0]:
            ga = g * np.where(b == 0, 0.0, b * np.power(a, b - 1)).astype(g.dtype, copy=False)
        if need[1]:
            with np.errstate(divide="ignore", invalid="ignore"):  # 0·ln 0 is masked out below
                out_log_a = self.out * np.log(a)
            gb = g * np.where((a == 0) & (b >= 0), 0.0, out_log_a).astype(g.dtype, copy=False)
        return ga, gb


class Maximum(Node):
    """z = max(a, b); the gradient goes to the larger input, split in half on ties."""

    _name = "MaximumBackward0"
    saves = (0, 1)

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        return _select_grads(g, self.a, self.b, np.greater)


class Minimum(Node):
    """z = min(a, b); the gradient goes to the smaller input, split in half on ties."""

    _name = "MinimumBackward0"
    saves = (0, 1)

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, g):
        return _select_grads(g, self.a, self.b, np.less)


def _select_grads(g, a, b, better):
    wins = better(a, b).astype(g.dtype)
    ties = (a == b).astype(g.dtype) * 0.5
    return g * (wins + ties), g * (1 - wins - ties)


class Where(Node):
    """z = cond ? a : b;  ∂z/∂a = cond,  ∂z/∂b = ¬cond (cond is a constant)."""

    _name = "WhereBackward0"

    def __init__(self, cond: np.ndarray) -> None:
        self.cond = cond

    def forward(self, a, b):
        return np.where(self.cond, a, b)

    def backward(self, g):
        zero = np.zeros((), g.dtype)
        need = self.needs_input_grad
        return (
            np.where(self.cond, g, zero) if need[0] else None,
            np.where(self.cond, zero, g) if need[1] else None,
        )


class Atan2(Node):
    """z = atan2(a, b);  ∂z/∂a = b/(a²+b²),  ∂z/∂b = −a/(a²+b²)."""

    _name = "Atan2Backward0"
    saves = (0, 1)

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.arctan2(a, b)

    def backward(self, g):
        r = self.a * self.a + self.b * self.b
        return g * self.b / r, -g * self.a / r


class Remainder(Node):
    """z = a − b·⌊a/b⌋ (Python's modulo);  ∂z/∂a = 1,  ∂z/∂b = −⌊a/b⌋."""

    _name = "RemainderBackward0"
    saves = (0, 1)

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.remainder(a, b)

    def backward(self, g):
        return g, -g * np.floor_divide(self.a, self.b)


class Fmod(Node):
    """z = a − b·trunc(a/b) (C's fmod);  ∂z/∂a = 1,  ∂z/∂b = −trunc(a/b)."""

    _name = "FmodBackward0"
    saves = (0, 1)

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.fmod(a, b)

    def backward(self, g):
        return g, -g * np.trunc(self.a / self.b)


class Lerp(Node):
    """z = a + w·(b − a);  ∂z/∂a = 1 − w,  ∂z/∂b = w,  ∂z/∂w = b − a."""

    _name = "LerpBackward1"
    saves = (0, 1, 2)

    def forward(self, a, b, w):
        self.a, self.b, self.w = a, b, w
        return a + w * (b - a)

    def backward(self, g):
        return g * (1 - self.w), g * self.w, g * (self.b - self.a)


# -- one tensor and a Python scalar ----------------------------------------------------


class AddScalar(Node):
    """z = x + c."""

    _name = "AddBackward0"

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        return x + self.c

    def backward(self, g):
        return g


class RSubScalar(Node):
    """z = c − x;  ∂z/∂x = −1."""

    _name = "RsubBackward1"

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        return self.c - x

    def backward(self, g):
        return -g


class MulScalar(Node):
    """z = c·x;  ∂z/∂x = c."""

    _name = "MulBackward0"

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        return x * self.c

    def backward(self, g):
        return g * self.c


class DivScalar(Node):
    """z = x / c;  ∂z/∂x = 1/c."""

    _name = "DivBackward0"

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        return x / self.c

    def backward(self, g):
        return g / self.c


class RDivScalar(Node):
    """z = c / x;  ∂z/∂x = −c/x² = −z/x."""

    _name = "MulBackward0"  # PyTorch computes c / x as reciprocal(x) * c
    saves = (0,)
    saves_output = True

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        self.x = x
        self.out = self.c / x
        return self.out

    def backward(self, g):
        return -g * self.out / self.x


class PowScalar(Node):
    """z = xᶜ;  ∂z/∂x = c·xᶜ⁻¹ (0 when c = 0)."""

    _name = "PowBackward0"
    saves = (0,)

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        self.x = x
        c = self.c
        if c == 2:
            return x * x
        if c == 0.5:
            return np.sqrt(x)
        return np.power(x, c)

    def backward(self, g):
        c = self.c
        if c == 0:
            return np.zeros_like(g)
        if c == 2:
            return g * (2 * self.x)
        if c == 1:
            return g
        return g * (c * np.power(self.x, c - 1))


class RPowScalar(Node):
    """z = cˣ;  ∂z/∂x = cˣ·ln c."""

    _name = "PowBackward2"  # pow(Scalar self, Tensor exponent)
    saves_output = True

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        self.out = np.power(np.asarray(self.c, dtype=x.dtype), x)
        return self.out

    def backward(self, g):
        if self.c == 0:
            return g * np.where(self.out == 0, 0.0, -np.inf).astype(g.dtype)
        return g * self.out * np.log(np.asarray(self.c, dtype=g.dtype))


class Clamp(Node):
    """z = min(max(x, lo), hi);  ∂z/∂x = 1 where lo ≤ x ≤ hi, else 0 (bounds are constants)."""

    _name = "ClampBackward1"
    saves = (0,)

    def __init__(self, lo, hi) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x):
        self.x = x
        out = x
        if self.lo is not None:
            out = np.maximum(out, self.lo)
        if self.hi is not None:
            out = np.minimum(out, self.hi)
        return out if out is not x else x.copy()

    def backward(self, g):
        keep = None
        x = self.x
        if self.lo is not None:
            keep = x >= self.lo
        if self.hi is not None:
            k = x <= self.hi
            keep = k if keep is None else keep & k
        return g * keep


class ClampTensor(Node):
    """Clamp with tensor bounds: z = min(max(x, lo), hi) (so z = hi where lo > hi).

    As PyTorch: ∂z/∂x = 1 where lo ≤ x ≤ hi;  ∂z/∂lo = 1 where x < lo < hi (with a max:
    where x < lo);  ∂z/∂hi = 1 where x > hi or lo > hi. Where x < lo = hi nobody gets it.
    """

    _name = "ClampBackward0"
    saves = (0, 1, 2)

    def __init__(self, has_lo: bool, has_hi: bool) -> None:
        self.has_lo, self.has_hi = has_lo, has_hi

    def forward(self, x, lo, hi):
        self.x, self.lo, self.hi = x, lo, hi
        out = x
        if self.has_lo:
            out = np.maximum(out, lo)
        if self.has_hi:
            out = np.minimum(out, hi)
        return out if out is not x else x.copy()

    def backward(self, g):
        x, lo, hi = self.x, self.lo, self.hi
        zero = np.zeros((), g.dtype)
        inside = np.ones((), bool)
        glo = ghi = None
        if self.has_lo:
            inside = inside & (x >= lo)
            below = x < lo
            if self.has_hi:
                below &= lo < hi
            glo = np.where(below, g, zero)
        if self.has_hi:
            inside = inside & (x <= hi)
            above = x > hi
            if self.has_lo:
                above |= lo > hi
            ghi = np.where(above, g, zero)
        return np.where(inside, g, zero), glo, ghi


class Addcmul(Node):
    """z = x + v·a·b."""

    _name = "AddcmulBackward0"
    saves = (1, 2)

    def __init__(self, value: float) -> None:
        self.value = value

    def forward(self, x, a, b):
        self.a, self.b = a, b
        return x + self.value * a * b

    def backward(self, g):
        v = self.value
        return g, g * (v * self.b), g * (v * self.a)


class Addcdiv(Node):
    """z = x + v·a/b."""

    _name = "AddcdivBackward0"
    saves = (1, 2)

    def __init__(self, value: float) -> None:
        self.value = value

    def forward(self, x, a, b):
        self.a, self.b = a, b
        return x + self.value * a / b

    def backward(self, g):
        v = self.value
        return g, g * v / self.b, -g * v * self.a / (self.b * self.b)
