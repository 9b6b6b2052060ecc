"""Pooling and resampling against PyTorch: ``MaxPool1d/2d`` (ceil_mode, padding, dilation,
return_indices, ties, NaN), ``AvgPool1d/2d`` (ceil_mode, count_include_pad, divisor_override),
``AdaptiveAvgPool1d/2d`` and ``AdaptiveMaxPool1d/2d`` (output sizes with None, larger than the
input, return_indices), ``interpolate`` / ``Upsample`` (nearest, linear, bilinear, sizes, scale
factors, align_corners, recompute_scale_factor).

Modules are built on both frameworks and compared — outputs (indices exactly), input gradients
— in float64 (tight) and float32 (loose), over hypothesis-generated configurations and inputs,
batched and unbatched; plus ``gradcheck``, ``repr`` strings and PyTorch's errors.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import neurona
import neurona.nn.functional_conv as FC
from neurona.autograd import gradcheck
from nn_parity import F32, F64, assert_close, pair, seed_of

DTYPES = st.sampled_from([F64, F32])
TF = torch.nn.functional


def loose(dtype: str) -> dict:
    return {} if dtype == F64 else dict(rtol=1e-4, atol=1e-4)


def module_parity(make: Any, x: np.ndarray, dtype: str, what: str) -> None:
    """``make(nn)`` on both frameworks applied to ``x``: outputs (a tuple's integer entries
    exactly), then the gradient of the input for the same random upstream gradient."""
    xn, xt = pair(x.astype(dtype), True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_n, out_t = make(neurona.nn)(xn), make(torch.nn)(xt)
    outs_n = out_n if isinstance(out_n, tuple) else (out_n,)
    outs_t = out_t if isinstance(out_t, tuple) else (out_t,)
    assert len(outs_n) == len(outs_t), what
    for i, (a, b) in enumerate(zip(outs_n, outs_t)):
        assert_close(a, b, dtype, f"{what} output {i}", **loose(dtype))
    up = np.random.default_rng(seed_of(what)).standard_normal(tuple(outs_t[0].shape)).astype(dtype)
    outs_n[0].backward(neurona.tensor(up))
    outs_t[0].backward(torch.from_numpy(up))
    assert_close(xn.grad, xt.grad, dtype, f"{what} input grad", **loose(dtype))


def values(draw: Any, shape: tuple, seed_text: str) -> np.ndarray:
    """Random normals, or small integers (many exact ties: the first-maximum rule matters)."""
    rng = np.random.default_rng(seed_of(seed_text))
    if draw(st.booleans()):
        return rng.integers(-2, 3, shape).astype(np.float64)
    return rng.standard_normal(shape)


@st.composite
def pool_configs(draw: Any, spatial: int, kind: str) -> dict:
    """Kernel (an int or a tuple), stride (None: the kernel), padding up to half the
    kernel (PyTorch's limit), dilation (max only), ceil_mode, sizes with at least
    one window, batch 1-2 or unbatched."""
    as_int = spatial == 2 and draw(st.booleans())
    k = tuple(draw(st.integers(1, 4)) for _ in range(spatial))
    if as_int:
        k = (k[0],) * spatial
    d = tuple(draw(st.integers(1, 2)) for _ in range(spatial)) if kind == "max" else (1,) * spatial
    p = tuple(draw(st.integers(0, ki // 2)) for ki in k)  # PyTorch's limit (max pooling too)
    stride = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 4)] * spatial)))
    size = tuple(max(1, di * (ki - 1) + 1 - 2 * pi) + draw(st.integers(0, 5)) for ki, di, pi in zip(k, d, p))
    batch = draw(st.sampled_from([None, 1, 2]))
    cfg = dict(kernel_size=k[0] if as_int else k, stride=stride, padding=p, ceil_mode=draw(st.booleans()),
               shape=((batch,) if batch else ()) + (draw(st.integers(1, 3)), *size))
    if kind == "max":
        cfg.update(dilation=d, return_indices=draw(st.booleans()))
    else:
        cfg.update(count_include_pad=draw(st.booleans()))
        if spatial == 2 and draw(st.booleans()):
            cfg.update(divisor_override=draw(st.integers(1, 5)))
    return cfg


def _pool(nn: Any, name: str, cfg: dict) -> Any:
    return getattr(nn, name)(**{k: v for k, v in cfg.items() if k != "shape"})


@given(data=st.data(), spatial=st.sampled_from([1, 2]), dtype=DTYPES)
def test_max_pool_parity(data: Any, spatial: int, dtype: str) -> None:
    cfg = data.draw(pool_configs(spatial, "max"))
    name = f"MaxPool{spatial}d"
    x = values(data.draw, cfg["shape"], f"{name}{cfg}")
    # a dilated window can miss the input entirely: PyTorch's −∞ there (and its index, which
    # wraps into the next row) is a degenerate case left out
    out = _pool(torch.nn, name, {**cfg, "return_indices": False})(torch.from_numpy(x))
    assume(bool(torch.isfinite(out).all()))
    module_parity(lambda nn: _pool(nn, name, cfg), x, dtype, f"{name} {cfg}")


@given(data=st.data(), spatial=st.sampled_from([1, 2]), dtype=DTYPES)
def test_avg_pool_parity(data: Any, spatial: int, dtype: str) -> None:
    cfg = data.draw(pool_configs(spatial, "avg"))
    name = f"AvgPool{spatial}d"
    x = np.random.default_rng(seed_of(name, cfg)).standard_normal(cfg["shape"])
    module_parity(lambda nn: _pool(nn, name, cfg), x, dtype, f"{name} {cfg}")


@st.composite
def adaptive_configs(draw: Any, spatial: int) -> dict:
    size = tuple(draw(st.integers(1, 9)) for _ in range(spatial))
    entry = st.one_of(st.integers(1, 11), st.none()) if spatial == 2 else st.integers(1, 11)
    out: Any = tuple(draw(entry) for _ in range(spatial))
    if spatial == 1 or draw(st.booleans()):  # a plain int
        out = out[0] if out[0] is not None else 2
    batch = draw(st.sampled_from([None, 1, 3]))
    return dict(output_size=out, shape=((batch,) if batch else ()) + (draw(st.integers(1, 3)), *size))


@given(data=st.data(), spatial=st.sampled_from([1, 2]), mode=st.sampled_from(["Avg", "Max"]), dtype=DTYPES)
def test_adaptive_pool_parity(data: Any, spatial: int, mode: str, dtype: str) -> None:
    cfg = data.draw(adaptive_configs(spatial))
    name = f"Adaptive{mode}Pool{spatial}d"
    kw = {"output_size": cfg["output_size"]}
    if mode == "Max":
        kw["return_indices"] = data.draw(st.booleans())
    x = values(data.draw, cfg["shape"], f"{name}{cfg}")
    module_parity(lambda nn: getattr(nn, name)(**kw), x, dtype, f"{name} {cfg} {kw}")


def test_max_pool_ties_go_to_the_first_maximum() -> None:
    """All-equal windows, and a maximum at (0, 1) and (1, 0): PyTorch picks the first in
    row-major order, for the gradient and for return_indices (also through padding)."""
    x = np.array([[[[1, 3, 2, 2], [3, 0, 2, 2], [0, 0, 5, 5], [0, 0, 5, 5]]]], dtype=np.float64)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
               dict(kernel_size=2, stride=1, dilation=2), dict(kernel_size=3, stride=2, ceil_mode=True)):
        module_parity(lambda nn, kw=kw: nn.MaxPool2d(**kw, return_indices=True), x, F64, f"ties {kw}")


def test_max_pool_nan_and_infinity() -> None:
    """NaN propagates and takes the gradient (PyTorch: the last NaN of the window); a window
    of −∞ points at its first cell inside the input."""
    x = np.array([[[[np.nan, 1, 2, np.nan], [0, np.nan, 2, 1], [-np.inf, -np.inf, 1, 1],
                    [-np.inf, -np.inf, 1, 1]]]])
    for kw in (dict(kernel_size=2), dict(kernel_size=2, stride=1, padding=1), dict(kernel_size=3, stride=3,
                                                                                   ceil_mode=True)):
        module_parity(lambda nn, kw=kw: nn.MaxPool2d(**kw, return_indices=True), x, F64, f"nan {kw}")
    module_parity(lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True), x, F64, "adaptive nan")


def test_max_pool_on_integers() -> None:
    x = np.arange(2 * 3 * 5 * 4).reshape(2, 3, 5, 4) % 7
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        out_n = FC.max_pool2d(neurona.tensor(x), **kw)
        out_t = TF.max_pool2d(torch.from_numpy(x), **kw)
        assert_close(out_n, out_t, F64, f"int max_pool {kw}")


# -- interpolate / Upsample -----------------------------------------------------------------------


@st.composite
def interp_configs(draw: Any) -> dict:
    spatial = draw(st.sampled_from([1, 2]))
    mode = draw(st.sampled_from(["nearest", "linear" if spatial == 1 else "bilinear"]))
    size_in = tuple(draw(st.integers(1, 7)) for _ in range(spatial))
    kw: dict = {"mode": mode}
    if draw(st.booleans()):
        sizes = tuple(draw(st.integers(1, 12)) for _ in range(spatial))
        kw["size"] = sizes if spatial == 2 and draw(st.booleans()) else sizes[0]
    else:
        factors = [draw(st.sampled_from([0.5, 0.7, 1.0, 4 / 3, 1.5, 2.0, 2.5, 3.0])) for _ in range(spatial)]
        factors = [max(f, 1.0 / n + 1e-9) if f < 1 else f for f, n in zip(factors, size_in)]
        kw["scale_factor"] = tuple(factors) if spatial == 2 and draw(st.booleans()) else factors[0]
        if isinstance(kw["scale_factor"], float):
            kw["scale_factor"] = max(kw["scale_factor"], max(1.0 / n for n in size_in))
        kw["recompute_scale_factor"] = draw(st.sampled_from([None, True, False]))
    if mode != "nearest":
        kw["align_corners"] = draw(st.sampled_from([None, True, False]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size_in)
    return dict(kw=kw, shape=shape)


@given(cfg=interp_configs(), dtype=DTYPES)
def test_interpolate_parity(cfg: dict, dtype: str) -> None:
    x = np.random.default_rng(seed_of("interp", cfg)).standard_normal(cfg["shape"])
    xn, xt = pair(x.astype(dtype), True)
    out_n, out_t = FC.interpolate(xn, **cfg["kw"]), TF.interpolate(xt, **cfg["kw"])
    what = f"interpolate {cfg}"
    assert_close(out_n, out_t, dtype, what, **loose(dtype))
    n_in, n_out = cfg["shape"][-1], out_t.shape[-1]
    if len(cfg["shape"]) == 3 and cfg["kw"]["mode"] == "nearest" and n_out in (n_in, 2 * n_in):
        # PyTorch's 1-D nearest backward short-cuts these sizes, its forward does not: its
        # gradient is then not the forward's adjoint; neurona's is (checked by gradcheck)
        return
    up = np.random.default_rng(seed_of(what)).standard_normal(tuple(out_t.shape)).astype(dtype)
    out_n.backward(neurona.tensor(up))
    out_t.backward(torch.from_numpy(up))
    assert_close(xn.grad, xt.grad, dtype, f"{what} grad", **loose(dtype))


UPSAMPLE = [
    lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(5, 7), mode="bilinear"),
    lambda nn: nn.Upsample(scale_factor=(1.5, 2), mode="bilinear", align_corners=True),
    lambda nn: nn.UpsamplingNearest2d(scale_factor=3),
    lambda nn: nn.UpsamplingBilinear2d(size=6),
]


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("make", UPSAMPLE, ids=range(len(UPSAMPLE)))
def test_upsample_modules(make: Any, dtype: str) -> None:
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    module_parity(make, x, dtype, f"Upsample {make(torch.nn)}")
    assert repr(make(neurona.nn)) == repr(make(torch.nn))


def test_upsample_1d() -> None:
    x = np.random.default_rng(2).standard_normal((2, 3, 5))
    module_parity(lambda nn: nn.Upsample(scale_factor=2.5, mode="linear"), x, F64, "Upsample 1d")


# -- gradcheck, repr, errors ----------------------------------------------------------------------


def _t64(*shape: int, seed: int = 0) -> Any:
    return neurona.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


GRADCHECKS = [
    ("max_pool2d", lambda x: FC.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), (2, 2, 5, 6)),
    ("max_pool2d-tiles", lambda x: FC.max_pool2d(x, 2), (2, 2, 5, 4)),
    ("max_pool1d-dilated", lambda x: FC.max_pool1d(x, 2, stride=1, dilation=2), (2, 3, 6)),
    ("avg_pool2d", lambda x: FC.avg_pool2d(x, 3, 2, 1, True, False), (2, 2, 5, 6)),
    ("avg_pool2d-divisor", lambda x: FC.avg_pool2d(x, 2, divisor_override=3), (1, 2, 4, 4)),
    ("avg_pool1d", lambda x: FC.avg_pool1d(x, 3, 2, 1), (2, 2, 7)),
    ("adaptive_avg_pool2d", lambda x: FC.adaptive_avg_pool2d(x, (3, 2)), (2, 2, 5, 7)),
    ("adaptive_max_pool2d", lambda x: FC.adaptive_max_pool2d(x, (3, 4)), (2, 2, 5, 7)),
    ("adaptive_max_pool1d", lambda x: FC.adaptive_max_pool1d(x, 4), (2, 2, 5)),
    ("bilinear", lambda x: FC.interpolate(x, size=(5, 3), mode="bilinear"), (2, 2, 3, 4)),
    ("bilinear-corners", lambda x: FC.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=True),
     (1, 2, 3, 4)),
    ("nearest", lambda x: FC.interpolate(x, scale_factor=2.5), (1, 2, 3)),
    ("nearest-1d-same-size", lambda x: FC.interpolate(x, scale_factor=4 / 3), (1, 2, 2)),
    ("nearest-2d-doubled", lambda x: FC.interpolate(x, scale_factor=(1, 2.0001)), (1, 1, 2, 4)),
]


@pytest.mark.parametrize("name,fn,shape", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck(name: str, fn: Any, shape: tuple) -> None:
    assert gradcheck(fn, (_t64(*shape),))


MODULES = [
    lambda nn: nn.MaxPool2d(2),
    lambda nn: nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2, ceil_mode=True),
    lambda nn: nn.MaxPool1d(3, 2, 1, return_indices=True),
    lambda nn: nn.AvgPool2d(3, ceil_mode=True, count_include_pad=False),
    lambda nn: nn.AvgPool2d((2, 1), stride=(1, 2), padding=(1, 0), divisor_override=2),
    lambda nn: nn.AvgPool1d(3),
    lambda nn: nn.AvgPool1d(4, 2, 1),
    lambda nn: nn.AdaptiveAvgPool2d((None, 3)),
    lambda nn: nn.AdaptiveAvgPool2d(1),
    lambda nn: nn.AdaptiveAvgPool1d(5),
    lambda nn: nn.AdaptiveMaxPool2d((2, 2), return_indices=True),
    lambda nn: nn.AdaptiveMaxPool1d(3),
    lambda nn: nn.Upsample(scale_factor=(2, 3)),
    lambda nn: nn.Upsample(size=4, mode="linear", align_corners=False),
    lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
    lambda nn: nn.UpsamplingNearest2d(size=(3, 4)),
]


@pytest.mark.parametrize("make", MODULES, ids=range(len(MODULES)))
def test_repr_and_no_state(make: Any) -> None:
    n, t = make(neurona.nn), make(torch.nn)
    assert repr(n) == repr(t)
    assert list(n.state_dict()) == list(t.state_dict()) == []


def _z(lib: Any, *shape: int) -> Any:
    return lib.zeros(*shape)


ERRORS = [  # (id, call(lib, functional), substrings neurona's message must contain)
    ("max-too-small", lambda lib, F: F.max_pool2d(_z(lib, 1, 16, 1, 1), 2),
     ["(16x1x1)", "(16x0x0)", "Output size is too small"]),
    ("avg-too-small", lambda lib, F: F.avg_pool2d(_z(lib, 1, 16, 1, 1), 2), ["(16x0x0)"]),
    ("max1d-too-small", lambda lib, F: F.max_pool1d(_z(lib, 1, 2, 1), 2), ["max_pool1d", "0"]),
    ("pad-too-big", lambda lib, F: F.max_pool2d(_z(lib, 1, 2, 4, 4), 2, padding=2),
     ["pad should be at most half of effective kernel size"]),
    ("pad-dilated", lambda lib, F: F.max_pool2d(_z(lib, 1, 2, 9, 9), 3, 1, 2, 2), ["padW = 2, padH = 2"]),
    ("pad-dilated-1d", lambda lib, F: F.max_pool1d(_z(lib, 1, 2, 9), 4, 1, 3, 2), ["max_pool1d() padding"]),
    ("stride-zero", lambda lib, F: F.max_pool2d(_z(lib, 1, 1, 4, 4), 2, stride=0), ["stride"]),
    ("pool-ndim", lambda lib, F: lib.nn.MaxPool2d(2)(_z(lib, 2, 3)), ["[2, 3]"]),
    ("adaptive-ndim", lambda lib, F: F.adaptive_avg_pool2d(_z(lib, 16, 4), 2), ["[16, 4]"]),
    ("adaptive-size", lambda lib, F: F.adaptive_avg_pool2d(_z(lib, 1, 2, 5, 5), (2, 3, 4)), ["output_size"]),
    ("interp-linear-4d", lambda lib, F: F.interpolate(_z(lib, 1, 2, 3, 4), size=5, mode="linear"),
     ["linear mode needs 3D input"]),
    ("interp-bilinear-3d", lambda lib, F: F.interpolate(_z(lib, 1, 2, 3), size=5, mode="bilinear"),
     ["bilinear mode needs 4D input"]),
    ("interp-2d", lambda lib, F: F.interpolate(_z(lib, 2, 3), size=5), ["got 2D"]),
    ("interp-both", lambda lib, F: F.interpolate(_z(lib, 1, 2, 3), size=5, scale_factor=2), ["only one"]),
    ("interp-none", lambda lib, F: F.interpolate(_z(lib, 1, 2, 3)), ["either size or scale_factor"]),
    ("interp-corners", lambda lib, F: F.interpolate(_z(lib, 1, 2, 3), size=5, align_corners=True),
     ["align_corners"]),
    ("interp-size-len", lambda lib, F: F.interpolate(_z(lib, 1, 2, 3, 3), size=(5, 4, 3)), ["(5, 4, 3)"]),
    ("interp-mode", lambda lib, F: F.interpolate(_z(lib, 1, 2, 3, 4), size=5, mode="foo"), ["(got foo)"]),
]


@pytest.mark.parametrize("name,call,parts", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name: str, call: Any, parts: list[str]) -> None:
    with pytest.raises(Exception) as t_err:
        call(torch, TF)
    with pytest.raises(Exception) as n_err:
        call(neurona, FC)
    assert type(n_err.value) is type(t_err.value), (n_err.value, t_err.value)
    for part in parts:
        assert part in str(n_err.value), f"{part!r} not in {str(n_err.value)!r}"


def test_pooled_float32_stays_float32() -> None:
    x = neurona.randn(2, 3, 6, 6)
    for y in (FC.max_pool2d(x, 2), FC.avg_pool2d(x, 3, 1, 1), FC.adaptive_avg_pool2d(x, 4),
              FC.adaptive_max_pool2d(x, 4), FC.interpolate(x, scale_factor=2, mode="bilinear")):
        assert y.dtype == neurona.float32 and y.is_contiguous()
    _, idx = FC.max_pool2d(x, 2, return_indices=True)
    assert idx.dtype == neurona.int64


def test_unchanged_and_doubled_sizes() -> None:
    """2-D 'nearest' keeps an unchanged size as is and doubles by ⌊dst/2⌋ whatever the scale
    factor (PyTorch's 2-D kernel); 1-D applies ⌊dst·r⌋ (PyTorch's 1-D forward)."""
    x = np.arange(4.0)
    for shape, sf in (((1, 1, 4), 2.0001), ((1, 1, 1, 4), (1, 2.0001)), ((1, 1, 4), 1.2),
                      ((1, 1, 1, 4), (1, 1.2))):
        out_n = FC.interpolate(neurona.tensor(x.reshape(shape)), scale_factor=sf)
        out_t = TF.interpolate(torch.from_numpy(x.reshape(shape)), scale_factor=sf)
        assert_close(out_n, out_t, F64, f"nearest {shape} {sf}")
    # linear modes copy an axis whose size does not change, whatever the scale factor
    x = np.arange(6.0)
    for shape, sf, mode in (((1, 1, 3, 2), (1.5, 4 / 3), "bilinear"), ((1, 1, 2, 3), (1.2, 1.5), "bilinear"),
                            ((1, 2, 3), 1.2, "linear")):
        module_parity(lambda nn, sf=sf, mode=mode: nn.Upsample(scale_factor=sf, mode=mode),
                      x.reshape(shape), F64, f"{mode} {shape} {sf}")
