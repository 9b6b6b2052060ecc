"""Hypothesis-driven parity with PyTorch: random broadcastable shapes for the binary ops, random
shape/dim/keepdim for the reductions, random shapes (zero-size and size-1 dims, negative dims) for
the unary ops, matmul, the shape ops (reshape, permute, transpose, squeeze, flatten, cat, stack),
indexing (slices, ints, None, index arrays), cumsum and max/min along a dim; values, dtypes and
every input's gradient are compared through the same harness as the op table
(``parity.check_parity``). CI runs the 'ci' profile; ``HYPOTHESIS_PROFILE=fuzz`` runs far more."""

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
    """var/std over N > correction elements (N ≤ correction is a division by zero); the dims not
    reduced may be empty."""
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), "shape")
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


# -- shape strategies shared by the tests below ------------------------------------------------

# every side 0..3 (zero-size and size-1 dims included), 0-d tensors included
any_shape = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3)
# sides weighted towards 1 (squeeze, broadcasting), still with zero-size dims
ones_shape = st.lists(st.sampled_from([0, 1, 1, 1, 2, 3]), min_size=0, max_size=4).map(tuple)


def dim_in(ndim: int, extra: int = 0) -> st.SearchStrategy:
    """A valid (possibly negative) dim of an ``ndim``-d tensor (a 0-d tensor takes 0 and -1);
    ``extra=1`` for unsqueeze/stack, which insert a dim."""
    n = max(ndim + extra, 1)
    return st.integers(-n, n - 1)


# -- unary elementwise ops and pow with a Python scalar on random shapes --------------------------

UNARY = {
    "exp": (lambda m, x: m.exp(x), "real"),
    "log": (lambda m, x: x.log(), "positive"),
    "tanh": (lambda m, x: m.tanh(x), "real"),
    "sigmoid": (lambda m, x: x.sigmoid(), "real"),
    "relu": (lambda m, x: m.relu(x), "nonzero"),  # away from the kink at 0
    "abs": (lambda m, x: x.abs(), "nonzero"),
    "sqrt": (lambda m, x: m.sqrt(x), "positive"),
}


@pytest.mark.parametrize("name", list(UNARY))
@given(shape=any_shape, dtype=dtypes, seed=seeds)
def test_unary(name: str, shape: tuple, dtype: str, seed: int) -> None:
    fn, domain = UNARY[name]
    check_parity(Case(f"hypothesis/{name}", fn, (shape,), domain=domain), dtype, seed)


@given(shape=any_shape, exponent=st.sampled_from([0, 1, 2, 3, -1, -2, 0.5, 1.7, -0.5, 2.0]),
       form=st.sampled_from(["op", "fn", "method"]), dtype=dtypes, seed=seeds)
def test_pow_scalar(shape: tuple, exponent: Any, form: str, dtype: str, seed: int) -> None:
    whole = float(exponent).is_integer()
    domain = "real" if whole and exponent >= 0 else "nonzero" if whole else "positive"
    fn = {"op": lambda m, x: x ** exponent, "fn": lambda m, x: m.pow(x, exponent),
          "method": lambda m, x: x.pow(exponent)}[form]
    check_parity(Case("hypothesis/pow_scalar", fn, (shape,), domain=domain), dtype, seed)


# -- matmul: 1-D, 2-D and batched operands, batch dims broadcast (zero-size included) --------------


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_matmul(data: Any, dtype: str, seed: int) -> None:
    n, k, p = data.draw(st.tuples(*[st.integers(0, 3)] * 3), "n, k, p")
    kinds = data.draw(st.tuples(*[st.sampled_from(["1d", "2d", "batched"])] * 2), "kinds")
    batch = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, min_side=0,
                                                        max_side=3), "batch").input_shapes
    a_shape = {"1d": (k,), "2d": (n, k), "batched": (*batch[0], n, k)}[kinds[0]]
    b_shape = {"1d": (k,), "2d": (k, p), "batched": (*batch[1], k, p)}[kinds[1]]
    form = data.draw(st.sampled_from(["op", "fn", "method"]), "form")
    fn = {"op": lambda m, x, y: x @ y, "fn": lambda m, x, y: m.matmul(x, y),
          "method": lambda m, x, y: x.matmul(y)}[form]
    check_parity(Case("hypothesis/matmul", fn, (a_shape, b_shape)), dtype, seed)


# -- shape ops on random shapes with random (negative) dims --------------------------------------


@st.composite
def reshape_target(draw: Any, shape: tuple) -> tuple:
    """A random shape with the same number of elements as ``shape``, maybe with one -1."""
    numel = math.prod(shape)
    ndim = draw(st.integers(0 if numel == 1 else 1, 4))
    if numel == 0:  # a 0 somewhere, any other sides; -1 cannot be inferred from 0 elements
        target = draw(st.lists(st.integers(0, 3), min_size=ndim, max_size=ndim))
        target[draw(st.integers(0, ndim - 1))] = 0
        return tuple(target)
    target = [1] * ndim
    f, rest = 2, numel  # spread the prime factors of numel over the dims
    while rest > 1:
        while rest % f == 0:
            target[draw(st.integers(0, ndim - 1))] *= f
            rest //= f
        f += 1
    if ndim and draw(st.booleans()):
        target[draw(st.integers(0, ndim - 1))] = -1
    return tuple(target)


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_reshape_view(data: Any, dtype: str, seed: int) -> None:
    shape = data.draw(any_shape, "shape")
    target = data.draw(reshape_target(shape), "target")
    forms = ["reshape", "view", "fn"] + (["of_transpose"] if len(shape) >= 2 else [])
    form = data.draw(st.sampled_from(forms), "form")
    fn = {"reshape": lambda m, x: x.reshape(*target) if target else x.reshape(target),
          "view": lambda m, x: x.view(target), "fn": lambda m, x: m.reshape(x, target),
          "of_transpose": lambda m, x: x.transpose(0, -1).reshape(target)}[form]
    check_parity(Case("hypothesis/reshape", fn, (shape,)), dtype, seed)


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_permute_transpose(data: Any, dtype: str, seed: int) -> None:
    shape = data.draw(any_shape, "shape")
    nd = len(shape)
    if data.draw(st.booleans(), "permute"):
        perm = data.draw(st.permutations(range(nd)), "perm")
        perm = [data.draw(st.sampled_from([d, d - nd]), "sign") for d in perm]
        method = nd and data.draw(st.booleans(), "method")  # varargs need one dim at least
        fn = (lambda m, x: x.permute(*perm)) if method else (lambda m, x: m.permute(x, perm))
    else:
        d0, d1 = data.draw(dim_in(nd), "dim0"), data.draw(dim_in(nd), "dim1")
        fn = lambda m, x: m.transpose(x, d0, d1)  # noqa: E731
    check_parity(Case("hypothesis/permute", fn, (shape,)), dtype, seed)


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_squeeze_unsqueeze(data: Any, dtype: str, seed: int) -> None:
    shape = data.draw(ones_shape, "shape")
    nd = len(shape)
    kind = data.draw(st.sampled_from(["squeeze_all", "squeeze_dim", "squeeze_dims", "unsqueeze"]), "kind")
    if kind == "squeeze_all":
        fn = lambda m, x: x.squeeze()  # noqa: E731
    elif kind == "squeeze_dim":
        d = data.draw(dim_in(nd), "dim")
        fn = lambda m, x: m.squeeze(x, d)  # noqa: E731
    elif kind == "squeeze_dims":
        ds = tuple(data.draw(st.lists(st.integers(0, max(nd, 1) - 1), max_size=nd, unique=True), "dims"))
        fn = lambda m, x: x.squeeze(ds)  # noqa: E731
    else:
        d = data.draw(dim_in(nd, extra=1), "dim")
        fn = lambda m, x: x.unsqueeze(d)  # noqa: E731
    check_parity(Case(f"hypothesis/{kind}", fn, (shape,)), dtype, seed)


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_flatten(data: Any, dtype: str, seed: int) -> None:
    shape = data.draw(any_shape, "shape")
    nd = len(shape)
    start = data.draw(dim_in(nd), "start")
    lo = start % max(nd, 1)
    end = data.draw(st.integers(lo, max(nd, 1) - 1).flatmap(lambda e: st.sampled_from([e, e - max(nd, 1)])),
                    "end")
    fn = (lambda m, x: x.flatten(start, end)) if data.draw(st.booleans()) else (
        lambda m, x: m.flatten(x, start_dim=start, end_dim=end))
    check_parity(Case("hypothesis/flatten", fn, (shape,)), dtype, seed)


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_cat_stack(data: Any, dtype: str, seed: int) -> None:
    stack = data.draw(st.booleans(), "stack")
    shapes_st = hnp.array_shapes(min_dims=0 if stack else 1, max_dims=3, min_side=0, max_side=3)
    shape = data.draw(shapes_st, "shape")
    nd = len(shape)
    dim = data.draw(dim_in(nd, extra=1) if stack else dim_in(nd), "dim")
    pieces = data.draw(st.integers(1, 3), "pieces")
    if stack:
        shapes = [shape] * pieces
        fn = lambda m, *xs: m.stack(xs, dim=dim)  # noqa: E731
    else:
        sizes = data.draw(st.lists(st.integers(0, 3), min_size=pieces, max_size=pieces), "sizes")
        d = dim % nd
        shapes = [shape[:d] + (s,) + shape[d + 1:] for s in sizes]
        fn = lambda m, *xs: m.cat(list(xs), dim)  # noqa: E731
    check_parity(Case("hypothesis/stack" if stack else "hypothesis/cat", fn, tuple(shapes)), dtype, seed)


# -- indexing: random basic slices, ints, None, and integer-array indices ------------------------


@st.composite
def basic_index(draw: Any, side: int) -> Any:
    """One entry of an index tuple for a dim of size ``side``: a slice (any start/stop, positive
    step — torch has no negative steps) or an int in range."""
    bound = st.one_of(st.none(), st.integers(-side - 2, side + 2))
    kinds = [st.builds(slice, bound, bound, st.sampled_from([None, 1, 2, 3]))]
    if side:
        kinds.append(st.integers(-side, side - 1))
    return draw(st.one_of(kinds))


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_getitem(data: Any, dtype: str, seed: int) -> None:
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4), "shape")
    n_idx = data.draw(st.integers(0, len(shape)), "indexed dims")  # the rest: an implicit ':'
    entries = [data.draw(basic_index(shape[d]), f"index {d}") for d in range(n_idx)]
    # up to two dims indexed by integer arrays of one shape (broadcast together), repeats allowed
    candidates = [d for d in range(n_idx) if shape[d]]
    pick = st.lists(st.sampled_from(candidates), max_size=2, unique=True) if candidates else st.just([])
    array_dims = sorted(data.draw(pick, "array dims"))
    ishape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=3), "index shape")
    arrays = [data.draw(hnp.arrays(np.int64, ishape, elements=st.integers(-shape[d], shape[d] - 1)),
                        f"array {d}") for d in array_dims]
    none_at = data.draw(st.none() | st.integers(0, n_idx), "None at")
    kinds = ["array" if d in array_dims else "int" if isinstance(e, int) else "basic"
             for d, e in enumerate(entries)]
    if none_at is not None:
        kinds.insert(none_at, "basic")
    adv = [i for i, k in enumerate(kinds) if k != "basic"]
    # known neurona bug (op_table getitem/int_slice_int_tensor): an int and an index array apart
    # (a slice or None between them) follow NumPy's rule (the indexed dims go first), not torch's
    assume(not ("int" in kinds and "array" in kinds and "basic" in kinds[min(adv):max(adv)]))

    def fn(m: Any, x: Any, *idx: Any) -> Any:
        index: list = list(entries)
        for d, t in zip(array_dims, idx):
            index[d] = t
        if none_at is not None:
            index.insert(none_at, None)
        return x[tuple(index)]

    check_parity(Case("hypothesis/getitem", fn, (shape, *[np.asarray(a) for a in arrays])), dtype, seed)


# -- cumsum, max/min along a dim -------------------------------------------------------------------


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_cumsum(data: Any, dtype: str, seed: int) -> None:
    shape = data.draw(any_shape, "shape")
    dim = data.draw(dim_in(len(shape)), "dim")
    fn = (lambda m, x: x.cumsum(dim)) if data.draw(st.booleans()) else (lambda m, x: m.cumsum(x, dim=dim))
    check_parity(Case("hypothesis/cumsum", fn, (shape,)), dtype, seed)


@given(data=st.data(), dtype=dtypes, seed=seeds)
def test_max_min_dim(data: Any, dtype: str, seed: int) -> None:
    """(values, indices) of max/min along a non-empty dim (other dims may be empty); distinct
    values, so the index (and the gradient's destination) is unambiguous."""
    shape = data.draw(any_shape, "shape")
    dim = data.draw(dim_in(len(shape)), "dim")
    assume(not shape or shape[dim] > 0)
    keepdim = data.draw(st.booleans(), "keepdim")
    name = data.draw(st.sampled_from(["max", "min"]), "op")
    if data.draw(st.booleans(), "method"):
        fn = lambda m, x: getattr(x, name)(dim=dim, keepdim=keepdim)  # noqa: E731
    else:
        fn = lambda m, x: getattr(m, name)(x, dim, keepdim)  # noqa: E731
    check_parity(Case(f"hypothesis/{name}_dim", fn, (shape,), domain="distinct"), dtype, seed)
