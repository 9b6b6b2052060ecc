"""The backward pass: walk the graph once, in dependency order, without recursion.

Given root tensors ``r`` and their gradients ``dL/dr``, reverse-mode differentiation
applies the chain rule node by node: a node may run only when every node that consumes its
outputs has already sent its share, because the gradient of an output used ``k`` times is
the *sum* of ``k`` contributions. So:

1. count, for every node reachable from the roots, how many edges point into it;
2. start from the roots; run a node's ``backward`` on its summed gradient, reduce each
   input gradient to the input's shape (undoing broadcasting: sum over the expanded axes)
   and dtype, add it into the next node's buffer, and decrement that node's count;
3. a node whose count reaches zero is ready. Leaves (:class:`AccumulateGrad`) add their
   gradient into ``.grad``.

An explicit stack replaces recursion, so a chain of 100,000 operations is fine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import anomaly
from . import function as _function
from .function import AccumulateGrad, Node, check_versions, current_grad_fn
from .grad_mode import _Mode

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def sum_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes broadcasting added or stretched, to get ``shape`` back."""
    lead = grad.ndim - len(shape)
    if lead:
        grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


def _root(t: Any, i: int = 0) -> tuple[Node, int]:
    """The node and output index a root tensor's gradient enters the graph at."""
    if not t._requires_grad:
        raise RuntimeError(
            f"element {i} of tensors does not require grad and does not have a grad_fn"
        )
    fn = current_grad_fn(t)
    if fn is None:
        return t._accumulator(), 0
    return fn, t._output_nr


def execute(
    roots: Sequence[tuple[Node, int, np.ndarray]],
    retain_graph: bool,
    capture: dict | None = None,
    accumulate_into: set | None = None,
) -> list | None:
    """Run the backward pass from ``roots`` (node, output index, gradient).

    ``capture`` maps ``(node, output_index)`` to a slot: the gradient arriving there is
    returned instead of accumulated (``autograd.grad``). ``accumulate_into`` (ids of
    leaves) restricts which leaves receive ``.grad`` (``backward(inputs=...)``).
    """
    # 1. dependency counts over the reachable graph
    deps: dict[Node, int] = {}
    seen = set()
    stack = []
    for n, _, _ in roots:
        if n not in seen:
            seen.add(n)
            stack.append(n)
    while stack:
        n = stack.pop()
        for e in n.next:
            if e is None:
                continue
            c = e[0]
            if c in deps:
                deps[c] += 1
            else:
                deps[c] = 1
            if c not in seen:
                seen.add(c)
                stack.append(c)

    # 2. seed the buffers with the roots' gradients
    buffers: dict[Node, list] = {}
    for n, nr, g in roots:
        buf = buffers.get(n)
        if buf is None:
            buf = buffers[n] = [None] * n.n_outputs + [False]  # last slot: "owned" flag
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    ready = [n for n in buffers if n not in deps]
    captured = [None] * len(capture) if capture else None

    # 3. run nodes as they become ready
    while ready:
        n = ready.pop()
        buf = buffers.pop(n, None)
        if isinstance(n, AccumulateGrad):
            if buf is None:
                continue
            if capture is not None:
                slot = capture.get((n, 0))
                if slot is not None:
                    captured[slot] = _run_leaf_hooks(n.variable, buf[0])
                continue
            if accumulate_into is None or id(n.variable) in accumulate_into:
                _accumulate(n.variable, buf[0], buf[-1])
            continue
        if getattr(n, "_freed", False):
            raise RuntimeError(_FREED_MSG)
        grads_out = _incoming(n, buf, capture, captured)
        if grads_out is None:
            results: tuple = (None,) * len(n.next)
        else:
            check_versions(n)
            results = n.backward(*grads_out) if n.n_outputs > 1 else n.backward(grads_out[0])
            if _Mode.anomaly:
                anomaly.check_backward(n, grads_out, results if type(results) is tuple else (results,))
            if type(results) is not tuple:
                results = (results,)
            if len(results) != len(n.next):
                raise RuntimeError(
                    f"{n.name()} returned {len(results)} gradients for {len(n.next)} inputs"
                )
        incoming0 = grads_out[0] if grads_out is not None else None
        for e, g in zip(n.next, results):
            if e is None:
                continue
            c, nr, shape, dtype = e
            if g is not None:
                owned = True
                if g.shape != shape:
                    g = sum_to(g, shape)
                    owned = g.base is None
                else:
                    owned = g.base is None and g is not incoming0 and _unique(g, results)
                if g.dtype != dtype:
                    g = g.astype(dtype)
                    owned = True
                cbuf = buffers.get(c)
                if cbuf is None:
                    cbuf = buffers[c] = [None] * c.n_outputs + [owned]
                    cbuf[nr] = g
                elif cbuf[nr] is None:
                    cbuf[nr] = g
                    cbuf[-1] = owned
                else:
                    cbuf[nr] = cbuf[nr] + g
                    cbuf[-1] = True
            d = deps[c] - 1
            deps[c] = d
            if d == 0:
                ready.append(c)
        if not retain_graph:
            n._release()
    return captured


def _unique(g: np.ndarray, results: tuple) -> bool:
    k = 0
    for r in results:
        if r is g:
            k += 1
    return k == 1


def _incoming(n: Node, buf: list | None, capture: dict | None, captured: list | None):
    """The gradients flowing into node ``n`` (per output), after tensor hooks."""
    if buf is None:
        return None
    grads = buf[:-1]
    hooks = getattr(n, "_pre_hooks", None)
    retain = getattr(n, "_retain", None)
    if hooks or retain:
        Tensor = _function.Tensor

        for nr in range(len(grads)):
            g = grads[nr]
            if g is None:
                continue
            for hook in (hooks or {}).get(nr, ()):
                r = hook(Tensor._wrap(g))
                if r is not None:
                    g = r._data
            grads[nr] = g
            ref = (retain or {}).get(nr)
            t = ref() if ref is not None else None
            if t is not None:
                t.grad = Tensor._wrap(g.copy()) if t.grad is None else t.grad + Tensor._wrap(g)
    if capture is not None:
        for nr, g in enumerate(grads):
            slot = capture.get((n, nr))
            if slot is not None and g is not None:
                captured[slot] = g
    if all(g is None for g in grads):
        return None
    if n.n_outputs > 1:
        grads = [np.zeros(s, d) if g is None else g for g, (s, d) in zip(grads, n._out_meta)]
    return grads


def _run_leaf_hooks(t: Any, g: np.ndarray) -> np.ndarray:
    hooks = t._hooks
    if hooks:
        Tensor = _function.Tensor

        for hook in hooks:
            r = hook(Tensor._wrap(g))
            if r is not None:
                g = r._data
    return g


def _accumulate(t: Any, g: np.ndarray, owned: bool) -> None:
    """``t.grad += g``: in place when ``t.grad`` exists, else ``g`` itself if nobody shares it."""
    Tensor = _function.Tensor

    if t._hooks:
        h = _run_leaf_hooks(t, g)
        owned = owned and h is g
        g = h
    grad = t._grad
    if grad is None:
        if not owned or not g.flags.writeable:
            g = g.copy()
        t._grad = Tensor._wrap(g)
    else:
        np.add(grad._data, g, out=grad._data)
        grad._vc[0] += 1
    for hook in t._post_acc_hooks or ():
        hook(t)


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate d(tensors)/d(leaves) into the leaves' ``.grad`` (``torch.autograd.backward``)."""
    Tensor = _function.Tensor

    if create_graph:
        raise NotImplementedError("neurona does not build graphs of the backward pass (create_graph)")
    tensors = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        node, nr = _root(t, i)
        roots.append((node, nr, _initial_grad(t, g, i)))
    only = None
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        only = {id(x) for x in inputs}
    _Mode.step += 1  # one training step, for the graph-leak check
    execute(roots, bool(retain_graph), accumulate_into=only)


def _initial_grad(t: Any, g: Any, i: int = 0) -> np.ndarray:
    """d(root)/d(root): ones for a one-element root, else the given ``gradient`` (same shape)."""
    Tensor = _function.Tensor

    if g is None:
        if t._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return np.ones(t._data.shape, t._data.dtype)
    arr = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=t._data.dtype)
    if arr.shape != t._data.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{i}] has a shape of neurona.Size({list(arr.shape)}) "
            f"and output[{i}] has a shape of neurona.Size({list(t._data.shape)})."
        )
    return arr.astype(t._data.dtype, copy=False)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple:
    """Return d(outputs)/d(inputs) without touching ``.grad`` (``torch.autograd.grad``)."""
    Tensor = _function.Tensor

    if create_graph:
        raise NotImplementedError("neurona does not build graphs of the backward pass (create_graph)")
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    single_in = isinstance(inputs, Tensor)
    inputs = (inputs,) if single_in else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    roots = [(*_root(t, i), _initial_grad(t, g, i))
             for i, (t, g) in enumerate(zip(outputs, grad_outputs))]
    capture = {}
    for i, x in enumerate(inputs):
        if not x._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        fn = current_grad_fn(x)
        key = (x._accumulator(), 0) if fn is None else (fn, x._output_nr)
        capture[key] = i
    captured = execute(roots, bool(retain_graph), capture=capture)
    result = []
    for i, (x, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if materialize_grads:
                result.append(Tensor._wrap(np.zeros_like(x._data)))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(Tensor._wrap(np.array(g, copy=True)))
    return tuple(result)
