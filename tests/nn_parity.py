"""Helpers shared by the ``test_nn_*`` files: run the same layer / loss / function on neurona
and on PyTorch with the same weights and data, and compare values and gradients.

* :func:`to_np` — any tensor (either framework) or array as a NumPy array;
* :func:`assert_close` — shape, dtype name and values of a neurona result vs torch's;
* :func:`layer_parity` — build a layer on both sides (``make(nn)``), copy torch's weights with
  ``load_state_dict(torch_module.state_dict())``, run one or more forward/backward steps on the
  same inputs with the same upstream gradient, compare outputs, every input gradient, every
  parameter gradient and finally the whole state dict (running statistics, renormed rows).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import neurona

# The tensors here are tiny: torch's thread pool only adds overhead, and with `pytest -n 2` on
# two cores its spinning threads slow both workers down (orthogonal_ alone took 0.5 s).
torch.set_num_threads(1)

F32, F64 = "float32", "float64"
TOL = {F64: (1e-7, 1e-10), F32: (1e-4, 1e-5)}


def seed_of(*parts: Any) -> int:
    """A stable seed from a description (so every test draws its own reproducible data)."""
    return zlib.crc32("/".join(map(str, parts)).encode())


def to_np(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    if isinstance(t, neurona.Tensor):
        return t.detach().numpy()
    return np.asarray(t)


def dtype_name(t: Any) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


def assert_close(n: Any, t: Any, dtype: str = F64, what: str = "", rtol: float | None = None,
                 atol: float | None = None) -> None:
    """``n`` (neurona) equals ``t`` (torch): shape, dtype name and values (NaN == NaN)."""
    r, a = TOL[dtype]
    rtol = r if rtol is None else rtol
    atol = a if atol is None else atol
    assert isinstance(n, neurona.Tensor), f"{what}: neurona returned {type(n).__name__}"
    assert tuple(n.shape) == tuple(t.shape), f"{what}: shape {tuple(n.shape)} vs torch {tuple(t.shape)}"
    assert dtype_name(n) == dtype_name(t), f"{what}: dtype {n.dtype} vs torch {t.dtype}"
    x, y = to_np(n), to_np(t)
    if y.dtype.kind == "f":
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(x, y, err_msg=what)


def pair(arr: np.ndarray, requires_grad: bool = False) -> tuple[Any, Any]:
    """The same data as a neurona and a torch tensor (separate copies)."""
    n = neurona.tensor(arr.copy())
    t = torch.from_numpy(arr.copy())
    if requires_grad:
        n.requires_grad_(True)
        t.requires_grad_(True)
    return n, t


@dataclass(frozen=True)
class Inp:
    """A layer input: float of ``shape`` (``scale``·N(0, 1)), or int indices in [0, ``high``)."""

    shape: tuple
    scale: float = 2.0
    high: int | None = None  # integer indices (no gradient)


def make_input(spec: Inp | tuple, dtype: str, rng: np.random.Generator) -> np.ndarray:
    if isinstance(spec, tuple):
        spec = Inp(spec)
    if spec.high is not None:
        return rng.integers(0, spec.high, spec.shape).astype(np.int64)
    return (rng.standard_normal(spec.shape) * spec.scale).astype(dtype)


def build_pair(make: Callable[[Any], Any], dtype: str) -> tuple[Any, Any]:
    """``make(torch.nn)`` and ``make(neurona.nn)``; torch's weights copied into neurona's."""
    torch.manual_seed(0)
    tm = make(torch.nn)
    nm = make(neurona.nn)
    result = nm.load_state_dict(tm.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    if dtype == F64:
        tm.double()
        nm.double()
    return nm, tm


def layer_parity(make: Callable[[Any], Any], inputs: Sequence[Inp | tuple], dtype: str = F64,
                 train: bool = True, steps: int = 1, name: str = "",
                 rtol: float | None = None, atol: float | None = None) -> tuple[Any, Any]:
    """Compare a layer on both frameworks over ``steps`` forward/backward passes."""
    nm, tm = build_pair(make, dtype)
    nm.train(train)
    tm.train(train)
    assert [k for k, _ in nm.named_parameters()] == [k for k, _ in tm.named_parameters()], name
    rng = np.random.default_rng(seed_of(name, dtype, train))
    for step in range(steps):
        where = f"{name} [{dtype}, {'train' if train else 'eval'}, step {step}]"
        arrays = [make_input(s, dtype, rng) for s in inputs]
        nx, tx = zip(*[pair(a, a.dtype.kind == "f") for a in arrays])
        n_out, t_out = nm(*nx), tm(*tx)
        assert_close(n_out, t_out, dtype, f"{where} output", rtol, atol)
        assert n_out.requires_grad == t_out.requires_grad, f"{where}: requires_grad differs"
        if t_out.requires_grad:
            up = np.asarray(rng.standard_normal(tuple(t_out.shape)), dtype=dtype)
            n_out.backward(neurona.tensor(up))
            t_out.backward(torch.from_numpy(up))
        for i, (a, b) in enumerate(zip(nx, tx)):
            if b.grad is None:
                assert a.grad is None, f"{where}: input {i} got a gradient, torch's is None"
            else:
                assert a.grad is not None, f"{where}: input {i} got no gradient"
                assert_close(a.grad, b.grad, dtype, f"{where} grad of input {i}", rtol, atol)
        n_params = dict(nm.named_parameters())
        for key, tp in tm.named_parameters():
            np_ = n_params[key]
            if tp.grad is None:
                assert np_.grad is None, f"{where}: {key} got a gradient, torch's is None"
            else:
                assert np_.grad is not None, f"{where}: {key} got no gradient"
                assert_close(np_.grad, tp.grad, dtype, f"{where} grad of {key}", rtol, atol)
        nm.zero_grad()
        tm.zero_grad()
    n_sd, t_sd = nm.state_dict(), tm.state_dict()
    assert list(n_sd) == list(t_sd), f"{name}: state_dict keys {list(n_sd)} vs {list(t_sd)}"
    for key in t_sd:
        assert_close(n_sd[key], t_sd[key], dtype, f"{name} state_dict[{key!r}] after {steps} steps",
                     rtol, atol)
    return nm, tm


# (id, make(nn) -> layer, inputs, steps). Inputs: shape tuples (2·N(0, 1) floats) or Inp.
LAYERS: list[tuple[str, Any, list, int]] = [  # every layer, in many configurations
    ("Linear", lambda nn: nn.Linear(5, 3), [(4, 5)], 1),
    ("Linear-nobias", lambda nn: nn.Linear(5, 3, bias=False), [(4, 5)], 1),
    ("Linear-3d", lambda nn: nn.Linear(5, 3), [(2, 4, 5)], 1),
    ("Linear-4d", lambda nn: nn.Linear(5, 3), [(2, 3, 2, 5)], 1),
    ("Linear-1d", lambda nn: nn.Linear(5, 3), [(5,)], 1),
    ("Linear-nobias-3d", lambda nn: nn.Linear(5, 3, bias=False), [(2, 4, 5)], 1),
    ("Identity", lambda nn: nn.Identity(54, unused="x"), [(3, 4)], 1),
    ("Flatten", lambda nn: nn.Flatten(), [(2, 3, 4, 5)], 1),
    ("Flatten-0-2", lambda nn: nn.Flatten(0, 2), [(2, 3, 4, 5)], 1),
    ("Flatten-neg", lambda nn: nn.Flatten(-3, -2), [(2, 3, 4, 5)], 1),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, 6)), [(3, 12)], 1),
    ("Unflatten-neg", lambda nn: nn.Unflatten(-1, (3, -1)), [(2, 3, 12)], 1),
    ("ReLU", lambda nn: nn.ReLU(), [(4, 6)], 1),
    ("ReLU6", lambda nn: nn.ReLU6(), [Inp((4, 6), 5.0)], 1),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(), [(4, 6)], 1),
    ("LeakyReLU-0.2", lambda nn: nn.LeakyReLU(0.2), [(4, 6)], 1),
    ("PReLU", lambda nn: nn.PReLU(), [(4, 3, 5)], 2),
    ("PReLU-init", lambda nn: nn.PReLU(init=0.1), [(4, 6)], 1),
    ("PReLU-channels", lambda nn: nn.PReLU(3), [(4, 3, 5)], 2),
    ("PReLU-channels-2d", lambda nn: nn.PReLU(3), [(4, 3)], 1),
    ("PReLU-channels-4d", lambda nn: nn.PReLU(3), [(2, 3, 2, 2)], 1),
    ("PReLU-1d", lambda nn: nn.PReLU(), [(7,)], 1),
    ("ELU", lambda nn: nn.ELU(), [(4, 6)], 1),
    ("ELU-alpha", lambda nn: nn.ELU(alpha=0.7), [(4, 6)], 1),
    ("SELU", lambda nn: nn.SELU(), [(4, 6)], 1),
    ("CELU", lambda nn: nn.CELU(), [(4, 6)], 1),
    ("CELU-alpha", lambda nn: nn.CELU(alpha=1.5), [(4, 6)], 1),
    ("GELU", lambda nn: nn.GELU(), [(4, 6)], 1),
    ("GELU-tanh", lambda nn: nn.GELU(approximate="tanh"), [(4, 6)], 1),
    ("SiLU", lambda nn: nn.SiLU(), [(4, 6)], 1),
    ("Mish", lambda nn: nn.Mish(), [Inp((4, 6), 4.0)], 1),
    ("Sigmoid", lambda nn: nn.Sigmoid(), [Inp((4, 6), 5.0)], 1),
    ("Tanh", lambda nn: nn.Tanh(), [(4, 6)], 1),
    ("Hardtanh", lambda nn: nn.Hardtanh(), [(4, 6)], 1),
    ("Hardtanh-range", lambda nn: nn.Hardtanh(-2.0, 1.5), [(4, 6)], 1),
    ("Hardsigmoid", lambda nn: nn.Hardsigmoid(), [Inp((4, 6), 4.0)], 1),
    ("Hardswish", lambda nn: nn.Hardswish(), [Inp((4, 6), 4.0)], 1),
    ("Softplus", lambda nn: nn.Softplus(), [Inp((4, 6), 8.0)], 1),
    ("Softplus-beta", lambda nn: nn.Softplus(beta=2.0, threshold=3.0), [Inp((4, 6), 3.0)], 1),
    ("Softplus-beta-small", lambda nn: nn.Softplus(beta=0.5, threshold=1.0), [Inp((4, 6), 4.0)], 1),
    ("Softsign", lambda nn: nn.Softsign(), [(4, 6)], 1),
    ("LogSigmoid", lambda nn: nn.LogSigmoid(), [Inp((4, 6), 6.0)], 1),
    ("Threshold", lambda nn: nn.Threshold(0.1, 20.0), [(4, 6)], 1),
    ("Softmax", lambda nn: nn.Softmax(dim=1), [(4, 6)], 1),
    ("Softmax-last-3d", lambda nn: nn.Softmax(dim=-1), [(2, 3, 4)], 1),
    ("Softmax-0", lambda nn: nn.Softmax(dim=0), [(2, 3, 4)], 1),
    ("LogSoftmax", lambda nn: nn.LogSoftmax(dim=1), [(4, 6)], 1),
    ("LogSoftmax-3d", lambda nn: nn.LogSoftmax(dim=-1), [(2, 3, 4)], 1),
    ("Dropout-p0", lambda nn: nn.Dropout(0.0), [(4, 6)], 1),
    ("BatchNorm1d", lambda nn: nn.BatchNorm1d(5), [(8, 5)], 3),
    ("BatchNorm1d-3d", lambda nn: nn.BatchNorm1d(4), [(6, 4, 3)], 3),
    ("BatchNorm1d-noaffine", lambda nn: nn.BatchNorm1d(5, affine=False), [(8, 5)], 3),
    ("BatchNorm1d-nostats", lambda nn: nn.BatchNorm1d(5, track_running_stats=False), [(8, 5)], 2),
    ("BatchNorm1d-nostats-3d", lambda nn: nn.BatchNorm1d(4, track_running_stats=False),
     [(3, 4, 5)], 2),
    ("BatchNorm1d-momentum-none", lambda nn: nn.BatchNorm1d(5, momentum=None), [(8, 5)], 4),
    ("BatchNorm1d-momentum", lambda nn: nn.BatchNorm1d(5, momentum=0.3, eps=1e-3), [(8, 5)], 3),
    ("LayerNorm", lambda nn: nn.LayerNorm(5), [(4, 5)], 1),
    ("LayerNorm-3d", lambda nn: nn.LayerNorm(5), [(2, 3, 5)], 1),
    ("LayerNorm-multi", lambda nn: nn.LayerNorm((3, 4)), [(2, 3, 4)], 1),
    ("LayerNorm-multi-list", lambda nn: nn.LayerNorm([2, 3, 4], eps=1e-3), [(2, 2, 3, 4)], 1),
    ("LayerNorm-noaffine", lambda nn: nn.LayerNorm(5, elementwise_affine=False), [(4, 5)], 1),
    ("LayerNorm-nobias", lambda nn: nn.LayerNorm(5, bias=False), [(4, 5)], 1),
    ("Embedding", lambda nn: nn.Embedding(10, 4), [Inp((3, 5), high=10)], 2),
    ("Embedding-1d", lambda nn: nn.Embedding(10, 4), [Inp((7,), high=10)], 1),
    ("Embedding-padding", lambda nn: nn.Embedding(6, 4, padding_idx=2), [Inp((4, 5), high=6)], 2),
    ("Embedding-padding-neg", lambda nn: nn.Embedding(6, 4, padding_idx=-1), [Inp((4, 5), high=6)], 2),
    ("Embedding-max-norm", lambda nn: nn.Embedding(10, 4, max_norm=1.0), [Inp((3, 5), high=10)], 2),
    ("Embedding-scale-grad", lambda nn: nn.Embedding(6, 3, scale_grad_by_freq=True),
     [Inp((3, 5), high=4)], 2),
    ("Embedding-scale-grad-padding", lambda nn: nn.Embedding(6, 3, padding_idx=1, scale_grad_by_freq=True),
     [Inp((4, 4), high=3)], 1),
    ("Embedding-max-norm-l1", lambda nn: nn.Embedding(10, 4, max_norm=1.5, norm_type=1.0),
     [Inp((3, 5), high=10)], 2),
    ("Bilinear", lambda nn: nn.Bilinear(3, 4, 2), [(5, 3), (5, 4)], 1),
    ("Bilinear-nobias", lambda nn: nn.Bilinear(3, 4, 2, bias=False), [(5, 3), (5, 4)], 1),
    ("Bilinear-3d", lambda nn: nn.Bilinear(3, 4, 2), [(2, 5, 3), (2, 5, 4)], 1),
]
