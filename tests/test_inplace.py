"""In-place operations against PyTorch: values, dtypes, version counters, views, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import neurona as nt

A = (np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1)
B = np.linspace(2, 3, 12, dtype=np.float32).reshape(3, 4)
IA = np.arange(12).reshape(3, 4) - 5


def dname(d) -> str:
    return str(d).split(".")[-1]


def same(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, nt.Tensor), ours
        assert tuple(ours.shape) == tuple(theirs.shape) and dname(ours.dtype) == dname(theirs.dtype)
        tol = 1e-3 if theirs.dtype == torch.float16 else 1e-6
        np.testing.assert_allclose(ours.detach().numpy().astype(np.float64),
                                   theirs.detach().numpy().astype(np.float64), rtol=tol, atol=tol)
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t)
    else:
        assert ours == theirs, (ours, theirs)


def both(case):
    theirs = case(torch)
    ours = case(nt)
    same(ours, theirs)
    return ours


def both_raise(case, phrase=None, exact=False):
    with pytest.raises(Exception) as t_info:
        case(torch)
    with pytest.raises(Exception) as n_info:
        case(nt)
    assert n_info.type is t_info.type, (n_info.value, t_info.value)
    if phrase is not None:
        assert phrase in str(t_info.value) and phrase in str(n_info.value), (n_info.value, t_info.value)
    if exact:
        assert str(n_info.value) == str(t_info.value)


def t(lib, arr=A, **kw):
    return lib.tensor(arr.copy(), **kw)


def setitem(x, key, value):
    x[key] = value
    return x


# -- values -----------------------------------------------------------------------------------

OPS = {
    "add_scalar": lambda lib: t(lib).add_(1.5),
    "add_tensor": lambda lib: t(lib).add_(t(lib, B)),
    "add_broadcast": lambda lib: t(lib).add_(t(lib, B[0])),
    "add_alpha": lambda lib: t(lib).add_(t(lib, B), alpha=2.5),
    "add_int_tensor": lambda lib: t(lib).add_(t(lib, IA)),
    "add_float64_tensor": lambda lib: t(lib).add_(t(lib, B.astype(np.float64))),
    "add_float64_0d": lambda lib: t(lib).add_(lib.tensor(1.1, dtype=lib.float64)),
    "add_bool": lambda lib: t(lib).add_(t(lib) > 0),
    "sub_scalar_alpha": lambda lib: t(lib).sub_(1.5, alpha=2),
    "sub_tensor": lambda lib: t(lib).sub_(t(lib, B)),
    "mul_scalar": lambda lib: t(lib).mul_(-3),
    "mul_tensor": lambda lib: t(lib).mul_(t(lib, B)),
    "mul_bool": lambda lib: t(lib).mul_(t(lib) > 0),
    "div_scalar": lambda lib: t(lib).div_(4),
    "div_tensor": lambda lib: t(lib).div_(t(lib, B)),
    "div_floor": lambda lib: t(lib).div_(0.25, rounding_mode="floor"),
    "div_trunc": lambda lib: t(lib).div_(0.3, rounding_mode="trunc"),
    "pow_": lambda lib: t(lib).pow_(2),
    "zero_": lambda lib: t(lib).zero_(),
    "fill_scalar": lambda lib: t(lib).fill_(2.5),
    "fill_0d_tensor": lambda lib: t(lib).fill_(lib.tensor(3.5)),
    "copy_same": lambda lib: t(lib).copy_(t(lib, B)),
    "copy_broadcast": lambda lib: t(lib).copy_(t(lib, B[1])),
    "copy_from_int": lambda lib: t(lib).copy_(t(lib, IA)),
    "copy_from_float64": lambda lib: t(lib).copy_(t(lib, B.astype(np.float64))),
    "clamp_both": lambda lib: t(lib).clamp_(-0.5, 0.5),
    "clamp_min": lambda lib: t(lib).clamp_(min=0.1),
    "clamp_max": lambda lib: t(lib).clamp_(max=0.1),
    "clamp_tensors": lambda lib: t(lib).clamp_(t(lib, A[0]), t(lib, A[0]) + 0.5),
    "clamp_min_": lambda lib: t(lib).clamp_min_(0.0),
    "clamp_max_": lambda lib: t(lib).clamp_max_(0.0),
    "addcmul_": lambda lib: t(lib).addcmul_(t(lib, B), t(lib, B[0]), value=0.5),
    "addcmul_default": lambda lib: t(lib).addcmul_(t(lib, B), t(lib, A)),
    "addcdiv_": lambda lib: t(lib).addcdiv_(t(lib, A), t(lib, B), value=-2),
    "lerp_scalar": lambda lib: t(lib).lerp_(t(lib, B), 0.3),
    "lerp_tensor": lambda lib: t(lib).lerp_(t(lib, B), t(lib, B[0]) - 2),
    "masked_fill_": lambda lib: t(lib).masked_fill_(t(lib) > 0, -7.0),
    "masked_fill_broadcast": lambda lib: t(lib).masked_fill_(lib.tensor([True, False, True, False]), 2),
    "masked_fill_0d": lambda lib: t(lib).masked_fill_(t(lib) > 0, lib.tensor(1.5)),
    "neg_": lambda lib: t(lib).neg_(),
    "abs_": lambda lib: t(lib).abs_(),
    "exp_": lambda lib: t(lib).exp_(),
    "sqrt_": lambda lib: t(lib, B).sqrt_(),
    "relu_": lambda lib: t(lib).relu_(),
    "sigmoid_": lambda lib: t(lib).sigmoid_(),
    "tanh_": lambda lib: t(lib).tanh_(),
    "round_": lambda lib: t(lib, A * 3).round_(),
    "floor_": lambda lib: t(lib).floor_(),
    "reciprocal_": lambda lib: t(lib, B).reciprocal_(),
    "int_add_int": lambda lib: t(lib, IA).add_(3),
    "int_mul_int_tensor": lambda lib: t(lib, IA).mul_(t(lib, IA)),
    "int32_add_int64": lambda lib: lib.tensor(IA, dtype=lib.int32).add_(t(lib, IA)),
    "int_fill_float": lambda lib: t(lib, IA).fill_(2.7),
    "int_copy_float": lambda lib: t(lib, IA).copy_(t(lib, A * 10)),
    "int_div_floor": lambda lib: t(lib, IA).div_(2, rounding_mode="floor"),
    "int_masked_fill_float": lambda lib: t(lib, IA).masked_fill_(t(lib, IA) > 0, 2.5),
    "int_zero": lambda lib: t(lib, IA).zero_(),
    "bool_fill": lambda lib: lib.tensor([True, False]).fill_(0.3),
    "uint8_wraps_negative": lambda lib: lib.tensor([1, 2], dtype=lib.uint8).add_(-1),
    "uint8_wraps_large": lambda lib: lib.tensor([1, 2], dtype=lib.uint8).add_(300),
    "int8_mul_wraps": lambda lib: lib.tensor([1, 2], dtype=lib.int8).mul_(100),
    "float16_add": lambda lib: lib.tensor(A, dtype=lib.float16).add_(1.1),
    "float16_add_float32": lambda lib: lib.tensor(A, dtype=lib.float16).add_(t(lib, B)),
    "float64_add_float32": lambda lib: lib.tensor(A, dtype=lib.float64).add_(t(lib, B)),
    "setitem_scalar": lambda lib: setitem(t(lib), (slice(None), 1), 9.5),
    "setitem_row": lambda lib: setitem(t(lib), 0, t(lib, B[1])),
    "setitem_mask": lambda lib: setitem(t(lib), t(lib) > 0, 0.0),
    "setitem_fancy": lambda lib: setitem(t(lib), [0, 2], t(lib, B[1])),
    "setitem_int_float": lambda lib: setitem(t(lib, IA), 0, 9.7),
    "setitem_ellipsis": lambda lib: setitem(t(lib), (..., 2), -1.0),
    "setitem_step": lambda lib: setitem(t(lib), (slice(None), slice(None, None, 2)), 4.0),
    "floor_divide_": lambda lib: t(lib, IA).floor_divide_(4),
    "remainder_": lambda lib: t(lib, IA).remainder_(4),
    "bitwise_and_": lambda lib: (t(lib, IA) > -2).bitwise_and_(t(lib, IA) < 3),
    "bitwise_or_": lambda lib: t(lib, IA).bitwise_or_(6),
    "bitwise_xor_": lambda lib: t(lib, IA).bitwise_xor_(3),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_inplace_values_match_torch(name):
    def case(lib):
        r = OPS[name](lib)
        return r

    both(case)


@pytest.mark.parametrize("name", sorted(OPS))
def test_inplace_returns_self_and_bumps_version(name):
    for lib in (torch, nt):
        x = OPS[name](lib)
        assert x._version >= 1


AUGMENTED = {
    "iadd": lambda x, lib: x.__iadd__(t(lib, B)),
    "isub": lambda x, lib: x.__isub__(0.5),
    "imul": lambda x, lib: x.__imul__(t(lib, B[0])),
    "itruediv": lambda x, lib: x.__itruediv__(4),
    "ipow": lambda x, lib: x.__ipow__(2),
}


@pytest.mark.parametrize("name", sorted(AUGMENTED))
def test_augmented_assignment_is_in_place(name):
    def case(lib):
        x = t(lib)
        y = x
        alias = x[0]
        r = AUGMENTED[name](y, lib)
        return r is x, x, alias, x._version

    both(case)


def test_augmented_assignment_on_integers():
    def case(lib):
        x = t(lib, IA)
        keep = x
        x //= 4
        x %= 3
        x |= 8
        x ^= 1
        x &= 13
        b = x > 9
        b &= x < 12
        return keep is x, x, b, x._version

    both(case)


def test_augmented_division_of_int_tensor_raises():
    def case(lib):
        x = t(lib, IA)
        x /= 4

    both_raise(case, "can't be cast to the desired output type", exact=True)


# -- random fills -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_uniform_and_normal_fill_in_place(dtype):
    def case(lib):
        x = lib.zeros(2000, dtype=getattr(lib, dtype))
        r = x.uniform_(-2, 3)
        u = (r is x, bool(((x >= -2) & (x < 3)).all()), dname(x.dtype), x._version)
        y = lib.zeros(2000, dtype=getattr(lib, dtype))
        y.normal_(5, 0.5)
        n = (round(float(y.double().mean()), 1), round(float(y.double().std()), 1), y._version)
        return u, n

    both(case)


def test_random_fills_follow_manual_seed():
    nt.manual_seed(5)
    a = nt.empty(6).uniform_().tolist() + nt.empty(6).normal_().tolist()
    nt.manual_seed(5)
    assert nt.empty(6).uniform_().tolist() + nt.empty(6).normal_().tolist() == a


# -- versions and views ----------------------------------------------------------------------------

VIEWS = {
    "slice": lambda x: x[1:],
    "select": lambda x: x[0],
    "view": lambda x: x.view(12),
    "reshape": lambda x: x.reshape(2, 6),
    "T": lambda x: x.T,
    "transpose": lambda x: x.transpose(0, 1),
    "permute": lambda x: x.permute(1, 0),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "detach": lambda x: x.detach(),
    "diagonal": lambda x: x.diagonal(),
    "step_slice": lambda x: x[:, ::2],
    "chunk": lambda x: x.chunk(2, dim=1)[1],
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_share_memory_and_version(name):
    def case(lib):
        x = t(lib)
        v = VIEWS[name](x)
        v.mul_(-2)
        versions = [x._version, v._version]
        x.add_(1)
        versions += [x._version, v._version]
        return x, v, versions, v.data_ptr() >= x.data_ptr()

    both(case)


def test_copies_do_not_share_version():
    def case(lib):
        x = t(lib)
        c = [x.clone(), x[[0, 2]], x[x > 0], x.flip(0), x.contiguous() + 0]
        for y in c:
            y.add_(1)
        return x._version, [y._version for y in c], x

    both(case)


def test_setitem_through_view_writes_base():
    def case(lib):
        x = t(lib)
        v = x[1]
        v[2] = 100.0
        x.T[0, 0] = -5.0
        return x, x._version, v._version

    both(case)


# -- errors ------------------------------------------------------------------------------------------

CAST_ERRORS = {
    "int_add_float": lambda lib: t(lib, IA).add_(1.5),
    "int_add_float_tensor": lambda lib: t(lib, IA).add_(t(lib)),
    "int_add_float_0d": lambda lib: t(lib, IA).add_(lib.tensor(1.5)),
    "int_mul_float": lambda lib: t(lib, IA).mul_(2.0),
    "int_sub_float": lambda lib: t(lib, IA).sub_(0.5),
    "int_div": lambda lib: t(lib, IA).div_(2),
    "int_div_tensor": lambda lib: t(lib, IA).div_(t(lib, IA) + 100),
    "int_iadd_float": lambda lib: t(lib, IA).__iadd__(1.5),
    "int_addcmul_float": lambda lib: t(lib, IA).addcmul_(t(lib), t(lib)),
    "int_sqrt": lambda lib: t(lib, IA).sqrt_(),
    "int_exp": lambda lib: t(lib, IA).exp_(),
    "bool_add_int": lambda lib: lib.tensor([True, False]).add_(1),
    "bool_mul_float": lambda lib: lib.tensor([True, False]).mul_(0.5),
}


@pytest.mark.parametrize("name", sorted(CAST_ERRORS))
def test_result_type_cast_errors(name):
    both_raise(CAST_ERRORS[name], "can't be cast to the desired output type")


@pytest.mark.parametrize("name", ["int_add_float", "int_add_float_tensor", "int_add_float_0d",
                                  "int_mul_float", "int_div", "bool_add_int"])
def test_result_type_cast_error_messages_exact(name):
    both_raise(CAST_ERRORS[name], exact=True)


def test_bool_subtraction_in_place():
    both_raise(lambda lib: lib.tensor([True]).sub_(True), "with two bool tensors", exact=True)
    both_raise(lambda lib: lib.tensor([True]).sub_(lib.tensor([False])), exact=True)
    both_raise(lambda lib: lib.tensor([True]).sub_(1), "with a bool tensor", exact=True)


def test_integral_alpha_must_not_be_float():
    both_raise(lambda lib: t(lib, IA).sub_(1, alpha=0.5),
               "For integral input tensors, argument alpha must not be a floating point number.")
    both_raise(lambda lib: t(lib, IA).add_(t(lib, IA), alpha=1.5), "argument alpha")


def test_inplace_shape_errors():
    both_raise(lambda lib: t(lib).add_(lib.ones(3)),
               "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1")
    both_raise(lambda lib: t(lib, A[0]).add_(t(lib)),
               "output with shape [4] doesn't match the broadcast shape [3, 4]", exact=True)
    both_raise(lambda lib: t(lib, A[0]).mul_(t(lib)), "doesn't match the broadcast shape")
    both_raise(lambda lib: t(lib).copy_(t(lib, A[:, :2])),
               "The size of tensor a (4) must match the size of tensor b (2) at non-singleton dimension 1")
    both_raise(lambda lib: lib.zeros(4).copy_(lib.zeros(3, 4)),
               "output with shape [4] doesn't match the broadcast shape [3, 4]", exact=True)
    both_raise(lambda lib: t(lib).fill_(t(lib, A[0])), "fill_ only supports 0-dimension value tensor")


def test_inplace_on_expanded_tensor_raises():
    msg = "unsupported operation: more than one element of the written-to tensor refers to a single memory"
    both_raise(lambda lib: t(lib, A[:1]).expand(3, 4).add_(1), msg)
    both_raise(lambda lib: t(lib, A[:1]).expand(3, 4).uniform_(), msg)
    both_raise(lambda lib: t(lib, A[:1]).expand(3, 4).copy_(t(lib)), msg)


def test_random_fill_errors():
    both_raise(lambda lib: lib.zeros(3, dtype=lib.int64).uniform_(), "not implemented for 'Long'", exact=True)
    both_raise(lambda lib: lib.zeros(3, dtype=lib.bool).normal_(), "not implemented for 'Bool'", exact=True)
    both_raise(lambda lib: lib.zeros(3).uniform_(3, 2), exact=True)
    both_raise(lambda lib: lib.zeros(3).normal_(0, -1.5), exact=True)


def test_inplace_on_leaf_requiring_grad():
    both_raise(lambda lib: t(lib, requires_grad=True).zero_(), "a leaf Variable that requires grad")
    both_raise(lambda lib: t(lib, requires_grad=True).uniform_(), "a leaf Variable that requires grad")
    both_raise(lambda lib: t(lib, requires_grad=True).copy_(t(lib)), "a leaf Variable that requires grad")

    def under_no_grad(lib):
        x = t(lib, requires_grad=True)
        with lib.no_grad():
            x.zero_()
            x.uniform_()
            x.copy_(t(lib, B))
            x[0] = 1.0
            x.add_(1)
        return x, x.requires_grad, x.is_leaf, x._version

    both(under_no_grad)


# -- in the graph: gradients through in-place ops ---------------------------------------------------

GRAPH_OPS = {
    "add_": lambda y, o, lib: y.add_(o, alpha=2),
    "sub_": lambda y, o, lib: y.sub_(o),
    "mul_": lambda y, o, lib: y.mul_(o),
    "div_": lambda y, o, lib: y.div_(o + 3),
    "pow_": lambda y, o, lib: y.pow_(2),
    "addcmul_": lambda y, o, lib: y.addcmul_(o, o, value=0.5),
    "addcdiv_": lambda y, o, lib: y.addcdiv_(o, o * o + 1, value=-2),
    "lerp_": lambda y, o, lib: y.lerp_(o, 0.25),
    "clamp_": lambda y, o, lib: y.clamp_(-0.6, 0.6),
    "masked_fill_": lambda y, o, lib: y.masked_fill_(o.detach() > 2.5, 0.0),
    "copy_": lambda y, o, lib: y.copy_(o * 3),
    "fill_tensor": lambda y, o, lib: y.fill_(o[1, 1]),
    "zero_": lambda y, o, lib: y.zero_(),
    "exp_": lambda y, o, lib: y.exp_(),
    "sigmoid_": lambda y, o, lib: y.sigmoid_(),
    "relu_": lambda y, o, lib: y.relu_(),
    "neg_": lambda y, o, lib: y.neg_(),
    "setitem_row": lambda y, o, lib: y.__setitem__(1, o[0] * 2),
    "setitem_mask": lambda y, o, lib: y.__setitem__(o.detach() > 2.5, 7.0),
    "iadd": lambda y, o, lib: y.__iadd__(o),
    "imul": lambda y, o, lib: y.__imul__(o),
}


@pytest.mark.parametrize("name", sorted(GRAPH_OPS))
def test_gradients_through_inplace_ops(name):
    def case(lib):
        x = t(lib, requires_grad=True)
        o = t(lib, B, requires_grad=True)
        y = x * 1.5
        v0 = y._version
        GRAPH_OPS[name](y, o, lib)
        w = t(lib, A[::-1].copy())
        (y * w).sum().backward()
        return y, x.grad, o.grad if o.grad is not None else "none", y.requires_grad, y._version > v0

    both(case)
