"""Property-based: random sequences of operations, run on neurona and on PyTorch, give the same
values and the same gradients (float64). Bounded in CI; ``make fuzz`` runs many more."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import neurona as nt

# (name, fn(module, tensor) -> tensor): each keeps the values in a safe domain
UNARY = [
    ("tanh", lambda m, x: m.tanh(x)),
    ("sigmoid", lambda m, x: m.sigmoid(x)),
    ("square", lambda m, x: x * x),
    ("exp_small", lambda m, x: m.exp(m.clamp(x, -3.0, 3.0))),
    ("log_pos", lambda m, x: m.log(x * x + 1.0)),
    ("relu", lambda m, x: m.relu(x) + 0.1 * x),
    ("scale", lambda m, x: 2.5 * x - 1.0),
    ("softmax", lambda m, x: m.softmax(x, dim=-1)),
    ("log_softmax", lambda m, x: m.log_softmax(x, dim=0)),
    ("cumsum", lambda m, x: m.cumsum(x, dim=-1)),
    ("transpose", lambda m, x: x.transpose(0, 1)),
    ("flip", lambda m, x: m.flip(x, (0,))),
    ("norm_rows", lambda m, x: x / (x.norm(dim=-1, keepdim=True) + 1.0)),
    ("center", lambda m, x: x - x.mean(dim=0, keepdim=True)),
    ("sin", lambda m, x: m.sin(x)),
    ("abs_shift", lambda m, x: m.abs(x + 0.3)),
]
BINARY = [
    ("add", lambda m, x, y: x + y),
    ("mul", lambda m, x, y: x * y),
    ("div", lambda m, x, y: x / (y * y + 1.0)),
    ("max", lambda m, x, y: m.maximum(x, y + 0.05)),
    ("matmul", lambda m, x, y: (x @ y.transpose(0, 1)) @ y / 8.0),
    ("where", lambda m, x, y: m.where(x > y, x, y * 0.5)),
]


@st.composite
def programs(draw):
    n = draw(st.integers(2, 4))
    k = draw(st.integers(2, 4))
    steps = draw(st.lists(st.one_of(
        st.tuples(st.just("u"), st.integers(0, len(UNARY) - 1)),
        st.tuples(st.just("b"), st.integers(0, len(BINARY) - 1)),
    ), min_size=2, max_size=8))
    seed = draw(st.integers(0, 2**31 - 1))
    return n, k, steps, seed


def _execute(m, arrays, n, k, steps):
    xs = [m.tensor(a, requires_grad=True) for a in arrays]
    cur, other = xs[0], xs[1]
    for kind, i in steps:
        if kind == "u":
            fn = UNARY[i][1]
            if UNARY[i][0] == "transpose" and n != k:
                continue  # keeps the shape square-compatible for the next binary op
            cur = fn(m, cur)
        else:
            cur = BINARY[i][1](m, cur, other)
    out = (cur * cur).sum()
    out.backward()
    return out.item(), [x.grad.numpy().copy() if x.grad is not None else None for x in xs]


@given(programs())
def test_random_programs_match_torch(prog):
    n, k, steps, seed = prog
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, k)), rng.standard_normal((n, k))]
    vn, gn = _execute(nt, arrays, n, k, steps)
    vt, gt = _execute(torch, arrays, n, k, steps)
    np.testing.assert_allclose(vn, vt, rtol=1e-9, atol=1e-12)
    for a, b in zip(gn, gt):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)
