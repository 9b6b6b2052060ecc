"""Clase 2 — backpropagation, activaciones, funciones de costo y optimizadores.

1. Backprop by hand on class 1's 2-2-1 XOR network (sigmoid hidden layer, linear output,
   ``L = (1/n)·Σᵢ (yᵢ − ŷᵢ)²`` over the 4 points), columns = samples:
   ``Z⁽¹⁾ = W⁽¹⁾Xᵀ + b⁽¹⁾``, ``A⁽¹⁾ = σ(Z⁽¹⁾)``, ``ŷ = W⁽²⁾A⁽¹⁾ + b⁽²⁾``;
   ``δ⁽²⁾ = ∂L/∂ŷ = −(2/n)(y − ŷ)``, ``∂L/∂W⁽²⁾ = δ⁽²⁾A⁽¹⁾ᵀ``, ``∂L/∂b⁽²⁾ = Σᵢ δ⁽²⁾ᵢ``,
   ``δ⁽¹⁾ = (W⁽²⁾ᵀδ⁽²⁾) ⊙ σ(Z⁽¹⁾)(1 − σ(Z⁽¹⁾))``, ``∂L/∂W⁽¹⁾ = δ⁽¹⁾X``, ``∂L/∂b⁽¹⁾ = Σᵢ δ⁽¹⁾ᵢ``.
   The 9 derivatives are compared with autograd and with central finite differences
   ``(L(θ + h) − L(θ − h))/2h`` in float64; a whole training by hand repeats autograd's curve.
2. Activation gallery (step, sigmoid, tanh, ReLU, Leaky ReLU, ELU, GELU, softmax): values and
   derivatives from autograd, checked against the closed forms.
3. Vanishing gradients: ``‖∂L/∂W⁽ˡ⁾‖`` per layer of a 10-layer network with sigmoid, tanh and
   ReLU; ``σ′ ≤ 1/4`` shrinks the gradient at every layer.
4. Output/cost pairs: linear + MSE (regression), logit + BCE (binary), softmax + CE
   (multiclass); why BCE and not MSE after a sigmoid.
5. Batch GD vs SGD vs mini-batch: the loss per epoch and per update.
6. Optimizers (GD, momentum, Nesterov, AdaGrad, RMSProp, Adam) on the Rosenbrock function
   ``f(x, y) = (1 − x)² + 100(y − x²)²``, on the surface J(w, b) of the Fahrenheit fit with raw
   and standardised input (condition number of the Hessian; the six paths on the 3-D surface and
   its contours, and the steps each needs to reach J − Jmín < 1e-3), and on a spiral
   classification.
7. XOR with mini-batches and momentum to MSE < 0.02.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..datasets import course, toys
from .registry import Lab, Target

LAB = Lab(
    id="clase2",
    number=2,
    slug="backprop",
    title="Backpropagation, activaciones, costos y optimizadores",
    summary="Las 9 derivadas de la red 2-2-1 a mano vs autograd vs diferencias finitas; galería de "
            "activaciones; gradientes que se desvanecen; MSE/BCE/CE; GD vs SGD vs mini-batch; "
            "momentum, Nesterov, AdaGrad, RMSProp y Adam sobre Rosenbrock, J(w, b) y una tarea; "
            "XOR con mini-batches y momentum.",
    targets=(
        Target("backprop_max_diff", "<=", 1e-8,
               description="9 derivadas: a mano vs autograd vs diferencias centrales (float64)"),
        Target("backprop_train_grad_gap", "<=", 1e-12,
               description="gradiente a mano vs autograd en cada paso de un entrenamiento (float64)"),
        Target("activation_grad_max_err", "<=", 1e-9,
               description="derivadas por autograd vs fórmulas cerradas (float64)"),
        Target("vanish_ratio_sigmoid", "<", 1e-4,
               description="‖∇W⁽¹⁾‖/‖∇W⁽¹⁰⁾‖, 10 capas sigmoide (Xavier), media de 4 inicializaciones"),
        Target("vanish_ratio_relu", ">", 0.05,
               description="‖∇W⁽¹⁾‖/‖∇W⁽¹⁰⁾‖, 10 capas ReLU (He), media de 4 inicializaciones"),
        Target("vanish_relu_over_sigmoid", ">", 1e3, description="ReLU deja pasar ≥ 1000× más gradiente"),
        Target("regression_r2", ">=", 0.9, description="lineal + MSE, R² en test"),
        Target("binary_accuracy", ">=", 0.9, description="logit + BCEWithLogits, exactitud en test"),
        Target("multiclass_accuracy", ">=", 0.9, description="softmax + CrossEntropy, exactitud en test"),
        Target("loss_identity_gap", "<=", 1e-12,
               description="CE = −log softmax y BCEWithLogits = BCE(σ(z)) (float64)"),
        Target("fahrenheit_raw_condition", ">", 1e4, description="κ(H) de J(w, b) con x en °F"),
        Target("fahrenheit_std_steps", "<=", 100,
               description="pasos de GD hasta J − Jmín < 1e-3 con x estandarizada"),
        Target("fahrenheit_std_faster_count", ">=", 6,
               description="los 6 optimizadores llegan a J − Jmín < 1e-3 en menos pasos con x "
                           "estandarizada que con x en °F"),
        Target("fahrenheit_std_max_steps", "<=", 100,
               description="con x estandarizada, el más lento de los 6 optimizadores llega en ≤ 100 pasos"),
        Target("rosenbrock_adam_loss", "<", 1e-3, description="Adam sobre Rosenbrock desde (−1.2, 1)"),
        Target("rosenbrock_momentum_loss", "<", 1e-3, description="momentum sobre Rosenbrock"),
        Target("rosenbrock_gd_loss", ">", 1e-3, description="GD sin momentum no llega al mismo umbral"),
        Target("spiral_adam_loss", "<", 0.3, description="Adam en espirales: costo final de entrenamiento"),
        Target("spiral_sgd_over_adam", ">", 3, profiles=("fast",),
               description="tras 30 épocas, SGD sin momentum queda ≥ 3× más arriba que Adam"),
        Target("gd_batch_over_minibatch", ">", 1.1, profiles=("fast",),
               description="tras 15 épocas, mini-batch aventaja a GD por lotes (cociente de BCE)"),
        Target("xor_minibatch_momentum_mse", "<", 0.02,
               description="XOR 2-2-1, mini-batches de 2 y momentum 0.9"),
    ),
)

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _pow10(value: float, _pos: Any = None) -> str:
    """A log-axis tick label like 10⁻⁶ in plain Unicode."""
    if value <= 0:
        return ""
    k = round(math.log10(value))
    return "10" + str(k).translate(_SUPERSCRIPT) if abs(value / 10.0 ** k - 1) < 1e-6 else f"{value:g}"


def _save(ctx: Any, name: str, fig: Any, caption: str, wspace: float = 0.25, hspace: float = 0.3) -> None:
    """Hand a figure to the report. Drawing dominates this lab's time, so: fixed spacing between
    panels instead of ``tight_layout`` (the report crops the margins anyway), and log axes with
    plain Unicode labels (10⁻⁶) instead of the default ones, which go through a TeX-like parser."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for ax in fig.axes:
        for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
            if scale == "log":
                axis.set_major_formatter(FuncFormatter(_pow10))
                axis.set_minor_formatter(NullFormatter())
    fig.subplots_adjust(left=0.07, right=0.97, bottom=0.12, top=0.9, wspace=wspace, hspace=hspace)
    ctx.figure(name, fig, caption)



# ============================================================================================
# 1. Backprop by hand
# ============================================================================================

#: The 9 parameters of the 2-2-1 network, in the slides' notation, with (tensor, index).
PARAM_NAMES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("∂L/∂w⁽¹⁾₁₁", "W1", (0, 0)), ("∂L/∂w⁽¹⁾₁₂", "W1", (0, 1)),
    ("∂L/∂w⁽¹⁾₂₁", "W1", (1, 0)), ("∂L/∂w⁽¹⁾₂₂", "W1", (1, 1)),
    ("∂L/∂b⁽¹⁾₁", "b1", (0,)), ("∂L/∂b⁽¹⁾₂", "b1", (1,)),
    ("∂L/∂w⁽²⁾₁₁", "W2", (0, 0)), ("∂L/∂w⁽²⁾₁₂", "W2", (0, 1)),
    ("∂L/∂b⁽²⁾", "b2", (0,)),
)


def init_221(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Class 1's initialisation of the 2-2-1 network: every weight and bias ~ U(−1, 1), float64.

    Shapes follow ``nn.Linear`` (out, in): W1 (2, 2), b1 (2,), W2 (1, 2), b2 (1,).
    """
    return {"W1": rng.uniform(-1, 1, (2, 2)), "b1": rng.uniform(-1, 1, 2),
            "W2": rng.uniform(-1, 1, (1, 2)), "b2": rng.uniform(-1, 1, 1)}


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e^(−z)), computed without overflow for large |z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def forward_221(X: np.ndarray, p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The slide's forward pass for all samples at once (columns = samples):
    ``Z⁽¹⁾ = W⁽¹⁾Xᵀ + b⁽¹⁾`` (2, n), ``A⁽¹⁾ = σ(Z⁽¹⁾)`` (2, n), ``ŷ = W⁽²⁾A⁽¹⁾ + b⁽²⁾`` (1, n)."""
    Z1 = p["W1"] @ X.T + p["b1"][:, None]
    A1 = sigmoid(Z1)
    y_hat = p["W2"] @ A1 + p["b2"][:, None]
    return Z1, A1, y_hat


def loss_221(X: np.ndarray, y: np.ndarray, p: dict[str, np.ndarray]) -> float:
    """``L = (1/n)·Σᵢ (yᵢ − ŷᵢ)²``."""
    _, _, y_hat = forward_221(X, p)
    return float(np.mean((y.reshape(1, -1) - y_hat) ** 2))


def backprop_221(X: np.ndarray, y: np.ndarray, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The 9 partial derivatives of ``L`` by the chain rule, written out (NumPy, no autograd).

    Going backwards from the loss (n samples, columns = samples):

    * ``δ⁽²⁾ = ∂L/∂ŷ = −(2/n)(y − ŷ)``                       (1, n)
    * ``∂L/∂W⁽²⁾ = δ⁽²⁾ A⁽¹⁾ᵀ`` since ``∂ŷ/∂W⁽²⁾ = A⁽¹⁾``      (1, 2)
    * ``∂L/∂b⁽²⁾ = Σᵢ δ⁽²⁾ᵢ`` since ``∂ŷ/∂b⁽²⁾ = 1``          (1,)
    * ``∂L/∂A⁽¹⁾ = W⁽²⁾ᵀ δ⁽²⁾``                               (2, n)
    * ``δ⁽¹⁾ = ∂L/∂Z⁽¹⁾ = ∂L/∂A⁽¹⁾ ⊙ σ(Z⁽¹⁾)(1 − σ(Z⁽¹⁾))``   (2, n)
    * ``∂L/∂W⁽¹⁾ = δ⁽¹⁾ X``                                    (2, 2)
    * ``∂L/∂b⁽¹⁾ = Σᵢ δ⁽¹⁾ᵢ``                                  (2,)

    Returns a dict with the same keys and shapes as ``p``.
    """
    n = X.shape[0]
    _, A1, y_hat = forward_221(X, p)
    delta2 = -2.0 / n * (y.reshape(1, -1) - y_hat)
    dW2 = delta2 @ A1.T
    db2 = delta2.sum(axis=1)
    dA1 = p["W2"].T @ delta2
    delta1 = dA1 * A1 * (1.0 - A1)
    dW1 = delta1 @ X
    db1 = delta1.sum(axis=1)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def autograd_221(fw: Any, X: np.ndarray, y: np.ndarray, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same 9 derivatives from the framework's autograd (``fw`` is ``neurona`` or ``torch``):
    leaf tensors in float64 with ``requires_grad=True``, the same forward pass, ``loss.backward()``."""
    t = {k: fw.tensor(v, dtype=fw.float64, requires_grad=True) for k, v in p.items()}
    Xt = fw.tensor(X, dtype=fw.float64)
    yt = fw.tensor(y.reshape(1, -1), dtype=fw.float64)
    A1 = fw.sigmoid(t["W1"] @ Xt.T + t["b1"][:, None])
    y_hat = t["W2"] @ A1 + t["b2"][:, None]
    loss = ((yt - y_hat) ** 2).mean()
    loss.backward()
    return {k: v.grad.numpy().copy() for k, v in t.items()}


def finite_differences(f: Callable[[dict[str, np.ndarray]], float], p: dict[str, np.ndarray],
                       h: float = 1e-6, central: bool = True) -> dict[str, np.ndarray]:
    """Numerical partial derivatives of ``f`` at ``p``, one parameter at a time:
    central ``(f(θ + h·eₖ) − f(θ − h·eₖ))/2h`` (error O(h²)) or forward ``(f(θ + h·eₖ) − f(θ))/h``
    (error O(h)); rounding adds about ε_machine·|f|/h, so h cannot be too small either."""
    out = {}
    f0 = None if central else f(p)
    for k, v in p.items():
        g = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            plus = {**p, k: v.copy()}
            plus[k][idx] += h
            if central:
                minus = {**p, k: v.copy()}
                minus[k][idx] -= h
                g[idx] = (f(plus) - f(minus)) / (2 * h)
            else:
                g[idx] = (f(plus) - f0) / h
        out[k] = g
    return out


def gd_by_hand(X: np.ndarray, y: np.ndarray, p: dict[str, np.ndarray], lr: float, epochs: int) -> list[float]:
    """Gradient descent ``W ← W − α·∂L/∂W`` with ``backprop_221`` from ``p`` (left unchanged);
    returns L before each step."""
    p = {k: v.copy() for k, v in p.items()}
    curve = []
    for _ in range(epochs):
        curve.append(loss_221(X, y, p))
        g = backprop_221(X, y, p)
        for k in p:
            p[k] -= lr * g[k]
    return curve


def flat9(g: dict[str, np.ndarray]) -> np.ndarray:
    """The 9 derivatives in ``PARAM_NAMES`` order."""
    return np.array([g[k][idx] for _, k, idx in PARAM_NAMES])


def _backprop(ctx: Any) -> None:
    fw = ctx.fw
    X, y = course.xor()
    X, y = X.astype(np.float64), y.astype(np.float64)
    rng = ctx.rng("backprop")
    # the check at several random points of parameter space; the table shows the first
    worst_auto = worst_fd = 0.0
    points = [init_221(rng) for _ in range(5)]
    for trial, p in enumerate(points):
        hand = flat9(backprop_221(X, y, p))
        auto = flat9(autograd_221(fw, X, y, p))
        fd = flat9(finite_differences(lambda q: loss_221(X, y, q), p))
        worst_auto = max(worst_auto, float(np.abs(hand - auto).max()))
        worst_fd = max(worst_fd, float(np.abs(hand - fd).max()))
        if trial == 0:
            p0, rows = p, [[name, hand[i], auto[i], fd[i], abs(hand[i] - auto[i]), abs(hand[i] - fd[i])]
                           for i, (name, _, _) in enumerate(PARAM_NAMES)]
            diffs0 = (np.abs(hand - auto), np.abs(hand - fd))
    ctx.metric("backprop_autograd_diff", worst_auto)
    ctx.metric("backprop_fd_diff", worst_fd)
    ctx.metric("backprop_max_diff", max(worst_auto, worst_fd))
    ctx.table("backprop_9", ["derivada", "a mano (NumPy)", f"autograd ({ctx.engine})",
                             "diferencias centrales (h=1e-6)", "|mano − autograd|", "|mano − dif. finitas|"],
              rows, caption="Las 9 derivadas parciales de L en un punto al azar de U(−1, 1), float64")

    # the forward and backward quantities, sample by sample (what one writes on the board)
    Z1, A1, y_hat = forward_221(X, p0)
    delta2 = -2.0 / 4 * (y.reshape(1, -1) - y_hat)
    delta1 = (p0["W2"].T @ delta2) * A1 * (1 - A1)

    def pair(v: np.ndarray) -> str:
        return f"({v[0]:+.4f}, {v[1]:+.4f})"

    ctx.table("backprop_steps", ["x", "y", "z⁽¹⁾", "a⁽¹⁾ = σ(z⁽¹⁾)", "ŷ", "δ⁽²⁾ = ∂L/∂ŷ", "δ⁽¹⁾ = ∂L/∂z⁽¹⁾"],
              [[f"({int(X[i, 0])}, {int(X[i, 1])})", int(y[i]), pair(Z1[:, i]), pair(A1[:, i]),
                f"{y_hat[0, i]:+.4f}", f"{delta2[0, i]:+.4f}", pair(delta1[:, i])] for i in range(4)],
              caption="Forward y backward muestra por muestra: ∂L/∂W⁽²⁾ = Σᵢ δ⁽²⁾ᵢ a⁽¹⁾ᵢᵀ, "
                      "∂L/∂W⁽¹⁾ = Σᵢ δ⁽¹⁾ᵢ xᵢᵀ")

    # finite differences: truncation error O(h²) (central) or O(h) (forward) vs rounding ε/h
    hs = np.logspace(-1, -13, 25)
    exact = flat9(backprop_221(X, y, p0))

    def fd_error(h: float, central: bool) -> float:
        approx = flat9(finite_differences(lambda q: loss_221(X, y, q), p0, h, central))
        return float(np.abs(approx - exact).max())

    err_c = [fd_error(h, True) for h in hs]
    err_f = [fd_error(h, False) for h in hs]
    ctx.metric("fd_best_h_central", float(hs[int(np.argmin(err_c))]))

    # a whole training by hand (W ← W − α·∂L/∂W) against autograd + optim.SGD, same start
    # From the first of the 5 points from which GD solves XOR (cheap to find in NumPy), as in class 1.
    lr, epochs = 0.5, ctx.pick(1000, 3000)
    start = 0
    for i, q in enumerate(points):
        hand_curve = gd_by_hand(X, y, q, lr, epochs)
        if hand_curve[-1] < 0.02:
            start = i
            break
    hand_curve = gd_by_hand(X, y, points[start], lr, epochs)
    t = {k: fw.tensor(v, dtype=fw.float64, requires_grad=True) for k, v in points[start].items()}
    opt = fw.optim.SGD(list(t.values()), lr=lr)
    Xt, yt = fw.tensor(X, dtype=fw.float64), fw.tensor(y.reshape(1, -1), dtype=fw.float64)
    auto_curve, grad_gap = [], 0.0
    for _ in ctx.iterate(range(epochs), "backprop vs autograd", total=epochs):
        opt.zero_grad()
        y_hat_t = t["W2"] @ fw.sigmoid(t["W1"] @ Xt.T + t["b1"][:, None]) + t["b2"][:, None]
        loss = ((yt - y_hat_t) ** 2).mean()
        loss.backward()
        # at every step, the hand-written gradient at autograd's current weights
        here = {k: v.detach().numpy() for k, v in t.items()}
        by_hand = backprop_221(X, y, here)
        grad_gap = max(grad_gap, max(float(np.abs(by_hand[k] - t[k].grad.numpy()).max()) for k in t))
        opt.step()
        auto_curve.append(loss.item())
    gap = float(np.max(np.abs(np.array(hand_curve) - np.array(auto_curve))))
    ctx.metric("backprop_train_grad_gap", grad_gap)
    ctx.metric("backprop_train_gap", gap)
    ctx.metric("backprop_train_final_mse", hand_curve[-1])
    ctx.curve("backprop_train_mse", auto_curve[:: max(1, epochs // 200)])

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 3, figsize=(15, 4))
    pos = np.arange(9)
    floor = 1e-18
    auto_d, fd_d = diffs0
    ax[0].bar(pos + 0.2, fd_d, 0.4, color="C1", label="|mano − dif. centrales|")
    ax[0].bar(pos - 0.2, np.maximum(auto_d, floor), 0.4, color="C0",
              label=f"|mano − autograd ({ctx.engine})|")
    for i in np.flatnonzero(auto_d == 0):
        ax[0].text(pos[i] - 0.2, 3 * floor, "0", ha="center", va="bottom", fontsize=8, color="C0")
    ax[0].set_yscale("log")
    ax[0].set_ylim(floor, 1e-6)
    ax[0].axhline(1e-8, color="k", ls=":", lw=1)
    ax[0].text(8.6, 1.3e-8, "objetivo 1e-8", ha="right", va="bottom", fontsize=8)
    ax[0].set_xticks(pos, [n[4:] for n, _, _ in PARAM_NAMES], fontsize=9)
    ax[0].set_title("Las 9 derivadas: diferencia con la cuenta a mano")
    ax[0].legend(fontsize=8, loc="upper left")
    ax[1].loglog(hs, err_f, "o-", label="hacia adelante (L(θ+h) − L(θ))/h")
    ax[1].loglog(hs, err_c, "s-", label="centrales (L(θ+h) − L(θ−h))/2h")
    ax[1].loglog(hs, hs * 0.1, "k:", lw=1, label="∝ h")
    ax[1].loglog(hs, hs ** 2 * 0.1, "k--", lw=1, label="∝ h²")
    ax[1].loglog(hs, 1e-16 / hs, "k-.", lw=1, label="redondeo ∝ ε/h")
    ax[1].set_ylim(1e-13, 1e5)
    ax[1].invert_xaxis()
    ax[1].set_xlabel("paso h")
    ax[1].set_ylabel("error máximo vs backprop")
    ax[1].set_title("Diferencias finitas: truncamiento vs redondeo")
    ax[1].legend(fontsize=7, loc="upper center", ncol=2)
    ax[2].semilogy(hand_curve, lw=3, alpha=0.5, label="backprop a mano (NumPy)")
    ax[2].semilogy(auto_curve, "--", label=f"autograd + optim.SGD ({ctx.engine})")
    ax[2].set_xlabel(f"época (GD, α = {lr:g})")
    ax[2].set_ylabel("MSE")
    ax[2].set_title("Entrenar con las derivadas a mano")
    ax[2].legend(fontsize=8)
    _save(ctx, "backprop", fig, "Backprop a mano vs autograd vs diferencias finitas: las 9 derivadas, el "
                                "error de las diferencias finitas según h y un entrenamiento completo.")
    ctx.text(
        "**1. Backpropagation a mano.** La red 2-2-1 de la clase 1 (sigmoide oculta, salida lineal, "
        "`L = (1/n)·Σᵢ (yᵢ − ŷᵢ)²` sobre los 4 puntos de XOR). La regla de la cadena, de atrás hacia "
        "adelante: `δ⁽²⁾ = ∂L/∂ŷ = −(2/n)(y − ŷ)`; `∂L/∂W⁽²⁾ = δ⁽²⁾·A⁽¹⁾ᵀ`; `∂L/∂b⁽²⁾ = Σᵢ δ⁽²⁾ᵢ`; "
        "`δ⁽¹⁾ = (W⁽²⁾ᵀ·δ⁽²⁾) ⊙ σ(Z⁽¹⁾)(1 − σ(Z⁽¹⁾))`; `∂L/∂W⁽¹⁾ = δ⁽¹⁾·X`; `∂L/∂b⁽¹⁾ = Σᵢ δ⁽¹⁾ᵢ`. "
        "Por ejemplo `∂L/∂w⁽¹⁾₁₁ = Σᵢ ∂L/∂ŷᵢ · ∂ŷᵢ/∂a⁽¹⁾₁ᵢ · ∂a⁽¹⁾₁ᵢ/∂z⁽¹⁾₁ᵢ · ∂z⁽¹⁾₁ᵢ/∂w⁽¹⁾₁₁ = "
        "Σᵢ −(2/n)(yᵢ − ŷᵢ) · w⁽²⁾₁ · σ′(z⁽¹⁾₁ᵢ) · xᵢ₁`.\n\n"
        f"En 5 puntos al azar, las 9 derivadas escritas a mano coinciden con `loss.backward()` "
        f"({ctx.engine}) con una diferencia máxima de {worst_auto:.1e} (son las mismas cuentas en float64, "
        f"a lo sumo en otro orden) y con las diferencias centrales hasta {worst_fd:.1e}. Las diferencias "
        "finitas no sirven para entrenar (2 evaluaciones de L por parámetro y un error que depende de h: "
        f"el mejor h ronda {ctx.metrics['fd_best_h_central']:.0e}) pero son la prueba de que el "
        "gradiente está bien. Entrenando con GD y las derivadas a mano se obtiene la misma curva que con "
        f"autograd + `optim.SGD` (en cada uno de los {epochs} pasos, el gradiente a mano y el de autograd "
        f"difieren a lo sumo en {grad_gap:.1e}): autograd *es* backprop, automatizado.")


# ============================================================================================
# 2. Activation gallery
# ============================================================================================

def _gelu_prime(x: np.ndarray) -> np.ndarray:
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))
    return cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


#: name → (formula f(x), formula f′(x), forward on fw tensors, closed-form f′ on NumPy or None)
_Derivative = Callable[[np.ndarray], np.ndarray]
ACTIVATIONS: dict[str, tuple[str, str, Callable[[Any, Any], Any], _Derivative | None]] = {
    "escalón": ("1 si x > 0, si no 0", "0 (no definida en 0)",
                lambda fw, x: (x > 0).to(x.dtype), None),
    "sigmoide": ("σ(x) = 1/(1 + e⁻ˣ)", "σ(x)(1 − σ(x))",
                 lambda fw, x: fw.sigmoid(x), lambda x: sigmoid(x) * (1 - sigmoid(x))),
    "tanh": ("(eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)", "1 − tanh²(x)",
             lambda fw, x: fw.tanh(x), lambda x: 1 - np.tanh(x) ** 2),
    "ReLU": ("max(0, x)", "1 si x > 0, si no 0",
             lambda fw, x: fw.nn.functional.relu(x), lambda x: (x > 0).astype(float)),
    "Leaky ReLU (0.1)": ("max(0.1x, x)", "1 si x > 0, si no 0.1",
                         lambda fw, x: fw.nn.functional.leaky_relu(x, 0.1),
                         lambda x: np.where(x > 0, 1.0, 0.1)),
    "ELU (α=1)": ("x si x > 0, si no α(eˣ − 1)", "1 si x > 0, si no αeˣ",
                  lambda fw, x: fw.nn.functional.elu(x), lambda x: np.where(x > 0, 1.0, np.exp(x))),
    "GELU": ("x·Φ(x)", "Φ(x) + x·φ(x)", lambda fw, x: fw.nn.functional.gelu(x), _gelu_prime),
}


def activation_curves(fw: Any, x: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Values ``f(x)`` and derivatives ``f′(x)`` of every activation in ``ACTIVATIONS``, the
    derivatives by autograd: ``f(x).sum().backward()`` leaves ``f′(xⱼ)`` in ``x.grad`` because
    each output depends on its own input only. A step has no gradient (it is a comparison):
    autograd leaves no path, and its derivative is 0 wherever it exists."""
    out = {}
    for name, (_, _, f, _) in ACTIVATIONS.items():
        xt = fw.tensor(x, dtype=fw.float64, requires_grad=True)
        y = f(fw, xt)
        if y.requires_grad:
            y.sum().backward()
            grad = xt.grad.numpy().copy()
        else:
            grad = np.zeros_like(x)
        out[name] = (y.detach().numpy().copy(), grad)
    return out


def softmax_curves(fw: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``s = softmax([x, 1, −1])`` as x varies, and its column of the Jacobian ``∂sₖ/∂x`` by
    autograd (one backward per output k). Closed form: ``∂sₖ/∂z₀ = sₖ(𝟙[k=0] − s₀)``."""
    jac = []
    for k in range(3):
        xt = fw.tensor(x, dtype=fw.float64, requires_grad=True)
        z = fw.stack([xt, fw.ones_like(xt), -fw.ones_like(xt)], dim=1)
        s = fw.nn.functional.softmax(z, dim=1)
        s[:, k].sum().backward()
        jac.append(xt.grad.numpy().copy())
    return s.detach().numpy().copy(), np.stack(jac, axis=1)


def _activations(ctx: Any) -> None:
    fw = ctx.fw
    x = np.linspace(-4, 4, 400)  # an even count: x = 0, where ReLU & co. have no derivative, is skipped
    curves = activation_curves(fw, x)
    s, jac = softmax_curves(fw, x)
    errs = [np.abs(curves[n][1] - d(x)).max() for n, (_, _, _, d) in ACTIVATIONS.items() if d is not None]
    onehot0 = np.array([1.0, 0.0, 0.0])
    errs.append(np.abs(jac - s * (onehot0[None, :] - s[:, :1])).max())
    ctx.metric("activation_grad_max_err", float(max(errs)))
    ctx.metric("sigmoid_max_derivative", float(curves["sigmoide"][1].max()))

    plt = ctx.plt()
    fig, axes = plt.subplots(2, 4, figsize=(15, 7), sharex=True)
    for ax, (name, (val, grad)) in zip(axes.flat, curves.items()):
        ax.plot(x, val, lw=2, label="f(x)")
        ax.plot(x, grad, "--", lw=2, label="f′(x) (autograd)")
        ax.set_title(f"{name}\n{ACTIVATIONS[name][0]}", fontsize=10)
    ax = axes.flat[7]
    ax.plot(x, s[:, 0], lw=2, label="s₀ = softmax(x, 1, −1)₀")
    ax.plot(x, jac[:, 0], "--", lw=2, label="∂s₀/∂x")
    ax.plot(x, s[:, 1], color="0.6", lw=1, label="s₁, s₂")
    ax.plot(x, s[:, 2], color="0.6", lw=1)
    ax.plot(x, jac[:, 1], ":", color="0.4", lw=1, label="∂s₁/∂x = −s₀s₁")
    ax.set_title("softmax\nsₖ = exp(zₖ)/Σⱼ exp(zⱼ), z = (x, 1, −1)", fontsize=10)
    for ax in axes.flat:
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_ylim(-1.2, 2.2)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(loc="upper left", fontsize=8)
    axes.flat[7].legend(loc="upper left", fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("x")
    _save(ctx, "activations", fig, "Galería de activaciones: f(x) (línea llena) y f′(x) calculada con "
                                   "autograd (a trazos).")
    saturates = {"escalón": "no hay gradiente", "sigmoide": "sí, ambos lados", "tanh": "sí, ambos lados",
                 "Leaky ReLU (0.1)": "no"}
    ctx.table("activations", ["activación", "f(x)", "f′(x)", "máx f′ en [−4, 4]", "¿satura?"],
              [[n, f, d, float(curves[n][1].max()), saturates.get(n, "lado negativo")]
               for n, (f, d, _, _) in ACTIVATIONS.items()]
              + [["softmax", "exp(zₖ)/Σⱼ exp(zⱼ)", "sₖ(𝟙[k=j] − sⱼ)", float(jac[:, 0].max()), "sí"]],
              caption="Activaciones y sus derivadas (máximo medido sobre la grilla, derivadas por autograd)")
    ctx.text(
        "**2. Activaciones.** El escalón del perceptrón no tiene derivada útil (0 en casi todo punto): "
        "por eso backprop necesita activaciones suaves. La sigmoide satura en ambos lados y su "
        f"derivada nunca pasa de σ′(0) = {curves['sigmoide'][1].max():.4f} ≈ 1/4; tanh está centrada "
        "en 0 y llega a 1; ReLU deja pasar el gradiente completo si x > 0 (y nada si x < 0: neuronas "
        "muertas), que Leaky ReLU, ELU y GELU suavizan. La softmax convierte un vector de logits en "
        "probabilidades; su derivada es una matriz (jacobiano) `∂sₖ/∂zⱼ = sₖ(𝟙[k=j] − sⱼ)`. Todas las "
        "derivadas del gráfico salen de autograd y coinciden con las fórmulas cerradas.")


# ============================================================================================
# 3. Vanishing gradients
# ============================================================================================

def deep_mlp(fw: Any, activation: str, depth: int = 10, width: int = 32, n_in: int = 2,
             n_out: int = 1) -> Any:
    """``depth`` Linear layers (n_in → width → … → width → n_out) with ``activation`` between them,
    biases 0 and the initialisation that suits the activation: Xavier/Glorot
    ``U(±√(6/(fan_in + fan_out)))`` for sigmoid and tanh (gain 1 and 5/3), He/Kaiming
    ``N(0, 2/fan_in)`` for ReLU."""
    act = {"sigmoide": fw.nn.Sigmoid, "tanh": fw.nn.Tanh, "ReLU": fw.nn.ReLU}[activation]
    sizes = [n_in] + [width] * (depth - 1) + [n_out]
    layers: list[Any] = []
    for i in range(depth):
        lin = fw.nn.Linear(sizes[i], sizes[i + 1])
        if activation == "ReLU":
            fw.nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
        else:
            fw.nn.init.xavier_uniform_(lin.weight, gain=5 / 3 if activation == "tanh" else 1.0)
        fw.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < depth - 1:
            layers.append(act())
    return fw.nn.Sequential(*layers)


def layer_grad_norms(model: Any) -> list[float]:
    """``‖∂L/∂W⁽ˡ⁾‖_F`` for every Linear layer l = 1 … L (after ``loss.backward()``)."""
    out = []
    for name, p in model.named_parameters():
        if name.endswith("weight"):
            g = p.grad.detach().cpu().numpy() if hasattr(p.grad, "cpu") else p.grad.numpy()
            out.append(float(np.linalg.norm(g)))
    return out


def train_epochs(ctx: Any, model: Any, loss_fn: Any, opt: Any, loader: Any, epochs: int,
                 X: Any, y: Any, desc: str = "") -> list[float]:
    """Mini-batch training: for each batch ``zero_grad → loss → backward → step``. Returns the
    loss on the whole training set (X, y) before training and after every epoch."""
    fw = ctx.fw

    def full() -> float:
        with fw.no_grad():
            return float(loss_fn(model(X), y).item())

    losses = [full()]
    for _ in ctx.iterate(range(epochs), desc, total=epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
        losses.append(full())
    return losses


def _standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    mu, sd = train.mean(axis=0), train.std(axis=0)
    return [((a - mu) / sd).astype(np.float32) for a in (train, *others)]


def _vanishing(ctx: Any) -> None:
    fw = ctx.fw
    X, y = toys.moons(128, 0.2, seed=ctx.seed)
    (X,) = _standardize(X)
    Xt, yt = ctx.tensor(X), ctx.tensor(y[:, None].astype(np.float32))
    loss_fn = fw.nn.BCEWithLogitsLoss()
    norms, curves = {}, {}
    epochs, inits = ctx.pick(12, 60), 4
    for act in ("sigmoide", "tanh", "ReLU"):
        # gradient norms at initialisation, for several random initialisations (they vary a lot)
        per_init = []
        for k in range(inits):
            model = ctx.model(f"deep-{act}-{k}", lambda fw, act=act: deep_mlp(fw, act))
            loss_fn(model(Xt), yt).backward()
            per_init.append(layer_grad_norms(model))
        norms[act] = np.array(per_init)
        mean = norms[act].mean(axis=0)
        key = {"sigmoide": "sigmoid", "tanh": "tanh", "ReLU": "relu"}[act]
        ctx.metric(f"vanish_ratio_{key}", mean[0] / mean[-1])
        model = ctx.model(f"deep-{act}-0", lambda fw, act=act: deep_mlp(fw, act))
        opt = fw.optim.SGD(model.parameters(), lr=0.1)
        curves[act] = train_epochs(ctx, model, loss_fn, opt, ctx.loader(Xt, yt, batch_size=32, key="deep"),
                                   epochs, Xt, yt, f"10 capas {act}")
        ctx.metric(f"deep_final_loss_{key}", curves[act][-1])
        ctx.curve(f"deep_loss_{key}", curves[act])
    r = ctx.metrics
    ctx.metric("vanish_relu_over_sigmoid", r["vanish_ratio_relu"] / r["vanish_ratio_sigmoid"])

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.2))
    layers = np.arange(1, 11)
    for (act, n), marker in zip(norms.items(), "os^"):
        mean = n.mean(axis=0)
        line, = ax[0].semilogy(layers, mean, marker=marker, lw=2,
                               label=f"{act}: ‖∇W⁽¹⁾‖/‖∇W⁽¹⁰⁾‖ = {mean[0] / mean[-1]:.1e}")
        ax[0].fill_between(layers, n.min(axis=0), n.max(axis=0), color=line.get_color(), alpha=0.2)
        ax[1].plot(curves[act], lw=2, label=act)
    ax[0].set_xticks(layers)
    ax[0].set_xlabel("capa l (1 = entrada, 10 = salida)")
    ax[0].set_ylabel("‖∂L/∂W⁽ˡ⁾‖ (escala log)")
    ax[0].set_title("Norma del gradiente por capa al inicializar\n"
                    f"(media y rango de {inits} inicializaciones)")
    ax[0].legend(fontsize=8)
    ax[0].grid(alpha=0.3, which="both")
    ax[1].axhline(math.log(2), color="k", ls=":", lw=1, label="ln 2 (azar)")
    ax[1].set_xlabel("época (SGD, α = 0.1, lotes de 32)")
    ax[1].set_ylabel("BCE (entrenamiento)")
    ax[1].set_title("La misma red de 10 capas entrenando")
    ax[1].legend(fontsize=8)
    _save(ctx, "vanishing", fig, "Gradientes que se desvanecen: red de 10 capas (ancho 32) sobre las dos "
                                 "lunas, sigmoide/tanh con Xavier y ReLU con He.")
    stuck = "no aprende nada" if r["deep_final_loss_sigmoid"] > 0.69 else "apenas aprende"
    ctx.text(
        "**3. Gradientes que se desvanecen.** En una red de 10 capas, `δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(Z⁽ˡ⁾)`: "
        "cada capa multiplica el gradiente por una derivada de la activación. Con la sigmoide, "
        "`σ′ ≤ 1/4`, y el gradiente de la primera capa es "
        f"{r['vanish_ratio_sigmoid']:.1e} veces el de la última, aun con la inicialización de Xavier; "
        f"con tanh (`tanh′ ≤ 1`) la razón es {r['vanish_ratio_tanh']:.2f} y con ReLU (inicialización de He, "
        f"`f′ = 1` donde está activa) {r['vanish_ratio_relu']:.2f}. Con SGD la red sigmoide {stuck} en "
        f"{epochs} épocas (BCE {r['deep_final_loss_sigmoid']:.3f}; ln 2 = 0.693 es adivinar), mientras que "
        f"la de ReLU llega a {r['deep_final_loss_relu']:.3f}.")


# ============================================================================================
# 4. Output layers and costs
# ============================================================================================

def mlp(fw: Any, sizes: tuple[int, ...], activation: str = "ReLU") -> Any:
    """Linear layers of the given sizes with ``activation`` between them (PyTorch's default init);
    the last layer is linear: its output is the prediction (regression) or the logits."""
    act = {"ReLU": fw.nn.ReLU, "tanh": fw.nn.Tanh, "sigmoide": fw.nn.Sigmoid}[activation]
    layers: list[Any] = []
    for i in range(len(sizes) - 1):
        layers.append(fw.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    return fw.nn.Sequential(*layers)


def _split(x: np.ndarray, y: np.ndarray, seed: int, test: float = 0.25) -> tuple[np.ndarray, ...]:
    tr, te = course.split(len(x), (1 - test, test), seed)
    return x[tr], y[tr], x[te], y[te]


def _grid(lo: float, hi: float, n: int = 150) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    g = np.linspace(lo, hi, n)
    gx, gy = np.meshgrid(g, g)
    return gx, gy, np.c_[gx.ravel(), gy.ravel()].astype(np.float32)


def _output_costs(ctx: Any) -> None:
    fw = ctx.fw
    nn = fw.nn
    plt = ctx.plt()
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.4))
    rows = []

    # regression: linear output + MSE
    x, y = toys.noisy_sine(256, 0.1, seed=ctx.seed)
    xtr, ytr, xte, yte = _split(x, y, ctx.seed)
    model = ctx.model("reg", lambda fw: mlp(fw, (1, 32, 32, 1), "tanh"))
    Xt, Yt = ctx.tensor(xtr), ctx.tensor(ytr)
    losses = train_epochs(ctx, model, nn.MSELoss(), fw.optim.Adam(model.parameters(), lr=0.01),
                          ctx.loader(Xt, Yt, batch_size=32, key="reg"), ctx.pick(60, 250), Xt, Yt,
                          "regresión")
    with fw.no_grad():
        pred = ctx.numpy(model(ctx.tensor(xte)))
    r2 = 1 - np.sum((yte - pred) ** 2) / np.sum((yte - yte.mean()) ** 2)
    ctx.metric("regression_r2", r2)
    ctx.curve("regression_mse", losses)
    rows.append(["regresión (y = sin x + 0.3x + ruido)", "lineal (identidad)", "MSE: (1/n)Σ(y − ŷ)²",
                 "nn.Linear + nn.MSELoss", f"R² = {r2:.3f}", losses[-1]])
    xs = np.linspace(-3, 3, 200, dtype=np.float32)[:, None]
    with fw.no_grad():
        ys = ctx.numpy(model(ctx.tensor(xs)))
    ax[0].scatter(xtr, ytr, s=8, color="0.6", label="entrenamiento")
    ax[0].scatter(xte, yte, s=10, color="C1", label="test")
    ax[0].plot(xs, np.sin(xs) + 0.3 * xs, "k--", lw=1, label="sin x + 0.3x")
    ax[0].plot(xs, ys, "C0", lw=2, label="red (salida lineal)")
    ax[0].set_title(f"Regresión: lineal + MSE (R² test = {r2:.3f})")
    ax[0].legend(fontsize=8)

    # binary: one logit + BCEWithLogits (= sigmoid + BCE, stable)
    x, y = toys.moons(400, 0.2, seed=ctx.seed)
    xtr, ytr, xte, yte = _split(x, y, ctx.seed)
    xtr, xte = _standardize(xtr, xte)
    model = ctx.model("bin", lambda fw: mlp(fw, (2, 32, 32, 1)))
    Xt, Yt = ctx.tensor(xtr), ctx.tensor(ytr[:, None].astype(np.float32))
    losses = train_epochs(ctx, model, nn.BCEWithLogitsLoss(), fw.optim.Adam(model.parameters(), lr=0.01),
                          ctx.loader(Xt, Yt, batch_size=32, key="bin"), ctx.pick(40, 150), Xt, Yt, "binaria")
    with fw.no_grad():
        logit = ctx.numpy(model(ctx.tensor(xte))).ravel()
    acc = float(np.mean((logit > 0) == (yte == 1)))
    ctx.metric("binary_accuracy", acc)
    ctx.curve("binary_bce", losses)
    rows.append(["binaria (dos lunas)", "sigmoide σ(z)", "BCE: −[y log p + (1−y) log(1−p)]",
                 "nn.Linear + nn.BCEWithLogitsLoss", f"exactitud = {acc:.3f}", losses[-1]])
    gx, gy, grid = _grid(-2.5, 2.5)
    with fw.no_grad():
        prob = ctx.numpy(fw.sigmoid(model(ctx.tensor(grid)))).reshape(gx.shape)
    cs = ax[1].contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap="coolwarm", alpha=0.7)
    ax[1].contour(gx, gy, prob, levels=[0.5], colors="k")
    ax[1].scatter(xte[:, 0], xte[:, 1], c=yte, cmap="bwr", s=14, edgecolors="k", linewidths=0.5)
    fig.colorbar(cs, ax=ax[1], label="p(y = 1 | x) = σ(z)")
    ax[1].set_title(f"Binaria: sigmoide + BCE (exactitud test = {acc:.3f})")

    # multiclass: K logits + CrossEntropy (= log-softmax + NLL)
    x, y = toys.spirals(150, 3, 0.2, seed=ctx.seed)
    xtr, ytr, xte, yte = _split(x, y, ctx.seed)
    model = ctx.model("multi", lambda fw: mlp(fw, (2, 64, 64, 3)))
    Xt, Yt = ctx.tensor(xtr), ctx.tensor(ytr)
    losses = train_epochs(ctx, model, nn.CrossEntropyLoss(), fw.optim.Adam(model.parameters(), lr=0.01),
                          ctx.loader(Xt, Yt, batch_size=32, key="multi"), ctx.pick(60, 200), Xt, Yt,
                          "multiclase")
    with fw.no_grad():
        logits = ctx.numpy(model(ctx.tensor(xte)))
    acc = float(np.mean(logits.argmax(1) == yte))
    ctx.metric("multiclass_accuracy", acc)
    ctx.curve("multiclass_ce", losses)
    rows.append(["multiclase (3 espirales)", "softmax", "CE: −log softmax(z)_y",
                 "nn.Linear + nn.CrossEntropyLoss", f"exactitud = {acc:.3f}", losses[-1]])
    gx, gy, grid = _grid(-1.2, 1.2)
    with fw.no_grad():
        cls = ctx.numpy(model(ctx.tensor(grid))).argmax(1).reshape(gx.shape)
    ax[2].contourf(gx, gy, cls, levels=[-0.5, 0.5, 1.5, 2.5], colors=["#9ecae1", "#fdae6b", "#a1d99b"],
                   alpha=0.8)
    for k, c in enumerate(("C0", "C1", "C2")):
        ax[2].scatter(*xte[yte == k].T, color=c, s=14, edgecolors="k", linewidths=0.5, label=f"clase {k}")
    ax[2].set_title(f"Multiclase: softmax + CE (exactitud test = {acc:.3f})")
    ax[2].legend(fontsize=8, loc="lower right")
    _save(ctx, "output_costs", fig, "Tres pares salida/costo: regresión, clasificación binaria y multiclase "
                                    "(puntos de test sobre lo que predice la red).", wspace=0.3)
    ctx.table("output_costs",
              ["tarea", "salida", "costo", "en PyTorch", "métrica (test)", "costo final (train)"], rows,
              caption="Salida y costo según la tarea (Adam, α = 0.01, mini-batches de 32)")

    # the losses PyTorch fuses, written out (float64)
    rng = ctx.rng("identities")
    z = ctx.tensor(rng.normal(0, 3, (64, 5)), dtype=fw.float64)
    t = ctx.tensor(rng.integers(0, 5, 64))
    ce = nn.functional.cross_entropy(z, t)
    by_hand = -nn.functional.softmax(z, dim=1).log()[fw.arange(64), t].mean()
    zb = ctx.tensor(rng.normal(0, 3, 64), dtype=fw.float64)
    tb = ctx.tensor(rng.integers(0, 2, 64).astype(np.float64), dtype=fw.float64)
    bce = nn.functional.binary_cross_entropy_with_logits(zb, tb)
    p = fw.sigmoid(zb)
    bce_hand = -(tb * p.log() + (1 - tb) * (1 - p).log()).mean()
    ctx.metric("loss_identity_gap", max(abs(ce.item() - by_hand.item()), abs(bce.item() - bce_hand.item())))

    # why BCE after a sigmoid: the gradient with respect to the logit when the answer is y = 1
    zs = np.linspace(-8, 8, 401)
    zt = ctx.tensor(zs, dtype=fw.float64)
    zt.requires_grad_(True)
    ones = fw.ones_like(zt)
    mse = (ones - fw.sigmoid(zt)) ** 2
    mse.sum().backward()
    g_mse = zt.grad.numpy().copy()
    zt.grad = None
    bce_z = nn.functional.binary_cross_entropy_with_logits(zt, ones, reduction="none")
    bce_z.sum().backward()
    g_bce = zt.grad.numpy().copy()
    ctx.metric("mse_sigmoid_grad_at_minus8", float(g_mse[0]))
    ctx.metric("bce_grad_at_minus8", float(g_bce[0]))
    fig, ax = plt.subplots(1, 2, figsize=(11, 3.8))
    ax[0].plot(zs, mse.detach().numpy(), lw=2, label="MSE: (1 − σ(z))²")
    ax[0].plot(zs, bce_z.detach().numpy(), lw=2, label="BCE: −log σ(z)")
    ax[0].set_ylim(0, 4)
    ax[0].set_title("Costo cuando la respuesta es y = 1")
    ax[1].plot(zs, g_mse, lw=2, label="∂/∂z de (1 − σ(z))² = −2(1 − σ)σ(1 − σ)")
    ax[1].plot(zs, g_bce, lw=2, label="∂/∂z de −log σ(z) = σ(z) − 1")
    ax[1].set_title("Gradiente respecto del logit z (autograd)")
    for a in ax:
        a.set_xlabel("logit z  (z ≪ 0: la red está segura y se equivoca)")
        a.axvline(0, color="k", lw=0.5)
        a.legend(fontsize=8)
        a.grid(alpha=0.3)
    _save(ctx, "why_bce", fig, "Con sigmoide + MSE el gradiente se apaga justo cuando la red se equivoca "
                               "con confianza; con BCE vale σ(z) − 1 ≈ −1 y corrige.")
    ctx.text(
        "**4. Salida y costo.** Regresión: salida lineal y MSE. Clasificación binaria: una salida, "
        "la sigmoide da p(y = 1 | x) y el costo es la entropía cruzada binaria; `nn.BCEWithLogitsLoss` "
        "recibe el logit z y junta las dos cosas de forma estable. Multiclase: K logits, softmax y "
        "entropía cruzada, que en PyTorch es `nn.CrossEntropyLoss` (log-softmax + NLL; la red *no* "
        "lleva softmax al final). Comprobado en float64: CE = −log softmax(z)ᵧ y BCEWithLogits = "
        f"BCE(σ(z)) hasta {ctx.metrics['loss_identity_gap']:.0e}. ¿Por qué no MSE después de una "
        "sigmoide? Si la red está muy segura y se equivoca (z = −8 con y = 1), el gradiente de "
        f"(1 − σ(z))² es {ctx.metrics['mse_sigmoid_grad_at_minus8']:.1e}: no aprende. El de la BCE es "
        f"{ctx.metrics['bce_grad_at_minus8']:.3f}.")


# ============================================================================================
# 5. Batch GD vs SGD vs mini-batch
# ============================================================================================

def _gd_modes(ctx: Any) -> None:
    fw = ctx.fw
    n, mb = 96, 16
    x, y = toys.moons(n, 0.2, seed=ctx.seed)
    (x,) = _standardize(x)
    Xt, Yt = ctx.tensor(x), ctx.tensor(y[:, None].astype(np.float32))
    loss_fn = fw.nn.BCEWithLogitsLoss()
    epochs, lr = ctx.pick(15, 60), 0.1
    modes = ((f"GD por lotes (batch = {n})", n, "batch"), (f"mini-batch (batch = {mb})", mb, "minibatch"),
             ("SGD (batch = 1)", 1, "sgd"))
    results = {}
    rows = []
    for name, bs, key in modes:
        model = ctx.model("gd-modes", lambda fw: mlp(fw, (2, 16, 16, 1), "tanh"))
        opt = fw.optim.SGD(model.parameters(), lr=lr)
        loader = ctx.loader(Xt, Yt, batch_size=bs, shuffle=bs < len(x), key=f"gd-{bs}")
        t0 = time.perf_counter()
        losses = train_epochs(ctx, model, loss_fn, opt, loader, epochs, Xt, Yt, name)
        secs = time.perf_counter() - t0
        per_epoch = len(loader)
        results[name] = (losses, per_epoch)
        ctx.metric(f"gd_{key}_final_loss", losses[-1])
        ctx.curve(f"gd_{key}_loss", losses)
        rows.append([name, per_epoch, per_epoch * epochs, losses[-1], f"{secs:.2f} s"])
    ctx.metric("gd_batch_over_minibatch",
               ctx.metrics["gd_batch_final_loss"] / ctx.metrics["gd_minibatch_final_loss"])
    ctx.table("gd_modes", ["método", "actualizaciones por época", "actualizaciones en total",
                           f"BCE tras {epochs} épocas", f"tiempo ({ctx.engine})"], rows,
              caption=f"Las tres variantes desde los mismos pesos iniciales, α = {lr}")
    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.2))
    for (name, (losses, per_epoch)), m in zip(results.items(), "os^"):
        ax[0].plot(np.arange(epochs + 1), losses, marker=m, ms=3, lw=2, label=name)
        ax[1].semilogx(np.arange(epochs + 1) * per_epoch + 1, losses, marker=m, ms=3, lw=2, label=name)
    ax[0].set_xlabel("época (pasadas por los datos)")
    ax[1].set_xlabel("número de actualizaciones + 1 (escala log)")
    ax[0].set_title("Costo vs épocas")
    ax[1].set_title("Costo vs actualizaciones de los pesos")
    for a in ax:
        a.set_ylabel("BCE sobre todo el entrenamiento")
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    _save(ctx, "gd_modes", fig, "GD por lotes, mini-batch y SGD desde los mismos pesos: por época gana el "
                                "que más actualiza; por actualización, GD y mini-batch van a la par.")
    m = ctx.metrics
    ctx.text(
        "**5. GD, SGD y mini-batch.** Con el mismo α y los mismos pesos iniciales: GD por lotes usa el "
        "gradiente exacto pero actualiza una vez por época; SGD actualiza con cada ejemplo (gradiente "
        "ruidoso, muchas actualizaciones baratas); mini-batch está en el medio y aprovecha el "
        f"cálculo vectorizado. Tras {epochs} épocas la BCE es {m['gd_batch_final_loss']:.3f} (GD), "
        f"{m['gd_minibatch_final_loss']:.3f} (mini-batch de {mb}) y {m['gd_sgd_final_loss']:.3f} (SGD). "
        f"Por actualización, en cambio, GD y mini-batch avanzan casi igual: el gradiente de {mb} ejemplos ya "
        f"es una buena estimación del exacto y cuesta {n // mb} veces menos; SGD es más ruidoso (la curva "
        "salta) pero da muchos más pasos por época.")


# ============================================================================================
# 6. Optimizers
# ============================================================================================

def rosenbrock(p: Any) -> Any:
    """``f(x, y) = (1 − x)² + 100·(y − x²)²`` — a curved, narrow valley; minimum 0 at (1, 1).
    Works on a NumPy array or a tensor of shape (2, ...)."""
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


#: (name, optimizer class name, keyword arguments) for the Rosenbrock race
ROSENBROCK_OPTIMIZERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("GD", "SGD", {"lr": 1.5e-3}),
    ("Momentum", "SGD", {"lr": 1e-3, "momentum": 0.9}),
    ("Nesterov", "SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("AdaGrad", "Adagrad", {"lr": 1.0}),
    ("RMSProp", "RMSprop", {"lr": 3e-3}),
    ("Adam", "Adam", {"lr": 0.2}),
)


def descend(fw: Any, f: Callable[[Any], Any], start: tuple[float, float], optimizer: str,
            kwargs: dict[str, Any], steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``f`` over a 2-D point with ``fw.optim.<optimizer>(**kwargs)`` (float64).
    Returns the path (steps + 1, 2) and the values f along it (steps + 1,)."""
    p = fw.tensor(list(start), dtype=fw.float64, requires_grad=True)
    opt = getattr(fw.optim, optimizer)([p], **kwargs)
    path, values = [p.detach().numpy().copy()], []
    for _ in range(steps):
        opt.zero_grad()
        loss = f(p)
        loss.backward()
        opt.step()
        values.append(loss.item())
        path.append(p.detach().numpy().copy())
    path_arr = np.array(path)
    values.append(float(f(path_arr[-1])))
    return path_arr, np.array(values)


def steps_to(values: np.ndarray, threshold: float) -> int | None:
    """The first step at which ``values`` drops below ``threshold`` (None if never)."""
    below = np.flatnonzero(np.asarray(values) < threshold)
    return int(below[0]) if len(below) else None


def _rosenbrock(ctx: Any) -> None:
    fw = ctx.fw
    steps, start, thr = ctx.pick(700, 3000), (-1.2, 1.0), 1e-3
    runs = {}
    rows = []
    for name, cls, kw in ROSENBROCK_OPTIMIZERS:
        path, vals = descend(fw, rosenbrock, start, cls, kw, steps)
        runs[name] = (path, vals)
        key = name.lower()
        ctx.metric(f"rosenbrock_{key}_loss", vals[-1])
        ctx.curve(f"rosenbrock_{key}", vals[:: max(1, steps // 200)])
        n = steps_to(vals, thr)
        ctx.metric(f"rosenbrock_{key}_steps", n if n is not None else float("nan"))
        args = ", ".join(f"{k}={v:g}" if not isinstance(v, bool) else f"{k}={v}" for k, v in kw.items())
        rows.append([name, f"optim.{cls}({args})", n if n is not None else f"> {steps}", vals[-1],
                     f"({path[-1, 0]:.3f}, {path[-1, 1]:.3f})"])
    ctx.table("rosenbrock", ["optimizador", "llamada", f"pasos hasta f < {thr:g}", f"f tras {steps} pasos",
                             "punto final"], rows,
              caption="Rosenbrock f(x, y) = (1 − x)² + 100(y − x²)² desde (−1.2, 1); mínimo f = 0 en (1, 1)")

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(14, 5.2), gridspec_kw={"width_ratios": [1.25, 1]})
    gx, gy = np.meshgrid(np.linspace(-1.7, 1.5, 300), np.linspace(-0.5, 2.3, 300))
    fz = rosenbrock(np.stack([gx, gy]))
    levels = np.logspace(-2, 3, 16)
    ax[0].contourf(gx, gy, fz, levels=[0, *levels, fz.max()], cmap="Greys", alpha=0.55)
    ax[0].contour(gx, gy, fz, levels=levels, colors="0.45", linewidths=0.5)
    every = 100
    for (name, (path, vals)), c in zip(runs.items(), [f"C{i}" for i in range(6)]):
        ax[0].plot(path[:, 0], path[:, 1], "-", color=c, lw=1.6, label=name)
        ax[0].plot(path[every::every, 0], path[every::every, 1], "o", color=c, ms=3.5)
        ax[1].semilogy(np.maximum(vals, 1e-16), color=c, lw=2, label=name)
    ax[0].plot(*start, "ks", ms=8)
    ax[0].plot(1, 1, "*", color="gold", mec="k", ms=16)
    ax[0].set_xlim(-1.7, 1.5)
    ax[0].set_ylim(-0.5, 2.3)
    ax[0].set_xlabel("x")
    ax[0].set_ylabel("y")
    ax[0].set_title(f"Trayectorias (■ inicio, ★ mínimo, • cada {every} pasos)")
    ax[0].legend(fontsize=8, loc="upper right")
    ax[1].axhline(thr, color="k", ls=":", lw=1)
    ax[1].set_xlabel("paso")
    ax[1].set_ylabel("f(x, y)")
    ax[1].set_title("Valor de la función")
    ax[1].legend(fontsize=8)
    _save(ctx, "rosenbrock", fig, f"Seis optimizadores de {ctx.engine}.optim sobre Rosenbrock, {steps} pasos "
                                  "cada uno.")
    m = ctx.metrics
    ctx.text(
        "**6a. Optimizadores sobre una superficie.** Rosenbrock es un valle curvo y angosto: muy "
        "empinado a través, casi plano a lo largo. GD (α = 1.5e-3) baja rápido al "
        f"valle y después se arrastra (f = {m['rosenbrock_gd_loss']:.2g} tras {steps} pasos). "
        "Momentum acumula velocidad en la dirección que se repite (`v ← βv + ∇f`, `θ ← θ − αv`) y "
        "Nesterov evalúa el gradiente un paso adelante; AdaGrad divide cada coordenada por la raíz de "
        "la suma de sus gradientes al cuadrado (el paso se achica para siempre), RMSProp por una media "
        "móvil (su paso es ≈ α por coordenada sea cual sea el gradiente: con α = 0.003 recorre el valle "
        "despacio) y Adam combina momentum con RMSProp y corrige el sesgo "
        f"del inicio. Momentum llega a f < {thr:g} en {m['rosenbrock_momentum_steps']:.0f} pasos y Adam "
        f"en {m['rosenbrock_adam_steps']:.0f}.")


def fahrenheit_surface(x: np.ndarray, c: np.ndarray, W: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``J(w, b) = (1/n)·Σᵢ (w·xᵢ + b − cᵢ)²`` on a grid (W, B)."""
    return np.mean((W[..., None] * x + B[..., None] - c) ** 2, axis=-1)


def hessian_condition(x: np.ndarray) -> float:
    """Condition number ``κ = λ_max/λ_min`` of the Hessian ``H = (2/n)·[[Σx², Σx], [Σx, n]]`` of J.
    GD needs ``α < 2/λ_max`` and then needs about ``κ`` steps per factor e in the slowest direction."""
    ev = np.linalg.eigvalsh(hessian(x))
    return float(ev[-1] / ev[0])


def hessian(x: np.ndarray) -> np.ndarray:
    """``H = 2·[[mean x², mean x], [mean x, 1]]``, the (constant) Hessian of J(w, b)."""
    return 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])


def gd_line(fw: Any, x: np.ndarray, c: np.ndarray, lr: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent on J(w, b) from (0, 0) with ``fw.optim.SGD`` (float64).
    Returns the path of (w, b) (steps + 1, 2) and J along it (steps + 1,)."""
    return optim_line(fw, x, c, "SGD", {"lr": lr}, steps)


def optim_line(fw: Any, x: np.ndarray, c: np.ndarray, optimizer: str, kwargs: dict[str, Any],
               steps: int, stop_below: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Minimise J(w, b) from (0, 0) with ``fw.optim.<optimizer>(**kwargs)`` (float64), for
    ``steps`` steps or until J < ``stop_below``. Returns the path of (w, b) (k + 1, 2) and J
    along it (k + 1,), k the steps taken."""
    xt = fw.tensor(x, dtype=fw.float64)
    ct = fw.tensor(c, dtype=fw.float64)
    wb = fw.zeros(2, dtype=fw.float64, requires_grad=True)
    opt = getattr(fw.optim, optimizer)([wb], **kwargs)
    path, values = [wb.detach().numpy().copy()], []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((wb[0] * xt + wb[1] - ct) ** 2).mean()
        values.append(loss.item())
        if stop_below is not None and values[-1] < stop_below:
            return np.array(path), np.array(values)
        loss.backward()
        opt.step()
        path.append(wb.detach().numpy().copy())
    values.append(float(np.mean((path[-1][0] * x + path[-1][1] - c) ** 2)))
    return np.array(path), np.array(values)


#: (name, optimizer class name, keyword arguments with x in °F, with x standardised) on J(w, b).
#: The steps differ by 10⁴ between the two inputs, so α does too; with x in °F the momentum
#: methods need α < 2(1 + β)/λmáx (Nesterov (2 + 2β)/((1 + 2β)λmáx) ≈ 1.3e-4) to stay stable.
FAHRENHEIT_OPTIMIZERS: tuple[tuple[str, str, dict[str, Any], dict[str, Any]], ...] = (
    ("GD", "SGD", {"lr": 1.5e-4}, {"lr": 0.1}),
    ("Momentum", "SGD", {"lr": 1e-4, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9}),
    ("Nesterov", "SGD", {"lr": 1e-4, "momentum": 0.9, "nesterov": True},
     {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("AdaGrad", "Adagrad", {"lr": 1.0}, {"lr": 5.0}),
    ("RMSProp", "RMSprop", {"lr": 0.03}, {"lr": 0.5}),
    ("Adam", "Adam", {"lr": 0.3}, {"lr": 1.0}),
)


def _call(cls: str, kw: dict[str, Any]) -> str:
    """``optim.SGD(lr=0.1, momentum=0.9)`` as text."""
    args = ", ".join(f"{k}={v:g}" if not isinstance(v, bool) else f"{k}={v}" for k, v in kw.items())
    return f"optim.{cls}({args})"


def _fahrenheit(ctx: Any) -> None:
    fw = ctx.fw
    f, c = course.fahrenheit_celsius()
    z = (f - f.mean()) / f.std()
    setups = {"x cruda (°F)": (f, 1.5e-4, ctx.pick(1000, 5000)), "x estandarizada": (z, 0.1, 100)}
    out = {}
    rows = []
    for name, (x, lr, steps) in setups.items():
        X = np.c_[x, np.ones_like(x)]
        w_opt = np.linalg.lstsq(X, c, rcond=None)[0]
        j_opt = float(np.mean((X @ w_opt - c) ** 2))
        lam, vec = np.linalg.eigh(hessian(x))
        path, vals = gd_line(fw, x, c, lr, steps)
        n = steps_to(vals - j_opt, 1e-3)
        # per step the error shrinks by (1 − α·λmín) in the flattest direction, so J − Jmín by its square
        rate = (1 - lr * lam[0]) ** 2
        needed = math.ceil(math.log(1e-3 / (vals[0] - j_opt)) / math.log(rate))
        out[name] = (x, lr, path, vals, w_opt, j_opt, vec[:, 0])
        key = "raw" if "cruda" in name else "std"
        ctx.metric(f"fahrenheit_{key}_condition", lam[-1] / lam[0])
        ctx.metric(f"fahrenheit_{key}_lr_limit", 2 / lam[-1])
        ctx.metric(f"fahrenheit_{key}_steps", n if n is not None else float("nan"))
        ctx.metric(f"fahrenheit_{key}_steps_needed", needed)
        ctx.metric(f"fahrenheit_{key}_final_gap", vals[-1] - j_opt)
        ctx.curve(f"fahrenheit_{key}_J", vals[:: max(1, steps // 200)])
        rows.append([name, f"{lam[-1] / lam[0]:.4g}", f"{2 / lam[-1]:.3g}", lr,
                     n if n is not None else f"> {steps}", f"{needed:,}".replace(",", " "),
                     f"({path[-1, 0]:.4f}, {path[-1, 1]:.3f})", f"({w_opt[0]:.4f}, {w_opt[1]:.3f})"])
    # a learning rate 2.5 % above the limit 2/λmax: GD diverges
    lr_bad = 1.025 * ctx.metrics["fahrenheit_raw_lr_limit"]
    _, diverge = gd_line(fw, f, c, lr_bad, 200)
    ctx.metric("fahrenheit_raw_diverged_J", float(diverge[-1]))
    ctx.table("fahrenheit_scaling", ["entrada", "κ(H) = λmáx/λmín", "α máximo 2/λmáx", "α usado",
                                     "pasos hasta J − Jmín < 1e-3", "pasos necesarios (teoría)",
                                     "(w, b) al final", "(w, b) óptimo"], rows,
              caption="GD sobre J(w, b) del ajuste Fahrenheit → Celsius desde (0, 0): "
                      "por qué escalar la entrada")

    # the six optimizers on both surfaces, each until J − Jmín < 1e-3 or out of steps (GD: the run above)
    races: dict[str, list[tuple[str, np.ndarray, np.ndarray, int | None]]] = {}
    for name, (x, _, path, vals, _, j_opt, _) in out.items():
        key, budget = ("raw" if "cruda" in name else "std"), setups[name][2]
        races[name] = []
        for opt_name, cls, kw_raw, kw_std in FAHRENHEIT_OPTIMIZERS:
            kw = kw_raw if key == "raw" else kw_std
            if opt_name == "GD":
                n = steps_to(vals - j_opt, 1e-3)
                p_o, v_o = (path, vals) if n is None else (path[:n + 1], vals[:n + 1])
            else:
                p_o, v_o = optim_line(fw, x, c, cls, kw, budget, stop_below=j_opt + 1e-3)
                n = steps_to(v_o - j_opt, 1e-3)
            races[name].append((opt_name, p_o, v_o, n))
            ctx.metric(f"fahrenheit_{key}_{opt_name.lower()}_steps", n if n is not None else float("nan"))
    budgets = {name: setups[name][2] for name in out}
    names = list(out)
    faster, std_worst, rows = 0, 0, []
    for i, (opt_name, cls, kw_raw, kw_std) in enumerate(FAHRENHEIT_OPTIMIZERS):
        (_, _, v_raw, n_raw), (_, _, _, n_std) = races[names[0]][i], races[names[1]][i]
        # not reaching the threshold counts as one step past the budget
        eff_raw = n_raw if n_raw is not None else budgets[names[0]] + 1
        eff_std = n_std if n_std is not None else budgets[names[1]] + 1
        faster += n_std is not None and eff_std < eff_raw
        std_worst = max(std_worst, eff_std)
        rows.append([opt_name, _call(cls, kw_raw), n_raw if n_raw is not None else f"> {budgets[names[0]]}",
                     f"{v_raw[-1] - out[names[0]][5]:.3g}", _call(cls, kw_std),
                     n_std if n_std is not None else f"> {budgets[names[1]]}"])
    ctx.metric("fahrenheit_std_faster_count", faster)
    ctx.metric("fahrenheit_std_max_steps", std_worst)
    ctx.table("fahrenheit_optimizers", ["optimizador", "llamada (x en °F)", "pasos hasta J − Jmín < 1e-3",
                                        "J − Jmín al final", "llamada (x estandarizada)",
                                        "pasos hasta J − Jmín < 1e-3 (estandarizada)"], rows,
              caption="Seis optimizadores sobre J(w, b) desde (0, 0), con x en °F (a lo sumo "
                      f"{budgets[names[0]]} pasos) y con x estandarizada (a lo sumo {budgets[names[1]]})")

    plt = ctx.plt()
    fig = plt.figure(figsize=(14, 10.5))
    colors = [f"C{i}" for i in range(len(FAHRENHEIT_OPTIMIZERS))]
    for col, (name, (x, _, path, _, w_opt, j_opt, flat)) in enumerate(out.items()):
        raw = "cruda" in name
        wr, br = ((-0.1, 1.1), (-40.0, 25.0)) if raw else ((-4.0, 24.0), (-5.0, 34.0))
        W, B = np.meshgrid(np.linspace(*wr, 60), np.linspace(*br, 60))
        J = fahrenheit_surface(x, c, W, B)
        ax3 = fig.add_subplot(2, 2, col + 1, projection="3d", computed_zorder=False)
        ax3.plot_surface(W, B, J, cmap="Greys", alpha=0.55, linewidth=0, rstride=3, cstride=3, zorder=1)
        for (opt_name, p_o, v_o, _), color in zip(races[name], colors):
            out_of_box = (p_o[:, 0] < wr[0]) | (p_o[:, 0] > wr[1]) | (p_o[:, 1] < br[0]) | (p_o[:, 1] > br[1])
            every = max(1, len(p_o) // 150)
            shown = np.unique(np.r_[np.arange(0, len(p_o), every), len(p_o) - 1])
            ax3.plot(np.where(out_of_box, np.nan, p_o[:, 0])[shown], p_o[shown, 1], v_o[shown], "-",
                     color=color, lw=1.6, zorder=10, label=opt_name)
        ax3.plot([w_opt[0]], [w_opt[1]], [j_opt], "*", color="gold", mec="k", ms=12, zorder=11)
        ax3.set_xlim(*wr)
        ax3.set_ylim(*br)
        ax3.set_xlabel("w")
        ax3.set_ylabel("b")
        ax3.set_zlabel("J(w, b)")
        kappa = f"{hessian_condition(x):,.0f}".replace(",", " ")
        ax3.set_title(f"J(w, b) con {name}: κ(H) = {kappa}")
        ax3.view_init(elev=30, azim=-55)
        if col == 0:
            ax3.legend(fontsize=8, loc="upper left")
        ax = fig.add_subplot(2, 2, col + 3)
        ax.contour(W, B, J, levels=np.logspace(np.log10(j_opt) + 0.3, np.log10(J.max()), 25), cmap="Greys",
                   linewidths=0.8)
        if raw:  # the valley floor: the eigenvector of the smallest curvature through the optimum
            t = np.linspace(-60, 60, 2)
            ax.plot(w_opt[0] + t * flat[0] / flat[1], w_opt[1] + t, "k--", lw=1,
                    label="fondo del valle (dirección de λmín)")
        budget = budgets[name]
        for i, ((opt_name, p_o, _, n), color) in enumerate(zip(races[name], colors)):
            every = max(1, len(p_o) // 60)
            shown = np.unique(np.r_[np.arange(min(10, len(p_o))), np.arange(0, len(p_o), every),
                                    len(p_o) - 1])
            # thinner on top, so that the paths that share a stretch all stay visible
            ax.plot(p_o[shown, 0], p_o[shown, 1], ".-", color=color, ms=4.5 - 0.5 * i, lw=3.2 - 0.45 * i,
                    label=f"{opt_name}: {n if n is not None else f'> {budget}'} pasos")
        ax.plot(*w_opt, "*", color="gold", mec="k", ms=16, label="mínimo (mínimos cuadrados)")
        ax.plot(0, 0, "ks", ms=6, label="inicio (0, 0)")
        if raw:
            ax.annotate(f"paso 1: ({path[1, 0]:.2f}, {path[1, 1]:.2f})", path[1], xytext=(0.05, 12),
                        arrowprops={"arrowstyle": "->"}, fontsize=9)
            ax.annotate(f"paso {len(path) - 1}: ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})", path[-1],
                        xytext=(0.6, 5), arrowprops={"arrowstyle": "->"}, fontsize=9)
        ax.set_xlim(*wr)
        ax.set_ylim(*br)
        ax.set_xlabel("w" if raw else "w (pendiente sobre z = (x − μ)/σ)")
        ax.set_ylabel("b")
        ax.set_title(f"{name}: hasta J − Jmín < 1e-3 o {budget} pasos")
        ax.legend(fontsize=7, loc="lower left" if raw else "lower right")
    _save(ctx, "fahrenheit_surface", fig, "La superficie J(w, b) del ajuste Fahrenheit (arriba) y sus curvas "
                                          "de nivel (abajo) con los recorridos de GD, momentum, Nesterov, "
                                          "AdaGrad, RMSProp y Adam desde (0, 0): entrada cruda vs "
                                          "estandarizada (las anotaciones son de GD).")
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for name, (_, lr, _, vals, _, j_opt, _) in out.items():
        ax.loglog(np.arange(1, len(vals) + 1), np.maximum(vals - j_opt, 1e-16), lw=2,
                  label=f"{name}, α = {lr:g}")
    ax.loglog(np.arange(1, len(diverge) + 1), diverge - out["x cruda (°F)"][5], ":", lw=2,
              label=f"x cruda, α = {lr_bad:.3g} > 2/λmáx: diverge")
    ax.axhline(1e-3, color="k", ls=":", lw=1)
    ax.set_ylim(1e-15, 1e6)
    ax.set_xlabel("paso + 1")
    ax.set_ylabel("J − Jmín")
    ax.set_title("Descenso de gradiente sobre J(w, b) del ajuste Fahrenheit")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    _save(ctx, "fahrenheit_convergence", fig, "Con x estandarizada GD converge en decenas de pasos; con x en "
                                              "°F se arrastra, y con un α apenas mayor diverge.")
    m = ctx.metrics
    kappa = f"{m['fahrenheit_raw_condition']:,.0f}".replace(",", " ")
    needed = f"{m['fahrenheit_raw_steps_needed']:,.0f}".replace(",", " ")
    ctx.text(
        "**6b. Por qué escalar la entrada.** El costo del ajuste lineal de la clase 1, "
        "`J(w, b) = (1/n)·Σ (w·xᵢ + b − cᵢ)²`, es un paraboloide con Hessiano constante "
        "`H = 2·[[mean x², mean x], [mean x, 1]]`. Con x en °F (entre 32 y 104) sus curvaturas son muy "
        f"distintas: κ = λmáx/λmín = {kappa}. GD necesita α < 2/λmáx = {m['fahrenheit_raw_lr_limit']:.3g} "
        f"(con α un 2.5 % mayor diverge: J llega a {m['fahrenheit_raw_diverged_J']:.2g} en 200 pasos), y con "
        "un α así la dirección plana del valle (casi sólo b) se corrige un factor (1 − α·λmín) ≈ 1 − 4·10⁻⁵ "
        f"por paso: tras {setups['x cruda (°F)'][2]} pasos J − Jmín sigue en "
        f"{m['fahrenheit_raw_final_gap']:.3g} y harían falta unos {needed} pasos. Con x estandarizada, "
        "`z = (x − μ)/σ`, el Hessiano es 2·I (κ = 1, curvas de nivel circulares) y GD con α = 0.1 llega a "
        f"J − Jmín < 1e-3 en {m['fahrenheit_std_steps']:.0f} pasos.")

    def took(key: str, opt_name: str) -> str:
        v = m[f"fahrenheit_{key}_{opt_name.lower()}_steps"]
        return f"más de {budgets[names[0 if key == 'raw' else 1]]}" if math.isnan(v) else f"{v:.0f}"

    ctx.text(
        "**6c. Los seis optimizadores sobre J(w, b).** Con x en °F, momentum y Nesterov avanzan unas "
        "1/(1 − β) = 10 veces más rápido que GD por el fondo del valle, pero su α también está limitado por "
        f"λmáx y no llegan a J − Jmín < 1e-3 en {budgets[names[0]]} pasos. AdaGrad, RMSProp y Adam dividen "
        "el paso de cada coordenada por la escala de su propio gradiente, lo que compensa en parte que w y b "
        "tengan escalas tan distintas (en parte: la x cruda también correlaciona w con b, κ ≈ 31 aun "
        "después de igualar la diagonal). Adam, que además acumula velocidad, llega en "
        f"{took('raw', 'Adam')} pasos; AdaGrad (su paso se achica para siempre) y RMSProp (pasos de "
        "tamaño ≈ α: recorre el valle despacio y zigzaguea) no. Con x estandarizada los seis llegan en a "
        "lo sumo "
        f"{m['fahrenheit_std_max_steps']:.0f} pasos (GD {took('std', 'GD')}, Nesterov "
        f"{took('std', 'Nesterov')}, momentum {took('std', 'Momentum')}: en un tazón redondo la inercia "
        "sólo hace pasarse del mínimo y volver). Escalar la entrada ayuda a todos, también a Adam.")


#: (name, optimizer class name, keyword arguments) for the spiral classification
TASK_OPTIMIZERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("SGD", "SGD", {"lr": 0.1}),
    ("Momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("Nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("AdaGrad", "Adagrad", {"lr": 0.05}),
    ("RMSProp", "RMSprop", {"lr": 0.003}),
    ("Adam", "Adam", {"lr": 0.005}),
)


def _optimizers_task(ctx: Any) -> None:
    fw = ctx.fw
    x, y = toys.spirals(100, 3, 0.2, seed=ctx.seed + 1)
    Xt, Yt = ctx.tensor(x), ctx.tensor(y)
    loss_fn = fw.nn.CrossEntropyLoss()
    epochs, thr = ctx.pick(30, 150), 0.2
    curves = {}
    rows = []
    for name, cls, kw in TASK_OPTIMIZERS:
        model = ctx.model("spiral-opt", lambda fw: mlp(fw, (2, 64, 64, 3)))
        opt = getattr(fw.optim, cls)(model.parameters(), **kw)
        loader = ctx.loader(Xt, Yt, batch_size=32, key="spiral-opt")
        losses = train_epochs(ctx, model, loss_fn, opt, loader, epochs, Xt, Yt, name)
        with fw.no_grad():
            acc = float(np.mean(ctx.numpy(model(Xt)).argmax(1) == y))
        curves[name] = losses
        key = name.lower()
        ctx.metric(f"spiral_{key}_loss", losses[-1])
        ctx.curve(f"spiral_{key}", losses)
        n = steps_to(np.array(losses), thr)
        args = ", ".join(f"{k}={v:g}" if not isinstance(v, bool) else f"{k}={v}" for k, v in kw.items())
        rows.append([name, f"optim.{cls}({args})", n if n is not None else f"> {epochs}",
                     (n * len(loader)) if n is not None else "—", losses[-1], acc])
    ctx.metric("spiral_sgd_over_adam", ctx.metrics["spiral_sgd_loss"] / ctx.metrics["spiral_adam_loss"])
    ctx.table("optimizers_task", ["optimizador", "llamada", f"épocas hasta CE < {thr:g}", "actualizaciones",
                                  f"CE tras {epochs} épocas", "exactitud (train)"], rows,
              caption="Espirales (3 clases, 300 puntos), MLP 2-64-64-3 ReLU, mismos pesos iniciales y lotes")
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for name, losses in curves.items():
        ax.semilogy(losses, lw=2, label=name)
    ax.axhline(thr, color="k", ls=":", lw=1)
    ax.set_xlabel("época (lotes de 32)")
    ax.set_ylabel("entropía cruzada (entrenamiento)")
    ax.set_title("Optimizadores en una tarea real: tres espirales")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    _save(ctx, "optimizers_task", fig, "Curvas de costo de los seis optimizadores desde los mismos pesos "
                                       "iniciales y con los mismos mini-batches.")
    m = ctx.metrics
    ctx.text(
        "**6d. Optimizadores en una tarea.** La misma red (2-64-64-3, ReLU) sobre tres espirales, "
        "con los mismos pesos iniciales y los mismos lotes para todos. Tras "
        f"{epochs} épocas la entropía cruzada es {m['spiral_sgd_loss']:.3f} con SGD, "
        f"{m['spiral_momentum_loss']:.3f} con momentum y {m['spiral_adam_loss']:.3f} con Adam. "
        "Los métodos adaptativos (AdaGrad, RMSProp, Adam) ajustan el paso de cada parámetro y toleran "
        "mejor un α mal elegido; con un buen α, SGD + momentum suele alcanzarlos.")


# ============================================================================================
# 7. XOR with mini-batches and momentum
# ============================================================================================

def xor_net(fw: Any) -> Any:
    """Class 1's 2-2-1 network (sigmoid hidden layer, linear output), weights and biases ~ U(−1, 1)."""
    net = fw.nn.Sequential(fw.nn.Linear(2, 2), fw.nn.Sigmoid(), fw.nn.Linear(2, 1))
    for p in net.parameters():
        fw.nn.init.uniform_(p, -1.0, 1.0)
    return net


def _xor(ctx: Any) -> None:
    fw = ctx.fw
    X, y = course.xor()
    Xt, Yt = ctx.tensor(X), ctx.tensor(y[:, None])
    loss_fn = fw.nn.MSELoss()
    epochs = ctx.pick(600, 2000)
    # As in class 1, a few starting points fall into a flat region; then restart (at most 3 tries).
    for attempt in range(1, 4):
        key = "xor" if attempt == 1 else f"xor-restart{attempt}"
        model = ctx.model(key, xor_net)
        opt = fw.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
        mb = train_epochs(ctx, model, loss_fn, opt, ctx.loader(Xt, Yt, batch_size=2, key="xor"), epochs,
                          Xt, Yt, "XOR mini-batch + momentum")
        if mb[-1] < 0.02:
            break
    ctx.metric("xor_attempts", attempt)
    ctx.metric("xor_minibatch_momentum_mse", mb[-1])
    ctx.curve("xor_minibatch_momentum", mb)
    gd_model = ctx.model(key, xor_net)  # the same start, plain full-batch GD as in class 1
    gd = train_epochs(ctx, gd_model, loss_fn, fw.optim.SGD(gd_model.parameters(), lr=0.5),
                      ctx.loader(Xt, Yt, batch_size=4, shuffle=False, key="xor-gd"), epochs, Xt, Yt, "XOR GD")
    ctx.metric("xor_gd_mse", gd[-1])
    n_mb, n_gd = steps_to(np.array(mb), 0.02), steps_to(np.array(gd), 0.02)
    ctx.metric("xor_minibatch_momentum_epochs", n_mb if n_mb is not None else float("nan"))
    with fw.no_grad():
        pred = ctx.numpy(model(Xt)).ravel()
    ctx.table("xor_minibatch", ["x1", "x2", "y", "ŷ"], [[*map(int, X[i]), int(y[i]), float(pred[i])]
                                                        for i in range(4)],
              caption=f"XOR tras {epochs} épocas de mini-batches de 2 con momentum 0.9")
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.semilogy(mb, lw=2, label="mini-batch de 2 + momentum 0.9 (α = 0.2): 2 pasos por época")
    ax.semilogy(gd, lw=2, label="GD por lotes (α = 0.5, como en la clase 1): 1 paso por época")
    ax.axhline(0.02, color="k", ls=":", lw=1, label="MSE = 0.02")
    ax.set_xlabel("época")
    ax.set_ylabel("MSE sobre los 4 puntos")
    ax.set_title("XOR 2-2-1: mini-batches y momentum")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    _save(ctx, "xor_momentum", fig, "La red 2-2-1 de la clase 1 desde los mismos pesos iniciales.")

    def fmt(n: int | None) -> str:
        return f"{n} épocas" if n is not None else f"más de {epochs} épocas"

    ctx.text(
        "**7. XOR con mini-batches y momentum.** La red 2-2-1 de la clase 1, ahora con lotes de 2 "
        "puntos barajados en cada época y momentum 0.9: llega a MSE < 0.02 en "
        f"{fmt(n_mb)} (MSE final {mb[-1]:.1e}); GD por lotes con α = 0.5 desde el mismo punto tarda "
        f"{fmt(n_gd)}.")


def run(ctx: Any) -> None:
    """Run every part of the lab, recording metrics, tables and figures."""
    _backprop(ctx)
    _activations(ctx)
    _vanishing(ctx)
    _output_costs(ctx)
    _gd_modes(ctx)
    _rosenbrock(ctx)
    _fahrenheit(ctx)
    _optimizers_task(ctx)
    _xor(ctx)
