"""Zero-size inputs that PyTorch rejects: neurona must raise the same exception type.

The zero-size (and size-1) cases torch accepts are entries of the op table (``op_table.py``), so
their values, gradients and gradcheck run in ``test_ops.py``; this file pins down the errors: a
reduction with no identity over an empty dim (max, min, argmax, topk, the ∞-norm), a ``-1`` that
cannot be inferred from 0 elements, shape mismatches and out-of-range indices on empty tensors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import neurona
import neurona.nn.functional as NF

INF = float("inf")


def E(*shape: int) -> np.ndarray:
    """An empty (or any-shape zero) float64 input."""
    return np.zeros(shape)


_IDX0 = np.zeros(0, np.int64)
_MAX_MIN_BUG = ("api/reduction.py _empty_check raises IndexError for max()/min()/amax()/amin() "
                "without dim on an empty tensor; torch raises RuntimeError (IndexError only with a dim)")
_AMAX_DIMS_BUG = ("api/reduction.py amax/amin check only the first dim of a dim tuple for emptiness: an "
                  "empty later dim reaches NumPy, which raises ValueError; torch raises IndexError")
_INDEX_SELECT_BUG = ("index_select on an empty dim: torch raises RuntimeError ('self indexing axis dim "
                     "should be positive'), neurona IndexError")

# name: (fn(m, *tensors), inputs, known neurona bug or None)
RAISES: dict[str, tuple[Any, list, str | None]] = {
    # reductions without an identity over no element at all
    "max/all": (lambda m, x: x.max(), [E(0, 3)], _MAX_MIN_BUG),
    "min/all": (lambda m, x: m.min(x), [E(2, 0)], _MAX_MIN_BUG),
    "amax/all": (lambda m, x: x.amax(), [E(0)], _MAX_MIN_BUG),
    "amin/all": (lambda m, x: m.amin(x), [E(0, 3)], _MAX_MIN_BUG),
    "argmax/all": (lambda m, x: x.argmax(), [E(0, 3)], None),
    "argmin/all": (lambda m, x: m.argmin(x), [E(3, 0)], None),
    # ... and over an empty dim
    "max/dim": (lambda m, x: x.max(0), [E(0, 3)], None),
    "max/dim_keepdim": (lambda m, x: m.max(x, -1, keepdim=True), [E(3, 0)], None),
    "min/dim": (lambda m, x: x.min(dim=1), [E(2, 0, 3)], None),
    "amax/dim": (lambda m, x: x.amax(0), [E(0, 3)], None),
    "amax/dims": (lambda m, x: m.amax(x, (0, 1)), [E(2, 0)], _AMAX_DIMS_BUG),
    "amax/dims_first_empty": (lambda m, x: x.amax((1, 0)), [E(2, 0)], None),
    "amin/dim": (lambda m, x: m.amin(x, -2), [E(0, 3)], None),
    "amin/dims": (lambda m, x: x.amin(dim=(0, -1), keepdim=True), [E(3, 0)], _AMAX_DIMS_BUG),
    "argmax/dim": (lambda m, x: x.argmax(0), [E(0, 3)], None),
    "argmin/dim_keepdim": (lambda m, x: x.argmin(1, keepdim=True), [E(2, 0)], None),
    "topk/dim0": (lambda m, x: x.topk(1, dim=0), [E(0, 3)], None),
    "topk/last": (lambda m, x: m.topk(x, 2), [E(3, 0)], None),
    "norm/inf": (lambda m, x: x.norm(p=INF), [E(0, 3)], None),
    "norm/neg_inf": (lambda m, x: m.norm(x, p=-INF), [E(0)], None),
    "norm/inf_dim": (lambda m, x: x.norm(p=INF, dim=0), [E(0, 3)], None),
    "norm/neg_inf_dims": (lambda m, x: x.norm(p=-INF, dim=(0, 1)), [E(2, 0)], None),
    # shapes
    "view/infer_from_zero": (lambda m, x: x.view(-1, 0), [E(0, 3)], None),
    "reshape/infer_from_zero": (lambda m, x: m.reshape(x, (0, -1)), [E(2, 0)], None),
    "reshape/wrong_numel": (lambda m, x: x.reshape(2, 2), [E(0, 3)], None),
    "unflatten/wrong_sizes": (lambda m, x: x.unflatten(1, (2, 2)), [E(0, 3)], None),
    "expand/non_singleton": (lambda m, x: x.expand(2, 3), [E(0, 3)], None),
    "narrow/out_of_range": (lambda m, x: x.narrow(0, 0, 1), [E(0, 3)], None),
    "split/sizes_not_summing": (lambda m, x: x.split([1, 1], 0), [E(0, 3)], None),
    "chunk/zero_chunks": (lambda m, x: x.chunk(0), [E(0, 3)], None),
    "cat/mismatch": (lambda m, x, y: m.cat([x, y]), [E(0, 3), E(2, 4)], None),
    "stack/mismatch": (lambda m, x, y: m.stack([x, y]), [E(0, 3), E(0, 2)], None),
    "add/not_broadcastable": (lambda m, x, y: x + y, [E(0, 3), E(2, 3)], None),
    "where/not_broadcastable": (lambda m, c, x: m.where(c, x, x), [np.zeros((2, 3), bool), E(0, 3)], None),
    "matmul/mismatch": (lambda m, x, y: x @ y, [E(0, 3), E(2, 4)], None),
    "mm/empty_inner_mismatch": (lambda m, x, y: m.mm(x, y), [E(2, 0), E(3, 2)], None),
    "bmm/batch_mismatch": (lambda m, x, y: m.bmm(x, y), [E(0, 2, 3), E(1, 3, 2)], None),
    # indices into an empty dim
    "getitem/int": (lambda m, x: x[0], [E(0, 3)], None),
    "getitem/int_tensor": (lambda m, x, i: x[i], [E(0, 3), np.zeros(1, np.int64)], None),
    "gather/out_of_range": (lambda m, x, i: x.gather(0, i), [E(0, 4), np.zeros((1, 2), np.int64)], None),
    "scatter_add/out_of_range": (lambda m, x, i, s: x.scatter_add(0, i, s),
                                 [E(0, 3), np.zeros((1, 3), np.int64), E(1, 3)], None),
    "index_select/out_of_range": (lambda m, x, i: x.index_select(0, i), [E(0, 4), np.zeros(1, np.int64)],
                                  _INDEX_SELECT_BUG),
    "one_hot/infer_classes": (lambda m, x: (NF if m is neurona else torch.nn.functional).one_hot(x),
                              [_IDX0], None),
}


def _tensors(m: Any, arrays: list) -> list:
    """The inputs as ``m`` tensors; float ones require grad (the autograd path is the one used)."""
    out = [torch.from_numpy(a.copy()) if m is torch else neurona.tensor(a) for a in arrays]
    return [t.requires_grad_(True) if t.is_floating_point() else t for t in out]


def _param(name: str) -> Any:
    bug = RAISES[name][2]
    return pytest.param(name, id=name, marks=[pytest.mark.xfail(strict=True, reason=bug)] if bug else [])


@pytest.mark.parametrize("name", [_param(n) for n in RAISES])
def test_raises_like_torch(name: str) -> None:
    fn, arrays, _ = RAISES[name]
    with pytest.raises(Exception) as expected:  # noqa: PT011 — the type is torch's, read below
        fn(torch, *_tensors(torch, arrays))
    with pytest.raises(Exception) as got:  # noqa: PT011
        fn(neurona, *_tensors(neurona, arrays))
    assert got.type is expected.type, (
        f"{name}: neurona raised {got.type.__name__}({got.value}), torch {expected.type.__name__}"
    )
