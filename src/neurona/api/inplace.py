"""In-place operations (``add_``, ``mul_``, ``zero_``, ``uniform_``, ...).

Outside the graph (``no_grad``, or nothing requires grad) they write straight into the
array with a NumPy ``out=`` and bump the version counter: that is what optimizers and
initialisers use. Inside the graph, the new value is computed out of place from a copy of
the old one and written back, and the tensor takes the new node as its ``grad_fn``
(PyTorch's "rebase"): gradients then flow through the in-place op as through any other.
An in-place change of a *view* is recorded on its base (:func:`_rebase_view`, PyTorch's
``CopySlices``), so the base and every view of it see the new history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtype
from .. import random as _random
from ..autograd.function import regenerate_view, run, run_on, view_geometry
from ..autograd.grad_mode import _Mode
from ..ops import index as IO
from ..ops import shape as SO
from ..tensor import Tensor
from . import pointwise as P
from ._common import broadcast_error

_OVERLAP_MSG = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)
_DT = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
       "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _needs_rebase(self: Tensor, *others: Any) -> bool:
    """True if this in-place change must be recorded in the graph (errors if it can't be)."""
    if not _Mode.enabled:
        return False
    involved = self._requires_grad or any(
        isinstance(o, Tensor) and o._requires_grad for o in others
    )
    if not involved:
        return False
    base = self._base
    if base is not None and base._requires_grad and base.grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    if self._requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    return True


def _rebase(self: Tensor, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Record ``self ← compute(old self)`` in the graph and write the result into ``self``."""
    if not self._data.flags.writeable:
        raise RuntimeError(_OVERLAP_MSG)
    if self._base is not None:
        return _rebase_view(self, compute)
    old = Tensor._wrap(self._data.copy())
    old._requires_grad = self._requires_grad
    old.grad_fn = self.grad_fn
    old._output_nr = self._output_nr
    r = compute(old)
    _check_result(self, r._data)
    np.copyto(self._data, r._data, casting="unsafe")
    self.grad_fn = r.grad_fn
    self._output_nr = r._output_nr
    self._requires_grad = r._requires_grad
    self._vc[0] += 1
    _watch_output(r, self)
    return self


def _watch_output(r: Tensor, self: Tensor) -> None:
    """If ``r``'s node saved its output, watch ``self`` (which now holds it) instead, so a
    later in-place change of ``self`` raises at backward, as in PyTorch (``y.exp_(); y.add_(1)``)."""
    node = r.grad_fn
    if node is not None and node.saves_output:
        node._versions = tuple(
            (self._vc, self._vc[0], *rec[2:]) if rec[0] is r._vc else rec for rec in node._versions
        )


def _rebase_view(self: Tensor, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """An in-place change of a view ``v`` of ``base``, recorded on the base (PyTorch's
    ``CopySlices``): with ``p`` the positions ``v`` reads in the flattened base,

        base ← base.flatten() with [p] = compute(base.flatten()[p]),   v ← as_strided(base)

    so the gradient reaching the new base flows to the old base outside ``p`` and through
    ``compute`` inside it. Other views of the base see the new version and regenerate their
    ``grad_fn`` when next used (:func:`~neurona.autograd.function.current_grad_fn`).
    """
    base = self._base
    size, stride, offset = view_geometry(self, base)
    pos = np.lib.stride_tricks.as_strided(
        np.arange(base._data.size, dtype=np.int64)[offset:], size, tuple(8 * st for st in stride)
    )
    flat = run(SO.Reshape((-1,)), base)
    old = run(IO.Index((pos,)), flat)  # a copy: compute may save it for backward
    r = compute(old)
    _check_result(self, r._data)
    put = run_on(IO.IndexPut((pos,)), (flat, r), [flat._data, r._data.astype(flat._data.dtype)])
    new_base = run(_CopySlices(base._data.shape), put)
    np.copyto(self._data, r._data, casting="unsafe")
    base.grad_fn = new_base.grad_fn
    base._output_nr = 0
    base._requires_grad = True
    self._vc[0] += 1
    regenerate_view(self)  # the view now reads the new base
    _watch_output(r, self)
    return self


class _CopySlices(SO.Reshape):
    """The last step of :func:`_rebase_view` (a reshape), under PyTorch's name for it."""

    _name = "CopySlices"


def _check_result(self: Tensor, result: np.ndarray) -> None:
    if result.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}"
        )
    a, b = result.dtype, self._data.dtype
    if (a.kind == "f" and b.kind != "f") or (a.kind in "iu" and b.kind == "b"):
        raise RuntimeError(
            f"result type {_DT.get(a.name, a.name)} can't be cast to the desired output type "
            f"{_DT.get(b.name, b.name)}"
        )


def _ufunc_(ufunc: np.ufunc, self: Tensor, *operands: Any) -> Tensor:
    """``self ← ufunc(self, *operands)`` directly in memory."""
    arr = self._data
    ops = [o._data if isinstance(o, Tensor) else o for o in operands]
    try:
        try:
            ufunc(arr, *ops, out=arr, casting="same_kind")
        except OverflowError:  # a Python int outside an integer dtype: wraps around, as in C
            ops = [np.asarray(o).astype(arr.dtype) if isinstance(o, int) else o for o in ops]
            ufunc(arr, *ops, out=arr, casting="same_kind")
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(_OVERLAP_MSG) from None
        shapes = [np.shape(o) for o in ops]
        full = np.broadcast_shapes(arr.shape, *shapes) if _bc(arr.shape, *shapes) else None
        if full is None:
            raise broadcast_error(arr.shape, shapes[0]) from None
        raise RuntimeError(
            f"output with shape {list(arr.shape)} doesn't match the broadcast shape {list(full)}"
        ) from None
    except TypeError:
        if ufunc is np.subtract and arr.dtype == np.bool_:
            if all(np.asarray(o).dtype == np.bool_ for o in ops):
                raise RuntimeError(
                    "Subtraction, the `-` operator, with two bool tensors is not supported. "
                    "Use the `^` or `logical_xor()` operator instead."
                ) from None
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead."
            ) from None
        wrapped = [Tensor._wrap(o) if isinstance(o, np.ndarray) else o for o in ops]
        r = _dtype.result_type(self, *wrapped).np
        raise RuntimeError(
            f"result type {_DT.get(r.name, r.name)} can't be cast to the desired output type "
            f"{_DT.get(arr.dtype.name, arr.dtype.name)}"
        ) from None
    self._vc[0] += 1
    return self


def _bc(*shapes: tuple) -> bool:
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


def _generic_(self: Tensor, compute: Callable[[Tensor], Tensor], *others: Any) -> Tensor:
    """In-place via the out-of-place function (for the less frequent ops)."""
    if _needs_rebase(self, *others):
        return _rebase(self, compute)
    prev = _Mode.enabled
    _Mode.enabled = False
    try:
        with np.errstate(all="ignore"):  # an uncastable result raises below, without warnings
            r = compute(self)
    finally:
        _Mode.enabled = prev
    _check_result(self, r._data)
    try:
        np.copyto(self._data, r._data, casting="unsafe")
    except ValueError:
        raise RuntimeError(_OVERLAP_MSG) from None
    self._vc[0] += 1
    return self


# -- arithmetic (fast paths: used by every optimizer step) -----------------------------------


def _check_alpha(self: Tensor, alpha: Any) -> None:
    if isinstance(alpha, float) and self._data.dtype.kind != "f":
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )


def add_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """self += alpha·other."""
    if _needs_rebase(self, other):
        return _rebase(self, lambda x: P.add(x, other, alpha=alpha))
    if alpha != 1:
        _check_alpha(self, alpha)
        other = (other._data if isinstance(other, Tensor) else other) * alpha
    return _ufunc_(np.add, self, other)


def sub_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """self −= alpha·other."""
    if _needs_rebase(self, other):
        return _rebase(self, lambda x: P.sub(x, other, alpha=alpha))
    if alpha != 1:
        _check_alpha(self, alpha)
        other = (other._data if isinstance(other, Tensor) else other) * alpha
    return _ufunc_(np.subtract, self, other)


def mul_(self: Tensor, other: Any) -> Tensor:
    """self *= other."""
    if _needs_rebase(self, other):
        return _rebase(self, lambda x: P.mul(x, other))
    return _ufunc_(np.multiply, self, other)


def div_(self: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """self /= other."""
    if rounding_mode is not None or _needs_rebase(self, other):
        return _generic_(self, lambda x: P.div(x, other, rounding_mode=rounding_mode), other)
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type "
            f"{_DT.get(self._data.dtype.name)}"
        )
    return _ufunc_(np.true_divide, self, other)


def pow_(self: Tensor, exponent: Any) -> Tensor:
    return _generic_(self, lambda x: P.pow(x, exponent), exponent)


def _binary_(fn: Callable[[Any, Any], Tensor]) -> Callable[[Tensor, Any], Tensor]:
    def method(self: Tensor, other: Any) -> Tensor:
        return _generic_(self, lambda x: fn(x, other), other)

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}: ``self ← {fn.__name__}(self, other)``."
    return method


floor_divide_ = _binary_(P.floor_divide)
remainder_ = _binary_(P.remainder)
fmod_ = _binary_(P.fmod)
bitwise_and_ = _binary_(P.bitwise_and)
bitwise_or_ = _binary_(P.bitwise_or)
bitwise_xor_ = _binary_(P.bitwise_xor)


def addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """self += value·tensor1·tensor2."""
    if _needs_rebase(self, tensor1, tensor2):
        return _rebase(self, lambda x: P.addcmul(x, tensor1, tensor2, value=value))
    prod = tensor1._data * tensor2._data
    if value != 1:
        prod *= value
    return _ufunc_(np.add, self, prod)


def addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """self += value·tensor1/tensor2."""
    if _needs_rebase(self, tensor1, tensor2):
        return _rebase(self, lambda x: P.addcdiv(x, tensor1, tensor2, value=value))
    q = tensor1._data / tensor2._data
    if value != 1:
        q *= value
    return _ufunc_(np.add, self, q)


def lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    """self += weight·(end − self)."""
    if _needs_rebase(self, end, weight):
        return _rebase(self, lambda x: P.lerp(x, end, weight))
    w = weight._data if isinstance(weight, Tensor) else weight
    return _ufunc_(np.add, self, (end._data - self._data) * w)


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return _generic_(self, lambda x: P.clamp(x, min, max), min, max)


clip_ = clamp_


def clamp_min_(self: Tensor, min: Any) -> Tensor:  # noqa: A002
    return clamp_(self, min=min)


def clamp_max_(self: Tensor, max: Any) -> Tensor:  # noqa: A002
    return clamp_(self, max=max)


def _unary_(fn: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return _generic_(self, fn)

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}."
    return method


neg_ = _unary_(P.neg)
abs_ = _unary_(P.abs)
exp_ = _unary_(P.exp)
log_ = _unary_(P.log)
sqrt_ = _unary_(P.sqrt)
rsqrt_ = _unary_(P.rsqrt)
square_ = _unary_(P.square)
sigmoid_ = _unary_(P.sigmoid)
tanh_ = _unary_(P.tanh)
relu_ = _unary_(P.relu)
floor_ = _unary_(P.floor)
ceil_ = _unary_(P.ceil)
round_ = _unary_(P.round)
trunc_ = _unary_(P.trunc)
sign_ = _unary_(P.sign)
reciprocal_ = _unary_(P.reciprocal)
sin_ = _unary_(P.sin)
cos_ = _unary_(P.cos)


def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """Write ``value`` where ``mask`` is True."""
    from .indexing import masked_fill

    return _generic_(self, lambda x: masked_fill(x, mask, value), value)


def index_fill_(self: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    from ._common import wrap_dim

    d = wrap_dim(dim, self._data.ndim)
    key = (slice(None),) * d + (index._data,)
    from .indexing import setitem

    setitem(self, key, value)
    return self


def scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
             reduce: str | None = None) -> Tensor:
    from .indexing import scatter

    return _generic_(self, lambda x: scatter(x, dim, index, src, value=value, reduce=reduce), src)


def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    from .indexing import scatter_add

    return _generic_(self, lambda x: scatter_add(x, dim, index, src), src)


# -- fills --------------------------------------------------------------------------------


def _fill_array(self: Tensor, values: np.ndarray | Any, others: tuple = ()) -> Tensor:
    """``self[...] = values``. In the graph this is ``where(True, values, self)``: the old
    values get a zero gradient, and a tensor ``values`` (``copy_``, ``fill_``), passed in
    ``others``, receives the gradient (summed over the positions it was broadcast to)."""
    if _needs_rebase(self, *others):
        src = others[0].to(self.dtype) if others else Tensor._wrap(np.asarray(values, self._data.dtype))
        return _rebase(self, lambda x: P.where(_TRUE, src, x))
    try:
        self._data[...] = values
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(_OVERLAP_MSG) from None
        raise
    self._vc[0] += 1
    return self


_TRUE = Tensor._wrap(np.ones((), np.bool_))


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros."""
    return _fill_array(self, 0)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` (a number or a 0-d tensor)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                "dimensions."
            )
        return _fill_array(self, value._data, (value,))
    return _fill_array(self, value)


def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, converted to this dtype) into this tensor."""
    s = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    if not _bc(s._data.shape, self._data.shape):
        raise broadcast_error(self._data.shape, s._data.shape)
    full = np.broadcast_shapes(s._data.shape, self._data.shape)
    if full != self._data.shape:
        raise RuntimeError(
            f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
            f"{list(full)}"
        )
    return _fill_array(self, s._data, (s,))


def _check_float(self: Tensor, kernel: str) -> None:
    """PyTorch's error for sampling a continuous distribution into an integer/bool tensor."""
    if self._data.dtype.kind != "f":
        name = _DT.get(self._data.dtype.name, self._data.dtype.name)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with samples of U(a, b)."""
    _check_float(self, "check_uniform_bounds")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    rng = _random._np(generator)
    arr = self._data
    sample = rng.random(arr.shape, dtype=np.float64 if arr.dtype == np.float64 else np.float32)
    values = (sample * (b - a) + a).astype(arr.dtype, copy=False)
    if b > a:  # rounding to the dtype (float16) may reach b: the range is [a, b)
        top = np.nextafter(arr.dtype.type(b), arr.dtype.type(a))
        np.minimum(values, top, out=values)
    return _fill_array(self, values)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with samples of N(mean, std²)."""
    _check_float(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    rng = _random._np(generator)
    arr = self._data
    sample = rng.standard_normal(arr.shape, dtype=np.float64 if arr.dtype == np.float64 else np.float32)
    return _fill_array(self, sample * std + mean)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 1 with probability p, else 0."""
    rng = _random._np(generator)
    pa = p._data if isinstance(p, Tensor) else p
    return _fill_array(self, rng.random(self._data.shape) < pa)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    rng = _random._np(generator)
    return _fill_array(self, rng.exponential(1.0 / lambd, self._data.shape))


def random_(self: Tensor, from_: int = 0, to: int | None = None, *, generator: Any = None) -> Tensor:
    rng = _random._np(generator)
    if to is None:
        to = 2**24 if self._data.dtype.kind == "f" else np.iinfo(self._data.dtype).max
    return _fill_array(self, rng.integers(from_, to, self._data.shape))


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    np.fill_diagonal(self._data, fill_value, wrap=wrap)
    self._vc[0] += 1
    return self
