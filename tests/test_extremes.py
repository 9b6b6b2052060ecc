"""Every loss and activation module of ``neurona.nn`` at the edges, against PyTorch.

Losses: each reduction × batch sizes 0, 1 and 3 × float32 / float64 × ordinary inputs and
inputs at ±1e4 (logits, log-probabilities, regression outputs; for BCE, probabilities exactly
0 and 1, i.e. sigmoid(±1e4)). Either both frameworks raise the same exception type, or the
value and the gradients of the input and of a float target are PyTorch's, NaN and ±inf in the
same places (a mean over an empty batch is NaN in both).

Known edge, matched: BCE's target gradient is −logit(x)·g, unbounded at x = 0 or 1, so it is
±inf there (NaN where g = 0) in PyTorch: neurona used to clamp it at ±100 like the loss value.

Activations: every activation module at batch sizes 0 and 1, ordinary values and ±1e4.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

import neurona
import neurona.nn.modules.activation as activation_modules
from nn_parity import F32, F64, TOL, seed_of

C = 4  # features / classes
BIG = 1e4


def _values(rng: np.random.Generator, shape: tuple, extreme: bool) -> np.ndarray:
    if extreme:  # mostly ±1e4, a few ordinary values in between
        return rng.choice([-BIG, BIG, BIG, -BIG, 0.5], size=shape)
    return rng.standard_normal(shape)


def _probs(rng: np.random.Generator, shape: tuple, extreme: bool) -> np.ndarray:
    """Probabilities; at the extreme sigmoid(±1e4), i.e. exactly 0 or 1."""
    if extreme:
        return rng.choice([0.0, 1.0, 0.0, 1.0, 0.4], size=shape)
    return rng.uniform(0.02, 0.98, shape)


def _simplex(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    e = rng.exponential(size=shape)
    if len(shape) == 2 and shape[0]:
        e[0, 0] = 0.0  # a zero probability (xlogy's 0·log 0)
    return e / np.maximum(e.sum(axis=-1, keepdims=True), 1e-12)


def _targets01(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.choice([0.0, 1.0, 0.3], size=shape)


@dataclass(frozen=True)
class Loss:
    """``make(nn, reduction, weight)`` builds the module on either side (``weight``: a
    per-class / per-feature weight in the dtype under test); ``data`` draws
    (input, target); ``pre`` maps the input leaf before the loss (e.g. sigmoid)."""

    name: str
    make: Callable[[Any, str, Any], Any]
    data: Callable[[np.random.Generator, int, bool], tuple[np.ndarray, np.ndarray]]
    target_grad: bool = True
    pre: str | None = None
    reductions: tuple = ("mean", "sum", "none")


def _classes(rng: np.random.Generator, n: int, ignore: bool = False) -> np.ndarray:
    t = rng.integers(0, C, n)
    if ignore and n:
        t[0] = -100
    return t.astype(np.int64)


def _reals(rng, n, x):
    return _values(rng, (n, C), x), rng.standard_normal((n, C))


WEIGHT = np.array([0.5, 1.0, 2.0, 0.0])

LOSSES = [
    Loss("MSELoss", lambda nn, r, w: nn.MSELoss(reduction=r), _reals),
    Loss("L1Loss", lambda nn, r, w: nn.L1Loss(reduction=r), _reals),
    Loss("HuberLoss", lambda nn, r, w: nn.HuberLoss(reduction=r, delta=1.5), _reals),
    Loss("SmoothL1Loss", lambda nn, r, w: nn.SmoothL1Loss(reduction=r, beta=0.5), _reals),
    Loss("SmoothL1Loss-beta0", lambda nn, r, w: nn.SmoothL1Loss(reduction=r, beta=0.0), _reals),
    Loss("BCELoss", lambda nn, r, w: nn.BCELoss(reduction=r),
         lambda rng, n, x: (_probs(rng, (n, C), x), _targets01(rng, (n, C)))),
    Loss("BCELoss-weight", lambda nn, r, w: nn.BCELoss(weight=w, reduction=r),
         lambda rng, n, x: (_probs(rng, (n, C), x), _targets01(rng, (n, C)))),
    Loss("BCELoss-on-sigmoid", lambda nn, r, w: nn.BCELoss(reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), _targets01(rng, (n, C))), pre="sigmoid"),
    Loss("BCEWithLogitsLoss", lambda nn, r, w: nn.BCEWithLogitsLoss(reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), _targets01(rng, (n, C)))),
    Loss("BCEWithLogitsLoss-pos_weight",
         lambda nn, r, w: nn.BCEWithLogitsLoss(reduction=r, pos_weight=w + 1),
         lambda rng, n, x: (_values(rng, (n, C), x), _targets01(rng, (n, C)))),
    Loss("CrossEntropyLoss", lambda nn, r, w: nn.CrossEntropyLoss(reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), _classes(rng, n)), target_grad=False),
    Loss("CrossEntropyLoss-weight-ignore",
         lambda nn, r, w: nn.CrossEntropyLoss(weight=w + 0.5, reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), _classes(rng, n, ignore=True)),
         target_grad=False),
    Loss("CrossEntropyLoss-label_smoothing",
         lambda nn, r, w: nn.CrossEntropyLoss(reduction=r, label_smoothing=0.1),
         lambda rng, n, x: (_values(rng, (n, C), x), _classes(rng, n)), target_grad=False),
    Loss("CrossEntropyLoss-probs", lambda nn, r, w: nn.CrossEntropyLoss(reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), _simplex(rng, (n, C)))),
    Loss("CrossEntropyLoss-probs-label_smoothing",
         lambda nn, r, w: nn.CrossEntropyLoss(reduction=r, label_smoothing=0.2),
         lambda rng, n, x: (_values(rng, (n, C), x), _simplex(rng, (n, C)))),
    Loss("NLLLoss", lambda nn, r, w: nn.NLLLoss(reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), _classes(rng, n)), target_grad=False),
    Loss("NLLLoss-weight-ignore", lambda nn, r, w: nn.NLLLoss(weight=w, reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), _classes(rng, n, ignore=True)),
         target_grad=False),
    Loss("NLLLoss-on-log_softmax", lambda nn, r, w: nn.NLLLoss(reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), _classes(rng, n)), target_grad=False,
         pre="log_softmax"),
    Loss("KLDivLoss", lambda nn, r, w: nn.KLDivLoss(reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), _simplex(rng, (n, C))),
         reductions=("mean", "sum", "none", "batchmean")),
    Loss("KLDivLoss-log_target", lambda nn, r, w: nn.KLDivLoss(reduction=r, log_target=True),
         lambda rng, n, x: (_values(rng, (n, C), x), _values(rng, (n, C), x)),
         reductions=("mean", "sum", "none", "batchmean")),
    Loss("PoissonNLLLoss", lambda nn, r, w: nn.PoissonNLLLoss(reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), rng.poisson(3.0, (n, C)).astype(float))),
    # target_grad=False: PyTorch's Stirling term is masked_fill'ed where y <= 1, so its target
    # gradient is 0·log 0 = NaN at y = 0; neurona's is 0 there (the only difference left)
    Loss("PoissonNLLLoss-rates-full",
         lambda nn, r, w: nn.PoissonNLLLoss(log_input=False, full=True, reduction=r),
         lambda rng, n, x: (np.abs(_values(rng, (n, C), x)), rng.poisson(3.0, (n, C)).astype(float)),
         target_grad=False),
    Loss("PoissonNLLLoss-negative-rates",  # log of a negative rate: NaN on both sides
         lambda nn, r, w: nn.PoissonNLLLoss(log_input=False, reduction=r),
         lambda rng, n, x: (_values(rng, (n, C), x), rng.poisson(3.0, (n, C)).astype(float))),
]

def _np(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


def _same(ours: Any, theirs: Any, dtype: str, what: str) -> None:
    if theirs is None:
        assert ours is None, f"{what}: torch has no gradient, neurona has one"
        return
    assert ours is not None, f"{what}: neurona has no gradient, torch has one"
    a, b = _np(ours), _np(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} vs torch {b.dtype}"
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{what}: NaN positions")
    np.testing.assert_array_equal(np.isposinf(a), np.isposinf(b), err_msg=f"{what}: +inf positions")
    np.testing.assert_array_equal(np.isneginf(a), np.isneginf(b), err_msg=f"{what}: -inf positions")
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def _run(lib: Any, spec: Loss, reduction: str, dtype: str, x: np.ndarray, y: np.ndarray) -> Any:
    """(value, input grad, target grad) on one side, or the exception it raised."""
    dt = getattr(lib, dtype)
    xt = lib.tensor(x, dtype=dt, requires_grad=True)
    float_target = y.dtype.kind == "f"
    yt = lib.tensor(y, dtype=dt) if float_target else lib.tensor(y)
    if float_target and spec.target_grad:
        yt.requires_grad_(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # KLDiv's 'mean' warning, on both sides
            inp = xt
            if spec.pre == "sigmoid":
                inp = lib.sigmoid(xt)
            elif spec.pre == "log_softmax":
                inp = lib.log_softmax(xt, 1)
            out = spec.make(lib.nn, reduction, lib.tensor(WEIGHT, dtype=dt))(inp, yt)
            out.sum().backward()
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return e
    return out, xt.grad, (yt.grad if yt.requires_grad else None)


@pytest.mark.parametrize("extreme", [False, True], ids=["normal", "1e4"])
@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("n", [0, 1, 3])
@pytest.mark.parametrize("spec,reduction",
                         [(s, r) for s in LOSSES for r in s.reductions],
                         ids=[f"{s.name}-{r}" for s in LOSSES for r in s.reductions])
def test_loss_at_the_edges_matches_torch(spec: Loss, reduction: str, n: int, dtype: str,
                                         extreme: bool) -> None:
    rng = np.random.default_rng(seed_of(spec.name, n, extreme))
    x, y = spec.data(rng, n, extreme)
    with np.errstate(all="ignore"):
        theirs = _run(torch, spec, reduction, dtype, x, y)
        ours = _run(neurona, spec, reduction, dtype, x, y)
    if isinstance(theirs, Exception):
        assert isinstance(ours, type(theirs)), f"torch raised {theirs!r}, neurona gave {ours!r}"
        return
    assert not isinstance(ours, Exception), f"neurona raised {ours!r}; torch did not"
    for what, a, b in zip(("value", "input grad", "target grad"), ours, theirs):
        _same(a, b, dtype, what)


def test_the_loss_list_is_complete() -> None:
    """Every loss module of neurona.nn is exercised above (GaussianNLLLoss & co. do not exist)."""
    names = {n for n in dir(neurona.nn) if n.endswith("Loss")}
    tested = {s.name.split("-")[0] for s in LOSSES}
    assert names <= tested, names - tested


# -- activations ---------------------------------------------------------------------------------

_ACTIVATION_ARGS: dict[str, tuple] = {
    "Threshold": (0.1, 20.0), "Softmax": (1,), "Softmin": (1,), "LogSoftmax": (1,), "GLU": (1,),
}
ACTIVATIONS = sorted(
    name for name, cls in vars(activation_modules).items()
    if inspect.isclass(cls) and issubclass(cls, neurona.nn.Module)
    and cls.__module__ == activation_modules.__name__ and hasattr(torch.nn, name)
)


def test_every_activation_module_is_listed() -> None:
    assert len(ACTIVATIONS) >= 20 and {"ReLU", "GELU", "Softmax", "PReLU", "GLU"} <= set(ACTIVATIONS)


@pytest.mark.parametrize("extreme", [False, True], ids=["normal", "1e4"])
@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("n", [0, 1])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_at_batch_0_and_1_matches_torch(name: str, n: int, dtype: str,
                                                   extreme: bool) -> None:
    rng = np.random.default_rng(seed_of(name, n, extreme))
    x = _values(rng, (n, C), extreme)
    results = []
    for lib in (torch, neurona):
        module = getattr(lib.nn, name)(*_ACTIVATION_ARGS.get(name, ()))
        module.to(getattr(lib, dtype))
        xt = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
        try:
            out = module(xt)
            out.sum().backward()
        except Exception as e:  # noqa: BLE001 - compared with torch's
            results.append(e)
            continue
        results.append((out, xt.grad))
    theirs, ours = results
    if isinstance(theirs, Exception):
        assert isinstance(ours, type(theirs)), f"torch raised {theirs!r}, neurona gave {ours!r}"
        return
    assert not isinstance(ours, Exception), f"neurona raised {ours!r}; torch did not"
    _same(ours[0], theirs[0], dtype, "value")
    _same(ours[1], theirs[1], dtype, "input grad")
