"""``neurona.nn.functional`` (``F``): layers and losses as functions, as ``torch.nn.functional``.

Thin: each function checks its arguments with PyTorch's errors and calls an op
(fused where that is faster or more stable) or composes tensor functions.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import random as _random
from ..api import pointwise as P
from ..api import reduction as R
from ..api import shape as S
from ..api.indexing import one_hot as _one_hot
from ..autograd.function import run, run_on
from ..ops import activation as Act
from ..ops import fused as Fu
from ..tensor import Tensor

# -- linear -----------------------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, with W of shape (out_features, in_features)."""
    x, w = input._data, weight._data
    if x.ndim == 0 or w.ndim != 2 or x.shape[-1] != w.shape[1]:
        rows = "x".join(str(s) for s in (x.shape[:-1] or (1,)))
        inner = x.shape[-1] if x.ndim else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{inner} and "
            f"{w.shape[1] if w.ndim == 2 else '?'}x{w.shape[0]}): the layer expects "
            f"in_features={w.shape[1] if w.ndim == 2 else '?'} but the input's last dimension is "
            f"{inner} (input shape {list(x.shape)}, weight shape {list(w.shape)})"
        )
    if x.dtype != w.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {input.dtype} and {weight.dtype}"
        )
    if bias is None:
        return run(Fu.Linear(), input, weight)
    return run(Fu.Linear(), input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1ᵀ W_k x2 + b_k."""
    from ..api.linalg import einsum

    out = einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias


# -- activations -----------------------------------------------------------------------------


def _maybe_inplace(input: Tensor, fn: Any, inplace: bool) -> Tensor:
    """``fn(input)``, or written back into ``input`` when ``inplace`` (recorded if needed)."""
    if not inplace:
        return fn(input)
    from ..api.inplace import _generic_

    return _generic_(input, fn)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return _maybe_inplace(input, P.relu, inplace)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope·x."""
    return _maybe_inplace(input, lambda t: run(Act.LeakyRelu(negative_slope), t), inplace)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else a·x, with one learned a per channel (dim 1) or a single shared one."""
    if weight.numel() != 1:
        c = input.shape[1] if input.ndim >= 2 else input.shape[0]
        if weight.numel() != c:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.numel()} and channel size = {c}."
            )
        shape = [1] * input.ndim
        shape[1 if input.ndim >= 2 else 0] = c
        weight = S.reshape(weight, shape)
    return run(Act.PRelu(), input, weight)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else α(eˣ − 1)."""
    return _maybe_inplace(input, lambda t: run(Act.Elu(alpha), t), inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale·elu(x, α) with PyTorch's constants (self-normalising)."""
    return _maybe_inplace(input, lambda t: run(Act.Elu(_SELU_ALPHA, _SELU_SCALE), t), inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, lambda t: run(Act.Celu(alpha), t), inplace)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) (``approximate='tanh'``: the tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got '{approximate}'")
    return run(Act.Gelu(approximate), input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x) (swish)."""
    return _maybe_inplace(input, lambda t: run(Act.Silu(), t), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x·tanh(softplus(x))."""
    return _maybe_inplace(input, lambda t: run(Act.Mish(), t), inplace)


def sigmoid(input: Tensor) -> Tensor:
    return P.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return P.tanh(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val)."""
    return _maybe_inplace(input, lambda t: run(Act.Hardtanh(min_val, max_val), t), inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, lambda t: run(Act.Hardsigmoid(), t), inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, lambda t: run(Act.Hardswish(), t), inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β)·log(1 + e^(βx)), linear above ``threshold``."""
    return run(Act.Softplus(beta, threshold), input)


def softsign(input: Tensor) -> Tensor:
    """x/(1 + |x|)."""
    return run(Act.Softsign(), input)


def logsigmoid(input: Tensor) -> Tensor:
    """log σ(x), stable."""
    return run(Act.LogSigmoid(), input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x if x > threshold else value."""
    return _maybe_inplace(input, lambda t: run(Act.Threshold(threshold, value), t), inplace)


def tanhshrink(input: Tensor) -> Tensor:
    return input - P.tanh(input)


def _softmax_dim(ndim: int, name: str) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """eˣⁱ / Σⱼ eˣʲ along ``dim``."""
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmax")
    return R.softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmin")
    return R.softmax(-input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """xᵢ − log Σⱼ eˣʲ along ``dim``."""
    if dim is None:
        dim = _softmax_dim(input.ndim, "log_softmax")
    return R.log_softmax(input, dim, dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    a, b = S.chunk(input, 2, dim)
    return a * P.sigmoid(b)


# -- dropout ----------------------------------------------------------------------------------


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """During training, zero each element with probability p and scale the rest by 1/(1 − p)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    arr = input._data
    if p == 1.0:
        mask = np.zeros(arr.shape, arr.dtype)
    else:
        keep = _random._np(None).random(arr.shape, dtype=np.float32) >= p
        mask = keep.astype(arr.dtype) * np.asarray(1.0 / (1.0 - p), arr.dtype)
    return _maybe_inplace(input, lambda t: run(Fu.Dropout(mask), t), inplace)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, batched_ndim: int) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    arr = input._data
    lead = 2 if arr.ndim == batched_ndim else 1
    shape = arr.shape[:lead] + (1,) * (arr.ndim - lead)
    if p == 1.0:
        mask = np.zeros(shape, arr.dtype)
    else:
        keep = _random._np(None).random(shape, dtype=np.float32) >= p
        mask = keep.astype(arr.dtype) * np.asarray(1.0 / (1.0 - p), arr.dtype)
    return _maybe_inplace(input, lambda t: run(Fu.Dropout(np.broadcast_to(mask, arr.shape)), t), inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, L) or (C, L)."""
    return _feature_dropout(input, p, training, inplace, 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, H, W) or (C, H, W)."""
    return _feature_dropout(input, p, training, inplace, 4)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's self-normalisation (mean 0, variance 1)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    alpha_p = -_SELU_ALPHA * _SELU_SCALE
    keep = _random._np(None).random(input._data.shape) >= p
    a = (1 - p) * (1 + p * alpha_p**2)
    a = a ** -0.5
    b = -a * alpha_p * p
    keep_t = Tensor._wrap(keep.astype(input._data.dtype))
    return (input * keep_t + alpha_p * (1 - keep_t)) * a + b


# -- normalisation ------------------------------------------------------------------------------


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """(x − mean)/√(var + eps)·weight + bias over the trailing ``normalized_shape`` dims."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input._data.shape[-len(shape):]) != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}"
        )
    inputs = [input] + [t for t in (weight, bias) if t is not None]
    node = Fu.LayerNorm(len(shape), eps)
    if weight is None and bias is not None:
        return run(node, input) * 1 + bias
    return run(node, *inputs)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float | None = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by batch statistics (training) or running ones (eval).

    In training the running statistics are updated in place:
    running ← (1 − momentum)·running + momentum·batch (unbiased variance).
    """
    x = input._data
    if x.ndim < 2:
        raise ValueError(f"expected at least 2D input (got {x.ndim}D input)")
    c = x.shape[1]
    if training:
        n = x.size // max(c, 1)
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {input.shape}"
            )
        node = Fu.BatchNorm(eps)
        if weight is not None and bias is not None:
            out = run(node, input, weight, bias)
        elif weight is not None:
            out = run(node, input, weight)
        else:
            out = run(node, input)
            if bias is not None:
                out = out + S.reshape(bias, [1, c] + [1] * (x.ndim - 2))
        if running_mean is not None and running_var is not None:
            m = 0.0 if momentum is None else momentum
            rm, rv = running_mean._data, running_var._data
            rm *= 1 - m
            rm += m * node.batch_mean.astype(rm.dtype, copy=False)
            rv *= 1 - m
            rv += m * node.batch_var.astype(rv.dtype, copy=False)
            running_mean._vc[0] += 1
            running_var._vc[0] += 1
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    shape = [1, c] + [1] * (x.ndim - 2)
    mean = S.reshape(running_mean, shape)
    inv = P.rsqrt(S.reshape(running_var, shape) + eps)
    out = (input - mean) * inv
    if weight is not None:
        out = out * S.reshape(weight, shape)
    if bias is not None:
        out = out + S.reshape(bias, shape)
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖_p, eps) along ``dim``."""
    n = R.norm(input, p, dim, keepdim=True)
    return input / P.clamp(n, min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1·x2 / max(‖x1‖·‖x2‖, eps) along ``dim`` (broadcasting)."""
    dot = R.sum(x1 * x2, dim)
    n1 = R.norm(x1, 2, dim)
    n2 = R.norm(x2, 2, dim)
    return dot / P.clamp(n1 * n2, min=eps)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    return R.norm(x1 - x2 + eps, p, -1, keepdim)


# -- embedding -----------------------------------------------------------------------------------


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the integer indices ``input``."""
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {input.dtype} instead (while checking arguments for embedding)"
        )
    num = weight.shape[0]
    if idx.size and (idx.max() >= num or idx.min() < 0):
        bad = int(idx.max()) if idx.max() >= num else int(idx.min())
        raise IndexError(
            f"index out of range in self: embedding index {bad} is not in [0, {num}) "
            f"(the table has num_embeddings={num} rows)"
        )
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    return run(Fu.Embedding(idx, padding_idx), weight)


def _renorm_rows(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale (in place) the looked-up rows whose norm exceeds ``max_norm``."""
    w = weight._data
    rows = np.unique(idx.reshape(-1))
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    w[rows] *= scale[:, None]
    weight._vc[0] += 1


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices → one-hot rows (int64)."""
    return _one_hot(tensor, num_classes)


# -- padding -----------------------------------------------------------------------------------


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad)//2`` dims: pad = (left, right, top, bottom, ...), last dim first.

    ``mode``: 'constant' (with ``value``, default 0), 'reflect', 'replicate' or 'circular'.
    Negative pads crop.
    """
    from ..ops.pad import Pad

    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > input.ndim:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.ndim}"
        )
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    widths = [(0, 0)] * (input.ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in range(k - 1, -1, -1)]
    if mode != "constant":
        if value not in (None, 0, 0.0):
            raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
        for (l, r), n in zip(widths[input.ndim - k:], input.shape[input.ndim - k:]):
            if mode == "reflect" and (l >= n or r >= n):
                raise RuntimeError(
                    f"Argument #4: Padding size should be less than the corresponding input "
                    f"dimension, but got: padding ({l}, {r}) at dimension of size {n}"
                )
            if mode == "circular" and (l > n or r > n):
                raise RuntimeError("Padding value causes wrapping around more than once.")
    return run(Pad(widths, mode, 0.0 if value is None else value), input)


# -- losses --------------------------------------------------------------------------------------


def _reduction(reduction: str, size_average: Any = None, reduce: Any = None) -> str:
    if size_average is not None or reduce is not None:
        sa = True if size_average is None else size_average
        rd = True if reduce is None else reduce
        reduction = "none" if not rd else ("mean" if sa else "sum")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return R.mean(loss)
    if reduction == "sum":
        return R.sum(loss)
    return loss


def _warn_size(input: Tensor, target: Tensor, name: str) -> None:
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """mean((x − y)²) (or sum / none)."""
    reduction = _reduction(reduction, size_average, reduce)
    _warn_size(input, target, "mse_loss")
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """mean(|x − y|)."""
    reduction = _reduction(reduction, size_average, reduce)
    _warn_size(input, target, "l1_loss")
    loss = P.abs(input - target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """½d² if |d| < δ else δ(|d| − ½δ), d = x − y."""
    reduction = _reduction(reduction)
    _warn_size(input, target, "huber_loss")
    d = input - target
    a = P.abs(d)
    loss = P.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½d²/β if |d| < β else |d| − ½β (β = 0 is the L1 loss)."""
    reduction = _reduction(reduction, size_average, reduce)
    _warn_size(input, target, "smooth_l1_loss")
    d = input - target
    a = P.abs(d)
    if beta == 0:
        return _reduce(a, reduction)
    loss = P.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    return _reduce(loss, reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """−w·(y·log x + (1 − y)·log(1 − x)) for probabilities x (logs clamped at −100)."""
    from ..ops.losses import BinaryCrossEntropy

    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    x = input._data
    if x.size and (np.any(x < 0) or np.any(x > 1) or np.any(np.isnan(x))):
        raise RuntimeError(
            "all elements of input should be between 0 and 1 (did you pass logits? use "
            "binary_cross_entropy_with_logits / BCEWithLogitsLoss)"
        )
    loss = run(BinaryCrossEntropy(), input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """−w·(p_w·y·log σ(x) + (1 − y)·log(1 − σ(x))), computed as
    w·((1 − y)·x + (1 + (p_w − 1)·y)·softplus(−x)): exact at any logit."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    sp_neg = run(Act.Softplus(1.0, math.inf), -input)  # −log σ(x) = softplus(−x)
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * sp_neg
    else:
        loss = (1 - target) * input + sp_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _class_last(input: Tensor, target: Tensor, fn: str) -> tuple[Tensor, np.ndarray, tuple]:
    """Move the class dim (1) last and flatten: (N, C, d1..) → (N·d1.., C)."""
    x = input
    if x.ndim == 1:
        return S.reshape(x, (1, -1)), target._data.reshape(1, *target._data.shape[1:]) \
            if target._data.dtype.kind == "f" else target._data.reshape(1), ()
    if x.ndim == 2:
        return x, target._data, (x.shape[0],)
    perm = (0,) + tuple(range(2, x.ndim)) + (1,)
    c = x.shape[1]
    x2 = S.reshape(S.permute(x, perm), (-1, c))
    t = target._data
    if t.dtype.kind == "f":
        t = np.transpose(t, perm).reshape(-1, c)
    else:
        t = t.reshape(-1)
    return x2, t, (x.shape[0],) + tuple(x.shape[2:])


def _check_class_target(input: Tensor, target: Tensor, fn: str) -> None:
    t = target._data
    if t.dtype.kind == "f":
        if t.shape != input._data.shape:
            raise RuntimeError(
                f"{fn}: with class probabilities the target must have the input's shape "
                f"{list(input.shape)}, got {list(target.shape)}"
            )
        return
    if t.dtype.kind not in "iu":
        raise RuntimeError(
            f"{fn}: expected target of dtype int64 (class indices) or a floating dtype (class "
            f"probabilities), got {target.dtype}"
        )
    x = input._data
    expected = x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()
    if t.shape != expected:
        hint = ""
        if x.ndim == 2 and t.shape == (x.shape[0], 1):
            hint = " — squeeze the target: target.squeeze(1) (or target.view(-1))"
        elif x.ndim >= 2 and t.shape == x.shape:
            hint = " — with one-hot targets use class indices (target.argmax(1)) or a float target"
        raise ValueError(
            f"Expected target size {list(expected)}, got {list(t.shape)} for input of shape "
            f"{list(x.shape)}{hint}"
        )


def _check_classes(t: np.ndarray, c: int, ignore_index: int) -> None:
    if t.size:
        valid = t[t != ignore_index]
        if valid.size and (valid.min() < 0 or valid.max() >= c):
            bad = int(valid.max()) if valid.max() >= c else int(valid.min())
            raise IndexError(f"Target {bad} is out of bounds: the classes are 0..{c - 1}")


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from logits (class dim 1): −log softmax(x)[y] per sample.

    ``target``: class indices (N, d1, …) or class probabilities shaped like ``input``.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    _check_class_target(input, target, "cross_entropy")
    x2, t, out_shape = _class_last(input, target, "cross_entropy")
    c = x2.shape[1]
    if t.dtype.kind != "f":
        _check_classes(t, c, ignore_index)
    w = None if weight is None else weight._data.astype(x2._data.dtype, copy=False)
    node = Fu.CrossEntropy(t, w, ignore_index, reduction, label_smoothing)
    out = run(node, x2)
    if reduction == "none":
        out = S.reshape(out, out_shape)
    return out


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """−x[y] for log-probabilities x (class dim 1), weighted and reduced."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_class_target(input, target, "nll_loss")
    if target._data.dtype.kind == "f":
        raise RuntimeError("nll_loss expects class indices (int64) as target")
    x2, t, out_shape = _class_last(input, target, "nll_loss")
    _check_classes(t, x2.shape[1], ignore_index)
    w = None if weight is None else weight._data.astype(x2._data.dtype, copy=False)
    out = run(Fu.NllLoss(t, w, ignore_index, reduction), x2)
    if reduction == "none":
        out = S.reshape(out, out_shape)
    return out


def kl_div(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Σ target·(log target − input), ``input`` being log-probabilities.

    ``reduction='batchmean'`` divides by the batch size (the mathematically correct KL);
    'mean' divides by the number of elements (PyTorch's default, kept for compatibility).
    """
    if reduction != "batchmean":
        reduction = _reduction(reduction, size_average, reduce)
    if log_target:
        loss = P.exp(target) * (target - input)
    else:
        from ..ops.losses import XLogY

        loss = run_on(XLogY(), (target,), [target._data]) - target * input
    if reduction == "batchmean":
        return R.sum(loss) / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    reduction = _reduction(reduction, size_average, reduce)
    loss = P.exp(input) - target * input if log_input else input - target * P.log(input + eps)
    return _reduce(loss, reduction)


def cosine_embedding_loss(*args: Any, **kwargs: Any) -> Tensor:
    raise NotImplementedError("cosine_embedding_loss is not part of neurona yet")
