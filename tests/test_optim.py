"""neurona.optim against torch.optim: trajectories, state dicts, groups, closures and errors.

Every optimizer runs 30 steps from the same initial parameters (three tensors of different
shapes) on the same pre-generated gradients, assigned to ``.grad`` on both sides before each
step; the parameters must agree at every step (float64: rtol 1e-10; float32: loosely, and they
must stay float32).
"""

from __future__ import annotations

import copy
import itertools
import warnings

import numpy as np
import pytest
import torch

import neurona
import neurona.optim as nopt

SHAPES = [(3, 4), (5,), (2, 3, 2)]
STEPS = 30
RTOL64 = 1e-10
ATOL64 = 1e-14


def _data(seed: int = 0, steps: int = STEPS) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(steps)]
    return init, grads


INIT, GRADS = _data()


def _params(mod, init, dtype):
    return [mod.tensor(a.astype(dtype), requires_grad=True) for a in init]


def _groups(params, groups):
    """``groups``: None (one plain list) or a list of (indices, options) pairs."""
    if groups is None:
        return params
    return [dict(params=[params[i] for i in idx], **opts) for idx, opts in groups]


def _set_grads(mod, params, grads, dtype):
    for p, g in zip(params, grads):
        p.grad = None if g is None else mod.tensor(g.astype(dtype))


def _numpy(t) -> np.ndarray:
    return t.detach().numpy().copy()


def trajectory(mod, name, kwargs, dtype=np.float64, groups=None, grads=GRADS, init=INIT):
    """The parameters after each step (a list of lists of arrays), and the optimizer."""
    params = _params(mod, init, dtype)
    opt = getattr(mod.optim, name)(_groups(params, groups), **kwargs)
    out = []
    for gs in grads:
        _set_grads(mod, params, gs, dtype)
        opt.step()
        out.append([_numpy(p) for p in params])
    return out, opt, params


def assert_same_trajectory(a, b, rtol=RTOL64, atol=ATOL64):
    assert len(a) == len(b)
    for step, (pa, pb) in enumerate(zip(a, b)):
        for i, (x, y) in enumerate(zip(pa, pb)):
            np.testing.assert_allclose(y, x, rtol=rtol, atol=atol, err_msg=f"step {step}, param {i}")


# -- the option grid ---------------------------------------------------------------------------


def _grid(**axes):
    keys = list(axes)
    return [dict(zip(keys, vals)) for vals in itertools.product(*(axes[k] for k in keys))]


def _sgd_cases():
    cases = []
    for kw in _grid(momentum=[0, 0.9], nesterov=[False, True], dampening=[0, 0.3],
                    weight_decay=[0, 0.1], maximize=[False, True]):
        if kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0):
            continue
        cases.append(dict(lr=0.05, **kw))
    return cases


CASES = (
    [("SGD", kw) for kw in _sgd_cases()]
    + [("Adam", dict(lr=0.01, **kw)) for kw in _grid(amsgrad=[False, True], weight_decay=[0, 0.1],
                                                     maximize=[False, True])]
    + [("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
       ("Adam", dict(lr=0.02, betas=(0.3, 0.6), eps=1e-3)),  # β₁ < 0.5: lerp's other branch
       ("Adam", {})]
    + [("AdamW", dict(lr=0.01, **kw)) for kw in _grid(amsgrad=[False, True], weight_decay=[0.01, 0.2],
                                                      maximize=[False, True])]
    + [("AdamW", {})]
    + [("RMSprop", dict(lr=0.01, **kw)) for kw in _grid(centered=[False, True], momentum=[0, 0.9],
                                                        weight_decay=[0, 0.1], maximize=[False, True])]
    + [("RMSprop", dict(alpha=0.3, eps=1e-4, centered=True))]
    + [("Adagrad", dict(lr=0.1, **kw)) for kw in _grid(lr_decay=[0, 0.05], weight_decay=[0, 0.1],
                                                       initial_accumulator_value=[0, 0.5],
                                                       maximize=[False, True])]
    + [("Adagrad", {})]
    + [("Adadelta", kw) for kw in _grid(rho=[0.9, 0.4], weight_decay=[0, 0.1], maximize=[False, True])]
    + [("Adadelta", dict(lr=0.5, eps=1e-3))]
    + [("NAdam", dict(lr=0.01, **kw)) for kw in _grid(weight_decay=[0, 0.1],
                                                      decoupled_weight_decay=[False, True],
                                                      maximize=[False, True])]
    + [("NAdam", dict(momentum_decay=0.05, betas=(0.8, 0.99))), ("NAdam", {})]
)


def _id(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_trajectory_float64(case):
    name, kw = case
    a, _, _ = trajectory(torch, name, kw)
    b, _, params = trajectory(neurona, name, kw)
    assert_same_trajectory(a, b)
    assert all(p.dtype == neurona.float64 for p in params)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_trajectory_float32_stays_float32(case):
    name, kw = case
    a, _, _ = trajectory(torch, name, kw, dtype=np.float32)
    b, opt, params = trajectory(neurona, name, kw, dtype=np.float32)
    assert_same_trajectory(a, b, rtol=2e-4, atol=2e-5)
    assert all(p._data.dtype == np.float32 for p in params)
    for state in opt.state.values():
        for key, value in state.items():
            if key not in ("step", "mu_product"):
                assert value._data.dtype == np.float32, key


OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "NAdam"]
RICH = {  # one configuration per optimizer that fills every state key
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True),
    "Adam": dict(lr=0.01, amsgrad=True, weight_decay=0.05),
    "AdamW": dict(lr=0.01, amsgrad=True),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
    "Adagrad": dict(lr=0.1, lr_decay=0.01),
    "Adadelta": dict(weight_decay=0.01),
    "NAdam": dict(lr=0.01, weight_decay=0.01),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_param_groups_with_their_own_options(name):
    groups = [([0], dict(lr=0.2)), ([1, 2], {})]
    if name in ("Adam", "AdamW", "NAdam"):
        groups[1] = ([1, 2], dict(betas=(0.8, 0.95), weight_decay=0.3))
    elif name in ("SGD", "RMSprop"):
        groups[1] = ([1, 2], dict(momentum=0.5, weight_decay=0.2))
    a, topt, _ = trajectory(torch, name, RICH[name], groups=groups)
    b, nopt_, _ = trajectory(neurona, name, RICH[name], groups=groups)
    assert_same_trajectory(a, b)
    assert [g["lr"] for g in nopt_.param_groups] == [g["lr"] for g in topt.param_groups]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_params_without_grad_are_skipped(name):
    grads = [[g[0], None, g[2]] if i % 3 else [None, g[1], None] for i, g in enumerate(GRADS[:12])]
    a, topt, _ = trajectory(torch, name, RICH[name], grads=grads)
    b, nopt_, _ = trajectory(neurona, name, RICH[name], grads=grads)
    assert_same_trajectory(a, b)
    _compare_state_dicts(topt.state_dict(), nopt_.state_dict())


# -- state dicts -------------------------------------------------------------------------------


def _compare_state_dicts(ts, ns):
    """Same nesting, keys (in order) and values; tensors compared numerically and by dtype."""
    assert list(ts) == list(ns) == ["state", "param_groups"]
    assert list(ts["state"]) == list(ns["state"])
    for k in ts["state"]:
        tstate, nstate = ts["state"][k], ns["state"][k]
        assert list(tstate) == list(nstate), k
        for key in tstate:
            tv, nv = tstate[key], nstate[key]
            if isinstance(tv, torch.Tensor):
                assert isinstance(nv, neurona.Tensor), key
                assert str(tv.dtype).split(".")[1] == nv.dtype.name, key
                assert tuple(tv.shape) == tuple(nv.shape), key
                np.testing.assert_allclose(nv._data, tv.numpy(), rtol=1e-10, atol=1e-14)
            else:
                assert tv == nv, key
    assert len(ts["param_groups"]) == len(ns["param_groups"])
    for tg, ng in zip(ts["param_groups"], ns["param_groups"]):
        assert list(tg) == list(ng)
        assert tg == ng
    return list(ts["state"])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_state_dict_structure_matches_torch(name):
    groups = [([0, 2], dict(lr=0.03)), ([1], {})]
    _, topt, _ = trajectory(torch, name, RICH[name], groups=groups, grads=GRADS[:5])
    _, nopt_, _ = trajectory(neurona, name, RICH[name], groups=groups, grads=GRADS[:5])
    _compare_state_dicts(topt.state_dict(), nopt_.state_dict())


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_fresh_state_dict_matches_torch(name):
    topt = getattr(torch.optim, name)(_params(torch, INIT, np.float64))
    nopt_ = getattr(nopt, name)(_params(neurona, INIT, np.float64))
    _compare_state_dicts(topt.state_dict(), nopt_.state_dict())  # Adagrad: state made eagerly
    assert repr(nopt_) == repr(topt)


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_state_dict_round_trip(name, dtype):
    kw = RICH[name]
    full, _, _ = trajectory(neurona, name, kw, dtype=dtype, grads=GRADS[:20])

    params = _params(neurona, INIT, dtype)
    opt = getattr(nopt, name)(params, **kw)
    for gs in GRADS[:10]:
        _set_grads(neurona, params, gs, dtype)
        opt.step()
    saved = opt.state_dict()
    fresh = [neurona.tensor(_numpy(p), requires_grad=True) for p in params]
    opt2 = getattr(nopt, name)(fresh, lr=123.0)  # options come back from the state dict
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kw.get("lr", opt.defaults["lr"])
    assert all(a is b for a, b in zip(opt2.param_groups[0]["params"], fresh))
    resumed, original = [], []
    for gs in GRADS[10:20]:
        _set_grads(neurona, fresh, gs, dtype)
        opt2.step()
        resumed.append([_numpy(p) for p in fresh])
        _set_grads(neurona, params, gs, dtype)  # the source keeps going on its own buffers
        opt.step()
        original.append([_numpy(p) for p in params])
    # exact, but for NAdam: loading casts 'mu_product' to the parameter's dtype (as PyTorch does)
    exact = name != "NAdam" or dtype == np.float32
    assert_same_trajectory(full[10:], resumed, rtol=0 if exact else RTOL64, atol=0 if exact else ATOL64)
    assert_same_trajectory(full[10:], original, rtol=0, atol=0)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_load_torch_state_dict_continues_like_torch(name):
    kw = RICH[name]
    tparams = _params(torch, INIT, np.float64)
    topt = getattr(torch.optim, name)(tparams, **kw)
    for gs in GRADS[:10]:
        _set_grads(torch, tparams, gs, np.float64)
        topt.step()
    nparams = [neurona.tensor(_numpy(p), requires_grad=True) for p in tparams]
    opt = getattr(nopt, name)(nparams, **kw)
    opt.load_state_dict(topt.state_dict())
    for gs in GRADS[10:20]:
        _set_grads(torch, tparams, gs, np.float64)
        topt.step()
        _set_grads(neurona, nparams, gs, np.float64)
        opt.step()
        for tp, np_ in zip(tparams, nparams):
            np.testing.assert_allclose(np_._data, _numpy(tp), rtol=RTOL64, atol=ATOL64)


def test_load_state_dict_copies_and_casts_to_the_param_dtype():
    params = _params(neurona, INIT, np.float64)
    opt = nopt.Adam(params, lr=0.01)
    _set_grads(neurona, params, GRADS[0], np.float64)
    opt.step()
    sd = opt.state_dict()
    p32 = _params(neurona, INIT, np.float32)
    opt32 = nopt.Adam(p32)
    opt32.load_state_dict(sd)
    st = opt32.state[p32[0]]
    assert st["exp_avg"]._data.dtype == np.float32
    assert st["step"]._data.dtype == sd["state"][0]["step"]._data.dtype  # 'step' keeps its dtype
    assert st["exp_avg"] is not sd["state"][0]["exp_avg"]
    sd["state"][0]["exp_avg"]._data[...] = 99.0
    sd["param_groups"][0]["lr"] = 5.0
    assert not np.any(st["exp_avg"]._data == 99.0)
    assert opt32.param_groups[0]["lr"] == 0.01


@pytest.mark.parametrize("mod", [torch, neurona], ids=["torch", "neurona"])
def test_load_state_dict_errors(mod):
    a, b, c = _params(mod, INIT, np.float64)
    opt = mod.optim.SGD([{"params": [a]}, {"params": [b, c]}], lr=0.1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        mod.optim.SGD([a, b, c]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        mod.optim.SGD([{"params": [a, b]}, {"params": [c]}]).load_state_dict(sd)


def test_state_dict_shares_buffers_and_keeps_param_names():
    params = _params(neurona, INIT, np.float64)
    named = [("w", params[0]), ("b", params[1])]
    opt = nopt.SGD(named, lr=0.1, momentum=0.9)
    tparams = _params(torch, INIT, np.float64)
    topt = torch.optim.SGD([("w", tparams[0]), ("b", tparams[1])], lr=0.1, momentum=0.9)
    _compare_state_dicts(topt.state_dict(), opt.state_dict())
    assert repr(opt) == repr(topt)
    _set_grads(neurona, params, GRADS[0], np.float64)
    opt.step()
    assert opt.state_dict()["state"][0]["momentum_buffer"] is opt.state[params[0]]["momentum_buffer"]


def test_step_dtype_follows_the_default_dtype():
    old_n, old_t = neurona.get_default_dtype(), torch.get_default_dtype()
    try:
        neurona.set_default_dtype(neurona.float64)
        torch.set_default_dtype(torch.float64)
        a, topt, _ = trajectory(torch, "NAdam", {}, grads=GRADS[:10])
        b, nopt_, _ = trajectory(neurona, "NAdam", {}, grads=GRADS[:10])
        assert_same_trajectory(a, b)
        _compare_state_dicts(topt.state_dict(), nopt_.state_dict())
    finally:
        neurona.set_default_dtype(old_n)
        torch.set_default_dtype(old_t)


# -- zero_grad, closure, groups, bookkeeping --------------------------------------------------


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    params = _params(neurona, INIT, np.float32)
    opt = nopt.SGD(params, lr=0.1)
    _set_grads(neurona, params, GRADS[0], np.float32)
    grads = [p.grad for p in params]
    opt.zero_grad(set_to_none=set_to_none)
    for p, g in zip(params, grads):
        if set_to_none:
            assert p.grad is None
        else:
            assert p.grad is g and not np.any(g._data) and g._data.dtype == np.float32
    opt.zero_grad()  # default: set_to_none=True
    assert all(p.grad is None for p in params)


def test_closure_runs_with_grad_enabled_and_returns_its_loss():
    def make(mod):
        w = mod.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
        opt = mod.optim.Adam([w], lr=0.1)
        calls = []

        def closure():
            calls.append(mod.is_grad_enabled())
            opt.zero_grad()
            loss = ((w - 0.5) ** 2).sum()
            loss.backward()
            return loss

        return w, opt, closure, calls

    tw, topt, tclosure, _ = make(torch)
    nw, opt, nclosure, calls = make(neurona)
    for _ in range(10):
        with torch.no_grad():
            tl = topt.step(tclosure)
        with neurona.no_grad():
            nl = opt.step(nclosure)
        assert isinstance(nl, neurona.Tensor)
        np.testing.assert_allclose(nl.item(), tl.item(), rtol=1e-12)
        np.testing.assert_allclose(nw._data, tw.detach().numpy(), rtol=1e-12)
    assert calls == [True] * 10
    assert opt.step() is None


def test_add_param_group_fills_defaults_like_torch():
    tp, np_ = _params(torch, INIT, np.float64), _params(neurona, INIT, np.float64)
    topt = torch.optim.Adam(tp[:1], lr=0.01, betas=(0.8, 0.9))
    opt = nopt.Adam(np_[:1], lr=0.01, betas=(0.8, 0.9))
    topt.add_param_group({"params": tp[1:], "lr": 0.5})
    opt.add_param_group({"params": np_[1:], "lr": 0.5})
    _compare_state_dicts(topt.state_dict(), opt.state_dict())
    assert repr(opt) == repr(topt)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": np_[0]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group(np_[0])


def test_adagrad_state_for_a_group_added_later():
    tp, np_ = _params(torch, INIT, np.float64), _params(neurona, INIT, np.float64)
    topt, opt = torch.optim.Adagrad(tp[:2], lr=0.1), nopt.Adagrad(np_[:2], lr=0.1)
    topt.add_param_group({"params": tp[2:]})
    opt.add_param_group({"params": np_[2:]})
    for gs in GRADS[:5]:
        _set_grads(torch, tp, gs, np.float64)
        _set_grads(neurona, np_, gs, np.float64)
        if len(topt.state) == 3:
            topt.step()
        opt.step()
    if len(topt.state) == 3:  # PyTorch versions that initialise it lazily: compare too
        for a, b in zip(tp, np_):
            np.testing.assert_allclose(b._data, _numpy(a), rtol=RTOL64)
    assert opt.state[np_[2]]["step"].item() == 5


def test_nan_from_rounding_is_silent_like_torch():
    """A zero gradient with eps=0 gives 0/0 in PyTorch too: the same nans, and no RuntimeWarning."""
    grads = [[np.zeros(s) if i == 1 else g for i, (s, g) in enumerate(zip(SHAPES, gs))] for gs in GRADS[:5]]
    kw = dict(centered=True, eps=0.0)
    a, _, _ = trajectory(torch, "RMSprop", kw, grads=grads)
    assert np.isnan(a[-1][1]).all() and not np.isnan(a[-1][0]).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b, _, _ = trajectory(neurona, "RMSprop", kw, grads=grads)
    assert_same_trajectory(a, b)


def test_step_bumps_the_parameters_version():
    params = _params(neurona, INIT, np.float64)
    opt = nopt.SGD(params, lr=0.1)
    before = [p._version for p in params]
    _set_grads(neurona, params, GRADS[0], np.float64)
    opt.step()
    assert [p._version for p in params] == [v + 1 for v in before]


def test_updates_in_place_keep_the_parameter_arrays():
    params = _params(neurona, INIT, np.float32)
    arrays = [p._data for p in params]
    opt = nopt.AdamW(params)
    _set_grads(neurona, params, GRADS[0], np.float32)
    opt.step()
    assert all(p._data is a for p, a in zip(params, arrays))


def test_gradients_are_not_modified():
    for name in OPTIMIZERS:
        params = _params(neurona, INIT, np.float64)
        kw = dict(RICH[name], maximize=True, weight_decay=0.1)
        opt = getattr(nopt, name)(params, **kw)
        for gs in GRADS[:3]:
            _set_grads(neurona, params, gs, np.float64)
            opt.step()
            for p, g in zip(params, gs):
                np.testing.assert_array_equal(p.grad._data, g)


def test_custom_optimizer_with_required_default():
    from neurona.optim.optimizer import required

    class Plain(nopt.Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            loss = self._eval_closure(closure)
            for group in self.param_groups:
                for p in group["params"]:
                    p._data -= group["lr"] * p.grad._data
            return loss

    p = neurona.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        Plain([p])
    opt = Plain([{"params": [p], "lr": 0.5}])
    p.grad = neurona.tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(p._data, [0.5, 0.5])
    with pytest.raises(NotImplementedError):
        nopt.Optimizer([p], {}).step()


# -- argument validation -------------------------------------------------------------------------

BAD_ARGS = [
    ("SGD", dict(lr=-1)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=-1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1)),
    ("AdamW", dict(lr=-0.5)), ("AdamW", dict(betas=(0.9, 1.0))), ("AdamW", dict(weight_decay=-1)),
    ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)),
    ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=1.1)), ("Adadelta", dict(rho=-0.1)),
    ("Adadelta", dict(eps=-1)), ("Adadelta", dict(weight_decay=-1)),
    ("NAdam", dict(lr=-1)), ("NAdam", dict(eps=-1)), ("NAdam", dict(betas=(1.0, 0.9))),
    ("NAdam", dict(betas=(0.9, 1.0))), ("NAdam", dict(weight_decay=-1)), ("NAdam", dict(momentum_decay=-1)),
]


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


@pytest.mark.parametrize("case", BAD_ARGS, ids=[_id(c) for c in BAD_ARGS])
def test_argument_errors_match_torch(case):
    name, kw = case
    terr = _error(lambda: getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw))
    nerr = _error(lambda: getattr(nopt, name)([neurona.zeros(2, requires_grad=True)], **kw))
    assert terr is not None
    assert nerr == terr


def test_constructor_errors_match_torch():
    def cases(mod):
        p = mod.zeros(2, requires_grad=True)
        q = mod.zeros(3, requires_grad=True)
        return [
            lambda: mod.optim.SGD([]),
            lambda: mod.optim.SGD([p, 3]),
            lambda: mod.optim.SGD([p * 2]),
            lambda: mod.optim.SGD([{"params": [p]}, {"params": p}]),
            lambda: mod.optim.SGD({p, q}),  # accepted by PyTorch at the top level
            lambda: mod.optim.SGD([{"params": {p}}]),
            lambda: mod.optim.SGD([("a", p), q]),
            lambda: mod.optim.SGD([{"params": [("a", p)]}, {"params": [q]}]),
        ]

    errors = [(_error(t), _error(n)) for t, n in zip(cases(torch), cases(neurona))]
    for terr, nerr in errors:
        assert nerr == terr
    assert sum(terr is None for terr, _ in errors) == 1
    # a single tensor is not an iterable of parameters (the type name differs: torch./neurona.)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got"):
        nopt.SGD(neurona.zeros(2, requires_grad=True))


def test_duplicate_parameters_warn_like_torch():
    p = neurona.zeros(2, requires_grad=True)
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters"):
        nopt.SGD([p, p])


def test_exports_match_torch_names():
    for name in nopt.__all__:
        assert hasattr(torch.optim, name), name
        assert hasattr(nopt, name)
    assert issubclass(nopt.AdamW, nopt.Adam)


def test_deepcopy_of_an_optimizer_is_independent():
    params = _params(neurona, INIT, np.float64)
    opt = nopt.Adam(params)
    _set_grads(neurona, params, GRADS[0], np.float64)
    opt.step()
    clone = copy.deepcopy(opt)
    assert clone.state_dict()["state"][0]["exp_avg"] is not opt.state_dict()["state"][0]["exp_avg"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clone.step()
