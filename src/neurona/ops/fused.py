"""Fused ops: one node where a composition would record several, for speed and stability.

Each has a plain composition it is tested against (see tests/test_nn_functional.py):
``linear`` = x @ Wᵀ + b; ``cross_entropy`` = nll(log_softmax(x)); ``layer_norm`` and
``batch_norm`` = (x − mean)/√(var + ε)·γ + β; ``embedding`` = W[idx]; ``dropout`` =
x·mask/(1 − p).
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


class Linear(Node):
    """y = x Wᵀ + b  (W is (out, in), PyTorch's layout);
    ∂L/∂x = G W,  ∂L/∂W = Gᵀ x,  ∂L/∂b = Σ_rows G (rows: every leading axis of x)."""

    _name = "AddmmBackward0"
    saves = (0, 1)

    def forward(self, x, w, b=None):
        self.x, self.w = x, w
        # the op PyTorch's linear ends with: addmm / mm for a matrix; for a vector or a batch
        # it reshapes around the product (a view with a bias, an unsafe view / squeeze without)
        if x.ndim == 2:
            self._name = "AddmmBackward0" if b is not None else "MmBackward0"
        elif b is not None:
            self._name = "ViewBackward0"
        else:
            self._name = "SqueezeBackward4" if x.ndim == 1 else "UnsafeViewBackward0"
        if x.ndim > 2:  # one 2-D GEMM over all rows, not a batched matmul per leading index
            out = (x.reshape(-1, x.shape[-1]) @ w.T).reshape(*x.shape[:-1], w.shape[0])
        else:
            out = x @ w.T
        if b is not None:
            out += b
        return out

    def backward(self, g):
        need = self.needs_input_grad
        x, w = self.x, self.w
        gx = None
        if need[0]:
            gx = ((g.reshape(-1, g.shape[-1]) @ w).reshape(*g.shape[:-1], w.shape[1])
                  if g.ndim > 2 else g @ w)
        gw = gb = None
        if x.ndim == 1:
            if need[1]:
                gw = np.outer(g, x)
            if len(need) > 2 and need[2]:
                gb = g
            return (gx, gw, gb) if len(need) > 2 else (gx, gw)
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        if need[1]:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = g2.T @ x2
        if len(need) > 2:
            if need[2]:
                gb = g2.sum(axis=0)
            return gx, gw, gb
        return gx, gw


def _log_softmax_rows(x: np.ndarray) -> np.ndarray:
    shifted = x - np.max(x, axis=1, keepdims=True)
    shifted -= np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return shifted


class CrossEntropy(Node):
    """Cross-entropy from logits of shape (M, C) (class axis last after reshaping).

    With class indices yᵢ, weights w, label smoothing ε and p = softmax(x):
      ℓᵢ = (1 − ε)·(−w_{yᵢ} log p_{i,yᵢ}) + (ε/C)·(−Σ_c w_c log p_{i,c})   (0 if yᵢ ignored)
    'mean' divides each part by Σᵢ w_{yᵢ} over non-ignored rows. With probability targets
    t (a second input, differentiable): ℓᵢ = −Σ_c w_c t'_{ic} log p_{ic}, t' = (1 − ε)t + ε/C,
    and 'mean' divides by M. In both cases ∂ℓ/∂x = A − p·Σ_c A with A = ∂ℓ/∂(log p),
    computed in closed form; for probability targets ∂ℓ/∂t_{ic} = −(1 − ε)·w_c·log p_{ic}.
    """

    _name = "NllLossBackward0"

    def __init__(self, target, weight, ignore_index: int, reduction: str, smoothing: float):
        self.target, self.weight = target, weight
        self.ignore_index, self.reduction, self.smoothing = ignore_index, reduction, smoothing

    def forward(self, x, t=None):
        m, c = x.shape
        logp = _log_softmax_rows(x)
        self.logp = logp
        eps = self.smoothing
        w = self.weight
        if t is not None:  # class probabilities
            self._name = "DivBackward1" if self.reduction == "mean" else "NegBackward0"
            if eps:
                t = t * (1 - eps) + eps / c
            coef = -(t * w if w is not None else t)  # A before reduction scaling
            per_row = np.sum(coef * logp, axis=1)
            self.coef = coef
            self.denom = m
            self.valid = None
        else:
            t = self.target
            valid = t != self.ignore_index
            safe_t = np.where(valid, t, 0)
            wy = (w[safe_t] if w is not None else np.ones(m, x.dtype)) * valid
            coef = np.zeros((m, c), x.dtype)
            coef[np.arange(m), safe_t] = -(1 - eps) * wy
            if eps:
                wc = w if w is not None else np.ones(c, x.dtype)
                coef -= (eps / c) * wc[None, :] * valid[:, None].astype(x.dtype)
            per_row = np.sum(coef * logp, axis=1)
            self.coef = coef
            self.denom = wy.sum()
            self.valid = valid
        if self.reduction == "none":
            return per_row
        total = per_row.sum()
        if self.reduction == "sum":
            return total
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total / np.asarray(self.denom, x.dtype), dtype=x.dtype)

    def _scale(self, g):
        """The upstream gradient per row, as a column: g (none), or g / denominator (mean)."""
        if self.reduction == "none":
            return g[:, None]
        if self.reduction == "sum":
            return g
        with np.errstate(invalid="ignore", divide="ignore"):  # Σ weights = 0: NaN, as PyTorch
            return g / np.asarray(self.denom, g.dtype)

    def backward(self, g):
        need = self.needs_input_grad
        scale = self._scale(g)
        gx = None
        if need[0]:
            with np.errstate(invalid="ignore"):
                a = self.coef * scale
            if self.reduction == "mean" and not self.denom and self.valid is not None:
                # Σ weights is 0: ignored rows get 0 as in PyTorch (0/0 stays NaN elsewhere)
                with np.errstate(invalid="ignore"):
                    a = np.where(self.valid[:, None], a, 0)
            p = np.exp(self.logp)
            gx = a - p * np.sum(a, axis=1, keepdims=True)
        if len(need) == 1:
            return gx
        gt = None
        if need[1]:
            gt = -(1 - self.smoothing) * self.logp * scale
            if self.weight is not None:
                gt = gt * self.weight
        return gx, gt


class NllLoss(Node):
    """ℓᵢ = −w_{yᵢ}·x_{i,yᵢ} for log-probabilities x (M, C); 'mean' divides by Σ w_{yᵢ};
    ∂ℓ/∂x_{i,yᵢ} = −w_{yᵢ}·scale, 0 elsewhere."""

    _name = "NllLossBackward0"

    def __init__(self, target, weight, ignore_index: int, reduction: str):
        self.target, self.weight = target, weight
        self.ignore_index, self.reduction = ignore_index, reduction

    def forward(self, x):
        m, c = x.shape
        t = self.target
        valid = t != self.ignore_index
        self.valid = valid
        self.safe_t = np.where(valid, t, 0)
        self.wy = (self.weight[self.safe_t] if self.weight is not None else np.ones(m, x.dtype)) * valid
        self.shape = x.shape
        per_row = -x[np.arange(m), self.safe_t] * self.wy
        if self.reduction == "none":
            return per_row
        if self.reduction == "sum":
            return per_row.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(per_row.sum() / self.wy.sum(), dtype=x.dtype)

    def backward(self, g):
        out = np.zeros(self.shape, g.dtype)
        if self.reduction == "none" or self.reduction == "sum":
            scale = g
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                scale = g / np.asarray(self.wy.sum(), g.dtype)
        rows = np.flatnonzero(self.valid)  # ignored rows get no gradient (0, never NaN)
        with np.errstate(invalid="ignore"):
            out[rows, self.safe_t[rows]] = -self.wy[rows] * (scale[rows] if np.ndim(scale) else scale)
        return out


class LayerNorm(Node):
    """y = (x − μ)/√(σ² + ε)·γ + β over the trailing ``n`` axes (biased σ²).

    With x̂ = (x − μ)·r, r = 1/√(σ² + ε), and gy = ∂L/∂y·γ over N normalised elements:
      ∂L/∂x = r·(gy − mean(gy) − x̂·mean(gy·x̂)),  ∂L/∂γ = Σ ∂L/∂y·x̂,  ∂L/∂β = Σ ∂L/∂y.
    """

    _name = "NativeLayerNormBackward0"

    def __init__(self, n_axes: int, eps: float) -> None:
        self.n_axes, self.eps = n_axes, eps

    def forward(self, x, w=None, b=None):
        axes = tuple(range(x.ndim - self.n_axes, x.ndim))
        self.axes = axes
        mu = np.mean(x, axis=axes, keepdims=True)
        xc = x - mu
        var = np.mean(xc * xc, axis=axes, keepdims=True)
        self.r = 1.0 / np.sqrt(var + np.asarray(self.eps, x.dtype))
        self.xhat = xc * self.r
        self.w = w
        out = self.xhat
        if w is not None:
            out = out * w
        if b is not None:
            out = out + b
        return out

    def backward(self, g):
        need = self.needs_input_grad
        axes, xhat = self.axes, self.xhat
        lead = tuple(range(xhat.ndim - self.n_axes))
        gy = g * self.w if self.w is not None else g
        gx = None
        if need[0]:
            m1 = np.mean(gy, axis=axes, keepdims=True)
            m2 = np.mean(gy * xhat, axis=axes, keepdims=True)
            gx = self.r * (gy - m1 - xhat * m2)
        out = [gx]
        if len(need) > 1:
            out.append(np.sum(g * xhat, axis=lead) if need[1] else None)
        if len(need) > 2:
            out.append(np.sum(g, axis=lead) if need[2] else None)
        return tuple(out)


class BatchNorm(Node):
    """Training-mode batch norm over every axis but 1 (channels), biased batch variance.

    y = x̂·γ + β with x̂ = (x − μ_B)·r, r = 1/√(σ²_B + ε);
      ∂L/∂x = r·(gy − mean(gy) − x̂·mean(gy·x̂)) with gy = ∂L/∂y·γ (means over the batch axes),
      ∂L/∂γ = Σ ∂L/∂y·x̂,  ∂L/∂β = Σ ∂L/∂y.
    The batch mean and unbiased variance are kept (``batch_mean``, ``batch_var``) for the
    running statistics.
    """

    _name = "NativeBatchNormBackward0"

    def __init__(self, eps: float) -> None:
        self.eps = eps

    def forward(self, x, w=None, b=None):
        axes = (0,) + tuple(range(2, x.ndim))
        self.axes = axes
        shape = [1] * x.ndim
        shape[1] = x.shape[1]
        self.pshape = tuple(shape)
        n = x.size // x.shape[1]
        mu = np.mean(x, axis=axes, keepdims=True)
        xc = x - mu
        var = np.mean(xc * xc, axis=axes, keepdims=True)
        self.batch_mean = mu.reshape(-1)
        self.batch_var = (var * (n / max(n - 1, 1))).reshape(-1)
        self.r = 1.0 / np.sqrt(var + np.asarray(self.eps, x.dtype))
        self.xhat = xc * self.r
        self.w = None if w is None else w.reshape(self.pshape)
        out = self.xhat
        if w is not None:
            out = out * self.w
        if b is not None:
            out = out + b.reshape(self.pshape)
        return out

    def backward(self, g):
        need = self.needs_input_grad
        axes, xhat = self.axes, self.xhat
        gy = g * self.w if self.w is not None else g
        gx = None
        if need[0]:
            m1 = np.mean(gy, axis=axes, keepdims=True)
            m2 = np.mean(gy * xhat, axis=axes, keepdims=True)
            gx = self.r * (gy - m1 - xhat * m2)
        out = [gx]
        if len(need) > 1:
            out.append(np.sum(g * xhat, axis=axes) if need[1] else None)
        if len(need) > 2:
            out.append(np.sum(g, axis=axes) if need[2] else None)
        return tuple(out)


class Embedding(Node):
    """y = W[idx] (rows of the table);  ∂L/∂W: the rows of G added back at idx (repeats add;
    the ``padding_idx`` row gets none). With ``scale_grad_by_freq`` each row's gradient is
    divided by how often its index occurs in ``idx``."""

    _name = "EmbeddingBackward0"

    def __init__(self, idx: np.ndarray, padding_idx: int | None, scale_grad_by_freq: bool = False) -> None:
        self.idx, self.padding_idx, self.scale_grad_by_freq = idx, padding_idx, scale_grad_by_freq

    def forward(self, w):
        self.num = w.shape[0]
        return w[self.idx]

    def backward(self, g):
        flat = self.idx.reshape(-1)
        g2 = g.reshape(flat.size, -1)
        out = np.zeros((self.num, g2.shape[1]), g.dtype)
        if flat.size:
            # sort the looked-up indices and sum each run of equal ones in one reduceat
            order = np.argsort(flat, kind="stable")
            sorted_idx = flat[order]
            starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
            sums = np.add.reduceat(g2[order], starts, axis=0)
            if self.scale_grad_by_freq:
                counts = np.diff(np.r_[starts, flat.size])
                sums /= counts[:, None].astype(g.dtype)
            out[sorted_idx[starts]] = sums
        if self.padding_idx is not None:
            out[self.padding_idx] = 0
        return out


class Dropout(Node):
    """y = x·m/(1 − p) with m ~ Bernoulli(1 − p);  ∂L/∂x = G·m/(1 − p)."""

    _name = "MulBackward0"  # PyTorch's CPU dropout is input * (mask / (1 - p))

    def __init__(self, scale_mask: np.ndarray) -> None:
        self.scale_mask = scale_mask

    def forward(self, x):
        return x * self.scale_mask

    def backward(self, g):
        return g * self.scale_mask
