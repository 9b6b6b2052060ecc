"""Matrix products on tensors: matmul, mm, bmm, mv, dot, outer, addmm, einsum."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from ..autograd.function import run
from ..ops import linalg as L
from ..tensor import Tensor
from ._common import check_tensor

_DT_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long",
             "int32": "int", "int16": "short", "int8": "char", "uint8": "unsigned char",
             "bool": "bool"}


def _check_dtypes(a: Tensor, b: Tensor, fn: str) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{fn}: expected m1 and m2 to have the same dtype, but got: "
            f"{_DT_NAMES.get(a.dtype.name, a.dtype.name)} != "
            f"{_DT_NAMES.get(b.dtype.name, b.dtype.name)}"
        )


def _fmt(shape: tuple) -> str:
    return "x".join(str(s) for s in shape)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with broadcasting: 1-D·1-D is a dot product, 2-D·2-D a matrix product,
    higher dims are batches of matrices (a 1-D operand is a vector on that side)."""
    check_tensor(input, "matmul")
    check_tensor(other, "matmul", "other")
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    _check_dtypes(input, other, "matmul")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        if a.ndim == 1 and b.ndim == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{k_a}] and src [{k_b}] to have the "
                f"same number of elements, but got {k_a} and {k_b} elements respectively"
            )
        if a.ndim <= 2 and b.ndim <= 2:
            sa = a.shape if a.ndim == 2 else (1, k_a)
            sb = b.shape if b.ndim == 2 else (k_b, 1)
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fmt(sa)} and {_fmt(sb)})")
        raise RuntimeError(
            f"matmul: shapes {list(a.shape)} and {list(b.shape)} cannot be multiplied: the last "
            f"dim of the first ({k_a}) must equal the second-to-last dim of the second ({k_b})"
        )
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dimensions of shapes {list(a.shape)} and {list(b.shape)} "
                "cannot be broadcast"
            ) from None
    node = L.MatMul()
    node._name = _matmul_name(a.ndim, b.ndim)
    return run(node, input, other)


def _matmul_name(nd_a: int, nd_b: int) -> str:
    """The op PyTorch's matmul ends with for these ranks (its ``grad_fn`` name): dot, mv, mm;
    1-D @ 2-D unsqueezes, multiplies and squeezes; batched products end with a reshape."""
    if nd_a <= 2 and nd_b <= 2:
        return {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (1, 2): "SqueezeBackward4",
                (2, 2): "MmBackward0"}[nd_a, nd_b]
    if nd_a == 2:  # matrix @ batch: computed as (batchᵀ @ matrixᵀ)ᵀ, made contiguous
        return "CloneBackward0"
    return "UnsafeViewBackward0"


def _named(result: Tensor, name: str) -> Tensor:
    """Rename the node that produced ``result`` (an op PyTorch records under another name)."""
    if result.grad_fn is not None:
        result.grad_fn._name = name
    return result


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (2-D only; no broadcasting)."""
    if input.ndim != 2:
        raise RuntimeError(f"self must be a matrix (got a {input.ndim}-D tensor)")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix (got a {mat2.ndim}-D tensor)")
    return _named(matmul(input, mat2), "MmBackward0")


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors with the same batch size."""
    if input.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (got shape {list(input.shape)})")
    if mat2.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor (got shape {list(mat2.shape)})")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    return _named(matmul(input, mat2), "BmmBackward0")


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}"
        )
    return matmul(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Dot product of two 1-D tensors."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors"
        )
    return matmul(input, tensor)


inner = dot


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors: out[i, j] = input[i]·vec2[j]."""
    return _named(einsum("i,j->ij", input, vec2), "MulBackward0")  # PyTorch: x[:, None] * y


ger = outer


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta·input + alpha·(mat1 @ mat2)."""
    prod = mm(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    return _named(prod + (input if beta == 1 else input * beta), "AddmmBackward0")


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``; supports ``...``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ops = [check_tensor(o, "einsum", "operands") for o in operands]
    inputs, output = _parse_einsum(equation.replace(" ", ""), [o.ndim for o in ops])
    for o in ops[1:]:
        if o._data.dtype != ops[0]._data.dtype:
            raise RuntimeError(
                f"einsum(): operands must have the same dtype, got {ops[0].dtype} and {o.dtype}"
            )
    sizes: dict[str, int] = {}
    for subs, o in zip(inputs, ops):
        for c, n in zip(subs, o.shape):
            if c in sizes and n != sizes[c] and 1 not in (n, sizes[c]):
                raise RuntimeError(
                    f"einsum(): operands do not broadcast with remapped shapes "
                    f"(subscript '{c}' has sizes {sizes[c]} and {n})"
                )
            sizes[c] = n if c not in sizes or sizes[c] == 1 else sizes[c]
    return run(L.Einsum(inputs, output), *ops)


def _parse_einsum(eq: str, ndims: list[int]) -> tuple[list[str], str]:
    """Explicit subscripts per operand and for the output (ellipses become letters)."""
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(
            f"einsum(): {len(terms)} subscripts given for {len(ndims)} operands in '{eq}'"
        )
    used = set(eq) - set(".,->")
    free = [c for c in string.ascii_letters if c not in used]
    n_ell = max((nd - len(t.replace("...", "")) for t, nd in zip(terms, ndims) if "..." in t),
                default=0)
    ell = "".join(free[:n_ell])
    inputs = []
    for t, nd in zip(terms, ndims):
        if "..." in t:
            k = nd - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k:] if k else "")
        if len(t) != nd:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(t)}) does not match "
                f"the number of dimensions ({nd}) for operand {len(inputs)}"
            )
        inputs.append(t)
    if arrow:
        output = out.replace("...", ell)
    else:
        counts: dict[str, int] = {}
        for t in inputs:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        output = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return inputs, output
