"""Scaled dot-product attention as one fused op.

    S = Q·Kᵀ·scale + M          (M: 0 / −∞ from a boolean mask, or an additive float mask)
    P = softmax(S) along the keys,  P̃ = P ⊙ D/(1 − p) (dropout, training only)
    O = P̃·V

Backward (G = ∂L/∂O, G_w = ∂L/∂P̃ when the weights are an output too):
∂L/∂V = P̃ᵀ·G;  ∂L/∂P = (G·Vᵀ + G_w) ⊙ D/(1 − p);
∂L/∂S = P ⊙ (∂L/∂P − Σ_keys ∂L/∂P ⊙ P);  ∂L/∂Q = ∂L/∂S·K·scale;  ∂L/∂K = ∂L/∂Sᵀ·Q·scale.
A float mask that requires grad receives ∂L/∂S (summed back to its shape by the engine).

A query whose keys are all masked has no softmax: with ``zero_masked_rows`` (PyTorch's
``scaled_dot_product_attention``) its weights, output and gradients are 0; without it they
are NaN, as PyTorch's explicit softmax in ``MultiheadAttention(need_weights=True)`` gives.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


class ScaledDotProductAttention(Node):
    """O = softmax(Q·Kᵀ·scale + mask)·V (see the module docstring); with ``with_weights``
    the outputs are (O, P̃) (run it with ``run_many``)."""

    _name = "ScaledDotProductAttentionBackward0"
    saves = (0, 1, 2)  # backward reads Q, K, V

    def __init__(self, scale: float, mask: np.ndarray | None = None, drop: np.ndarray | None = None,
                 mask_is_input: bool = False, with_weights: bool = False,
                 zero_masked_rows: bool = True) -> None:
        self.scale, self.mask, self.drop, self.mask_is_input = scale, mask, drop, mask_is_input
        self.with_weights, self.zero_masked_rows = with_weights, zero_masked_rows

    def forward(self, q, k, v, mask_in=None):
        self.q, self.k, self.v = q, k, v
        s = np.matmul(q, np.swapaxes(k, -1, -2))
        s *= np.asarray(self.scale, s.dtype)
        mask = mask_in if self.mask_is_input else self.mask
        if mask is not None:
            if np.broadcast_shapes(s.shape, mask.shape) == s.shape:
                s += mask
            else:
                s = s + mask
        m = np.max(s, axis=-1, keepdims=True)
        if self.zero_masked_rows:
            m[~np.isfinite(m)] = 0  # an all −∞ row: exp gives 0 everywhere (no −∞ − −∞)
        with np.errstate(invalid="ignore"):
            s -= m
        p = np.exp(s, out=s)
        den = np.sum(p, axis=-1, keepdims=True)
        if self.zero_masked_rows:
            den[den == 0] = 1
        with np.errstate(invalid="ignore", divide="ignore"):
            p /= den
        self.p = p
        pd = p if self.drop is None else p * self.drop
        self.pd = pd
        out = np.matmul(pd, v)
        if self.with_weights:
            return out, pd.copy()
        return out

    def backward(self, g, g_w=None):
        q, k, v, p, pd = self.q, self.k, self.v, self.p, self.pd
        need = self.needs_input_grad
        gv = np.matmul(np.swapaxes(pd, -1, -2), g) if need[2] else None
        gp = np.matmul(g, np.swapaxes(v, -1, -2))
        if g_w is not None:
            gp += g_w
        if self.drop is not None:
            gp *= self.drop
        # ∂L/∂S = P ⊙ (∂L/∂P − Σ ∂L/∂P ⊙ P), in place in gp
        gp -= np.sum(gp * p, axis=-1, keepdims=True)
        gp *= p
        gs = gp
        scale = np.asarray(self.scale, g.dtype)
        g_mask = gs.copy() if self.mask_is_input and need[3] else None
        gs *= scale
        gq = np.matmul(gs, k) if need[0] else None
        gk = np.matmul(np.swapaxes(gs, -1, -2), q) if need[1] else None
        if self.mask_is_input:
            return gq, gk, gv, g_mask
        return gq, gk, gv
