"""Error cases: the exception type must be PyTorch's, and the message must name the problem
(the shapes, dimension or dtypes involved) so a student can fix the call."""

from __future__ import annotations

import pytest
import torch

import neurona as nt


def errors(case):
    """Run ``case`` on both libraries; both must raise the same exception type."""
    with pytest.raises(Exception) as t_info:
        case(torch)
    with pytest.raises(Exception) as n_info:
        case(nt)
    assert n_info.type is t_info.type, f"ours {n_info.value!r} vs torch {t_info.value!r}"
    return str(n_info.value), str(t_info.value)


def contains(message: str, *phrases: str) -> None:
    for p in phrases:
        assert p in message, f"{p!r} not in {message!r}"


# -- broadcasting -------------------------------------------------------------------------------

BROADCAST = {
    "add": (lambda lib: lib.ones(2, 3) + lib.ones(4, 3), "(2)", "(4)", "dimension 0", "[2, 3]", "[4, 3]"),
    "mul_3d": (lambda lib: lib.ones(2, 3, 4) * lib.ones(3, 5), "(4)", "(5)", "dimension 2", "[2, 3, 4]",
               "[3, 5]"),
    "sub_1d": (lambda lib: lib.ones(5) - lib.ones(4), "(5)", "(4)", "dimension 0", "[5]", "[4]"),
    "div_rhs_tensor": (lambda lib: lib.ones(3, 1, 2) / lib.ones(4, 3), "(2)", "(3)", "dimension 2"),
    "where": (lambda lib: lib.where(lib.ones(2, 3) > 0, lib.ones(2, 3), lib.ones(4)), "(3)", "(4)",
              "dimension 1"),
    "maximum": (lambda lib: lib.maximum(lib.ones(2, 3), lib.ones(2)), "(3)", "(2)", "dimension 1"),
    "broadcast_tensors": (lambda lib: lib.broadcast_tensors(lib.ones(2, 3), lib.ones(4, 3)), "(2)", "(4)"),
    "comparison": (lambda lib: lib.ones(2, 3) < lib.ones(3, 2), "(3)", "(2)", "dimension 1"),
    "inplace": (lambda lib: lib.ones(2, 3).add_(lib.ones(2)), "(3)", "(2)", "dimension 1"),
}


@pytest.mark.parametrize("name", sorted(BROADCAST))
def test_broadcast_errors_name_sizes_dimension_and_shapes(name):
    case, *phrases = BROADCAST[name]
    ours, theirs = errors(case)
    contains(ours, "must match the size of tensor b", *phrases)
    contains(theirs, "must match the size of tensor b")


def test_broadcast_shapes_error():
    ours, _ = errors(lambda lib: lib.broadcast_shapes((2, 3), (4, 3)))
    contains(ours, "[2, 3]", "[4, 3]")


def test_expand_error():
    ours, theirs = errors(lambda lib: lib.ones(2, 3).expand(2, 4))
    assert ours == theirs
    ours, _ = errors(lambda lib: lib.ones(2, 3).expand(3))
    contains(ours, "the number of sizes provided (1) must be greater or equal to the number of dimensions")


# -- matmul ---------------------------------------------------------------------------------------

MATMUL = {
    "2d_2d": (lambda lib: lib.ones(2, 3) @ lib.ones(4, 5), "2x3", "4x5"),
    "mm": (lambda lib: lib.mm(lib.ones(2, 3), lib.ones(4, 5)), "2x3", "4x5"),
    "1d_1d": (lambda lib: lib.ones(3) @ lib.ones(4), "[3]", "[4]"),
    "dot": (lambda lib: lib.dot(lib.ones(3), lib.ones(4)), "3", "4"),
    "2d_1d": (lambda lib: lib.ones(2, 3) @ lib.ones(4), "2x3", "4"),
    "1d_2d": (lambda lib: lib.ones(3) @ lib.ones(4, 5), "3", "4x5"),
    "mv": (lambda lib: lib.mv(lib.ones(2, 3), lib.ones(4)), "2x3", "4"),
    "bmm": (lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 4, 5)), "[2, 3]", "[2, 4]"),
    "batched": (lambda lib: lib.ones(2, 2, 3) @ lib.ones(2, 4, 5), "3", "4"),
    "batch_broadcast": (lambda lib: lib.ones(2, 2, 3) @ lib.ones(3, 3, 5), "2", "3"),
    "linear": (lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(4, 5)), "2x3", "5x4"),
}


@pytest.mark.parametrize("name", sorted(MATMUL))
def test_matmul_shape_mismatch_names_both_shapes(name):
    case, *phrases = MATMUL[name]
    ours, _ = errors(case)
    contains(ours, *phrases)


def test_matmul_exact_messages():
    for case in (lambda lib: lib.ones(2, 3) @ lib.ones(4, 5),
                 lambda lib: lib.mm(lib.ones(2, 3), lib.ones(4, 5)),
                 lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 4, 5))):
        ours, theirs = errors(case)
        assert ours == theirs


def test_mm_needs_matrices():
    ours, _ = errors(lambda lib: lib.mm(lib.ones(2, 3, 4), lib.ones(4, 5)))
    contains(ours, "self must be a matrix")
    errors(lambda lib: lib.bmm(lib.ones(2, 3), lib.ones(3, 2)))
    errors(lambda lib: lib.tensor(1.0) @ lib.ones(3))


DTYPE_MISMATCH = {
    "matmul_f32_f64": (lambda lib: lib.ones(2, 3) @ lib.ones(3, 2, dtype=lib.float64), "float", "double"),
    "matmul_f64_f32": (lambda lib: lib.ones(2, 3, dtype=lib.float64) @ lib.ones(3, 2), "double", "float"),
    "mm_f32_f64": (lambda lib: lib.mm(lib.ones(2, 3), lib.ones(3, 2, dtype=lib.float64)), "float", "double"),
    "matmul_f32_int": (lambda lib: lib.ones(2, 3) @ lib.ones(3, 2, dtype=lib.int64), "float", "long"),
    "bmm_f32_f64": (lambda lib: lib.bmm(lib.ones(1, 2, 3), lib.ones(1, 3, 2, dtype=lib.float64)), "float",
                    "double"),
    "batched_f32_f64": (lambda lib: lib.ones(2, 2, 3) @ lib.ones(2, 3, 2, dtype=lib.float64), "float",
                        "double"),
    "dot_f64_f32": (lambda lib: lib.dot(lib.ones(3, dtype=lib.float64), lib.ones(3)), "ouble", "loat"),
    "mv_f32_f64": (lambda lib: lib.mv(lib.ones(2, 3), lib.ones(3, dtype=lib.float64)), "ouble", "loat"),
    "linear_f64_input": (lambda lib: lib.nn.functional.linear(lib.ones(2, 3, dtype=lib.float64),
                                                            lib.ones(4, 3)), "must have the same dtype"),
}


@pytest.mark.parametrize("name", sorted(DTYPE_MISMATCH))
def test_matmul_dtype_mismatch_is_an_error(name):
    case, *phrases = DTYPE_MISMATCH[name]
    ours, _ = errors(case)
    contains(ours, *phrases)


def test_mixed_dtype_elementwise_is_not_an_error():
    def case(lib):
        return ((lib.ones(2) + lib.ones(2, dtype=lib.float64)).dtype,
                (lib.ones(2) * lib.ones(2, dtype=lib.int64)).dtype)

    assert [str(d).split(".")[1] for d in case(nt)] == [str(d).split(".")[1] for d in case(torch)]


# -- autograd -------------------------------------------------------------------------------------


def test_backward_on_non_scalar_without_gradient():
    ours, theirs = errors(lambda lib: (lib.ones(2, 3, requires_grad=True) * 2).backward())
    assert ours == theirs == "grad can be implicitly created only for scalar outputs"


def test_backward_on_tensor_that_does_not_require_grad():
    ours, theirs = errors(lambda lib: (lib.ones(2) * 2).sum().backward())
    assert ours == theirs


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool"])
def test_requires_grad_on_integer_tensor(dtype):
    ours, theirs = errors(lambda lib: lib.ones(2, dtype=getattr(lib, dtype)).requires_grad_())
    assert ours == theirs
    ours, theirs = errors(lambda lib: lib.tensor([1, 0], dtype=getattr(lib, dtype), requires_grad=True))
    assert ours == theirs


def test_second_backward_error_names_retain_graph():
    def case(lib):
        x = lib.ones(2, requires_grad=True)
        y = (x.exp() * 2).sum()
        y.backward()
        y.backward()

    ours, theirs = errors(case)
    assert ours == theirs


# -- views and reshapes ---------------------------------------------------------------------------

VIEW = {
    "transposed": lambda lib: lib.ones(2, 3).T.view(6),
    "permuted_3d": lambda lib: lib.ones(2, 3, 4).permute(0, 2, 1).view(2, 12),
    "transposed_flat": lambda lib: lib.ones(4, 5).t().view(-1),
    "sliced_columns": lambda lib: lib.ones(4, 6)[:, :3].view(12),
}


@pytest.mark.parametrize("name", sorted(VIEW))
def test_view_on_non_contiguous_tensor(name):
    ours, theirs = errors(VIEW[name])
    contains(ours, "view size is not compatible with input tensor's size and stride", ".reshape(")
    assert ours == theirs


def test_view_of_non_contiguous_works_when_strides_allow():
    def case(lib):
        x = lib.arange(24.0).reshape(4, 6)
        v = x[:, ::2].view(12)  # a uniform stride of 2: still a view
        v.mul_(-1)
        return x.tolist()

    assert case(nt) == case(torch)


RESHAPE = {
    "view": (lambda lib: lib.ones(2, 3).view(4), "[4]", "6"),
    "reshape": (lambda lib: lib.ones(2, 3).reshape(4, 2), "[4, 2]", "6"),
    "reshape_infer": (lambda lib: lib.ones(2, 3).reshape(4, -1), "[4, -1]", "6"),
    "view_infer": (lambda lib: lib.ones(2, 3).view(-1, 4), "[-1, 4]", "6"),
    "view_as": (lambda lib: lib.ones(2, 3).view_as(lib.ones(4)), "[4]", "6"),
    "flatten_unflatten": (lambda lib: lib.ones(2, 6).unflatten(1, (4, 2)), "4", "2"),
}


@pytest.mark.parametrize("name", sorted(RESHAPE))
def test_reshape_to_incompatible_size(name):
    case, *phrases = RESHAPE[name]
    ours, _ = errors(case)
    contains(ours, *phrases)


def test_reshape_messages_exact():
    for case in (lambda lib: lib.ones(2, 3).view(4), lambda lib: lib.ones(2, 3).reshape(4, -1),
                 lambda lib: lib.ones(2, 3).view(-1, -1)):
        ours, theirs = errors(case)
        assert ours == theirs


# -- indexing ---------------------------------------------------------------------------------------

INDEX = {
    "row": (lambda lib: lib.ones(2, 3)[2], "index 2 is out of bounds for dimension 0 with size 2"),
    "negative": (lambda lib: lib.ones(2, 3)[-3], "index -3 is out of bounds for dimension 0 with size 2"),
    "column": (lambda lib: lib.ones(2, 3)[0, 5], "index 5 is out of bounds for dimension 1 with size 3"),
    "tensor_index": (lambda lib: lib.ones(2, 3)[lib.tensor([0, 5])], "index 5 is out of bounds"),
    "list_index": (lambda lib: lib.ones(2, 3)[[0, 5]], "index 5 is out of bounds"),
    "too_many": (lambda lib: lib.ones(2, 3)[0, 0, 0], "too many indices"),
    "zero_dim": (lambda lib: lib.tensor(1.0)[0], ""),
    "setitem": (lambda lib: lib.ones(2, 3).__setitem__((0, 3), 1.0), "index 3 is out of bounds"),
    "float_index": (lambda lib: lib.ones(2, 3)[lib.tensor([0.0])], "tensors used as indices must be long"),
    "mask_shape": (lambda lib: lib.ones(2, 3)[lib.ones(3, 2) > 0], "The shape of the mask [3, 2] at index 0 "
                   "does not match the shape of the indexed tensor [2, 3]"),
    "index_select": (lambda lib: lib.index_select(lib.ones(2, 3), 0, lib.tensor([2])), "index out of range"),
    "gather": (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.tensor([[3]])), "out of bounds"),
    "item_of_many": (lambda lib: lib.ones(3).item(), "elements cannot be converted to Scalar"),
}


@pytest.mark.parametrize("name", sorted(INDEX))
def test_index_out_of_range(name):
    case, phrase = INDEX[name]
    ours, theirs = errors(case)
    contains(ours, phrase)


DIM = {
    "sum": lambda lib: lib.ones(2, 3).sum(2),
    "softmax": lambda lib: lib.ones(2, 3).softmax(-3),
    "transpose": lambda lib: lib.ones(2, 3).transpose(0, 2),
    "squeeze": lambda lib: lib.ones(2, 3).squeeze(3),
    "unsqueeze": lambda lib: lib.ones(2, 3).unsqueeze(4),
    "size": lambda lib: lib.ones(2, 3).size(2),
    "cat": lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 3)], dim=2),
    "argmax": lambda lib: lib.ones(2, 3).argmax(-3),
}


@pytest.mark.parametrize("name", sorted(DIM))
def test_dimension_out_of_range(name):
    ours, theirs = errors(DIM[name])
    contains(ours, "Dimension out of range")
    assert ours == theirs


# -- cat / stack ------------------------------------------------------------------------------------

CAT = {
    "cat_dim0": (lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)]), "Expected size 3 but got size 4",
                 "dimension 0", "tensor number 1"),
    "cat_dim1": (lambda lib: lib.cat([lib.ones(2, 3), lib.ones(3, 3)], dim=1),
                 "Expected size 2 but got size 3", "dimension 1"),
    "cat_third": (lambda lib: lib.cat([lib.ones(2, 3), lib.ones(1, 3), lib.ones(1, 2)]),
                  "Expected size 3 but got size 2", "tensor number 2"),
    "cat_ndim": (lambda lib: lib.cat([lib.ones(2, 3), lib.ones(3)]), "same number of dimensions", "2", "1"),
    "cat_0d": (lambda lib: lib.cat([lib.tensor(1.0), lib.tensor(2.0)]), "zero-dimensional"),
    "stack": (lambda lib: lib.stack([lib.ones(2, 3), lib.ones(2, 4)]), "[2, 3]", "[2, 4]", "entry 1"),
    "hstack": (lambda lib: lib.hstack([lib.ones(2, 3), lib.ones(3, 3)]), "Expected size 2 but got size 3"),
    "vstack": (lambda lib: lib.vstack([lib.ones(2, 3), lib.ones(2, 4)]), "Expected size 3 but got size 4"),
}


@pytest.mark.parametrize("name", sorted(CAT))
def test_cat_of_mismatched_shapes(name):
    case, *phrases = CAT[name]
    ours, theirs = errors(case)
    contains(ours, *phrases)


def test_cat_messages_exact():
    for name in ("cat_dim0", "cat_dim1", "cat_third", "cat_ndim", "stack"):
        ours, theirs = errors(CAT[name][0])
        assert ours == theirs.replace("torch.", "neurona."), name


# -- dtypes and arguments ----------------------------------------------------------------------------

MISC = {
    "mean_of_int": (lambda lib: lib.ones(2, dtype=lib.int64).mean(), "mean(): could not infer output dtype"),
    "bool_subtraction": (lambda lib: lib.ones(2, dtype=lib.bool) - lib.ones(2, dtype=lib.bool),
                         "Subtraction, the `-` operator, with two bool tensors is not supported"),
    "bool_negation": (lambda lib: -lib.ones(2, dtype=lib.bool),
                      "Negation, the `-` operator, on a bool tensor"),
    "where_condition": (lambda lib: lib.where(lib.ones(2), lib.ones(2), lib.ones(2)),
                        "where expected condition to be a boolean tensor"),
    "masked_fill_mask": (lambda lib: lib.ones(2).masked_fill(lib.ones(2), 1.0), "boolean masks"),
    "add_string": (lambda lib: lib.ones(2) + "a", ""),
    "add_none": (lambda lib: lib.ones(2) + None, ""),
    "int_negative_power": (lambda lib: lib.tensor([2]) ** -1, "Integers to negative integer powers"),
    "cross_entropy_target": (lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.tensor([0, 5])),
                             "Target 5 is out of bounds"),
    "chunk_zero": (lambda lib: lib.ones(4).chunk(0), "chunk expects `chunks` to be greater than 0"),
    "split_sizes": (lambda lib: lib.ones(4).split([1, 2]), "to sum exactly to 4"),
    "permute_dims": (lambda lib: lib.ones(2, 3).permute(0), "number of dimensions"),
    "permute_repeated": (lambda lib: lib.ones(2, 3).permute(0, 0), "duplicate dims"),
    "negative_size": (lambda lib: lib.ones(2, -3), "negative"),
}


@pytest.mark.parametrize("name", sorted(MISC))
def test_misc_errors(name):
    case, phrase = MISC[name]
    ours, _ = errors(case)
    contains(ours, phrase)
