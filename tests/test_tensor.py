"""The Tensor API (attributes, conversions, Python protocols, repr) against PyTorch."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import neurona as nt

A = np.array([[0.5, -1.25, 2.0], [3.0, 0.0, -0.75]], dtype=np.float32)
ALL_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def dname(d) -> str:
    return str(d).split(".")[-1]


def same(ours, theirs):
    """Recursive equality of a neurona result and a torch result (tensors: shape, dtype, values)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, nt.Tensor), ours
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert dname(ours.dtype) == dname(theirs.dtype)
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    elif isinstance(theirs, torch.Size):
        assert isinstance(ours, nt.Size) and tuple(ours) == tuple(theirs)
    elif isinstance(theirs, torch.dtype):
        assert dname(ours) == dname(theirs)
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), (ours, theirs)
        for o, t in zip(ours, theirs):
            same(o, t)
    else:
        assert type(ours) is type(theirs) and ours == theirs, (ours, theirs)


def both(case):
    theirs = case(torch)
    ours = case(nt)
    same(ours, theirs)
    return ours


def both_raise(case, phrase=None):
    with pytest.raises(Exception) as t_info:
        case(torch)
    with pytest.raises(Exception) as n_info:
        case(nt)
    assert n_info.type is t_info.type, (n_info.value, t_info.value)
    if phrase is not None:
        assert phrase in str(t_info.value) and phrase in str(n_info.value), (n_info.value, t_info.value)


# -- attributes ---------------------------------------------------------------------------------

SHAPES = [(), (0,), (4,), (2, 3), (2, 0, 3), (1, 2, 3, 1)]


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_size_dim_numel(shape):
    def case(lib):
        t = lib.zeros(shape)
        out = [t.shape, t.size(), t.dim(), t.ndim, t.numel(), t.ndimension(), t.nelement(),
               t.is_contiguous(), t.is_floating_point(), t.dtype, t.shape == shape, lib.numel(t),
               t.element_size(), t.stride()]
        if t.dim():
            out += [t.size(0), t.size(-1), t.shape[-1], t.stride(-1)]
        return out

    both(case)


def test_size_dim_out_of_range():
    both_raise(lambda lib: lib.zeros(2, 3).size(2), "Dimension out of range")
    both_raise(lambda lib: lib.zeros(2, 3).size(-3), "Dimension out of range")


def test_size_repr_and_numel():
    assert repr(nt.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape).replace("torch.", "neurona.")
    assert nt.zeros(2, 3).shape.numel() == 6


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (4,)])
def test_T_and_mT(shape):
    data = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)

    def case(lib):
        t = lib.tensor(data)
        out = [t.mT] if t.dim() >= 2 else []
        if t.dim() <= 2:
            out.append(t.T)
        return out

    both(case)


def test_mT_on_1d_raises():
    both_raise(lambda lib: lib.zeros(3).mT)


# -- conversions --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [3.5, -2.0, 7, True, 0.1])
def test_item_types(value):
    def case(lib):
        t = lib.tensor(value)
        return t.item(), lib.tensor([value]).item(), lib.tensor([[value]]).item()

    both(case)


def test_item_on_many_elements_raises():
    both_raise(lambda lib: lib.zeros(2).item(), "cannot be converted to Scalar")


def test_tolist():
    def case(lib):
        return (lib.tensor(A).tolist(), lib.tensor([1, 2]).tolist(), lib.tensor(2.5).tolist(),
                lib.tensor([[True], [False]]).tolist(), lib.zeros(0, 2).tolist())

    both(case)


def test_numpy_shares_memory_and_refuses_requires_grad():
    def case(lib):
        t = lib.tensor(A)
        arr = t.numpy()
        arr[0, 0] = 42.0
        return t, arr.dtype == np.float32, np.shares_memory(arr, t.numpy())

    both(case)
    both_raise(lambda lib: lib.tensor(A, requires_grad=True).numpy(), "requires grad")

    def detached(lib):
        return lib.tensor(A, requires_grad=True).detach().numpy().tolist()

    both(detached)


def test_detach_clone_contiguous():
    def case(lib):
        x = lib.tensor(A, requires_grad=True)
        d = x.detach()
        c = x.clone()
        tt = x.t()
        ct = tt.contiguous()
        d2 = lib.tensor(A)
        return (d.requires_grad, c.requires_grad, c.is_leaf, c.grad_fn.name(), tt.is_contiguous(),
                ct.is_contiguous(), ct, d2.contiguous() is d2, d.data_ptr() == x.data_ptr(),
                c.data_ptr() == x.data_ptr())

    both(case)


@pytest.mark.parametrize("src", ALL_DTYPES)
def test_dtype_conversions(src):
    data = np.array([[0.0, 1.7, -2.2], [3.0, 0.5, 200.9]])

    def case(lib):
        t = lib.tensor(data).to(getattr(lib, src))
        out = [t.float(), t.double(), t.long(), t.int(), t.bool(), t.half(), t.short(), t.byte()]
        out += [t.to(lib.float64), t.to(dtype=lib.int32), t.type_as(lib.zeros(1, dtype=lib.int16))]
        out += [t.to(lib.zeros(1, dtype=lib.float16)), t.to("cpu").dtype, t.type(lib.float32)]
        return out

    both(case)


def test_to_same_dtype_returns_self_and_copy():
    def case(lib):
        t = lib.tensor(A)
        return t.to(lib.float32) is t, t.float() is t, t.to(lib.float32, copy=True) is t

    both(case)


def test_type_string():
    for d in ALL_DTYPES:
        assert nt.zeros(1, dtype=getattr(nt, d)).type() == \
            torch.zeros(1, dtype=getattr(torch, d)).type().replace("torch.", "neurona.")


def test_float_cast_keeps_graph():
    def case(lib):
        x = lib.tensor(A, requires_grad=True)
        y = x.double()
        (y * y).sum().backward()
        return y.dtype, y.grad_fn.name(), x.grad, x.long().requires_grad

    both(case)


def test_requires_grad_():
    def case(lib):
        t = lib.tensor(A)
        r = t.requires_grad_()
        flags = [r is t, t.requires_grad, t.is_leaf]
        t.requires_grad_(False)
        flags.append(t.requires_grad)
        t.requires_grad = True
        flags.append(t.requires_grad)
        return flags

    both(case)


# -- Python protocols --------------------------------------------------------------------------


def test_len_and_iter():
    def case(lib):
        t = lib.tensor(A)
        rows = list(t)
        return len(t), len(rows), rows, [r.shape for r in t], len(lib.zeros(0, 4))

    both(case)
    both_raise(lambda lib: len(lib.tensor(1.0)), "0-d tensor")
    both_raise(lambda lib: iter(lib.tensor(1.0)), "0-d tensor")


def test_iter_keeps_graph():
    def case(lib):
        x = lib.tensor(A, requires_grad=True)
        total = sum((row * (i + 1)).sum() for i, row in enumerate(x))
        total.backward()
        return x.grad

    both(case)


@pytest.mark.parametrize("value", [0.0, 1.5, -3.0, 0, 5, True, False])
def test_bool_float_int_of_one_element(value):
    def case(lib):
        t = lib.tensor([value])
        return bool(t), float(t), int(t), bool(lib.tensor(value)), float(lib.tensor(value))

    both(case)


def test_bool_of_many_elements_raises():
    both_raise(lambda lib: bool(lib.zeros(2)), "ambiguous")
    both_raise(lambda lib: float(lib.zeros(2)), "only one element tensors")
    both_raise(lambda lib: int(lib.zeros(0)), "only one element tensors")


def test_index_protocol():
    def case(lib):
        lst = [10, 20, 30]
        return lst[lib.tensor(1)], range(5)[lib.tensor([2])], lib.tensor(3).__index__()

    both(case)
    both_raise(lambda lib: [1, 2][lib.tensor(1.0)])


def test_format_and_str():
    def case(lib):
        return f"{lib.tensor(3.14159):.2f}", f"{lib.tensor(2):d}", str(lib.tensor([1, 2]))

    ours = case(nt)
    theirs = case(torch)
    assert ours == theirs


def test_equality_with_none_and_hash():
    t = nt.tensor([1.0])
    assert (t == None) is False  # noqa: E711 - the Python protocol under test
    assert (t != None) is True  # noqa: E711
    assert hash(t) == hash(t) and t in {t}


def test_deepcopy_leaf_and_non_leaf():
    def case(lib):
        x = lib.tensor(A, requires_grad=True)
        (x * 2).sum().backward()
        c = copy.deepcopy(x)
        c.data.add_(1)  # independent memory
        return c, c.requires_grad, c.grad, x

    both(case)
    both_raise(lambda lib: copy.deepcopy(lib.tensor(A, requires_grad=True) * 2),
               "graph leaves")


def test_device_attributes():
    t = nt.zeros(2)
    assert t.device.type == "cpu" and str(t.device) == "cpu" and t.is_cuda is False
    assert t.to("cpu") is t and t.cpu() is t
    with pytest.raises(RuntimeError, match="CPU only"):
        t.to("cuda")


def test_version_counter_basics():
    def case(lib):
        t = lib.zeros(3)
        v = [t._version]
        t.add_(1)
        v.append(t._version)
        t[0] = 5
        v.append(t._version)
        t + 1  # out of place: no bump
        v.append(t._version)
        return v

    both(case)


# -- repr -----------------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
R2 = RNG.standard_normal((100, 50)).astype(np.float32)
R3 = RNG.random((3, 3)).astype(np.float32)
NAN, INF = float("nan"), float("inf")

REPR_CASES = {
    "float32": lambda lib: lib.tensor([0.1, 2.0, -3.5]),
    "float64": lambda lib: lib.tensor([0.1, 2.0], dtype=lib.float64),
    "float16": lambda lib: lib.tensor([0.1, 2.0], dtype=lib.float16),
    "whole_floats": lambda lib: lib.tensor([1.0, 2.0, -3.0]),
    "zeros": lambda lib: lib.zeros(2, 3),
    "neg_zero": lambda lib: lib.tensor([-0.0, 0.0, 1.5]),
    "neg_zero_only": lambda lib: lib.tensor([-0.0, 0.0]),
    "neg_zero_whole": lambda lib: lib.tensor([-0.0, 2.0]),
    "nan_inf": lambda lib: lib.tensor([NAN, INF, -INF, 1.5]),
    "nan_inf_whole": lambda lib: lib.tensor([NAN, INF, 1.0]),
    "nan_only": lambda lib: lib.tensor([NAN]),
    "nan_2d": lambda lib: lib.tensor([[NAN, 0.001], [2.5, -INF]]),
    "sci_small": lambda lib: lib.tensor([1e-5, 1.0]),
    "sci_ratio": lambda lib: lib.tensor([0.5, 1000.0]),
    "sci_big": lambda lib: lib.tensor([1e9, 1.0]),
    "sci_big_whole": lambda lib: lib.tensor([1e9, 3e9]),
    "ratio_whole": lambda lib: lib.tensor([1.0, 5000.0]),
    "neg_sci": lambda lib: lib.tensor([-1e-5, 1.0]),
    "tiny": lambda lib: lib.tensor([1e-10, 2e-10]),
    "big_values": lambda lib: lib.tensor([123456.7, 2.0]),
    "exactly_1e8": lambda lib: lib.tensor([1e8, 1.0]),
    "float64_thirds": lambda lib: lib.tensor([1 / 3, 2 / 3], dtype=lib.float64),
    "sci_with_nan": lambda lib: lib.tensor([1e-3, 1e5, NAN]),
    "int64": lambda lib: lib.tensor([1, -20, 300]),
    "int32": lambda lib: lib.tensor([1, -20, 300], dtype=lib.int32),
    "uint8": lambda lib: lib.tensor([1, 2], dtype=lib.uint8),
    "int_huge": lambda lib: lib.tensor([10**12, -5]),
    "bool": lambda lib: lib.tensor([True, False]),
    "bool_2d": lambda lib: lib.tensor([[True], [False]]),
    "scalar_float": lambda lib: lib.tensor(3.14159),
    "scalar_whole": lambda lib: lib.tensor(2.0),
    "scalar_int": lambda lib: lib.tensor(7),
    "scalar_bool": lambda lib: lib.tensor(True),
    "scalar_float64": lambda lib: lib.tensor(2.5, dtype=lib.float64),
    "scalar_int16": lambda lib: lib.tensor(-3, dtype=lib.int16),
    "empty": lambda lib: lib.tensor([]),
    "empty_2d": lambda lib: lib.zeros(0, 3),
    "empty_int64": lambda lib: lib.zeros(0, dtype=lib.int64),
    "empty_int32_2d": lambda lib: lib.zeros(2, 0, dtype=lib.int32),
    "empty_float64": lambda lib: lib.zeros(0, dtype=lib.float64),
    "empty_bool": lambda lib: lib.zeros(0, dtype=lib.bool),
    "requires_grad": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
    "requires_grad_f64": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True, dtype=lib.float64),
    "grad_fn": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 2,
    "grad_fn_f64": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True, dtype=lib.float64).exp(),
    "grad_fn_scalar": lambda lib: (lib.tensor([1.0, 2.0], requires_grad=True) * 2).sum(1 - 1),
    "large_1d": lambda lib: lib.arange(2000, dtype=lib.float32) / 7,
    "large_1d_int": lambda lib: lib.arange(5000),
    "large_2d": lambda lib: lib.tensor(R2),
    "large_3d": lambda lib: lib.arange(24000).reshape(20, 30, 40),
    "large_bool": lambda lib: lib.arange(3000) % 3 == 0,
    "large_wide_rows": lambda lib: lib.arange(2004).reshape(2, 1002),
    "at_threshold": lambda lib: lib.arange(1000),
    "above_threshold": lambda lib: lib.arange(1001),
    "wide_1d": lambda lib: lib.tensor(np.linspace(-1, 1, 30).astype(np.float32)),
    "wide_int": lambda lib: lib.arange(100),
    "wide_2d": lambda lib: lib.tensor(np.linspace(-1, 1, 60).reshape(3, 20).astype(np.float32)),
    "3d": lambda lib: lib.tensor(np.arange(24).reshape(2, 3, 4) / 3),
    "4d": lambda lib: lib.arange(16).reshape(2, 2, 2, 2),
    "mixed_signs": lambda lib: lib.tensor([[-1.5, 2.25], [3.0, -4.125]]),
    "random": lambda lib: lib.tensor(R3),
    "one_element_3d": lambda lib: lib.tensor([[[5.5]]]),
    "transposed": lambda lib: lib.tensor(R3).T,
}


@pytest.mark.parametrize("name", sorted(REPR_CASES))
def test_repr_matches_torch(name):
    make = REPR_CASES[name]
    theirs = repr(make(torch)).replace("torch.", "neurona.")
    ours = repr(make(nt))
    assert ours == theirs, f"\nours:  {ours}\ntorch: {theirs}"
    assert str(make(nt)) == ours


def test_repr_with_default_dtype_float64():
    prev_n, prev_t = nt.get_default_dtype(), torch.get_default_dtype()
    try:
        nt.set_default_dtype(nt.float64)
        torch.set_default_dtype(torch.float64)
        for make in (lambda lib: lib.tensor([1.5, 2.0]), lambda lib: lib.tensor([1.5], dtype=lib.float32),
                     lambda lib: lib.zeros(0), lambda lib: lib.zeros(0, dtype=lib.float32),
                     lambda lib: lib.tensor(0.5, requires_grad=True)):
            assert repr(make(nt)) == repr(make(torch)).replace("torch.", "neurona.")
    finally:
        nt.set_default_dtype(prev_n)
        torch.set_default_dtype(prev_t)


def test_dtype_repr_and_attributes():
    for d in ALL_DTYPES:
        ours, theirs = getattr(nt, d), getattr(torch, d)
        assert repr(ours) == repr(theirs).replace("torch.", "neurona.")
        assert ours.is_floating_point == theirs.is_floating_point
        assert ours.is_signed == theirs.is_signed
        assert ours.itemsize == theirs.itemsize
    assert nt.float is nt.float32 and nt.double is nt.float64 and nt.long is nt.int64
    assert nt.int is nt.int32 and nt.half is nt.float16 and nt.short is nt.int16


# -- methods taking a list of ints as varargs, a sequence, or by keyword --------------------------

B = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
VARARG_CASES = {
    "flip_varargs": lambda m, x: x.flip(0, 1),
    "flip_tuple": lambda m, x: m.flip(x, (0, 1)),
    "flip_list": lambda m, x: x.flip([0]),
    "flip_kw": lambda m, x: x.flip(dims=(0, 2)),
    "flip_fn_kw": lambda m, x: m.flip(x, dims=[1]),
    "permute_varargs": lambda m, x: x.permute(2, 0, 1),
    "permute_list": lambda m, x: x.permute([2, 0, 1]),
    "permute_kw": lambda m, x: x.permute(dims=(2, 0, 1)),
    "permute_fn_kw": lambda m, x: m.permute(x, dims=(2, 0, 1)),
    "view_varargs": lambda m, x: x.view(6, 4),
    "view_tuple": lambda m, x: x.view((6, -1)),
    "view_kw": lambda m, x: x.view(size=(6, 4)),
    "view_dtype_kw": lambda m, x: x.view(dtype=m.int32),
    "reshape_varargs": lambda m, x: x.reshape(4, 6),
    "reshape_list": lambda m, x: x.reshape([6, -1]),
    "reshape_kw": lambda m, x: x.reshape(shape=(6, 4)),
    "reshape_fn_kw": lambda m, x: m.reshape(x, shape=(24,)),
    "repeat_varargs": lambda m, x: x.repeat(1, 2, 1, 1),
    "repeat_tuple": lambda m, x: x.repeat((2, 1, 1)),
    "repeat_kw": lambda m, x: x.repeat(repeats=(2, 1, 1)),
    "expand_varargs": lambda m, x: x[:, :1].expand(2, 3, 4),
    "expand_list": lambda m, x: x[:, :1].expand([5, -1, 3, -1]),
    "expand_kw": lambda m, x: x[:, :1].expand(size=(2, 3, 4)),
    "broadcast_to_varargs": lambda m, x: x.broadcast_to(2, 2, 3, 4),
    "tile_int": lambda m, x: x.tile(2),
    "tile_varargs": lambda m, x: x.tile(2, 1),
    "tile_kw": lambda m, x: x.tile(dims=(2,)),
    "tile_fn": lambda m, x: m.tile(x, (2, 1)),
    "squeeze_varargs": lambda m, x: x[:, :1, :1].squeeze(1, 2),
    "squeeze_tuple": lambda m, x: x[:, :1].squeeze((0, 1)),
    "squeeze_kw": lambda m, x: x[:, :1].squeeze(dim=(1,)),
    "squeeze_fn": lambda m, x: m.squeeze(x[:1], (0, 2)),
    "sum_tuple": lambda m, x: x.sum((0, 2)),
    "sum_kw_list": lambda m, x: x.sum(dim=[0, 1], keepdim=True),
    "mean_tuple": lambda m, x: x.mean((0, 1)),
    "count_nonzero_varargs": lambda m, x: x.count_nonzero(0, 1),
}


@pytest.mark.parametrize("name", list(VARARG_CASES))
def test_list_of_ints_argument_forms(name):
    case = VARARG_CASES[name]
    both(lambda m: case(m, m.tensor(B)))


@pytest.mark.parametrize("call", [
    lambda x: x.flip(), lambda x: x.flip(0, dims=1), lambda x: x.permute(),
    lambda x: x.reshape(), lambda x: x.repeat(), lambda x: x.expand(),
])
def test_list_of_ints_argument_errors(call):
    both_raise(lambda m: call(m.tensor(B)))


def test_reshape_copy_is_not_a_view():
    def case(m):
        x = m.tensor(B[0], requires_grad=True)
        copied, viewed = x.T.reshape(12), x.reshape(4, 3)
        return copied._base is None, viewed._base is x, copied.grad_fn.name()

    both(case)
