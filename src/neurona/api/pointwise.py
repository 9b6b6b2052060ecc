"""Element-wise functions on tensors: arithmetic, math functions, comparisons.

Each function checks and promotes its operands like PyTorch, then hands the arrays to a
node from :mod:`neurona.ops.arithmetic` / :mod:`neurona.ops.unary` through ``run``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from ..autograd.function import run, run_on
from ..ops import arithmetic as A
from ..ops import unary as U
from ..tensor import Tensor
from ._common import (
    as_tensor_operand,
    broadcast_error,
    float_array,
    is_scalar,
    promoted_arrays,
)

# -- binary: the shared dispatch --------------------------------------------------------


def _tt(node, a: Tensor, b: Tensor) -> Tensor:
    """Run a binary node on two tensors (promoted to a common dtype)."""
    xa, xb = promoted_arrays(a, b)
    return _run2(node, a, b, xa, xb)


def _run2(node, a: Tensor, b: Tensor, xa: np.ndarray, xb: np.ndarray) -> Tensor:
    """Run a binary node on the arrays ``xa``, ``xb`` of ``a``, ``b``; PyTorch's broadcast error."""
    try:
        return run_on(node, (a, b), [xa, xb])
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(xa.shape, xb.shape) from None
        raise


def _promoted_operands(input: Any, other: Any, floating: bool = False) -> tuple:
    """Two operands (tensors, arrays or Python scalars) as tensors, with their arrays in
    PyTorch's result dtype — a Python scalar is a "wrapped number", so ``int32 tensor(0-d) % 2``
    stays int32 — or the default float dtype if ``floating`` and the result is not one."""
    ops = [x if is_scalar(x) else as_tensor_operand(x) for x in (input, other)]
    d = _dtype.result_type(*ops)
    if floating and not d.is_floating_point:
        d = _dtype.get_default_dtype()
    a, b = (as_tensor_operand(x) for x in ops)
    return a, b, a._data.astype(d.np, copy=False), b._data.astype(d.np, copy=False)


def _ts(node, t: Tensor, scalar: Any, true_div: bool = False) -> Tensor:
    """Run a node with one tensor input and a Python scalar kept as a constant."""
    arr = t._data
    if arr.dtype.kind != "f" and (
        true_div or isinstance(scalar, (float, np.floating)) or arr.dtype.kind == "b"
    ):
        d = _dtype.get_default_dtype() if true_div else _dtype.result_type(t, scalar)
        arr = arr.astype(d.np)
    return run_on(node, (t,), [arr])


def _int_true_div(a: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    xa, xb = promoted_arrays(a, b)
    if xa.dtype.kind != "f":
        d = _dtype.get_default_dtype().np
        xa, xb = xa.astype(d), xb.astype(d)
    return xa, xb


def _operand_error(name: str, a: Any, b: Any) -> TypeError:
    return TypeError(
        f"unsupported operand type(s) for {name}: '{type(a).__name__}' and '{type(b).__name__}'"
    )


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input + alpha·other, broadcasting (bool + bool stays bool: a logical or, as PyTorch)."""
    if isinstance(input, Tensor):
        if isinstance(other, Tensor):
            return _tt(A.Add(alpha), input, other)
        if is_scalar(other):
            c = other if alpha == 1 else other * alpha  # True * 1 would turn a bool into an int
            return _ts(A.AddScalar(c), input, c)
        if isinstance(other, np.ndarray):
            return _tt(A.Add(alpha), input, Tensor._wrap(other))
    elif isinstance(other, Tensor) and is_scalar(input):
        return add(other if alpha == 1 else mul(other, alpha), input)
    raise _operand_error("+", input, other)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input − alpha·other, broadcasting."""
    if isinstance(input, Tensor):
        if input._data.dtype == np.bool_ and _is_bool(other):
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead."
            )
        if isinstance(other, Tensor):
            return _tt(A.Sub(alpha), input, other)
        if is_scalar(other):
            node = A.AddScalar(-other * alpha)
            node._name = "SubBackward0"
            return _ts(node, input, other)
        if isinstance(other, np.ndarray):
            return _tt(A.Sub(alpha), input, Tensor._wrap(other))
    elif isinstance(other, Tensor) and is_scalar(input):
        return rsub(other, input, alpha=alpha)
    raise _operand_error("-", input, other)


def _is_bool(x: Any) -> bool:
    return (isinstance(x, Tensor) and x.dtype is _dtype.bool_) or isinstance(x, bool)


def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """other − alpha·input."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    t = input if alpha == 1 else mul(input, alpha)
    return _ts(A.RSubScalar(other), t, other)


def mul(input: Any, other: Any) -> Tensor:
    """input · other, element-wise, broadcasting."""
    if isinstance(input, Tensor):
        if isinstance(other, Tensor):
            return _tt(A.Mul(), input, other)
        if is_scalar(other):
            return _ts(A.MulScalar(other), input, other)
        if isinstance(other, np.ndarray):
            return _tt(A.Mul(), input, Tensor._wrap(other))
    elif isinstance(other, Tensor) and is_scalar(input):
        return _ts(A.MulScalar(input), other, input)
    raise _operand_error("*", input, other)


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """input / other (true division; ``rounding_mode='trunc'|'floor'`` rounds the quotient)."""
    if rounding_mode is not None:
        return _rounded_div(input, other, rounding_mode)
    if isinstance(input, Tensor):
        if isinstance(other, Tensor):
            xa, xb = _int_true_div(input, other)
            try:
                return run_on(A.Div(), (input, other), [xa, xb])
            except ValueError as e:
                if "broadcast" in str(e):
                    raise broadcast_error(xa.shape, xb.shape) from None
                raise
        if is_scalar(other):
            return _ts(A.DivScalar(other), input, other, true_div=True)
        if isinstance(other, np.ndarray):
            return div(input, Tensor._wrap(other))
    elif isinstance(other, Tensor) and is_scalar(input):
        return _ts(A.RDivScalar(input), other, input, true_div=True)
    raise _operand_error("/", input, other)


divide = true_divide = div


def _rounded_div(input: Any, other: Any, mode: str, name: str = "DivBackward2") -> Tensor:
    if mode not in ("trunc", "floor"):
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'"
        )
    a, b, xa, xb = _promoted_operands(input, other)
    if xa.dtype.kind in "iu":
        if np.any(xb == 0):
            raise ZeroDivisionError("integer division by zero")
        q = np.floor_divide(xa, xb)
        if mode == "trunc":
            q = np.where((q < 0) & (q * xb != xa), q + 1, q)
        return Tensor._wrap(np.asarray(q))
    q = np.true_divide(xa, xb)
    q = np.trunc(q) if mode == "trunc" else np.floor(q)
    return _zero_grad_result(q, name, a, b)


def _zero_grad_result(value: np.ndarray, name: str, *inputs: Tensor) -> Tensor:
    """A piecewise-constant result: zero gradient to every input, as PyTorch."""

    class _Z(A.Node):
        _name = name

        def forward(self, *xs):
            return value

        def backward(self, g):
            return tuple(np.zeros_like(g) for _ in inputs)

    return run(_Z(), *inputs)


def floor_divide(input: Any, other: Any) -> Tensor:
    """⌊input / other⌋ (Python's ``//``)."""
    return _rounded_div(input, other, "floor", "DivBackward1")


def remainder(input: Any, other: Any) -> Tensor:
    """input − other·⌊input/other⌋ (the sign of ``other``, like Python's ``%``)."""
    return _run2(A.Remainder(), *_promoted_operands(input, other))


def fmod(input: Any, other: Any) -> Tensor:
    """input − other·trunc(input/other) (the sign of ``input``, like C's fmod)."""
    return _run2(A.Fmod(), *_promoted_operands(input, other))


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """inputᵉˣᵖᵒⁿᵉⁿᵗ, element-wise, broadcasting."""
    if isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            return _tt(A.Pow(), input, exponent)
        if is_scalar(exponent):
            if input._data.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            return _ts(A.PowScalar(exponent), input, exponent)
    elif isinstance(exponent, Tensor) and is_scalar(input):
        return _ts(A.RPowScalar(input), exponent, input)
    raise _operand_error("**", input, exponent)


float_power = pow


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise maximum (NaN propagates); ties split the gradient in half."""
    return _tt(A.Maximum(), input, as_tensor_operand(other))


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise minimum (NaN propagates); ties split the gradient in half."""
    return _tt(A.Minimum(), input, as_tensor_operand(other))


fmax = maximum
fmin = minimum


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """atan2(input, other): the angle of the point (other, input), in the promoted dtype
    (the default float dtype for two integer operands)."""
    return _run2(A.Atan2(), *_promoted_operands(input, other, floating=True))


arctan2 = atan2


def where(condition: Tensor, input: Any = None, other: Any = None) -> Tensor | tuple:
    """``input`` where ``condition`` holds, else ``other`` (both broadcast).

    With only ``condition``, the indices of its non-zero entries (``nonzero(as_tuple=True)``).
    """
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if input is None and other is None:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(cond))
    if cond.dtype != np.bool_:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition.dtype}"
        )
    a_scalar, b_scalar = not isinstance(input, Tensor), not isinstance(other, Tensor)
    if a_scalar and b_scalar:
        d = _dtype.result_type(input, other).np
        return Tensor._wrap(np.where(cond, np.asarray(input, d), np.asarray(other, d)))
    if a_scalar:
        input = Tensor._wrap(np.asarray(input, dtype=_dtype.result_type(other, input).np))
    if b_scalar:
        other = Tensor._wrap(np.asarray(other, dtype=_dtype.result_type(input, other).np))
    try:
        np.broadcast_shapes(cond.shape, input._data.shape, other._data.shape)
    except ValueError:
        bad = input._data.shape
        raise broadcast_error(cond.shape, np.broadcast_shapes(bad, other._data.shape)
                              if _broadcastable(bad, other._data.shape) else other._data.shape) from None
    return _tt(A.Where(cond), input, other)


def _broadcastable(a: tuple, b: tuple) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """min(max(input, min), max); the gradient passes where min ≤ input ≤ max."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = as_tensor_operand(min if min is not None else 0.0)
        hi = as_tensor_operand(max if max is not None else 0.0)
        d = _dtype.result_type(input, *(t for t in (min, max) if t is not None)).np
        node = A.ClampTensor(min is not None, max is not None)
        arrays = [input._data.astype(d, copy=False), lo._data.astype(d, copy=False),
                  hi._data.astype(d, copy=False)]
        return run_on(node, (input, lo, hi), arrays)
    arr = input._data
    bounds = [b for b in (min, max) if b is not None]
    d = _dtype.result_type(input, *bounds)
    if d.np != arr.dtype:
        arr = arr.astype(d.np)
    return run_on(A.Clamp(min, max), (input,), [arr])


clip = clamp


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    out = clamp(input, min=min)
    return _renamed(out, "ClampMinBackward1" if isinstance(min, Tensor) else "ClampMinBackward0")


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    out = clamp(input, max=max)
    return _renamed(out, "ClampMaxBackward1" if isinstance(max, Tensor) else "ClampMaxBackward0")


def _renamed(result: Tensor, name: str) -> Tensor:
    """Give the node that just produced ``result`` PyTorch's name for the calling function."""
    if result.grad_fn is not None:
        result.grad_fn._name = name
    return result


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """input + weight·(end − input)."""
    w = as_tensor_operand(weight)
    if not isinstance(weight, Tensor):
        w = Tensor._wrap(np.asarray(weight, dtype=input._data.dtype))
    xs = [input._data, end._data, w._data]
    node = A.Lerp()
    if not isinstance(weight, Tensor):
        node._name = "LerpBackward0"  # lerp(end, Scalar weight)
    return run_on(node, (input, end, w), xs)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """input + value·tensor1·tensor2."""
    return run(A.Addcmul(value), input, tensor1, tensor2)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """input + value·tensor1/tensor2."""
    return run(A.Addcdiv(value), input, tensor1, tensor2)


# -- unary --------------------------------------------------------------------------------


def _float_unary(node, input: Tensor) -> Tensor:
    arr = input._data
    if arr.dtype.kind != "f":
        arr = float_array(input)
    return run_on(node, (input,), [arr])


def neg(input: Tensor) -> Tensor:
    """−input."""
    if input._data.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return run(U.Neg(), input)


negative = neg


def abs(input: Tensor) -> Tensor:  # noqa: A001
    """|input|."""
    return run(U.Abs(), input)


absolute = abs


def exp(input: Tensor) -> Tensor:
    """eⁱⁿᵖᵘᵗ."""
    return _float_unary(U.Exp(), input)


def exp2(input: Tensor) -> Tensor:
    """2ⁱⁿᵖᵘᵗ."""
    return _float_unary(U.Exp2(), input)


def expm1(input: Tensor) -> Tensor:
    """eⁱⁿᵖᵘᵗ − 1, accurate for small inputs."""
    return _float_unary(U.Expm1(), input)


def log(input: Tensor) -> Tensor:
    """Natural logarithm."""
    return _float_unary(U.Log(), input)


def log2(input: Tensor) -> Tensor:
    return _float_unary(U.Log2(), input)


def log10(input: Tensor) -> Tensor:
    return _float_unary(U.Log10(), input)


def log1p(input: Tensor) -> Tensor:
    """ln(1 + input), accurate for small inputs."""
    return _float_unary(U.Log1p(), input)


def sqrt(input: Tensor) -> Tensor:
    return _float_unary(U.Sqrt(), input)


def rsqrt(input: Tensor) -> Tensor:
    """1/√input."""
    return _float_unary(U.Rsqrt(), input)


def reciprocal(input: Tensor) -> Tensor:
    return _float_unary(U.Reciprocal(), input)


def square(input: Tensor) -> Tensor:
    if input._data.dtype == np.bool_:
        return run(U.Square(), Tensor._wrap(input._data.astype(np.int64)))
    return run(U.Square(), input)


def sin(input: Tensor) -> Tensor:
    return _float_unary(U.Sin(), input)


def cos(input: Tensor) -> Tensor:
    return _float_unary(U.Cos(), input)


def tan(input: Tensor) -> Tensor:
    return _float_unary(U.Tan(), input)


def asin(input: Tensor) -> Tensor:
    return _float_unary(U.Asin(), input)


def acos(input: Tensor) -> Tensor:
    return _float_unary(U.Acos(), input)


def atan(input: Tensor) -> Tensor:
    return _float_unary(U.Atan(), input)


arcsin, arccos, arctan = asin, acos, atan


def sinh(input: Tensor) -> Tensor:
    return _float_unary(U.Sinh(), input)


def cosh(input: Tensor) -> Tensor:
    return _float_unary(U.Cosh(), input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent; its derivative is 1 − tanh²."""
    return _float_unary(U.Tanh(), input)


def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1/(1 + e⁻ˣ), computed without overflow for any x."""
    return _float_unary(U.Sigmoid(), input)


def relu(input: Tensor) -> Tensor:
    """max(input, 0)."""
    return run(U.Relu(), input)


def erf(input: Tensor) -> Tensor:
    """The error function 2/√π ∫₀ˣ e^(−t²) dt."""
    return _float_unary(U.Erf(), input)


def _step(fn, name: str, input: Tensor) -> Tensor:
    if input._data.dtype.kind != "f":
        return Tensor._wrap(fn(input._data).astype(input._data.dtype, copy=False))
    return run(U.ZeroGrad(fn, name), input)


def sign(input: Tensor) -> Tensor:
    """−1, 0 or 1 (gradient 0)."""
    return _step(np.sign, "SignBackward0", input)


def sgn(input: Tensor) -> Tensor:
    return sign(input)


def floor(input: Tensor) -> Tensor:
    return _step(np.floor, "FloorBackward0", input)


def ceil(input: Tensor) -> Tensor:
    return _step(np.ceil, "CeilBackward0", input)


def trunc(input: Tensor) -> Tensor:
    return _step(np.trunc, "TruncBackward0", input)


fix = trunc


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even, to ``decimals`` places (gradient 0)."""
    if decimals == 0:
        return _step(np.round, "RoundBackward0", input)
    return _step(lambda a: np.round(a, decimals), "RoundBackward1", input)


def frac(input: Tensor) -> Tensor:
    return run(U.Frac(), input)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN → ``nan``, +inf → ``posinf`` (default: the dtype's max), −inf → ``neginf``."""
    return run(U.NanToNum(nan, posinf, neginf), input)


# -- comparisons and logic (never differentiable) ------------------------------------------


def _compare(ufunc, input: Any, other: Any) -> Tensor:
    a = input._data if isinstance(input, Tensor) else np.asarray(input) if not is_scalar(input) else input
    b = other._data if isinstance(other, Tensor) else np.asarray(other) if not is_scalar(other) else other
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        a, b = promoted_arrays(input, other)
    try:
        return Tensor._wrap(np.asarray(ufunc(a, b)))
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(np.shape(a), np.shape(b)) from None
        raise


def eq(input: Tensor, other: Any) -> Tensor:
    """input == other, element-wise (a bool tensor)."""
    return _compare(np.equal, input, other)


def ne(input: Tensor, other: Any) -> Tensor:
    return _compare(np.not_equal, input, other)


def lt(input: Tensor, other: Any) -> Tensor:
    return _compare(np.less, input, other)


def le(input: Tensor, other: Any) -> Tensor:
    return _compare(np.less_equal, input, other)


def gt(input: Tensor, other: Any) -> Tensor:
    return _compare(np.greater, input, other)


def ge(input: Tensor, other: Any) -> Tensor:
    return _compare(np.greater_equal, input, other)


not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def logical_and(input: Tensor, other: Any) -> Tensor:
    return _compare(np.logical_and, input, other)


def logical_or(input: Tensor, other: Any) -> Tensor:
    return _compare(np.logical_or, input, other)


def logical_xor(input: Tensor, other: Any) -> Tensor:
    return _compare(np.logical_xor, input, other)


def logical_not(input: Tensor) -> Tensor:
    return Tensor._wrap(np.logical_not(input._data))


def _bitwise(ufunc, input: Any, other: Any, sym: str) -> Tensor:
    a, b = as_tensor_operand(input), as_tensor_operand(other)
    for t in (a, b):
        if t._data.dtype.kind == "f":
            raise RuntimeError(f"\"bitwise_{ufunc.__name__.split('_')[-1]}\" not implemented for 'Float'"
                               f" (operator {sym} needs bool or integer tensors)")
    xa, xb = promoted_arrays(a, b)
    return Tensor._wrap(np.asarray(ufunc(xa, xb)))


def bitwise_and(input: Any, other: Any) -> Tensor:
    return _bitwise(np.bitwise_and, input, other, "&")


def bitwise_or(input: Any, other: Any) -> Tensor:
    return _bitwise(np.bitwise_or, input, other, "|")


def bitwise_xor(input: Any, other: Any) -> Tensor:
    return _bitwise(np.bitwise_xor, input, other, "^")


def bitwise_not(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "f":
        raise RuntimeError("bitwise_not is only supported for integer and boolean tensors")
    return Tensor._wrap(np.invert(input._data))


def isnan(input: Tensor) -> Tensor:
    return Tensor._wrap(np.isnan(input._data))


def isinf(input: Tensor) -> Tensor:
    return Tensor._wrap(np.isinf(input._data))


def isposinf(input: Tensor) -> Tensor:
    return Tensor._wrap(np.isposinf(input._data))


def isneginf(input: Tensor) -> Tensor:
    return Tensor._wrap(np.isneginf(input._data))


def isfinite(input: Tensor) -> Tensor:
    return Tensor._wrap(np.isfinite(input._data))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input − other| ≤ atol + rtol·|other|, element-wise."""
    a, b = promoted_arrays(input, as_tensor_operand(other))
    return Tensor._wrap(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and the same values."""
    return input._data.shape == other._data.shape and bool(np.all(input._data == other._data))
