"""The op table: one entry per (operation, input configuration), run on neurona AND on PyTorch.

Each :class:`Case` holds

* ``name`` — ``"op/variant"``; the part before ``/`` is the op the case covers;
* ``fn`` — a callable ``fn(m, *tensors)`` where ``m`` is the framework module (``neurona``
  or ``torch``), so the same lambda runs on both; or a dict ``{"neurona": f, "torch": g}``
  when the two spell the op differently (``one_hot``);
* ``args`` — the inputs: a shape tuple (a float tensor drawn from the case's domain), an
  :class:`Arg` (a shape with its own domain, or an input that does not require grad), or a
  NumPy array (a constant index/mask tensor, passed with its own dtype, never differentiated);
* ``domain`` — where the float inputs are drawn from (see :data:`DOMAINS`): positive for
  log/sqrt, away from kinks for abs/relu/max, |x| < 1 for asin, ...;
* ``differentiable`` — compare gradients (and run ``gradcheck``), or forward values only;
* ``dtypes`` — the input dtypes to run; ``tol`` — ``{dtype: (rtol, atol)}`` overriding
  :data:`DEFAULT_TOL`; ``gradcheck=False`` for inputs placed on a kink on purpose (ties),
  where the gradient is a convention that finite differences cannot see.

The harness (``parity.py``, used by ``test_ops.py`` and ``test_ops_hypothesis.py``) builds the
same NumPy data for both frameworks, compares every output (values, shape, dtype name),
backpropagates one fixed random upstream gradient per output through both, compares every
input's gradient, and runs ``neurona.autograd.gradcheck`` in float64 on the small cases.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

F32, F64 = "float32", "float64"
FLOATS = (F32, F64)
DEFAULT_TOL = {F64: (1e-7, 1e-10), F32: (1e-4, 1e-5)}
GRADCHECK_MAX_ELEMENTS = 16  # gradcheck cost grows with the square of the element count


@dataclass(frozen=True)
class Arg:
    """A float input with its own ``domain`` and/or ``requires_grad=False`` (a non-differentiated
    operand, e.g. the target of ``expand_as``)."""

    shape: tuple
    domain: str | None = None
    grad: bool = True


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable | dict
    args: tuple
    domain: str = "real"
    differentiable: bool = True
    dtypes: tuple = FLOATS
    tol: dict | None = None
    gradcheck: bool = True  # False at kinks (ties), where finite differences are one-sided
    known_bug: str | None = None  # a neurona bug outside the op files: the case is a strict xfail

    @property
    def op(self) -> str:
        return self.name.split("/")[0]

    def call(self, m: Any, *tensors: Any) -> Any:
        fn = self.fn
        if isinstance(fn, dict):
            fn = fn[m.__name__]
        return fn(m, *tensors)

    def tolerance(self, dtype: str) -> tuple[float, float]:
        """(rtol, atol) for results of ``dtype`` (exact for integers and bools)."""
        return (self.tol or {}).get(dtype, DEFAULT_TOL.get(dtype, (0.0, 0.0)))

    def float_elements(self) -> int:
        return sum(int(np.prod(_shape(a))) for a in self.args if not isinstance(a, np.ndarray))


def _shape(a: Any) -> tuple:
    return a.shape if isinstance(a, (Arg, np.ndarray)) else tuple(a)


# -- value domains ------------------------------------------------------------------------


def _grid(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct values 0.25 apart, shuffled: no ties, never 0, ±0.5, ±1 or a half-integer
    (so max/sort/abs/relu/clamp(±0.5)/floor/round are all away from their kinks)."""
    return rng.permutation((np.arange(n) - n // 2) * 0.25 + 0.1)


def _special(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    vals = np.array([np.nan, np.inf, -np.inf, 0.0, -1.5, 2.0, 1e30])
    return rng.choice(vals, size=shape)


def _nan_per_row(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    x = _grid(rng, int(np.prod(shape))).reshape(shape)
    np.put_along_axis(x, rng.integers(0, shape[-1], shape[:-1] + (1,)), np.nan, axis=-1)
    return x


def _with_zeros(k: int) -> Callable:
    def gen(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
        flat = x.reshape(-1)
        flat[rng.choice(flat.size, size=min(k, flat.size), replace=False)] = 0.0
        return x

    return gen


DOMAINS: dict[str, Callable] = {
    "real": lambda rng, s: rng.standard_normal(s),
    "positive": lambda rng, s: rng.uniform(0.5, 2.0, s),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s),
    "nonzero": lambda rng, s: rng.uniform(0.3, 1.5, s) * rng.choice([-1.0, 1.0], s),
    "above_minus1": lambda rng, s: rng.uniform(-0.7, 2.0, s),
    "low": lambda rng, s: rng.uniform(-2.0, -1.2, s),  # clamp lower bounds
    "high": lambda rng, s: rng.uniform(1.2, 2.0, s),  # clamp upper bounds
    "ties": lambda rng, s: rng.integers(-2, 3, s).astype(np.float64),  # many equal values
    "halves": lambda rng, s: rng.choice([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.25, -1.75], s),
    "special": _special,
    "zeros": lambda rng, s: np.zeros(s),
    "with_nan": lambda rng, s: np.where(rng.random(s) < 0.3, np.nan, _grid(rng, int(np.prod(s))).reshape(s)),
    "nan_per_row": _nan_per_row,  # one NaN per row: which of several NaNs topk picks is unspecified
    "positive_one_zero": lambda rng, s: _with_zeros(1)(rng, s) ** 2,
    "one_zero": _with_zeros(1),
    "two_zeros": _with_zeros(2),
    # "distinct" (see _grid) is drawn jointly over all the case's inputs, so that e.g. the two
    # operands of maximum never tie either (see make_arrays)
}


def seed_of(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode())


def make_arrays(case: Case, dtype: str, seed: int | None = None) -> tuple[list[np.ndarray], list[bool]]:
    """The case's inputs as NumPy arrays in ``dtype`` (constants keep theirs), and for each
    whether it requires grad. Deterministic: seeded by the case name (and ``seed``)."""
    rng = np.random.default_rng(seed_of(case.name, str(seed)))
    specs = []
    for a in case.args:
        if isinstance(a, np.ndarray):
            specs.append(("const", a, None, False))
        elif isinstance(a, Arg):
            specs.append(("float", a.shape, a.domain or case.domain, a.grad))
        else:
            specs.append(("float", tuple(a), case.domain, True))
    n_distinct = sum(int(np.prod(s)) for kind, s, d, _ in specs if kind == "float" and d == "distinct")
    pool = list(_grid(rng, n_distinct))
    arrays, grads = [], []
    is_float = np.dtype(dtype).kind == "f"
    for kind, s, dom, g in specs:
        if kind == "const":
            arrays.append(s.copy())
            grads.append(False)
            continue
        if dom == "distinct":
            n = int(np.prod(s))
            x = np.array(pool[:n], dtype=np.float64).reshape(s)
            del pool[:n]
        else:
            x = DOMAINS[dom](rng, s)
        if dtype == "bool":
            x = rng.random(s) < 0.5
        elif not is_float:
            lo = 1 if dom == "positive" else -4
            x = rng.integers(lo, 5, s)
        arrays.append(np.asarray(x).astype(dtype))
        grads.append(g and is_float and case.differentiable)
    return arrays, grads


# -- constants used by the table ----------------------------------------------------------

_i = np.array  # short alias for index constants


def _mask(shape: tuple, seed: int = 0) -> np.ndarray:
    m = np.random.default_rng(seed).random(shape) < 0.5
    m.reshape(-1)[0] = True
    m.reshape(-1)[-1] = False
    return m


def _one_hot_neurona(m: Any, x: Any, *args: Any) -> Any:
    from neurona.api.indexing import one_hot

    return one_hot(x, *args)


def _one_hot_torch(m: Any, x: Any, *args: Any) -> Any:
    return m.nn.functional.one_hot(x, *args)


INF = float("inf")
D = "distinct"
INTS = ("int64",)
ALL_DTYPES = (F32, F64, "int64", "int32", "bool")

# -- the table ----------------------------------------------------------------------------

C = Case
TABLE: list[Case] = [
    # ---- binary arithmetic: tensors, broadcasting, Python scalars, reflected forms ----
    C("add/same", lambda m, x, y: x + y, ((3, 4), (3, 4))),
    C("add/broadcast", lambda m, x, y: x + y, ((2, 3, 1), (4,))),
    C("add/size1", lambda m, x, y: m.add(x, y), ((3, 1), (1, 4))),
    C("add/zero_dim_tensor", lambda m, x, y: x + y, ((3,), ())),
    C("add/zero_size", lambda m, x, y: x + y, ((0, 3), (1, 3))),
    C("add/alpha", lambda m, x, y: m.add(x, y, alpha=2.5), ((2, 3), (3,))),
    C("add/float_scalar", lambda m, x: x + 2.5, ((2, 3),)),
    C("add/int_scalar", lambda m, x: x + 2, ((2, 3),)),
    C("add/reflected", lambda m, x: 1.5 + x, ((2, 3),)),
    C("add/same_tensor", lambda m, x: x + x, ((2, 3),)),
    C("add/int_tensors", lambda m, x, y: x + y, ((2, 3), (3,)), dtypes=("int64", "int32")),
    C("add/bool_tensors", lambda m, x, y: x + y, ((2, 3), (3,)), dtypes=("bool",)),
    C("add/bool_scalar", lambda m, x: x + True, ((2, 3),), dtypes=("bool",)),
    C("sub/same", lambda m, x, y: x - y, ((3, 4), (3, 4))),
    C("sub/broadcast", lambda m, x, y: m.sub(x, y), ((4, 1), (1, 3))),
    C("sub/alpha", lambda m, x, y: m.sub(x, y, alpha=0.5), ((2, 3), (2, 1))),
    C("sub/scalar", lambda m, x: x - 1.5, ((2, 3),)),
    C("sub/reflected", lambda m, x: 2 - x, ((2, 3),)),
    C("sub/reflected_float", lambda m, x: 0.5 - x, ((3,),)),
    C("sub/rsub", lambda m, x: m.rsub(x, 2), ((2, 3),)),
    C("sub/reflected_int", lambda m, x: 2 - x, ((2, 3),), dtypes=("int64", "int32")),
    C("mul/same", lambda m, x, y: x * y, ((3, 4), (3, 4))),
    C("mul/broadcast", lambda m, x, y: m.mul(x, y), ((2, 1, 3), (2, 1))),
    C("mul/zero_dim_tensor", lambda m, x, y: x * y, ((), (2, 3))),
    C("mul/scalar", lambda m, x: x * 3, ((2, 3),)),
    C("mul/reflected", lambda m, x: -0.5 * x, ((2, 3),)),
    C("mul/square_by_self", lambda m, x: x * x, ((2, 3),)),
    C("mul/int_by_float_scalar", lambda m, x: x * 1.5, ((2, 3),), dtypes=("int64", "int32")),
    C("mul/bool_by_float_scalar", lambda m, x: x * 1.5, ((2, 3),), dtypes=("bool",)),
    C("div/same", lambda m, x, y: x / y, ((3, 4), Arg((3, 4), "nonzero"))),
    C("div/broadcast", lambda m, x, y: m.div(x, y), ((2, 3), Arg((3,), "nonzero"))),
    C("div/scalar", lambda m, x: x / 4, ((2, 3),)),
    C("div/reflected", lambda m, x: 2 / x, ((2, 3),), domain="nonzero"),
    C("div/ints", lambda m, x, y: x / y, ((2, 3), (3,)), dtypes=INTS, domain="positive"),
    C("div/int_by_scalar", lambda m, x: x / 2, ((2, 3),), dtypes=("int64", "int32", "bool")),
    C("div/scalar_by_int", lambda m, x: 3 / x, ((2, 3),), dtypes=("int64",), domain="positive"),
    C("pow/tensors", lambda m, x, y: x ** y, (Arg((3, 4), "positive"), (3, 4))),
    C("pow/broadcast", lambda m, x, y: m.pow(x, y), (Arg((2, 3), "positive"), Arg((3,), "unit"))),
    C("pow/exponent_no_grad", lambda m, x, y: x ** y, (Arg((2, 3), "positive"), Arg((3,), grad=False))),
    C("pow/square", lambda m, x: x ** 2, ((2, 3),)),
    C("pow/cube", lambda m, x: x ** 3, ((2, 3),)),
    C("pow/sqrt", lambda m, x: x ** 0.5, ((2, 3),), domain="positive"),
    C("pow/negative", lambda m, x: x ** -1, ((2, 3),), domain="nonzero"),
    C("pow/fractional", lambda m, x: m.pow(x, 1.7), ((2, 3),), domain="positive"),
    C("pow/zero_exponent", lambda m, x: x ** 0, ((2, 3),)),
    C("pow/reflected", lambda m, x: 2 ** x, ((2, 3),)),
    C("pow/reflected_float", lambda m, x: 0.5 ** x, ((2, 3),)),
    C("pow/int_tensor", lambda m, x: x ** 2, ((2, 3),), dtypes=INTS),
    C("pow/zero_base", lambda m, x, y: x ** y, (Arg((2, 3), "positive_one_zero"), Arg((2, 3), "high")),
      gradcheck=False),
    C("pow/reflected_int", lambda m, x: 2 ** x, ((2, 3),), dtypes=INTS, domain="positive"),
    C("matmul/operator", lambda m, x, y: x @ y, ((2, 3), (3, 2))),
    # ---- unary ----
    C("neg/op", lambda m, x: -x, ((3, 4),)),
    C("neg/fn", lambda m, x: m.neg(x), ((2, 3),)),
    C("neg/int", lambda m, x: -x, ((2, 3),), dtypes=INTS),
    C("abs/fn", lambda m, x: m.abs(x), ((3, 4),), domain="nonzero"),
    C("abs/method", lambda m, x: x.abs(), ((2, 3),), domain="nonzero"),
    C("abs/int", lambda m, x: x.abs(), ((2, 3),), dtypes=("int64", "int32")),
    C("abs/at_zero", lambda m, x: x.abs(), ((3, 4),), domain="ties", gradcheck=False),
    C("exp/fn", lambda m, x: m.exp(x), ((3, 4),)),
    C("exp/zero_size", lambda m, x: x.exp(), ((0, 2),)),
    C("exp/int", lambda m, x: x.exp(), ((2, 3),), dtypes=("int64", "bool")),
    C("log/fn", lambda m, x: m.log(x), ((3, 4),), domain="positive"),
    C("log/int", lambda m, x: m.log(x), ((2, 3),), domain="positive", dtypes=INTS),
    C("log1p/fn", lambda m, x: m.log1p(x), ((3, 4),), domain="above_minus1"),
    C("expm1/fn", lambda m, x: m.expm1(x), ((3, 4),)),
    C("sqrt/fn", lambda m, x: m.sqrt(x), ((3, 4),), domain="positive"),
    C("sqrt/int", lambda m, x: x.sqrt(), ((2, 3),), domain="positive", dtypes=INTS),
    C("rsqrt/fn", lambda m, x: m.rsqrt(x), ((3, 4),), domain="positive"),
    C("square/fn", lambda m, x: m.square(x), ((3, 4),)),
    C("square/int", lambda m, x: m.square(x), ((2, 3),), dtypes=("int64", "int32")),
    C("sin/fn", lambda m, x: m.sin(x), ((3, 4),)),
    C("cos/fn", lambda m, x: x.cos(), ((3, 4),)),
    C("tanh/fn", lambda m, x: m.tanh(x), ((3, 4),)),
    C("sigmoid/fn", lambda m, x: m.sigmoid(x), ((3, 4),)),
    C("sigmoid/method", lambda m, x: x.sigmoid(), ((2, 3),)),
    C("relu/fn", lambda m, x: m.relu(x), ((3, 4),), domain="nonzero"),
    C("relu/int", lambda m, x: m.relu(x), ((2, 3),), dtypes=INTS),
    C("relu/at_zero", lambda m, x: m.relu(x), ((3, 4),), domain="ties", gradcheck=False),
    C("sigmoid/int", lambda m, x: m.sigmoid(x), ((2, 3),), dtypes=("int64", "bool")),
    C("tanh/int", lambda m, x: x.tanh(), ((2, 3),), dtypes=("int32",)),
    C("asin/fn", lambda m, x: m.asin(x), ((3, 4),), domain="unit"),
    # ---- clamp / clip ----
    C("clamp/min", lambda m, x: x.clamp(min=-0.5), ((3, 4),), domain=D),
    C("clamp/max", lambda m, x: x.clamp(max=0.5), ((3, 4),), domain=D),
    C("clamp/both", lambda m, x: m.clamp(x, -0.5, 0.5), ((3, 4),), domain=D),
    C("clamp/clip", lambda m, x: m.clip(x, min=-0.5, max=0.5), ((3, 4),), domain=D),
    C("clamp/at_bounds", lambda m, x: x.clamp(-1, 1), ((3, 4),), domain="ties", gradcheck=False),
    C("clamp/crossed_scalars", lambda m, x: x.clamp(0.5, -0.5), ((3, 4),), domain=D),
    C("clamp/clamp_min_method", lambda m, x: x.clamp_min(0.7), ((3, 4),), domain=D),
    C("clamp/int_int_bounds", lambda m, x: x.clamp(-1, 2), ((3, 4),), dtypes=("int64", "int32")),
    C("clamp/tensor_bounds", lambda m, x, lo, hi: m.clamp(x, lo, hi),
      ((2, 3), Arg((3,), "unit"), Arg((2, 1), "high"))),
    C("clamp/tensor_min_only", lambda m, x, lo: m.clamp(x, min=lo), ((2, 3), (3,)), domain=D),
    C("clamp/tensor_max_only", lambda m, x, hi: x.clamp(max=hi), ((2, 3), (2, 1)), domain=D),
    C("clamp/tensor_at_bounds", lambda m, x, lo, hi: m.clamp(x, lo, hi), ((3, 4), (4,), (3, 1)),
      domain="ties", gradcheck=False),
    C("clamp/tensor_crossed_bounds", lambda m, x, lo, hi: m.clamp(x, lo, hi),
      ((2, 3), Arg((3,), "high"), Arg((2, 1), "low")), domain=D),
    C("clamp/int_float_bound", lambda m, x: x.clamp(min=0.5), ((2, 3),), dtypes=INTS),
    # ---- maximum / minimum / where ----
    C("maximum/same", lambda m, x, y: m.maximum(x, y), ((3, 4), (3, 4)), domain=D),
    C("maximum/broadcast", lambda m, x, y: m.maximum(x, y), ((2, 3), (2, 1)), domain=D),
    C("maximum/method", lambda m, x, y: x.maximum(y), ((3,), (2, 1)), domain=D),
    C("maximum/ties", lambda m, x, y: m.maximum(x, y), ((3, 4), (3, 4)), domain="ties", gradcheck=False),
    C("minimum/same", lambda m, x, y: m.minimum(x, y), ((3, 4), (3, 4)), domain=D),
    C("minimum/broadcast", lambda m, x, y: x.minimum(y), ((3,), (2, 1)), domain=D),
    C("minimum/ties", lambda m, x, y: m.minimum(x, y), ((2, 3), (3,)), domain="ties", gradcheck=False),
    C("where/same", lambda m, c, x, y: m.where(c, x, y), (_mask((3, 4)), (3, 4), (3, 4))),
    C("where/broadcast", lambda m, c, x, y: m.where(c, x, y), (_mask((3, 1), 1), (2, 3, 4), (4,))),
    C("where/scalar_other", lambda m, c, x: m.where(c, x, 0.0), (_mask((2, 3), 2), (2, 3))),
    C("where/method", lambda m, x, y: x.where(x > 0, y), ((2, 3), (3,))),
    # ---- reductions ----
    C("sum/all", lambda m, x: x.sum(), ((3, 4),)),
    C("sum/dim_keepdim", lambda m, x: x.sum(dim=-1, keepdim=True), ((3, 4),)),
    C("sum/dims", lambda m, x: m.sum(x, dim=(0, 2)), ((2, 3, 2),)),
    C("sum/neg_dim", lambda m, x: m.sum(x, -2), ((2, 3, 2),)),
    C("sum/zero_size", lambda m, x: x.sum(0), ((0, 3),)),
    C("sum/zero_dim", lambda m, x: x.sum(), ((),)),
    C("sum/int", lambda m, x: x.sum(dim=1), ((2, 3),), dtypes=("int32", "bool")),
    C("sum/dim_list", lambda m, x: x.sum([0, -1]), ((2, 3, 2),)),
    C("sum/dtype", lambda m, x: x.sum(dim=0, dtype=m.float64), ((3, 4),)),
    C("sum/int_to_float", lambda m, x: x.sum(dtype=m.float32), ((3, 4),), dtypes=INTS),
    C("sum/bool_all", lambda m, x: x.sum(), ((3, 4),), dtypes=("bool",)),
    C("mean/all", lambda m, x: x.mean(), ((3, 4),)),
    C("mean/dim", lambda m, x: x.mean(dim=-1), ((3, 4),)),
    C("mean/dims_keepdim", lambda m, x: m.mean(x, (0, 1), keepdim=True), ((2, 3, 2),)),
    C("mean/dtype", lambda m, x: m.mean(x, 1, dtype=m.float64), ((3, 4),)),
    C("mean/zero_dim", lambda m, x: x.mean(0), ((),)),
    C("mean/zero_size_other_dim", lambda m, x: x.mean(1), ((0, 3),)),
    C("var/all", lambda m, x: x.var(), ((3, 4),)),
    C("var/dim", lambda m, x: m.var(x, dim=1), ((3, 4),)),
    C("var/keepdim_correction0", lambda m, x: x.var(dim=0, keepdim=True, correction=0), ((3, 4),)),
    C("var/unbiased_false", lambda m, x: x.var(unbiased=False), ((3, 4),)),
    C("var/dim_unbiased", lambda m, x: m.var(x, -1, unbiased=True), ((2, 5),)),
    C("var/correction2_dims", lambda m, x: x.var(dim=(0, 2), correction=2), ((2, 3, 2),)),
    C("var/legacy_positional", lambda m, x: x.var(0, False), ((3, 4),)),
    C("std/all", lambda m, x: x.std(), ((3, 4),)),
    C("std/dim", lambda m, x: m.std(x, dim=1), ((3, 4),)),
    C("std/keepdim_correction0", lambda m, x: x.std(dim=-1, keepdim=True, correction=0), ((3, 4),)),
    C("std/unbiased_false", lambda m, x: m.std(x, 0, unbiased=False), ((3, 4),)),
    C("std/zero_spread", lambda m, x: x.std(dim=1), ((2, 3),), domain="zeros", gradcheck=False),
    C("std/zero_dim", lambda m, x: x.std(correction=0), ((),), gradcheck=False),
    C("max/all", lambda m, x: x.max(), ((3, 4),), domain=D),
    C("max/all_ties", lambda m, x: m.max(x), ((3, 4),), domain="ties", gradcheck=False),
    C("max/dim", lambda m, x: x.max(dim=1), ((3, 4),), domain=D),
    C("max/dim_keepdim", lambda m, x: m.max(x, -1, keepdim=True), ((2, 3, 2),), domain=D),
    C("max/binary", lambda m, x, y: m.max(x, y), ((2, 3), (3,)), domain=D),
    C("max/values_attr", lambda m, x: x.max(dim=0).values, ((3, 4),), domain=D),
    C("max/indices_attr", lambda m, x: x.max(dim=0).indices, ((3, 4),), domain=D, differentiable=False),
    C("max/zero_dim", lambda m, x: x.max(0), ((),)),
    C("max/zero_size_other_dim", lambda m, x: m.max(x, 1), ((0, 3),)),
    C("max/int", lambda m, x: x.max(), ((3, 4),), dtypes=("int64", "int32", "bool")),
    C("max/int_dim", lambda m, x: x.max(1), ((3, 4),), dtypes=INTS, domain=D),
    C("min/all", lambda m, x: x.min(), ((3, 4),), domain=D),
    C("min/dim", lambda m, x: m.min(x, dim=0), ((3, 4),), domain=D),
    C("min/dim_keepdim", lambda m, x: x.min(-2, True), ((2, 3, 2),), domain=D),
    C("amax/dim", lambda m, x: m.amax(x, dim=1), ((3, 4),), domain=D),
    C("amax/dims_keepdim", lambda m, x: x.amax(dim=(0, -1), keepdim=True), ((2, 3, 2),), domain=D),
    C("amax/all_ties", lambda m, x: m.amax(x), ((3, 4),), domain="ties", gradcheck=False),
    C("amax/dim_ties", lambda m, x: x.amax(-1), ((3, 4),), domain="ties", gradcheck=False),
    C("amin/dim", lambda m, x: m.amin(x, dim=0), ((3, 4),), domain=D),
    C("amin/all_ties", lambda m, x: x.amin(), ((3, 4),), domain="ties", gradcheck=False),
    C("amin/zero_size_other_dim", lambda m, x: x.amin(1), ((0, 3),)),
    C("amax/int", lambda m, x: x.amax(0), ((3, 4),), dtypes=("int64", "int32")),
    C("prod/all", lambda m, x: x.prod(), ((3, 4),), domain="nonzero"),
    C("prod/dim", lambda m, x: m.prod(x, 1), ((3, 4),), domain="nonzero"),
    C("prod/dim_keepdim", lambda m, x: x.prod(dim=-1, keepdim=True), ((2, 3),), domain="nonzero"),
    C("prod/one_zero", lambda m, x: x.prod(), ((3, 4),), domain="one_zero"),
    C("prod/two_zeros", lambda m, x: x.prod(), ((3, 4),), domain="two_zeros"),
    C("prod/dim_one_zero", lambda m, x: m.prod(x, 0), ((4, 2),), domain="one_zero"),
    C("prod/dim_two_zeros", lambda m, x: x.prod(1), ((1, 5),), domain="two_zeros"),
    C("prod/int", lambda m, x: x.prod(dim=0), ((2, 3),), dtypes=("int32", "bool")),
    C("prod/dtype", lambda m, x: x.prod(1, dtype=m.float64), ((3, 2),), domain="nonzero"),
    C("prod/zero_size", lambda m, x: x.prod(0), ((0, 3),)),
    C("prod/all_zeros", lambda m, x: x.prod(), ((2, 2),), domain="zeros", gradcheck=False),
    C("cumsum/dim0", lambda m, x: x.cumsum(dim=0), ((3, 4),)),
    C("cumsum/neg_dim", lambda m, x: m.cumsum(x, -1), ((2, 3, 2),)),
    C("cumsum/int", lambda m, x: m.cumsum(x, 0), ((2, 3),), dtypes=("int32", "bool")),
    C("cumsum/dtype", lambda m, x: x.cumsum(0, dtype=m.float64), ((3, 4),)),
    C("cumsum/zero_dim", lambda m, x: x.cumsum(0), ((),)),
    C("prod/zero_dim", lambda m, x: x.prod(-1), ((),)),
    C("var/zero_dim_dim", lambda m, x: x.var(0, correction=0), ((),), gradcheck=False),
    C("amax/zero_dim", lambda m, x: x.amax(0, keepdim=True), ((),)),
    C("norm/zero_dim", lambda m, x: x.norm(dim=0), ((),)),
    C("min/zero_dim", lambda m, x: x.min(-1, keepdim=True), ((),)),
    C("sum/zero_dim_dim", lambda m, x: x.sum((0,), keepdim=True), ((),)),
    C("argmax/zero_dim", lambda m, x: x.argmax(0, keepdim=True), ((),), differentiable=False),
    C("all/zero_dim", lambda m, x: x.all(0), ((),), differentiable=False),
    C("logsumexp/dim", lambda m, x: m.logsumexp(x, dim=1), ((3, 4),)),
    C("logsumexp/dims_keepdim", lambda m, x: x.logsumexp((0, -1), keepdim=True), ((2, 3, 2),)),
    C("logsumexp/neg_dim", lambda m, x: m.logsumexp(x, -2), ((3, 4),)),
    C("logsumexp/1d", lambda m, x: x.logsumexp(0), ((5,),)),
    C("logsumexp/zero_dim", lambda m, x: m.logsumexp(x, 0), ((),)),
    C("softmax/last", lambda m, x: m.softmax(x, dim=-1), ((3, 4),)),
    C("softmax/dim0", lambda m, x: x.softmax(0), ((3, 4),)),
    C("softmax/3d", lambda m, x: m.softmax(x, 1), ((2, 3, 2),)),
    C("softmax/dtype", lambda m, x: x.softmax(-1, dtype=m.float64), ((3, 4),)),
    C("softmax/zero_dim", lambda m, x: x.softmax(0), ((),)),
    C("softmax/zero_size", lambda m, x: m.softmax(x, -1), ((0, 3),)),
    C("log_softmax/last", lambda m, x: m.log_softmax(x, dim=-1), ((3, 4),)),
    C("log_softmax/dim0", lambda m, x: x.log_softmax(0), ((3, 4),)),
    C("log_softmax/dtype", lambda m, x: m.log_softmax(x, 1, dtype=m.float64), ((3, 4),)),
    C("log_softmax/zero_dim", lambda m, x: x.log_softmax(0), ((),)),
    C("norm/fro", lambda m, x: x.norm(), ((3, 4),)),
    C("norm/p2_dim", lambda m, x: m.norm(x, dim=1), ((3, 4),)),
    C("norm/p1", lambda m, x: x.norm(p=1), ((3, 4),), domain=D),
    C("norm/p1_dim", lambda m, x: m.norm(x, p=1, dim=0), ((3, 4),), domain=D),
    C("norm/inf", lambda m, x: x.norm(p=INF), ((3, 4),), domain=D),
    C("norm/inf_dim", lambda m, x: x.norm(p=INF, dim=-1, keepdim=True), ((3, 4),), domain=D),
    C("norm/p3", lambda m, x: x.norm(p=3), ((3, 4),)),
    C("norm/p3_dim", lambda m, x: m.norm(x, p=3, dim=-1), ((3, 4),)),
    C("norm/p2_keepdim", lambda m, x: x.norm(p=2, dim=(0, 1), keepdim=True), ((2, 3, 2),)),
    C("norm/fro_dims", lambda m, x: x.norm(p="fro", dim=(0, 1)), ((3, 4),)),
    C("norm/half", lambda m, x: m.norm(x, p=0.5), ((2, 3),), domain="nonzero"),
    C("norm/zero_vector", lambda m, x: x.norm(), ((3,),), domain="zeros", gradcheck=False),
    C("norm/zero_vector_p3", lambda m, x: x.norm(p=3), ((3,),), domain="zeros", gradcheck=False),
    C("norm/zero_vector_p1", lambda m, x: x.norm(p=1), ((3,),), domain="zeros", gradcheck=False),
    # ---- matrix products ----
    C("matmul/1d_1d", lambda m, x, y: m.matmul(x, y), ((3,), (3,))),
    C("matmul/1d_2d", lambda m, x, y: m.matmul(x, y), ((3,), (3, 2))),
    C("matmul/2d_1d", lambda m, x, y: x @ y, ((2, 3), (3,))),
    C("matmul/2d_2d", lambda m, x, y: m.matmul(x, y), ((2, 3), (3, 2))),
    C("matmul/batched", lambda m, x, y: x.matmul(y), ((2, 2, 2), (2, 2, 1))),
    C("matmul/broadcast_batched", lambda m, x, y: x @ y, ((2, 1, 1, 2), (3, 2, 1))),
    C("matmul/3d_2d", lambda m, x, y: m.matmul(x, y), ((2, 2, 2), (2, 1))),
    C("matmul/2d_3d", lambda m, x, y: m.matmul(x, y), ((1, 2), (2, 2, 2))),
    C("matmul/1d_3d", lambda m, x, y: x @ y, ((2,), (2, 2, 2))),
    C("matmul/3d_1d", lambda m, x, y: x @ y, ((2, 2, 2), (2,))),
    C("matmul/empty_inner", lambda m, x, y: x @ y, ((2, 0), (0, 3))),
    C("matmul/int", lambda m, x, y: x @ y, ((2, 3), (3, 2)), dtypes=INTS),
    C("mm/fn", lambda m, x, y: m.mm(x, y), ((2, 3), (3, 2))),
    C("mm/method", lambda m, x, y: x.mm(y), ((3, 2), (2, 1))),
    C("bmm/fn", lambda m, x, y: m.bmm(x, y), ((2, 2, 2), (2, 2, 1))),
    C("bmm/method", lambda m, x, y: x.bmm(y), ((1, 2, 3), (1, 3, 2))),
    C("einsum/matmul", lambda m, x, y: m.einsum("ij,jk->ik", x, y), ((2, 3), (3, 2))),
    C("einsum/batched", lambda m, x, y: m.einsum("bij,bjk->bik", x, y), ((2, 2, 2), (2, 2, 1))),
    C("einsum/ellipsis", lambda m, x, y: m.einsum("...ij,...jk->...ik", x, y), ((1, 2, 2), (3, 2, 1))),
    C("einsum/ellipsis_vec", lambda m, x, y: m.einsum("...i,i->...", x, y), ((2, 2, 2), (2,))),
    C("einsum/trace", lambda m, x: m.einsum("ii->", x), ((3, 3),)),
    C("einsum/diag", lambda m, x: m.einsum("ii->i", x), ((3, 3),)),
    C("einsum/dot", lambda m, x, y: m.einsum("i,i->", x, y), ((4,), (4,))),
    C("einsum/transpose", lambda m, x: m.einsum("ij->ji", x), ((2, 3),)),
    C("einsum/sum_all", lambda m, x: m.einsum("ij->", x), ((2, 3),)),
    C("einsum/implicit", lambda m, x, y: m.einsum("ij,jk", x, y), ((2, 3), (3, 2))),
    C("einsum/rowdot", lambda m, x, y: m.einsum("bi,bi->b", x, y), ((2, 3), (2, 3))),
    C("einsum/outer_list", lambda m, x, y: m.einsum("i,j->ij", [x, y]), ((3,), (2,))),
    C("einsum/three", lambda m, x, y, z: m.einsum("i,ij,j->", x, y, z), ((2,), (2, 3), (3,))),
    C("einsum/batched_trace", lambda m, x: m.einsum("bii->b", x), ((2, 2, 2),)),
    C("einsum/implicit_trace", lambda m, x: m.einsum("ii", x), ((3, 3),)),
    C("einsum/frobenius", lambda m, x, y: m.einsum("ij,ij->", x, y), ((2, 3), (2, 3))),
    C("einsum/spaces", lambda m, x, y: m.einsum("i j , j k -> i k", x, y), ((2, 3), (3, 2))),
    C("outer/fn", lambda m, x, y: m.outer(x, y), ((3,), (4,))),
    C("outer/method", lambda m, x, y: x.outer(y), ((2,), (3,))),
    # ---- shape ----
    C("reshape/method", lambda m, x: x.reshape(4, 3), ((3, 4),)),
    C("reshape/infer", lambda m, x: m.reshape(x, (2, -1)), ((3, 4),)),
    C("reshape/flat", lambda m, x: x.reshape(-1), ((2, 3, 2),)),
    C("reshape/of_transpose", lambda m, x: x.t().reshape(12), ((3, 4),)),
    C("reshape/zero_size", lambda m, x: x.reshape(3, 0), ((0, 3),)),
    C("view/method", lambda m, x: x.view(2, 6), ((3, 4),)),
    C("view/infer", lambda m, x: x.view(-1, 2), ((3, 4),)),
    C("flatten/all", lambda m, x: x.flatten(), ((2, 3, 2),)),
    C("flatten/start", lambda m, x: m.flatten(x, 1), ((2, 3, 2),)),
    C("flatten/neg_range", lambda m, x: x.flatten(-2, -1), ((2, 3, 2),)),
    C("flatten/zero_dim", lambda m, x: x.flatten(), ((),)),
    C("flatten/1d", lambda m, x: x.flatten(), ((4,),)),
    C("unflatten/method", lambda m, x: x.unflatten(1, (2, 2)), ((3, 4),)),
    C("unflatten/infer", lambda m, x: m.unflatten(x, -1, (-1, 2)), ((3, 4),)),
    C("squeeze/all", lambda m, x: x.squeeze(), ((1, 3, 1, 2),)),
    C("squeeze/dim", lambda m, x: m.squeeze(x, 0), ((1, 3, 1, 2),)),
    C("squeeze/neg_dim", lambda m, x: x.squeeze(-2), ((1, 3, 1, 2),)),
    C("squeeze/noop", lambda m, x: x.squeeze(1), ((1, 3, 1, 2),)),
    C("squeeze/dims", lambda m, x: x.squeeze((0, 2)), ((1, 3, 1, 2),)),
    C("squeeze/zero_dim", lambda m, x: x.squeeze(0), ((),)),
    C("unsqueeze/front", lambda m, x: x.unsqueeze(0), ((3, 4),)),
    C("unsqueeze/neg", lambda m, x: m.unsqueeze(x, -1), ((3, 4),)),
    C("unsqueeze/middle", lambda m, x: x.unsqueeze(1), ((3, 4),)),
    C("unsqueeze/zero_dim", lambda m, x: x.unsqueeze(-1), ((),)),
    C("transpose/2d", lambda m, x: x.transpose(0, 1), ((3, 4),)),
    C("transpose/neg", lambda m, x: m.transpose(x, -1, -3), ((2, 3, 2),)),
    C("permute/varargs", lambda m, x: x.permute(2, 0, 1), ((2, 3, 2),)),
    C("permute/tuple", lambda m, x: m.permute(x, (1, 0, 2)), ((2, 3, 2),)),
    C("permute/neg", lambda m, x: x.permute(-1, 0, 1), ((2, 3, 2),)),
    C("permute/list", lambda m, x: x.permute([1, 2, 0]), ((2, 3, 2),)),
    C("t/2d", lambda m, x: x.t(), ((3, 4),)),
    C("t/1d", lambda m, x: m.t(x), ((4,),)),
    C("T/2d", lambda m, x: x.T, ((3, 4),)),
    C("mT/2d", lambda m, x: x.mT, ((3, 4),)),
    C("mT/3d", lambda m, x: x.mT, ((2, 3, 2),)),
    C("expand/method", lambda m, x: x.expand(3, 4), ((3, 1),)),
    C("expand/new_dims", lambda m, x: x.expand(2, -1, 4), ((3, 1),)),
    C("expand/zero_dim", lambda m, x: x.expand(2, 3), ((),)),
    C("expand/to_zero", lambda m, x: x.expand(0, 3), ((1, 3),)),
    C("expand_as/method", lambda m, x, y: x.expand_as(y), ((1, 4), Arg((3, 4), grad=False))),
    C("repeat/2d", lambda m, x: x.repeat(2, 3), ((2, 2),)),
    C("repeat/new_dim", lambda m, x: x.repeat(2, 1, 1), ((2, 3),)),
    C("repeat/zero", lambda m, x: x.repeat(0, 2), ((2, 2),)),
    C("repeat/zero_dim", lambda m, x: x.repeat(3), ((),)),
    C("cat/dim0", lambda m, x, y: m.cat([x, y], dim=0), ((2, 3), (1, 3))),
    C("cat/neg_dim", lambda m, x, y: m.cat((x, y), -1), ((2, 3), (2, 1))),
    C("cat/three", lambda m, x, y, z: m.cat([x, y, z], 1), ((2, 1), (2, 2), (2, 1))),
    C("cat/zero_size_piece", lambda m, x, y: m.cat([x, y]), ((0, 3), (2, 3))),
    C("cat/mixed_float_dtypes", lambda m, x, y: m.cat([x, y.double()]), ((2, 3), (1, 3))),
    C("stack/dim0", lambda m, x, y: m.stack([x, y]), ((2, 3), (2, 3))),
    C("stack/neg_dim", lambda m, x, y: m.stack((x, y), dim=-1), ((2, 3), (2, 3))),
    C("stack/middle", lambda m, x, y, z: m.stack([x, y, z], 1), ((2,), (2,), (2,))),
    C("split/size", lambda m, x: x.split(3, dim=1), ((2, 5),)),
    C("split/sizes", lambda m, x: m.split(x, [1, 3], dim=-1), ((3, 4),)),
    C("chunk/dim0", lambda m, x: x.chunk(3, dim=0), ((3, 4),)),
    C("chunk/uneven", lambda m, x: m.chunk(x, 2, -1), ((2, 5),)),
    C("chunk/more_than_size", lambda m, x: x.chunk(5), ((3, 2),)),
    C("chunk/zero_size", lambda m, x: x.chunk(3), ((0, 2),)),
    C("split/zero_size", lambda m, x: x.split(2, dim=1), ((2, 0),)),
    C("narrow/method", lambda m, x: x.narrow(1, 1, 2), ((3, 4),)),
    C("narrow/neg_dim", lambda m, x: m.narrow(x, -1, 0, 3), ((3, 4),)),
    C("narrow/neg_start", lambda m, x: x.narrow(0, -2, 2), ((3, 4),)),
    C("narrow/empty", lambda m, x: x.narrow(1, 2, 0), ((3, 4),)),
    C("flip/dim0", lambda m, x: x.flip(0), ((3, 4),)),
    C("flip/dims", lambda m, x: m.flip(x, (0, -1)), ((2, 3, 2),)),
    C("roll/dim", lambda m, x: x.roll(1, 0), ((3, 4),)),
    C("roll/dims", lambda m, x: m.roll(x, (1, -2), (0, 1)), ((3, 4),)),
    C("roll/flat", lambda m, x: x.roll(5), ((3, 4),)),
    C("roll/neg_dim", lambda m, x: x.roll(-1, -1), ((3, 4),)),
    C("tril/default", lambda m, x: x.tril(), ((3, 4),)),
    C("tril/offset", lambda m, x: m.tril(x, 1), ((3, 4),)),
    C("tril/batched_neg", lambda m, x: m.tril(x, -1), ((2, 2, 3),)),
    C("triu/default", lambda m, x: m.triu(x), ((3, 4),)),
    C("triu/neg_offset", lambda m, x: x.triu(-1), ((3, 4),)),
    C("triu/batched", lambda m, x: x.triu(1), ((2, 3, 2),)),
    C("diagonal/default", lambda m, x: x.diagonal(), ((3, 4),)),
    C("diagonal/offset", lambda m, x: m.diagonal(x, 1), ((3, 4),)),
    C("diagonal/neg_offset", lambda m, x: x.diagonal(-1), ((3, 4),)),
    C("diagonal/3d", lambda m, x: m.diagonal(x, 0, 1, 2), ((2, 3, 2),)),
    C("diagonal/neg_dims", lambda m, x: x.diagonal(dim1=-1, dim2=0), ((2, 3, 2),)),
    C("diagonal/offset_too_big", lambda m, x: x.diagonal(5), ((3, 4),)),
    # ---- indexing ----
    C("masked_fill/scalar", lambda m, x, k: x.masked_fill(k, 0.0), ((3, 4), _mask((3, 4), 3))),
    C("masked_fill/broadcast", lambda m, x, k: m.masked_fill(x, k, -1.5), ((3, 4), _mask((4,), 4))),
    C("masked_fill/broadcast_rows", lambda m, x, k: x.masked_fill(k, 2.0), ((3, 4), _mask((3, 1), 7))),
    C("masked_fill/tensor_value", lambda m, x, k, v: x.masked_fill(k, v), ((2, 3), _mask((2, 3), 5), ())),
    C("index_select/repeats", lambda m, x, i: m.index_select(x, 0, i), ((3, 4), _i([2, 0, 2]))),
    C("index_select/neg_dim", lambda m, x, i: x.index_select(-1, i), ((3, 4), _i([3, 3, 1]))),
    C("gather/repeats", lambda m, x, i: m.gather(x, 1, i), ((3, 4), _i([[0, 0], [3, 1], [2, 2]]))),
    C("gather/dim0_smaller", lambda m, x, i: x.gather(0, i), ((3, 4), _i([[2, 0, 2], [1, 1, 0]]))),
    C("gather/neg_dim", lambda m, x, i: x.gather(-1, i), ((2, 3), _i([[2], [0]]))),
    C("gather/dim0_row", lambda m, x, i: m.gather(x, 0, i), ((3, 4), _i([[2, 0, 1, 2]]))),
    C("scatter_add/repeats", lambda m, x, i, s: m.scatter_add(x, 1, i, s),
      ((3, 4), _i([[0, 0], [3, 1], [2, 2]]), (3, 2))),
    C("scatter_add/index_smaller", lambda m, x, i, s: x.scatter_add(0, i, s),
      ((3, 3), _i([[2, 0], [2, 2]]), (2, 2))),
    # torch's backward cannot handle a src larger than the index: forward only
    C("scatter_add/src_larger", lambda m, x, i, s: x.scatter_add(0, i, s),
      ((3, 2), _i([[2, 0], [2, 2]]), (3, 3)), differentiable=False),
    C("take_along_dim/dim", lambda m, x, i: m.take_along_dim(x, i, dim=1),
      ((3, 4), _i([[0, 3], [1, 1], [2, 0]]))),
    C("take_along_dim/broadcast", lambda m, x, i: m.take_along_dim(x, i, 1), ((3, 4), _i([[3, 0, 3]]))),
    C("take_along_dim/flat", lambda m, x, i: m.take_along_dim(x, i), ((3, 4), _i([11, 0, 5, 5]))),
    C("take_along_dim/method", lambda m, x, i: x.take_along_dim(i, dim=0), ((3, 2), _i([[2, 2], [0, 2]]))),
    C("getitem/int", lambda m, x: x[1], ((3, 4),)),
    C("getitem/neg_int", lambda m, x: x[-1, -2], ((3, 4),)),
    C("getitem/slice", lambda m, x: x[:, 1:3], ((3, 4),)),
    C("getitem/step", lambda m, x: x[::2, 1::2], ((3, 4),)),
    C("getitem/none", lambda m, x: x[None, :, None], ((3, 4),)),
    C("getitem/ellipsis", lambda m, x: x[..., 1], ((2, 3, 2),)),
    C("getitem/mixed_basic", lambda m, x: x[0, ..., None, 1:], ((2, 3, 2),)),
    C("getitem/bool_mask", lambda m, x, k: x[k], ((3, 4), _mask((3, 4), 6))),
    C("getitem/bool_rows", lambda m, x, k: x[k], ((3, 4), _i([True, False, True]))),
    C("getitem/bool_cols", lambda m, x, k: x[:, k], ((3, 4), _i([False, True, True, False]))),
    C("getitem/int_tensor_repeats", lambda m, x, i: x[i], ((3, 4), _i([0, 2, 0, 0]))),
    C("getitem/int_tensor_cols", lambda m, x, i: x[:, i], ((3, 4), _i([3, 3, 1]))),
    C("getitem/int_tensor_2d", lambda m, x, i: x[i], ((3, 2), _i([[0, 1], [1, 1]]))),
    C("getitem/int_pairs", lambda m, x, i, j: x[i, j], ((3, 4), _i([0, 2, 0]), _i([1, 3, 1]))),
    C("getitem/int_and_slice", lambda m, x, i: x[1:, i], ((3, 4), _i([2, 2, 0]))),
    C("getitem/ellipsis_int_tensor", lambda m, x, i: x[..., i], ((2, 3, 2), _i([1, 1]))),
    C("getitem/list", lambda m, x: x[[0, 0, 2]], ((3, 4),)),
    C("getitem/neg_int_tensor", lambda m, x, i: x[i], ((3, 4), _i([-1, 0, -1]))),
    C("getitem/empty_int_tensor", lambda m, x, i: x[i], ((3, 4), np.zeros(0, np.int64))),
    C("getitem/zero_dim_int_tensor", lambda m, x, i: x[i], ((3, 4), _i(1))),
    C("getitem/int32_tensor", lambda m, x, i: x[i], ((3, 4), _i([2, 2, 0], dtype=np.int32))),
    C("getitem/all_false_mask", lambda m, x, k: x[k], ((3, 4), np.zeros((3, 4), bool))),
    C("getitem/mask_and_slice", lambda m, x, k: x[k, 1:], ((3, 4), _i([True, False, True]))),
    C("getitem/ellipsis_mask", lambda m, x, k: x[..., k], ((2, 3, 4), _i([True, False, True, True]))),
    C("getitem/mask_ellipsis_int", lambda m, x, k: x[k, ..., 1], ((2, 3, 4), _i([False, True]))),
    C("getitem/none_mask", lambda m, x, k: x[None, :, k], ((3, 4), _i([True, False, True, True]))),
    C("getitem/split_advanced", lambda m, x, i, j: x[i, :, j], ((2, 3, 2), _i([0, 1, 1]), _i([1, 1, 0]))),
    C("getitem/none_int_tensor", lambda m, x, i: x[None, i], ((3, 4), _i([2, 2]))),
    C("getitem/bool_list", lambda m, x: x[[True, False, True]], ((3, 4),)),
    C("sort/values_indices", lambda m, x: m.sort(x, dim=-1), ((3, 4),), domain=D),
    C("sort/descending_dim0", lambda m, x: x.sort(dim=0, descending=True), ((3, 4),), domain=D),
    C("sort/stable_ties", lambda m, x: m.sort(x, stable=True), ((3, 4),), domain="ties", gradcheck=False),
    C("sort/stable_descending_ties", lambda m, x: x.sort(dim=0, descending=True, stable=True), ((3, 4),),
      domain="ties", gradcheck=False),
    C("sort/indices_attr", lambda m, x: m.sort(x, 0).indices, ((3, 4),), domain=D, differentiable=False),
    C("sort/nan", lambda m, x: m.sort(x, stable=True), ((3, 4),), domain="with_nan", gradcheck=False),
    C("sort/nan_descending", lambda m, x: x.sort(descending=True, stable=True), ((3, 4),),
      domain="with_nan", gradcheck=False),
    C("topk/largest", lambda m, x: x.topk(2), ((3, 4),), domain=D),
    C("topk/smallest_dim0", lambda m, x: m.topk(x, 2, dim=0, largest=False), ((3, 4),), domain=D),
    C("topk/values_attr", lambda m, x: x.topk(3, dim=-1).values, ((2, 4),), domain=D),
    C("topk/k0", lambda m, x: x.topk(0), ((2, 4),), domain=D),
    C("topk/nan", lambda m, x: x.topk(2), ((3, 4),), domain="nan_per_row", gradcheck=False),
    C("topk/nan_smallest", lambda m, x: x.topk(2, largest=False), ((3, 4),), domain="nan_per_row",
      gradcheck=False),
    # ---- compositions: one input feeding several ops (gradients accumulate in the engine) ----
    C("compose/reuse", lambda m, x: (x * x.sum(0, keepdim=True)).softmax(-1)[..., :2].mean(), ((3, 4),)),
    C("compose/mlp", lambda m, x, w, b: (x @ w.t() + b).relu().pow(2).sum(-1).mean(),
      ((2, 3), (4, 3), Arg((4,), "nonzero"))),
    C("compose/attention", lambda m, q, k, v: ((q @ k.mT) / 2).softmax(-1) @ v,
      ((1, 2, 2), (1, 3, 2), (1, 3, 1))),
    C("compose/cross_entropy", lambda m, z, i: -z.log_softmax(-1).gather(1, i).mean(),
      ((2, 4), _i([[3], [0]]))),
    C("compose/view_chain", lambda m, x: x.t().unsqueeze(0).expand(2, -1, -1).flatten(1)[:, ::2].sum(0),
      ((3, 2),)),
    # ---- beyond the list: ops whose fixes these cases pin down ----
    C("remainder/tensors", lambda m, x, y: x % y, ((2, 3), Arg((3,), "nonzero"))),
    C("remainder/scalar", lambda m, x: m.remainder(x, 0.75), ((2, 3),)),
    C("remainder/int_0d_scalar", lambda m, x: x % 3, ((),), dtypes=("int32", "int64")),
    C("fmod/int_0d_scalar", lambda m, x: m.fmod(x, 3), ((),), dtypes=("int32",)),
    C("floor_divide/op", lambda m, x, y: x // y, ((2, 3), Arg((3,), "nonzero")), differentiable=False),
    C("floor_divide/int_0d_scalar", lambda m, x: x // 2, ((),), dtypes=("int32", "int64")),
    C("atan2/tensors", lambda m, x, y: m.atan2(x, y), ((2, 3), (3,))),
    C("atan2/ints", lambda m, x, y: m.atan2(x, y), ((2, 3), (3,)), dtypes=INTS),
    C("atan2/int_and_float64", lambda m, x, y: m.atan2(x.long(), y.double()), ((2, 3), (3,)),
      differentiable=False),
    # ---- not differentiable: forward values and dtypes only ----
    C("eq/fn", lambda m, x, y: m.eq(x, y), ((3, 4), (4,)), domain="ties", differentiable=False),
    C("eq/op", lambda m, x, y: x == y, ((3, 4), (3, 4)), domain="ties", differentiable=False),
    C("eq/scalar", lambda m, x: x == 1, ((3, 4),), domain="ties", differentiable=False,
      dtypes=ALL_DTYPES),
    C("ne/fn", lambda m, x, y: m.ne(x, y), ((3, 4), (3, 4)), domain="ties", differentiable=False),
    C("ne/op", lambda m, x, y: x != y, ((3, 4), (3, 1)), domain="ties", differentiable=False),
    C("lt/fn", lambda m, x, y: m.lt(x, y), ((3, 4), (3, 4)), domain="ties", differentiable=False),
    C("lt/op", lambda m, x: x < 0.5, ((3, 4),), domain="ties", differentiable=False),
    C("le/fn", lambda m, x, y: m.le(x, y), ((3, 4), (3, 4)), domain="ties", differentiable=False),
    C("le/op", lambda m, x, y: x <= y, ((3, 4), (4,)), domain="ties", differentiable=False),
    C("gt/fn", lambda m, x, y: m.gt(x, y), ((3, 4), (3, 4)), domain="ties", differentiable=False),
    C("gt/op", lambda m, x: x > 0, ((3, 4),), domain="ties", differentiable=False, dtypes=ALL_DTYPES),
    C("gt/reflected", lambda m, x: 0 > x, ((3, 4),), domain="ties", differentiable=False),  # noqa: SIM300
    C("ge/fn", lambda m, x, y: m.ge(x, y), ((3, 4), (3, 4)), domain="ties", differentiable=False),
    C("ge/op", lambda m, x, y: x >= y, ((2, 1), (3,)), domain="ties", differentiable=False),
    C("argmax/all", lambda m, x: x.argmax(), ((3, 4),), domain=D, differentiable=False),
    C("argmax/dim", lambda m, x: m.argmax(x, dim=1), ((3, 4),), domain=D, differentiable=False),
    C("argmax/keepdim", lambda m, x: x.argmax(-1, keepdim=True), ((2, 3, 2),), domain=D,
      differentiable=False),
    C("argmax/ties", lambda m, x: x.argmax(dim=0), ((3, 4),), domain="ties", differentiable=False,
      dtypes=ALL_DTYPES[:-1]),
    C("argmin/all", lambda m, x: m.argmin(x), ((3, 4),), domain=D, differentiable=False),
    C("argmin/dim_keepdim", lambda m, x: x.argmin(dim=0, keepdim=True), ((3, 4),), domain=D,
      differentiable=False),
    C("argsort/default", lambda m, x: m.argsort(x), ((3, 4),), domain=D, differentiable=False,
      dtypes=FLOATS + INTS),
    C("argsort/descending", lambda m, x: x.argsort(dim=0, descending=True), ((3, 4),), domain=D,
      differentiable=False),
    C("argsort/descending_int_extremes", lambda m, x: x.argsort(descending=True, stable=True),
      (_i([[2, -2**63, 5, 2**63 - 1, 0]]),), differentiable=False),
    C("argsort/descending_bool", lambda m, x: x.argsort(descending=True, stable=True), ((3, 4),),
      differentiable=False, dtypes=("bool",)),
    C("sort/indices_int", lambda m, x: m.sort(x, stable=True), ((3, 4),), differentiable=False,
      dtypes=("int64", "int32", "bool")),
    C("topk/int", lambda m, x: m.topk(x, 1, dim=0), ((3, 4),), differentiable=False, dtypes=INTS),
    C("isnan/fn", lambda m, x: m.isnan(x), ((3, 4),), domain="special", differentiable=False),
    C("isinf/fn", lambda m, x: x.isinf(), ((3, 4),), domain="special", differentiable=False),
    C("isfinite/fn", lambda m, x: m.isfinite(x), ((3, 4),), domain="special", differentiable=False),
    C("isfinite/int", lambda m, x: m.isfinite(x), ((3, 4),), differentiable=False, dtypes=INTS),
    C("all/all", lambda m, x: x.all(), ((3, 4),), differentiable=False, dtypes=("bool", F32, "int64")),
    C("all/dim", lambda m, x: m.all(x, dim=1), ((3, 4),), differentiable=False, dtypes=("bool", F64)),
    C("all/keepdim", lambda m, x: x.all(dim=0, keepdim=True), ((3, 4),), differentiable=False,
      dtypes=("bool",)),
    C("any/all", lambda m, x: m.any(x), ((3, 4),), differentiable=False, dtypes=("bool", F32, "int64")),
    C("any/dim", lambda m, x: x.any(-1), ((3, 4),), differentiable=False, dtypes=("bool", F64)),
    C("sign/fn", lambda m, x: m.sign(x), ((3, 4),), domain="ties", differentiable=False,
      dtypes=FLOATS + ("int64", "int32")),
    C("sign/grad", lambda m, x: x.sign(), ((2, 3),), domain=D),
    C("floor/fn", lambda m, x: m.floor(x), ((3, 4),), differentiable=False, dtypes=FLOATS + INTS),
    C("floor/grad", lambda m, x: x.floor(), ((2, 3),), domain=D),
    C("round/fn", lambda m, x: m.round(x), ((3, 4),), differentiable=False),
    C("round/half_to_even", lambda m, x: x.round(), ((3, 4),), domain="halves", differentiable=False),
    C("round/decimals", lambda m, x: m.round(x, decimals=1), ((3, 4),), differentiable=False),
    C("round/grad", lambda m, x: m.round(x), ((2, 3),), domain=D),
    C("one_hot/num_classes", {"neurona": lambda m, x: _one_hot_neurona(m, x, 5),
                              "torch": lambda m, x: _one_hot_torch(m, x, 5)},
      (_i([[0, 4, 2], [1, 1, 3]]),), differentiable=False),
    C("one_hot/infer", {"neurona": _one_hot_neurona, "torch": _one_hot_torch},
      (_i([3, 0, 1, 3]),), differentiable=False),
    C("unique/sorted", lambda m, x: m.unique(x), ((3, 4),), domain="ties", differentiable=False,
      dtypes=FLOATS + INTS),
    C("unique/inverse_counts", lambda m, x: x.unique(return_inverse=True, return_counts=True), ((3, 4),),
      domain="ties", differentiable=False, dtypes=(F32, "int64")),
    C("nonzero/fn", lambda m, x: m.nonzero(x), ((3, 4),), domain="ties", differentiable=False,
      dtypes=(F32, "int64", "bool")),
    C("nonzero/as_tuple", lambda m, x: x.nonzero(as_tuple=True), ((3, 4),), domain="ties",
      differentiable=False),
    C("nonzero/1d", lambda m, x: m.nonzero(x), ((5,),), domain="ties", differentiable=False),
    C("nonzero/zero_dim", lambda m, x: m.nonzero(x), ((),), domain="nonzero", differentiable=False),
    C("nonzero/zero_dim_false", lambda m, x: m.nonzero(x), ((),), domain="zeros", differentiable=False),
    C("nonzero/none", lambda m, x: x.nonzero(), ((2, 3),), domain="zeros", differentiable=False),
    C("nonzero/zero_dim_as_tuple", lambda m, x: m.nonzero(x, as_tuple=True), ((),), domain="nonzero",
      differentiable=False),
]

# -- zero-size and size-1 shapes: every op on an empty tensor (a 0 in some dim) and on size-1 dims,
# where torch accepts them (its errors on empty inputs are pinned in test_ops_zero_size.py) ------

_E = np.zeros(0, np.int64)  # an empty index
# torch applies an int index first (a basic select); neurona follows NumPy, where an int next to an
# index tensor is an advanced index too, so when a slice/None separates them the result's dims move
_INT_AND_ARRAY_BUG = ("getitem: x[0, :, idx] gives NumPy's shape (len(idx), ...) instead of torch's "
                      "(..., len(idx)) (api/indexing.py treats the int as an advanced index)")
Z = "zero_size"
TABLE += [
    # ---- binary arithmetic ----
    C("add/zero_size_both", lambda m, x, y: m.add(x, y, alpha=2), ((2, 0), (2, 0))),
    C("add/zero_size_scalar", lambda m, x: x + 1.5, ((0,),)),
    C("add/zero_size_int", lambda m, x, y: x + y, ((0, 3), (3,)), dtypes=("int64", "bool")),
    C("sub/zero_size", lambda m, x, y: x - y, ((0, 3), (3,))),
    C("sub/zero_size_reflected", lambda m, x: 2 - x, ((3, 0),)),
    C("sub/size1", lambda m, x, y: m.sub(x, y), ((1, 1), (1,))),
    C("mul/zero_size", lambda m, x, y: x * y, ((2, 0), (0,))),
    C("mul/zero_size_broadcast_size1", lambda m, x, y: m.mul(x, y), ((0, 1, 3), (2, 1))),
    C("mul/size1", lambda m, x, y: x * y, ((1,), (1, 1, 1))),
    C("div/zero_size", lambda m, x, y: x / y, ((0, 3), Arg((1, 3), "nonzero"))),
    C("div/zero_size_reflected", lambda m, x: 2 / x, ((0, 2),), domain="nonzero"),
    C("div/size1", lambda m, x, y: m.div(x, y), ((1, 1), Arg((1,), "nonzero"))),
    C("pow/zero_size", lambda m, x, y: x ** y, (Arg((0, 2), "positive"), (0, 2))),
    C("pow/zero_size_scalar", lambda m, x: x ** 2, ((2, 0),)),
    C("pow/size1", lambda m, x, y: m.pow(x, y), (Arg((1, 1), "positive"), (1,))),
    C("remainder/zero_size", lambda m, x, y: x % y, ((0, 3), Arg((3,), "nonzero"))),
    C("atan2/zero_size", lambda m, x, y: m.atan2(x, y), ((0, 3), (3,))),
    C("floor_divide/zero_size", lambda m, x, y: x // y, ((0, 3), Arg((3,), "nonzero")),
      differentiable=False),
    # ---- matrix products ----
    C("matmul/zero_rows", lambda m, x, y: x @ y, ((0, 3), (3, 2))),
    C("matmul/zero_cols", lambda m, x, y: m.matmul(x, y), ((2, 3), (3, 0))),
    C("matmul/zero_batch", lambda m, x, y: x @ y, ((0, 2, 3), (3, 2))),
    C("matmul/zero_batch_broadcast", lambda m, x, y: x @ y, ((0, 1, 2, 3), (4, 3, 2))),
    C("matmul/1d_1d_empty", lambda m, x, y: m.matmul(x, y), ((0,), (0,))),
    C("matmul/1d_2d_empty_inner", lambda m, x, y: x @ y, ((0,), (0, 3))),
    C("matmul/2d_1d_zero_rows", lambda m, x, y: x @ y, ((0, 3), (3,))),
    C("matmul/batched_empty_inner", lambda m, x, y: x @ y, ((2, 2, 0), (2, 0, 3))),
    C("matmul/size1", lambda m, x, y: x @ y, ((1, 1), (1, 1))),
    C("matmul/size1_batch_broadcast", lambda m, x, y: x @ y, ((1, 1, 2), (3, 2, 1))),
    C("mm/zero_rows", lambda m, x, y: m.mm(x, y), ((0, 3), (3, 2))),
    C("mm/empty_inner", lambda m, x, y: x.mm(y), ((2, 0), (0, 2))),
    C("mm/size1", lambda m, x, y: m.mm(x, y), ((1, 1), (1, 3))),
    C("bmm/zero_batch", lambda m, x, y: m.bmm(x, y), ((0, 2, 3), (0, 3, 2))),
    C("bmm/empty_inner", lambda m, x, y: x.bmm(y), ((2, 2, 0), (2, 0, 3))),
    C("bmm/size1", lambda m, x, y: m.bmm(x, y), ((1, 1, 1), (1, 1, 1))),
    C("einsum/zero_size", lambda m, x, y: m.einsum("ij,jk->ik", x, y), ((0, 3), (3, 2))),
    C("einsum/empty_contraction", lambda m, x, y: m.einsum("ij,jk->ik", x, y), ((2, 0), (0, 3))),
    C("einsum/zero_size_sum", lambda m, x: m.einsum("ij->j", x), ((0, 3),)),
    C("outer/zero_size", lambda m, x, y: m.outer(x, y), ((0,), (3,))),
    C("outer/size1", lambda m, x, y: x.outer(y), ((1,), (1,))),
    # ---- unary ----
    C("neg/zero_size", lambda m, x: -x, ((0, 3),)),
    C("abs/zero_size", lambda m, x: m.abs(x), ((2, 0),)),
    C("abs/size1", lambda m, x: x.abs(), ((1, 1),), domain="nonzero"),
    C("exp/size1", lambda m, x: m.exp(x), ((1,),)),
    C("log/zero_size", lambda m, x: m.log(x), ((0, 3),), domain="positive"),
    C("log/size1", lambda m, x: x.log(), ((1, 1),), domain="positive"),
    C("log1p/zero_size", lambda m, x: m.log1p(x), ((0,),)),
    C("expm1/zero_size", lambda m, x: m.expm1(x), ((3, 0),)),
    C("sqrt/zero_size", lambda m, x: x.sqrt(), ((0, 2),), domain="positive"),
    C("sqrt/size1", lambda m, x: m.sqrt(x), ((1,),), domain="positive"),
    C("rsqrt/zero_size", lambda m, x: m.rsqrt(x), ((0,),), domain="positive"),
    C("square/zero_size", lambda m, x: m.square(x), ((2, 0, 1),)),
    C("sin/zero_size", lambda m, x: m.sin(x), ((0, 3),)),
    C("cos/zero_size", lambda m, x: x.cos(), ((0,),)),
    C("tanh/zero_size", lambda m, x: m.tanh(x), ((0, 3),)),
    C("tanh/size1", lambda m, x: x.tanh(), ((1, 1, 1),)),
    C("sigmoid/zero_size", lambda m, x: x.sigmoid(), ((3, 0),)),
    C("sigmoid/size1", lambda m, x: m.sigmoid(x), ((1,),)),
    C("relu/zero_size", lambda m, x: m.relu(x), ((0, 3),)),
    C("relu/size1", lambda m, x: m.relu(x), ((1, 1),), domain="nonzero"),
    C("asin/zero_size", lambda m, x: m.asin(x), ((0,),)),
    C("sign/zero_size", lambda m, x: m.sign(x), ((0, 3),)),
    C("floor/zero_size", lambda m, x: x.floor(), ((0, 3),)),
    C("round/zero_size", lambda m, x: m.round(x), ((0, 3),)),
    C("round/zero_size_decimals", lambda m, x: x.round(decimals=1), ((2, 0),), differentiable=False),
    # ---- clamp / maximum / minimum / where ----
    C("clamp/zero_size", lambda m, x: x.clamp(-0.5, 0.5), ((0, 3),)),
    C("clamp/zero_size_tensor_bounds", lambda m, x, lo, hi: m.clamp(x, lo, hi),
      ((0, 3), Arg((3,), "low"), Arg((0, 1), "high"))),
    C("clamp/size1", lambda m, x: m.clamp(x, min=-0.5), ((1, 1),), domain=D),
    C("maximum/zero_size", lambda m, x, y: m.maximum(x, y), ((0, 3), (3,))),
    C("maximum/size1", lambda m, x, y: m.maximum(x, y), ((1, 1), (1,)), domain=D),
    C("minimum/zero_size", lambda m, x, y: x.minimum(y), ((2, 0), (2, 1))),
    C("where/zero_size", lambda m, c, x, y: m.where(c, x, y), (np.zeros((0, 3), bool), (0, 3), (3,))),
    C("where/zero_size_broadcast", lambda m, c, x, y: m.where(c, x, y), (_mask((2, 1), 3), (2, 0), (1,))),
    C("where/size1", lambda m, c, x, y: m.where(c, x, y), (_i([True]), (1, 1), (1,))),
    # ---- reductions ----
    C("sum/zero_size_all", lambda m, x: x.sum(), ((0, 3),)),
    C("sum/zero_size_keepdim", lambda m, x: m.sum(x, dim=1, keepdim=True), ((3, 0),)),
    C("sum/zero_size_other_dim", lambda m, x: x.sum(-1), ((0, 3),)),
    C("sum/size1", lambda m, x: x.sum(0), ((1, 1),)),
    C("mean/zero_size_all", lambda m, x: x.mean(), ((0, 3),)),
    C("mean/zero_size_dim", lambda m, x: m.mean(x, 0, keepdim=True), ((0, 3),)),
    C("mean/size1", lambda m, x: x.mean(-1), ((2, 1),)),
    C("var/zero_size_other_dim", lambda m, x: x.var(1), ((0, 3),)),
    C("var/zero_size_dim", lambda m, x: m.var(x, 0, correction=0), ((0, 3),)),
    C("var/zero_size_all", lambda m, x: x.var(), ((2, 0),)),
    C("var/size1_correction0", lambda m, x: x.var(dim=0, correction=0), ((1, 3),)),
    C("var/size1_unbiased", lambda m, x: x.var(dim=1), ((3, 1),), gradcheck=False),  # N - 1 = 0: nan
    C("std/zero_size_other_dim", lambda m, x: m.std(x, dim=-1), ((0, 3),)),
    C("std/zero_size_all", lambda m, x: x.std(correction=0), ((0,),)),
    C("std/size1_correction0", lambda m, x: x.std(dim=0, correction=0, keepdim=True), ((1, 3),),
      gradcheck=False),  # a zero spread: the gradient of sqrt at 0
    C("std/size1_unbiased", lambda m, x: x.std(), ((1,),), gradcheck=False),
    C("max/zero_size_other_dim_keepdim", lambda m, x: x.max(0, keepdim=True), ((3, 0),)),
    C("max/size1", lambda m, x: x.max(dim=0), ((1, 3),), domain=D),
    C("max/size1_all", lambda m, x: x.max(), ((1, 1),)),
    C("min/zero_size_other_dim", lambda m, x: m.min(x, dim=1), ((0, 3),)),
    C("min/size1", lambda m, x: x.min(-1), ((3, 1),), domain=D),
    C("amax/zero_size_other_dim", lambda m, x: x.amax(-1), ((0, 3),)),
    C("amax/size1", lambda m, x: m.amax(x, dim=(0, 1)), ((1, 1),)),
    C("amin/size1", lambda m, x: m.amin(x, 0), ((1, 3),), domain=D),
    C("prod/zero_size_all", lambda m, x: x.prod(), ((0, 3),)),
    C("prod/zero_size_other_dim", lambda m, x: x.prod(1), ((0, 3),)),
    C("prod/size1", lambda m, x: m.prod(x, 0), ((1, 3),)),
    C("cumsum/zero_size", lambda m, x: x.cumsum(0), ((0, 3),)),
    C("cumsum/zero_size_other_dim", lambda m, x: m.cumsum(x, -1), ((0, 3),)),
    C("cumsum/size1", lambda m, x: x.cumsum(0), ((1,),)),
    C("logsumexp/zero_size", lambda m, x: m.logsumexp(x, 0), ((0, 3),)),  # -inf, as log(0)
    C("logsumexp/zero_size_other_dim", lambda m, x: x.logsumexp(1), ((0, 3),)),
    C("logsumexp/size1", lambda m, x: x.logsumexp(-1, keepdim=True), ((2, 1),)),
    C("softmax/zero_size_dim", lambda m, x: x.softmax(0), ((0, 3),)),
    C("softmax/size1", lambda m, x: m.softmax(x, -1), ((3, 1),)),
    C("log_softmax/zero_size", lambda m, x: m.log_softmax(x, -1), ((0, 3),)),
    C("log_softmax/zero_size_dim", lambda m, x: x.log_softmax(1), ((2, 0),)),
    C("log_softmax/size1", lambda m, x: x.log_softmax(0), ((1, 2),)),
    C("norm/zero_size", lambda m, x: x.norm(), ((0, 3),)),
    C("norm/zero_size_dim", lambda m, x: m.norm(x, dim=0), ((0, 3),)),
    C("norm/zero_size_p1", lambda m, x: x.norm(p=1, dim=(0, 1)), ((0, 3),)),
    C("norm/zero_size_p3_other_dim", lambda m, x: x.norm(p=3, dim=1), ((0, 3),)),
    C("norm/zero_size_inf_other_dim", lambda m, x: x.norm(p=INF, dim=-1), ((0, 3),)),
    C("norm/size1", lambda m, x: x.norm(dim=0), ((1,),), domain="nonzero"),
    # ---- shape ----
    C("reshape/zero_size_infer", lambda m, x: x.reshape(-1, 3), ((2, 0, 3),)),
    C("reshape/zero_size_flat", lambda m, x: m.reshape(x, (-1,)), ((0, 3),)),
    C("reshape/size1", lambda m, x: x.reshape(1, 1, 1), ((1,),)),
    C("view/zero_size", lambda m, x: x.view(0, 2), ((2, 0, 3),)),
    C("view/zero_size_infer", lambda m, x: x.view(-1, 3), ((0, 3),)),
    C("view/size1", lambda m, x: x.view(-1), ((1, 1),)),
    C("flatten/zero_size", lambda m, x: x.flatten(1), ((2, 0, 3),)),
    C("flatten/zero_size_all", lambda m, x: m.flatten(x), ((0, 3),)),
    C("flatten/size1", lambda m, x: x.flatten(0, 1), ((1, 1, 2),)),
    C("unflatten/zero_size", lambda m, x: x.unflatten(1, (2, 2)), ((0, 4),)),
    C("unflatten/zero_size_dim", lambda m, x: m.unflatten(x, 0, (0, 5)), ((0, 2),)),
    C("unflatten/size1", lambda m, x: x.unflatten(-1, (1, 1)), ((2, 1),)),
    C("squeeze/zero_size", lambda m, x: x.squeeze(), ((0, 1, 3),)),
    C("squeeze/zero_size_dim", lambda m, x: m.squeeze(x, 0), ((0, 1, 3),)),  # size 0: kept
    C("squeeze/size1_all", lambda m, x: x.squeeze(), ((1, 1),)),
    C("unsqueeze/zero_size", lambda m, x: x.unsqueeze(1), ((0, 3),)),
    C("unsqueeze/size1", lambda m, x: m.unsqueeze(x, 0), ((1,),)),
    C("transpose/zero_size", lambda m, x: x.transpose(0, 1), ((0, 3),)),
    C("transpose/zero_size_3d", lambda m, x: m.transpose(x, -1, 0), ((2, 0, 3),)),
    C("transpose/size1", lambda m, x: x.transpose(0, 1), ((1, 3),)),
    C("permute/zero_size", lambda m, x: x.permute(2, 0, 1), ((2, 0, 3),)),
    C("permute/size1", lambda m, x: m.permute(x, (1, 0, 2)), ((1, 1, 2),)),
    C("t/zero_size", lambda m, x: x.t(), ((0, 3),)),
    C("t/zero_size_1d", lambda m, x: m.t(x), ((0,),)),
    C("T/zero_size", lambda m, x: x.T, ((3, 0),)),
    C("mT/zero_size", lambda m, x: x.mT, ((0, 2, 3),)),
    C("expand/zero_size", lambda m, x: x.expand(0, 3), ((0, 1),)),
    C("expand/zero_size_new_dim", lambda m, x: x.expand(2, 0, -1), ((0, 3),)),
    C("expand/size1_noop", lambda m, x: x.expand(1, 1), ((1, 1),)),
    C("expand_as/zero_size", lambda m, x, y: x.expand_as(y), ((1, 3), Arg((0, 3), grad=False))),
    C("repeat/zero_size", lambda m, x: x.repeat(2, 3), ((0, 2),)),
    C("repeat/size1", lambda m, x: x.repeat(1, 2), ((1, 1),)),
    C("cat/zero_size_all", lambda m, x, y: m.cat([x, y], dim=1), ((0, 2), (0, 3))),
    C("cat/zero_size_along_dim", lambda m, x, y: m.cat((x, y), -1), ((2, 0), (2, 3))),
    C("cat/size1", lambda m, x, y: m.cat([x, y]), ((1, 1), (1, 1))),
    C("stack/zero_size", lambda m, x, y: m.stack([x, y], dim=1), ((0, 3), (0, 3))),
    C("stack/size1", lambda m, x: m.stack([x]), ((1,),)),
    C("split/zero_size_dim0", lambda m, x: x.split(2), ((0, 3),)),
    C("split/sizes_with_empty", lambda m, x: m.split(x, [0, 3, 0], dim=1), ((2, 3),)),
    C("split/size1", lambda m, x: x.split(1), ((1, 2),)),
    C("chunk/zero_size_other_dim", lambda m, x: x.chunk(2, dim=1), ((0, 4),)),
    C("chunk/size1", lambda m, x: m.chunk(x, 3), ((1, 2),)),
    C("narrow/zero_size", lambda m, x: x.narrow(1, 1, 2), ((0, 4),)),
    C("narrow/zero_size_dim", lambda m, x: m.narrow(x, 0, 0, 0), ((0, 4),)),
    C("flip/zero_size", lambda m, x: x.flip(0), ((0, 3),)),
    C("flip/size1", lambda m, x: m.flip(x, (0, 1)), ((1, 1),)),
    C("roll/zero_size", lambda m, x: x.roll(1, 1), ((0, 3),)),
    C("roll/zero_size_flat", lambda m, x: m.roll(x, 2), ((3, 0),)),
    C("roll/size1", lambda m, x: x.roll(3, 0), ((1, 2),)),
    C("tril/zero_size", lambda m, x: x.tril(), ((0, 3),)),
    C("tril/size1", lambda m, x: m.tril(x, -1), ((1, 1),)),
    C("triu/zero_size", lambda m, x: m.triu(x, 1), ((2, 0, 3),)),
    C("diagonal/zero_size", lambda m, x: x.diagonal(), ((0, 3),)),
    C("diagonal/zero_size_batched", lambda m, x: m.diagonal(x, 0, 1, 2), ((0, 2, 2),)),
    C("diagonal/size1", lambda m, x: x.diagonal(), ((1, 1),)),
    # ---- indexing ----
    C("masked_fill/zero_size", lambda m, x, k: x.masked_fill(k, 0.0), ((0, 3), np.zeros((0, 3), bool))),
    C("masked_fill/zero_size_broadcast", lambda m, x, k: m.masked_fill(x, k, 1.5), ((0, 3), _mask((3,), 2))),
    C("index_select/empty_index", lambda m, x, i: m.index_select(x, 0, i), ((3, 4), _E)),
    C("index_select/zero_size", lambda m, x, i: x.index_select(1, i), ((0, 4), _i([3, 0, 3]))),
    C("index_select/size1", lambda m, x, i: x.index_select(0, i), ((1, 2), _i([0, 0]))),
    C("gather/empty_index", lambda m, x, i: m.gather(x, 1, i), ((3, 4), np.zeros((3, 0), np.int64))),
    C("gather/zero_size", lambda m, x, i: x.gather(1, i), ((0, 4), np.zeros((0, 2), np.int64))),
    C("gather/size1", lambda m, x, i: x.gather(0, i), ((1, 1), _i([[0]]))),
    C("scatter_add/empty_index", lambda m, x, i, s: m.scatter_add(x, 1, i, s),
      ((3, 4), np.zeros((3, 0), np.int64), (3, 0))),
    # torch's backward rejects a src larger than the (empty) index, as in src_larger: forward only
    C("scatter_add/empty_index_src_larger", lambda m, x, i, s: x.scatter_add(1, i, s),
      ((3, 4), np.zeros((3, 0), np.int64), (3, 2)), differentiable=False),
    C("scatter_add/zero_size", lambda m, x, i, s: x.scatter_add(0, i, s),
      ((0, 3), np.zeros((0, 3), np.int64), (0, 3))),
    C("take_along_dim/empty_index", lambda m, x, i: m.take_along_dim(x, i, dim=1),
      ((3, 4), np.zeros((3, 0), np.int64))),
    C("take_along_dim/zero_size", lambda m, x, i: m.take_along_dim(x, i, 0),
      ((0, 4), np.zeros((0, 4), np.int64))),
    C("getitem/zero_size_slice", lambda m, x: x[1:1], ((3, 4),)),
    C("getitem/zero_size_input", lambda m, x: x[:, 1], ((0, 3),)),
    C("getitem/zero_size_step", lambda m, x: x[::2, None, 1:], ((0, 3),)),
    C("getitem/zero_size_bool_mask", lambda m, x, k: x[k], ((0, 3), np.zeros((0, 3), bool))),
    C("getitem/zero_size_int_tensor", lambda m, x, i: x[:, i], ((0, 3), _i([2, 0]))),
    C("getitem/empty_int_tensor_cols", lambda m, x, i: x[:, i], ((3, 4), _E)),
    C("getitem/size1_int", lambda m, x: x[0, -1], ((1, 1),)),
    C("getitem/int_slice_int_tensor", lambda m, x, i: x[0, :, i], ((2, 3, 4), _i([1, 2])),
      known_bug=_INT_AND_ARRAY_BUG),
    C("getitem/int_none_int_tensor", lambda m, x, i: x[0, None, i], ((2, 3), _i([1, 2])),
      known_bug=_INT_AND_ARRAY_BUG, gradcheck=False),  # gradcheck is neurona alone: it would pass
    C("getitem/int_slice_empty_int_tensor", lambda m, x, i: x[1, :, i], ((2, 1, 3), _E),
      known_bug=_INT_AND_ARRAY_BUG, gradcheck=False),
    C("sort/zero_size", lambda m, x: m.sort(x, dim=-1), ((0, 3),)),
    C("sort/zero_size_dim", lambda m, x: x.sort(dim=0, descending=True), ((0, 3),)),
    C("sort/size1", lambda m, x: x.sort(), ((1,),)),
    C("topk/zero_size", lambda m, x: x.topk(2), ((0, 3),), domain=D),
    C("topk/zero_size_k0", lambda m, x: m.topk(x, 0, dim=0), ((0, 3),)),
    C("topk/size1", lambda m, x: x.topk(1), ((1,),)),
    # ---- not differentiable ----
    C("eq/zero_size", lambda m, x, y: m.eq(x, y), ((0, 3), (3,)), differentiable=False),
    C("ne/zero_size", lambda m, x, y: x != y, ((0, 3), (0, 1)), differentiable=False),
    C("lt/zero_size", lambda m, x: x < 0.5, ((0,),), differentiable=False, dtypes=ALL_DTYPES),
    C("le/zero_size", lambda m, x, y: m.le(x, y), ((2, 0), (0,)), differentiable=False),
    C("gt/zero_size", lambda m, x, y: x > y, ((0, 3), (1, 3)), differentiable=False),
    C("ge/zero_size", lambda m, x, y: m.ge(x, y), ((3, 0), (3, 1)), differentiable=False),
    C("argmax/zero_size_other_dim", lambda m, x: x.argmax(1), ((0, 3),), differentiable=False),
    C("argmax/size1", lambda m, x: m.argmax(x), ((1, 1),), differentiable=False),
    C("argmin/zero_size_other_dim", lambda m, x: m.argmin(x, dim=-1, keepdim=True), ((0, 3),),
      differentiable=False),
    C("argsort/zero_size", lambda m, x: m.argsort(x), ((0, 3),), differentiable=False, dtypes=FLOATS + INTS),
    C("argsort/zero_size_dim", lambda m, x: x.argsort(dim=0, descending=True), ((0, 3),),
      differentiable=False),
    C("isnan/zero_size", lambda m, x: m.isnan(x), ((0, 3),), differentiable=False),
    C("isinf/zero_size", lambda m, x: x.isinf(), ((0,),), differentiable=False),
    C("isfinite/zero_size", lambda m, x: m.isfinite(x), ((0, 3),), differentiable=False,
      dtypes=(F32, "int64")),
    C("all/zero_size", lambda m, x: x.all(), ((0, 3),), differentiable=False, dtypes=("bool", F32)),
    C("all/zero_size_dim", lambda m, x: m.all(x, dim=0), ((0, 3),), differentiable=False, dtypes=("bool",)),
    C("any/zero_size", lambda m, x: m.any(x), ((0, 3),), differentiable=False, dtypes=("bool", F32)),
    C("any/zero_size_dim", lambda m, x: x.any(0, keepdim=True), ((0, 3),), differentiable=False,
      dtypes=("bool",)),
    C("sign/zero_size_int", lambda m, x: m.sign(x), ((0, 3),), differentiable=False, dtypes=INTS),
    C("floor/zero_size_int", lambda m, x: m.floor(x), ((0, 3),), differentiable=False, dtypes=INTS),
    C("one_hot/zero_size", {"neurona": lambda m, x: _one_hot_neurona(m, x, 4),
                            "torch": lambda m, x: _one_hot_torch(m, x, 4)}, (_E,), differentiable=False),
    C("one_hot/size1", {"neurona": _one_hot_neurona, "torch": _one_hot_torch}, (_i([0]),),
      differentiable=False),
    C("unique/zero_size", lambda m, x: m.unique(x), ((0, 3),), differentiable=False, dtypes=(F32, "int64")),
    C("unique/zero_size_inverse_counts", lambda m, x: x.unique(return_inverse=True, return_counts=True),
      ((0, 3),), differentiable=False),
    C("nonzero/zero_size", lambda m, x: m.nonzero(x), ((0, 3),), differentiable=False, dtypes=(F32, "bool")),
    C("nonzero/zero_size_as_tuple", lambda m, x: x.nonzero(as_tuple=True), ((2, 0),), differentiable=False),
]

# Every op the issue asks for; ``test_table_covers_every_op`` checks the table has them all.
REQUIRED_OPS = [
    "add", "sub", "mul", "div", "pow", "matmul", "neg", "abs", "exp", "log", "log1p", "expm1",
    "sqrt", "rsqrt", "square", "sin", "cos", "tanh", "sigmoid", "relu", "clamp", "maximum",
    "minimum", "where", "sum", "mean", "var", "std", "max", "min", "amax", "amin", "prod", "cumsum",
    "logsumexp", "softmax", "log_softmax", "norm", "mm", "bmm", "einsum", "outer", "reshape",
    "view", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "permute", "t", "T", "mT",
    "expand", "expand_as", "repeat", "cat", "stack", "split", "chunk", "narrow", "flip", "roll",
    "tril", "triu", "diagonal", "masked_fill", "index_select", "gather", "scatter_add",
    "take_along_dim", "getitem", "sort", "topk", "eq", "ne", "lt", "le", "gt", "ge", "argmax",
    "argmin", "argsort", "isnan", "isinf", "isfinite", "all", "any", "sign", "floor", "round",
    "one_hot", "unique", "nonzero",
]


def cases(*, differentiable: bool | None = None) -> list[Case]:
    return [c for c in TABLE if differentiable is None or c.differentiable == differentiable]
