"""Recurrent layers as fused whole-sequence ops with backpropagation through time in NumPy.

One node runs one layer in one direction over the whole sequence (time-major x: (T, B, I)):

* the input projection of *all* time steps is one matrix product up front,
  ``XW = X·W_ihᵀ + b_ih`` of shape (T, B, G·H) (G = 4 gates for LSTM, 3 for GRU, 1 for RNN);
* each step adds ``h·W_hhᵀ (+ b_hh)`` — one matrix product for all gates — and applies
  the gate nonlinearities on NumPy arrays, keeping what backward needs;
* backward walks the steps in reverse (BPTT), one matrix product per step for
  ∂L/∂h_{t−1}, and forms ∂L/∂W_ih, ∂L/∂W_hh and ∂L/∂X with single products over all steps.

Gate order and weight layout are PyTorch's: LSTM (i, f, g, o), GRU (r, z, n).
Variable lengths (packed sequences) use a mask: past a sequence's end its state is frozen
(and its gradient passes through unchanged) and its outputs are zero.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


class _RecurrentLayer(Node):
    """Shared plumbing: inputs (x, h0[, c0], w_ih, w_hh[, b_ih, b_hh]) and the mask."""

    n_state = 1

    def __init__(self, has_bias: bool, mask: np.ndarray | None) -> None:
        self.has_bias = has_bias
        self.mask = mask  # (T, B, 1) bool: step t is inside sequence b

    def _split(self, arrays: tuple) -> tuple:
        k = self.n_state
        x, states = arrays[0], arrays[1:1 + k]
        w_ih, w_hh = arrays[1 + k], arrays[2 + k]
        b_ih = b_hh = None
        if self.has_bias:
            b_ih, b_hh = arrays[3 + k], arrays[4 + k]
        return x, states, w_ih, w_hh, b_ih, b_hh

    def _project(self, x: np.ndarray, w_ih: np.ndarray, b_ih: np.ndarray | None) -> np.ndarray:
        t, b, i = x.shape
        xw = x.reshape(t * b, i) @ w_ih.T
        if b_ih is not None:
            xw += b_ih
        return xw.reshape(t, b, -1)

    def _weight_grads(self, dxw: np.ndarray, dhw: np.ndarray, h_prev: np.ndarray) -> tuple:
        """∂L/∂x, ∂L/∂W_ih, ∂L/∂W_hh, ∂L/∂b_ih, ∂L/∂b_hh from the per-step gate gradients."""
        x = self.x
        t, b, i = x.shape
        g2 = dxw.reshape(t * b, -1)
        need = self.needs_input_grad
        k = self.n_state
        gx = (g2 @ self.w_ih).reshape(t, b, i) if need[0] else None
        gw_ih = g2.T @ x.reshape(t * b, i) if need[1 + k] else None
        h2 = dhw.reshape(t * b, -1)
        gw_hh = h2.T @ h_prev.reshape(t * b, -1) if need[2 + k] else None
        out = [gx, gw_ih, gw_hh]
        if self.has_bias:
            out += [g2.sum(axis=0) if need[3 + k] else None, h2.sum(axis=0) if need[4 + k] else None]
        return tuple(out)


class LSTMLayer(_RecurrentLayer):
    """One LSTM layer, one direction:
    i, f, g, o = σ, σ, tanh, σ of (x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh), split in 4;
    c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t).  Outputs (h_1..h_T, h_T, c_T)."""

    _name = "LstmBackward0"
    n_state = 2

    def forward(self, *arrays):
        x, (h, c), w_ih, w_hh, b_ih, b_hh = self._split(arrays)
        self.x, self.w_ih, self.w_hh = x, w_ih, w_hh
        t_len, bsz, _ = x.shape
        hid = w_hh.shape[1]
        xw = self._project(x, w_ih, b_ih)
        if b_hh is not None:
            xw += b_hh
        gates = np.empty((t_len, bsz, 4 * hid), x.dtype)
        hs = np.empty((t_len + 1, bsz, hid), x.dtype)
        cs = np.empty((t_len + 1, bsz, hid), x.dtype)
        tcs = np.empty((t_len, bsz, hid), x.dtype)
        hs[0], cs[0] = h, c
        mask = self.mask
        for t in range(t_len):
            a = xw[t] + hs[t] @ w_hh.T
            gt = gates[t]
            gt[:, :2 * hid] = _sigmoid(a[:, :2 * hid])
            gt[:, 2 * hid:3 * hid] = np.tanh(a[:, 2 * hid:3 * hid])
            gt[:, 3 * hid:] = _sigmoid(a[:, 3 * hid:])
            i, f, g, o = gt[:, :hid], gt[:, hid:2 * hid], gt[:, 2 * hid:3 * hid], gt[:, 3 * hid:]
            c_new = f * cs[t] + i * g
            tcs[t] = np.tanh(c_new)
            h_new = o * tcs[t]
            if mask is not None:
                c_new = np.where(mask[t], c_new, cs[t])
                h_new = np.where(mask[t], h_new, hs[t])
            cs[t + 1], hs[t + 1] = c_new, h_new
        self.gates, self.hs, self.cs, self.tcs = gates, hs, cs, tcs
        out = hs[1:] if mask is None else np.where(mask, hs[1:], 0)
        return out, hs[-1].copy(), cs[-1].copy()

    def backward(self, g_out, g_h, g_c):
        gates, hs, cs, tcs, w_hh, mask = self.gates, self.hs, self.cs, self.tcs, self.w_hh, self.mask
        t_len = gates.shape[0]
        hid = w_hh.shape[1]
        dgates = np.empty_like(gates)
        dh = g_h.copy()
        dc = g_c.copy()
        if mask is not None:
            g_out = np.where(mask, g_out, 0)
        for t in range(t_len - 1, -1, -1):
            dh = dh + g_out[t]
            gt = gates[t]
            i, f, g, o = gt[:, :hid], gt[:, hid:2 * hid], gt[:, 2 * hid:3 * hid], gt[:, 3 * hid:]
            tc = tcs[t]
            dct = dc + dh * o * (1 - tc * tc)
            d = dgates[t]
            d[:, :hid] = dct * g * i * (1 - i)
            d[:, hid:2 * hid] = dct * cs[t] * f * (1 - f)
            d[:, 2 * hid:3 * hid] = dct * i * (1 - g * g)
            d[:, 3 * hid:] = dh * tc * o * (1 - o)
            dh_prev = d @ w_hh
            dc_prev = dct * f
            if mask is not None:
                m = mask[t]
                d *= m
                dh_prev = np.where(m, dh_prev, dh)
                dc_prev = np.where(m, dc_prev, dc)
            dh, dc = dh_prev, dc_prev
        gx, gw_ih, gw_hh, *gb = self._weight_grads(dgates, dgates, hs[:-1])
        return (gx, dh, dc, gw_ih, gw_hh, *gb)


class GRULayer(_RecurrentLayer):
    """One GRU layer, one direction (PyTorch's form):
    r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr),  z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz),
    n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}."""

    _name = "GruBackward0"

    def forward(self, *arrays):
        x, (h,), w_ih, w_hh, b_ih, b_hh = self._split(arrays)
        self.x, self.w_ih, self.w_hh = x, w_ih, w_hh
        t_len, bsz, _ = x.shape
        hid = w_hh.shape[1]
        xw = self._project(x, w_ih, b_ih)
        rz = np.empty((t_len, bsz, 2 * hid), x.dtype)
        ns = np.empty((t_len, bsz, hid), x.dtype)
        hns = np.empty((t_len, bsz, hid), x.dtype)
        hs = np.empty((t_len + 1, bsz, hid), x.dtype)
        hs[0] = h
        mask = self.mask
        for t in range(t_len):
            hw = hs[t] @ w_hh.T
            if b_hh is not None:
                hw += b_hh
            rz[t] = _sigmoid(xw[t, :, :2 * hid] + hw[:, :2 * hid])
            r, z = rz[t, :, :hid], rz[t, :, hid:]
            hns[t] = hw[:, 2 * hid:]
            ns[t] = np.tanh(xw[t, :, 2 * hid:] + r * hns[t])
            h_new = (1 - z) * ns[t] + z * hs[t]
            if mask is not None:
                h_new = np.where(mask[t], h_new, hs[t])
            hs[t + 1] = h_new
        self.rz, self.ns, self.hns, self.hs = rz, ns, hns, hs
        out = hs[1:] if mask is None else np.where(mask, hs[1:], 0)
        return out, hs[-1].copy()

    def backward(self, g_out, g_h):
        rz, ns, hns, hs, w_hh, mask = self.rz, self.ns, self.hns, self.hs, self.w_hh, self.mask
        t_len = ns.shape[0]
        hid = w_hh.shape[1]
        dxw = np.empty((t_len, ns.shape[1], 3 * hid), ns.dtype)
        dhw = np.empty_like(dxw)
        dh = g_h.copy()
        if mask is not None:
            g_out = np.where(mask, g_out, 0)
        for t in range(t_len - 1, -1, -1):
            dh = dh + g_out[t]
            r, z, n = rz[t, :, :hid], rz[t, :, hid:], ns[t]
            dn = dh * (1 - z) * (1 - n * n)
            dz = dh * (hs[t] - n) * z * (1 - z)
            dr = dn * hns[t] * r * (1 - r)
            dx_t, dh_t = dxw[t], dhw[t]
            dx_t[:, :hid] = dr
            dx_t[:, hid:2 * hid] = dz
            dx_t[:, 2 * hid:] = dn
            dh_t[:, :2 * hid] = dx_t[:, :2 * hid]
            dh_t[:, 2 * hid:] = dn * r
            dh_prev = dh * z + dh_t @ w_hh
            if mask is not None:
                m = mask[t]
                dx_t *= m
                dh_t *= m
                dh_prev = np.where(m, dh_prev, dh)
            dh = dh_prev
        gx, gw_ih, gw_hh, *gb = self._weight_grads(dxw, dhw, hs[:-1])
        return (gx, dh, gw_ih, gw_hh, *gb)


class RNNLayer(_RecurrentLayer):
    """One Elman RNN layer, one direction: h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh),
    act = tanh (∂ = 1 − h²) or ReLU (∂ = [h > 0])."""

    _name = "RnnTanhBackward0"

    def __init__(self, has_bias: bool, mask: np.ndarray | None, nonlinearity: str) -> None:
        super().__init__(has_bias, mask)
        self.relu = nonlinearity == "relu"
        if self.relu:
            self._name = "RnnReluBackward0"

    def forward(self, *arrays):
        x, (h,), w_ih, w_hh, b_ih, b_hh = self._split(arrays)
        self.x, self.w_ih, self.w_hh = x, w_ih, w_hh
        t_len = x.shape[0]
        xw = self._project(x, w_ih, b_ih)
        if b_hh is not None:
            xw += b_hh
        hs = np.empty((t_len + 1, *h.shape), x.dtype)
        hs[0] = h
        mask = self.mask
        for t in range(t_len):
            a = xw[t] + hs[t] @ w_hh.T
            h_new = np.maximum(a, 0) if self.relu else np.tanh(a)
            if mask is not None:
                h_new = np.where(mask[t], h_new, hs[t])
            hs[t + 1] = h_new
        self.hs = hs
        out = hs[1:] if mask is None else np.where(mask, hs[1:], 0)
        return out, hs[-1].copy()

    def backward(self, g_out, g_h):
        hs, w_hh, mask = self.hs, self.w_hh, self.mask
        t_len = hs.shape[0] - 1
        da = np.empty(hs[1:].shape, hs.dtype)
        dh = g_h.copy()
        if mask is not None:
            g_out = np.where(mask, g_out, 0)
        for t in range(t_len - 1, -1, -1):
            dh = dh + g_out[t]
            h = hs[t + 1]
            d = da[t]
            d[...] = dh * (h > 0) if self.relu else dh * (1 - h * h)
            dh_prev = d @ w_hh
            if mask is not None:
                m = mask[t]
                d *= m
                dh_prev = np.where(m, dh_prev, dh)
            dh = dh_prev
        gx, gw_ih, gw_hh, *gb = self._weight_grads(da, da, hs[:-1])
        return (gx, dh, gw_ih, gw_hh, *gb)
