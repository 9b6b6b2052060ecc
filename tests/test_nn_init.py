"""``neurona.nn.init`` against ``torch.nn.init``: the gain table exactly; deterministic
initialisers (constant, zeros, ones, eye, dirac) exactly; random ones statistically — bounds,
and a two-sample Kolmogorov–Smirnov comparison with torch's samples on the same shapes (the
largest gap between the two empirical CDFs must stay below the α = 0.001 critical value);
orthogonality of ``orthogonal_``; and every layer's DEFAULT initial distribution."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import neurona
import neurona.nn.init as init
from neurona import nn

TI = torch.nn.init


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """max |F_a(x) − F_b(x)| over the pooled sample (two-sample KS statistic)."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    pooled = np.concatenate([a, b])
    fa = np.searchsorted(a, pooled, side="right") / a.size
    fb = np.searchsorted(b, pooled, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))


def ks_critical(n: int, m: int, alpha: float = 1e-3) -> float:
    return math.sqrt(-0.5 * math.log(alpha / 2)) * math.sqrt((n + m) / (n * m))


def assert_same_distribution(a: np.ndarray, b: np.ndarray, what: str) -> None:
    d = ks_statistic(a, b)
    crit = ks_critical(a.size, b.size)
    assert d < crit, f"{what}: KS statistic {d:.4f} ≥ critical {crit:.4f} (distributions differ)"
    assert abs(a.mean() - b.mean()) < 0.05 * max(b.std(), 1e-12) + 1e-12, f"{what}: mean"
    np.testing.assert_allclose(a.std(), b.std(), rtol=0.03, err_msg=f"{what}: std")


def _both(shape: tuple, fill: Any, *args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``init.<fill>`` on a neurona and a torch tensor of ``shape``; return both arrays."""
    neurona.manual_seed(0)
    torch.manual_seed(0)
    n = neurona.empty(*shape)
    t = torch.empty(*shape)
    rn = getattr(init, fill)(n, *args, **kwargs)
    rt = getattr(TI, fill)(t, *args, **kwargs)
    assert rn is n, f"{fill} returns the tensor it filled"
    assert rt is t
    return n.numpy(), t.numpy()


def test_ks_helper_can_fail() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(AssertionError, match="KS"):
        assert_same_distribution(rng.uniform(-1, 1, 20000), rng.normal(0, 1 / math.sqrt(3), 20000), "u vs n")
    assert_same_distribution(rng.normal(0, 1, 20000), rng.normal(0, 1, 20000), "n vs n")


# -- the gain table ----------------------------------------------------------------------------

GAINS = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
         ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
         ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
         ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", 1), ("leaky_relu", math.sqrt(5)),
         ("selu", None)]


@pytest.mark.parametrize("nonlinearity,param", GAINS)
def test_calculate_gain(nonlinearity: str, param: Any) -> None:
    assert init.calculate_gain(nonlinearity, param) == TI.calculate_gain(nonlinearity, param)


@pytest.mark.parametrize("nonlinearity,param", [("softmax", None), ("leaky_relu", True),
                                                ("leaky_relu", "0.1"), ("gelu", None)])
def test_calculate_gain_errors(nonlinearity: str, param: Any) -> None:
    with pytest.raises(ValueError):
        TI.calculate_gain(nonlinearity, param)
    with pytest.raises(ValueError):
        init.calculate_gain(nonlinearity, param)


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3), (4, 3, 2, 2), (2, 3, 1, 2, 2)])
def test_fans(shape: tuple) -> None:
    n = init._calculate_fan_in_and_fan_out(neurona.empty(*shape))
    t = TI._calculate_fan_in_and_fan_out(torch.empty(*shape))
    assert n == t


def test_fans_need_two_dims() -> None:
    with pytest.raises(ValueError):
        init.xavier_uniform_(neurona.empty(5))
    with pytest.raises(ValueError):
        TI.xavier_uniform_(torch.empty(5))


# -- deterministic initialisers -------------------------------------------------------------------

@pytest.mark.parametrize("fill,args,shape", [
    ("constant_", (0.3,), (3, 4)), ("zeros_", (), (2, 3, 4)), ("ones_", (), (5,)),
    ("eye_", (), (3, 5)), ("eye_", (), (4, 2)),
    ("dirac_", (), (4, 4, 3)), ("dirac_", (), (6, 3, 3, 3)), ("dirac_", (), (2, 4, 1, 3, 3)),
    ("dirac_", (2,), (4, 4, 3)), ("dirac_", (3,), (6, 2, 3, 3)), ("dirac_", (2,), (6, 4, 2, 2)),
])
def test_deterministic_init(fill: str, args: tuple, shape: tuple) -> None:
    n, t = _both(shape, fill, *args)
    np.testing.assert_array_equal(n, t)


def test_deterministic_init_errors() -> None:
    with pytest.raises(ValueError):
        init.eye_(neurona.empty(2, 2, 2))
    with pytest.raises(ValueError):
        init.dirac_(neurona.empty(3, 3))
    with pytest.raises(ValueError):
        TI.dirac_(torch.empty(3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        init.dirac_(neurona.empty(5, 2, 3), groups=2)
    with pytest.raises(ValueError):
        TI.dirac_(torch.empty(5, 2, 3), groups=2)


def test_init_keeps_leaf_and_records_nothing() -> None:
    w = nn.Parameter(neurona.empty(4, 3))
    for fill in (lambda: init.normal_(w), lambda: init.kaiming_uniform_(w), lambda: init.zeros_(w),
                 lambda: init.orthogonal_(w), lambda: init.trunc_normal_(w), lambda: init.eye_(w),
                 lambda: init.xavier_normal_(w, gain=2.0), lambda: init.constant_(w, 1.5)):
        out = fill()
        assert out is w and w.grad_fn is None and w.is_leaf and w.requires_grad
    assert w.dtype == neurona.float32


def test_init_keeps_dtype_float64() -> None:
    w = neurona.empty(50, 40, dtype=neurona.float64)
    for fill in ("uniform_", "normal_", "xavier_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_"):
        getattr(init, fill)(w)
        assert w.dtype == neurona.float64 and w.numpy().dtype == np.float64


# -- random initialisers: statistics vs torch --------------------------------------------------------

RANDOM = [
    ("uniform_", (), {}, (200, 100)),
    ("uniform_", (-0.5, 2.0), {}, (200, 100)),
    ("normal_", (), {}, (200, 100)),
    ("normal_", (1.5, 0.3), {}, (200, 100)),
    ("xavier_uniform_", (), {}, (200, 100)),
    ("xavier_uniform_", (), {"gain": 2.0}, (50, 40, 3, 3)),
    ("xavier_normal_", (), {}, (200, 100)),
    ("xavier_normal_", (), {"gain": 0.5}, (50, 40, 3, 3)),
    ("kaiming_uniform_", (), {}, (200, 100)),
    ("kaiming_uniform_", (), {"a": math.sqrt(5)}, (200, 100)),
    ("kaiming_uniform_", (), {"mode": "fan_out"}, (200, 100)),
    ("kaiming_uniform_", (), {"nonlinearity": "relu"}, (64, 32, 3, 3)),
    ("kaiming_uniform_", (), {"mode": "fan_out", "nonlinearity": "relu"}, (64, 32, 3, 3)),
    ("kaiming_normal_", (), {}, (200, 100)),
    ("kaiming_normal_", (), {"mode": "fan_out"}, (200, 100)),
    ("kaiming_normal_", (), {"nonlinearity": "relu"}, (200, 100)),
    ("kaiming_normal_", (), {"a": 0.2, "nonlinearity": "leaky_relu"}, (64, 32, 3, 3)),
    ("kaiming_normal_", (), {"nonlinearity": "tanh", "mode": "fan_out"}, (200, 100)),
    ("kaiming_normal_", (), {"nonlinearity": "selu"}, (200, 100)),
    ("trunc_normal_", (), {}, (200, 100)),
    ("trunc_normal_", (), {"std": 0.02}, (200, 100)),
    ("trunc_normal_", (), {"mean": 1.0, "std": 2.0, "a": -1.0, "b": 2.0}, (200, 100)),
    ("trunc_normal_", (), {"mean": 0.0, "std": 1.0, "a": 0.5, "b": 3.0}, (200, 100)),
    ("orthogonal_", (), {}, (120, 80)),
    ("orthogonal_", (), {"gain": 2.0}, (60, 150)),
]


@pytest.mark.parametrize("fill,args,kwargs,shape", RANDOM,
                         ids=[f"{f}-{i}" for i, (f, *_) in enumerate(RANDOM)])
def test_random_init_matches_torch_distribution(fill: str, args: tuple, kwargs: dict, shape: tuple) -> None:
    n, t = _both(shape, fill, *args, **kwargs)
    assert n.dtype == np.float32
    assert np.isfinite(n).all()
    # the support: no value outside torch's bounds (uniform and truncated families)
    if fill in ("uniform_", "xavier_uniform_", "kaiming_uniform_") or fill == "trunc_normal_":
        lo, hi = _support(fill, args, kwargs, shape)
        assert n.min() >= lo and n.max() <= hi, f"{fill}: values outside [{lo}, {hi}]"
        assert t.min() >= lo and t.max() <= hi
        if fill != "trunc_normal_" or kwargs.get("std", 1.0) > 0.5:
            assert n.min() < lo + 0.01 * (hi - lo) and n.max() > hi - 0.01 * (hi - lo), "range used"
    assert_same_distribution(n, t, f"{fill}{args}{kwargs}")


def _support(fill: str, args: tuple, kwargs: dict, shape: tuple) -> tuple[float, float]:
    fan_in, fan_out = TI._calculate_fan_in_and_fan_out(torch.empty(*shape))
    if fill == "uniform_":
        return args if args else (0.0, 1.0)
    if fill == "trunc_normal_":
        return kwargs.get("a", -2.0), kwargs.get("b", 2.0)
    if fill == "xavier_uniform_":
        a = kwargs.get("gain", 1.0) * math.sqrt(6 / (fan_in + fan_out))
        return -a, a
    fan = fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out
    gain = TI.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
    b = gain * math.sqrt(3 / fan)
    return -b, b


@pytest.mark.parametrize("shape,gain", [((100, 40), 1.0), ((40, 100), 1.0), ((30, 30), 3.0),
                                        ((16, 4, 3, 3), 1.0), ((20, 5, 3), 0.5), ((1, 7), 1.0)])
def test_orthogonal(shape: tuple, gain: float) -> None:
    w = neurona.empty(*shape)
    init.orthogonal_(w, gain=gain)
    m = w.numpy().reshape(shape[0], -1).astype(np.float64)
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_is_random_and_seeded() -> None:
    a, b = neurona.empty(8, 8), neurona.empty(8, 8)
    neurona.manual_seed(1)
    init.orthogonal_(a)
    init.orthogonal_(b)
    assert not np.allclose(a.numpy(), b.numpy())
    neurona.manual_seed(1)
    init.orthogonal_(b)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError):
        init.orthogonal_(neurona.empty(5))


def test_generator_argument_is_reproducible() -> None:
    g = neurona.Generator().manual_seed(5)
    a = init.kaiming_normal_(neurona.empty(10, 10), generator=g).numpy().copy()
    g.manual_seed(5)
    b = init.kaiming_normal_(neurona.empty(10, 10), generator=g).numpy()
    np.testing.assert_array_equal(a, b)


def test_zero_element_kaiming_warns_like_torch() -> None:
    with pytest.warns(UserWarning, match="zero-element"):
        TI.kaiming_uniform_(torch.empty(0, 3))
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(neurona.empty(0, 3))


def test_kaiming_bad_mode_raises() -> None:
    with pytest.raises(ValueError, match="fan_avg"):
        init.kaiming_uniform_(neurona.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError):
        TI.kaiming_uniform_(torch.empty(3, 3), mode="fan_avg")


def test_sparse() -> None:
    n, t = _both((200, 50), "sparse_", 0.3, std=0.05)
    assert np.array_equal((n == 0).sum(axis=0), (t == 0).sum(axis=0)), "zeros per column"
    assert_same_distribution(n[n != 0], t[t != 0], "sparse_ non-zeros")


# -- every layer's default initialisation ---------------------------------------------------------


def _uniform_ok(arr: np.ndarray, bound: float, what: str) -> None:
    assert np.abs(arr).max() <= bound, f"{what}: |w| ≤ {bound}"
    assert np.abs(arr).max() > 0.95 * bound, f"{what}: the range ±{bound} is used"
    np.testing.assert_allclose(arr.std(), bound / math.sqrt(3), rtol=0.05, err_msg=f"{what}: uniform std")
    assert abs(arr.mean()) < 0.05 * bound, f"{what}: mean"


@pytest.mark.parametrize("fan_in,out", [(300, 200), (10, 1000), (1000, 30)])
def test_linear_default_init(fan_in: int, out: int) -> None:
    neurona.manual_seed(0)
    layer = nn.Linear(fan_in, out)
    bound = 1 / math.sqrt(fan_in)
    _uniform_ok(layer.weight.detach().numpy(), bound, "Linear.weight")
    torch.manual_seed(0)
    twin = torch.nn.Linear(fan_in, out)
    assert_same_distribution(layer.weight.detach().numpy(), twin.weight.detach().numpy(), "Linear.weight")
    if out >= 1000:
        _uniform_ok(layer.bias.detach().numpy(), bound, "Linear.bias")
    b = layer.bias.detach().numpy()
    assert np.abs(b).max() <= bound and b.std() > 0


def test_linear_reset_parameters_redraws() -> None:
    layer = nn.Linear(20, 10)
    before = layer.weight.detach().numpy().copy()
    w = layer.weight
    layer.reset_parameters()
    assert layer.weight is w
    assert not np.array_equal(before, layer.weight.detach().numpy())


def test_bilinear_default_init() -> None:
    neurona.manual_seed(0)
    layer = nn.Bilinear(400, 30, 20)
    bound = 1 / math.sqrt(400)
    _uniform_ok(layer.weight.detach().numpy(), bound, "Bilinear.weight")
    assert np.abs(layer.bias.detach().numpy()).max() <= bound


def test_embedding_default_init() -> None:
    neurona.manual_seed(0)
    e = nn.Embedding(1000, 50)
    torch.manual_seed(0)
    te = torch.nn.Embedding(1000, 50)
    w = e.weight.detach().numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    assert_same_distribution(w, te.weight.detach().numpy(), "Embedding.weight ~ N(0, 1)")


@pytest.mark.parametrize("make", [lambda m: m.BatchNorm1d(7), lambda m: m.LayerNorm((3, 4)),
                                  lambda m: m.LayerNorm(5, bias=False), lambda m: m.PReLU(),
                                  lambda m: m.PReLU(6), lambda m: m.PReLU(2, init=0.1),
                                  lambda m: m.BatchNorm1d(3, affine=False),
                                  lambda m: m.BatchNorm1d(3, track_running_stats=False)])
def test_deterministic_layer_defaults_equal_torch(make: Any) -> None:
    n_sd = make(nn).state_dict()
    t_sd = make(torch.nn).state_dict()
    assert list(n_sd) == list(t_sd)
    for k in t_sd:
        np.testing.assert_array_equal(n_sd[k].numpy(), t_sd[k].numpy(), err_msg=k)
        assert str(n_sd[k].dtype).split(".")[-1] == str(t_sd[k].dtype).split(".")[-1], k


def test_layer_dtype_argument() -> None:
    for make in (lambda m, d: m.Linear(3, 2, dtype=d), lambda m, d: m.Embedding(4, 2, dtype=d),
                 lambda m, d: m.BatchNorm1d(3, dtype=d), lambda m, d: m.LayerNorm(3, dtype=d),
                 lambda m, d: m.PReLU(dtype=d), lambda m, d: m.Bilinear(2, 3, 4, dtype=d)):
        n = make(nn, neurona.float64)
        t = make(torch.nn, torch.float64)
        for (kn, vn), (kt, vt) in zip(n.state_dict().items(), t.state_dict().items()):
            assert kn == kt and str(vn.dtype).split(".")[-1] == str(vt.dtype).split(".")[-1], kn


@pytest.mark.parametrize("name", ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform",
                                  "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal",
                                  "sparse"])
def test_deprecated_aliases_warn_like_torch(name: str) -> None:
    shape, args = {"constant": ((3, 3), (0.5,)), "dirac": ((3, 3, 3), ()),
                   "sparse": ((4, 3), (0.5,))}.get(name, ((3, 3), ()))
    with pytest.warns(FutureWarning, match=f"nn.init.{name}_") as t_rec:
        getattr(TI, name)(torch.empty(*shape), *args)
    with pytest.warns(FutureWarning, match=f"nn.init.{name}_") as n_rec:
        out = getattr(init, name)(neurona.empty(*shape), *args)
    assert str(n_rec[0].message) == str(t_rec[0].message)
    assert isinstance(out, neurona.Tensor)
