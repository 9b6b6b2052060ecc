"""``neurona.nn.functional`` against ``torch.nn.functional``: linear, bilinear, dropout, one_hot,
pad (every mode, 1-/2-/3-D paddings, negative pads, the errors torch raises), normalize,
cosine_similarity, softmax / log_softmax (incl. the implicit-dim warning), embedding — values
and gradients. Each case is one lambda ``fn(F, *tensors)`` run on both frameworks."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import neurona
import neurona.nn.functional as F
from nn_parity import F32, F64, assert_close, seed_of, to_np

TF = torch.nn.functional


def const(f: Any, arr: Any) -> Any:
    """A constant array as a tensor of the framework whose functional module is ``f``."""
    return torch.from_numpy(np.asarray(arr)) if f is TF else neurona.tensor(np.asarray(arr))


def run_case(fn: Any, arrays: list, grads: list[bool], dtype: str, name: str) -> None:
    """``fn(F, *xs)`` on both frameworks: compare outputs and the gradients of ``grads`` inputs."""
    n_in = [neurona.tensor(a.copy()) for a in arrays]
    t_in = [torch.from_numpy(a.copy()) for a in arrays]
    for n, t, g in zip(n_in, t_in, grads):
        if g:
            n.requires_grad_(True)
            t.requires_grad_(True)
    n_out, t_out = fn(F, *n_in), fn(TF, *t_in)
    assert_close(n_out, t_out, dtype, f"{name} output")
    assert n_out.requires_grad == t_out.requires_grad, f"{name}: requires_grad"
    if not t_out.requires_grad:
        return
    rng = np.random.default_rng(seed_of(name, "up"))
    up = np.asarray(rng.standard_normal(tuple(t_out.shape)), dtype=dtype)
    n_out.backward(neurona.tensor(up))
    t_out.backward(torch.from_numpy(up))
    for i, (a, b) in enumerate(zip(n_in, t_in)):
        if b.grad is None:
            assert a.grad is None, f"{name}: input {i} got a gradient"
        else:
            assert a.grad is not None, f"{name}: input {i} got no gradient"
            assert_close(a.grad, b.grad, dtype, f"{name} grad of input {i}")


def arrays_for(shapes: list, dtype: str, name: str) -> list[np.ndarray]:
    rng = np.random.default_rng(seed_of(name, dtype))
    out = []
    for s in shapes:
        if isinstance(s, np.ndarray):
            out.append(s)
        else:
            out.append(rng.standard_normal(s).astype(dtype))
    return out


# (id, fn(F, *xs), input shapes or constant arrays)
CASES: list[tuple[str, Any, list]] = [
    ("linear", lambda f, x, w, b: f.linear(x, w, b), [(4, 3), (5, 3), (5,)]),
    ("linear-nobias", lambda f, x, w: f.linear(x, w), [(4, 3), (5, 3)]),
    ("linear-3d", lambda f, x, w, b: f.linear(x, w, b), [(2, 4, 3), (5, 3), (5,)]),
    ("linear-1d", lambda f, x, w, b: f.linear(x, w, b), [(3,), (5, 3), (5,)]),
    ("linear-kw", lambda f, x, w, b: f.linear(input=x, weight=w, bias=b), [(4, 3), (5, 3), (5,)]),
    ("bilinear", lambda f, a, b, w, c: f.bilinear(a, b, w, c), [(4, 2), (4, 3), (5, 2, 3), (5,)]),
    ("bilinear-nobias", lambda f, a, b, w: f.bilinear(a, b, w), [(4, 2), (4, 3), (5, 2, 3)]),
    ("dropout-eval", lambda f, x: f.dropout(x, 0.4, training=False), [(4, 3)]),
    ("dropout-p0", lambda f, x: f.dropout(x, 0.0), [(4, 3)]),
    ("dropout-p1", lambda f, x: f.dropout(x, 1.0), [(4, 3)]),
    ("normalize", lambda f, x: f.normalize(x), [(4, 3)]),
    ("normalize-p1-dim0", lambda f, x: f.normalize(x, p=1.0, dim=0), [(4, 3)]),
    ("normalize-last-3d", lambda f, x: f.normalize(x, dim=-1), [(2, 4, 3)]),
    ("normalize-pinf", lambda f, x: f.normalize(x, p=float("inf"), dim=1), [(4, 3)]),
    ("normalize-p3", lambda f, x: f.normalize(x, p=3, dim=1), [(4, 3)]),
    ("normalize-zero-row", lambda f, x: f.normalize(x * const(f, [[0.0], [1.0]])), [(2, 3)]),
    ("normalize-tiny-row", lambda f, x: f.normalize(x * const(f, [[1e-14], [1.0]])), [(2, 3)]),
    ("normalize-eps", lambda f, x: f.normalize(x * 1e-3, eps=0.1), [(4, 3)]),
    ("cosine", lambda f, a, b: f.cosine_similarity(a, b), [(4, 3), (4, 3)]),
    ("cosine-dim0", lambda f, a, b: f.cosine_similarity(a, b, dim=0), [(4, 3), (4, 3)]),
    ("cosine-last-3d", lambda f, a, b: f.cosine_similarity(a, b, dim=-1), [(2, 4, 3), (2, 4, 3)]),
    ("cosine-broadcast", lambda f, a, b: f.cosine_similarity(a, b, dim=1), [(4, 3), (1, 3)]),
    ("cosine-broadcast-dim", lambda f, a, b: f.cosine_similarity(a, b, dim=1), [(4, 3), (4, 1)]),
    ("cosine-1d", lambda f, a, b: f.cosine_similarity(a, b, dim=0), [(5,), (5,)]),
    ("cosine-zero-vector", lambda f, a, b: f.cosine_similarity(a * const(f, [[0.0], [1.0]]), b),
     [(2, 3), (2, 3)]),
    ("cosine-eps", lambda f, a, b: f.cosine_similarity(a * 1e-3, b, eps=0.5), [(2, 3), (2, 3)]),
    ("softmax", lambda f, x: f.softmax(x, dim=1), [(4, 3)]),
    ("softmax-neg", lambda f, x: f.softmax(x, dim=-1), [(2, 4, 3)]),
    ("softmax-dtype", lambda f, x: f.softmax(x, dim=0, dtype=torch.float64 if f is TF else neurona.float64),
     [(4, 3)]),
    ("softmax-large", lambda f, x: f.softmax(x * 1e3, dim=1), [(4, 3)]),
    ("log_softmax", lambda f, x: f.log_softmax(x, dim=1), [(4, 3)]),
    ("log_softmax-large", lambda f, x: f.log_softmax(x * 1e4, dim=1), [(4, 3)]),
    ("log_softmax-0", lambda f, x: f.log_softmax(x, 0), [(2, 4, 3)]),
    ("softmin", lambda f, x: f.softmin(x, dim=1), [(4, 3)]),
    ("embedding", lambda f, i, w: f.embedding(i, w), [np.array([[0, 3], [3, 1]]), (5, 2)]),
    ("embedding-repeat", lambda f, i, w: f.embedding(i, w), [np.array([1, 1, 1, 4]), (5, 3)]),
    ("embedding-padding", lambda f, i, w: f.embedding(i, w, padding_idx=1), [np.array([1, 1, 0, 4]), (5, 3)]),
    ("embedding-padding-neg", lambda f, i, w: f.embedding(i, w, padding_idx=-1),
     [np.array([4, 1, 0, 4]), (5, 3)]),
    ("embedding-0d", lambda f, i, w: f.embedding(i, w), [np.array(2), (5, 3)]),
    ("one_hot", lambda f, i: f.one_hot(i), [np.array([0, 3, 1])]),
    ("one_hot-classes", lambda f, i: f.one_hot(i, num_classes=6), [np.array([[0, 3], [1, 5]])]),
    ("one_hot-empty", lambda f, i: f.one_hot(i, 3), [np.zeros((0,), np.int64)]),
    ("relu", lambda f, x: f.relu(x), [(4, 3)]),
    ("pairwise_distance", lambda f, a, b: f.pairwise_distance(a, b), [(4, 3), (4, 3)]),
    ("pairwise_distance-p1-keepdim", lambda f, a, b: f.pairwise_distance(a, b, p=1.0, keepdim=True),
     [(4, 3), (4, 3)]),
    ("pairwise_distance-broadcast", lambda f, a, b: f.pairwise_distance(a, b, eps=1e-3), [(4, 3), (3,)]),
    ("alpha_dropout-eval", lambda f, x: f.alpha_dropout(x, 0.3), [(4, 3)]),
    ("cosine_embedding_loss", lambda f, a, b: f.cosine_embedding_loss(a, b, const(f, [1, -1, 1, -1]), 0.1),
     [(4, 3), (4, 3)]),
    ("cosine_embedding_loss-1d", lambda f, a, b: f.cosine_embedding_loss(a, b, const(f, -1), reduction="sum"),
     [(3,), (3,)]),
    ("cosine_embedding_loss-none", lambda f, a, b: f.cosine_embedding_loss(
        a, b, const(f, [1, -1, -1]), margin=-0.5, reduction="none"), [(3, 5), (3, 5)]),
    ("normalize-out", lambda f, x: f.normalize(x.detach(), out=const(f, np.zeros((2, 3)))), [(2, 3)]),
    ("glu", lambda f, x: f.glu(x), [(4, 6)]),
    ("tanhshrink", lambda f, x: f.tanhshrink(x), [(4, 6)]),
]


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("fn,shapes", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_functional_parity(request: Any, fn: Any, shapes: list, dtype: str) -> None:
    name = request.node.callspec.id
    arrays = arrays_for(shapes, dtype, name)
    grads = [a.dtype.kind == "f" for a in arrays]
    run_case(fn, arrays, grads, dtype, name)


def test_functional_harness_can_fail() -> None:
    with pytest.raises(AssertionError):
        run_case(lambda f, x: f.softmax(x, dim=0 if f is F else 1), arrays_for([(3, 3)], F64, "s"),
                 [True], F64, "selftest")


# -- pad ----------------------------------------------------------------------------------------

def _pad_configs() -> list:
    """(mode, input shape, pad): every mode with 1-, 2- and 3-D paddings on the input ranks
    torch accepts (and some it rejects), with positive, zero and negative pads."""
    pads = {1: [(1, 2), (0, 3), (2, 0), (-1, 2), (2, -1), (-1, -1)],
            2: [(1, 2, 0, 1), (2, 1, 2, 2), (-1, 1, 1, -1), (0, 0, 1, 0)],
            3: [(1, 0, 0, 1, 1, 1), (1, 1, -1, 2, 0, 1)]}
    shapes = {1: [(5,), (2, 5), (2, 3, 5)], 2: [(4, 5), (2, 4, 5), (2, 2, 4, 5)],
              3: [(3, 4, 5), (2, 3, 4, 5), (1, 2, 3, 4, 5)]}
    out = []
    for mode, k in itertools.product(("constant", "reflect", "replicate", "circular"), (1, 2, 3)):
        for shape, pad in itertools.product(shapes[k], pads[k]):
            out.append((mode, shape, pad))
    out += [("constant", (3,), (1, 1, 2, 2)), ("reflect", (2, 3, 3), (3, 0)),
            ("reflect", (2, 3, 3), (2, 2)), ("circular", (2, 2, 3), (3, 0)),
            ("circular", (2, 2, 3), (4, 0)), ("replicate", (2, 2, 3), (5, 5)),
            ("constant", (2, 3), (-2, -2))]
    return out


PADS = _pad_configs()


def _torch_pad_outcome(mode: str, x: np.ndarray, pad: tuple, **kw: Any) -> Any:
    try:
        return TF.pad(torch.from_numpy(x.copy()), pad, mode=mode, **kw)
    except (RuntimeError, ValueError, NotImplementedError, IndexError) as e:
        return e


@pytest.mark.parametrize("mode,shape,pad", PADS, ids=[f"{m}-{s}-{p}" for m, s, p in PADS])
def test_pad(mode: str, shape: tuple, pad: tuple) -> None:
    """Where torch pads, neurona pads the same (values and gradients); where torch raises,
    neurona raises an exception of the same type."""
    x = np.random.default_rng(seed_of(mode, shape, pad)).standard_normal(shape)
    outcome = _torch_pad_outcome(mode, x, pad)
    if isinstance(outcome, Exception):
        with pytest.raises(type(outcome)):
            F.pad(neurona.tensor(x), pad, mode=mode)
        return
    run_case(lambda f, t: f.pad(t, pad, mode=mode), [x], [True], F64, f"pad {mode} {shape} {pad}")


@pytest.mark.parametrize("value", [0.0, 2.5, -1.0])
def test_pad_constant_value(value: float) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    run_case(lambda f, t: f.pad(t, (1, 2, 0, 1), value=value), [x], [True], F64, "pad value")
    run_case(lambda f, t: f.pad(t, [2, 1], "constant", value), [x.astype(F32)], [True], F32, "pad f32")


def test_pad_keeps_int_dtype() -> None:
    x = np.arange(6).reshape(2, 3)
    run_case(lambda f, t: f.pad(t, (1, 1), value=7), [x], [False], F64, "pad int")


def test_pad_odd_length_raises() -> None:
    with pytest.raises(RuntimeError):
        TF.pad(torch.zeros(2, 3), (1,))
    with pytest.raises(RuntimeError):
        F.pad(neurona.zeros(2, 3), (1,))
    with pytest.raises((RuntimeError, ValueError)):
        TF.pad(torch.zeros(2, 3), (1, 1), mode="reflect", value=1.0)
    with pytest.raises((RuntimeError, ValueError)):
        F.pad(neurona.zeros(2, 3), (1, 1), mode="reflect", value=1.0)


# -- warnings, errors, options ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
def test_softmax_implicit_dim_warns_like_torch(name: str, ndim: int) -> None:
    x = np.random.default_rng(ndim).standard_normal((2, 3, 2, 2)[:ndim])
    with pytest.warns(UserWarning, match="Implicit dimension choice") as rec:
        n = getattr(F, name)(neurona.tensor(x))
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        t = getattr(TF, name)(torch.from_numpy(x))
    assert_close(n, t, F64, f"{name} implicit dim")
    assert rec[0].filename == __file__, f"the warning points at {rec[0].filename}, not the caller"


@pytest.mark.parametrize("cls", ["Softmax", "LogSoftmax", "Softmin"])
def test_softmax_module_without_dim_warns(cls: str) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice") as rec:
        n = getattr(neurona.nn, cls)()(neurona.tensor(x))
    assert rec[0].filename == __file__, f"the warning points at {rec[0].filename}, not the caller"
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        t = getattr(torch.nn, cls)()(torch.from_numpy(x))
    assert_close(n, t, F64, cls)


def test_softmax_with_dim_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.softmax(neurona.zeros(2, 3), dim=1)
        F.log_softmax(neurona.zeros(2, 3), 1)
        neurona.nn.Softmax(dim=-1)(neurona.zeros(2, 3))


def test_one_hot_errors_and_dtype() -> None:
    y = F.one_hot(neurona.tensor([0, 2]))
    assert y.dtype == neurona.int64
    for bad, kw in [([0, 3], {"num_classes": 3}), ([-1, 1], {})]:
        with pytest.raises(RuntimeError):
            TF.one_hot(torch.tensor(bad), **kw)
        with pytest.raises(RuntimeError):
            F.one_hot(neurona.tensor(bad), **kw)
    with pytest.raises(RuntimeError):
        TF.one_hot(torch.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError):
        F.one_hot(neurona.tensor([0.0, 1.0]))


def test_embedding_max_norm_renormalises_in_place() -> None:
    w = np.random.default_rng(0).standard_normal((6, 3)) * 3
    idx = np.array([[0, 2], [2, 5]])
    nw, tw = neurona.tensor(w.copy(), requires_grad=True), torch.from_numpy(w.copy()).requires_grad_(True)
    for max_norm, norm_type in [(1.0, 2.0), (2.0, 1.0), (0.5, float("inf"))]:
        n = F.embedding(neurona.tensor(idx), nw, max_norm=max_norm, norm_type=norm_type)
        t = TF.embedding(torch.from_numpy(idx), tw, max_norm=max_norm, norm_type=norm_type)
        assert_close(n, t, F64, f"embedding max_norm {max_norm} {norm_type}")
        assert_close(nw, tw, F64, "the table renormalised in place (only the looked-up rows)")
        n.sum().backward()
        t.sum().backward()
        assert_close(nw.grad, tw.grad, F64, "embedding max_norm grad")


def test_embedding_float_indices_raise() -> None:
    with pytest.raises(RuntimeError):
        TF.embedding(torch.tensor([0.0]), torch.zeros(3, 2))
    with pytest.raises(RuntimeError):
        F.embedding(neurona.tensor([0.0]), neurona.zeros(3, 2))


def test_dropout_functional_training_default_and_inplace() -> None:
    neurona.manual_seed(0)
    x = neurona.ones(10_000)
    y = F.dropout(x)  # training=True by default, like torch
    frac = (y.numpy() == 0).mean()
    assert 0.45 < frac < 0.55
    z = neurona.ones(1000)
    out = F.dropout(z, 0.5, inplace=True)
    np.testing.assert_array_equal(z.numpy(), out.numpy())
    assert (z.numpy() == 0).any()


def test_activation_functional_inplace_aliases() -> None:
    x = neurona.tensor([-1.0, 2.0])
    out = F.relu_(x)
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    assert out is x or np.shares_memory(out.numpy(), x.numpy())


def test_gelu_bad_approximate_raises() -> None:
    with pytest.raises(RuntimeError):
        TF.gelu(torch.zeros(2), approximate="fast")
    with pytest.raises(RuntimeError):
        F.gelu(neurona.zeros(2), approximate="fast")


# torch's C builtins have no inspectable signature: their documented parameters
BUILTIN_PARAMS = {
    "linear": ["input", "weight", "bias"], "bilinear": ["input1", "input2", "weight", "bias"],
    "gelu": ["input", "approximate"], "softplus": ["input", "beta", "threshold"],
    "one_hot": ["tensor", "num_classes"], "prelu": ["input", "weight"], "logsigmoid": ["input"],
    "cosine_similarity": ["x1", "x2", "dim", "eps"], "pairwise_distance": ["x1", "x2", "p", "eps", "keepdim"],
    "relu_": ["input"],
    "scaled_dot_product_attention": ["query", "key", "value", "attn_mask", "dropout_p", "is_causal",
                                     "scale", "enable_gqa"],
}


def _doc_params(fn: Any, name: str) -> list[str]:
    """Parameter names from a builtin's documented signature: 'conv2d(input, weight, bias=None, ...)'."""
    import re

    first = (fn.__doc__ or "").strip().splitlines()[0]
    m = re.match(rf"{name}\((.*)\)", first)
    assert m, f"no documented signature for torch.nn.functional.{name}: {first!r}"
    return [p.split("=")[0].strip().lstrip("*") for p in m.group(1).split(",") if p.strip() not in ("*", "")]


def test_functional_namespace_matches_torch() -> None:
    """Every function of torch.nn.functional that neurona has takes the same parameters
    (names and order; defaults too where torch's signature is inspectable)."""
    import inspect

    diffs = []
    shared = [n for n in dir(F) if not n.startswith("_") and inspect.isfunction(getattr(F, n))
              and callable(getattr(TF, n, None)) and not inspect.isclass(getattr(TF, n))]
    assert len(shared) > 40
    for name in shared:
        ours = inspect.signature(getattr(F, name)).parameters
        try:
            theirs = inspect.signature(getattr(TF, name)).parameters
            if list(theirs) == ["args", "kwargs"]:  # torch's boolean_dispatch (return_indices)
                theirs = inspect.signature(getattr(TF, "_" + name)).parameters
        except ValueError:
            expected = BUILTIN_PARAMS.get(name) or _doc_params(getattr(TF, name), name)
            if list(ours) != expected:
                diffs.append(f"F.{name}: {list(ours)} vs torch {expected}")
            continue
        a = [(k, v.default) for k, v in ours.items()]
        b = [(k, v.default) for k, v in theirs.items()]
        if a != b:
            diffs.append(f"F.{name}: {a} vs torch {b}")
    assert not diffs, "\n".join(diffs)


# -- edge cases: the same outcome as torch (equal results, or the same exception type) ----------

_R = np.random.default_rng(7)
_X = _R.standard_normal((4, 3))
_T = np.array([0, 2, 1, 1])
_E2, _I0 = np.zeros((0, 3)), np.zeros((0,), np.int64)


def _nn(f: Any) -> Any:
    return torch.nn if f is TF else neurona.nn


def _fw(f: Any) -> Any:
    return torch if f is TF else neurona


EDGES: list[tuple[str, Any, list]] = [
    ("linear-empty", lambda f, x: f.linear(x, _fw(f).ones(2, 3, dtype=x.dtype)), [_E2]),
    ("linear-bias-wrong", lambda f, x: f.linear(x, _fw(f).ones(2, 3, dtype=x.dtype),
                                                _fw(f).ones(3, dtype=x.dtype)), [_X]),
    ("linear-bias-dtype", lambda f, x: f.linear(x, _fw(f).ones(2, 3, dtype=x.dtype), _fw(f).ones(2)), [_X]),
    ("relu-inplace-leaf", lambda f, x: f.relu(x, inplace=True), [_X]),
    ("elu-inplace-leaf", lambda f, x: f.elu(x, inplace=True), [_X]),
    ("layernorm-dtype", lambda f, x: _nn(f).LayerNorm(3)(x), [_X]),
    ("batchnorm-dtype", lambda f, x: _nn(f).BatchNorm1d(3)(x), [_X]),
    ("batchnorm-eval-dtype", lambda f, x: _nn(f).BatchNorm1d(3).eval()(x), [_X]),
    ("batchnorm-f64-module-f32-input", lambda f, x: _nn(f).BatchNorm1d(3).double()(x),
     [_X.astype(np.float32)]),
    ("prelu-dtype", lambda f, x: _nn(f).PReLU()(x), [_X]),
    ("bilinear-dtype", lambda f, a, b: _nn(f).Bilinear(3, 3, 2)(a, b), [_X, _X]),
    ("linear-int-input", lambda f, x: _nn(f).Linear(3, 2)(x), [np.ones((2, 3), np.int64)]),
    ("linear-f64-input-f32-layer", lambda f, x: _nn(f).Linear(3, 2)(x), [_X]),
    ("ce-empty-mean", lambda f, x, t: f.cross_entropy(x, t), [_E2, _I0]),
    ("ce-empty-sum", lambda f, x, t: f.cross_entropy(x, t, reduction="sum"), [_E2, _I0]),
    ("nll-empty", lambda f, x, t: f.nll_loss(x, t), [_E2, _I0]),
    ("mse-empty", lambda f, x: f.mse_loss(x, x * 0), [_E2]),
    ("bce-logits-empty", lambda f, x: f.binary_cross_entropy_with_logits(x, x * 0), [_E2]),
    ("bn-train-empty", lambda f, x: f.batch_norm(x, None, None, training=True), [_E2]),
    ("ln-empty", lambda f, x: f.layer_norm(x, (3,)), [_E2]),
    ("softmax-empty", lambda f, x: f.softmax(x, 1), [_E2]),
    ("embedding-empty", lambda f, i: f.embedding(i, _fw(f).ones(3, 2)), [_I0]),
    ("ce-int32-target", lambda f, x, t: f.cross_entropy(x, t), [_X, _T.astype(np.int32)]),
    ("ce-uint8-target", lambda f, x, t: f.cross_entropy(x, t), [_X, _T.astype(np.uint8)]),
    ("nll-int32-target", lambda f, x, t: f.nll_loss(x, t), [_X, _T.astype(np.int32)]),
    ("nll-float-target", lambda f, x, t: f.nll_loss(x, t), [_X, _T.astype(np.float64)]),
    ("ce-weight-wrong-size", lambda f, x, t: f.cross_entropy(x, t, weight=_fw(f).ones(4, dtype=x.dtype)),
     [_X, _T]),
    ("ce-weight-dtype", lambda f, x, t: f.cross_entropy(x, t, weight=_fw(f).ones(3)), [_X, _T]),
    ("nll-weight-dtype", lambda f, x, t: f.nll_loss(x, t, weight=_fw(f).ones(3)), [_X, _T]),
    ("ce-negative-target", lambda f, x, t: f.cross_entropy(x, t), [_X, np.array([0, -1, 1, 1])]),
    ("ce-smoothing-too-big", lambda f, x, t: f.cross_entropy(x, t, label_smoothing=1.5), [_X, _T]),
    ("ce-smoothing-1", lambda f, x, t: f.cross_entropy(x, t, label_smoothing=1.0), [_X, _T]),
    ("ce-3d-wrong-target", lambda f, x, t: f.cross_entropy(x, t), [_R.standard_normal((2, 3, 4)),
                                                                  np.zeros((2, 3), np.int64)]),
    ("ce-probs-wrong-shape", lambda f, x, t: f.cross_entropy(x, t), [_X, np.full((4, 4), 0.25)]),
    ("ce-0d-input", lambda f, x, t: f.cross_entropy(x, t), [np.array(1.0), np.array(0)]),
    ("bce-target-dtype", lambda f, x, t: f.binary_cross_entropy(x, t),
     [np.full(3, 0.3), np.ones(3, np.float32)]),
    ("bce-logits-int-target", lambda f, x, t: f.binary_cross_entropy_with_logits(x, t),
     [_X[0], np.array([1, 0, 1])]),
    ("mse-int-target", lambda f, x, t: f.mse_loss(x, t), [_X[0], np.array([1, 0, 1])]),
    ("mse-f32-f64", lambda f, x, t: f.mse_loss(x, t), [_X[0].astype(np.float32), np.array([1.0, 0, 1])]),
    ("kl-3d-batchmean", lambda f, x, t: f.kl_div(x, t, reduction="batchmean"), [_X, np.abs(_X)]),
    ("kl-bad-reduction", lambda f, x, t: f.kl_div(x, t, reduction="avg"), [_X, np.abs(_X)]),
    ("huber-negative-delta", lambda f, x: f.huber_loss(x, x * 0, delta=-1.0), [_X]),
    ("smooth_l1-negative-beta", lambda f, x: f.smooth_l1_loss(x, x * 0, beta=-1.0), [_X]),
    ("bn-eval-1d", lambda f, x: f.batch_norm(x, _fw(f).zeros(3, dtype=x.dtype),
                                             _fw(f).ones(3, dtype=x.dtype)), [_X[0]]),
    ("bn-module-1d", lambda f, x: _nn(f).BatchNorm1d(3).double()(x), [_X[0]]),
    ("bn-module-4d", lambda f, x: _nn(f).BatchNorm1d(3).double()(x), [_R.standard_normal((2, 3, 2, 2))]),
    ("bn-module-wrong-channels", lambda f, x: _nn(f).BatchNorm1d(4).double()(x), [_X]),
    ("ln-wrong-shape", lambda f, x: f.layer_norm(x, (4,)), [_X]),
    ("ln-weight-only", lambda f, x: f.layer_norm(x, (3,), weight=_fw(f).full((3,), 2.0, dtype=x.dtype)),
     [_X]),
    ("ln-bias-only", lambda f, x: f.layer_norm(x, (3,), bias=_fw(f).full((3,), 2.0, dtype=x.dtype)), [_X]),
    ("ln-1d", lambda f, x: _nn(f).LayerNorm(3).double()(x), [_X[0]]),
    ("linear-0d", lambda f, x: _nn(f).Linear(1, 2).double()(x), [np.array(1.0)]),
    ("flatten-1d", lambda f, x: _nn(f).Flatten()(x), [_X[0]]),
    ("flatten-0d", lambda f, x: _nn(f).Flatten(0)(x), [np.array(2.0)]),
    ("unflatten-bad", lambda f, x: _nn(f).Unflatten(1, (2, 2))(x), [_X]),
    ("softmax-dim-out-of-range", lambda f, x: f.softmax(x, 2), [_X]),
    ("softmax-int", lambda f, x: f.softmax(x, 0), [np.array([1, 2])]),
    ("log_softmax-int", lambda f, x: f.log_softmax(x, 0), [np.array([1, 2])]),
    ("softmax-int-with-dtype", lambda f, x: f.softmax(x, 0, dtype=_fw(f).float64), [np.array([1, 2])]),
    ("log_softmax-dtype", lambda f, x: f.log_softmax(x, 0, dtype=_fw(f).float32), [_X]),
    ("dropout-int-eval", lambda f, x: f.dropout(x, 0.5, training=False), [np.array([1, 2])]),
    ("one_hot-0d", lambda f, x: f.one_hot(x, 3), [np.array(1)]),
    ("pad-reflect-equal-size", lambda f, x: f.pad(x, (3, 3), mode="reflect"), [_R.standard_normal((1, 3))]),
    ("pad-list", lambda f, x: f.pad(x, [1, 1]), [_X]),
    ("embedding-padding-out-of-range", lambda f, i: f.embedding(i, _fw(f).ones(3, 2), padding_idx=-4),
     [np.array([0])]),
    ("embedding-module-padding-out-of-range", lambda f, i: _nn(f).Embedding(3, 2, padding_idx=3)(i),
     [np.array([0])]),
    ("embedding-int32", lambda f, i: f.embedding(i, _fw(f).ones(3, 2)), [np.array([0, 2], np.int32)]),
    ("embedding-uint8", lambda f, i: f.embedding(i, _fw(f).ones(3, 2)), [np.array([0, 2], np.uint8)]),
    ("prelu-0d", lambda f, x: _nn(f).PReLU()(x), [np.array(-1.0, np.float32)]),
    ("prelu-int", lambda f, x: f.prelu(x, _fw(f).tensor([0.25])), [np.array([-1, 2])]),
    ("normalize-1d", lambda f, x: f.normalize(x, dim=0), [_X[0]]),
    ("normalize-p0", lambda f, x: f.normalize(x, p=0), [_X]),
    ("cosine-shape-mismatch", lambda f, a, b: f.cosine_similarity(a, b), [_X, _R.standard_normal((4, 2))]),
    ("bilinear-1d", lambda f, a, b, w: f.bilinear(a, b, w),
     [_X[0], _X[1, :2], _R.standard_normal((4, 3, 2))]),
    ("bilinear-wrong", lambda f, a, b, w: f.bilinear(a, b, w), [_X, _X, _R.standard_normal((4, 3, 2))]),
    ("mse-module-keywords", lambda f, a, b: _nn(f).MSELoss()(input=a, target=b), [_X, _X * 2]),
    ("softplus-f32-small-beta", lambda f, x: f.softplus(x, beta=1e-3), [np.array([1e4, -1e4], np.float32)]),
    ("logsigmoid-f32", lambda f, x: f.logsigmoid(x), [np.array([1e4, -1e4, -50, 50], np.float32)]),
    ("softsign-int", lambda f, x: f.softsign(x), [np.array([-1, 2])]),
    ("hardtanh-int", lambda f, x: f.hardtanh(x), [np.array([-3, 2, 0])]),
    ("relu6-int", lambda f, x: f.relu6(x), [np.array([-3, 2, 9])]),
    ("threshold-int", lambda f, x: f.threshold(x, 0, -1), [np.array([-3, 2])]),
    ("relu-int", lambda f, x: f.relu(x), [np.array([-3, 2])]),
] + [(f"{name}-int", lambda f, x, name=name: getattr(f, name)(x), [np.array([-1, 2])])
     for name in ("leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "logsigmoid",
                  "hardsigmoid", "hardswish")] + [
    ("glu-int", lambda f, x: f.glu(x), [np.array([-1, 2, 3, 4])]),
]


def _outcome(f: Any, fn: Any, arrays: list) -> tuple:
    conv = torch.from_numpy if f is TF else neurona.tensor
    xs = [conv(a.copy()) for a in arrays]
    for x in xs:
        if x.is_floating_point():
            x.requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(f, *xs)
        except Exception as e:  # noqa: BLE001 - the exception type is what is compared
            return ("raises", type(e).__name__, str(e))
        grads = None
        if out.requires_grad:
            out.sum().backward()
            grads = [None if x.grad is None else to_np(x.grad) for x in xs]
    return ("returns", to_np(out), str(out.dtype).rsplit(".", 1)[-1], grads)


@pytest.mark.parametrize("fn,arrays", [(e[1], e[2]) for e in EDGES], ids=[e[0] for e in EDGES])
def test_edge_case_like_torch(fn: Any, arrays: list) -> None:
    n, t = _outcome(F, fn, arrays), _outcome(TF, fn, arrays)
    assert n[0] == t[0], f"neurona {n} but torch {t}"
    if n[0] == "raises":
        assert n[1] == t[1], f"neurona raises {n[1]}({n[2]}) but torch {t[1]}({t[2]})"
        return
    assert n[2] == t[2], f"dtype {n[2]} vs torch {t[2]}"
    assert n[1].shape == t[1].shape, f"shape {n[1].shape} vs torch {t[1].shape}"
    np.testing.assert_allclose(n[1], t[1], rtol=1e-6, atol=1e-7, equal_nan=True)
    assert (n[3] is None) == (t[3] is None)
    for a, b in zip(n[3] or [], t[3] or []):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, equal_nan=True)


# -- hypothesis: random pad configurations ------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]), k=st.integers(1, 3),
       extra=st.integers(0, 2), data=st.data())
def test_pad_hypothesis(mode: str, k: int, extra: int, data: Any) -> None:
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=k + extra, max_size=k + extra)))
    pad = tuple(data.draw(st.lists(st.integers(-3, 4), min_size=2 * k, max_size=2 * k)))
    x = np.random.default_rng(seed_of(shape, pad)).standard_normal(shape)
    sizes = shape[::-1][:k]
    kept = [n - max(-pad[2 * i], 0) - max(-pad[2 * i + 1], 0) for i, n in enumerate(sizes)]
    wraps_twice = any(max(pad[2 * i], pad[2 * i + 1]) > kept[i] for i in range(k))
    if mode == "circular" and (min(kept) <= 0 or wraps_twice) and len(shape) in (k + 1, k + 2):
        # torch reads outside the cropped input here (uninitialised values, or an overlap
        # error); neurona refuses to wrap around the cropped input more than once
        with pytest.raises(RuntimeError):
            F.pad(neurona.tensor(x), pad, mode=mode)
        return
    outcome = _torch_pad_outcome(mode, x, pad)
    if isinstance(outcome, Exception) or 0 in tuple(outcome.shape):
        if isinstance(outcome, Exception) and "single memory location" not in str(outcome):
            with pytest.raises(type(outcome)):
                F.pad(neurona.tensor(x), pad, mode=mode)
        return
    run_case(lambda f, t: f.pad(t, pad, mode=mode), [x], [True], F64, f"pad {mode} {shape} {pad}")
