"""``neurona.nn.functional`` (``F``): layers and losses as functions, as ``torch.nn.functional``.

Thin: each function checks its arguments with PyTorch's errors and calls an op
(fused where that is faster or more stable) or composes tensor functions.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import _dtype
from .. import random as _random
from ..api import creation as C
from ..api import pointwise as P
from ..api import reduction as R
from ..api import shape as S
from ..api.indexing import one_hot as _one_hot
from ..autograd.anomaly import user_frame
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
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {_type_name(bias)} and {_type_name(input)}"
            f" (linear's bias is {bias.dtype}, its input {input.dtype})"
        )
    if bias is not None and bias.ndim > 1 or bias is not None and bias.numel() not in (1, w.shape[0]):
        raise RuntimeError(
            f"The expanded size of the tensor ({w.shape[0]}) must match the existing size "
            f"({bias.shape[-1] if bias.ndim else 1}): linear's bias has shape {list(bias.shape)}, "
            f"expected [{w.shape[0]}] (out_features)"
        )
    if bias is None:
        return run(Fu.Linear(), input, weight)
    return run(Fu.Linear(), input, weight, bias)


def _same_dtype(what: str, input: Tensor, **others: Tensor | None) -> None:
    """PyTorch's normalisation layers refuse mixed dtypes (no silent promotion)."""
    for name, t in others.items():
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError(
                f"mixed dtype (CPU): all inputs must share same datatype. ({what}: the input is "
                f"{input.dtype} but {name} is {t.dtype}; convert the module with .to(dtype) or "
                "the input)"
            )


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1ᵀ W_k x2 + b_k, with W (out, in1, in2)."""
    from ..api.linalg import einsum

    tensors = {k: t for k, t in (("input1", input1), ("input2", input2), ("weight", weight),
                                 ("bias", bias)) if t is not None}
    if len({t.dtype for t in tensors.values()}) > 1:
        got = ", ".join(f"{k}: {str(t.dtype).rsplit('.', 1)[-1]}" for k, t in tensors.items())
        raise RuntimeError(f"All tensors must have the same dtype, got {got}")

    out = einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias


# -- activations -----------------------------------------------------------------------------


def _float_kernel(input: Tensor, kernel: str) -> None:
    """PyTorch implements most activations for floating dtypes only: the same error here."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(input)}\'')


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
    _float_kernel(input, "leaky_relu_cpu")
    return _maybe_inplace(input, lambda t: run(Act.LeakyRelu(negative_slope), t), inplace)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else a·x, with one learned a per channel (dim 1) or a single shared one
    (inputs with fewer than 2 dims have one channel)."""
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {_type_name(input)} and {_type_name(weight)}"
        )
    if weight.numel() == 1:
        weight = S.reshape(weight, [1] * input.ndim)  # keeps a 0-d input 0-d
    else:
        c = input.shape[1] if input.ndim >= 2 else 1  # below 2-D there is no channel dim
        if weight.numel() != c:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.numel()} and channel size = {c}."
            )
        shape = [1] * input.ndim
        shape[1] = c
        weight = S.reshape(weight, shape)
    return run(Act.PRelu(), input, weight)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else α(eˣ − 1)."""
    _float_kernel(input, "elu_cpu")
    return _maybe_inplace(input, lambda t: run(Act.Elu(alpha), t), inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale·elu(x, α) with PyTorch's constants (self-normalising)."""
    _float_kernel(input, "elu_cpu")
    return _maybe_inplace(input, lambda t: run(Act.Elu(_SELU_ALPHA, _SELU_SCALE), t), inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    _float_kernel(input, "elu_cpu")
    return _maybe_inplace(input, lambda t: run(Act.Celu(alpha), t), inplace)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) (``approximate='tanh'``: the tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got '{approximate}'")
    _float_kernel(input, "GeluKernelImpl")
    return run(Act.Gelu(approximate), input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x) (swish)."""
    _float_kernel(input, "silu_cpu")
    return _maybe_inplace(input, lambda t: run(Act.Silu(), t), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x·tanh(softplus(x))."""
    _float_kernel(input, "mish_cpu")
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
    _float_kernel(input, "hardsigmoid_cpu")
    return _maybe_inplace(input, lambda t: run(Act.Hardsigmoid(), t), inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    _float_kernel(input, "hardswish_cpu")
    return _maybe_inplace(input, lambda t: run(Act.Hardswish(), t), inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β)·log(1 + e^(βx)), linear above ``threshold``."""
    _float_kernel(input, "softplus_cpu")
    return run(Act.Softplus(beta, threshold), input)


def softsign(input: Tensor) -> Tensor:
    """x/(1 + |x|) (integer inputs are computed in the default float dtype, as PyTorch)."""
    if input._data.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    return run(Act.Softsign(), input)


def logsigmoid(input: Tensor) -> Tensor:
    """log σ(x), stable."""
    _float_kernel(input, "log_sigmoid_cpu")
    return run(Act.LogSigmoid(), input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x if x > threshold else value."""
    return _maybe_inplace(input, lambda t: run(Act.Threshold(threshold, value), t), inplace)


def tanhshrink(input: Tensor) -> Tensor:
    return input - P.tanh(input)


def _softmax_dim(ndim: int, name: str, stacklevel: int) -> int:
    """PyTorch's legacy implicit dim (0 for 0-, 1- and 3-D inputs, else 1), with its warning
    pointing ``stacklevel`` frames up (3: the caller of F.softmax; 5: of a Softmax module)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """eˣⁱ / Σⱼ eˣʲ along ``dim``."""
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmax", _stacklevel)
    if dtype is None:
        _float_kernel(input, "softmax_lastdim_kernel_impl")
    return R.softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmin", _stacklevel)
    if dtype is None:
        _float_kernel(input, "softmin_lastdim_kernel_impl")
    return R.softmax(-input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """xᵢ − log Σⱼ eˣʲ along ``dim``."""
    if dim is None:
        dim = _softmax_dim(input.ndim, "log_softmax", _stacklevel)
    if dtype is None:
        _float_kernel(input, "log_softmax_lastdim_kernel_impl")
    return R.log_softmax(input, dim, dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    _float_kernel(input, "glu_cpu")
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


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, lead: int) -> Tensor:
    """Zero whole feature maps: one Bernoulli draw per index of the first ``lead`` dims
    (sample, channel), shared by every position after them; kept ones scaled by 1/(1 − p)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    arr = input._data
    shape = arr.shape[:lead] + (1,) * (arr.ndim - lead)
    if p == 1.0:
        mask = np.zeros(shape, arr.dtype)
    else:
        keep = _random._np(None).random(shape, dtype=np.float32) >= p
        mask = keep.astype(arr.dtype) * np.asarray(1.0 / (1.0 - p), arr.dtype)
    return _maybe_inplace(input, lambda t: run(Fu.Dropout(np.broadcast_to(mask, arr.shape)), t), inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, L) or unbatched (C, L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
            "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    return _feature_dropout(input, p, training, inplace, input.ndim - 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W). As PyTorch, a 3-D input is read as (N, C, L)
    (with a warning), and other ranks warn that they are deprecated."""
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide channel-wise"
            " dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional "
            "batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            "dim. This behavior will change in a future release to interpret the input as one "
            "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
            "dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _feature_dropout(input, p, training, inplace, 2)


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
    _same_dtype("layer_norm", input, weight=weight, bias=bias)
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
        raise RuntimeError(
            f"batch_norm: expected an input of at least 2 dims (N, C, ...), got shape {list(input.shape)}"
        )
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(
                f"{name} should contain {c} elements not {t.numel()} (the input {list(input.shape)} "
                f"has {c} channels in dim 1)"
            )
    _same_dtype("batch_norm", input, weight=weight, bias=bias, running_mean=running_mean,
                running_var=running_var)
    shape = [1, c] + [1] * (x.ndim - 2)
    if training:
        n = x.size // c if c else 0
        if n == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {input.shape}"
            )
        if n == 0:  # an empty batch: nothing to normalise, the statistics stay as they are
            out = input * 1.0
            if weight is not None:
                out = out * S.reshape(weight, shape)
            return out if bias is None else out + S.reshape(bias, shape)
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
    mean = S.reshape(running_mean, shape)
    inv = P.rsqrt(S.reshape(running_var, shape) + eps)
    out = (input - mean) * inv
    if weight is not None:
        out = out * S.reshape(weight, shape)
    if bias is not None:
        out = out + S.reshape(bias, shape)
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """v / max(‖v‖_p, eps) for each vector v along ``dim``."""
    n = R.norm(input, p, dim, keepdim=True)
    result = input / P.clamp(n, min=eps)
    if out is None:
        return result
    from ..api.inplace import copy_

    return copy_(out, result)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ (x1/max(‖x1‖, eps))·(x2/max(‖x2‖, eps)) along ``dim`` (broadcasting), as PyTorch.

    As in PyTorch the clamp of each norm does not enter the gradient: it flows through
    ‖x‖ as if unclamped (a straight-through clamp).
    """
    def clamped_norm(x: Tensor) -> Tensor:
        n = R.norm(x, 2, dim, keepdim=True)
        return n + (P.clamp(n, min=eps) - n).detach()

    if x1.shape != x2.shape:  # the norms are those of the broadcast vectors
        x1, x2 = S.broadcast_tensors(x1, x2)
    return R.sum((x1 / clamped_norm(x1)) * (x2 / clamped_norm(x2)), dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    return R.norm(x1 - x2 + eps, p, -1, keepdim)


# -- embedding -----------------------------------------------------------------------------------


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the integer indices ``input``.

    ``padding_idx``: that row gets no gradient. ``max_norm``: the looked-up rows whose
    ``norm_type``-norm exceeds it are first rescaled in place to norm ``max_norm``.
    ``scale_grad_by_freq``: row gradients divided by the index's count in ``input``.
    ``sparse`` is accepted, but the gradient is dense (neurona has no sparse tensors).
    """
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.name not in ("int64", "int32"):
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
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx += num
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    return run(Fu.Embedding(idx, padding_idx, scale_grad_by_freq), weight)


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

    ``mode``: 'constant' (with ``value``, default 0) on any input; 'reflect' (mirror without
    repeating the edge), 'replicate' (repeat the edge) and 'circular' (wrap around) pad 1, 2
    or 3 trailing dims of an input with one or two more dims (batch and/or channels), as in
    PyTorch. Negative pads crop.
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
    nd = input.ndim
    widths = [(0, 0)] * (nd - k) + [(pad[2 * i], pad[2 * i + 1]) for i in range(k - 1, -1, -1)]
    sizes = input.shape[nd - k:]
    if mode == "constant":
        for axis, ((lo, hi), n) in enumerate(zip(widths[nd - k:], sizes), nd - k):
            kept = n - max(-lo, 0) - max(-hi, 0)  # negative pads crop first
            if kept < 0:
                raise RuntimeError(
                    f"narrow(): length must be non-negative: padding ({lo}, {hi}) of dimension "
                    f"{axis} (size {n}) crops {n - kept} elements"
                )
        return run(Pad(widths, mode, 0.0 if value is None else value), input)
    if value not in (None, 0, 0.0):
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    for axis, ((lo, hi), n) in enumerate(zip(widths[nd - k:], sizes), nd - k):
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {axis} of input "
                f"{list(input.shape)}"
            )
        if n + lo + hi <= 0:
            raise RuntimeError(
                f"input (size {n} at dimension {axis}) is too small for padding ({lo}, {hi}). "
                f"Calculated output size: {n + lo + hi}"
            )
        kept = n - max(-lo, 0) - max(-hi, 0)
        if mode == "circular" and (lo > kept or hi > kept):
            raise RuntimeError(
                f"Padding value causes wrapping around more than once: padding ({lo}, {hi}) at "
                f"dimension {axis} of size {kept} (after cropping)"
            )
    return run(Pad(widths, mode, 0.0), input)


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


_SIZE_WARNINGS: dict = {}


def _warn_size(input: Tensor, target: Tensor, name: str) -> None:
    if input.shape != target.shape:
        fix = ""
        a, b = tuple(input.shape), tuple(target.shape)
        if a == b + (1,):
            fix = " Fix: target.unsqueeze(1) (or input.squeeze(1)): (N,) against (N, 1) broadcasts to (N, N)."
        elif b == a + (1,):
            fix = " Fix: target.squeeze(1) (or input.unsqueeze(1)): (N, 1) against (N,) broadcasts to (N, N)."
        message = (
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            f"Please ensure they have the same size.{fix}"
        )
        frame = user_frame()  # point at the student's line, once per line (default filters)
        if frame is None:
            warnings.warn(message, UserWarning, stacklevel=3)
        else:  # one registry per file, as warnings.warn keeps one per module
            warnings.warn_explicit(message, UserWarning, frame.filename, frame.lineno or 0,
                                   registry=_SIZE_WARNINGS.setdefault(frame.filename, {}))


def _check_loss_weight(input: Tensor, weight: Tensor | None) -> None:
    if weight is not None and weight.shape != input.shape:
        raise ValueError(
            f"Weights and input must have the same size. (weight {list(weight.shape)}, input "
            f"{list(input.shape)})"
        )


def _weighted(loss: Tensor, weight: Tensor | None, reduction: str, mean_by_weight: bool) -> Tensor:
    """Σ wᵢℓᵢ ('sum'), wᵢℓᵢ ('none'), and for 'mean' Σ wᵢℓᵢ / Σ wᵢ (``mean_by_weight``, as
    PyTorch's MSE and L1) or Σ wᵢℓᵢ / n (as its Huber loss)."""
    if weight is None:
        return _reduce(loss, reduction)
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return R.sum(loss) / R.sum(weight)
    return _reduce(loss, reduction)


def _named(loss: Tensor, name: str) -> Tensor:
    """Show a loss built from several nodes under PyTorch's single node name (``grad_fn=<...>``)."""
    if loss.grad_fn is not None:
        loss.grad_fn._name = name
    return loss


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """mean((x − y)²) (or sum / none); with ``weight`` (input's shape) 'mean' is
    Σ w(x − y)² / Σ w."""
    reduction = _reduction(reduction, size_average, reduce)
    _warn_size(input, target, "mse_loss")
    _check_loss_weight(input, weight)
    d = input - target
    return _named(_weighted(d * d, weight, reduction, True), "MseLossBackward0")


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """mean(|x − y|); with ``weight`` (input's shape) 'mean' is Σ w|x − y| / Σ w."""
    reduction = _reduction(reduction, size_average, reduce)
    _warn_size(input, target, "l1_loss")
    _check_loss_weight(input, weight)
    return _weighted(P.abs(input - target), weight, reduction, True)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """½d² if |d| < δ else δ(|d| − ½δ), d = x − y; with ``weight`` (input's shape) 'mean' is
    Σ wℓ / n (PyTorch's choice, unlike MSE and L1)."""
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_size(input, target, "huber_loss")
    _check_loss_weight(input, weight)
    d = input - target
    a = P.abs(d)
    loss = P.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _named(_weighted(loss, weight, reduction, False), "HuberLossBackward0")


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½d²/β if |d| < β else |d| − ½β (β = 0 is the L1 loss)."""
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_size(input, target, "smooth_l1_loss")
    d = input - target
    a = P.abs(d)
    if beta == 0:
        return _reduce(a, reduction)
    loss = P.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    return _named(_reduce(loss, reduction), "SmoothL1LossBackward0")


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
    if target.dtype != input.dtype:
        raise RuntimeError(
            f"Found dtype {_type_name(target)} but expected {_type_name(input)} (binary_cross_entropy:"
            f" the target is {target.dtype}, the input {input.dtype}; convert one of them)"
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
    return _named(_reduce(loss, reduction), "BinaryCrossEntropyBackward0")


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
    if target._data.dtype.kind != "f":
        raise RuntimeError(
            f"result type {_type_name(input)} can't be cast to the desired output type "
            f"{_type_name(target)} (binary_cross_entropy_with_logits needs a floating-point "
            "target: use target.float())"
        )
    sp_neg = run(Act.Softplus(1.0, math.inf), -input)  # −log σ(x) = softplus(−x)
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * sp_neg
    else:
        loss = (1 - target) * input + sp_neg
    if weight is not None:
        loss = loss * weight
    return _named(_reduce(loss, reduction), "BinaryCrossEntropyWithLogitsBackward0")


def _class_last(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor | np.ndarray, tuple]:
    """Move the class dim (1; 0 when unbatched) last and flatten: (N, C, d1..) → (N·d1.., C).

    Class-index targets come back as a flat int array; probability targets as a tensor laid
    out like the input (so their gradient flows back through the same reshapes).
    """
    x = input
    probs = target._data.dtype.kind == "f"
    if x.ndim == 1:
        t = S.reshape(target, (1, -1)) if probs else target._data.reshape(1)
        return S.reshape(x, (1, -1)), t, ()
    if x.ndim == 2:
        return x, target if probs else target._data, (x.shape[0],)
    perm = (0,) + tuple(range(2, x.ndim)) + (1,)
    c = x.shape[1]
    x2 = S.reshape(S.permute(x, perm), (-1, c))
    t = S.reshape(S.permute(target, perm), (-1, c)) if probs else target._data.reshape(-1)
    return x2, t, (x.shape[0],) + tuple(x.shape[2:])


_TORCH_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                     "bool": "Bool", "float32": "Float", "float64": "Double", "float16": "Half"}


def _type_name(t: Tensor) -> str:
    """PyTorch's scalar-type name of a tensor's dtype (Long, Int, Float, ...), for messages."""
    return _TORCH_TYPE_NAMES.get(t._data.dtype.name, t._data.dtype.name)


def _check_class_target(input: Tensor, target: Tensor, fn: str) -> None:
    """PyTorch's checks of a classification target, with hints for the common mistakes."""
    x, t = input._data, target._data
    if x.ndim == 0:
        raise RuntimeError(f"{fn}: input must have at least 1 dimension (the classes), got a 0-d tensor")
    if t.dtype.kind == "f":
        if t.shape != x.shape:
            hint = ""
            if t.ndim == x.ndim and x.ndim >= 2 and t.shape[1] != x.shape[1]:
                hint = (f" — the one-hot/probability target has {t.shape[1]} classes but the input "
                        f"has {x.shape[1]}: one-hot encode with num_classes={x.shape[1]}, or pass "
                        "class indices (int64) instead")
            raise RuntimeError(
                f"{fn}: with class probabilities the target must have the input's shape "
                f"{list(input.shape)}, got {list(target.shape)}{hint}"
            )
        return
    if fn == "cross_entropy" and t.shape == x.shape:  # read as probabilities, as in PyTorch
        d = 1 if x.ndim >= 2 else 0
        # torch has no argmax of bool tensors
        idx = f"target.long().argmax({d})" if t.dtype == bool else f"target.argmax({d})"
        raise RuntimeError(
            f"Expected floating point type for target with class probabilities, got "
            f"{_type_name(target)} ({fn}: a target shaped like the input, {list(x.shape)}, holds "
            f"class probabilities; for a one-hot target pass class indices, {idx}, "
            "or probabilities, target.float())"
        )
    if t.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_type_name(target)} ({fn}: class "
            "indices must be int64 — use target.long() — or pass float class probabilities)"
        )
    expected = x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()
    if t.shape != expected:
        hint = ""
        if x.ndim == 2 and t.shape == (x.shape[0], 1):
            hint = " — squeeze the target: target.squeeze(1) (or target.view(-1))"
        elif x.ndim >= 2 and t.shape == x.shape:  # nll_loss (cross_entropy raised above)
            hint = f" — {fn} takes class indices: for a one-hot target pass target.argmax(1)"
        raise RuntimeError(
            f"Expected target size {list(expected)}, got {list(t.shape)} for input of shape "
            f"{list(x.shape)}{hint}"
        )


def _class_weight(weight: Tensor | None, input: Tensor, c: int) -> np.ndarray | None:
    """The per-class weight array, checked like PyTorch (one per class, the input's dtype)."""
    if weight is None:
        return None
    if weight.numel() != c or weight.ndim != 1:
        raise RuntimeError(
            f"weight tensor should be defined either for all {c} classes or no classes but got "
            f"weight tensor of shape: {list(weight.shape)}"
        )
    if weight.dtype != input.dtype:
        raise RuntimeError(
            f"expected scalar type {_type_name(input)} but found {_type_name(weight)} (the class "
            f"weight is {weight.dtype}, the input {input.dtype})"
        )
    return weight._data


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

    ``target``: class indices (N, d1, …) or class probabilities shaped like ``input`` (then
    differentiable too, and a float64 target promotes a float32 input as in PyTorch).
    With label smoothing ε over C classes the target becomes (1 − ε)·y + ε/C.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    _check_class_target(input, target, "cross_entropy")
    probs = target._data.dtype.kind == "f"
    if probs and target.dtype != input.dtype:
        from .._dtype import promote_types

        common = promote_types(input.dtype, target.dtype)
        input, target = input.to(common), target.to(common)
    x2, t, out_shape = _class_last(input, target)
    c = x2.shape[1]
    if not probs:
        _check_classes(t, c, ignore_index)
    w = _class_weight(weight, x2, c)
    if probs:
        out = run(Fu.CrossEntropy(None, w, ignore_index, reduction, label_smoothing), x2, t)
    else:
        out = run(Fu.CrossEntropy(t, w, ignore_index, reduction, label_smoothing), x2)
    if reduction == "none" and tuple(out.shape) != tuple(out_shape):
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
    x2, t, out_shape = _class_last(input, target)
    _check_classes(t, x2.shape[1], ignore_index)
    w = _class_weight(weight, x2, x2.shape[1])
    out = run(Fu.NllLoss(t, w, ignore_index, reduction), x2)
    if reduction == "none" and tuple(out.shape) != tuple(out_shape):
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
    if reduction == "mean" and size_average is None and reduce is None:
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
            stacklevel=2,
        )
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
    """Poisson negative log-likelihood: eˣ − y·x for log-rates x (``log_input``), or
    x − y·log(x + eps) for rates. ``full`` adds Stirling's approximation of log(y!),
    y·log y − y + ½·log(2πy), where y > 1."""
    reduction = _reduction(reduction, size_average, reduce)
    loss = P.exp(input) - target * input if log_input else input - target * P.log(input + eps)
    if full:
        big = target > 1
        y = P.where(big, target, C.ones_like(target))  # log stays finite where masked out
        stirling = y * P.log(y) - y + 0.5 * P.log(2 * math.pi * y)
        loss = loss + P.where(big, stirling, C.zeros_like(stirling))
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Tensor:
    """1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1, with
    cos = x1·x2 / √((‖x1‖² + 1e−12)(‖x2‖² + 1e−12)) over the feature dim (1; 0 unbatched)."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim not in (1, 2):
        raise RuntimeError(
            f"cosine_embedding_loss: expected 1D or 2D inputs of the same dimension, got "
            f"{list(input1.shape)} and {list(input2.shape)}"
        )
    d = input1.ndim - 1
    dot = R.sum(input1 * input2, d)
    m1 = R.sum(input1 * input1, d) + 1e-12
    m2 = R.sum(input2 * input2, d) + 1e-12
    cos = dot / P.sqrt(m1 * m2)
    zero = C.zeros_like(cos)
    pos = P.where(target == 1, 1 - cos, zero)
    neg = P.where(target == -1, P.clamp(cos - margin, min=0), zero)
    return _reduce(pos + neg, reduction)


# -- convolution, pooling, resampling and attention: defined in functional_conv.py and
# functional_attention.py (one concept per file), part of this namespace as in torch.nn.functional.
from .functional_attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402, F401, I001
from .functional_conv import (  # noqa: E402, F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    interpolate,
    max_pool1d,
    max_pool2d,
    pixel_shuffle,
    pixel_unshuffle,
    unfold,
    upsample,
)

__all_conv__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "avg_pool1d", "avg_pool2d", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "fold",
    "interpolate", "max_pool1d", "max_pool2d", "pixel_shuffle", "pixel_unshuffle", "unfold", "upsample",
]
