"""Scaled dot-product attention as one fused op.

    S = Q·Kᵀ·scale + M          (M: 0 / −∞ from a boolean mask, or an additive float mask)
    P = softmax(S) along the keys,  P̃ = P ⊙ D/(1 − p) (dropout, training only)
    O = P̃·V

Backward (G = ∂L/∂O):  ∂L/∂V = P̃ᵀ·G;  ∂L/∂P = (G·Vᵀ) ⊙ D/(1 − p);
∂L/∂S = P ⊙ (∂L/∂P − Σ_keys ∂L/∂P ⊙ P);  ∂L/∂Q = ∂L/∂S·K·scale;  ∂L/∂K = ∂L/∂Sᵀ·Q·scale.
A float mask that requires grad receives ∂L/∂S (summed back to its shape by the engine).
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


class ScaledDotProductAttention(Node):
    """O = softmax(Q·Kᵀ·scale + mask)·V (see the module docstring)."""

    _name = "ScaledDotProductAttentionBackward0"

    def __init__(self, scale: float, mask: np.ndarray | None, drop: np.ndarray | None,
                 mask_is_input: bool = False) -> None:
        self.scale, self.mask, self.drop, self.mask_is_input = scale, mask, drop, mask_is_input

    def forward(self, q, k, v, mask_in=None):
        self.q, self.k, self.v = q, k, v
        s = np.matmul(q, np.swapaxes(k, -1, -2)) * np.asarray(self.scale, q.dtype)
        mask = mask_in if self.mask_is_input else self.mask
        if mask is not None:
            s = s + mask
        with np.errstate(invalid="ignore"):
            s = s - np.max(s, axis=-1, keepdims=True)
            p = np.exp(s)
            p /= np.sum(p, axis=-1, keepdims=True)
        self.p = p
        pd = p if self.drop is None else p * self.drop
        self.pd = pd
        return np.matmul(pd, v)

    def backward(self, g):
        q, k, v, p, pd = self.q, self.k, self.v, self.p, self.pd
        need = self.needs_input_grad
        gv = np.matmul(np.swapaxes(pd, -1, -2), g) if need[2] else None
        gp = np.matmul(g, np.swapaxes(v, -1, -2))
        if self.drop is not None:
            gp = gp * self.drop
        gs = p * (gp - np.sum(gp * p, axis=-1, keepdims=True))
        scale = np.asarray(self.scale, g.dtype)
        gq = np.matmul(gs, k) * scale if need[0] else None
        gk = np.matmul(np.swapaxes(gs, -1, -2), q) * scale if need[1] else None
        if self.mask_is_input:
            return gq, gk, gv, gs
        return gq, gk, gv
