"""Autograd semantics, checked against PyTorch run side by side on the same data.

Each case is a function of the framework module (``neurona`` or ``torch``); it runs on
both and the results (tensors, grads, names, exceptions) are compared.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch

import neurona as nt

# -- helpers ------------------------------------------------------------------------------


def _to_np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


def same(ours, theirs, rtol=1e-6, atol=1e-6):
    """Recursively compare a neurona result with a torch result (values, shapes, dtypes)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, nt.Tensor), f"expected a Tensor, got {ours!r}"
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        np.testing.assert_allclose(_to_np(ours), _to_np(theirs), rtol=rtol, atol=atol)
    elif isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t, rtol, atol)
    elif isinstance(theirs, dict):
        assert ours.keys() == theirs.keys()
        for k in theirs:
            same(ours[k], theirs[k], rtol, atol)
    elif isinstance(theirs, str):  # grad_fn names: torch::autograd::CopySlices is CopySlices here
        assert ours == theirs.removeprefix("torch::autograd::"), f"{ours!r} != {theirs!r}"
    else:
        assert ours == theirs, f"{ours!r} != {theirs!r}"


def both(case, **tol):
    """Run ``case(lib)`` on neurona and torch; results must agree. Returns neurona's."""
    theirs = case(torch)
    ours = case(nt)
    same(ours, theirs, **tol)
    return ours


def both_raise(case, *phrases, exact=False):
    """``case`` raises the same exception type on both; our message contains each phrase.

    With ``exact``, the messages must be equal (torch's with 'torch.' read as 'neurona.').
    """
    with pytest.raises(Exception) as t_info:
        case(torch)
    with pytest.raises(Exception) as n_info:
        case(nt)
    assert n_info.type is t_info.type, (n_info.value, t_info.value)
    for p in phrases:
        assert p in str(t_info.value), f"phrase {p!r} not in torch's message {t_info.value}"
        assert p in str(n_info.value), f"phrase {p!r} not in our message {n_info.value}"
    if exact:
        assert str(n_info.value) == str(t_info.value).replace("torch.", "neurona.")
    return n_info.value


X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=np.float32)
W = np.array([[1.0, 2.0], [-0.5, 0.3], [0.7, -1.2]], dtype=np.float32)


def leaf(lib, arr=X):
    return lib.tensor(arr.copy(), requires_grad=True)


# -- accumulation, reuse, retain_graph --------------------------------------------------


def test_grad_accumulates_over_two_backward_calls():
    def case(lib):
        x = leaf(lib)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x.exp() * 3).sum().backward()
        return first, x.grad

    both(case)


def test_reused_node_sums_all_contributions():
    def case(lib):
        x = leaf(lib)
        y = x * x * x + x.sin() * x  # x used five times
        y.sum().backward()
        return x.grad

    both(case)


def test_diamond_graph():
    def case(lib):
        x = leaf(lib)
        a = x.exp()
        b = a * 2
        c = a.tanh()
        d = (b * c + a).sum()
        d.backward()
        return x.grad

    both(case)


def test_matmul_broadcast_and_shared_weight():
    def case(lib):
        x = leaf(lib)
        w = leaf(lib, W)
        b = lib.tensor([0.1, -0.2], requires_grad=True)
        h = (x @ w + b).relu()
        out = (h @ w.T).pow(2).mean() + (w * w).sum()
        out.backward()
        return x.grad, w.grad, b.grad

    both(case)


def test_second_backward_without_retain_graph_raises():
    def case(lib):
        x = leaf(lib)
        y = (x.exp() * x).sum()
        y.backward()
        y.backward()

    both_raise(case, "retain_graph")


def test_retain_graph_allows_second_backward_and_accumulates():
    def case(lib):
        x = leaf(lib)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        first = x.grad.clone()
        y.backward()
        return first, x.grad

    ours = both(case)
    np.testing.assert_allclose(ours[1].numpy(), 2 * ours[0].numpy(), rtol=1e-6)


# -- grad mode ----------------------------------------------------------------------------


def test_no_grad_context_and_decorator():
    def case(lib):
        x = leaf(lib)
        with lib.no_grad():
            y = x * 2
            inside = lib.is_grad_enabled()

        @lib.no_grad()
        def f(t):
            return t * 3, lib.is_grad_enabled()

        z, in_f = f(x)
        return (y.requires_grad, y.grad_fn is None, inside, z.requires_grad, in_f,
                lib.is_grad_enabled())

    assert both(case) == (False, True, False, False, False, True)


def test_grad_mode_bare_decorators():
    """``@no_grad`` / ``@enable_grad`` / ``@inference_mode`` without parentheses (torch 2.x)."""
    def case(lib):
        x = leaf(lib)

        @lib.no_grad
        def off(t):
            """doc"""
            return t * 2, lib.is_grad_enabled()

        @lib.enable_grad
        def on(t):
            return t * 2, lib.is_grad_enabled()

        @lib.inference_mode
        def infer(t):
            return t * 2, lib.is_grad_enabled()

        y, in_off = off(x)
        with lib.no_grad():
            z, in_on = on(x)
        w, in_infer = infer(x)
        return (y.requires_grad, in_off, z.requires_grad, in_on, w.requires_grad, in_infer,
                lib.is_grad_enabled(), off.__name__, off.__doc__, type(lib.no_grad()).__name__)

    assert both(case) == (False, False, True, True, False, False, True, "off", "doc", "no_grad")


def test_enable_grad_inside_no_grad():
    def case(lib):
        x = leaf(lib)
        with lib.no_grad():
            with lib.enable_grad():
                y = x * 2
                inner = lib.is_grad_enabled()
            after = lib.is_grad_enabled()

            @lib.enable_grad()
            def f(t):
                return t * 3

            z = f(x)
        return y.requires_grad, inner, after, z.requires_grad, lib.is_grad_enabled()

    assert both(case) == (True, True, False, True, True)


def test_set_grad_enabled_call_and_context():
    def case(lib):
        x = leaf(lib)
        states = []
        lib.set_grad_enabled(False)
        states.append(((x * 2).requires_grad, lib.is_grad_enabled()))
        lib.set_grad_enabled(True)
        states.append(((x * 2).requires_grad, lib.is_grad_enabled()))
        with lib.set_grad_enabled(False):
            states.append(((x * 2).requires_grad, lib.is_grad_enabled()))
            with lib.set_grad_enabled(True):
                states.append(((x * 2).requires_grad, lib.is_grad_enabled()))
            states.append(lib.is_grad_enabled())
        states.append(lib.is_grad_enabled())
        return states

    try:
        both(case)
    finally:
        nt.set_grad_enabled(True)
        torch.set_grad_enabled(True)


def test_grad_mode_restored_after_exception():
    def case(lib):
        with pytest.raises(ValueError), lib.no_grad():
            raise ValueError("boom")
        return lib.is_grad_enabled()

    assert both(case) is True


# -- detach, hooks, retain_grad -------------------------------------------------------------


def test_detach_shares_memory_and_has_no_grad():
    def case(lib):
        x = leaf(lib)
        y = x * 2
        d = y.detach()
        d[0, 0] = 100.0
        return d.requires_grad, d.grad_fn is None, d.is_leaf, y, x.detach().data_ptr() == x.data_ptr()

    both(case)


def test_hooks_on_leaf_and_non_leaf_and_remove():
    def case(lib):
        x = leaf(lib)
        seen = []
        hx = x.register_hook(lambda g: g * 10)
        y = x * x
        hy = y.register_hook(lambda g: g + 1)
        hz = y.register_hook(lambda g: seen.append(g.clone()))  # returns None: grad unchanged
        y.sum().backward(retain_graph=True)
        first = x.grad.clone()
        hx.remove()
        hy.remove()
        hz.remove()
        y.sum().backward()
        return first, x.grad, seen

    both(case)


def test_retain_grad_and_non_leaf_grad_warning():
    def case(lib):
        x = leaf(lib)
        y = x * 2
        z = y.exp()
        y.retain_grad()
        z.sum().backward()
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            zg = z.grad
        return y.grad, y.retains_grad, z.retains_grad, zg, len(rec), x.is_leaf, y.is_leaf

    ours = both(case)
    assert ours[3] is None and ours[4] == 1


def test_non_leaf_grad_warning_category():
    x = nt.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        _ = (x * 2).grad


def test_hook_on_tensor_without_grad_raises():
    both_raise(lambda lib: lib.tensor([1.0]).register_hook(lambda g: g),
               "doesn't require gradient")


# -- in-place and the version counter -------------------------------------------------------


def test_inplace_on_saved_output_raises():
    def case(lib):
        x = leaf(lib)
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    both_raise(case, "modified by an inplace operation")


def test_inplace_on_saved_input_raises():
    def case(lib):
        x = leaf(lib)
        a = x * 1
        b = a.sin()  # saves its input a
        a.mul_(2)
        b.sum().backward()

    both_raise(case, "modified by an inplace operation")


def test_inplace_on_unsaved_input_is_fine():
    # sigmoid saves its output, not its input: changing `a` afterwards is allowed.
    def case(lib):
        x = leaf(lib)
        a = x * 1
        b = a.sigmoid()
        a.mul_(2)
        b.sum().backward()
        return x.grad, a

    both(case)


def test_inplace_on_leaf_requiring_grad_raises():
    both_raise(lambda lib: leaf(lib).add_(1), "leaf Variable that requires grad")
    both_raise(lambda lib: leaf(lib).mul_(2), "leaf Variable that requires grad")


def test_inplace_on_leaf_under_no_grad_is_allowed():
    def case(lib):
        x = leaf(lib)
        with lib.no_grad():
            x.mul_(2)
            x -= 0.5
        (x * x).sum().backward()
        return x, x.grad, x.requires_grad, x.is_leaf

    both(case)


def test_inplace_chain_on_non_leaf():
    def case(lib):
        x = leaf(lib)
        y = x * 2
        y.add_(1)
        y.mul_(3)
        y.sub_(x)
        (y * y).sum().backward()
        return y, x.grad, y.grad_fn.name(), y.is_leaf

    both(case)


def test_setitem_with_value_requiring_grad():
    def case(lib):
        x = leaf(lib)
        v = lib.tensor([7.0, -3.0, 0.5], requires_grad=True)
        s = lib.tensor(2.0, requires_grad=True)
        t = x * 1
        t[1] = v * 2
        t[0, 2] = s
        w = lib.tensor(W.T.copy())
        (t * w).sum().backward()
        return t, x.grad, v.grad, s.grad, t.requires_grad

    both(case)


def test_setitem_on_plain_tensor_with_value_requiring_grad():
    def case(lib):
        v = lib.tensor([5.0, 6.0], requires_grad=True)
        t = lib.zeros(3)
        t[0:2] = v
        (t * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return t, v.grad, t.requires_grad, t.is_leaf

    both(case)


# -- autograd.grad ----------------------------------------------------------------------------


def test_autograd_grad_basic_and_grad_outputs():
    def case(lib):
        x = leaf(lib)
        w = leaf(lib, W)
        y = x @ w
        go = lib.tensor([[1.0, -1.0], [0.5, 2.0]])
        gx, gw = lib.autograd.grad(y, (x, w), grad_outputs=go, retain_graph=True)
        (g2,) = lib.autograd.grad(y.sum(), x)
        return gx, gw, g2, x.grad is None, w.grad is None

    both(case)


def test_autograd_grad_single_input_returns_tuple():
    def case(lib):
        x = leaf(lib)
        r = lib.autograd.grad((x ** 2).sum(), x)
        return type(r) is tuple, r

    both(case)


def test_autograd_grad_frees_graph_without_retain():
    def case(lib):
        x = leaf(lib)
        y = (x.exp()).sum()
        lib.autograd.grad(y, x)
        lib.autograd.grad(y, x)

    both_raise(case, "retain_graph")


def test_autograd_grad_of_non_leaf_input():
    def case(lib):
        x = leaf(lib)
        h = x * 3
        y = (h.exp()).sum()
        return lib.autograd.grad(y, [h, x])

    both(case)


def test_autograd_grad_allow_unused():
    def case(lib):
        x = leaf(lib)
        z = leaf(lib)
        return lib.autograd.grad((x * 3).sum(), [x, z], allow_unused=True)

    both(case)

    def unused(lib):
        x = leaf(lib)
        z = leaf(lib)
        lib.autograd.grad((x * 3).sum(), [x, z])

    both_raise(unused, "appears to not have been used in the graph", "allow_unused=True",
               exact=True)


def test_autograd_grad_materialize_grads():
    def case(lib):
        x = leaf(lib)
        z = leaf(lib)
        return lib.autograd.grad((x * 3).sum(), [x, z], materialize_grads=True)

    both(case)


def test_autograd_grad_input_not_requiring_grad():
    def case(lib):
        x = leaf(lib)
        c = lib.tensor(X)
        lib.autograd.grad((x * c).sum(), [c])

    both_raise(case, "does not require grad", exact=True)


def test_autograd_grad_output_not_requiring_grad():
    def case(lib):
        c = lib.tensor(X)
        x = leaf(lib)
        lib.autograd.grad([(x * 2).sum(), (c * 2).sum()], [c])

    both_raise(case, "element 1 of tensors does not require grad", exact=True)


def test_backward_on_tensor_without_grad_fn():
    both_raise(lambda lib: lib.tensor(X).sum().backward(), "does not require grad",
               "does not have a grad_fn", exact=True)


# -- custom Function --------------------------------------------------------------------------


def make_function(lib):
    """The same Function for both: (x, y, scale) -> (x·y·scale, exp(x) + y)."""

    class MulExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, scale):
            ctx.save_for_backward(x, y)
            ctx.scale = scale
            e = x.exp()
            ctx.e = e
            return x * y * scale, e + y

        @staticmethod
        def backward(ctx, g_prod, g_sum):
            x, y = ctx.saved_tensors
            gx = gy = None
            if ctx.needs_input_grad[0]:
                gx = g_prod * y * ctx.scale + g_sum * ctx.e
            if ctx.needs_input_grad[1]:
                gy = g_prod * x * ctx.scale + g_sum
            return gx, gy, None

    return MulExp


def test_custom_function_matches_torch():
    def case(lib):
        fn = make_function(lib)
        x = leaf(lib)
        y = leaf(lib, X[::-1].copy())
        p, s = fn.apply(x, y, 2.5)
        (p.sum() + (s * s).sum()).backward()
        return p, s, x.grad, y.grad, p.requires_grad, p.grad_fn.name() == "MulExpBackward"

    both(case)


def test_custom_function_needs_input_grad_and_one_output_used():
    def case(lib):
        fn = make_function(lib)
        x = leaf(lib)
        y = lib.tensor(X * 2)  # no grad
        seen = []

        class Probe(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                seen.append(ctx.needs_input_grad)
                return a * b

            @staticmethod
            def backward(ctx, g):
                return g, None

        Probe.apply(x, y).sum().backward()
        p, s = fn.apply(x, y, -1.0)
        s.sum().backward()  # only the second output reaches the loss: g_prod arrives as zeros
        return x.grad, seen, y.grad is None

    both(case)


def test_custom_function_saved_tensor_modified_raises():
    def case(lib):
        fn = make_function(lib)
        x = leaf(lib)
        y = x * 1
        p, s = fn.apply(x, y, 1.0)
        y.add_(1)
        p.sum().backward()

    both_raise(case, "modified by an inplace operation")


def test_custom_function_without_grad_inputs_returns_plain_outputs():
    def case(lib):
        fn = make_function(lib)
        p, s = fn.apply(lib.tensor(X), lib.tensor(X), 3.0)
        return p, s, p.requires_grad, p.grad_fn is None

    both(case)


# -- long graphs, backward(gradient=...), requires_grad rules ---------------------------------


def test_long_chain_backward_no_recursion_error():
    x = nt.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-3
    y = y * 2
    y.sum().backward()
    assert x.grad.tolist() == [2.0]
    np.testing.assert_allclose(y.item(), 2 * (0.5 + 100.0), rtol=1e-3)


def test_backward_with_gradient_for_non_scalar():
    def case(lib):
        x = leaf(lib)
        y = x.exp() * 2
        y.backward(gradient=lib.tensor(W.T.copy()))
        return x.grad

    both(case)


def test_backward_non_scalar_without_gradient_raises():
    both_raise(lambda lib: (leaf(lib) * 2).backward(),
               "grad can be implicitly created only for scalar outputs", exact=True)


def test_backward_gradient_shape_mismatch_raises():
    both_raise(lambda lib: (leaf(lib) * 2).backward(lib.ones(3)), "Mismatch in shape", exact=True)


def test_one_element_non_scalar_backward_allowed():
    def case(lib):
        x = leaf(lib)
        (x[:1, :1] * 3).backward()
        return x.grad

    both(case)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_requires_grad_on_integer_tensor_raises(dtype):
    both_raise(lambda lib: lib.tensor([1, 0], dtype=getattr(lib, dtype), requires_grad=True),
               "floating point", exact=True)
    both_raise(lambda lib: lib.tensor([1, 0], dtype=getattr(lib, dtype)).requires_grad_(),
               "floating point", exact=True)
    both_raise(lambda lib: lib.zeros(2, dtype=getattr(lib, dtype), requires_grad=True),
               "floating point", exact=True)
    if dtype != "bool":  # torch has no bool arange
        both_raise(lambda lib: lib.arange(3, dtype=getattr(lib, dtype), requires_grad=True),
                   "floating point", exact=True)

    def setter(lib):
        lib.ones(2, dtype=getattr(lib, dtype)).requires_grad = True

    both_raise(setter, "floating point", exact=True)


def test_requires_grad_false_on_non_leaf_raises():
    both_raise(lambda lib: (leaf(lib) * 2).requires_grad_(False), "leaf variables")


def test_leaf_flags_and_grad_fn_names():
    def case(lib):
        x = leaf(lib)
        c = lib.tensor(X)
        w = leaf(lib, W)
        outs = {
            "mul": x * 2, "mul_t": x * x, "add": x + 1, "add_t": x + c, "div": x / 2,
            "exp": x.exp(), "log": x.abs().log(), "matmul": x @ w, "mm": x.mm(w),
            "sum_dim": x.sum(1), "mean_dim": x.mean(0), "neg": -x, "pow": x ** 2,
            "sigmoid": x.sigmoid(), "tanh": x.tanh(), "relu": x.relu(), "view": x.view(6),
            "reshape": x.reshape(3, 2), "T": x.T, "transpose": x.transpose(0, 1),
            "permute": x.permute(1, 0), "expand": x[:1].expand(4, 3), "slice": x[:, 1:],
            "fancy": x[[0, 1, 0]], "cat": lib.cat([x, c]), "stack": lib.stack([x, x]),
            "clone": x.clone(), "to_double": x.double(), "softmax": x.softmax(-1),
            "log_softmax": x.log_softmax(1), "max": x.max(), "max_dim": x.max(1)[0],
            "amax": x.amax(0), "where": lib.where(c > 0, x, c), "clamp": x.clamp(-1, 1),
            "rsub": 1 - x, "sqrt": x.abs().sqrt(), "abs": x.abs(), "sin": x.sin(),
        }
        names = {k: v.grad_fn.name() for k, v in outs.items()}
        flags = (x.is_leaf, c.is_leaf, (x * 2).is_leaf, (c * 2).is_leaf, x.grad_fn,
                 c.requires_grad, (x * c).requires_grad, (c * 2).grad_fn)
        return names, flags

    both(case)


# The grad_fn name of each expression equals torch's: which overload ran (sum() vs sum(dim)),
# which op indexing applied last (select / slice / unsqueeze / alias / index), which product
# matmul chose for the operands' ranks.
def _loss_case(loss, red, e):
    return getattr(e.F, loss)(e.x.sigmoid(), e.y.sigmoid(), reduction=red)


GRAD_FN_CASES = {
    "add": lambda e: e.x + e.y, "add_scalar": lambda e: e.x + 1, "sub": lambda e: e.x - e.y,
    "sub_scalar": lambda e: e.x - 1, "sub_method": lambda e: e.x.sub(1, alpha=2),
    "rsub": lambda e: 1 - e.x, "mul": lambda e: e.x * e.y, "mul_scalar": lambda e: 2 * e.x,
    "div": lambda e: e.x / e.y, "div_scalar": lambda e: e.x / 2, "rdiv": lambda e: 2 / e.x,
    "div_floor": lambda e: e.x.div(e.y, rounding_mode="floor"),
    "pow_scalar": lambda e: e.x ** 2, "pow_tensor": lambda e: e.x ** e.y,
    "rpow": lambda e: 2 ** e.x, "neg": lambda e: -e.x,
    "matmul_mm": lambda e: e.x @ e.w, "matmul_mv": lambda e: e.x @ e.w[:, 0],
    "matmul_dot": lambda e: e.x[0] @ e.y[0], "matmul_vec_mat": lambda e: e.x[0] @ e.w,
    "matmul_batched": lambda e: e.x[None] @ e.w, "matmul_mat_batch": lambda e: e.x @ e.w[None],
    "mm": lambda e: e.lib.mm(e.x, e.w), "bmm": lambda e: e.lib.bmm(e.x[None], e.w[None]),
    "mv": lambda e: e.x.mv(e.w[:, 0]), "dot": lambda e: e.lib.dot(e.x[0], e.y[0]),
    "outer": lambda e: e.lib.outer(e.x[0], e.y[0]), "addmm": lambda e: e.lib.addmm(e.b, e.x, e.w),
    "exp": lambda e: e.x.exp(), "log": lambda e: e.x.abs().log(), "sqrt": lambda e: e.x.abs().sqrt(),
    "sin": lambda e: e.x.sin(), "tanh": lambda e: e.x.tanh(), "sigmoid": lambda e: e.x.sigmoid(),
    "relu": lambda e: e.x.relu(), "abs": lambda e: e.x.abs(),
    "sum": lambda e: e.x.sum(), "sum_fn": lambda e: e.lib.sum(e.x), "sum_dim": lambda e: e.x.sum(0),
    "sum_dims": lambda e: e.x.sum((0, 1)), "sum_none": lambda e: e.x.sum(None),
    "sum_dtype": lambda e: e.x.sum(dtype=e.lib.float64),
    "nansum": lambda e: e.x.nansum(), "nansum_dim": lambda e: e.x.nansum(1),
    "mean": lambda e: e.x.mean(), "mean_dim": lambda e: e.x.mean(1, keepdim=True),
    "prod": lambda e: e.x.prod(), "prod_dim": lambda e: e.x.prod(1),
    "max": lambda e: e.x.max(), "max_dim": lambda e: e.x.max(1)[0], "amax": lambda e: e.x.amax(0),
    "std": lambda e: e.x.std(), "var_dim": lambda e: e.x.var(1),
    "norm": lambda e: e.x.norm(), "norm_dim": lambda e: e.x.norm(dim=1),
    "norm_p1": lambda e: e.x.norm(p=1), "logsumexp": lambda e: e.x.logsumexp(1),
    "cumsum": lambda e: e.x.cumsum(0), "kthvalue": lambda e: e.x.kthvalue(1)[0],
    "index_int": lambda e: e.x[0], "index_neg": lambda e: e.x[-1], "index_2ints": lambda e: e.x[0, 1],
    "index_col": lambda e: e.x[:, 0], "index_ellipsis_int": lambda e: e.x[..., 0],
    "index_slice": lambda e: e.x[0:1], "index_full_slice": lambda e: e.x[:],
    "index_full_slices": lambda e: e.x[:, :], "index_slice_col": lambda e: e.x[:, 1:],
    "index_ellipsis": lambda e: e.x[...], "index_none": lambda e: e.x[None],
    "index_int_none": lambda e: e.x[0, None], "index_list": lambda e: e.x[[0, 1]],
    "index_tensor": lambda e: e.x[e.lib.tensor([0, 1])], "index_mask": lambda e: e.x[e.x > 0],
    "select": lambda e: e.x.select(1, 0), "take": lambda e: e.x.take(e.lib.tensor([0, 4])),
    "view": lambda e: e.x.view(6), "reshape": lambda e: e.x.reshape(3, 2),
    "reshape_copy": lambda e: e.x.T.reshape(6), "flatten": lambda e: e.x.flatten(),
    "permute": lambda e: e.x.permute(1, 0), "transpose": lambda e: e.x.transpose(0, 1),
    "t": lambda e: e.x.t(), "T": lambda e: e.x.T, "mT": lambda e: e.x.mT,
    "unsqueeze": lambda e: e.x.unsqueeze(0), "squeeze": lambda e: e.x[None].squeeze(),
    "squeeze_dim": lambda e: e.x[None].squeeze(0), "squeeze_dims": lambda e: e.x[None].squeeze((0,)),
    "expand": lambda e: e.x[:1].expand(4, 3), "repeat": lambda e: e.x.repeat(2, 1),
    "flip": lambda e: e.x.flip(0, 1), "roll_flat": lambda e: e.x.roll(1),
    "atleast_2d": lambda e: e.lib.atleast_2d(e.x[0]),
    "split": lambda e: e.x.split(1)[1], "split_sizes": lambda e: e.x.split([1, 2], 1)[0],
    "chunk": lambda e: e.x.chunk(3, 1)[0], "unbind": lambda e: e.x.unbind()[0],
    "tensor_split": lambda e: e.x.tensor_split(2, 1)[1], "narrow": lambda e: e.x.narrow(1, 0, 2),
    "diag_embed": lambda e: e.x[0].diag(),
    "cat": lambda e: e.lib.cat([e.x, e.y]), "stack": lambda e: e.lib.stack([e.x, e.y]),
    "softmax": lambda e: e.x.softmax(-1), "log_softmax": lambda e: e.x.log_softmax(1),
    "F_softmax": lambda e: e.F.softmax(e.x, dim=1), "F_relu": lambda e: e.F.relu(e.x),
    "F_sigmoid": lambda e: e.F.sigmoid(e.x), "F_tanh": lambda e: e.F.tanh(e.x),
    "F_gelu": lambda e: e.F.gelu(e.x),
    "F_linear": lambda e: e.F.linear(e.x, e.w.T, e.b), "F_linear_nobias": lambda e: e.F.linear(e.x, e.w.T),
    "F_linear_batched": lambda e: e.F.linear(e.x[None], e.w.T, e.b),
    "F_linear_vector": lambda e: e.F.linear(e.x[0], e.w.T),
    "F_dropout": lambda e: e.F.dropout(e.x, 0.5),
    "F_cross_entropy": lambda e: e.F.cross_entropy(e.x, e.target),
    "F_nll_loss": lambda e: e.F.nll_loss(e.x.log_softmax(1), e.target),
    "F_l1_loss": lambda e: e.F.l1_loss(e.x, e.y),
    **{f"F_{loss}_{red}": functools.partial(_loss_case, loss, red)
       for loss in ("mse_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
                    "binary_cross_entropy_with_logits")
       for red in ("mean", "sum", "none")},
    "F_cross_entropy_none": lambda e: e.F.cross_entropy(e.x, e.target, reduction="none"),
    "F_nll_loss_none": lambda e: e.F.nll_loss(e.x, e.target, reduction="none"),
    "clone": lambda e: e.x.clone(), "to_float64": lambda e: e.x.to(e.lib.float64),
    "double": lambda e: e.x.double(), "where": lambda e: e.lib.where(e.y > 0, e.x, e.y),
    "clamp": lambda e: e.x.clamp(-1, 1), "clamp_min": lambda e: e.x.clamp_min(0),
    "clamp_max": lambda e: e.x.clamp_max(0), "lerp_scalar": lambda e: e.x.lerp(e.y, 0.5),
    "lerp_tensor": lambda e: e.x.lerp(e.y, e.y), "masked_fill": lambda e: e.x.masked_fill(e.y > 0, 0.0),
    "masked_fill_tensor": lambda e: e.x.masked_fill(e.y > 0, e.lib.tensor(0.0)),
    "scatter_value": lambda e: e.x.scatter(1, e.lib.tensor([[0], [1]]), 1.0),
    "take_along_dim": lambda e: e.x.take_along_dim(e.lib.tensor([[0], [1]]), 1),
    "gather": lambda e: e.x.gather(1, e.lib.tensor([[0], [1]])),
}


class _Env:
    def __init__(self, lib):
        self.lib, self.F = lib, lib.nn.functional
        self.x, self.y = leaf(lib), leaf(lib, X[::-1].copy())
        self.w = leaf(lib, W)
        self.b = lib.tensor(np.ones(2, np.float32), requires_grad=True)
        self.target = lib.tensor([0, 2])


@pytest.mark.parametrize("name", list(GRAD_FN_CASES))
def test_grad_fn_name_equals_torch(name):
    case = GRAD_FN_CASES[name]
    both(lambda lib: case(_Env(lib)).grad_fn.name())


def test_grad_fn_next_functions_reach_leaves():
    x = nt.tensor([1.0], requires_grad=True)
    y = (x * 2).exp()
    ((mul, _),) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0"
    acc, nr = mul.next_functions[0]  # torch also lists (None, 0) for the scalar 2; we don't
    assert acc.name() == "AccumulateGrad" and acc.variable is x and nr == 0
    z = x * nt.tensor([3.0])
    assert z.grad_fn.next_functions[1] == (None, 0)


def test_grad_dtype_and_broadcast_reduction():
    def case(lib):
        x = lib.tensor(X.astype(np.float64), requires_grad=True)
        b = lib.tensor([[1.0], [2.0]], requires_grad=True)  # float32, broadcast over columns
        s = lib.tensor(3.0, requires_grad=True)
        (x * b * s).sum().backward()
        return x.grad, b.grad, s.grad

    both(case)


def test_backward_inputs_restricts_accumulation():
    def case(lib):
        x = leaf(lib)
        w = leaf(lib, W)
        (x @ w).sum().backward(inputs=[w])
        return x.grad is None, w.grad

    both(case)


def test_grad_assignment_checks_shape_dtype_and_type():
    def shape(lib):
        leaf(lib).grad = lib.zeros(3)

    def dtype(lib):
        leaf(lib).grad = lib.zeros(2, 3, dtype=lib.float64)

    def kind(lib):
        leaf(lib).grad = [1.0]

    both_raise(shape, "attempting to assign a gradient of size '[3]' to a tensor of size '[2, 3]'",
               exact=True)
    both_raise(dtype, "attempting to assign a gradient with dtype")
    both_raise(kind, "assigned grad expected to be a Tensor or None", exact=True)

    def ok(lib):
        x = leaf(lib)
        x.grad = lib.ones(2, 3)
        (x * 2).sum().backward()
        return x.grad

    both(ok)


# -- in-place through views -------------------------------------------------------------------

A = (np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1)


def test_inplace_on_views_of_non_leaf():
    def case(lib):
        x = leaf(lib, A)
        b = x * 2
        b.T[1].mul_(3)  # a column, through a transposed view
        b[:, 2:].add_(b[:, :2].detach())
        r = b[0]  # taken before the next change: must see it
        b[1:, ::2].sub_(x[1:, ::2] ** 2)
        (b * b).sum().backward()
        return x.grad, b, r, b.grad_fn.name()

    both(case)


def test_inplace_on_view_of_view_and_setitem_through_view():
    def case(lib):
        x = leaf(lib, A)
        b = x.sin()
        v = b[1]
        w = v[1:3]
        w.mul_(x[0, :2])
        u = b.view(12)
        u[3] = x[0, 0] * 10
        u.unsqueeze(0)[0, 5:7] = 0.0
        (b.sum() + (v * 2).sum() + w.sum() + (u ** 2).sum()).backward()
        return x.grad, b, v, w

    both(case)


def test_base_changed_in_place_updates_existing_views():
    # The views were taken before the base changed: their gradient must follow the new base.
    def case(lib):
        x = leaf(lib, A)
        b = x * 1
        v = b[1:]
        flat = b.view(12)
        b.mul_(2)
        b[0, 0] = 5.0
        (v * 1).sum().backward(retain_graph=True)
        g1 = x.grad.clone()
        (flat * flat).sum().backward()
        return g1, x.grad, v, v.grad_fn.name()

    both(case)


def test_view_modified_under_no_grad_then_used():
    def case(lib):
        x = leaf(lib, A)
        b = x * 1
        v = b[1:]
        with lib.no_grad():
            v.mul_(2)
        (v * b[1:]).sum().backward()
        return x.grad, v

    both(case)


def test_retain_grad_on_view_whose_base_changed():
    def case(lib):
        x = leaf(lib, A)
        b = x * 1
        v = b[0]
        v.retain_grad()
        b.mul_(2)
        (v * 3).sum().backward()
        return x.grad

    both(case)


def test_inplace_on_view_of_plain_tensor_with_grad_value():
    def case(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        t = lib.zeros(2, 3)
        col = t[:, 1]
        col.copy_(w)
        t[0].fill_(w[1])
        (t * lib.tensor(A[:2, :3])).sum().backward()
        return w.grad, t, t.requires_grad, t.grad_fn.name()

    both(case)


def test_unary_inplace_chain_on_view():
    def case(lib):
        x = leaf(lib, A)
        b = x * 1
        v = b[1]
        v.clamp_(0, 0.5)
        b[2].zero_()
        b[0].neg_()
        v.sigmoid_()  # saves its output: nothing may change b after this
        b.sum().backward()
        return x.grad, b

    both(case)


def test_inplace_op_saving_its_output_then_modified_raises():
    def case(lib):
        y = leaf(lib) * 2
        y.exp_()
        y.add_(1)
        y.sum().backward()

    both_raise(case, "modified by an inplace operation")

    def view_case(lib):
        b = leaf(lib) * 1
        b[1].sigmoid_()
        b[0].zero_()
        b.sum().backward()

    both_raise(view_case, "modified by an inplace operation")


def test_inplace_on_view_of_saved_tensor_raises():
    def case(lib):
        x = leaf(lib, A)
        b = x.exp()
        b[0].zero_()
        b.sum().backward()

    both_raise(case, "modified by an inplace operation")


def test_inplace_on_view_of_leaf_raises():
    both_raise(lambda lib: leaf(lib, A)[1:].mul_(2), "view of a leaf Variable that requires grad")


def test_inplace_on_expanded_view_raises():
    def case(lib):
        b = leaf(lib, A) * 1
        b[0:1].expand(3, 4).add_(1)

    both_raise(case, "more than one element of the written-to tensor refers to a single memory")


def test_zero_and_fill_on_non_leaf_give_zero_grad():
    def case(lib):
        x = leaf(lib, A)
        y = x * 2
        y.zero_()
        z = x * 3
        z.fill_(2.0)
        (y + z * x).sum().backward()
        return x.grad, y, z, y.requires_grad

    both(case)


def test_gradcheck_failure_names_entries_with_plain_ints():
    class Wrong(nt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = nt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=nt.float64, requires_grad=True)
    with pytest.raises(nt.autograd.GradcheckError) as info:
        nt.autograd.gradcheck(lambda t: Wrong.apply(t)[1, 2:], (x,))
    msg = str(info.value)
    assert "d(out[0])/d(in[1, 2])" in msg, msg
    assert "np.int64" not in msg
    with pytest.raises(nt.autograd.GradcheckError) as info:
        nt.autograd.gradcheck(lambda t: Wrong.apply(t[0, 0]), (x,))
    assert "d(out[])/d(in[0, 0])" in str(info.value)
