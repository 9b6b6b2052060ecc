"""The parity harness: run one op-table :class:`~op_table.Case` on neurona and on PyTorch with the
same data, and compare every output (type, shape, dtype name, values) and every input's gradient.

Gradients: a scalar output is backpropagated with the implicit gradient 1; otherwise each
differentiable output gets one fixed random upstream gradient, the same on both sides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import neurona
from neurona.autograd import gradcheck
from op_table import F64, Case, make_arrays, seed_of


def to_tensors(m: Any, arrays: list[np.ndarray], grads: list[bool]) -> list:
    """The same data as framework tensors (each its own copy); ``grads`` say which require grad."""
    out = []
    for a, g in zip(arrays, grads):
        t = torch.from_numpy(a.copy()) if m is torch else neurona.tensor(a)
        if g:
            t.requires_grad_(True)
        out.append(t)
    return out


def outputs(result: Any) -> list:
    """An op's result as a list of tensors (tuples such as ``max(dim)`` or ``split`` flattened)."""
    return list(result) if isinstance(result, (tuple, list)) else [result]


def dtype_name(t: Any) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


def assert_same(n: Any, t: Any, rtol: float, atol: float, what: str) -> None:
    """``n`` (neurona) equals ``t`` (torch): type, shape, dtype name, values (NaN == NaN)."""
    assert isinstance(n, neurona.Tensor), f"{what}: neurona returned {type(n).__name__}, torch a Tensor"
    assert tuple(n.shape) == tuple(t.shape), f"{what}: shape {tuple(n.shape)} vs torch {tuple(t.shape)}"
    assert dtype_name(n) == dtype_name(t), f"{what}: dtype {n.dtype} vs torch {t.dtype}"
    a, b = n.detach().numpy(), t.detach().numpy()
    if b.dtype.kind == "f":
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def check_parity(case: Case, dtype: str, seed: int | None = None) -> None:
    """Run ``case`` on both frameworks with the same data; compare outputs, then gradients."""
    arrays, grads = make_arrays(case, dtype, seed)
    nx, tx = to_tensors(neurona, arrays, grads), to_tensors(torch, arrays, grads)
    n_out, t_out = outputs(case.call(neurona, *nx)), outputs(case.call(torch, *tx))
    where = f"{case.name} [{dtype}]"
    assert len(n_out) == len(t_out), f"{where}: {len(n_out)} outputs vs torch {len(t_out)}"
    for k, (n, t) in enumerate(zip(n_out, t_out)):
        assert_same(n, t, *case.tolerance(dtype_name(t)), f"{where} output {k}")
        assert n.requires_grad == t.requires_grad, f"{where} output {k}: requires_grad differs"
    if not any(grads):
        return
    pairs = [(n, t) for n, t in zip(n_out, t_out) if t.requires_grad]
    assert pairs, f"{where}: a differentiable case with no differentiable output"
    if len(pairs) == 1 and pairs[0][1].dim() == 0:  # a scalar: the implicit gradient 1
        pairs[0][0].backward()
        pairs[0][1].backward()
    else:  # one fixed random upstream gradient per output, the same on both sides
        rng = np.random.default_rng(seed_of(case.name, dtype, "upstream", str(seed)))
        ups = [rng.standard_normal(tuple(t.shape)).astype(dtype) for _, t in pairs]
        neurona.autograd.backward([n for n, _ in pairs], [neurona.tensor(u) for u in ups])
        torch.autograd.backward([t for _, t in pairs], [torch.from_numpy(u) for u in ups])
    for i, (a, b) in enumerate(zip(nx, tx)):
        if b.grad is None:
            assert a.grad is None, f"{where}: input {i} got a gradient, torch's is None"
            continue
        assert a.grad is not None, f"{where}: input {i} got no gradient, torch's is {b.grad}"
        assert_same(a.grad, b.grad, *case.tolerance(dtype), f"{where} gradient of input {i}")


def check_gradcheck(case: Case) -> bool:
    """``neurona.autograd.gradcheck`` of the case's floating-point outputs, in float64."""
    arrays, grads = make_arrays(case, F64)
    xs = to_tensors(neurona, arrays, grads)

    def differentiable_outputs(*inputs: Any) -> tuple:
        return tuple(o for o in outputs(case.call(neurona, *inputs)) if o.is_floating_point())

    return gradcheck(differentiable_outputs, xs)
