"""Hypothesis-driven parity with PyTorch: random broadcastable shapes for the binary ops and random
shape/dim/keepdim for the reductions; values, dtypes and every input's gradient are compared
through the same harness as the op table (``parity.check_parity``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from op_table import FLOATS, Arg, Case
from parity import check_parity

seeds = st.integers(0, 2**31 - 1)
dtypes = st.sampled_from(FLOATS)

# -- binary ops on random broadcastable shapes (zero-size and 0-d included) -------------------

BINARY = {
    "add": (lambda m, x, y: x + y, "real"),
    "sub": (lambda m, x, y: m.sub(x, y), "real"),
    "mul": (lambda m, x, y: x * y, "real"),
    "div": (lambda m, x, y: x / y, "nonzero"),
    "maximum": (lambda m, x, y: m.maximum(x, y), "real"),
}


@pytest.mark.parametrize("name", list(BINARY))
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, min_side=0, max_side=3),
       dtype=dtypes, seed=seeds)
def test_binary_broadcast(name: str, shapes: Any, dtype: str, seed: int) -> None:
    fn, y_domain = BINARY[name]
    x_shape, y_shape = shapes.input_shapes
    check_parity(Case(f"hypothesis/{name}", fn, (x_shape, Arg(y_shape, y_domain))), dtype, seed)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, min_side=0, max_side=3),
       dtype=dtypes, seed=seeds)
def test_where_broadcast(shapes: Any, dtype: str, seed: int) -> None:
    c_shape, x_shape, y_shape = shapes.input_shapes
    cond = np.asarray(np.random.default_rng(seed).random(c_shape) < 0.5)
    case = Case("hypothesis/where", lambda m, c, x, y: m.where(c, x, y), (cond, x_shape, y_shape))
    check_parity(case, dtype, seed)


# -- reductions on random shapes, dims (int, tuple, negative, None) and keepdim ----------------


@st.composite
def dims(draw: Any, ndim: int, *, none: bool = True, tuples: bool = True) -> Any:
    """A ``dim`` argument valid for a tensor of ``ndim`` dims: None, an int, or a tuple of
    distinct dims, each possibly negative (a 0-d tensor takes 0 or -1)."""
    n = max(ndim, 1)
    options = [st.integers(-n, n - 1)]
    if none:
        options.append(st.none())
    if tuples and ndim:
        axes = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)
        options.append(axes.flatmap(lambda a: st.tuples(*[st.sampled_from([d, d - ndim]) for d in a])))
    return draw(st.one_of(options))


def _sum(m: Any, x: Any, dim: Any, keepdim: bool) -> Any:
    return x.sum() if dim is None else x.sum(dim=dim, keepdim=keepdim)


def _mean(m: Any, x: Any, dim: Any, keepdim: bool) -> Any:
    return m.mean(x) if dim is None else m.mean(x, dim, keepdim=keepdim)


def _amax(m: Any, x: Any, dim: Any, keepdim: bool) -> Any:
    return m.amax(x) if dim is None else x.amax(dim, keepdim)


def _logsumexp(m: Any, x: Any, dim: Any, keepdim: bool) -> Any:
    return m.logsumexp(x, dim, keepdim=keepdim)


def _softmax(m: Any, x: Any, dim: Any, keepdim: bool) -> Any:  # keepdim: not an argument
    return m.softmax(x, dim)


def _log_softmax(m: Any, x: Any, dim: Any, keepdim: bool) -> Any:
    return x.log_softmax(dim=dim)


# name: (fn, min_side (0 allows empty tensors), dim may be None, dim may be a tuple)
REDUCTIONS = {
    "sum": (_sum, 0, True, True),
    "mean": (_mean, 0, True, True),
    "amax": (_amax, 1, True, True),
    "logsumexp": (_logsumexp, 1, False, True),
    "softmax": (_softmax, 0, False, False),
    "log_softmax": (_log_softmax, 0, False, False),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_reduction(name: str, data: Any, dtype: str, seed: int) -> None:
    fn, min_side, none, tuples = REDUCTIONS[name]
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=min_side, max_side=4), "shape")
    dim = data.draw(dims(len(shape), none=none, tuples=tuples), "dim")
    keepdim = data.draw(st.booleans(), "keepdim")
    case = Case(f"hypothesis/{name}", lambda m, x: fn(m, x, dim, keepdim), (shape,))
    check_parity(case, dtype, seed)


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_var_std(data: Any, dtype: str, seed: int) -> None:
    """var/std over N > correction elements (N ≤ correction is a division by zero)."""
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4), "shape")
    dim = data.draw(dims(len(shape)), "dim")
    keepdim = data.draw(st.booleans(), "keepdim")
    correction = data.draw(st.sampled_from([0, 1, 2]), "correction")
    reduced = range(len(shape)) if dim is None else [dim] if isinstance(dim, int) else dim
    assume((math.prod(shape[d] for d in reduced) if shape else 1) > correction)
    std = data.draw(st.booleans(), "std")

    def fn(m: Any, x: Any) -> Any:
        f = m.std if std else m.var
        return f(x, dim, keepdim=keepdim, correction=correction)

    check_parity(Case("hypothesis/var", fn, (shape,)), dtype, seed)
