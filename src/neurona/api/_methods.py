"""Bind the api functions to ``Tensor`` as methods and operators (``x.exp()``, ``x + y``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from ..autograd.function import run
from ..ops import unary as U
from . import creation as C
from . import indexing as I
from . import inplace as IP
from . import linalg as L
from . import pointwise as P
from . import reduction as R
from . import shape as S


def to(self: Any, *args: Any, **kwargs: Any) -> Any:
    """Convert dtype (``to(float64)``, ``to(other)``); devices other than the CPU are refused."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, type(self)):
            dtype = a.dtype
        elif isinstance(a, (_dtype.dtype, type)) or _is_torch_dtype(a):
            dtype = a
        elif isinstance(a, (str, self.device.__class__)) or a is None:
            dev = a
        elif isinstance(a, bool):
            copy = a
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
    if dev is not None:
        from ..tensor import device as _device

        _device(dev)
    if dtype is None:
        return S.clone(self) if copy else self
    d = _dtype.as_dtype(dtype)
    if d.np == self._data.dtype:
        return S.clone(self) if copy else self
    if self._data.dtype.kind == "f" and d.np.kind == "f":
        return run(U.Cast(d.np), self)
    return self.__class__._wrap(self._data.astype(d.np))


def _is_torch_dtype(a: Any) -> bool:
    return type(a).__name__ == "dtype" and getattr(type(a), "__module__", "") == "torch"


def type_(self: Any, dtype: Any = None, non_blocking: bool = False) -> Any:
    if dtype is None:
        names = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
                 "bool": "Bool", "float16": "Half", "uint8": "Byte", "int8": "Char",
                 "int16": "Short"}
        return f"neurona.{names[self.dtype.name]}Tensor"
    return to(self, dtype)


def _binder(cls: type) -> Any:
    def bind(name: str, fn: Any) -> None:
        setattr(cls, name, fn)

    return bind


def _swap(fn: Any) -> Any:
    def reflected(self: Any, other: Any) -> Any:
        return fn(other, self)

    return reflected


def _not_implemented_for_other(fn: Any) -> Any:
    def op(self: Any, other: Any) -> Any:
        from ._common import is_scalar

        if not (isinstance(other, (type(self), np.ndarray)) or is_scalar(other)):
            return NotImplemented
        return fn(self, other)

    return op


def _eq(self: Any, other: Any) -> Any:
    from ._common import is_scalar

    if other is None or not (isinstance(other, (type(self), np.ndarray)) or is_scalar(other)):
        return False
    return P.eq(self, other)


def _ne(self: Any, other: Any) -> Any:
    from ._common import is_scalar

    if other is None or not (isinstance(other, (type(self), np.ndarray)) or is_scalar(other)):
        return True
    return P.ne(self, other)


def _getattr_T(self: Any) -> Any:  # noqa: N802
    return S._T(self)


def bind(cls: type) -> None:
    """Attach every method and operator to the Tensor class."""
    b = _binder(cls)
    # operators
    op = _not_implemented_for_other
    b("__add__", op(P.add))
    b("__radd__", op(P.add))
    b("__sub__", op(P.sub))
    b("__rsub__", op(lambda self, other: P.rsub(self, other)))
    b("__mul__", op(P.mul))
    b("__rmul__", op(P.mul))
    b("__truediv__", op(P.div))
    b("__rtruediv__", op(_swap(P.div)))
    b("__floordiv__", op(P.floor_divide))
    b("__rfloordiv__", op(_swap(P.floor_divide)))
    b("__mod__", op(P.remainder))
    b("__rmod__", op(_swap(P.remainder)))
    b("__pow__", op(P.pow))
    b("__rpow__", op(_swap(P.pow)))
    b("__matmul__", lambda self, other: L.matmul(self, other))
    b("__rmatmul__", lambda self, other: L.matmul(other, self))
    b("__neg__", P.neg)
    b("__pos__", lambda self: self)
    b("__abs__", P.abs)
    b("__invert__", lambda self: P.logical_not(self) if self._data.dtype == np.bool_ else P.bitwise_not(self))
    b("__and__", P.bitwise_and)
    b("__rand__", P.bitwise_and)
    b("__or__", P.bitwise_or)
    b("__ror__", P.bitwise_or)
    b("__xor__", P.bitwise_xor)
    b("__rxor__", P.bitwise_xor)
    b("__eq__", _eq)
    b("__ne__", _ne)
    b("__lt__", op(P.lt))
    b("__le__", op(P.le))
    b("__gt__", op(P.gt))
    b("__ge__", op(P.ge))
    b("__getitem__", I.getitem)
    b("__setitem__", I.setitem)
    b("__iadd__", IP.add_)
    b("__isub__", IP.sub_)
    b("__imul__", IP.mul_)
    b("__itruediv__", IP.div_)
    b("__ipow__", IP.pow_)
    b("__ifloordiv__", IP.floor_divide_)
    b("__imod__", IP.remainder_)
    b("__iand__", IP.bitwise_and_)
    b("__ior__", IP.bitwise_or_)
    b("__ixor__", IP.bitwise_xor_)

    # properties
    cls.T = property(_getattr_T)
    cls.mT = property(S._mT)
    cls.H = property(_getattr_T)
    cls.mH = property(S._mT)

    # conversion
    b("to", to)
    b("type", type_)
    b("float", lambda self, memory_format=None: to(self, _dtype.float32))
    b("double", lambda self, memory_format=None: to(self, _dtype.float64))
    b("half", lambda self, memory_format=None: to(self, _dtype.float16))
    b("long", lambda self, memory_format=None: to(self, _dtype.int64))
    b("int", lambda self, memory_format=None: to(self, _dtype.int32))
    b("short", lambda self, memory_format=None: to(self, _dtype.int16))
    b("bool", lambda self, memory_format=None: to(self, _dtype.bool_))
    b("byte", lambda self, memory_format=None: to(self, _dtype.uint8))
    b("type_as", lambda self, other: to(self, other.dtype))

    for module in (P, R, L, S, I):
        for name in _PUBLIC[module.__name__.rsplit(".", 1)[-1]]:
            b(name, getattr(module, name))
    for name in _INPLACE:
        b(name, getattr(IP, name))
    for name in ("new_tensor", "new_zeros", "new_ones", "new_empty", "new_full"):
        b(name, getattr(C, name))
    b("where", lambda self, condition, other: P.where(condition, self, other))
    b("absolute_", IP.abs_)
    b("clip_", IP.clamp_)
    b("requires_grad_", cls.requires_grad_)


_PUBLIC = {
    "pointwise": [
        "add", "sub", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
        "remainder", "fmod", "pow", "float_power", "maximum", "minimum", "fmax", "fmin", "atan2",
        "arctan2", "clamp", "clip", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv", "neg",
        "negative", "abs", "absolute", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
        "sqrt", "rsqrt", "reciprocal", "square", "sin", "cos", "tan", "asin", "acos", "atan",
        "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sigmoid", "relu", "erf", "sign",
        "sgn", "floor", "ceil", "trunc", "fix", "round", "frac", "nan_to_num", "eq", "ne", "lt",
        "le", "gt", "ge", "not_equal", "less", "less_equal", "greater", "greater_equal",
        "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
        "bitwise_xor", "bitwise_not", "isnan", "isinf", "isposinf", "isneginf", "isfinite",
        "isclose", "allclose", "equal",
    ],
    "reduction": [
        "sum", "nansum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
        "prod", "cumsum", "logsumexp", "softmax", "log_softmax", "norm", "all", "any",
        "count_nonzero",
    ],
    "linalg": ["matmul", "mm", "bmm", "mv", "dot", "inner", "outer", "ger", "addmm"],
    "shape": [
        "reshape", "view", "view_as", "reshape_as", "flatten", "unflatten", "squeeze",
        "unsqueeze", "transpose", "swapaxes", "swapdims", "permute", "t", "movedim", "moveaxis",
        "expand", "expand_as", "broadcast_to", "repeat", "tile", "split", "tensor_split", "chunk",
        "unbind", "narrow", "select", "flip", "fliplr", "flipud", "roll", "tril", "triu", "diagonal",
        "diag", "contiguous", "clone", "detach", "detach_", "as_strided", "repeat_interleave",
    ],
    "indexing": [
        "masked_fill", "masked_select", "index_select", "gather", "scatter", "scatter_add",
        "take_along_dim", "take", "sort", "argsort", "topk", "unique", "nonzero", "argwhere",
        "bincount", "kthvalue",
    ],
}

_INPLACE = [
    "add_", "sub_", "mul_", "div_", "pow_", "addcmul_", "addcdiv_", "lerp_", "clamp_",
    "clamp_min_", "clamp_max_", "neg_", "abs_", "exp_", "log_", "sqrt_", "rsqrt_", "square_",
    "sigmoid_", "tanh_", "relu_", "floor_", "ceil_", "round_", "trunc_", "sign_", "reciprocal_",
    "sin_", "cos_", "masked_fill_", "index_fill_", "scatter_", "scatter_add_", "zero_", "fill_",
    "copy_", "uniform_", "normal_", "bernoulli_", "exponential_", "random_", "fill_diagonal_",
    "floor_divide_", "remainder_", "fmod_", "bitwise_and_", "bitwise_or_", "bitwise_xor_",
]
