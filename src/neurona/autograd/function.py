"""Nodes of the graph, and ``Function``: PyTorch's contract for custom differentiable ops.

Every differentiable operation is a :class:`Node` subclass with two methods side by side:

* ``forward(self, *arrays) -> array`` computes the result from NumPy arrays and keeps on
  ``self`` whatever backward needs;
* ``backward(self, grad) -> array | tuple`` receives dL/d(output) and returns dL/d(input)
  for each tensor input (``None`` where an input needs no gradient).

A backward may return a gradient shaped like the *broadcast* result; the engine sums it
back to the input's shape, once, for every op. A backward returns fresh arrays, views of
``grad``, or ``grad`` itself — never an array it keeps (the engine may hand the array to
a leaf's ``.grad``).

:func:`run` is the one door every operation goes through: it calls ``forward`` and, when
grad mode is on and an input requires grad, records the node as the result's ``grad_fn``.
The node remembers, per input, the next node to call (the input's own ``grad_fn``, or an
:class:`AccumulateGrad` for a leaf), and the version of every tensor its backward reads,
so modifying one in place before backward raises PyTorch's error. A view's ``grad_fn``
records its base's version too: after the base changes in place, the view's history is
regenerated from the base's new one before use (:func:`current_grad_fn`).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import anomaly
from .grad_mode import _Mode

Tensor: Any = None  # neurona.tensor.Tensor, set by that module (it imports this one)


class Node:
    """A recorded operation: the ``grad_fn`` of the tensors it produced."""

    __slots__ = ("next", "needs_input_grad", "_versions", "_freed", "_pre_hooks", "_retain",
                 "_oldest", "__dict__", "__weakref__")

    saves: tuple[int, ...] = ()  # inputs whose arrays backward reads (for the version check)
    saves_output: bool = False  # backward reads the output array
    is_view: bool = False  # the output shares memory with input 0
    n_outputs: int = 1
    _name: str | None = None

    def __init__(self) -> None:
        pass

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:
        raise NotImplementedError

    # -- introspection, as torch's grad_fn --------------------------------------------
    def name(self) -> str:
        return self._name or type(self).__name__ + "Backward0"

    @property
    def next_functions(self) -> tuple:
        nxt = getattr(self, "next", None) or ()
        return tuple((e[0], e[1]) if e is not None else (None, 0) for e in nxt)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def register_hook(self, fn: Any) -> Any:
        raise NotImplementedError("hooks on grad_fn nodes are not supported; use Tensor.register_hook")

    # -- engine support ----------------------------------------------------------------
    def _add_pre_hook(self, nr: int, fn: Any) -> None:
        hooks = getattr(self, "_pre_hooks", None)
        if hooks is None:
            hooks = self._pre_hooks = {}
        hooks.setdefault(nr, []).append(fn)

    def _release(self) -> None:
        """Free what forward saved (after a backward without ``retain_graph``)."""
        if self.__dict__:
            self.__dict__.clear()
            self._freed = True


class AccumulateGrad(Node):
    """The node of a leaf tensor: adds the arriving gradient into ``variable.grad``."""

    __slots__ = ("variable",)
    _name = "AccumulateGrad"

    def __init__(self, variable: Any) -> None:
        self.variable = variable
        self.next = ()


def _version_record(t: Any, role: str) -> tuple:
    return (t._vc, t._vc[0], t._data.shape, t.dtype, role)


def run(node: Node, *inputs: Any) -> Any:
    """Run ``node.forward`` on the inputs' arrays and record the graph if needed."""
    return run_on(node, inputs, [t._data for t in inputs])


def run_many(node: Node, *inputs: Any) -> tuple:
    """Run a node whose forward returns a tuple of arrays; one tensor per output.

    ``backward`` then receives one gradient per output (zeros for outputs that were not
    used) and returns one per input.
    """
    outs = node.forward(*[t._data for t in inputs])
    results = tuple(Tensor._wrap(np.asarray(o)) for o in outs)
    node.n_outputs = len(results)
    if not _Mode.enabled or not any(t._requires_grad for t in inputs):
        return results
    _link(node, inputs)
    node._out_meta = tuple((r._data.shape, r._data.dtype) for r in results)
    for i, r in enumerate(results):
        if r._data.dtype.kind == "f":
            r._requires_grad = True
            r.grad_fn = node
            r._output_nr = i
    return results


def run_on(node: Node, inputs: tuple, arrays: list) -> Any:
    """Like :func:`run`, with the arrays given (e.g. converted to the result dtype)."""
    out = node.forward(*arrays)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if _Mode.anomaly:
        anomaly.check_forward(node, arrays, out)
    res = Tensor._wrap(out)
    if node.is_view:
        src = inputs[0]
        res._vc = src._vc
        res._base = src if src._base is None else src._base
        node._view_version = src._vc[0]  # the base's version this grad_fn describes
    if not _Mode.enabled:
        return res
    for t in inputs:
        if t._requires_grad:
            break
    else:
        return res
    _link(node, inputs)
    res._requires_grad = True
    res.grad_fn = node
    if node.saves_output:
        node._versions = (*node._versions, _version_record(res, "output 0"))
    return res


def _link(node: Node, inputs: tuple) -> None:
    """Record for each input the node its gradient flows to, and saved versions."""
    nxt = []
    need = []
    for t in inputs:
        if t._requires_grad:
            fn = t.grad_fn if t._base is None else current_grad_fn(t)
            if fn is None:
                nxt.append((t._accumulator(), 0, t._data.shape, t._data.dtype))
            else:
                nxt.append((fn, t._output_nr, t._data.shape, t._data.dtype))
            need.append(True)
        else:
            nxt.append(None)
            need.append(False)
    node.next = tuple(nxt)
    node.needs_input_grad = tuple(need)
    node._versions = tuple(_version_record(inputs[i], f"input {i}") for i in node.saves)
    # graph-leak check: the oldest training step this graph reaches back to
    oldest = _Mode.step
    for e in nxt:
        if e is not None:
            o = getattr(e[0], "_oldest", oldest)
            if o < oldest:
                oldest = o
    node._oldest = oldest
    if _Mode.leak_steps is not None and _Mode.step - oldest > _Mode.leak_steps and not _Mode.leak_warned:
        anomaly.warn_leak(node)
    if _Mode.anomaly:
        anomaly.remember_origin(node)


def current_grad_fn(t: Any) -> Node | None:
    """``t.grad_fn``, regenerated first if ``t`` is a view whose base changed in place since.

    A view's ``grad_fn`` describes how it was read from its base at the base's version then.
    After an in-place change of the base (or of another view of it), the base has a new
    history; the view is then ``as_strided(base)`` of the *new* base (PyTorch regenerates
    views the same way, as ``AsStridedBackward0``).
    """
    fn = t.grad_fn
    if t._base is None or fn is None or fn.__dict__.get("_view_version", t._vc[0]) == t._vc[0]:
        return fn
    return regenerate_view(t)


def regenerate_view(t: Any) -> Node | None:
    """Make view ``t``'s ``grad_fn`` ``as_strided`` of its base's current history."""
    from ..ops.shape import AsStrided

    prev = _Mode.enabled
    _Mode.enabled = True
    try:
        regen = run(AsStrided(*view_geometry(t, t._base)), t._base)
    finally:
        _Mode.enabled = prev
    t.grad_fn = regen.grad_fn
    t._output_nr = 0
    t._requires_grad = regen._requires_grad
    return t.grad_fn


def view_geometry(view: Any, base: Any) -> tuple:
    """``(size, stride, offset)`` in elements of ``view`` inside its C-contiguous ``base``."""
    b, v = base._data, view._data
    if not b.flags.c_contiguous:
        raise RuntimeError(
            "neurona records in-place changes through views only for views of contiguous "
            f"tensors; this view's base (shape {list(b.shape)}) is not contiguous. Use an "
            "out-of-place operation, or call .contiguous() before taking the view."
        )
    isz = b.itemsize
    return v.shape, tuple(st // isz for st in v.strides), (v.ctypes.data - b.ctypes.data) // isz


def check_versions(node: Node) -> None:
    """Raise PyTorch's error if a tensor saved for backward was modified in place."""
    for vc, version, shape, dtype, role in node._versions:
        if vc[0] != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by "
                f"an inplace operation: [{dtype} {list(shape)}], which is {role} of "
                f"{node.name()}, is at version {vc[0]}; expected version {version} instead. "
                "Hint: use an out-of-place operation (x = x + y instead of x += y), or "
                ".clone() the tensor before modifying it."
            )


# -- the public contract: torch.autograd.Function --------------------------------------


class FunctionCtx(Node):
    """The ``ctx`` a custom Function's forward and backward receive; also its graph node."""

    def save_for_backward(self, *tensors: Any) -> None:
        self._saved = tensors
        self._versions = tuple(
            _version_record(t, f"saved tensor {i}")
            for i, t in enumerate(tensors)
            if t is not None
        )

    @property
    def saved_tensors(self) -> tuple:
        if getattr(self, "_freed", False):  # a slot: unset until the graph is released
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True."
            )
        check_versions(self)
        return getattr(self, "_saved", ())

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self._non_diff = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)

    def mark_dirty(self, *tensors: Any) -> None:
        pass

    def _release(self) -> None:
        self.__dict__.clear()
        self._freed = True


class _FunctionMeta(type):
    """Gives every Function subclass its node class (``<Name>Backward``)."""

    def __init__(cls, name: str, bases: tuple, ns: dict) -> None:
        super().__init__(name, bases, ns)
        cls._backward_cls = type(
            name + "Backward", (_CustomNode,), {"_function": cls, "_name": name + "Backward"}
        )


class _CustomNode(FunctionCtx):
    _function: Any = None

    def backward(self, *grads: np.ndarray) -> tuple:
        if getattr(self, "_materialize", True):
            grads = tuple(
                np.zeros(s, d) if g is None else g
                for g, (s, d) in zip(grads, self._out_meta)
            )
        with _NoGrad():
            result = self._function.backward(
                self, *[None if g is None else Tensor._wrap(g) for g in grads]
            )
        if not isinstance(result, tuple):
            result = (result,)
        n_args = len(self._arg_is_tensor)
        if len(result) != n_args:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {n_args}, got {len(result)})"
            )
        out = []
        for is_t, g in zip(self._arg_is_tensor, result):
            if not is_t:
                continue
            if g is None:
                out.append(None)
            else:
                arr = g._data if isinstance(g, Tensor) else np.asarray(g)
                out.append(arr.copy())  # user code may keep what it returns
        return tuple(out)


class _NoGrad:
    def __enter__(self) -> None:
        self.prev = _Mode.enabled
        _Mode.enabled = False

    def __exit__(self, *exc: object) -> None:
        _Mode.enabled = self.prev


class Function(metaclass=_FunctionMeta):
    """Base class for custom differentiable operations (``torch.autograd.Function``).

    Subclass with ``@staticmethod forward(ctx, *args)`` and ``@staticmethod backward(ctx,
    *grad_outputs)``; call ``MyFn.apply(*args)``. ``backward`` returns one gradient per
    argument of ``forward`` (``None`` for non-tensors or inputs that need none).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom Function.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement the backward function for custom Function.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        ctx = cls._backward_cls()
        is_t = tuple(isinstance(a, Tensor) for a in args)
        ctx._arg_is_tensor = is_t
        ctx.needs_input_grad = tuple(
            isinstance(a, Tensor) and a._requires_grad and _Mode.enabled for a in args
        )
        with _NoGrad():
            outputs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        tensor_inputs = tuple(a for a in args if isinstance(a, Tensor))
        if not any(ctx.needs_input_grad):
            return outputs
        saved_versions = getattr(ctx, "_versions", ())
        _link(ctx, tensor_inputs)
        ctx._versions = saved_versions
        non_diff = getattr(ctx, "_non_diff", set())
        ctx.n_outputs = len(outs)
        ctx._out_meta = tuple(
            (o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), np.float64)
            for o in outs
        )
        wrapped = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor):
                if any(o is a for a in tensor_inputs):
                    o = Tensor._wrap(o._data)  # returning an input: give it its own history
                if id(o) not in non_diff and o.dtype.is_floating_point:
                    o._requires_grad = True
                    o.grad_fn = ctx
                    o._output_nr = i
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)


class once_differentiable:  # noqa: N801 - torch.autograd.function.once_differentiable
    """Decorator accepted for compatibility; neurona's backward never builds a graph."""

    def __new__(cls, fn: Any) -> Any:
        return fn


def _accumulator_for(tensor: Any) -> AccumulateGrad:
    """The (cached, weakly referenced) AccumulateGrad node of a leaf tensor."""
    ref = tensor._accum
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(tensor)
        tensor._accum = weakref.ref(acc)
    return acc
