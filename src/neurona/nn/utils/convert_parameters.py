"""Flatten parameters into one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...api.shape import cat, reshape
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters concatenated into one 1-D tensor (differentiable)."""
    return cat([reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (in place)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise RuntimeError(f"vector has {vec.numel()} elements but the parameters have {total}")
    offset = 0
    with no_grad():
        for p in params:
            n = p.numel()
            np.copyto(p._data, vec._data[offset:offset + n].reshape(p._data.shape), casting="unsafe")
            p._vc[0] += 1
            offset += n
