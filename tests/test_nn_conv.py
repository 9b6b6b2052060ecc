"""Convolution layers against PyTorch: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d``,
``ConvTranspose2d`` (and ``unfold``/``fold``, ``pixel_shuffle``/``pixel_unshuffle``,
``BatchNorm2d``, ``Dropout2d``).

Every layer is built on both frameworks with torch's weights copied by
``load_state_dict(torch_module.state_dict())`` and compared — outputs, input gradients, weight
and bias gradients, final state dict — in float64 (rtol 1e-7) and float32, over a
hypothesis-generated space of configurations (kernel, stride, padding ints/tuples/'same'/
'valid', dilation, groups incl. depthwise, padding modes, odd sizes, batch 1, unbatched inputs,
output_padding and ``output_size=``). Plus finite-difference ``gradcheck``; state dict keys,
default initial distributions (statistically) and ``repr`` equal to torch's; shape errors that
name the layer with torch's exception types; ``summary`` of small CNNs; contiguous outputs.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import neurona
import neurona.nn.functional as F
import neurona.nn.functional_conv as FC
from neurona.autograd import gradcheck
from nn_parity import F32, F64, assert_close, layer_parity, pair, seed_of
from test_nn_init import assert_same_distribution, ks_critical, ks_statistic

DTYPES = st.sampled_from([F64, F32])
TF = torch.nn.functional


def loose(dtype: str) -> dict:
    """float64: nn_parity's tight tolerances; float32: loose — a weight gradient sums thousands
    of products, so its float32 rounding reaches ~1e-4 of the largest entry."""
    return {} if dtype == F64 else dict(rtol=1e-4, atol=1e-3)


def _quiet(fn: Any) -> Any:
    """torch warns that 'same' padding with an even kernel copies the input: expected here."""
    return pytest.mark.filterwarnings("ignore:Using padding='same'")(fn)


# -- strategies --------------------------------------------------------------------------------


@st.composite
def channels(draw: Any) -> tuple[int, int, int]:
    """(in_channels, out_channels, groups): one group, two groups, or depthwise."""
    kind = draw(st.sampled_from(["one", "two", "depthwise"]))
    if kind == "one":
        return draw(st.integers(1, 4)), draw(st.integers(1, 4)), 1
    if kind == "two":
        return 2 * draw(st.integers(1, 2)), 2 * draw(st.integers(1, 2)), 2
    c = draw(st.integers(1, 3))
    return c, c * draw(st.integers(1, 2)), c


@st.composite
def conv_configs(draw: Any, spatial: int) -> dict:
    cin, cout, groups = draw(channels())
    k = tuple(draw(st.integers(1, 4)) for _ in range(spatial))
    d = tuple(draw(st.integers(1, 2)) for _ in range(spatial))
    s = tuple(draw(st.integers(1, 3)) for _ in range(spatial))
    mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    kind = draw(st.sampled_from(["int", "tuple", "same", "valid"]))
    if kind == "same":
        s = (1,) * spatial
        padding: Any = "same"
        pads = [FC.same_padding((ki,), (di,), (1,))[0] for ki, di in zip(k, d)]
    elif kind == "valid":
        padding, pads = "valid", [(0, 0)] * spatial
    else:
        p = tuple(draw(st.integers(0, 2)) for _ in range(spatial))
        padding = p[0] if kind == "int" else p
        pads = [(p[0], p[0])] * spatial if kind == "int" else [(q, q) for q in p]
    size = []
    for ki, di, (lo, hi) in zip(k, d, pads):
        need = max(1, di * (ki - 1) + 1 - lo - hi)
        if mode in ("reflect", "circular"):
            need = max(need, lo + 1, hi + 1)
        size.append(draw(st.integers(need, need + 4)))
    batch = draw(st.sampled_from([None, 1, 2, 3]))
    shape = ((batch,) if batch else ()) + (cin, *size)
    return dict(cin=cin, cout=cout, groups=groups, k=k, d=d, s=s, padding=padding, mode=mode,
                bias=draw(st.booleans()), shape=shape)


@st.composite
def transpose_configs(draw: Any, spatial: int) -> dict:
    cin, cout, groups = draw(channels())
    k = tuple(draw(st.integers(1, 4)) for _ in range(spatial))
    d = tuple(draw(st.integers(1, 2)) for _ in range(spatial))
    s = tuple(draw(st.integers(1, 3)) for _ in range(spatial))
    op = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d))
    size = tuple(draw(st.integers(1, 5)) for _ in range(spatial))
    p = []
    for n, ki, si, di, oi in zip(size, k, s, d, op):
        full = (n - 1) * si + di * (ki - 1) + 1 + oi
        p.append(draw(st.integers(0, min(2, (full - 1) // 2))))
    batch = draw(st.sampled_from([None, 1, 2]))
    use_size = draw(st.booleans())
    extra = tuple(draw(st.integers(0, si - 1)) for si in s)
    base = [(n - 1) * si - 2 * pi + di * (ki - 1) + 1 for n, si, pi, di, ki in zip(size, s, p, d, k)]
    want = tuple(max(b + e, 1) for b, e in zip(base, extra))
    if any(w - b >= si for w, b, si in zip(want, base, s)):  # no output_padding reaches a size ≥ 1
        use_size = False
    return dict(cin=cin, cout=cout, groups=groups, k=k, d=d, s=s, p=tuple(p), op=op,
                bias=draw(st.booleans()), shape=((batch,) if batch else ()) + (cin, *size),
                output_size=want if use_size else None)


def _make_conv(cfg: dict, spatial: int) -> Any:
    def make(nn: Any) -> Any:
        cls = nn.Conv2d if spatial == 2 else nn.Conv1d
        return cls(cfg["cin"], cfg["cout"], cfg["k"], stride=cfg["s"], padding=cfg["padding"],
                   dilation=cfg["d"], groups=cfg["groups"], bias=cfg["bias"], padding_mode=cfg["mode"])

    return make


def _make_transpose(cfg: dict, spatial: int) -> Any:
    def make(nn: Any) -> Any:
        cls = nn.ConvTranspose2d if spatial == 2 else nn.ConvTranspose1d
        layer = cls(cfg["cin"], cfg["cout"], cfg["k"], stride=cfg["s"], padding=cfg["p"],
                    output_padding=cfg["op"], groups=cfg["groups"], bias=cfg["bias"], dilation=cfg["d"])
        if cfg["output_size"] is None:
            return layer
        size = cfg["output_size"]

        class WithOutputSize(nn.Module):  # forward(x, output_size=...) as a one-input module
            def __init__(self) -> None:
                super().__init__()
                self.layer = layer

            def forward(self, x: Any) -> Any:
                return self.layer(x, output_size=size)

        return WithOutputSize()

    return make


# -- layer parity over generated configurations --------------------------------------------------


@_quiet
@given(cfg=conv_configs(2), dtype=DTYPES)
def test_conv2d_parity(cfg: dict, dtype: str) -> None:
    layer_parity(_make_conv(cfg, 2), [cfg["shape"]], dtype, name=f"Conv2d {cfg}", **loose(dtype))


@_quiet
@given(cfg=conv_configs(1), dtype=DTYPES)
def test_conv1d_parity(cfg: dict, dtype: str) -> None:
    layer_parity(_make_conv(cfg, 1), [cfg["shape"]], dtype, name=f"Conv1d {cfg}", **loose(dtype))


@given(cfg=transpose_configs(2), dtype=DTYPES)
def test_conv_transpose2d_parity(cfg: dict, dtype: str) -> None:
    layer_parity(_make_transpose(cfg, 2), [cfg["shape"]], dtype, name=f"ConvTranspose2d {cfg}",
                 **loose(dtype))


@given(cfg=transpose_configs(1), dtype=DTYPES)
def test_conv_transpose1d_parity(cfg: dict, dtype: str) -> None:
    layer_parity(_make_transpose(cfg, 1), [cfg["shape"]], dtype, name=f"ConvTranspose1d {cfg}",
                 **loose(dtype))


FIXED = [  # configurations worth naming (bench layers, a first layer on RGB, a strided stem, ...)
    ("bench-conv1", lambda nn: nn.Conv2d(1, 16, 3), (4, 1, 28, 28)),
    ("bench-conv2", lambda nn: nn.Conv2d(16, 32, 3), (3, 16, 13, 13)),
    ("rgb-stem", lambda nn: nn.Conv2d(3, 8, 5, stride=2, padding=2), (2, 3, 17, 16)),
    ("wide", lambda nn: nn.Conv2d(24, 8, (1, 3), padding=(0, 1)), (2, 24, 3, 9)),
    ("depthwise-mult", lambda nn: nn.Conv2d(4, 8, 3, groups=4, padding=1, bias=False), (2, 4, 6, 7)),
    ("same-even", lambda nn: nn.Conv2d(3, 4, (2, 4), padding="same", dilation=(3, 1)), (1, 3, 7, 8)),
    ("same-reflect", lambda nn: nn.Conv2d(2, 3, 4, padding="same", padding_mode="reflect"), (2, 2, 6, 5)),
    ("mnist1d-1", lambda nn: nn.Conv1d(1, 25, 5, stride=2, padding=1), (5, 1, 40)),
    ("mnist1d-2", lambda nn: nn.Conv1d(25, 25, 3, stride=2, padding=1), (5, 25, 19)),
    ("dcgan-up", lambda nn: nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1, bias=False), (2, 8, 7, 7)),
    ("dcgan-out", lambda nn: nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1), (2, 4, 14, 14)),
    ("convT-groups", lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=(2, 1), groups=2, dilation=2),
     (2, 4, 3, 5)),
]


@_quiet
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("name,make,shape", FIXED, ids=[f[0] for f in FIXED])
def test_named_configurations(name: str, make: Any, shape: tuple, dtype: str) -> None:
    layer_parity(make, [shape], dtype, steps=2, name=name, **loose(dtype))


def test_float32_stays_float32_and_outputs_are_contiguous() -> None:
    """conv / pool outputs are C-contiguous, so ``x.view(N, -1)`` works as in PyTorch."""
    nn = neurona.nn
    x = neurona.randn(2, 3, 12, 12)
    conv = nn.Conv2d(3, 4, 3)(x)
    assert conv.dtype == neurona.float32 and conv.is_contiguous()
    pooled = nn.MaxPool2d(2)(nn.ReLU()(conv))
    assert pooled.is_contiguous()
    assert tuple(pooled.view(2, -1).shape) == (2, 4 * 5 * 5)
    assert nn.Conv1d(3, 2, 3)(neurona.randn(2, 3, 7)).view(2, -1).shape == (2, 10)
    assert nn.ConvTranspose2d(4, 2, 3, stride=2)(conv).is_contiguous()


def test_backward_keeps_no_patch_matrix() -> None:
    """Memory: a convolution's graph node keeps the input and the kernel, not the (k²× larger)
    patch matrix."""
    x = neurona.randn(4, 8, 16, 16, requires_grad=True)
    w = neurona.randn(16, 8, 3, 3, requires_grad=True)
    y = FC.conv2d(x, w, padding=1)
    kept = sum(v.nbytes for v in vars(y.grad_fn).values() if isinstance(v, np.ndarray))
    assert kept <= x.detach().numpy().nbytes + 2 * w.detach().numpy().nbytes, kept


def test_functional_namespace_exports_conv() -> None:
    """``torch.nn.functional.conv2d`` & co. exist as ``neurona.nn.functional.conv2d``."""
    missing = [name for name in F.__all_conv__ if not hasattr(F, name)]
    assert not missing, f"neurona.nn.functional lacks {missing} (defined in functional_conv)"


# -- functional forms: parity and gradcheck --------------------------------------------------------


def _both(fn_n: Any, fn_t: Any, arrays: list[np.ndarray], dtype: str, what: str) -> None:
    """Run ``fn_n`` on neurona tensors and ``fn_t`` on torch ones; compare output and grads."""
    ns, ts = zip(*[pair(a.astype(dtype), True) for a in arrays])
    out_n, out_t = fn_n(*ns), fn_t(*ts)
    assert_close(out_n, out_t, dtype, f"{what} output", **loose(dtype))
    up = np.random.default_rng(seed_of(what)).standard_normal(tuple(out_t.shape)).astype(dtype)
    out_n.backward(neurona.tensor(up))
    out_t.backward(torch.from_numpy(up))
    for i, (a, b) in enumerate(zip(ns, ts)):
        assert_close(a.grad, b.grad, dtype, f"{what} grad of input {i}", **loose(dtype))


@st.composite
def unfold_configs(draw: Any) -> dict:
    k = tuple(draw(st.integers(1, 3)) for _ in range(2))
    d = tuple(draw(st.integers(1, 2)) for _ in range(2))
    p = tuple(draw(st.integers(0, 2)) for _ in range(2))
    s = tuple(draw(st.integers(1, 3)) for _ in range(2))
    size = tuple(max(1, di * (ki - 1) + 1 - 2 * pi) + draw(st.integers(0, 4)) for ki, di, pi in zip(k, d, p))
    batch = draw(st.sampled_from([None, 1, 2]))
    c = draw(st.integers(1, 3))
    return dict(k=k, d=d, p=p, s=s, size=size, shape=((batch,) if batch else ()) + (c, *size))


@given(cfg=unfold_configs(), dtype=DTYPES)
def test_unfold_fold_parity(cfg: dict, dtype: str) -> None:
    kw = dict(kernel_size=cfg["k"], dilation=cfg["d"], padding=cfg["p"], stride=cfg["s"])
    rng = np.random.default_rng(seed_of("unfold", cfg))
    x = rng.standard_normal(cfg["shape"])
    _both(lambda t: FC.unfold(t, **kw), lambda t: TF.unfold(t, **kw), [x], dtype, f"unfold {cfg}")
    cols_shape = tuple(TF.unfold(torch.from_numpy(x), **kw).shape)
    cols = rng.standard_normal(cols_shape)
    _both(lambda t: FC.fold(t, cfg["size"], **kw), lambda t: TF.fold(t, cfg["size"], **kw), [cols], dtype,
          f"fold {cfg}")


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((9, 2, 2), 3), ((2, 1, 4, 1, 2), 1)])
def test_pixel_shuffle_parity(shape: tuple, r: int, dtype: str) -> None:
    x = np.random.default_rng(0).standard_normal(shape)
    _both(lambda t: FC.pixel_shuffle(t, r), lambda t: TF.pixel_shuffle(t, r), [x], dtype, "pixel_shuffle")
    y = TF.pixel_shuffle(torch.from_numpy(x), r).numpy()
    _both(lambda t: FC.pixel_unshuffle(t, r), lambda t: TF.pixel_unshuffle(t, r), [y], dtype, "unshuffle")
    layer_parity(lambda nn: nn.Sequential(nn.PixelShuffle(r), nn.PixelUnshuffle(r)), [shape], dtype,
                 name="PixelShuffle module", **loose(dtype))


def _t64(*shape: int, seed: int = 0) -> Any:
    return neurona.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


GRADCHECKS = [
    ("conv2d", lambda: (FC.conv2d, (_t64(2, 4, 5, 4), _t64(6, 2, 3, 2, seed=1), _t64(6, seed=2)),
                        dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2))),
    ("conv2d-depthwise", lambda: (FC.conv2d, (_t64(1, 3, 4, 4), _t64(3, 1, 2, 2, seed=1)),
                                  dict(padding="same", groups=3))),
    ("conv2d-rows", lambda: (FC.conv2d, (_t64(2, 6, 4, 3), _t64(3, 6, 2, 2, seed=1)), {})),
    ("conv1d", lambda: (FC.conv1d, (_t64(2, 3, 7), _t64(2, 3, 3, seed=1), _t64(2, seed=2)),
                        dict(stride=2, padding=2))),
    ("conv_transpose2d", lambda: (FC.conv_transpose2d, (_t64(2, 4, 3, 3), _t64(4, 1, 3, 2, seed=1),
                                                        _t64(2, seed=2)),
                                  dict(stride=2, padding=1, output_padding=1, groups=2))),
    ("conv_transpose1d", lambda: (FC.conv_transpose1d, (_t64(1, 2, 4), _t64(2, 3, 3, seed=1)),
                                  dict(stride=3, dilation=2))),
    ("unfold", lambda: (FC.unfold, (_t64(2, 2, 4, 5),), dict(kernel_size=(2, 3), padding=1, stride=2))),
    ("fold", lambda: (FC.fold, (_t64(2, 12, 8),), dict(output_size=(3, 4), kernel_size=(2, 3), padding=1,
                                                       stride=(2, 1)))),
]


@pytest.mark.parametrize("name,build", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck(name: str, build: Any) -> None:
    fn, inputs, kw = build()
    assert gradcheck(lambda *xs: fn(*xs, **kw), inputs)


# -- BatchNorm2d, Dropout2d ------------------------------------------------------------------------


BN = [
    ("BatchNorm2d", lambda nn: nn.BatchNorm2d(3), 3),
    ("BatchNorm2d-noaffine", lambda nn: nn.BatchNorm2d(3, affine=False), 2),
    ("BatchNorm2d-nostats", lambda nn: nn.BatchNorm2d(3, track_running_stats=False), 2),
    ("BatchNorm2d-momentum-none", lambda nn: nn.BatchNorm2d(3, momentum=None, eps=1e-3), 3),
]


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name,make,steps", BN, ids=[b[0] for b in BN])
def test_batchnorm2d_parity(name: str, make: Any, steps: int, dtype: str, train: bool) -> None:
    layer_parity(make, [(4, 3, 5, 3)], dtype, train, steps, name=f"{name}-{dtype}-{train}", **loose(dtype))


def test_batchnorm2d_wrong_input() -> None:
    for lib in (neurona, torch):
        with pytest.raises(ValueError, match="4D"):
            lib.nn.BatchNorm2d(3)(lib.zeros(2, 3, 4))


def test_dropout2d() -> None:
    """Training: whole channels are zeroed (probability p) and the rest scaled by 1/(1 − p);
    eval and p = 0: identity, as in PyTorch."""
    layer_parity(lambda nn: nn.Dropout2d(0.0), [(2, 3, 4, 4)], F64, name="Dropout2d-p0")
    layer_parity(lambda nn: nn.Dropout2d(0.7), [(2, 3, 4, 4)], F64, train=False, name="Dropout2d-eval")
    neurona.manual_seed(0)
    x = neurona.ones(64, 32, 3, 3)
    y = neurona.nn.Dropout2d(0.25)(x).numpy()
    per_channel = y.reshape(64, 32, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # one value per channel
    assert set(np.unique(per_channel)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((per_channel[..., 0] == 0).mean() - 0.25) < 0.03
    assert repr(neurona.nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3))


# -- state dict, initialisation, repr --------------------------------------------------------------


MODULES = [
    lambda nn: nn.Conv2d(1, 16, 3),
    lambda nn: nn.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), bias=False),
    lambda nn: nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=4, padding_mode="reflect"),
    lambda nn: nn.Conv2d(2, 4, 1, padding="valid", padding_mode="circular"),
    lambda nn: nn.Conv1d(1, 25, 5, stride=2, padding=1),
    lambda nn: nn.Conv1d(4, 4, 3, groups=2, padding_mode="replicate", padding=1),
    lambda nn: nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1, bias=False),
    lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=(2, 1), output_padding=(1, 0), groups=2, dilation=2),
    lambda nn: nn.ConvTranspose1d(2, 4, 3, stride=2, output_padding=1),
    lambda nn: nn.BatchNorm2d(5),
    lambda nn: nn.BatchNorm2d(5, momentum=None, affine=False),
    lambda nn: nn.Dropout2d(0.2),
    lambda nn: nn.PixelShuffle(3),
    lambda nn: nn.PixelUnshuffle(2),
]


@pytest.mark.parametrize("make", MODULES, ids=range(len(MODULES)))
def test_repr_and_state_dict(make: Any) -> None:
    n, t = make(neurona.nn), make(torch.nn)
    assert repr(n) == repr(t)
    n_sd, t_sd = n.state_dict(), t.state_dict()
    assert list(n_sd) == list(t_sd)
    assert [tuple(v.shape) for v in n_sd.values()] == [tuple(v.shape) for v in t_sd.values()]
    assert n.load_state_dict(t_sd).missing_keys == []


INITS = [
    ("Conv2d", lambda nn: nn.Conv2d(16, 32, 3)),
    ("Conv2d-groups", lambda nn: nn.Conv2d(16, 32, (3, 5), groups=4)),
    ("Conv1d", lambda nn: nn.Conv1d(25, 50, 5)),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(32, 24, 4)),
    ("ConvTranspose1d-groups", lambda nn: nn.ConvTranspose1d(20, 30, 7, groups=2)),
]


@pytest.mark.parametrize("name,make", INITS, ids=[i[0] for i in INITS])
def test_default_init_matches_torch(name: str, make: Any) -> None:
    """Weights and biases U(±1/√fan_in) (kaiming-uniform, a = √5), fan_in from weight dim 1:
    bounds and a KS comparison against torch's samples (several draws pooled)."""
    neurona.manual_seed(0)
    torch.manual_seed(0)
    layers_n = [make(neurona.nn) for _ in range(4)]
    layers_t = [make(torch.nn) for _ in range(4)]
    w = layers_t[0].weight
    fan_in = w.shape[1] * int(np.prod(w.shape[2:]))
    bound = 1 / np.sqrt(fan_in)
    for key in ("weight", "bias"):
        a = np.concatenate([getattr(m, key).detach().numpy().ravel() for m in layers_n])
        b = np.concatenate([getattr(m, key).detach().numpy().ravel() for m in layers_t])
        assert a.dtype == np.float32 and np.all(np.abs(a) <= bound * (1 + 1e-6)), f"{name}.{key} bound"
        if key == "weight":
            assert_same_distribution(a, b, f"{name}.weight")
        else:  # few biases: the KS test alone (mean and std of ~100 samples are too noisy)
            assert ks_statistic(a, b) < ks_critical(a.size, b.size), f"{name}.bias distribution"


# -- shape errors ---------------------------------------------------------------------------------


def _z(lib: Any, *shape: int) -> Any:
    return lib.zeros(*shape)


ERRORS = [  # (id, call(lib, functional), substrings neurona's message must contain)
    ("conv-channels", lambda lib, F: lib.nn.Conv2d(3, 8, 3)(_z(lib, 2, 4, 8, 8)),
     ["Conv2d(3, 8, kernel_size=(3, 3)", "[2, 4, 8, 8]", "3 channels", "4 channels"]),
    ("conv1d-channels", lambda lib, F: lib.nn.Conv1d(3, 8, 3)(_z(lib, 2, 4, 8)),
     ["Conv1d(3, 8", "[2, 4, 8]", "3 channels"]),
    ("convT-channels", lambda lib, F: lib.nn.ConvTranspose2d(3, 8, 3)(_z(lib, 2, 4, 8, 8)),
     ["ConvTranspose2d(3, 8", "[2, 4, 8, 8]", "3 channels"]),
    ("conv-ndim", lambda lib, F: lib.nn.Conv2d(3, 8, 3)(_z(lib, 2, 3)), ["[2, 3]", "4-D"]),
    ("conv-kernel-too-big", lambda lib, F: lib.nn.Conv2d(3, 8, 3)(_z(lib, 2, 3, 2, 8)),
     ["(2 x 8)", "(3 x 3)", "Kernel size can't be greater than actual input size"]),
    ("functional-channels", lambda lib, F: F.conv2d(_z(lib, 1, 4, 5, 5), _z(lib, 3, 2, 3, 3)),
     ["weight of size [3, 2, 3, 3]", "[1, 4, 5, 5]", "2 channels"]),
    ("functional-groups", lambda lib, F: F.conv2d(_z(lib, 1, 4, 5, 5), _z(lib, 3, 2, 3, 3), groups=2),
     ["divisible by 2"]),
    ("bias-size", lambda lib, F: F.conv2d(_z(lib, 1, 2, 5, 5), _z(lib, 4, 2, 3, 3), _z(lib, 3)),
     ["bias", "4 elements", "[3]"]),
    ("stride-zero", lambda lib, F: F.conv2d(_z(lib, 1, 2, 3, 3), _z(lib, 4, 2, 2, 2), stride=0), ["stride"]),
    ("same-strided", lambda lib, F: F.conv2d(_z(lib, 1, 2, 3, 3), _z(lib, 4, 2, 2, 2), padding="same",
                                             stride=2), ["strided"]),
    ("padding-string", lambda lib, F: F.conv2d(_z(lib, 1, 2, 3, 3), _z(lib, 4, 2, 2, 2), padding="full"),
     ["full"]),
    ("output-padding", lambda lib, F: F.conv_transpose2d(_z(lib, 1, 2, 3, 3), _z(lib, 2, 4, 2, 2), stride=2,
                                                         output_padding=2),
     ["output padding must be smaller than either stride or dilation"]),
    ("output-size", lambda lib, F: lib.nn.ConvTranspose2d(2, 4, 3, stride=2)(_z(lib, 1, 2, 3, 3),
                                                                             output_size=(9, 9)),
     ["(9, 9)", "[7, 7]", "[8, 8]"]),
    ("module-groups", lambda lib, F: lib.nn.Conv2d(3, 4, 3, groups=2),
     ["in_channels must be divisible by groups"]),
    ("module-padding-mode", lambda lib, F: lib.nn.Conv2d(4, 4, 3, padding_mode="mirror"), ["mirror"]),
    ("module-same-strided", lambda lib, F: lib.nn.Conv2d(2, 4, 3, padding="same", stride=2), ["strided"]),
    ("convT-padding-mode", lambda lib, F: lib.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), ["zeros"]),
    ("linear-after-flatten", lambda lib, F: lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(10, 3))(
        _z(lib, 2, 3, 2, 2)), ["Linear(in_features=10", "12", "10"]),
    ("unfold-ndim", lambda lib, F: F.unfold(_z(lib, 1, 1, 2, 3, 4), 2), ["[1, 1, 2, 3, 4]"]),
    ("fold-blocks", lambda lib, F: F.fold(_z(lib, 1, 12, 30), (5, 6), (2, 3)), ["4 * 4 = 16", "30"]),
    ("pixel-unshuffle", lambda lib, F: F.pixel_unshuffle(_z(lib, 1, 2, 4, 5), 2), ["width", "5"]),
]


@pytest.mark.parametrize("name,call,parts", ERRORS, ids=[e[0] for e in ERRORS])
def test_shape_errors(name: str, call: Any, parts: list[str]) -> None:
    """neurona raises torch's exception type, and its message names the layer/shapes involved."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as t_err:
            call(torch, TF)
        with pytest.raises(Exception) as n_err:
            call(neurona, FC)
    assert type(n_err.value) is type(t_err.value), (n_err.value, t_err.value)
    for part in parts:
        assert part in str(n_err.value), f"{part!r} not in {str(n_err.value)!r}"



# -- summary ---------------------------------------------------------------------------------------


def _cnn(nn: Any) -> Any:
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                         nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d((3, 3)), nn.Flatten(),
                         nn.Linear(32 * 9, 10))


def _autoencoder(nn: Any) -> Any:
    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
                         nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1),
                         nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(4, 1, 3, padding="same"))


@pytest.mark.parametrize("make,size", [(_cnn, (2, 1, 14, 14)), (_autoencoder, (3, 1, 8, 8))])
def test_summary_of_cnns(make: Any, size: tuple) -> None:
    """Each row's output shape is what the layer's forward gives; counts equal torch's."""
    model_n, model_t = make(neurona.nn), make(torch.nn)
    info_n, info_t = neurona.summary(model_n, size), neurona.summary(model_t, size)
    x = neurona.zeros(*size)
    model_n.eval()
    shapes = []
    for layer in model_n:
        x = layer(x)
        shapes.append(list(x.shape))
    assert [r.output_shape for r in info_n.layers[1:]] == shapes
    assert [(r.type, r.output_shape, r.num_params) for r in info_n.layers] == [
        (r.type, r.output_shape, r.num_params) for r in info_t.layers]
    assert info_n.total_params == info_t.total_params == sum(p.numel() for p in model_t.parameters())
    assert "Conv2d" in str(info_n)
