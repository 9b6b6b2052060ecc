"""scaled_dot_product_attention, MultiheadAttention and the Transformer modules against PyTorch:
the same weights (``load_state_dict``), inputs, masks and upstream gradients; outputs, attention
weights, input gradients and every parameter gradient are compared (float64 tight, float32
loose), plus masks' edge cases, state dicts, reprs, initialisation and errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import neurona
import neurona.nn.functional as NF
from neurona.autograd import gradcheck
from nn_parity import F32, F64, assert_close, build_pair, seed_of, to_np

TOL32 = {"rtol": 2e-4, "atol": 2e-5}


def _tol(dtype: str) -> dict:
    return {} if dtype == F64 else TOL32


def _leaf(arr: np.ndarray) -> tuple[Any, Any]:
    return neurona.tensor(arr.copy(), requires_grad=True), torch.tensor(arr.copy(), requires_grad=True)


def _const(arr: np.ndarray | None) -> tuple[Any, Any]:
    if arr is None:
        return None, None
    return neurona.tensor(arr.copy()), torch.from_numpy(arr.copy())


def _outputs(res: Any) -> list:
    if isinstance(res, (tuple, list)):
        return [r for r in res if r is not None]
    return [res]


def _backward_and_compare(n_out: list, t_out: list, n_leaves: list, t_leaves: list, dtype: str, where: str,
                          rng: np.random.Generator, nm: Any = None, tm: Any = None) -> None:
    assert len(n_out) == len(t_out), f"{where}: {len(n_out)} outputs vs {len(t_out)}"
    n_loss, t_loss = 0, 0
    for k, (a, b) in enumerate(zip(n_out, t_out)):
        assert_close(a, b, dtype, f"{where}: output {k}", **_tol(dtype))
        up = rng.standard_normal(tuple(b.shape)).astype(dtype)
        n_loss = n_loss + (a * neurona.tensor(up)).sum()
        t_loss = t_loss + (b * torch.from_numpy(up)).sum()
    n_loss.backward()
    t_loss.backward()
    for k, (a, b) in enumerate(zip(n_leaves, t_leaves)):
        if b.grad is None:
            assert a.grad is None, f"{where}: leaf {k} got a gradient, torch's is None"
            continue
        assert a.grad is not None, f"{where}: leaf {k} got no gradient"
        assert_close(a.grad, b.grad, dtype, f"{where}: grad of leaf {k}", **_tol(dtype))
    if nm is not None:
        n_params = dict(nm.named_parameters())
        assert list(n_params) == [k for k, _ in tm.named_parameters()], where
        for key, tp in tm.named_parameters():
            if tp.grad is None:
                assert n_params[key].grad is None, f"{where}: {key} got a gradient, torch's is None"
            else:
                assert n_params[key].grad is not None, f"{where}: {key} got no gradient"
                assert_close(n_params[key].grad, tp.grad, dtype, f"{where}: grad of {key}", **_tol(dtype))


# -- scaled_dot_product_attention -----------------------------------------------------------------

SDPA_CASES = {
    "plain-3d": dict(q=(2, 4, 8), k=(2, 5, 8), v=(2, 5, 6)),
    "plain-4d": dict(q=(2, 3, 4, 8), k=(2, 3, 5, 8), v=(2, 3, 5, 8)),
    "unbatched-2d": dict(q=(4, 8), k=(6, 8), v=(6, 3)),
    "bool-mask": dict(q=(2, 3, 4, 8), k=(2, 3, 5, 8), v=(2, 3, 5, 8), mask="bool", mask_shape=(4, 5)),
    "bool-mask-bcast": dict(q=(2, 3, 4, 8), k=(2, 3, 5, 8), v=(2, 3, 5, 8), mask="bool",
                            mask_shape=(2, 1, 4, 5)),
    "float-mask": dict(q=(2, 3, 4, 8), k=(2, 3, 5, 8), v=(2, 3, 5, 8), mask="float", mask_shape=(3, 4, 5)),
    "float-mask-grad": dict(q=(2, 4, 8), k=(2, 5, 8), v=(2, 5, 8), mask="float-grad", mask_shape=(2, 4, 5)),
    "causal": dict(q=(2, 3, 5, 8), k=(2, 3, 5, 8), v=(2, 3, 5, 8), is_causal=True),
    "causal-rect": dict(q=(2, 4, 8), k=(2, 6, 8), v=(2, 6, 8), is_causal=True),
    "scale": dict(q=(2, 4, 8), k=(2, 5, 8), v=(2, 5, 8), scale=0.37),
    "masked-rows-bool": dict(q=(2, 3, 4, 8), k=(2, 3, 5, 8), v=(2, 3, 5, 8), mask="bool-rows",
                             mask_shape=(4, 5)),
    "masked-rows-float": dict(q=(2, 4, 8), k=(2, 5, 8), v=(2, 5, 8), mask="float-rows", mask_shape=(4, 5)),
    "gqa": dict(q=(2, 4, 3, 8), k=(2, 2, 5, 8), v=(2, 2, 5, 8), enable_gqa=True),
}


def _mask_array(kind: str, shape: tuple, dtype: str, rng: np.random.Generator) -> np.ndarray:
    if kind.startswith("bool"):
        m = rng.random(shape) > 0.3
        m[..., 0] = True  # at least one key per query...
        if kind == "bool-rows":
            m[..., 1, :] = False  # ...except query 1: all of its keys masked
        return m
    m = rng.standard_normal(shape).astype(dtype)
    if kind == "float-rows":
        m[..., 2, :] = -np.inf
    return m


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_sdpa_parity(case: str, dtype: str) -> None:
    spec = SDPA_CASES[case]
    rng = np.random.default_rng(seed_of("sdpa", case, dtype))
    (nq, tq), (nk, tk), (nv, tv) = (_leaf(rng.standard_normal(spec[n]).astype(dtype)) for n in "qkv")
    n_leaves, t_leaves = [nq, nk, nv], [tq, tk, tv]
    kw: dict = {k: spec[k] for k in ("is_causal", "scale", "enable_gqa") if k in spec}
    n_kw, t_kw = dict(kw), dict(kw)
    if "mask" in spec:
        arr = _mask_array(spec["mask"], spec["mask_shape"], dtype, rng)
        if spec["mask"] == "float-grad":
            nm, tm = _leaf(arr)
            n_leaves.append(nm)
            t_leaves.append(tm)
        else:
            nm, tm = _const(arr)
        n_kw["attn_mask"], t_kw["attn_mask"] = nm, tm
    n_out = NF.scaled_dot_product_attention(nq, nk, nv, **n_kw)
    t_out = TF.scaled_dot_product_attention(tq, tk, tv, **t_kw)
    _backward_and_compare([n_out], [t_out], n_leaves, t_leaves, dtype, f"sdpa {case}", rng)
    if case.startswith("masked-rows"):
        assert np.all(to_np(n_out)[..., 1 if "bool" in case else 2, :] == 0)


def test_sdpa_dropout_statistics() -> None:
    """With V = I the output is the dropped-out weights: zeros with probability p, the rest
    softmax/(1 − p); dropout_p = 0 is deterministic."""
    rng = np.random.default_rng(0)
    q, k = neurona.tensor(rng.standard_normal((64, 16, 8))), neurona.tensor(rng.standard_normal((64, 16, 8)))
    v = neurona.tensor(np.broadcast_to(np.eye(16), (64, 16, 16)).copy())
    p = NF.scaled_dot_product_attention(q, k, v).numpy()
    neurona.manual_seed(0)
    d = NF.scaled_dot_product_attention(q, k, v, dropout_p=0.25).numpy()
    kept = d != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(d[kept], p[kept] / 0.75, rtol=1e-12)


def test_sdpa_gradcheck() -> None:
    rng = np.random.default_rng(1)
    shapes = ((2, 3, 4), (2, 5, 4), (2, 5, 3))
    args = [neurona.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    mask = neurona.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    assert gradcheck(lambda q, k, v, m: NF.scaled_dot_product_attention(q, k, v, attn_mask=m), (*args, mask))
    assert gradcheck(lambda q, k, v: NF.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
                     args)


@pytest.mark.parametrize("call,match", [
    (lambda m, t: m.nn.functional.scaled_dot_product_attention(t(2, 4, 8), t(2, 5, 8).double(), t(2, 5, 8)),
     "Expected query, key, and value to have the same dtype, but got query.dtype: float key.dtype: double"),
    (lambda m, t: m.nn.functional.scaled_dot_product_attention(t(8), t(8), t(8)), "at least 2 dimensional"),
    (lambda m, t: m.nn.functional.scaled_dot_product_attention(t(2, 4, 8), t(2, 4, 8), t(2, 4, 8),
                                                               attn_mask=t(4, 4).long()),
     "Expected attn_mask dtype to be bool or float or to match query dtype"),
    (lambda m, t: m.nn.functional.scaled_dot_product_attention(t(1, 4, 3, 8), t(1, 3, 5, 8), t(1, 3, 5, 8),
                                                               enable_gqa=True),
     "Number of heads in key and value must divide the number of heads in"),
    (lambda m, t: m.nn.functional.scaled_dot_product_attention(t(2, 4, 8), t(2, 4, 8),
                                                               t(2, 4, 8).requires_grad_(),
                                                               attn_mask=t(4, 4), is_causal=True),
     "Explicit attn_mask should not be set when is_causal=True"),
])
def test_sdpa_errors(call: Any, match: str) -> None:
    with pytest.raises(RuntimeError):
        call(torch, lambda *s: torch.zeros(s))
    with pytest.raises(RuntimeError, match=match.replace("(", r"\(")):
        call(neurona, lambda *s: neurona.zeros(*s))


# -- MultiheadAttention ------------------------------------------------------------------------------

MHA_CASES = {
    "self": dict(),
    "self-bf": dict(batch_first=True),
    "cross": dict(cross=True),
    "cross-kv-same": dict(cross="kv"),
    "kdim-vdim": dict(kdim=3, vdim=5, cross=True),
    "kdim-vdim-bf": dict(kdim=3, vdim=5, cross=True, batch_first=True),
    "nobias": dict(bias=False),
    "bias-kv-zero-attn": dict(add_bias_kv=True, add_zero_attn=True, kpm="bool", attn_mask="bool2"),
    "kpm-bool": dict(kpm="bool"),
    "kpm-float": dict(kpm="float"),
    "attn-bool-2d": dict(attn_mask="bool2"),
    "attn-float-3d": dict(attn_mask="float3"),
    "attn-float-grad": dict(attn_mask="float2-grad"),
    "both-masks-bf": dict(kpm="bool", attn_mask="bool3", batch_first=True),
    "no-weights": dict(need_weights=False, kpm="bool", attn_mask="float2"),
    "per-head-weights": dict(average_attn_weights=False, kpm="bool"),
    "causal-hint": dict(attn_mask="causal", is_causal=True, need_weights=False),
    "causal-hint-kpm": dict(attn_mask="causal", is_causal=True, need_weights=False, kpm="bool"),
    "unbatched": dict(unbatched=True, kpm="bool", attn_mask="float3"),
    "unbatched-cross": dict(unbatched=True, kdim=3, vdim=5, cross=True),
}


def _mha_masks(spec: dict, bsz: int, heads: int, tgt: int, src: int, dtype: str,
               rng: np.random.Generator) -> tuple[dict, dict, list, list]:
    n_kw: dict = {}
    t_kw: dict = {}
    n_leaves: list = []
    t_leaves: list = []
    unb = spec.get("unbatched")
    if "kpm" in spec:
        shape = (src,) if unb else (bsz, src)
        m = rng.random(shape) > 0.7
        m[..., 0] = False
        arr = m if spec["kpm"] == "bool" else np.where(m, -1e9, rng.standard_normal(shape)).astype(dtype)
        n_kw["key_padding_mask"], t_kw["key_padding_mask"] = _const(arr)
    kind = spec.get("attn_mask")
    if kind is not None:
        if kind == "causal":
            arr = np.triu(np.full((tgt, src), -np.inf), 1).astype(dtype)
        else:
            two_d = kind.startswith(("bool2", "float2"))
            shape = (tgt, src) if two_d else ((heads if unb else bsz * heads), tgt, src)
            if kind.startswith("bool"):
                arr = rng.random(shape) > 0.7
                arr[..., 0] = False
            else:
                arr = rng.standard_normal(shape).astype(dtype)
        if kind.endswith("grad"):
            a, b = _leaf(arr)
            n_leaves.append(a)
            t_leaves.append(b)
        else:
            a, b = _const(arr)
        n_kw["attn_mask"], t_kw["attn_mask"] = a, b
    for key in ("need_weights", "average_attn_weights", "is_causal"):
        if key in spec:
            n_kw[key] = t_kw[key] = spec[key]
    return n_kw, t_kw, n_leaves, t_leaves


MHA_PARAMS = [pytest.param(case, dtype, id=f"{case}-{dtype}") for case in MHA_CASES for dtype in (F64, F32)
              if dtype == F64 or case in ("self", "self-bf", "kdim-vdim", "both-masks-bf", "no-weights")]


@pytest.mark.filterwarnings("ignore:Support for mismatched")
@pytest.mark.parametrize("case,dtype", MHA_PARAMS)
def test_mha_parity(case: str, dtype: str) -> None:
    spec = MHA_CASES[case]
    keys = ("kdim", "vdim", "batch_first", "bias", "add_bias_kv", "add_zero_attn")
    ctor = {k: spec[k] for k in keys if k in spec}
    nm, tm = build_pair(lambda nn: nn.MultiheadAttention(8, 2, **ctor), dtype)
    rng = np.random.default_rng(seed_of("mha", case, dtype))
    bsz, tgt, src = 3, 4, 6 if spec.get("cross") else 4
    kdim, vdim = spec.get("kdim", 8), spec.get("vdim", 8)

    def shape(length: int, dim: int) -> tuple:
        if spec.get("unbatched"):
            return (length, dim)
        return (bsz, length, dim) if spec.get("batch_first") else (length, bsz, dim)

    nq, tq = _leaf(rng.standard_normal(shape(tgt, 8)).astype(dtype))
    n_leaves, t_leaves = [nq], [tq]
    if not spec.get("cross"):
        nk = nv = nq
        tk = tv = tq
    else:
        nk, tk = _leaf(rng.standard_normal(shape(src, kdim)).astype(dtype))
        n_leaves.append(nk)
        t_leaves.append(tk)
        if spec["cross"] == "kv":
            nv, tv = nk, tk
        else:
            nv, tv = _leaf(rng.standard_normal(shape(src, vdim)).astype(dtype))
            n_leaves.append(nv)
            t_leaves.append(tv)
    n_kw, t_kw, ml_n, ml_t = _mha_masks(spec, bsz, 2, tgt, src, dtype, rng)
    n_res = nm(nq, nk, nv, **n_kw)
    t_res = tm(tq, tk, tv, **t_kw)
    assert (n_res[1] is None) == (t_res[1] is None)
    _backward_and_compare(_outputs(n_res), _outputs(t_res), n_leaves + ml_n, t_leaves + ml_t, dtype,
                          f"mha {case}", rng, nm, tm)


def test_mha_fully_masked_rows() -> None:
    """A batch entry whose keys are all padding: NaN with need_weights (an explicit softmax of
    −∞), zeros without (scaled_dot_product_attention), as PyTorch."""
    nm, tm = build_pair(lambda nn: nn.MultiheadAttention(8, 2), F64)
    x = np.random.default_rng(0).standard_normal((5, 2, 8))
    kpm = np.zeros((2, 5), bool)
    kpm[1] = True
    for need in (True, False):
        n_out = nm(*[neurona.tensor(x)] * 3, key_padding_mask=neurona.tensor(kpm), need_weights=need)
        t_out = tm(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(kpm), need_weights=need)
        for a, b in zip(_outputs(n_out), _outputs(t_out)):
            assert_close(a, b, F64, f"fully masked, need_weights={need}")


def test_mha_dropout() -> None:
    """dropout acts in training only: eval equals torch's eval; in training about p of the
    attention weights are zero and the others are the eval weights / (1 − p)."""
    nm, tm = build_pair(lambda nn: nn.MultiheadAttention(8, 2, dropout=0.5), F64)
    x = np.random.default_rng(0).standard_normal((6, 3, 8))
    nm.eval()
    tm.eval()
    for a, b in zip(nm(*[neurona.tensor(x)] * 3), tm(*[torch.tensor(x)] * 3)):
        assert_close(a, b, F64, "eval")
    p = to_np(nm(*[neurona.tensor(x)] * 3, average_attn_weights=False)[1])
    nm.train()
    neurona.manual_seed(0)
    w = to_np(nm(*[neurona.tensor(x)] * 3, average_attn_weights=False)[1])
    kept = w != 0
    assert 0.4 < 1 - kept.mean() < 0.6
    np.testing.assert_allclose(w[kept], p[kept] * 2, rtol=1e-12)


def test_mha_init() -> None:
    neurona.manual_seed(0)
    m = neurona.nn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = np.sqrt(6 / (64 + 3 * 64))  # xavier_uniform on (3E, E)
    w = to_np(m.in_proj_weight)
    assert np.abs(w).max() <= bound and abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound
    assert np.all(to_np(m.in_proj_bias) == 0) and np.all(to_np(m.out_proj.bias) == 0)
    assert tuple(m.bias_k.shape) == (1, 1, 64)
    sep = neurona.nn.MultiheadAttention(8, 2, kdim=3, vdim=5)
    assert sep.in_proj_weight is None and tuple(sep.k_proj_weight.shape) == (8, 3)


@pytest.mark.parametrize("call,exc,match", [
    (lambda m: m.nn.MultiheadAttention(10, 3), AssertionError, "embed_dim must be divisible by num_heads"),
    (lambda m: m.nn.MultiheadAttention(0, 3), ValueError, "embed_dim and num_heads must be greater than 0"),
    (lambda m: m.nn.MultiheadAttention(8, 2)(*[m.zeros(4, 2, 6)] * 3), AssertionError,
     "was expecting embedding dimension of 8, but got 6"),
    (lambda m: m.nn.MultiheadAttention(8, 2)(*[m.zeros(4, 2, 8)] * 3, attn_mask=m.zeros(4, 5)), RuntimeError,
     "The shape of the 2D attn_mask is torch.Size([4, 5]), but should be (4, 4)."),
    (lambda m: m.nn.MultiheadAttention(8, 2)(*[m.zeros(4, 2, 8)] * 3, attn_mask=m.zeros(2, 4, 4)),
     RuntimeError,
     "The shape of the 3D attn_mask is torch.Size([2, 4, 4]), but should be (4, 4, 4)."),
    (lambda m: m.nn.MultiheadAttention(8, 2)(*[m.zeros(4, 2, 8)] * 3, key_padding_mask=m.zeros(2, 3)),
     AssertionError, "Expected key_padded_mask.shape[1] to be 4, but got 3"),
    (lambda m: m.nn.MultiheadAttention(8, 2)(*[m.zeros(4, 2, 8)] * 3, is_causal=True), RuntimeError,
     "Need attn_mask if specifying the is_causal hint"),
    (lambda m: m.nn.MultiheadAttention(8, 2)(*[m.zeros(1, 4, 2, 8)] * 3), AssertionError,
     "query should be unbatched 2D or batched 3D tensor but received 4-D query tensor"),
    (lambda m: m.nn.MultiheadAttention(8, 2)(m.zeros(4, 2, 8), m.zeros(4, 8), m.zeros(4, 8)), AssertionError,
     "expected `key` and `value` to be 3-D but found 2-D and 2-D tensors respectively"),
    (lambda m: m.nn.MultiheadAttention(8, 2)(*[m.zeros(4, 2, 8)] * 3, key_padding_mask=m.zeros(2, 4).long()),
     AssertionError, "only bool and floating types of key_padding_mask are supported"),
])
def test_mha_errors(call: Any, exc: type, match: str) -> None:
    with pytest.raises(exc) as t_err:
        call(torch)
    assert match in str(t_err.value)
    with pytest.raises(exc) as n_err:
        call(neurona)
    assert match in str(n_err.value), str(n_err.value)


def test_mha_mismatched_mask_types_warn() -> None:
    for m in (torch, neurona):
        mha = m.nn.MultiheadAttention(8, 2)
        x = m.zeros(4, 2, 8)
        with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask"):
            mha(x, x, x, key_padding_mask=m.zeros(2, 4, dtype=m.bool), attn_mask=m.zeros(4, 4))


# -- Transformer layers and stacks ---------------------------------------------------------------------

ENC_CASES = {
    "default": dict(),
    "norm-first-gelu": dict(norm_first=True, activation="gelu"),
    "bf-masks": dict(batch_first=True, src_mask="bool", kpm="bool"),
    "float-mask-gelu-module": dict(activation="GELU()", src_mask="float"),
    "nobias-kpm": dict(bias=False, kpm="bool"),
    "causal": dict(src_mask="causal", is_causal=True),
}


def _activation(nn: Any, spec: dict) -> dict:
    act = spec.get("activation")
    if act is None:
        return {}
    if act == "GELU()":
        return {"activation": nn.GELU()}
    return {"activation": act}


def _seq_masks(spec: dict, prefix: str, bsz: int, tgt: int, src: int, dtype: str, rng: np.random.Generator,
               mask_key: str, kpm_key: str) -> tuple[dict, dict]:
    n_kw: dict = {}
    t_kw: dict = {}
    kind = spec.get(f"{prefix}mask")
    if kind == "causal":
        arr = np.triu(np.full((tgt, src), -np.inf), 1).astype(dtype)
    elif kind == "bool":
        arr = rng.random((tgt, src)) > 0.7
        arr[:, 0] = False
    elif kind == "float":
        arr = rng.standard_normal((tgt, src)).astype(dtype)
    else:
        arr = None
    if arr is not None:
        n_kw[mask_key], t_kw[mask_key] = _const(arr)
    if spec.get(f"{prefix}kpm") == "bool":
        m = np.zeros((bsz, src), bool)
        m[0, src - 2:] = True
        n_kw[kpm_key], t_kw[kpm_key] = _const(m)
    return n_kw, t_kw


ENC_PARAMS = [pytest.param(case, dtype, id=f"{case}-{dtype}") for case in ENC_CASES for dtype in (F64, F32)
              if dtype == F64 or case in ("default", "bf-masks")]


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("case,dtype", ENC_PARAMS)
def test_encoder_layer_parity(case: str, dtype: str, train: bool) -> None:
    spec = ENC_CASES[case]
    ctor = {k: spec[k] for k in ("norm_first", "batch_first", "bias") if k in spec}
    nm, tm = build_pair(lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **_activation(nn, spec),
                                                              **ctor), dtype)
    nm.train(train)
    tm.train(train)
    rng = np.random.default_rng(seed_of("enc", case, dtype, train))
    bsz, length = 3, 5
    shape = (bsz, length, 8) if spec.get("batch_first") else (length, bsz, 8)
    nx, tx = _leaf(rng.standard_normal(shape).astype(dtype))
    n_kw, t_kw = _seq_masks(spec, "src_", bsz, length, length, dtype, rng, "src_mask", "src_key_padding_mask")
    if "is_causal" in spec:
        n_kw["is_causal"] = t_kw["is_causal"] = True
    _backward_and_compare([nm(nx, **n_kw)], [tm(tx, **t_kw)], [nx], [tx], dtype, f"encoder layer {case}", rng,
                          nm, tm)


DEC_CASES = {
    "default": dict(),
    "norm-first-gelu-bf": dict(norm_first=True, activation="gelu", batch_first=True),
    "masks": dict(tgt_mask="causal", tgt_kpm="bool", memory_kpm="bool", memory_mask="float"),
    "bf-bool-masks": dict(batch_first=True, tgt_mask="bool", memory_mask="bool", tgt_is_causal=False),
}


@pytest.mark.filterwarnings("ignore:Support for mismatched")
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("case", list(DEC_CASES))
def test_decoder_layer_parity(case: str, train: bool) -> None:
    spec = DEC_CASES[case]
    ctor = {k: spec[k] for k in ("norm_first", "batch_first", "bias") if k in spec}
    nm, tm = build_pair(lambda nn: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **_activation(nn, spec),
                                                              **ctor), F64)
    nm.train(train)
    tm.train(train)
    rng = np.random.default_rng(seed_of("dec", case, train))
    bsz, tl, sl = 3, 4, 6
    bf = spec.get("batch_first")
    nx, tx = _leaf(rng.standard_normal((bsz, tl, 8) if bf else (tl, bsz, 8)))
    nmem, tmem = _leaf(rng.standard_normal((bsz, sl, 8) if bf else (sl, bsz, 8)))
    n_kw, t_kw = _seq_masks(spec, "tgt_", bsz, tl, tl, F64, rng, "tgt_mask", "tgt_key_padding_mask")
    n2, t2 = _seq_masks(spec, "memory_", bsz, tl, sl, F64, rng, "memory_mask", "memory_key_padding_mask")
    n_kw.update(n2)
    t_kw.update(t2)
    _backward_and_compare([nm(nx, nmem, **n_kw)], [tm(tx, tmem, **t_kw)], [nx, nmem], [tx, tmem], F64,
                          f"decoder layer {case}", rng, nm, tm)


def _quiet(fn: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


@pytest.mark.parametrize("train", [True, False], ids=["train-dropout0", "eval"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tmajor", "bfirst"])
def test_transformer_parity(batch_first: bool, train: bool) -> None:
    """The full Transformer (2+2 layers, final norms, xavier init) with causal target mask and
    padding masks: eval mode with dropout 0.1 (off), and training with dropout=0."""
    drop = 0.0 if train else 0.1
    nm, tm = _quiet(lambda: build_pair(
        lambda nn: nn.Transformer(8, 2, 2, 2, 16, dropout=drop, batch_first=batch_first), F64))
    nm.train(train)
    tm.train(train)
    rng = np.random.default_rng(seed_of("transformer", batch_first, train))
    bsz, sl, tl = 2, 6, 5
    nsrc, tsrc = _leaf(rng.standard_normal((bsz, sl, 8) if batch_first else (sl, bsz, 8)))
    ntgt, ttgt = _leaf(rng.standard_normal((bsz, tl, 8) if batch_first else (tl, bsz, 8)))
    pad = np.zeros((bsz, sl), bool)
    pad[1, 4:] = True
    n_kw = dict(tgt_mask=neurona.nn.Transformer.generate_square_subsequent_mask(tl).double(),
                src_key_padding_mask=neurona.tensor(pad), memory_key_padding_mask=neurona.tensor(pad))
    t_kw = dict(tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(tl).double(),
                src_key_padding_mask=torch.tensor(pad), memory_key_padding_mask=torch.tensor(pad))
    _backward_and_compare([nm(nsrc, ntgt, **n_kw)], [tm(tsrc, ttgt, **t_kw)], [nsrc, ntgt], [tsrc, ttgt], F64,
                          "transformer", rng, nm, tm)


def test_encoder_stack_and_nested_inference() -> None:
    """TransformerEncoder with a final norm: equal to torch with gradients, and in inference
    (eval, no_grad, batch_first, left-aligned padding) equal to torch's nested-tensor path,
    which zeroes the padded positions before the norm."""
    layer = lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)  # noqa: E731
    nm, tm = build_pair(lambda nn: nn.TransformerEncoder(layer(nn), 2, norm=nn.LayerNorm(8)), F64)
    nm.eval()
    tm.eval()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 8))
    pad = np.zeros((3, 5), bool)
    pad[0, 3:] = True
    pad[2, 1:] = True
    nx, tx = _leaf(x)
    _backward_and_compare([nm(nx, src_key_padding_mask=neurona.tensor(pad))],
                          [tm(tx, src_key_padding_mask=torch.tensor(pad))], [nx], [tx], F64, "encoder stack",
                          rng, nm, tm)
    with neurona.no_grad():
        n_out = nm(neurona.tensor(x), src_key_padding_mask=neurona.tensor(pad))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
    assert_close(n_out, t_out, F64, "nested inference", rtol=1e-6, atol=1e-6)


def test_decoder_stack_detects_causal_mask() -> None:
    nm, tm = build_pair(lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 3,
                                                         norm=nn.LayerNorm(8)), F64)
    rng = np.random.default_rng(1)
    nx, tx = _leaf(rng.standard_normal((5, 2, 8)))
    nmem, tmem = _leaf(rng.standard_normal((4, 2, 8)))
    n_mask = neurona.nn.Transformer.generate_square_subsequent_mask(5, dtype=neurona.float64)
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    _backward_and_compare([nm(nx, nmem, tgt_mask=n_mask)], [tm(tx, tmem, tgt_mask=t_mask)], [nx, nmem],
                          [tx, tmem], F64, "decoder stack", rng, nm, tm)


@pytest.mark.parametrize("sz", [1, 4])
def test_generate_square_subsequent_mask(sz: int) -> None:
    assert_close(neurona.nn.Transformer.generate_square_subsequent_mask(sz),
                 torch.nn.Transformer.generate_square_subsequent_mask(sz), F32, "mask")
    assert_close(neurona.nn.Transformer.generate_square_subsequent_mask(sz, dtype=neurona.float64),
                 torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=torch.float64), F64,
                 "mask f64")


@pytest.mark.parametrize("make", [
    lambda nn: nn.MultiheadAttention(8, 2),
    lambda nn: nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, bias=False),
    lambda nn: nn.TransformerEncoderLayer(8, 2, 16),
    lambda nn: nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU(), bias=False, norm_first=True),
    lambda nn: nn.TransformerDecoderLayer(8, 2, 16, activation="gelu"),
    lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8)),
    lambda nn: nn.Transformer(8, 2, 2, 1, 16),
])
def test_state_dict_and_repr(make: Any) -> None:
    tm, nm = _quiet(lambda: make(torch.nn)), _quiet(lambda: make(neurona.nn))
    assert repr(nm) == repr(tm)
    t_sd, n_sd = tm.state_dict(), nm.state_dict()
    assert list(n_sd) == list(t_sd)
    for k in t_sd:
        assert tuple(n_sd[k].shape) == tuple(t_sd[k].shape), k
    nm.load_state_dict(t_sd)


def test_transformer_init_and_warnings() -> None:
    neurona.manual_seed(0)
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but self.use_nested_tensor is False "
                                         "because encoder_layer.self_attn.batch_first was not True"):
        m = neurona.nn.Transformer(16, 2, 1, 1, 32)
    for name, p in m.named_parameters():
        if p.dim() > 1:
            bound = np.sqrt(6 / (p.shape[0] + p.shape[1]))
            assert np.abs(to_np(p)).max() <= bound, name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        neurona.nn.Transformer(16, 2, 1, 1, 32, batch_first=True)  # no warning
    layer = neurona.nn.TransformerEncoderLayer(8, 2, 16)
    assert layer.activation is NF.relu and layer.activation_relu_or_gelu == 1
    assert neurona.nn.TransformerEncoderLayer(8, 2, 16, activation="gelu").activation_relu_or_gelu == 2


@pytest.mark.parametrize("call,match", [
    (lambda m: m.nn.TransformerEncoderLayer(8, 2, activation="tanh"),
     "activation should be relu/gelu, not tanh"),
    (lambda m: m.nn.Transformer(8, 2, 1, 1, 16)(m.zeros(5, 2, 8), m.zeros(4, 3, 8)),
     "the batch number of src and tgt must be equal"),
    (lambda m: m.nn.Transformer(8, 2, 1, 1, 16)(m.zeros(5, 2, 8), m.zeros(4, 2, 6)),
     "the feature number of src and tgt must be equal to d_model"),
])
def test_transformer_errors(call: Any, match: str) -> None:
    for m in (torch, neurona):
        with pytest.raises(RuntimeError, match=match), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(m)


def test_mha_interop_roundtrip() -> None:
    from neurona.interop import from_torch, to_torch

    tm = torch.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, bias=False, batch_first=True)
    nm = from_torch(tm.double())
    back = to_torch(nm)
    assert list(back.state_dict()) == list(tm.state_dict())
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 4, 8)), rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 6, 5))
    for a, b in zip(nm(*map(neurona.tensor, (q, k, v))), tm(*map(torch.tensor, (q, k, v)))):
        assert_close(a, b, F64, "interop")
