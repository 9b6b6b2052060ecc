"""Recurrent layers as fused whole-sequence ops with backpropagation through time in NumPy.

One node runs one layer in one direction over the whole sequence (time-major x: (T, B, I)):

* the input projection of *all* time steps is one matrix product up front,
  ``XW = X·W_ihᵀ + b_ih`` of shape (T, B, G·H) (G = 4 gates for LSTM, 3 for GRU, 1 for RNN);
* each step adds ``h·W_hhᵀ (+ b_hh)`` — one matrix product for all gates — and applies
  the gate nonlinearities in place on preallocated NumPy arrays, keeping what backward needs;
* backward walks the steps in reverse (BPTT), one matrix product per step for
  ∂L/∂h_{t−1}, and forms ∂L/∂W_ih, ∂L/∂W_hh and ∂L/∂X with single products over all steps.
  The factors of the gate derivatives that don't depend on the recursion (σ′, tanh′, …) are
  computed for all steps at once before the loop, so each step is a handful of array calls.

Gate order and weight layout are PyTorch's: LSTM (i, f, g, o), GRU (r, z, n).
Sigmoids are computed as σ(a) = ½·tanh(a/2) + ½ (stable, no overflow): the sigmoid rows of
the weights are halved once per call, so the LSTM applies *one* tanh to all four gates.
``reverse=True`` runs the sequence from its last step to its first (the backward direction of a
bidirectional layer). Variable lengths (packed sequences) use a mask: outside a sequence
its state is frozen (and its gradient passes through unchanged) and its outputs are zero —
so a reversed run over a padded batch starts each sequence at its own last step.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


class _RecurrentLayer(Node):
    """Shared plumbing: inputs (x, h0[, c0], w_ih, w_hh[, b_ih, b_hh]), the mask, the direction.

    Time indexing: with r = 1 for a reversed run (else 0), step t reads the state stored at
    ``t + r`` and writes it at ``t + 1 − r``; the initial state sits at ``r·T``.
    """

    n_state = 1
    saves = (0, 2, 3)  # backward reads x, W_ih, W_hh: modifying them in place before it is an error

    def __init__(self, has_bias: bool, mask: np.ndarray | None = None, reverse: bool = False) -> None:
        self.has_bias = has_bias
        self.mask = mask  # (T, B, 1) bool: step t is inside sequence b
        self.reverse = bool(reverse)

    def _split(self, arrays: tuple) -> tuple:
        k = self.n_state
        x, states = arrays[0], arrays[1:1 + k]
        w_ih, w_hh = arrays[1 + k], arrays[2 + k]
        b_ih = b_hh = None
        if self.has_bias:
            b_ih, b_hh = arrays[3 + k], arrays[4 + k]
        return x, states, w_ih, w_hh, b_ih, b_hh

    def _order(self, t_len: int, backward: bool = False) -> range:
        if self.reverse != backward:
            return range(t_len - 1, -1, -1)
        return range(t_len)

    def _x2(self, x: np.ndarray) -> np.ndarray:
        t, b, i = x.shape
        self.x2 = x2 = x.reshape(t * b, i)  # a copy only if x is a non-contiguous view
        return x2

    def _outputs(self, hs: np.ndarray) -> np.ndarray:
        """h_t for every step (zero outside each sequence), as a fresh array."""
        r, t_len = int(self.reverse), hs.shape[0] - 1
        out = hs[1 - r:t_len + 1 - r]
        return out.copy() if self.mask is None else np.where(self.mask, out, 0)

    def _prev(self, hs: np.ndarray) -> np.ndarray:
        """The state each step started from, in time order (T, B, H)."""
        r, t_len = int(self.reverse), hs.shape[0] - 1
        return hs[r:t_len + r]

    def _weight_grads(self, dxw: np.ndarray, dhw: np.ndarray, h_prev: np.ndarray) -> tuple:
        """∂L/∂x, ∂L/∂W_ih, ∂L/∂W_hh, ∂L/∂b_ih, ∂L/∂b_hh from the per-step gate gradients."""
        t, b, _ = dxw.shape
        g2 = dxw.reshape(t * b, -1)
        need = self.needs_input_grad
        k = self.n_state
        gx = (g2 @ self.w_ih).reshape(t, b, -1) if need[0] else None
        gw_ih = g2.T @ self.x2 if need[1 + k] else None
        h2 = dhw.reshape(t * b, -1)
        gw_hh = h2.T @ h_prev.reshape(t * b, -1) if need[2 + k] else None
        out = [gx, gw_ih, gw_hh]
        if self.has_bias:
            gb_ih = g2.sum(axis=0) if need[3 + k] else None
            if not need[4 + k]:
                gb_hh = None
            elif dhw is dxw:
                gb_hh = gb_ih.copy() if gb_ih is not None else g2.sum(axis=0)
            else:
                gb_hh = h2.sum(axis=0)
            out += [gb_ih, gb_hh]
        return tuple(out)


class LSTMLayer(_RecurrentLayer):
    """One LSTM layer, one direction:
    i, f, g, o = σ, σ, tanh, σ of (x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh), split in 4;
    c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)  (with a projection, ``has_proj``:
    h_t = (o ⊙ tanh c_t)·W_hrᵀ, W_hr (P, H) the last input).  Outputs (h_1..h_T, h_T, c_T).

    Backward (δh, δc the gradients reaching h_t, c_t; with a projection δh ← δh·W_hr first):
    δc̃ = δc + δh ⊙ o ⊙ (1 − tanh²c_t);  δa_i = δc̃ ⊙ g ⊙ i(1 − i);  δa_f = δc̃ ⊙ c_{t−1} ⊙ f(1 − f);
    δa_g = δc̃ ⊙ i ⊙ (1 − g²);  δa_o = δh ⊙ tanh c_t ⊙ o(1 − o);
    δh_{t−1} = δa·W_hh;  δc_{t−1} = δc̃ ⊙ f;  ∂L/∂W_hr = Σ_t δh_tᵀ·(o ⊙ tanh c_t)."""

    _name = "LstmBackward0"
    n_state = 2
    saves = (0, 3, 4)

    def __init__(self, has_bias: bool, mask: np.ndarray | None = None, reverse: bool = False,
                 has_proj: bool = False) -> None:
        super().__init__(has_bias, mask, reverse)
        self.has_proj = has_proj
        if has_proj:
            self.saves = (0, 3, 4, 7 if has_bias else 5)  # and W_hr

    def forward(self, *arrays):
        x, (h0, c0), w_ih, w_hh, b_ih, b_hh = self._split(arrays)
        w_hr = arrays[-1] if self.has_proj else None
        self.w_ih, self.w_hh, self.w_hr = w_ih, w_hh, w_hr
        t_len, bsz, _ = x.shape
        hid = w_hh.shape[0] // 4
        out_size = w_hh.shape[1]  # H, or P with a projection
        dt = x.dtype
        # tanh(a·s) for all four gates; σ = ½·tanh(a/2) + ½ on i, f, o (s = ½ there, 1 on g)
        mul = np.full(4 * hid, 0.5, dt)
        mul[2 * hid:3 * hid] = 1
        add = np.full(4 * hid, 0.5, dt)
        add[2 * hid:3 * hid] = 0
        xw = (self._x2(x) @ (w_ih * mul[:, None]).T).reshape(t_len, bsz, 4 * hid)
        if b_ih is not None:
            xw += (b_ih + b_hh) * mul
        w_hh_t = (w_hh * mul[:, None]).T
        gates = np.empty((t_len, bsz, 4 * hid), dt)
        hs = np.empty((t_len + 1, bsz, out_size), dt)
        cs = np.empty((t_len + 1, bsz, hid), dt)
        tcs = np.empty((t_len, bsz, hid), dt)
        hraw = np.empty((t_len, bsz, hid), dt) if w_hr is not None else None
        tmp = np.empty((bsz, hid), dt)
        r = int(self.reverse)
        hs[r * t_len], cs[r * t_len] = h0, c0
        mask = self.mask
        for t in self._order(t_len):
            p, n = t + r, t + 1 - r
            gt = gates[t]
            np.matmul(hs[p], w_hh_t, out=gt)
            gt += xw[t]
            np.tanh(gt, out=gt)
            gt *= mul
            gt += add
            c = cs[n]
            np.multiply(gt[:, hid:2 * hid], cs[p], out=c)
            np.multiply(gt[:, :hid], gt[:, 2 * hid:3 * hid], out=tmp)
            c += tmp
            np.tanh(c, out=tcs[t])
            if w_hr is None:
                np.multiply(gt[:, 3 * hid:], tcs[t], out=hs[n])
            else:
                np.multiply(gt[:, 3 * hid:], tcs[t], out=hraw[t])
                np.matmul(hraw[t], w_hr.T, out=hs[n])
            if mask is not None:
                off = ~mask[t]
                np.copyto(c, cs[p], where=off)
                np.copyto(hs[n], hs[p], where=off)
        self.gates, self.hs, self.cs, self.tcs, self.hraw = gates, hs, cs, tcs, hraw
        last = (1 - r) * t_len
        return self._outputs(hs), hs[last].copy(), cs[last].copy()

    def backward(self, g_out, g_h, g_c):
        gates, hs, cs, tcs, w_hh, mask = self.gates, self.hs, self.cs, self.tcs, self.w_hh, self.mask
        w_hr = self.w_hr
        t_len, bsz, four_h = gates.shape
        hid = four_h // 4
        i, f = gates[..., :hid], gates[..., hid:2 * hid]
        g, o = gates[..., 2 * hid:3 * hid], gates[..., 3 * hid:]
        # the recursion-free factors of every step at once
        fac = np.empty_like(gates)
        np.multiply(g, i * (1 - i), out=fac[..., :hid])
        np.multiply(self._prev(cs), f * (1 - f), out=fac[..., hid:2 * hid])
        np.multiply(i, 1 - g * g, out=fac[..., 2 * hid:3 * hid])
        np.multiply(tcs, o * (1 - o), out=fac[..., 3 * hid:])
        a_c = o * (1 - tcs * tcs)
        fac4 = fac.reshape(t_len, bsz, 4, hid)
        dgates = np.empty_like(gates)
        dg4 = dgates.reshape(t_len, bsz, 4, hid)
        dh, dh_next = g_h.copy(), np.empty_like(g_h)
        dc, dc_next = g_c.copy(), np.empty_like(g_c)
        dct = np.empty_like(g_c)
        if w_hr is not None:
            dhp = np.empty((t_len, *g_h.shape), g_h.dtype)  # δh_t (T, B, P)
            draw = np.empty_like(g_c)  # δ(o ⊙ tanh c_t) = δh_t·W_hr
        if mask is not None:
            g_out = np.where(mask, g_out, 0)
        for t in self._order(t_len, backward=True):
            dh += g_out[t]
            if w_hr is None:
                d_h = dh
            else:
                if mask is None:
                    dhp[t] = dh
                else:
                    np.multiply(dh, mask[t], out=dhp[t])
                np.matmul(dhp[t], w_hr, out=draw)
                d_h = draw
            np.multiply(d_h, a_c[t], out=dct)
            dct += dc
            d4 = dg4[t]
            np.multiply(fac4[t, :, :3], dct[:, None, :], out=d4[:, :3])
            np.multiply(fac4[t, :, 3], d_h, out=d4[:, 3])
            if mask is not None:
                m = mask[t]
                dgates[t] *= m
            np.matmul(dgates[t], w_hh, out=dh_next)
            np.multiply(dct, f[t], out=dc_next)
            if mask is not None:
                off = ~m
                np.copyto(dh_next, dh, where=off)
                np.copyto(dc_next, dc, where=off)
            dh, dh_next = dh_next, dh
            dc, dc_next = dc_next, dc
        gx, gw_ih, gw_hh, *gb = self._weight_grads(dgates, dgates, self._prev(hs))
        if w_hr is None:
            return (gx, dh, dc, gw_ih, gw_hh, *gb)
        gw_hr = None
        if self.needs_input_grad[-1]:
            gw_hr = dhp.reshape(-1, dhp.shape[-1]).T @ self.hraw.reshape(-1, hid)
        return (gx, dh, dc, gw_ih, gw_hh, *gb, gw_hr)


class GRULayer(_RecurrentLayer):
    """One GRU layer, one direction (PyTorch's form):
    r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr),  z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz),
    n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.

    Backward: δa_n = δh ⊙ (1 − z)(1 − n²);  δa_z = δh ⊙ (h_{t−1} − n) ⊙ z(1 − z);
    δa_r = δa_n ⊙ (h W_hnᵀ + b_hn) ⊙ r(1 − r);  δh_{t−1} = δh ⊙ z + [δa_r, δa_z, δa_n ⊙ r]·W_hh."""

    _name = "GruBackward0"

    def forward(self, *arrays):
        x, (h0,), w_ih, w_hh, b_ih, b_hh = self._split(arrays)
        self.w_ih, self.w_hh = w_ih, w_hh
        t_len, bsz, _ = x.shape
        hid = w_hh.shape[1]
        h2 = 2 * hid
        dt = x.dtype
        mul = np.ones(3 * hid, dt)
        mul[:h2] = 0.5  # σ = ½·tanh(a/2) + ½ on r, z
        xw = (self._x2(x) @ (w_ih * mul[:, None]).T).reshape(t_len, bsz, 3 * hid)
        b_hn = None
        if b_ih is not None:
            xw += b_ih * mul
            xw[..., :h2] += b_hh[:h2] * 0.5
            b_hn = b_hh[h2:]
        w_hh_t = (w_hh * mul[:, None]).T
        hw_all = np.empty((t_len, bsz, 3 * hid), dt)  # h·W_hhᵀ (r, z halved; n with b_hn)
        rz = np.empty((t_len, bsz, h2), dt)
        ns = np.empty((t_len, bsz, hid), dt)
        hs = np.empty((t_len + 1, bsz, hid), dt)
        r = int(self.reverse)
        hs[r * t_len] = h0
        mask = self.mask
        for t in self._order(t_len):
            p, nx = t + r, t + 1 - r
            hw = hw_all[t]
            np.matmul(hs[p], w_hh_t, out=hw)
            hwn = hw[:, h2:]
            if b_hn is not None:
                hwn += b_hn
            a = rz[t]
            np.add(xw[t, :, :h2], hw[:, :h2], out=a)
            np.tanh(a, out=a)
            a *= 0.5
            a += 0.5
            n = ns[t]
            np.multiply(a[:, :hid], hwn, out=n)
            n += xw[t, :, h2:]
            np.tanh(n, out=n)
            h = hs[nx]
            np.subtract(hs[p], n, out=h)
            h *= a[:, hid:]
            h += n
            if mask is not None:
                np.copyto(h, hs[p], where=~mask[t])
        self.rz, self.ns, self.hw_all, self.hs = rz, ns, hw_all, hs
        return self._outputs(hs), hs[(1 - r) * t_len].copy()

    def backward(self, g_out, g_h):
        rz, ns, hs, w_hh, mask = self.rz, self.ns, self.hs, self.w_hh, self.mask
        t_len, bsz, hid = ns.shape
        h2 = 2 * hid
        r, z = rz[..., :hid], rz[..., hid:]
        a_n = (1 - z) * (1 - ns * ns)
        a_z = (self._prev(hs) - ns) * z * (1 - z)
        a_r = self.hw_all[..., h2:] * r * (1 - r)
        dxw = np.empty((t_len, bsz, 3 * hid), ns.dtype)
        dhw = np.empty_like(dxw)
        dh, dh_next = g_h.copy(), np.empty_like(g_h)
        tmp = np.empty_like(g_h)
        if mask is not None:
            g_out = np.where(mask, g_out, 0)
        for t in self._order(t_len, backward=True):
            dh += g_out[t]
            dn, dht = dxw[t, :, h2:], dhw[t]
            np.multiply(dh, a_n[t], out=dn)
            if mask is not None:
                dn *= mask[t]
            np.multiply(dn, a_r[t], out=dht[:, :hid])
            np.multiply(dh, a_z[t], out=dht[:, hid:h2])
            np.multiply(dn, r[t], out=dht[:, h2:])
            if mask is not None:
                dht[:, hid:h2] *= mask[t]
            np.matmul(dht, w_hh, out=dh_next)
            np.multiply(dh, z[t], out=tmp)
            dh_next += tmp
            if mask is not None:
                np.copyto(dh_next, dh, where=~mask[t])
            dh, dh_next = dh_next, dh
        dxw[..., :h2] = dhw[..., :h2]
        gx, gw_ih, gw_hh, *gb = self._weight_grads(dxw, dhw, self._prev(hs))
        return (gx, dh, gw_ih, gw_hh, *gb)


class RNNLayer(_RecurrentLayer):
    """One Elman RNN layer, one direction: h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh),
    act = tanh (∂ = 1 − h²) or ReLU (∂ = [h > 0])."""

    _name = "RnnTanhBackward0"

    def __init__(self, has_bias: bool, mask: np.ndarray | None = None, nonlinearity: str = "tanh",
                 reverse: bool = False) -> None:
        super().__init__(has_bias, mask, reverse)
        self.relu = nonlinearity == "relu"
        if self.relu:
            self._name = "RnnReluBackward0"

    def forward(self, *arrays):
        x, (h0,), w_ih, w_hh, b_ih, b_hh = self._split(arrays)
        self.w_ih, self.w_hh = w_ih, w_hh
        t_len, bsz, _ = x.shape
        hid = w_hh.shape[1]
        xw = (self._x2(x) @ w_ih.T).reshape(t_len, bsz, hid)
        if b_ih is not None:
            xw += b_ih + b_hh
        w_hh_t = w_hh.T
        hs = np.empty((t_len + 1, bsz, hid), x.dtype)
        r = int(self.reverse)
        hs[r * t_len] = h0
        mask = self.mask
        for t in self._order(t_len):
            p, n = t + r, t + 1 - r
            h = hs[n]
            np.matmul(hs[p], w_hh_t, out=h)
            h += xw[t]
            if self.relu:
                np.maximum(h, 0, out=h)
            else:
                np.tanh(h, out=h)
            if mask is not None:
                np.copyto(h, hs[p], where=~mask[t])
        self.hs = hs
        return self._outputs(hs), hs[(1 - r) * t_len].copy()

    def backward(self, g_out, g_h):
        hs, w_hh, mask = self.hs, self.w_hh, self.mask
        t_len = hs.shape[0] - 1
        r = int(self.reverse)
        hout = hs[1 - r:t_len + 1 - r]
        act = (hout > 0).astype(hs.dtype) if self.relu else 1 - hout * hout
        if mask is not None:
            act *= mask
            g_out = np.where(mask, g_out, 0)
        da = np.empty(hout.shape, hs.dtype)
        dh, dh_next = g_h.copy(), np.empty_like(g_h)
        for t in self._order(t_len, backward=True):
            dh += g_out[t]
            d = da[t]
            np.multiply(dh, act[t], out=d)
            np.matmul(d, w_hh, out=dh_next)
            if mask is not None:
                np.copyto(dh_next, dh, where=~mask[t])
            dh, dh_next = dh_next, dh
        gx, gw_ih, gw_hh, *gb = self._weight_grads(da, da, self._prev(hs))
        return (gx, dh, gw_ih, gw_hh, *gb)


class GatherRows(Node):
    """Rows of ``src`` (its first ``lead`` dims flattened) picked by an index:
    ``out[j] = src_rows[index[j]]``, or ``fill`` where ``index[j] < 0``; the result is
    reshaped to ``out_lead + src.shape[lead:]``. Packing and padding sequences are this one
    gather; the indices are distinct, so backward is one scatter (no accumulation)."""

    _name = "IndexBackward0"

    def __init__(self, index: np.ndarray, lead: int, out_lead: tuple, fill: float = 0.0) -> None:
        self.index, self.lead, self.out_lead, self.fill = index, lead, tuple(out_lead), fill
        self.valid = None if (index >= 0).all() else index >= 0

    def forward(self, src):
        self.src_shape = src.shape
        rest = src.shape[self.lead:]
        rows = src.reshape(-1, *rest)
        if self.valid is None:
            out = rows[self.index]
        else:
            out = np.full((self.index.size, *rest), self.fill, src.dtype)
            out[self.valid] = rows[self.index[self.valid]]
        return out.reshape(self.out_lead + rest)

    def backward(self, g):
        rest = self.src_shape[self.lead:]
        g2 = g.reshape(-1, *rest)
        n = int(np.prod(self.src_shape[:self.lead], dtype=np.int64))
        out = np.zeros((n, *rest), g.dtype)
        if self.valid is None:
            out[self.index] = g2
        else:
            out[self.index[self.valid]] = g2[self.valid]
        return out.reshape(self.src_shape)
