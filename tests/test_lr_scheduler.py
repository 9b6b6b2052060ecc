"""neurona.optim.lr_scheduler against torch.optim.lr_scheduler: 100-step sequences, momentum
cycling, plateau detection, chaining, state dicts, warnings and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import neurona
import neurona.optim as nopt
from neurona.optim import lr_scheduler as nsched

STEPS = 100
RTOL = 1e-12


def _optimizer(mod, name="SGD", **kw):
    """Two groups with different rates (and, for SGD, momentum so it can be cycled)."""
    p = mod.tensor(np.zeros(3), requires_grad=True)
    q = mod.tensor(np.zeros(2), requires_grad=True)
    if name == "SGD":
        kw.setdefault("momentum", 0.9)
    opt = getattr(mod.optim, name)([{"params": [p]}, {"params": [q], "lr": 0.05}], lr=0.1, **kw)
    return opt, [p, q]


def _momentum(group):
    return group["betas"][0] if "betas" in group else group.get("momentum", 0.0)


def run(mod, make, steps=STEPS, name="SGD", metrics=None, start=None):
    """lrs and momenta after each ``optimizer.step(); scheduler.step()`` (no warnings allowed)."""
    opt, params = _optimizer(mod, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched = make(mod.optim.lr_scheduler, opt)
        rows = [list(sched.get_last_lr()) + [_momentum(g) for g in opt.param_groups]]
        for i in range(steps):
            for p in params:
                p.grad = mod.tensor(np.ones(p.shape))
            opt.step()
            if metrics is None:
                sched.step()
            else:
                sched.step(metrics[i])
            assert list(sched.get_last_lr()) == [g["lr"] for g in opt.param_groups]
            rows.append(list(sched.get_last_lr()) + [_momentum(g) for g in opt.param_groups])
    return np.array(rows, dtype=float), opt, sched


SCHEDULERS = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.95**e),
    "LambdaLR-per-group": lambda L, o: L.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.5 * (e % 7)]),
    "StepLR": lambda L, o: L.StepLR(o, 7, gamma=0.5),
    "StepLR-default": lambda L, o: L.StepLR(o, 30),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [10, 30, 30, 60], gamma=0.3),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.97),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
    "CosineAnnealingLR-T100": lambda L, o: L.CosineAnnealingLR(o, 100),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=30),
    "LinearLR-default": lambda L, o: L.LinearLR(o),
    "OneCycleLR-cos": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS),
    "OneCycleLR-linear-3phase": lambda L, o: L.OneCycleLR(
        o, 1.0, epochs=10, steps_per_epoch=10, anneal_strategy="linear", three_phase=True,
        pct_start=0.25, base_momentum=0.8, max_momentum=[0.9, 0.99], div_factor=10.0,
        final_div_factor=100.0),
    "OneCycleLR-no-momentum": lambda L, o: L.OneCycleLR(o, 0.3, total_steps=STEPS + 10, cycle_momentum=False),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, total_iters=10), L.CosineAnnealingLR(o, 30), L.ExponentialLR(o, 0.9)],
        milestones=[10, 50]),
    "SequentialLR-warmup-step": lambda L, o: L.SequentialLR(
        o, [L.ExponentialLR(o, 1.2), L.StepLR(o, 5, 0.7)], milestones=[8]),
}


@pytest.mark.parametrize("key", list(SCHEDULERS))
def test_sequence_matches_torch(key):
    a, topt, tsched = run(torch, SCHEDULERS[key])
    b, nopt_, nsched_ = run(neurona, SCHEDULERS[key])
    np.testing.assert_allclose(b, a, rtol=RTOL, atol=0)
    assert nsched_.last_epoch == tsched.last_epoch
    for tg, ng in zip(topt.param_groups, nopt_.param_groups):
        assert set(tg) - {"params"} == set(ng) - {"params"}  # initial_lr, max_lr, ... recorded
        assert ng["initial_lr"] == tg["initial_lr"]


@pytest.mark.parametrize("name", ["Adam", "AdamW", "NAdam"])
def test_one_cycle_cycles_beta1(name):
    make = SCHEDULERS["OneCycleLR-cos"]
    a, topt, _ = run(torch, make, name=name)
    b, nopt_, _ = run(neurona, make, name=name)
    np.testing.assert_allclose(b, a, rtol=RTOL, atol=0)
    assert nopt_.param_groups[0]["betas"] == topt.param_groups[0]["betas"]
    assert isinstance(nopt_.param_groups[0]["betas"], tuple)


PLATEAU = [
    dict(),
    dict(patience=2, factor=0.5, min_lr=0.01),
    dict(mode="max", patience=3, cooldown=2, threshold_mode="abs", threshold=0.1, min_lr=[0.001, 0.002]),
    dict(mode="min", patience=0, cooldown=1, threshold_mode="abs", threshold=0.0, factor=0.9),
    dict(mode="max", patience=1, threshold=0.05, eps=0.01, factor=0.3),
]


def _metrics(seed=0):
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.standard_normal(STEPS))
    return [float(x) for x in walk] + [float(x) for x in walk[:5]]


@pytest.mark.parametrize("kw", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau_matches_torch(kw):
    def make(L, o):
        return L.ReduceLROnPlateau(o, **kw)

    metrics = _metrics()
    a, _, tsched = run(torch, make, metrics=metrics)
    # metrics as 0-d float64 tensors (built from 0-d arrays: neurona.tensor(1.1, dtype=float64) goes
    # through float32 first, a bug of the creation functions)
    b, _, nsched_ = run(neurona, make, metrics=[neurona.tensor(np.array(m)) for m in metrics])
    np.testing.assert_allclose(b, a, rtol=RTOL, atol=0)
    assert len(set(a[:, 0])) > 1 or kw == {}
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(nsched_, key) == getattr(tsched, key), key


def test_reduce_lr_on_plateau_state_dict_matches_torch():
    metrics = _metrics()
    _, _, tsched = run(torch, lambda L, o: L.ReduceLROnPlateau(o, patience=2), steps=20, metrics=metrics)
    _, _, nsched_ = run(neurona, lambda L, o: L.ReduceLROnPlateau(o, patience=2), steps=20, metrics=metrics)
    assert nsched_.state_dict() == tsched.state_dict()
    assert list(nsched_.state_dict()) == list(tsched.state_dict())


# -- state dicts ---------------------------------------------------------------------------------


def _state_dict_keys(sd):
    keys = list(sd)
    if "_schedulers" in sd:
        return keys, [list(s) for s in sd["_schedulers"]]
    return keys


@pytest.mark.parametrize("key", list(SCHEDULERS))
def test_state_dict_keys_match_torch(key):
    _, _, tsched = run(torch, SCHEDULERS[key], steps=3)
    _, _, nsched_ = run(neurona, SCHEDULERS[key], steps=3)
    assert _state_dict_keys(nsched_.state_dict()) == _state_dict_keys(tsched.state_dict())
    tsd, nsd = tsched.state_dict(), nsched_.state_dict()
    for k, v in tsd.items():
        if k not in ("_schedulers", "lr_lambdas"):
            assert nsd[k] == v, k


PLATEAU_KEY = "ReduceLROnPlateau"


@pytest.mark.parametrize("key", list(SCHEDULERS) + [PLATEAU_KEY])
def test_state_dict_round_trip(key):
    """Save optimizer and scheduler after 40 steps, restore both into new objects, continue."""
    metrics = _metrics()
    if key == PLATEAU_KEY:
        def make(L, o):
            return L.ReduceLROnPlateau(o, patience=1, cooldown=1, factor=0.5)
    else:
        make = SCHEDULERS[key]
    full, _, _ = run(neurona, make, metrics=metrics if key == PLATEAU_KEY else None)

    opt, params = _optimizer(neurona)
    sched = make(nsched, opt)
    for i in range(40):
        opt.step()
        sched.step(metrics[i]) if key == PLATEAU_KEY else sched.step()
    opt_sd, sched_sd = opt.state_dict(), sched.state_dict()

    opt2, params2 = _optimizer(neurona)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2 = make(nsched, opt2)  # construct first, then load (PyTorch's documented order)
        opt2.load_state_dict(opt_sd)
        sched2.load_state_dict(sched_sd)
        rows = []
        for i in range(40, STEPS):
            opt2.step()
            sched2.step(metrics[i]) if key == PLATEAU_KEY else sched2.step()
            rows.append(list(sched2.get_last_lr()) + [_momentum(g) for g in opt2.param_groups])
    np.testing.assert_allclose(np.array(rows), full[41:], rtol=RTOL, atol=0)


def test_lambda_lr_state_dict_saves_callable_objects():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate**epoch

    opt, _ = _optimizer(neurona)
    sched = nsched.LambdaLR(opt, [Decay(0.9), lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.9}, None]
    opt2, _ = _optimizer(neurona)
    other = Decay(0.5)
    sched2 = nsched.LambdaLR(opt2, [other, lambda e: 1.0])
    sched2.load_state_dict(sd)
    assert other.rate == 0.9
    assert "lr_lambdas" in sd  # loading doesn't consume the dict


def test_resuming_with_last_epoch_matches_torch():
    def resumed(mod):
        opt, _ = _optimizer(mod)
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
        sched = mod.optim.lr_scheduler.StepLR(opt, 3, gamma=0.5, last_epoch=5)
        out = [sched.get_last_lr()]
        for _ in range(10):
            opt.step()
            sched.step()
            out.append(sched.get_last_lr())
        return np.array(out)

    np.testing.assert_allclose(resumed(neurona), resumed(torch), rtol=RTOL)

    def missing(mod):
        opt, _ = _optimizer(mod)
        mod.optim.lr_scheduler.ExponentialLR(opt, 0.9, last_epoch=3)

    with pytest.raises(KeyError) as terr:
        missing(torch)
    with pytest.raises(KeyError) as nerr:
        missing(neurona)
    assert str(nerr.value) == str(terr.value)


@pytest.mark.parametrize(
    "key", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "LambdaLR"]
)
def test_deprecated_step_with_epoch_uses_closed_form(key):
    def go(mod):
        opt, _ = _optimizer(mod)
        sched = SCHEDULERS[key](mod.optim.lr_scheduler, opt)
        out = []
        for epoch in (3, 17, 10, 45, 2):
            opt.step()
            with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
                sched.step(epoch)
            out.append(sched.get_last_lr())
        return np.array(out)

    np.testing.assert_allclose(go(neurona), go(torch), rtol=RTOL)


# -- warnings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mod", [torch, neurona], ids=["torch", "neurona"])
def test_warns_when_scheduler_steps_before_optimizer(mod):
    opt, _ = _optimizer(mod)
    sched = mod.optim.lr_scheduler.StepLR(opt, 2)
    match = "Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"
    with pytest.warns(UserWarning, match=match):
        sched.step()


@pytest.mark.parametrize("mod", [torch, neurona], ids=["torch", "neurona"])
def test_warns_when_optimizer_step_is_replaced(mod):
    opt, _ = _optimizer(mod)
    sched = mod.optim.lr_scheduler.StepLR(opt, 2)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been overridden"):
        sched.step()


@pytest.mark.parametrize("mod", [torch, neurona], ids=["torch", "neurona"])
def test_get_lr_outside_step_warns(mod):
    opt, _ = _optimizer(mod)
    sched = mod.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_two_schedulers_on_one_optimizer_wrap_step_once():
    opt, _ = _optimizer(neurona)
    nsched.StepLR(opt, 2)
    wrapped = opt.step
    nsched.ExponentialLR(opt, 0.9)
    assert opt.step is wrapped
    assert wrapped._wrapped_by_lr_sched


# -- errors --------------------------------------------------------------------------------------


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


BAD = {
    "LinearLR-start": lambda L, o: L.LinearLR(o, start_factor=0),
    "LinearLR-start>1": lambda L, o: L.LinearLR(o, start_factor=1.5),
    "LinearLR-end": lambda L, o: L.LinearLR(o, end_factor=1.5),
    "OneCycle-no-steps": lambda L, o: L.OneCycleLR(o, 1.0),
    "OneCycle-total": lambda L, o: L.OneCycleLR(o, 1.0, total_steps=0),
    "OneCycle-epochs": lambda L, o: L.OneCycleLR(o, 1.0, epochs=-1, steps_per_epoch=3),
    "OneCycle-spe": lambda L, o: L.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=1.5),
    "OneCycle-pct": lambda L, o: L.OneCycleLR(o, 1.0, total_steps=10, pct_start=1.5),
    "OneCycle-pct-int": lambda L, o: L.OneCycleLR(o, 1.0, total_steps=10, pct_start=1),
    "OneCycle-anneal": lambda L, o: L.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
    "OneCycle-maxlr-list": lambda L, o: L.OneCycleLR(o, [1.0], total_steps=10),
    "Plateau-factor": lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
    "Plateau-mode": lambda L, o: L.ReduceLROnPlateau(o, mode="up"),
    "Plateau-threshold-mode": lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="pct"),
    "Plateau-min-lrs": lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1]),
    "Plateau-not-optimizer": lambda L, o: L.ReduceLROnPlateau(object()),
    "StepLR-not-optimizer": lambda L, o: L.StepLR(object(), 3),
    "LambdaLR-count": lambda L, o: L.LambdaLR(o, [lambda e: 1.0]),
    "Sequential-milestones": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.StepLR(o, 3)], milestones=[]),
    "Sequential-empty": lambda L, o: L.SequentialLR(o, [], milestones=[]),
    "Sequential-plateau": lambda L, o: L.SequentialLR(
        o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], milestones=[3]),
}


@pytest.mark.parametrize("key", list(BAD))
def test_errors_match_torch(key):
    topt, _ = _optimizer(torch)
    nopt_, _ = _optimizer(neurona)
    terr = _error(lambda: BAD[key](torch.optim.lr_scheduler, topt))
    nerr = _error(lambda: BAD[key](nsched, nopt_))
    assert terr is not None
    assert nerr == terr


@pytest.mark.parametrize("mod", [torch, neurona], ids=["torch", "neurona"])
def test_one_cycle_errors_past_total_steps_and_without_momentum(mod):
    opt, _ = _optimizer(mod)
    sched = mod.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        sched.step()
    adagrad, _ = _optimizer(mod, "Adagrad")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        mod.optim.lr_scheduler.OneCycleLR(adagrad, 1.0, total_steps=3)


def test_sequential_lr_rejects_a_scheduler_of_another_optimizer():
    opt, _ = _optimizer(neurona)
    other, _ = _optimizer(neurona)
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        nsched.SequentialLR(opt, [nsched.StepLR(opt, 2), nsched.StepLR(other, 2)], milestones=[3])


# -- API -----------------------------------------------------------------------------------------


def test_exports_and_base_class():
    for name in nsched.__all__:
        assert hasattr(torch.optim.lr_scheduler, name), name
    assert issubclass(nsched._LRScheduler, nsched.LRScheduler)
    assert nsched._LRScheduler.__name__ == "_LRScheduler"
    assert nopt.lr_scheduler is nsched


def test_custom_scheduler_subclass():
    class Halving(nsched.LRScheduler):
        def get_lr(self):
            return [base * 0.5 ** self.last_epoch for base in self.base_lrs]

    opt, _ = _optimizer(neurona)
    sched = Halving(opt)
    assert sched.last_epoch == 0 and sched.get_last_lr() == [0.1, 0.05]
    for _ in range(3):
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.1 / 8, 0.05 / 8]
    assert opt.param_groups[0]["initial_lr"] == 0.1
