"""The ``nn.Module`` API against PyTorch's, on the same models built from one factory
``make(nn)``: registration, iteration order and names, buffers, modes, ``requires_grad_``,
``zero_grad``, ``apply``, dtype conversion, ``state_dict`` / ``load_state_dict`` (keys, order,
errors), hooks, ``repr`` (string-equal), the containers, ``deepcopy``, ``summary``, and
``nn.utils`` (gradient clipping, parameter vectors)."""

from __future__ import annotations

import copy
import inspect
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import torch

import neurona
from neurona import nn
from nn_parity import F64, LAYERS, assert_close, build_pair, to_np


def fw(nn_mod: Any) -> Any:
    """The framework (``torch`` or ``neurona``) of an ``nn`` namespace."""
    return torch if nn_mod is torch.nn else neurona


def make_net(nn_mod: Any) -> Any:
    """A model exercising every kind of registration: nested containers, a shared (tied)
    submodule, a direct parameter, persistent and non-persistent buffers, a None child."""
    m = fw(nn_mod)

    class Net(nn_mod.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn_mod.Embedding(10, 4, padding_idx=0)
            self.blocks = nn_mod.ModuleList(
                [nn_mod.Sequential(nn_mod.Linear(4, 4), nn_mod.LayerNorm(4), nn_mod.GELU()) for _ in range(2)]
            )
            self.heads = nn_mod.ModuleDict({"cls": nn_mod.Linear(4, 3),
                                            "reg": nn_mod.Linear(4, 1, bias=False)})
            self.bn = nn_mod.BatchNorm1d(4)
            self.shared = self.blocks[0]  # the same module under a second name
            self.alpha = nn_mod.Parameter(m.ones(1))
            self.register_buffer("scale", m.full((4,), 2.0))
            self.register_buffer("cache", m.zeros(2), persistent=False)
            self.nothing = None
            self.optional = None
            self.register_parameter("maybe", None)

        def forward(self, idx: Any) -> Any:
            h = self.embed(idx).mean(1) * self.scale
            for block in self.blocks:
                h = block(h)
            h = self.bn(h) * self.alpha
            return self.heads["cls"](h), self.heads["reg"](h)

    return Net()


def make_seq(nn_mod: Any) -> Any:
    return nn_mod.Sequential(
        nn_mod.Linear(6, 8), nn_mod.ReLU(), nn_mod.Dropout(0.2),
        nn_mod.Sequential(OrderedDict([("fc", nn_mod.Linear(8, 8)), ("act", nn_mod.Tanh()),
                                       ("norm", nn_mod.BatchNorm1d(8))])),
        nn_mod.Linear(8, 2),
    )


MODELS = [("net", make_net), ("seq", make_seq)] + [(n, mk) for n, mk, *_ in LAYERS]


def pair_models(make: Any) -> tuple[Any, Any]:
    torch.manual_seed(0)
    return make(nn), make(torch.nn)


# -- iteration: names and order equal torch's ------------------------------------------------------


@pytest.mark.parametrize("make", [m for _, m in MODELS], ids=[n for n, _ in MODELS])
def test_names_and_order_equal_torch(make: Any) -> None:
    n, t = pair_models(make)
    assert [k for k, _ in n.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert [tuple(p.shape) for p in n.parameters()] == [tuple(p.shape) for p in t.parameters()]
    assert [k for k, _ in n.named_buffers()] == [k for k, _ in t.named_buffers()]
    assert [k for k, _ in n.named_children()] == [k for k, _ in t.named_children()]
    assert [k for k, _ in n.named_modules()] == [k for k, _ in t.named_modules()]
    assert [type(x).__name__ for x in n.modules()] == [type(x).__name__ for x in t.modules()]
    n_sd, t_sd = n.state_dict(), t.state_dict()
    assert list(n_sd) == list(t_sd), "state_dict keys and order"
    for k in t_sd:
        assert tuple(n_sd[k].shape) == tuple(t_sd[k].shape), k
        assert str(n_sd[k].dtype).split(".")[-1] == str(t_sd[k].dtype).split(".")[-1], k
    assert sum(p.numel() for p in n.parameters()) == sum(p.numel() for p in t.parameters())


def test_named_members_options() -> None:
    n, t = pair_models(make_net)
    for kw in ({"prefix": "model"}, {"recurse": False}, {"remove_duplicate": False}):
        assert [k for k, _ in n.named_parameters(**kw)] == [k for k, _ in t.named_parameters(**kw)], kw
        assert [k for k, _ in n.named_buffers(**kw)] == [k for k, _ in t.named_buffers(**kw)], kw
    for kw in ({"prefix": "m"}, {"remove_duplicate": False}):
        assert [k for k, _ in n.named_modules(**kw)] == [k for k, _ in t.named_modules(**kw)], kw
    assert len(list(n.parameters(recurse=False))) == 1  # alpha


def test_shared_submodule_counted_once() -> None:
    n, _ = pair_models(make_net)
    assert n.shared is n.blocks[0]
    mods = list(n.modules())
    assert len(mods) == len({id(m) for m in mods})
    params = list(n.parameters())
    assert len(params) == len({id(p) for p in params})
    assert "shared" not in [k for k, _ in n.named_children()] or True
    names = [k for k, _ in n.named_modules()]
    assert "shared" not in names and "blocks.0" in names


def test_shared_submodule_remove_duplicate_like_torch() -> None:
    """``modules`` / ``named_modules`` / ``named_parameters`` / ``named_buffers`` with a shared
    submodule: listed once by default, under every name with ``remove_duplicate=False``, and a
    caller's ``memo`` skips modules either way — the same lists as torch."""
    n, t = pair_models(make_net)

    def listing(model: Any) -> dict:
        out = {"modules": [type(m).__name__ for m in model.modules()],
               "modules_all": [type(m).__name__ for m in model.modules(remove_duplicate=False)]}
        for kw in ({}, {"remove_duplicate": False}, {"prefix": "p", "remove_duplicate": False}):
            key = repr(sorted(kw.items()))
            out["named_modules" + key] = [k for k, _ in model.named_modules(**kw)]
            out["named_parameters" + key] = [k for k, _ in model.named_parameters(**kw)]
            out["named_buffers" + key] = [k for k, _ in model.named_buffers(**kw)]
        memo = {model.blocks[1]}
        out["memo"] = [k for k, _ in model.named_modules(memo=memo, remove_duplicate=False)]
        out["memo_kept"] = len(memo)
        return out

    ours, theirs = listing(n), listing(t)
    assert ours == theirs
    assert "shared" in ours["named_modules[('remove_duplicate', False)]"]
    assert "shared.0.weight" in ours["named_parameters[('remove_duplicate', False)]"]
    assert len(ours["modules_all"]) > len(ours["modules"])
    assert not any(k.startswith("blocks.1") for k in ours["memo"])


def test_module_traversal_signatures_equal_torch() -> None:
    names = ["modules", "named_modules", "children", "named_children", "parameters",
             "named_parameters", "buffers", "named_buffers"]
    for name in names:
        a = [(k, v.default, v.kind)
             for k, v in inspect.signature(getattr(nn.Module, name)).parameters.items()]
        b = [(k, v.default, v.kind)
             for k, v in inspect.signature(getattr(torch.nn.Module, name)).parameters.items()]
        assert a == b, f"{name}: {a} vs torch {b}"


def test_tied_parameter_counted_once() -> None:
    for nn_mod in (nn, torch.nn):
        a, b = nn_mod.Linear(3, 3), nn_mod.Linear(3, 3)
        b.weight = a.weight
        seq = nn_mod.Sequential(a, b)
        assert [k for k, _ in seq.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
        assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


# -- registration ----------------------------------------------------------------------------------


def test_attribute_registration() -> None:
    m = nn.Module()
    m.w = nn.Parameter(neurona.zeros(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("buf", neurona.ones(3))
    m.plain = neurona.zeros(1)  # a plain tensor attribute is neither parameter nor buffer
    m.number = 3
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"] and list(m._buffers) == ["buf"]
    assert "plain" not in m.state_dict() and m.number == 3
    assert isinstance(m.buf, neurona.Tensor) and not isinstance(m.buf, nn.Parameter)
    m.buf = neurona.zeros(3)  # re-assigning a buffer name keeps it a buffer
    assert "buf" in m._buffers and m.state_dict()["buf"].sum().item() == 0
    m.w = None
    assert m.w is None and "w" not in m.state_dict()
    with pytest.raises(TypeError, match="cannot assign"):
        m.sub = neurona.zeros(2)
    m.w = nn.Parameter(neurona.ones(2))
    with pytest.raises(TypeError, match="cannot assign"):
        m.w = neurona.zeros(2)
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="has no attribute 'sub'"):
        _ = m.sub
    with pytest.raises(AttributeError):
        torch.nn.Module().sub  # noqa: B018


def test_registration_errors_like_torch() -> None:
    for nn_mod in (nn, torch.nn):
        m = nn_mod.Module()
        m.x = 1
        with pytest.raises(KeyError):
            m.register_buffer("x", None)
        with pytest.raises(KeyError):
            m.register_parameter("a.b", None)
        with pytest.raises(KeyError):
            m.add_module("", nn_mod.ReLU())
        with pytest.raises(TypeError):
            m.register_buffer("b", [1, 2])
        with pytest.raises(TypeError):
            m.add_module("c", 5)

    class Early(nn.Module):
        def __init__(self) -> None:
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_buffer_persistence() -> None:
    for nn_mod in (nn, torch.nn):
        m = fw(nn_mod)
        mod = nn_mod.Module()
        mod.register_buffer("keep", m.ones(2))
        mod.register_buffer("drop", m.ones(2), persistent=False)
        assert list(mod.state_dict()) == ["keep"]
        assert [k for k, _ in mod.named_buffers()] == ["keep", "drop"]
        mod.register_buffer("drop", m.zeros(2), persistent=True)
        assert list(mod.state_dict()) == ["keep", "drop"]
    mod = nn.Module()
    mod.b = nn.Buffer(neurona.ones(2), persistent=False)
    assert [k for k, _ in mod.named_buffers()] == ["b"] and list(mod.state_dict()) == []


def test_get_submodule_parameter_buffer() -> None:
    n, t = pair_models(make_net)
    assert n.get_submodule("blocks.1.0") is n.blocks[1][0]
    assert n.get_parameter("heads.cls.bias") is n.heads["cls"].bias
    assert n.get_buffer("bn.running_var") is n.bn.running_var
    with pytest.raises(AttributeError):
        n.get_submodule("blocks.7")
    with pytest.raises(AttributeError):
        t.get_submodule("blocks.7")


# -- modes, requires_grad_, zero_grad, apply ------------------------------------------------------


def test_train_eval_propagate() -> None:
    n, t = pair_models(make_net)
    for fn in (lambda m: m.eval(), lambda m: m.train(), lambda m: m.train(False), lambda m: m.blocks.train()):
        assert fn(n) is not None
        fn(t)
        assert [m.training for m in n.modules()] == [m.training for m in t.modules()]
    assert n.eval() is n and n.train() is n
    with pytest.raises(ValueError):
        n.train("yes")


def test_requires_grad_() -> None:
    n, _ = pair_models(make_net)
    assert n.requires_grad_(False) is n
    assert not any(p.requires_grad for p in n.parameters())
    n.blocks.requires_grad_()
    assert [k for k, p in n.named_parameters() if p.requires_grad] == [
        k for k, _ in n.named_parameters() if k.startswith("blocks")]
    assert not n.bn.running_mean.requires_grad


def _backward_once(model: Any, m: Any) -> None:
    x = m.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    a, b = model(x)
    (a.sum() + b.sum()).backward()


def test_zero_grad() -> None:
    n, t = pair_models(make_net)
    _backward_once(n, neurona)
    _backward_once(t, torch)
    grads = {k: p.grad for k, p in n.named_parameters()}
    assert all(g is not None for g in grads.values())
    n.zero_grad(set_to_none=False)
    t.zero_grad(set_to_none=False)
    for k, p in n.named_parameters():
        assert p.grad is grads[k], "set_to_none=False zeroes in place"
        assert not p.grad.numpy().any()
    n.zero_grad()
    t.zero_grad()
    assert all(p.grad is None for p in n.parameters())
    assert all(p.grad is None for p in t.parameters())


def test_grads_accumulate_and_match_torch() -> None:
    n, t = build_pair(make_net, F64)
    for _ in range(2):
        _backward_once(n, neurona)
        _backward_once(t, torch)
    tp = dict(t.named_parameters())
    for k, p in n.named_parameters():
        assert_close(p.grad, tp[k].grad, F64, f"accumulated grad of {k}")


def test_apply_order() -> None:
    n, t = pair_models(make_seq)
    seen_n, seen_t = [], []
    assert n.apply(lambda m: seen_n.append(type(m).__name__)) is n
    t.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_n == seen_t

    def reinit(m: Any) -> None:
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    n.apply(reinit)
    assert all(not mod.weight.detach().numpy().any() for mod in n.modules() if isinstance(mod, nn.Linear))


@pytest.mark.parametrize("convert", ["to", "double", "float", "to-tensor", "type"])
def test_dtype_conversion_keeps_identity(convert: str) -> None:
    n, _ = pair_models(make_net)
    params = dict(n.named_parameters())
    bufs = dict(n.named_buffers())
    x = neurona.tensor([[1, 2], [3, 4]])
    _backward_once(n, neurona)
    target = neurona.float64
    out = {"to": lambda: n.to(neurona.float64), "double": n.double, "type": lambda: n.type(neurona.float64),
           "to-tensor": lambda: n.to(neurona.zeros(1, dtype=neurona.float64)),
           "float": lambda: n.double().float()}[convert]()
    if convert == "float":
        target = neurona.float32
    assert out is n
    for k, p in n.named_parameters():
        assert p is params[k], f"{k}: the same Parameter object"
        assert p.dtype == target and p.requires_grad
        assert p.grad is None or p.grad.dtype == target
    for k, b in n.named_buffers():
        assert b is bufs[k]
    assert n.bn.num_batches_tracked.dtype == neurona.int64, "integer buffers keep their dtype"
    assert n.bn.running_mean.dtype == target
    assert isinstance(x, neurona.Tensor)


def test_to_same_dtype_keeps_arrays() -> None:
    """float() on a float32 model changes nothing: views of its weights still see them."""
    lin = nn.Linear(2, 2)
    view = lin.weight.detach()
    lin.float()
    with neurona.no_grad():
        lin.weight.add_(1.0)
    np.testing.assert_array_equal(view.numpy(), lin.weight.detach().numpy())


def test_to_rejects_integer_dtype_like_torch() -> None:
    with pytest.raises(TypeError):
        torch.nn.Linear(2, 2).to(torch.int64)
    with pytest.raises(TypeError):
        nn.Linear(2, 2).to(neurona.int64)
    assert nn.Linear(2, 2).to("cpu") is not None


def test_double_model_runs_float64() -> None:
    n, t = build_pair(make_seq, F64)
    n.eval()
    t.eval()
    x = np.random.default_rng(0).standard_normal((4, 6))
    assert_close(n(neurona.tensor(x)), t(torch.from_numpy(x)), F64, "double model")


# -- state dicts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["torch", "numpy", "neurona"])
def test_load_state_dict_sources(source: str) -> None:
    n, t = pair_models(make_net)
    sd = t.state_dict()
    if source == "numpy":
        sd = OrderedDict((k, v.numpy()) for k, v in sd.items())
    elif source == "neurona":
        sd = OrderedDict((k, neurona.tensor(v.numpy())) for k, v in sd.items())
    params = dict(n.named_parameters())
    result = n.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(to_np(n.state_dict()[k]), v.numpy(), err_msg=k)
    assert all(p is params[k] for k, p in n.named_parameters()), "loaded in place"


def test_load_state_dict_copies() -> None:
    """The loaded values are copies: changing the source later does not change the model."""
    n, t = pair_models(lambda m: m.Linear(3, 2))
    sd = t.state_dict()
    n.load_state_dict(sd)
    with torch.no_grad():
        t.weight.add_(1.0)
    assert not np.allclose(n.weight.detach().numpy(), t.weight.detach().numpy())


def test_state_dict_shares_memory_and_is_detached() -> None:
    lin = nn.Linear(3, 2)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad
    sd["weight"].numpy()[0, 0] = 42.0
    assert lin.weight.detach().numpy()[0, 0] == 42.0
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight
    assert list(lin.state_dict(prefix="enc.")) == ["enc.weight", "enc.bias"]


def _both_errors(make: Any, sd_fn: Any, strict: bool = True) -> tuple[str, str]:
    n, t = pair_models(make)
    with pytest.raises(RuntimeError) as t_err:
        t.load_state_dict(sd_fn(t.state_dict(), torch), strict=strict)
    with pytest.raises(RuntimeError) as n_err:
        n.load_state_dict(sd_fn(t.state_dict(), neurona), strict=strict)
    return str(n_err.value), str(t_err.value)


def _drop(sd: dict, *keys: str) -> OrderedDict:
    return OrderedDict((k, v) for k, v in sd.items() if k not in keys)


@pytest.mark.parametrize("case", ["missing", "unexpected", "both", "shape", "shape-nonstrict",
                                  "shape-and-missing", "nested"])
def test_load_state_dict_errors_equal_torch(case: str) -> None:
    z = torch.zeros
    fns = {
        "missing": (lambda m: m.Linear(4, 3), lambda sd, f: _drop(sd, "bias"), True),
        "unexpected": (lambda m: m.Linear(4, 3), lambda sd, f: OrderedDict(sd, extra=z(1)), True),
        "both": (lambda m: m.Linear(4, 3),
                 lambda sd, f: OrderedDict(_drop(sd, "bias"), **{"x.y": z(1)}), True),
        "shape": (lambda m: m.Linear(4, 3), lambda sd, f: OrderedDict(sd, weight=z(3, 5)), True),
        "shape-nonstrict": (lambda m: m.Linear(4, 3), lambda sd, f: OrderedDict(
            _drop(sd, "bias"), weight=z(3, 5), extra=z(1)), False),
        "shape-and-missing": (make_seq, lambda sd, f: OrderedDict(
            _drop(sd, "3.fc.bias"), **{"0.weight": z(8, 5)}), True),
        "nested": (make_net, lambda sd, f: OrderedDict(
            _drop(sd, "bn.running_var", "heads.reg.weight"), **{"blocks.2.0.weight": z(2)}), True),
    }
    make, sd_fn, strict = fns[case]
    n_msg, t_msg = _both_errors(make, sd_fn, strict)
    assert n_msg == t_msg


def test_load_state_dict_error_type_name() -> None:
    n, t = pair_models(make_net)
    with pytest.raises(RuntimeError, match="Error\\(s\\) in loading state_dict for Net"):
        n.load_state_dict(_drop(t.state_dict(), "alpha"))


def test_load_state_dict_non_strict_returns_keys() -> None:
    n, t = pair_models(make_net)
    sd = OrderedDict(_drop(t.state_dict(), "alpha", "bn.weight"), extra=torch.zeros(1),
                     **{"heads.x": torch.zeros(1)})
    rn = n.load_state_dict(sd, strict=False)
    rt = t.load_state_dict(sd, strict=False)
    assert rn.missing_keys == rt.missing_keys and rn.unexpected_keys == rt.unexpected_keys
    assert repr(rn) == repr(rt)
    assert rn == rt


def test_batchnorm_state_dict_without_num_batches_tracked() -> None:
    """Old checkpoints (no version metadata) lack num_batches_tracked: accepted, like torch."""
    n, t = pair_models(lambda m: m.BatchNorm1d(3))
    sd = {k: v for k, v in t.state_dict().items() if k != "num_batches_tracked"}
    assert repr(n.load_state_dict(sd)) == repr(t.load_state_dict(sd))
    meta_sd = _drop(t.state_dict(), "num_batches_tracked")
    meta_sd._metadata = t.state_dict()._metadata
    n_msg, t_msg = _both_errors(lambda m: m.BatchNorm1d(3), lambda sd, f: meta_sd)
    assert n_msg == t_msg


def test_load_state_dict_casts_dtype() -> None:
    n = nn.Linear(2, 2)
    n.load_state_dict({"weight": np.ones((2, 2), np.float64), "bias": np.zeros(2, np.int64)})
    assert n.weight.dtype == neurona.float32 and n.weight.detach().numpy().sum() == 4


def test_state_dict_round_trip_runs_identically() -> None:
    """neurona → state_dict → a fresh neurona model: the same outputs."""
    n1, _ = pair_models(make_seq)
    n2 = make_seq(nn)
    n2.load_state_dict(n1.state_dict())
    n1.eval()
    n2.eval()
    x = neurona.randn(3, 6)
    np.testing.assert_array_equal(n1(x).detach().numpy(), n2(x).detach().numpy())


# -- hooks ----------------------------------------------------------------------------------------


def _hooked_linear_run(nn_mod: Any) -> tuple:
    m = fw(nn_mod)
    lin = nn_mod.Linear(2, 2)
    lin.load_state_dict({"weight": torch.eye(2), "bias": torch.zeros(2)})
    log: list = []
    h_pre = lin.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h_pre2 = lin.register_forward_pre_hook(lambda mod, args: args[0] + 1)  # non-tuple: wrapped
    h_post = lin.register_forward_hook(lambda mod, args, out: log.append(to_np(args[0]).tolist()))
    h_mod = lin.register_forward_hook(lambda mod, args, out: out * 10)
    x = m.tensor([[1.0, 2.0]])
    first = to_np(lin(x)).tolist()
    for h in (h_pre, h_pre2, h_post, h_mod):
        h.remove()
    second = to_np(lin(x)).tolist()
    return first, second, log


def test_forward_hooks_like_torch() -> None:
    ours, theirs = _hooked_linear_run(nn), _hooked_linear_run(torch.nn)
    assert ours == theirs
    assert ours[0] == [[30.0, 50.0]] and ours[1] == [[1.0, 2.0]] and ours[2] == [[[3.0, 5.0]]]


@pytest.mark.parametrize("nn_mod", [nn, torch.nn], ids=["neurona", "torch"])
def test_hooks_with_kwargs_prepend_and_always_call(nn_mod: Any) -> None:
    m = fw(nn_mod)
    calls: list = []

    class Scale(nn_mod.Module):
        def forward(self, x: Any, factor: float = 1.0) -> Any:
            if factor < 0:
                raise ValueError("negative")
            return x * factor

    s = Scale()
    s.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    s.register_forward_hook(lambda mod, args, kwargs, out: calls.append(("kw", kwargs)) or out + 1,
                            with_kwargs=True)
    s.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
    out = s(m.tensor([1.0]), factor=2.0)
    assert to_np(out).tolist() == [4.0]
    assert calls == ["first", ("kw", {"factor": 3.0})]
    t = Scale()
    t.register_forward_hook(lambda mod, args, out: calls.append(("always", out)), always_call=True)
    with pytest.raises(ValueError):
        t(m.tensor([1.0]), factor=-1.0)
    assert calls[-1] == ("always", None)
    bad = Scale()
    bad.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        bad(m.tensor([1.0]))


def test_hook_handle_context_manager() -> None:
    lin = nn.Linear(2, 2)
    with lin.register_forward_hook(lambda mod, args, out: out * 0):
        assert not lin(neurona.ones(1, 2)).detach().numpy().any()
    assert lin(neurona.ones(1, 2)).detach().numpy().any()


# -- repr -----------------------------------------------------------------------------------------

EXTRA_REPRS = [
    lambda m: m.Sequential(), lambda m: m.ModuleList(), lambda m: m.ModuleDict(),
    lambda m: m.ModuleList([m.Linear(2, 2) for _ in range(3)] + [m.ReLU(), m.Sequential(m.ReLU())] * 2),
    lambda m: m.ModuleDict({"a": m.ReLU(), "b": m.Sequential(m.Linear(1, 2), m.Dropout(0.3))}),
    lambda m: m.Dropout(), lambda m: m.Dropout(0.25, inplace=True), lambda m: m.Dropout1d(0.1),
    lambda m: m.Dropout2d(), lambda m: m.AlphaDropout(0.2),
    lambda m: m.Softmax(), lambda m: m.Softmin(dim=1), lambda m: m.LogSoftmax(), lambda m: m.GLU(),
    lambda m: m.Tanhshrink(), lambda m: m.Hardtanh(-2, 2), lambda m: m.Hardtanh(-2.0, 3.5, True),
    lambda m: m.ReLU6(True), lambda m: m.LeakyReLU(0.3, True), lambda m: m.Softplus(2, 10),
    lambda m: m.Threshold(1, 2), lambda m: m.PReLU(4, init=0.1), lambda m: m.GELU("tanh"),
    lambda m: m.ELU(0.5, True), lambda m: m.CELU(2.0), lambda m: m.SELU(True), lambda m: m.Hardswish(True),
    lambda m: m.Embedding(5, 2, max_norm=1), lambda m: m.Embedding(5, 2, max_norm=1.0, norm_type=1.0),
    lambda m: m.Embedding(5, 2, scale_grad_by_freq=True, sparse=True),
    lambda m: m.Flatten(0), lambda m: m.Unflatten(1, [2, 3]), lambda m: m.Unflatten(-1, (2, 3)),
    lambda m: m.BatchNorm1d(4, momentum=None, eps=1e-3), lambda m: m.BatchNorm1d(4, bias=False),
    lambda m: m.LayerNorm([2, 3]), lambda m: m.LayerNorm(3, bias=False), lambda m: m.Identity(3),
    lambda m: m.MSELoss(), lambda m: m.L1Loss(reduction="sum"), lambda m: m.HuberLoss(delta=0.5),
    lambda m: m.SmoothL1Loss(beta=0.2), lambda m: m.BCELoss(), lambda m: m.BCEWithLogitsLoss(),
    lambda m: m.CrossEntropyLoss(label_smoothing=0.1), lambda m: m.NLLLoss(ignore_index=0),
    lambda m: m.KLDivLoss(reduction="batchmean"), lambda m: m.PoissonNLLLoss(),
    make_seq, make_net,
]
REPRS = [mk for _, mk, *_ in LAYERS] + EXTRA_REPRS


@pytest.mark.parametrize("make", REPRS, ids=[f"{i}" for i in range(len(REPRS))])
def test_repr_equals_torch(make: Any) -> None:
    n, t = pair_models(make)
    assert repr(n) == repr(t)
    assert str(n) == str(t)


def test_parameter_containers_repr() -> None:
    def build(m: Any) -> Any:
        mod = m.nn.Module()
        mod.plist = m.nn.ParameterList([m.nn.Parameter(m.zeros(3, 4)), m.zeros(5)])
        mod.pdict = m.nn.ParameterDict({"a": m.nn.Parameter(m.zeros(2))})
        return mod
    assert repr(build(neurona)).replace("neurona.", "torch.") == repr(build(torch))


# -- containers ----------------------------------------------------------------------------------


def test_sequential_list_behaviour() -> None:
    for nn_mod in (nn, torch.nn):
        a, b, c, d = nn_mod.ReLU(), nn_mod.Tanh(), nn_mod.Sigmoid(), nn_mod.Identity()
        s = nn_mod.Sequential(a, b, c)
        assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
        with pytest.raises(IndexError):
            s[3]  # noqa: B018
        sl = s[1:]
        assert isinstance(sl, nn_mod.Sequential) and list(sl) == [b, c] and list(sl._modules) == ["1", "2"]
        s.append(d)
        assert list(s._modules) == ["0", "1", "2", "3"] and s[3] is d
        s.insert(1, nn_mod.ELU())
        assert [type(x).__name__ for x in s] == ["ReLU", "ELU", "Tanh", "Sigmoid", "Identity"]
        assert list(s._modules) == ["0", "1", "2", "3", "4"]
        del s[1]
        assert [type(x).__name__ for x in s] == ["ReLU", "Tanh", "Sigmoid", "Identity"]
        assert list(s._modules) == ["0", "1", "2", "3"]
        del s[1:3]
        assert list(s) == [a, d] and list(s._modules) == ["0", "1"]
        s[0] = c
        assert s[0] is c
        assert s.pop(0) is c and len(s) == 1
        s.extend([a, b])
        assert list(s) == [d, a, b]
        t = s + nn_mod.Sequential(c)
        assert list(t) == [d, a, b, c] and len(s) == 3
        s += nn_mod.Sequential(c)
        assert list(s) == [d, a, b, c]
        assert list(nn_mod.Sequential(a) * 2) == [a, a]
        named = nn_mod.Sequential(OrderedDict([("first", a), ("second", b)]))
        assert named.first is a and named[1] is b and list(named._modules) == ["first", "second"]


def test_sequential_forward_matches_torch() -> None:
    n, t = build_pair(make_seq, F64)
    n.eval()
    t.eval()
    x = np.random.default_rng(0).standard_normal((5, 6))
    assert_close(n(neurona.tensor(x)), t(torch.from_numpy(x)), F64, "Sequential forward")


def test_module_list_and_dict() -> None:
    for nn_mod in (nn, torch.nn):
        a, b, c = nn_mod.Linear(1, 1), nn_mod.ReLU(), nn_mod.Tanh()
        ml = nn_mod.ModuleList([a, b])
        ml.append(c)
        assert len(ml) == 3 and ml[-1] is c and list(ml) == [a, b, c]
        ml.insert(0, c)
        assert list(ml) == [c, a, b, c] and list(ml._modules) == ["0", "1", "2", "3"]
        del ml[0]
        assert list(ml) == [a, b, c]
        assert isinstance(ml[:2], nn_mod.ModuleList) and list(ml[:2]) == [a, b]
        ml += [nn_mod.Identity()]
        assert len(ml) == 4
        ml.extend(nn_mod.ModuleList([b]))
        assert len(ml) == 5
        assert ml.pop(1) is b and len(ml) == 4
        assert len(list(ml.parameters())) == 2
        md = nn_mod.ModuleDict({"x": a, "y": b})
        md["z"] = c
        assert list(md.keys()) == ["x", "y", "z"] and md["z"] is c and "y" in md and len(md) == 3
        assert list(md) == ["x", "y", "z"] and [k for k, _ in md.items()] == ["x", "y", "z"]
        assert md.pop("y") is b and list(md.keys()) == ["x", "z"]
        del md["x"]
        assert list(md.values()) == [c]
        md.update([("w", a)])
        assert list(md.keys()) == ["z", "w"]
        md.clear()
        assert len(md) == 0


def test_parameter_list_and_dict() -> None:
    for nn_mod in (nn, torch.nn):
        m = fw(nn_mod)
        pl = nn_mod.ParameterList([nn_mod.Parameter(m.zeros(2)), m.ones(3)])
        assert len(pl) == 2 and isinstance(pl[1], nn_mod.Parameter)
        pl.append(m.zeros(4))
        assert [tuple(p.shape) for p in pl] == [(2,), (3,), (4,)]
        assert [k for k, _ in pl.named_parameters()] == ["0", "1", "2"]
        pd = nn_mod.ParameterDict({"a": m.zeros(2)})
        pd["b"] = nn_mod.Parameter(m.ones(1))
        assert list(pd.keys()) == ["a", "b"] and isinstance(pd["a"], nn_mod.Parameter) and "b" in pd
        assert [k for k, _ in pd.named_parameters()] == ["a", "b"]
        del pd["a"]
        assert list(pd) == ["b"] and len(pd) == 1


# -- deepcopy -------------------------------------------------------------------------------------


def test_deepcopy_is_independent() -> None:
    n, _ = pair_models(make_net)
    _backward_once(n, neurona)
    c = copy.deepcopy(n)
    assert [k for k, _ in c.named_parameters()] == [k for k, _ in n.named_parameters()]
    assert list(c.state_dict()) == list(n.state_dict())
    assert c.shared is c.blocks[0], "sharing is preserved inside the copy"
    for (k, p), q in zip(n.named_parameters(), c.parameters()):
        assert p is not q and isinstance(q, nn.Parameter) and q.requires_grad == p.requires_grad
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=k)
        assert q.grad is not None and q.grad is not p.grad
    with neurona.no_grad():
        c.heads["cls"].weight.add_(1.0)
        c.bn.running_mean.add_(1.0)
    assert not np.allclose(c.heads["cls"].weight.detach().numpy(), n.heads["cls"].weight.detach().numpy())
    assert not np.allclose(c.bn.running_mean.numpy(), n.bn.running_mean.numpy())
    c.eval()
    assert n.training and not c.training
    x = neurona.tensor([[1, 2, 3], [3, 2, 1]])
    n.eval()
    d = copy.deepcopy(n)
    np.testing.assert_array_equal(d(x)[0].detach().numpy(), n(x)[0].detach().numpy())


def test_deepcopy_keeps_hooks_and_tied_weights() -> None:
    a = nn.Linear(2, 2)
    b = nn.Linear(2, 2)
    b.weight = a.weight
    s = nn.Sequential(a, b)
    c = copy.deepcopy(s)
    assert c[0].weight is c[1].weight and c[0].weight is not a.weight


# -- summary ---------------------------------------------------------------------------------------


def _actual_shapes(model: Any, x: Any) -> dict:
    shapes: dict = {}

    def record(name: str) -> Any:
        def hook(mod: Any, args: Any, out: Any) -> None:
            shapes.setdefault(name, list(out.shape))
        return hook

    handles = [mod.register_forward_hook(record(name)) for name, mod in model.named_modules()]
    model.eval()
    model(x)
    for h in handles:
        h.remove()
    return shapes


@pytest.mark.parametrize("framework", ["neurona", "torch"])
def test_summary(framework: str) -> None:
    m = neurona if framework == "neurona" else torch
    torch.manual_seed(0)
    model = make_seq(m.nn)
    model[0].requires_grad_(False)
    model[3].norm.eval()  # a frozen batch norm inside a training model keeps its mode
    info = neurona.summary(model, (2, 6))
    total = sum(p.numel() for p in model.parameters())
    assert info.total_params == total
    assert info.trainable_params == total - 6 * 8 - 8
    assert info.non_trainable_params == 56
    assert info.output_shape == [2, 2]
    assert info.input_size == [2, 6]
    assert model.training and model[0].training and not model[3].norm.training, "modes restored"
    shapes = _actual_shapes(model, m.zeros(2, 6))
    for row in info.layers:
        assert row.output_shape == shapes[row.name], row.name
        mod = model.get_submodule(row.name)
        assert row.num_params == sum(p.numel() for p in mod.parameters(recurse=False)), row.name
    assert [r.name for r in info.layers] == [k for k, _ in model.named_modules()]
    text = str(info)
    assert f"Total params: {total:,}" in text and f"Trainable params: {total - 56:,}" in text


def test_summary_depth_and_multiple_outputs() -> None:
    model = make_net(nn)
    info = neurona.summary(model, input_data=neurona.tensor([[1, 2, 3]]), depth=1)
    assert info.total_params == sum(p.numel() for p in model.parameters())
    assert sum(r.num_params for r in info.layers) == info.total_params, "depth-1 rows fold the deeper ones"
    assert info.output_shape == [1, 3]
    assert max(r.depth for r in info.layers) == 1


def test_summary_counts_equal_torch() -> None:
    n, t = pair_models(make_seq)
    a, b = neurona.summary(n, (3, 6)), neurona.summary(t, (3, 6))
    assert [(r.name, r.output_shape, r.num_params) for r in a.layers] == [
        (r.name, r.output_shape, r.num_params) for r in b.layers]


# -- nn.utils ------------------------------------------------------------------------------------


def _grads_pair(seed: int = 0) -> tuple[list, list]:
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    arrs = [rng.standard_normal(s) * 3 for s in shapes]
    n = [nn.Parameter(neurona.tensor(a)) for a in arrs]
    t = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrs]
    for p, q, a in zip(n, t, arrs):
        g = rng.standard_normal(a.shape) * 2
        p.grad = neurona.tensor(g)
        q.grad = torch.from_numpy(g.copy())
    return n, t


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm(norm_type: Any, max_norm: float) -> None:
    n, t = _grads_pair()
    total_n = nn.utils.clip_grad_norm_(n, max_norm, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(t, max_norm, norm_type)
    assert_close(total_n, total_t, F64, "total norm")
    for p, q in zip(n, t):
        assert_close(p.grad, q.grad, F64, "clipped grad")


def test_clip_grad_norm_float32_and_single_tensor() -> None:
    p = nn.Parameter(neurona.ones(10))
    p.grad = neurona.full((10,), 3.0)
    q = torch.nn.Parameter(torch.ones(10))
    q.grad = torch.full((10,), 3.0)
    tn, tt = nn.utils.clip_grad_norm_(p, 1.0), torch.nn.utils.clip_grad_norm_(q, 1.0)
    assert_close(tn, tt, "float32", "single tensor")
    assert_close(p.grad, q.grad, "float32", "single tensor grad")
    assert nn.utils.clip_grad_norm_([nn.Parameter(neurona.ones(2))], 1.0).item() == 0.0


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_get_total_norm_and_clip_with_norm(norm_type: float) -> None:
    n, t = _grads_pair(2)
    total_n = nn.utils.get_total_norm([p.grad for p in n], norm_type)
    total_t = torch.nn.utils.get_total_norm([q.grad for q in t], norm_type)
    assert_close(total_n, total_t, F64, "get_total_norm")
    nn.utils.clip_grads_with_norm_(n, 1.0, total_n)
    torch.nn.utils.clip_grads_with_norm_(t, 1.0, total_t)
    for p, q in zip(n, t):
        assert_close(p.grad, q.grad, F64, "clip_grads_with_norm_")
    assert_close(nn.utils.get_total_norm([]), torch.nn.utils.get_total_norm([]), "float32", "empty")


def test_clip_grad_norm_nonfinite() -> None:
    p = nn.Parameter(neurona.ones(2))
    p.grad = neurona.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("clip", [0.5, 2.0])
def test_clip_grad_value(clip: float) -> None:
    n, t = _grads_pair(1)
    nn.utils.clip_grad_value_(n, clip)
    torch.nn.utils.clip_grad_value_(t, clip)
    for p, q in zip(n, t):
        assert_close(p.grad, q.grad, F64, "clip value")


def test_parameters_to_vector_and_back() -> None:
    n, t = pair_models(make_seq)
    n.load_state_dict(t.state_dict())
    vn = nn.utils.parameters_to_vector(n.parameters())
    vt = torch.nn.utils.parameters_to_vector(t.parameters())
    assert_close(vn, vt, "float32", "parameters_to_vector")
    new = np.arange(vt.numel(), dtype=np.float32) / 1000
    nn.utils.vector_to_parameters(neurona.tensor(new), n.parameters())
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new.copy()), t.parameters())
    for (k, p), q in zip(n.named_parameters(), t.parameters()):
        assert_close(p, q, "float32", f"vector_to_parameters {k}")
    with pytest.raises(TypeError):
        nn.utils.vector_to_parameters(new, n.parameters())
    # the vector is differentiable w.r.t. the parameters
    x = nn.Parameter(neurona.ones(2, 2))
    v = nn.utils.parameters_to_vector([x])
    (v * neurona.arange(4.0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1], [2, 3]])


# -- signatures ----------------------------------------------------------------------------------


def test_utils_and_init_signatures_equal_torch() -> None:
    diffs = []
    for ours, theirs in ((nn.utils, torch.nn.utils), (nn.init, torch.nn.init)):
        for name in dir(ours):
            fn = getattr(ours, name)
            if name.startswith("_") or not inspect.isfunction(fn) or name == "summary":
                continue
            a = [(k, v.default, v.kind) for k, v in inspect.signature(fn).parameters.items()]
            torch_fn = getattr(theirs, name)
            b = [(k, v.default, v.kind) for k, v in inspect.signature(torch_fn).parameters.items()]
            if a != b:
                diffs.append(f"{name}: {a} vs torch {b}")
    assert not diffs, "\n".join(diffs)


def test_module_signatures_equal_torch() -> None:
    """Every module class has torch's constructor parameters (names, order, defaults)."""
    diffs = []
    for name in nn.__all__:
        cls = getattr(nn, name)
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)) or name == "Module":
            continue
        a = inspect.signature(cls.__init__).parameters
        b = inspect.signature(getattr(torch.nn, name).__init__).parameters

        def norm(params: Any) -> list:
            # a function default (activation=F.relu) is each framework's own: compare by name
            return [(k, getattr(v.default, "__name__", v.default) if callable(v.default) else v.default,
                     v.kind) for k, v in params.items()]

        if norm(a) != norm(b):
            diffs.append(f"{name}: {list(a)} vs torch {list(b)}")
    assert not diffs, "\n".join(diffs)
