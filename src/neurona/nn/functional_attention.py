"""Attention as functions (part of ``neurona.nn.functional``): ``scaled_dot_product_attention``
and ``multi_head_attention_forward``, PyTorch's signatures and semantics.

Both end in the fused op :class:`neurona.ops.attention.ScaledDotProductAttention`
(softmax(Q·Kᵀ·scale + M)·V with its whole backward in one node). Masks follow PyTorch:

* ``scaled_dot_product_attention``: a boolean ``attn_mask`` says which keys each query may
  attend to (True = take part); a float mask is *added* to the scores;
* ``MultiheadAttention`` / ``multi_head_attention_forward``: a boolean ``attn_mask`` or
  ``key_padding_mask`` says what to *ignore* (True = masked out, i.e. −∞); float masks are added.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import random as _random
from ..api import shape as S
from ..autograd.anomaly import user_frame
from ..autograd.function import run, run_many
from ..autograd.grad_mode import _Mode
from ..ops.attention import ScaledDotProductAttention
from ..tensor import Tensor

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]

_TORCH_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long int",
                "int32": "int", "bool": "bool", "bfloat16": "c10::BFloat16"}


def _tname(t: Tensor) -> str:
    name = str(t.dtype).rsplit(".", 1)[-1]
    return _TORCH_NAMES.get(name, name)


_WARNED: dict = {}


def warn_at_user_line(message: str, category: type = UserWarning) -> None:
    """Warn pointing at the user's line (the innermost frame outside neurona)."""
    frame = user_frame()
    if frame is None:
        warnings.warn(message, category, stacklevel=3)
    else:
        warnings.warn_explicit(message, category, frame.filename, frame.lineno or 0, registry=_WARNED)


def _is_float(t: Tensor) -> bool:
    return t._data.dtype.kind == "f"


def _needs_grad(t: Any) -> bool:
    return isinstance(t, Tensor) and t._requires_grad and _Mode.enabled


def _dropout_mask(shape: tuple, p: float, dtype: np.dtype) -> np.ndarray:
    """Kept entries 1/(1 − p), dropped ones 0 (the same draw as ``F.dropout``)."""
    if p >= 1.0:
        return np.zeros(shape, dtype)
    keep = _random._np(None).random(shape, dtype=np.float32) >= p
    return keep.astype(dtype) * np.asarray(1.0 / (1.0 - p), dtype)


def _attend(q: Tensor, k: Tensor, v: Tensor, mask: Any, dropout_p: float, scale: float,
            with_weights: bool = False, zero_masked_rows: bool = True) -> Any:
    """Run the fused op. ``mask``: None, an additive ndarray, or an additive Tensor that
    requires grad (then it is an input of the node and receives ∂L/∂S)."""
    shape = np.broadcast_shapes(q.shape[:-1] + (k.shape[-2],), k.shape[:-2] + (1, 1), v.shape[:-2] + (1, 1))
    if mask is not None:
        shape = np.broadcast_shapes(shape, tuple(mask.shape))
    drop = _dropout_mask(shape, dropout_p, q._data.dtype) if dropout_p > 0.0 else None
    if isinstance(mask, Tensor):
        node = ScaledDotProductAttention(scale, None, drop, True, with_weights, zero_masked_rows)
        inputs = (q, k, v, mask)
    else:
        node = ScaledDotProductAttention(scale, mask, drop, False, with_weights, zero_masked_rows)
        inputs = (q, k, v)
    if with_weights:
        return run_many(node, *inputs)
    return run(node, *inputs)


def _additive(mask: Tensor, dtype: np.dtype, true_means_masked: bool) -> Any:
    """A mask as an additive term: an ndarray (0 / −∞ for bool) or, for a float mask that
    requires grad, the Tensor itself."""
    arr = mask._data
    if arr.dtype == np.bool_:
        masked = arr if true_means_masked else ~arr
        return np.where(masked, -np.inf, 0).astype(dtype)
    if _needs_grad(mask):
        return mask
    return arr.astype(dtype, copy=False)


def _causal(n_q: int, n_k: int, dtype: np.dtype) -> np.ndarray:
    """0 on and below the diagonal, −∞ above (query i sees keys 0..i)."""
    return np.where(np.tri(n_q, n_k, dtype=bool), 0, -np.inf).astype(dtype)


def _add_masks(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        a = a if isinstance(a, Tensor) else Tensor._wrap(a)
        b = b if isinstance(b, Tensor) else Tensor._wrap(b)
        return a + b
    return a + b


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q·Kᵀ·scale + M)·V over the last two dims; scale defaults to 1/√E.

    Shapes: query (…, L, E), key (…, S, E), value (…, S, Ev) → (…, L, Ev). ``attn_mask``
    broadcastable to (…, L, S): bool (True = may attend) or float (added). ``is_causal``:
    query i attends to keys 0..i (an error together with ``attn_mask``, as PyTorch).
    ``dropout_p`` drops attention weights — always, so pass 0.0 outside training.
    ``enable_gqa``: key/value may have fewer heads (dim −3) than query, repeated to match.
    A query whose keys are all masked gets output 0 (and zero gradients), as PyTorch.
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_tname(query)} key.dtype: {_tname(key)} and value.dtype: {_tname(value)} instead."
        )
    if not _is_float(query):
        raise RuntimeError(f"scaled_dot_product_attention: expected floating-point inputs, got {query.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query and key must have the same embedding size (last dim): "
            f"query {list(query.shape)}, key {list(key.shape)}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: key and value must have the same sequence length (dim -2): "
            f"key {list(key.shape)}, value {list(value.shape)}"
        )
    dtype = query._data.dtype
    if attn_mask is not None and attn_mask._data.dtype != np.bool_ and attn_mask._data.dtype != dtype:
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: "
            f"{_tname(attn_mask)} and  query.dtype: {_tname(query)} instead."
        )
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError(
                "Number of heads in key and value must divide the number of heads in query "
                f"(query {list(query.shape)}, key {list(key.shape)}, value {list(value.shape)})"
            )
        if hk != hq:
            key = S.repeat_interleave(key, hq // hk, dim=-3)
        if hv != hq:
            value = S.repeat_interleave(value, hq // hv, dim=-3)
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    if is_causal:
        mask = _causal(query.shape[-2], key.shape[-2], dtype)
    else:
        mask = None if attn_mask is None else _additive(attn_mask, dtype, true_means_masked=False)
    return _attend(query, key, value, mask, dropout_p, scale)


# -- multi-head attention -------------------------------------------------------------------------


def _canonical_mask(mask: Tensor | None, mask_name: str, other: Tensor | None, other_name: str,
                    check_other: bool = True) -> None:
    """PyTorch's mask checks: bool or float only; a warning when the two masks' types differ."""
    if mask is None:
        return
    if mask._data.dtype != np.bool_ and not _is_float(mask):
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other is not None and other.dtype != mask.dtype:
        warn_at_user_line(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type "
                          "for both instead.")


def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None,
                     attn_mask: Tensor | None, num_heads: int) -> bool:
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found "
                f"{key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                f"{attn_mask.ndim}-D tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found "
                f"{key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                    f"{attn_mask.ndim}-D tensor instead")
            if attn_mask.ndim == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(
                        f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
        return False
    raise AssertionError(
        f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor")


def _pad_key(mask: Any) -> Any:
    """One more (unmasked) key column at the end of an additive mask."""
    if mask is None:
        return None
    if isinstance(mask, Tensor):
        from .functional import pad

        return pad(mask, (0, 1))
    return np.concatenate([mask, np.zeros(mask.shape[:-1] + (1,), mask.dtype)], axis=-1)


def _reshape(mask: Any, shape: tuple) -> Any:
    return S.reshape(mask, shape) if isinstance(mask, Tensor) else mask.reshape(shape)


def _linear(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """``F.linear`` on the rows of a 3-D input as one 2-D matrix product (one GEMM instead of
    a batch of small ones), reshaped back."""
    from .functional import linear

    if x.ndim != 3:
        return linear(x, w, b)
    a, n, e = x.shape
    if x._data.flags.c_contiguous:
        return S.reshape(linear(S.reshape(x, (a * n, e)), w, b), (a, n, w.shape[0]))
    return linear(x, w, b)


def _heads(x: Tensor, n_heads: int, batch_first: bool) -> Tensor:
    """(L, N, E) — or (N, L, E) — as (N, H, L, E/H)."""
    a, b, e = x.shape
    x = S.reshape(x, (a, b, n_heads, e // n_heads))
    return S.permute(x, (0, 2, 1, 3) if batch_first else (1, 2, 0, 3))


def _in_projection(query: Tensor, key: Tensor, value: Tensor, num_heads: int, w: Tensor | None,
                   b: Tensor | None, separate: tuple, batch_first: bool) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v projected and split into heads, each (N, H, len, head_dim)."""
    linear = _linear
    e = query.shape[-1]
    if w is not None and key is value and query is key:
        proj = linear(query, w, b)  # one product for q, k and v
        a, n = proj.shape[0], proj.shape[1]
        proj = S.reshape(proj, (a, n, 3, num_heads, e // num_heads))
        proj = S.permute(proj, (2, 0, 3, 1, 4) if batch_first else (2, 1, 3, 0, 4))
        return proj[0], proj[1], proj[2]
    if w is not None:
        w_q, w_k, w_v = w[:e], w[e:2 * e], w[2 * e:]
    else:
        w_q, w_k, w_v = separate
    b_q = b_k = b_v = None
    if b is not None:
        b_q, b_k, b_v = b[:e], b[e:2 * e], b[2 * e:]
    if w is not None and key is value:
        kv = linear(key, w[e:], None if b is None else b[e:])
        a, n = kv.shape[0], kv.shape[1]
        kv = S.reshape(kv, (a, n, 2, num_heads, e // num_heads))
        kv = S.permute(kv, (2, 0, 3, 1, 4) if batch_first else (2, 1, 3, 0, 4))
        return _heads(linear(query, w_q, b_q), num_heads, batch_first), kv[0], kv[1]
    return (_heads(linear(query, w_q, b_q), num_heads, batch_first),
            _heads(linear(key, w_k, b_k), num_heads, batch_first),
            _heads(linear(value, w_v, b_v), num_heads, batch_first))


def multi_head_attention_forward(
    query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
    in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None, bias_v: Tensor | None,
    add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
    training: bool = True, key_padding_mask: Tensor | None = None, need_weights: bool = True,
    attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None, static_k: Tensor | None = None, static_v: Tensor | None = None,
    average_attn_weights: bool = True, is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on time-major inputs query (L, N, E), key (S, N, kdim), value
    (S, N, vdim) — or unbatched (L, E), … — as PyTorch's:

        head_i = softmax(Q W_qᵢᵀ (K W_kᵢᵀ)ᵀ / √(E/H) + mask) · V W_vᵢᵀ,
        output = concat(head_1 … head_H) W_oᵀ + b_o

    Returns (output (L, N, E), weights (N, L, S) averaged over heads — (N, H, L, S) with
    ``average_attn_weights=False`` — or None when ``need_weights`` is False).
    """
    return _multi_head_attention(
        query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
        add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
        attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k,
        static_v, average_attn_weights, is_causal, batch_first=False)


def _multi_head_attention(
    query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
    in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None, bias_v: Tensor | None,
    add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
    training: bool, key_padding_mask: Tensor | None, need_weights: bool, attn_mask: Tensor | None,
    use_separate_proj_weight: bool, q_proj_weight: Tensor | None, k_proj_weight: Tensor | None,
    v_proj_weight: Tensor | None, static_k: Tensor | None, static_v: Tensor | None,
    average_attn_weights: bool, is_causal: bool, batch_first: bool,
) -> tuple[Tensor, Tensor | None]:
    """:func:`multi_head_attention_forward`, also on batch-major (N, L, E) inputs (``batch_first``,
    used by ``MultiheadAttention(batch_first=True)`` to skip the transposes)."""
    from .functional import linear

    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        batch_first = False
        query, key, value = S.unsqueeze(query, 1), S.unsqueeze(key, 1), S.unsqueeze(value, 1)
        if key_padding_mask is not None:
            key_padding_mask = S.unsqueeze(key_padding_mask, 0)
    if batch_first:
        bsz, tgt_len, embed_dim = query.shape
        src_len = key.shape[1]
    else:
        tgt_len, bsz, embed_dim = query.shape
        src_len = key.shape[0]
    dtype = query._data.dtype
    _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask")
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint replaces the mask: SDPA's causal masking
    else:
        _canonical_mask(attn_mask, "attn_mask", None, "", check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                f"{tuple(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection(query, key, value, num_heads, in_proj_weight, in_proj_bias, (), batch_first)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
        q, k, v = _in_projection(query, key, value, num_heads, None, in_proj_bias,
                                 (q_proj_weight, k_proj_weight, v_proj_weight), batch_first)
    # masks as additive terms broadcastable to (N, H, L, S)
    mask = None
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {_size(attn_mask.shape)}, but should be "
                    f"{(tgt_len, src_len)}.")
            mask = _reshape(_additive(attn_mask, dtype, True), (1, 1, tgt_len, src_len))
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 3D attn_mask is {_size(attn_mask.shape)}, but should be "
                    f"{(bsz * num_heads, tgt_len, src_len)}.")
            mask = _reshape(_additive(attn_mask, dtype, True), (bsz, num_heads, tgt_len, src_len))
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
    kpm = None if key_padding_mask is None else _additive(key_padding_mask, dtype, True)
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = S.cat([k, S.expand(S.reshape(bias_k, (1, num_heads, 1, head_dim)), bsz, -1, -1, -1)], 2)
        v = S.cat([v, S.expand(S.reshape(bias_v, (1, num_heads, 1, head_dim)), bsz, -1, -1, -1)], 2)
        mask, kpm = _pad_key(mask), _pad_key(kpm)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    if static_k is not None:
        _check_static(static_k, "static_k", bsz * num_heads, head_dim)
        k = S.reshape(static_k, (bsz, num_heads, static_k.shape[1], head_dim))
    if static_v is not None:
        _check_static(static_v, "static_v", bsz * num_heads, head_dim)
        v = S.reshape(static_v, (bsz, num_heads, static_v.shape[1], head_dim))
    if add_zero_attn:
        zeros = Tensor._wrap(np.zeros((bsz, num_heads, 1, head_dim), dtype))
        k, v = S.cat([k, zeros], 2), S.cat([v, zeros], 2)
        mask, kpm = _pad_key(mask), _pad_key(kpm)
    src_len = k.shape[2]
    if kpm is not None:
        if kpm.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got {kpm.shape[0]}")
        if kpm.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got {kpm.shape[1]}")
        mask = _add_masks(mask, _reshape(kpm, (bsz, 1, 1, src_len)))
    if not training:
        dropout_p = 0.0
    scale = 1.0 / math.sqrt(head_dim)
    if need_weights:
        out, weights = _attend(q, k, v, mask, dropout_p, scale, with_weights=True, zero_masked_rows=False)
    else:
        if is_causal and mask is None:
            mask = _causal(tgt_len, src_len, dtype)
        out, weights = _attend(q, k, v, mask, dropout_p, scale), None
    # (N, H, L, hd) -> (L, N, E) or (N, L, E), then the output projection
    out = S.permute(out, (0, 2, 1, 3) if batch_first else (2, 0, 1, 3))
    out = linear(S.reshape(out, (bsz * tgt_len, embed_dim)), out_proj_weight, out_proj_bias)
    out = S.reshape(out, (bsz, tgt_len, embed_dim) if batch_first else (tgt_len, bsz, embed_dim))
    if weights is not None and average_attn_weights:
        weights = weights.mean(dim=1)
    if not is_batched:
        out = S.squeeze(out, 1)
        if weights is not None:
            weights = S.squeeze(weights, 0)
    return out, weights


def _size(shape: tuple) -> str:
    return f"torch.Size({list(shape)})"


def _check_static(t: Tensor, name: str, n: int, head_dim: int) -> None:
    if t.shape[0] != n:
        raise AssertionError(f"expecting {name}.size(0) of {n}, but got {t.shape[0]}")
    if t.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {t.shape[2]}")
