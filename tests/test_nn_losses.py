"""Every loss of ``neurona.nn``, as a module and as a function, with reduction 'mean', 'sum' and
'none', against PyTorch: values and the gradients of every differentiable input (float64
tight, float32 loose); numerical stability at extreme logits; shape errors and warnings."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch

import neurona
import neurona.nn.functional as F
from nn_parity import F32, F64, assert_close, seed_of

REDUCTIONS = ("mean", "sum", "none")
# KL divergence with reduction='mean' warns on both sides (checked in test_kl_mean_warns_like_torch)
pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")


def _rng(*parts: Any) -> np.random.Generator:
    return np.random.default_rng(seed_of(*parts))


def reals(*shape: int) -> Callable:
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


def probs(*shape: int) -> Callable:
    return lambda rng, dt: rng.uniform(0.02, 0.98, shape).astype(dt)


def simplex(*shape: int, axis: int = 1) -> Callable:
    def gen(rng: np.random.Generator, dt: str) -> np.ndarray:
        e = np.exp(rng.standard_normal(shape))
        return (e / e.sum(axis=axis, keepdims=True)).astype(dt)
    return gen


def log_simplex(*shape: int, axis: int = 1) -> Callable:
    s = simplex(*shape, axis=axis)
    return lambda rng, dt: np.log(s(rng, "float64")).astype(dt)


def classes(c: int, *shape: int, ignore: int | None = None) -> Callable:
    def gen(rng: np.random.Generator, dt: str) -> np.ndarray:
        t = rng.integers(0, c, shape)
        if ignore is not None:
            t.reshape(-1)[::3] = ignore
        return t.astype(np.int64)
    return gen


def const(arr: Any) -> Callable:
    return lambda rng, dt: np.asarray(arr, dtype=dt)


@dataclass(frozen=True)
class LossCase:
    """A loss configuration: ``module(nn)`` builds the loss (given the option tensors), ``fn(F)``
    is the functional form; ``args`` generate input, target; ``options`` generate weight-like
    tensors passed by keyword; ``grad`` says which of (input, target) to differentiate."""

    name: str
    module: Callable
    fn: Callable
    args: tuple
    grad: tuple = (True, False)
    options: dict = field(default_factory=dict)


def case(name: str, cls: str, fname: str, args: tuple, grad: tuple = (True, False),
         options: dict | None = None, **kw: Any) -> LossCase:
    return LossCase(
        name,
        lambda nn, red, opts: getattr(nn, cls)(reduction=red, **opts, **kw),
        lambda Fm, x, y, red, opts: getattr(Fm, fname)(x, y, reduction=red, **opts, **kw),
        args, grad, options or {},
    )


LOSSES = [
    case("mse", "MSELoss", "mse_loss", (reals(4, 3), reals(4, 3)), (True, True)),
    case("mse-3d", "MSELoss", "mse_loss", (reals(2, 3, 2), reals(2, 3, 2)), (True, True)),
    case("l1", "L1Loss", "l1_loss", (reals(4, 3), reals(4, 3)), (True, True)),
    case("huber", "HuberLoss", "huber_loss", (reals(5, 3), reals(5, 3)), (True, True)),
    case("huber-delta", "HuberLoss", "huber_loss", (reals(5, 3), reals(5, 3)), (True, True), delta=0.4),
    case("huber-delta-big", "HuberLoss", "huber_loss", (reals(5, 3), reals(5, 3)), (True, True), delta=2.5),
    case("smooth_l1", "SmoothL1Loss", "smooth_l1_loss", (reals(5, 3), reals(5, 3)), (True, True)),
    case("smooth_l1-beta", "SmoothL1Loss", "smooth_l1_loss", (reals(5, 3), reals(5, 3)), (True, True),
         beta=0.5),
    case("smooth_l1-beta0", "SmoothL1Loss", "smooth_l1_loss", (reals(5, 3), reals(5, 3)), (True, True),
         beta=0.0),
    case("bce", "BCELoss", "binary_cross_entropy", (probs(4, 3), probs(4, 3)), (True, True)),
    case("bce-binary-target", "BCELoss", "binary_cross_entropy",
         (probs(6,), const([0, 1, 1, 0, 1, 0])), (True, False)),
    case("bce-weight", "BCELoss", "binary_cross_entropy", (probs(4, 3), probs(4, 3)), (True, True),
         {"weight": probs(3)}),
    case("bce-weight-full", "BCELoss", "binary_cross_entropy", (probs(4, 3), probs(4, 3)),
         (True, False), {"weight": probs(4, 3)}),
    case("bce_logits", "BCEWithLogitsLoss", "binary_cross_entropy_with_logits",
         (reals(4, 3), probs(4, 3)), (True, True)),
    case("bce_logits-weight", "BCEWithLogitsLoss", "binary_cross_entropy_with_logits",
         (reals(4, 3), probs(4, 3)), (True, True), {"weight": probs(3)}),
    case("bce_logits-pos_weight", "BCEWithLogitsLoss", "binary_cross_entropy_with_logits",
         (reals(4, 3), probs(4, 3)), (True, True), {"pos_weight": lambda rng, dt: probs(3)(rng, dt) * 3}),
    case("bce_logits-both", "BCEWithLogitsLoss", "binary_cross_entropy_with_logits",
         (reals(4, 3), probs(4, 3)), (True, True),
         {"weight": probs(4, 1), "pos_weight": lambda rng, dt: probs(3)(rng, dt) * 3}),
    case("ce", "CrossEntropyLoss", "cross_entropy", (reals(5, 4), classes(4, 5))),
    case("ce-unbatched", "CrossEntropyLoss", "cross_entropy", (reals(4), classes(4))),
    case("ce-2d", "CrossEntropyLoss", "cross_entropy", (reals(2, 4, 3, 2), classes(4, 2, 3, 2))),
    case("ce-1d", "CrossEntropyLoss", "cross_entropy", (reals(2, 4, 3), classes(4, 2, 3))),
    case("ce-weight", "CrossEntropyLoss", "cross_entropy", (reals(6, 4), classes(4, 6)),
         options={"weight": probs(4)}),
    case("ce-ignore", "CrossEntropyLoss", "cross_entropy", (reals(6, 4), classes(4, 6, ignore=-100))),
    case("ce-ignore-custom", "CrossEntropyLoss", "cross_entropy", (reals(6, 4), classes(4, 6, ignore=1)),
         ignore_index=1),
    case("ce-ignore-weight", "CrossEntropyLoss", "cross_entropy", (reals(6, 4), classes(4, 6, ignore=-100)),
         options={"weight": probs(4)}),
    case("ce-smoothing", "CrossEntropyLoss", "cross_entropy", (reals(6, 4), classes(4, 6)),
         label_smoothing=0.2),
    case("ce-smoothing-weight", "CrossEntropyLoss", "cross_entropy", (reals(6, 4), classes(4, 6)),
         options={"weight": probs(4)}, label_smoothing=0.15),
    case("ce-smoothing-ignore", "CrossEntropyLoss", "cross_entropy",
         (reals(6, 4), classes(4, 6, ignore=-100)), label_smoothing=0.3),
    case("ce-smoothing-ignore-weight", "CrossEntropyLoss", "cross_entropy",
         (reals(6, 4), classes(4, 6, ignore=-100)), options={"weight": probs(4)}, label_smoothing=0.3),
    case("ce-smoothing-2d", "CrossEntropyLoss", "cross_entropy", (reals(2, 3, 2, 2), classes(3, 2, 2, 2)),
         label_smoothing=0.1),
    case("ce-weight-2d", "CrossEntropyLoss", "cross_entropy", (reals(2, 3, 2, 2), classes(3, 2, 2, 2)),
         options={"weight": probs(3)}),
    case("ce-unbatched-weight-smoothing", "CrossEntropyLoss", "cross_entropy", (reals(4), classes(4)),
         options={"weight": probs(4)}, label_smoothing=0.2),
    case("ce-probs", "CrossEntropyLoss", "cross_entropy", (reals(5, 4), simplex(5, 4)), (True, True)),
    case("ce-probs-unbatched", "CrossEntropyLoss", "cross_entropy", (reals(4), simplex(4, axis=0)),
         (True, True)),
    case("ce-probs-2d", "CrossEntropyLoss", "cross_entropy", (reals(2, 3, 2, 2), simplex(2, 3, 2, 2)),
         (True, True)),
    case("ce-probs-weight", "CrossEntropyLoss", "cross_entropy", (reals(5, 4), simplex(5, 4)),
         (True, True), {"weight": probs(4)}),
    case("ce-probs-smoothing", "CrossEntropyLoss", "cross_entropy", (reals(5, 4), simplex(5, 4)),
         (True, True), label_smoothing=0.25),
    case("ce-probs-smoothing-weight-2d", "CrossEntropyLoss", "cross_entropy",
         (reals(2, 3, 2), simplex(2, 3, 2)), (True, True), {"weight": probs(3)}, label_smoothing=0.25),
    case("nll", "NLLLoss", "nll_loss", (log_simplex(5, 4), classes(4, 5))),
    case("nll-unbatched", "NLLLoss", "nll_loss", (log_simplex(4, axis=0), classes(4))),
    case("nll-weight", "NLLLoss", "nll_loss", (log_simplex(6, 4), classes(4, 6)),
         options={"weight": probs(4)}),
    case("nll-ignore", "NLLLoss", "nll_loss", (log_simplex(6, 4), classes(4, 6, ignore=-100))),
    case("nll-ignore-custom-weight", "NLLLoss", "nll_loss", (log_simplex(6, 4), classes(4, 6, ignore=3)),
         options={"weight": probs(4)}, ignore_index=3),
    case("nll-1d", "NLLLoss", "nll_loss", (log_simplex(2, 4, 3), classes(4, 2, 3))),
    case("nll-2d-weight", "NLLLoss", "nll_loss", (log_simplex(2, 4, 3, 2), classes(4, 2, 3, 2)),
         options={"weight": probs(4)}),
    case("poisson", "PoissonNLLLoss", "poisson_nll_loss",
         (reals(4, 3), lambda rng, dt: probs(4, 3)(rng, dt) * 4), (True, True)),
    case("poisson-full", "PoissonNLLLoss", "poisson_nll_loss",
         (reals(4, 3), lambda rng, dt: probs(4, 3)(rng, dt) * 4), (True, True), full=True),
    case("poisson-rates", "PoissonNLLLoss", "poisson_nll_loss",
         (probs(4, 3), lambda rng, dt: probs(4, 3)(rng, dt) * 4), (True, True), log_input=False),
    case("poisson-rates-full-eps", "PoissonNLLLoss", "poisson_nll_loss",
         (probs(4, 3), lambda rng, dt: probs(4, 3)(rng, dt) * 4), (True, True), log_input=False, full=True,
         eps=0.1),
    case("kl", "KLDivLoss", "kl_div", (log_simplex(4, 5), simplex(4, 5)), (True, True)),
    case("kl-zero-target", "KLDivLoss", "kl_div",
         (log_simplex(2, 3), const([[0.0, 0.3, 0.7], [0.5, 0.5, 0.0]])), (True, True)),
    case("kl-log_target", "KLDivLoss", "kl_div", (log_simplex(4, 5), log_simplex(4, 5)), (True, True),
         log_target=True),
]
KL_BATCHMEAN = [
    case("kl-batchmean", "KLDivLoss", "kl_div", (log_simplex(4, 5), simplex(4, 5)), (True, True)),
    case("kl-batchmean-log_target", "KLDivLoss", "kl_div", (log_simplex(4, 5), log_simplex(4, 5)),
         (True, True), log_target=True),
    case("kl-batchmean-3d", "KLDivLoss", "kl_div", (log_simplex(3, 2, 4), simplex(3, 2, 4)), (True, True)),
]


def run_loss(c: LossCase, m: Any, arrays: list[np.ndarray], opts: dict, reduction: str,
             form: str, grad_opts: bool = False) -> tuple[Any, list]:
    """The loss on framework ``m`` (module or functional form) and its inputs (input, target
    and, with ``grad_opts``, the option tensors, all differentiated)."""
    wrap = neurona.tensor if m is neurona else torch.from_numpy
    xs = [wrap(a.copy()) for a in arrays]
    for x, g in zip(xs, c.grad):
        if g:
            x.requires_grad_(True)
    topts = {k: wrap(v.copy()) for k, v in opts.items()}
    if grad_opts:
        for v in topts.values():
            v.requires_grad_(True)
    if form == "module":
        loss = c.module(m.nn, reduction, topts)(*xs)
    else:
        loss = c.fn(m.nn.functional, *xs, reduction, topts)
    return loss, xs + (list(topts.values()) if grad_opts else [])


def check_loss(c: LossCase, reduction: str, form: str, dtype: str) -> None:
    rng = _rng(c.name, dtype)
    arrays = [gen(rng, dtype) for gen in c.args]
    opts = {k: gen(rng, dtype) for k, gen in c.options.items()}
    grad_opts = c.module is None  # the functional-only cases differentiate their weights too
    where = f"{c.name} [{form}, {reduction}, {dtype}]"
    n_loss, n_in = run_loss(c, neurona, arrays, opts, reduction, form, grad_opts)
    t_loss, t_in = run_loss(c, torch, arrays, opts, reduction, form, grad_opts)
    assert_close(n_loss, t_loss, dtype, f"{where} value")
    assert n_loss.requires_grad == t_loss.requires_grad, where
    up = np.asarray(rng.standard_normal(tuple(t_loss.shape)) + 1.5, dtype=dtype)
    n_loss.backward(neurona.tensor(up))
    t_loss.backward(torch.from_numpy(up))
    for i, (a, b) in enumerate(zip(n_in, t_in)):
        if b.grad is None:
            assert a.grad is None, f"{where}: input {i} got a gradient, torch's is None"
        else:
            assert a.grad is not None, f"{where}: input {i} got no gradient"
            assert_close(a.grad, b.grad, dtype, f"{where} grad of input {i}")


@pytest.mark.parametrize("form", ["module", "functional"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("c", LOSSES, ids=[c.name for c in LOSSES])
def test_loss_float64(c: LossCase, reduction: str, form: str) -> None:
    check_loss(c, reduction, form, F64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("c", LOSSES, ids=[c.name for c in LOSSES])
def test_loss_float32(c: LossCase, reduction: str) -> None:
    check_loss(c, reduction, "module", F32)


WEIGHTED = [
    LossCase(f"{name}-weight", None,
             lambda Fm, x, y, red, o, fn=fn: getattr(Fm, fn)(x, y, reduction=red, **o),
             (reals(4, 3), reals(4, 3)), (True, True), {"weight": probs(4, 3)})
    for name, fn in [("mse", "mse_loss"), ("l1", "l1_loss"), ("huber", "huber_loss")]
]


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("c", WEIGHTED, ids=[c.name for c in WEIGHTED])
def test_elementwise_loss_weight(c: LossCase, reduction: str, dtype: str) -> None:
    """mse/l1 'mean' with weight is Σwℓ/Σw, huber's Σwℓ/n — as torch; the weight gets a gradient."""
    check_loss(c, reduction, "functional", dtype)


def test_elementwise_loss_weight_shape_must_match() -> None:
    for fname in ("mse_loss", "l1_loss", "huber_loss"):
        with pytest.raises(ValueError, match="Weights and input must have the same size"):
            getattr(F, fname)(neurona.zeros(4, 3), neurona.zeros(4, 3), weight=neurona.ones(3))
        with pytest.raises(ValueError):
            getattr(torch.nn.functional, fname)(torch.zeros(4, 3), torch.zeros(4, 3), weight=torch.ones(3))


@pytest.mark.parametrize("form", ["module", "functional"])
@pytest.mark.parametrize("c", KL_BATCHMEAN, ids=[c.name for c in KL_BATCHMEAN])
def test_kl_batchmean(c: LossCase, form: str) -> None:
    check_loss(c, "batchmean", form, F64)


def test_kl_mean_warns_like_torch() -> None:
    """reduction='mean' for KL divergence: torch warns that it is not the true KL."""
    x, y = neurona.zeros(2, 3), neurona.ones(2, 3) / 3
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        torch.nn.functional.kl_div(torch.zeros(2, 3), torch.ones(2, 3) / 3)
    t_warned = any("batchmean" in str(w.message) for w in rec)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        F.kl_div(x, y)
    n_warned = any("batchmean" in str(w.message) for w in rec)
    assert n_warned == t_warned


def test_every_loss_is_covered() -> None:
    names = {c.name.split("-")[0] for c in LOSSES}
    assert {"mse", "l1", "huber", "smooth_l1", "bce", "bce_logits", "ce", "nll", "kl", "poisson"} <= names


def test_loss_harness_can_fail() -> None:
    bad = LossCase("selftest", lambda nn, red, o: nn.MSELoss(reduction=red),
                   lambda Fm, x, y, red, o: (Fm.mse_loss(x, y, reduction=red) * 1.0001
                                             if Fm is F else Fm.mse_loss(x, y, reduction=red)),
                   (reals(3), reals(3)), (True, True))
    with pytest.raises(AssertionError):
        check_loss(bad, "mean", "functional", F64)


# -- stability --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_extreme_logits(dtype: str, reduction: str) -> None:
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4], [1e4, 1e4 - 3, -1e4]], dtype)
    y = np.array([1, 0, 2, 1])
    for extra in ({}, {"label_smoothing": 0.1}):
        nx = neurona.tensor(x, requires_grad=True)
        tx = torch.from_numpy(x.copy()).requires_grad_(True)
        n = F.cross_entropy(nx, neurona.tensor(y), reduction=reduction, **extra)
        t = torch.nn.functional.cross_entropy(tx, torch.from_numpy(y), reduction=reduction, **extra)
        assert np.isfinite(n.detach().numpy()).all()
        assert_close(n, t, dtype, f"ce extreme {extra}", rtol=1e-6 if dtype == F32 else 1e-12)
        n.sum().backward()
        t.sum().backward()
        assert np.isfinite(nx.grad.numpy()).all()
        assert_close(nx.grad, tx.grad, dtype, f"ce extreme grad {extra}")


@pytest.mark.parametrize("dtype", [F32, F64])
def test_cross_entropy_extreme_logits_prob_target(dtype: str) -> None:
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype)
    y = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]], dtype)
    nx = neurona.tensor(x, requires_grad=True)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    n = F.cross_entropy(nx, neurona.tensor(y))
    t = torch.nn.functional.cross_entropy(tx, torch.from_numpy(y))
    assert_close(n, t, dtype, "ce prob extreme")
    n.backward()
    t.backward()
    assert_close(nx.grad, tx.grad, dtype, "ce prob extreme grad")


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_extreme_logits(dtype: str, reduction: str) -> None:
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0, 50.0, -50.0, 1e4], dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.3], dtype)
    pw = np.array([2.0], dtype)
    for use_pw in (False, True):
        nx = neurona.tensor(x, requires_grad=True)
        tx = torch.from_numpy(x.copy()).requires_grad_(True)
        kw_n = {"pos_weight": neurona.tensor(pw)} if use_pw else {}
        kw_t = {"pos_weight": torch.from_numpy(pw)} if use_pw else {}
        n = F.binary_cross_entropy_with_logits(nx, neurona.tensor(y), reduction=reduction, **kw_n)
        t = torch.nn.functional.binary_cross_entropy_with_logits(tx, torch.from_numpy(y),
                                                                 reduction=reduction, **kw_t)
        assert np.isfinite(n.detach().numpy()).all()
        assert_close(n, t, dtype, f"bce logits extreme pw={use_pw}", rtol=1e-6 if dtype == F32 else 1e-12)
        n.sum().backward()
        t.sum().backward()
        assert np.isfinite(nx.grad.numpy()).all()
        assert_close(nx.grad, tx.grad, dtype, f"bce logits extreme grad pw={use_pw}")


@pytest.mark.parametrize("dtype", [F32, F64])
def test_bce_at_zero_and_one(dtype: str) -> None:
    """Probabilities of exactly 0 and 1: logs clamped at −100, finite like torch."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype)
    nx = neurona.tensor(x, requires_grad=True)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    n = F.binary_cross_entropy(nx, neurona.tensor(y), reduction="none")
    t = torch.nn.functional.binary_cross_entropy(tx, torch.from_numpy(y), reduction="none")
    assert_close(n, t, dtype, "bce at 0/1")
    n.sum().backward()
    t.sum().backward()
    assert_close(nx.grad, tx.grad, dtype, "bce grad at 0/1")


def test_log_softmax_nll_equals_cross_entropy() -> None:
    """The fused cross-entropy equals its plain composition nll(log_softmax(x))."""
    x = neurona.randn(6, 5, dtype=neurona.float64, requires_grad=True)
    y = neurona.tensor([0, 4, 2, 2, 1, 3])
    a = F.cross_entropy(x, y)
    (ga,) = neurona.autograd.grad(a, x)
    b = F.nll_loss(F.log_softmax(x, dim=1), y)
    (gb,) = neurona.autograd.grad(b, x)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
    np.testing.assert_allclose(ga.numpy(), gb.numpy(), rtol=1e-10, atol=1e-14)


# -- warnings and errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("fname", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_size_mismatch_warns_like_torch(fname: str) -> None:
    x = np.zeros((4,))
    y = np.zeros((4, 1))
    with pytest.warns(UserWarning, match="target size") as n_rec:
        n = getattr(F, fname)(neurona.tensor(x), neurona.tensor(y))
    with pytest.warns(UserWarning, match="target size"):
        t = getattr(torch.nn.functional, fname)(torch.from_numpy(x), torch.from_numpy(y))
    assert_close(n, t, F64, fname)
    assert "[4, 1]" in str(n_rec[0].message) or "(4, 1)" in str(n_rec[0].message)
    assert n_rec[0].filename == __file__, "the warning should point at the caller"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(F, fname)(neurona.tensor(x), neurona.tensor(x))  # same shape: no warning


def test_mse_module_warns() -> None:
    with pytest.warns(UserWarning, match="different to the input size"):
        neurona.nn.MSELoss()(neurona.zeros(5), neurona.zeros(5, 1))


def test_cross_entropy_column_target_has_hint() -> None:
    x = neurona.randn(4, 3)
    y = neurona.tensor([[0], [2], [1], [1]])
    with pytest.raises(RuntimeError, match="squeeze") as err:
        neurona.nn.CrossEntropyLoss()(x, y)
    assert "[4, 1]" in str(err.value)
    with pytest.raises(RuntimeError):
        torch.nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([[0], [2], [1], [1]]))


def test_cross_entropy_one_hot_wrong_shape_has_hint() -> None:
    x = neurona.randn(4, 3)
    y = neurona.tensor(np.eye(5, dtype=np.float32)[[0, 2, 1, 1]])  # (4, 5) for 3 classes
    with pytest.raises(RuntimeError, match="num_classes=3") as err:
        neurona.nn.CrossEntropyLoss()(x, y)
    msg = str(err.value)
    assert "[4, 3]" in msg and "[4, 5]" in msg, msg
    with pytest.raises(RuntimeError):
        torch.nn.CrossEntropyLoss()(torch.randn(4, 3), torch.eye(5)[[0, 2, 1, 1]])


def test_cross_entropy_one_hot_int_target_has_hint() -> None:
    x = neurona.randn(4, 3)
    y = neurona.tensor(np.eye(3, dtype=np.int64)[[0, 2, 1, 1]])
    with pytest.raises(RuntimeError, match="argmax"):
        neurona.nn.CrossEntropyLoss()(x, y)


def test_cross_entropy_class_out_of_range() -> None:
    with pytest.raises(IndexError, match="3"):
        F.cross_entropy(neurona.randn(2, 3), neurona.tensor([0, 3]))
    with pytest.raises(IndexError):
        torch.nn.functional.cross_entropy(torch.randn(2, 3), torch.tensor([0, 3]))


@pytest.mark.parametrize("xd,yd", [(F32, F64), (F64, F32)])
def test_cross_entropy_prob_target_dtype_promotes(xd: str, yd: str) -> None:
    """A probability target of another float dtype promotes, as in torch."""
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(xd)
    y = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], yd)
    nx = neurona.tensor(x, requires_grad=True)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    n = F.cross_entropy(nx, neurona.tensor(y))
    t = torch.nn.functional.cross_entropy(tx, torch.from_numpy(y))
    assert_close(n, t, F32, "promoted value")
    n.backward()
    t.backward()
    assert_close(nx.grad, tx.grad, F32, "promoted grad")


def test_bce_rejects_logits_and_mismatched_shapes() -> None:
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(neurona.tensor([1.5, 0.2]), neurona.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy(neurona.tensor([0.5, 0.2]), neurona.tensor([[1.0, 0.0]]))
    with pytest.raises(ValueError):
        torch.nn.functional.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([[1.0, 0.0]]))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(neurona.zeros(3), neurona.zeros(3, 1))


def test_bad_reduction_raises() -> None:
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.mse_loss(neurona.zeros(2), neurona.zeros(2), reduction="avg")
    with pytest.raises(ValueError):
        torch.nn.functional.mse_loss(torch.zeros(2), torch.zeros(2), reduction="avg")


def test_legacy_size_average_reduce() -> None:
    x, y = np.arange(4.0), np.ones(4)
    for sa, rd in [(False, None), (None, False), (True, True)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n = neurona.nn.MSELoss(size_average=sa, reduce=rd)
            t = torch.nn.MSELoss(size_average=sa, reduce=rd)
        assert n.reduction == t.reduction
        assert_close(n(neurona.tensor(x), neurona.tensor(y)), t(torch.from_numpy(x), torch.from_numpy(y)))


def test_loss_modules_state_and_repr() -> None:
    w = np.array([1.0, 2.0, 0.5])
    for name, kw in [("CrossEntropyLoss", {"weight": w}), ("NLLLoss", {"weight": w}),
                     ("BCELoss", {"weight": w}), ("BCEWithLogitsLoss", {"pos_weight": w}),
                     ("MSELoss", {}), ("HuberLoss", {"delta": 0.5}), ("KLDivLoss", {"log_target": True})]:
        n = getattr(neurona.nn, name)(**{k: neurona.tensor(v) if isinstance(v, np.ndarray) else v
                                         for k, v in kw.items()})
        t = getattr(torch.nn, name)(**{k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                                       for k, v in kw.items()})
        assert repr(n) == repr(t)
        assert list(n.state_dict()) == list(t.state_dict()), name
        assert n.reduction == t.reduction


@pytest.mark.parametrize("fname,target,weight,smoothing", [
    ("cross_entropy", [-100, -100, -100], None, 0.0),
    ("cross_entropy", [-100, -100, -100], [1.0, 2.0, 0.5, 1.0], 0.3),
    ("cross_entropy", [0, 1, -100], [0.0, 0.0, 1.0, 1.0], 0.0),
    ("nll_loss", [-100, -100, -100], None, 0.0),
    ("nll_loss", [0, 1, -100], [0.0, 0.0, 1.0, 1.0], 0.0),
])
def test_zero_total_weight_like_torch(fname: str, target: list, weight: Any, smoothing: float) -> None:
    """Σ weights = 0 with 'mean': the loss is NaN; ignored rows get 0 gradient, rows of
    zero-weight classes NaN — exactly torch's pattern."""
    x = np.random.default_rng(0).standard_normal((3, 4))
    res = []
    for m in (neurona, torch):
        conv = neurona.tensor if m is neurona else torch.from_numpy
        xt = conv(x.copy()).requires_grad_(True)
        kw = {"weight": conv(np.array(weight))} if weight is not None else {}
        if smoothing:
            kw["label_smoothing"] = smoothing
        loss = getattr(m.nn.functional, fname)(xt, conv(np.array(target)), **kw)
        loss.backward()
        res.append((loss, xt.grad))
    assert_close(res[0][0], res[1][0], F64, "value")
    assert_close(res[0][1], res[1][1], F64, "grad")


# -- hypothesis: random cross-entropy / nll configurations ---------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    n=st.integers(1, 4), c=st.integers(1, 5), spatial=st.lists(st.integers(1, 3), max_size=2),
    unbatched=st.booleans(), probs_target=st.booleans(), use_weight=st.booleans(),
    smoothing=st.sampled_from([0.0, 0.1, 0.5, 1.0]), ignore=st.booleans(),
    reduction=st.sampled_from(REDUCTIONS), seed=st.integers(0, 2**16),
)
def test_cross_entropy_hypothesis(n: int, c: int, spatial: list, unbatched: bool, probs_target: bool,
                                  use_weight: bool, smoothing: float, ignore: bool, reduction: str,
                                  seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (c,) if unbatched else (n, c, *spatial)
    x = rng.standard_normal(shape) * 3
    if probs_target:
        e = np.exp(rng.standard_normal(shape))
        y = e / e.sum(axis=0 if unbatched else 1, keepdims=True)
    else:
        y = rng.integers(0, c, () if unbatched else (n, *spatial))
        if ignore and y.ndim:
            y.reshape(-1)[::2] = -100
    w = rng.uniform(0.1, 2.0, c) if use_weight else None
    out = []
    for m in (neurona, torch):
        conv = neurona.tensor if m is neurona else torch.from_numpy
        xt = conv(x.copy()).requires_grad_(True)
        wt = None if w is None else conv(w.copy())
        loss = m.nn.functional.cross_entropy(xt, conv(np.array(y)), weight=wt, reduction=reduction,
                                             label_smoothing=smoothing)
        loss.sum().backward()
        out.append((loss, xt.grad))
    assert_close(out[0][0], out[1][0], F64, "ce value", atol=1e-9)
    assert_close(out[0][1], out[1][1], F64, "ce grad", atol=1e-9)
    if not probs_target and not smoothing:  # nll(log_softmax) is the same loss
        ln = F.nll_loss(F.log_softmax(neurona.tensor(x), 0 if unbatched else 1), neurona.tensor(np.array(y)),
                        weight=None if w is None else neurona.tensor(w), reduction=reduction)
        assert_close(ln, out[1][0].detach(), F64, "nll(log_softmax)", atol=1e-9)
