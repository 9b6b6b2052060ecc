"""``MultiheadAttention`` (PyTorch's layout, initialisation and masks).

    MultiHead(Q, K, V) = concat(head_1, …, head_H)·W_oᵀ + b_o,
    head_i = softmax((Q W_qᵢᵀ)(K W_kᵢᵀ)ᵀ / √(E/H) + mask)·(V W_vᵢᵀ)

Parameters: ``in_proj_weight`` (3E, E) holding W_q, W_k, W_v stacked (or, when kdim/vdim
differ from E, ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight``
(E, vdim)), ``in_proj_bias`` (3E), ``out_proj`` (a Linear E → E), optional ``bias_k`` /
``bias_v`` (1, 1, E). Projections are xavier-uniform, biases 0, ``bias_k``/``bias_v``
xavier-normal.
"""

from __future__ import annotations

from typing import Any

from ...api import creation as C
from ...api import shape as S
from ...tensor import Tensor
from .. import init
from ..functional_attention import _multi_head_attention
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` (PyTorch's name for ``MultiheadAttention.out_proj``)."""


class MultiheadAttention(Module):
    """Multi-head attention (see the module docstring).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` with query (L, N, E), key (S, N, kdim),
    value (S, N, vdim) — (N, L, E), … with ``batch_first`` — or unbatched (L, E), … .
    ``key_padding_mask`` (N, S): True (or −∞) ignores that key; ``attn_mask`` (L, S) or
    (N·num_heads, L, S): True (or −∞) forbids that query/key pair, floats are added.
    Returns (output (L, N, E), weights (N, L, S) averaged over heads, or (N, H, L, S) with
    ``average_attn_weights=False``, or None with ``need_weights=False``).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                f"num_heads={num_heads} instead"
            )
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(C.empty((embed_dim, embed_dim), dtype=dtype))
            self.k_proj_weight = Parameter(C.empty((embed_dim, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(C.empty((embed_dim, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(C.empty((3 * embed_dim, embed_dim), dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(C.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(C.empty((1, 1, embed_dim), dtype=dtype))
            self.bias_v = Parameter(C.empty((1, 1, embed_dim), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        is_batched = query.ndim == 3
        return _multi_head_attention(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight,
            self.out_proj.bias, self.training, key_padding_mask, need_weights, attn_mask,
            not self._qkv_same_embed_dim, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight,
            None, None, average_attn_weights, is_causal, batch_first=self.batch_first and is_batched)

    def merge_masks(self, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                    query: Tensor) -> tuple[Tensor | None, int | None]:
        """Both masks as one (N, H, L, L) float mask (PyTorch's fast-path helper); mask_type 1
        for a key padding mask alone, 2 when an attention mask is involved."""
        from ..functional_attention import _additive

        mask_type = merged = None
        dt = query._data.dtype
        if key_padding_mask is not None:
            mask_type = 1
            merged = key_padding_mask
        if attn_mask is not None:
            bsz, seq_len, _ = query.shape
            mask_type = 2
            am = Tensor._wrap(_additive(attn_mask, dt, True)) if attn_mask.dtype != query.dtype else attn_mask
            if attn_mask.ndim == 3:
                merged = S.reshape(am, (bsz, -1, seq_len, seq_len))
            else:
                merged = S.expand(S.reshape(am, (1, 1, seq_len, seq_len)), bsz, self.num_heads, -1, -1)
            if key_padding_mask is not None:
                kpm = key_padding_mask
                if kpm.dtype != query.dtype:
                    kpm = Tensor._wrap(_additive(kpm, dt, True))
                merged = merged + S.expand(S.reshape(kpm, (bsz, 1, 1, seq_len)), -1, self.num_heads, -1, -1)
        return merged, mask_type
