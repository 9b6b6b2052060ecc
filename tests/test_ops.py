"""Parity with PyTorch for every entry of the op table (values, dtypes, every input's gradient),
``gradcheck`` in float64, dtype promotion, and numerical stability at extreme inputs."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch

import neurona
from neurona.autograd import GradcheckError
from op_table import (
    F32,
    F64,
    FLOATS,
    GRADCHECK_MAX_ELEMENTS,
    REQUIRED_OPS,
    TABLE,
    Case,
    make_arrays,
    seed_of,
)
from parity import assert_same, check_gradcheck, check_parity, to_tensors

# -- the table-driven tests ---------------------------------------------------------------


def _marks(case: Case) -> list:
    return [pytest.mark.xfail(strict=True, reason=case.known_bug)] if case.known_bug else []


def _gradcheckable(case: Case) -> bool:
    """Differentiable, small, away from kinks, and no empty input (its Jacobian has no column)."""
    return (case.differentiable and case.gradcheck and any(d in FLOATS for d in case.dtypes)
            and case.float_elements() <= GRADCHECK_MAX_ELEMENTS
            and all(np.prod(a.shape) > 0 for a in make_arrays(case, F64)[0]))


PARITY = [pytest.param(c, d, id=f"{c.name}-{d}", marks=_marks(c)) for c in TABLE for d in c.dtypes]
GRADCHECK = [pytest.param(c, id=c.name, marks=_marks(c)) for c in TABLE if _gradcheckable(c)]


@pytest.mark.parametrize("case,dtype", PARITY)
def test_parity_with_torch(case: Case, dtype: str) -> None:
    check_parity(case, dtype)


@pytest.mark.parametrize("case", GRADCHECK)
def test_gradcheck(case: Case) -> None:
    assert check_gradcheck(case)


def test_table_covers_every_op() -> None:
    names = [c.name for c in TABLE]
    assert len(names) == len(set(names)), "duplicate case names"
    missing = sorted(set(REQUIRED_OPS) - {c.op for c in TABLE})
    assert not missing, f"ops missing from the table: {missing}"


def test_every_differentiable_op_is_gradchecked() -> None:
    checked = {p.values[0].op for p in GRADCHECK}
    differentiable = {c.op for c in TABLE if c.differentiable and set(c.dtypes) & set(FLOATS)}
    assert differentiable <= checked, f"no gradcheck case for {sorted(differentiable - checked)}"
    assert any(c.float_elements() == 0 for c in TABLE), "no zero-size case"


# -- the harness can fail -----------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        {"neurona": lambda m, x: x * 2, "torch": lambda m, x: x * 2.001},  # values
        {"neurona": lambda m, x: x * 2, "torch": lambda m, x: x + x.detach()},  # gradient only
        {"neurona": lambda m, x: x.double(), "torch": lambda m, x: x * 1},  # dtype only
        {"neurona": lambda m, x: x.reshape(-1), "torch": lambda m, x: x * 1},  # shape only
        {"neurona": lambda m, x: x.detach() * 2, "torch": lambda m, x: x * 2},  # no graph
    ],
    ids=["value", "gradient", "dtype", "shape", "requires_grad"],
)
def test_harness_detects_mismatches(fn: dict) -> None:
    with pytest.raises(AssertionError):
        check_parity(Case("selftest/x", fn, ((2, 3),)), F32)


def test_gradcheck_accepts_an_empty_input() -> None:
    x = neurona.zeros(0, 3, dtype=neurona.float64, requires_grad=True)
    assert neurona.autograd.gradcheck(lambda t: t.exp(), (x,))


def test_gradcheck_detects_a_wrong_backward() -> None:
    class WrongSquare(neurona.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * x  # should be 2·g·x

    case = Case("selftest/wrong", {"neurona": lambda m, x: WrongSquare.apply(x)}, ((2, 2),))
    with pytest.raises(GradcheckError):
        check_gradcheck(case)


# -- dtype promotion ----------------------------------------------------------------------

PROMOTION_DTYPES = (F32, F64, "int64", "int32", "bool")
OPERANDS = (
    [("tensor", d) for d in PROMOTION_DTYPES]
    + [("0-d", d) for d in PROMOTION_DTYPES]
    + [("python", v) for v in (2, 2.5, True)]
)


def _operand(m: Any, kind: str, v: Any) -> Any:
    if kind == "python":
        return v
    arr = np.array([1, 2, 3]) if kind == "tensor" else np.array(2)
    arr = arr.astype(v)
    return torch.from_numpy(arr) if m is torch else neurona.tensor(arr)


_PAIRS = [(a, b) for a, b in itertools.product(OPERANDS, OPERANDS) if "python" not in (a[0], b[0])
          or a[0] != b[0]]


@pytest.mark.parametrize("a,b", _PAIRS, ids=[f"{a[0]}:{a[1]}-{b[0]}:{b[1]}" for a, b in _PAIRS])
def test_dtype_promotion(a: tuple, b: tuple) -> None:
    ops = {
        "add": lambda m, x, y: x + y,
        "mul": lambda m, x, y: x * y,
        "div": lambda m, x, y: x / y,
    }
    if a[0] != "python":  # the function form too (its first argument must be a tensor)
        ops.update(
            fadd=lambda m, x, y: m.add(x, y),
            fmul=lambda m, x, y: m.mul(x, y),
            fdiv=lambda m, x, y: m.div(x, y),
        )
    for name, op in ops.items():
        n = op(neurona, _operand(neurona, *a), _operand(neurona, *b))
        t = op(torch, _operand(torch, *a), _operand(torch, *b))
        assert_same(n, t, 1e-6, 0, f"{name}({a}, {b})")


# -- numerical stability --------------------------------------------------------------------

EXTREME = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4], [-1e4, 3.0, 1e4]])
STABLE = {
    "sigmoid": lambda m, x: m.sigmoid(x),
    "softmax": lambda m, x: m.softmax(x, dim=-1),
    "softmax_dim0": lambda m, x: m.softmax(x, dim=0),
    "log_softmax": lambda m, x: m.log_softmax(x, dim=-1),
    "log_softmax_dim0": lambda m, x: m.log_softmax(x, 0),
    "logsumexp": lambda m, x: m.logsumexp(x, dim=-1),
    "logsumexp_all": lambda m, x: m.logsumexp(x, dim=(0, 1)),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", list(STABLE))
def test_stable_at_extreme_inputs(name: str, dtype: str) -> None:
    case = Case(f"stability/{name}", STABLE[name], (EXTREME,))
    arrays = [EXTREME.astype(dtype)]
    nx, tx = to_tensors(neurona, arrays, [True]), to_tensors(torch, arrays, [True])
    n, t = case.call(neurona, *nx), case.call(torch, *tx)
    assert np.isfinite(n.detach().numpy()).all(), f"{name}: non-finite output {n}"
    assert_same(n, t, *case.tolerance(dtype), name)
    up = np.random.default_rng(seed_of(name)).standard_normal(tuple(t.shape)).astype(dtype)
    n.backward(neurona.tensor(up))
    t.backward(torch.from_numpy(up))
    assert np.isfinite(nx[0].grad.numpy()).all(), f"{name}: non-finite gradient {nx[0].grad}"
    assert_same(nx[0].grad, tx[0].grad, *case.tolerance(dtype), f"{name} gradient")
