"""Clase 1 — introducción: la neurona, el ajuste lineal y el forward pass de una red 2-2-1.

1. One neuron ``y = w·x + b`` (w=3, b=1, x=5 → 16), as ``nn.Linear(1, 1)``.
2. Fahrenheit → Celsius from the slide's five readings: the least-squares closed form
   ``(XᵀX)⁻¹Xᵀy`` gives ŷ = 0.5503x − 17.44; gradient descent on the standardised input,
   mapped back to °F, reaches the same line. Plotted against the true 0.5556x − 17.78.
3. XOR with a linear model: the closed form gives W = [0, 0, 0.5], MSE 0.25 and 0.5 for
   every input — a straight line cannot separate XOR.
4. The 2-2-1 network (two sigmoid hidden units, one linear output, 9 parameters): the
   forward pass written with the slide's notation Z⁽¹⁾ = W⁽¹⁾X + b⁽¹⁾, A⁽¹⁾ = σ(Z⁽¹⁾),
   ŷ = W⁽²⁾A⁽¹⁾ + b⁽²⁾, checked against ``nn.Sequential``, then trained by gradient descent
   on (y − ŷ)² to MSE < 0.02 with its decision boundary.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..datasets import course as data
from .registry import Lab, Target

LAB = Lab(
    id="clase1",
    number=1,
    slug="forward-pass",
    title="La neurona, el ajuste lineal y el forward pass",
    summary="y = w·x + b; Fahrenheit→Celsius por mínimos cuadrados y por descenso de gradiente; "
            "XOR no es lineal; la red 2-2-1 (9 parámetros) entrenada hasta MSE < 0.02.",
    targets=(
        Target("neuron_output", "~", 16.0, tol=1e-6, description="w=3, b=1, x=5"),
        Target("fahrenheit_slope", "~", 0.5503, tol=5e-5, description="closed form, slide: 0.5503"),
        Target("fahrenheit_intercept", "~", -17.44, tol=5e-3, description="closed form, slide: −17.44"),
        Target("fahrenheit_gd_gap", "<=", 1e-3, description="GD line vs closed form (max |Δ| of w, b)"),
        Target("xor_linear_mse", "~", 0.25, tol=1e-9, description="(XᵀX)⁻¹Xᵀy on XOR"),
        Target("xor_linear_w_max_dev", "<=", 1e-9, description="W vs [0, 0, 0.5]"),
        Target("net_parameters", "~", 9, tol=0, description="2-2-1 network"),
        Target("forward_gap", "<=", 1e-6, description="slide notation vs nn.Sequential"),
        Target("xor_net_mse", "<", 0.02),
        Target("xor_net_correct", "~", 4, tol=0, description="predictions on the right side of 0.5"),
    ),
)


def _neuron(ctx: Any) -> None:
    fw = ctx.fw
    neuron = fw.nn.Linear(1, 1)
    with fw.no_grad():
        neuron.weight.fill_(3.0)
        neuron.bias.fill_(1.0)
    y = neuron(ctx.tensor([[5.0]]))
    ctx.metric("neuron_output", y.item())
    ctx.text("**Una neurona** calcula `y = w·x + b`. Con w = 3, b = 1 y x = 5: "
             f"y = {y.item():g}. En PyTorch (y en neurona) es `nn.Linear(1, 1)`.")


def _fahrenheit(ctx: Any) -> None:
    fw = ctx.fw
    f, c = data.fahrenheit_celsius()
    X = np.c_[f, np.ones_like(f)]
    w_closed = np.linalg.solve(X.T @ X, X.T @ c)
    ctx.metric("fahrenheit_slope", w_closed[0])
    ctx.metric("fahrenheit_intercept", w_closed[1])

    # gradient descent on the standardised input: ŷ = a·z + b with z = (x − μ)/σ
    mu, sigma = f.mean(), f.std()
    z = ctx.tensor(((f - mu) / sigma)[:, None], dtype=fw.float64)
    y = ctx.tensor(c[:, None], dtype=fw.float64)
    a = fw.zeros(1, 1, dtype=fw.float64, requires_grad=True)
    b = fw.zeros(1, dtype=fw.float64, requires_grad=True)
    lr, epochs = 0.1, ctx.pick(400, 1000)
    losses = []
    for _ in range(epochs):
        loss = ((z @ a + b - y) ** 2).mean()
        loss.backward()
        with fw.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            a.grad = None
            b.grad = None
        losses.append(loss.item())
    slope = a.item() / sigma  # back to °F: ŷ = (a/σ)·x + (b − a·μ/σ)
    intercept = b.item() - a.item() * mu / sigma
    ctx.metric("fahrenheit_gd_slope", slope)
    ctx.metric("fahrenheit_gd_intercept", intercept)
    ctx.metric("fahrenheit_gd_gap", max(abs(slope - w_closed[0]), abs(intercept - w_closed[1])))
    ctx.curve("fahrenheit_gd_mse", losses)
    ctx.table("fahrenheit", ["method", "w (pendiente)", "b (ordenada)"], [
        ["mínimos cuadrados (XᵀX)⁻¹Xᵀy", w_closed[0], w_closed[1]],
        [f"descenso de gradiente ({epochs} épocas, x estandarizada)", slope, intercept],
        ["conversión exacta 5/9·(x − 32)", 5 / 9, -160 / 9],
        ["diapositiva", 0.5503, -17.44],
    ], caption="Fahrenheit → Celsius: la recta ajustada")

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.8))
    xs = np.linspace(20, 115, 50)
    ax[0].scatter(f, c, color="k", zorder=3, label="lecturas")
    ax[0].plot(xs, w_closed[0] * xs + w_closed[1], label=f"ŷ = {w_closed[0]:.4f}x {w_closed[1]:+.2f}")
    ax[0].plot(xs, 5 / 9 * (xs - 32), "--", label="y = 0.5556x − 17.78 (exacta)")
    ax[0].set_xlabel("°F")
    ax[0].set_ylabel("°C")
    ax[0].legend()
    ax[0].set_title("Ajuste lineal")
    ax[1].semilogy(losses)
    ax[1].set_xlabel("época")
    ax[1].set_ylabel("MSE")
    ax[1].set_title("Descenso de gradiente (x estandarizada)")
    ctx.figure("fahrenheit", fig, "Mínimos cuadrados vs la conversión exacta; la curva de error del GD.")
    ctx.text("**Fahrenheit → Celsius.** Con las cinco lecturas de la diapositiva, la solución cerrada "
             f"`(XᵀX)⁻¹Xᵀy` da ŷ = {w_closed[0]:.4f}x {w_closed[1]:+.2f}; el descenso de gradiente, "
             "con la entrada estandarizada y los pesos devueltos a °F, llega a la misma recta.")


def _xor_linear(ctx: Any) -> None:
    X, y = data.xor()
    Xb = np.c_[X, np.ones(4)]
    w = np.linalg.solve(Xb.T @ Xb, Xb.T @ y)
    pred = Xb @ w
    ctx.metric("xor_linear_mse", float(np.mean((pred - y) ** 2)))
    ctx.metric("xor_linear_w_max_dev", float(np.max(np.abs(w - [0, 0, 0.5]))))
    ctx.table("xor_linear", ["x1", "x2", "y", "ŷ lineal"],
              [[*map(int, X[i]), int(y[i]), float(pred[i])] for i in range(4)],
              caption=f"XOR con un modelo lineal: W = {np.round(w, 6).tolist()}, MSE = 0.25")
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="bwr", s=200, edgecolors="k")
    ax.set_title("XOR: ninguna recta separa las clases")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ctx.figure("xor_points", fig, "El modelo lineal predice 0.5 en los cuatro puntos.")


def _net(fw: Any) -> Any:
    """The 2-2-1 network with the slides' initialisation: every weight and bias ~ U(−1, 1)."""
    net = fw.nn.Sequential(fw.nn.Linear(2, 2), fw.nn.Sigmoid(), fw.nn.Linear(2, 1))
    for p in net.parameters():
        fw.nn.init.uniform_(p, -1.0, 1.0)
    return net


def _train_xor(ctx: Any, model: Any, Xt: Any, yt: Any, epochs: int) -> list[float]:
    opt = ctx.fw.optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in ctx.iterate(range(epochs), "XOR 2-2-1", total=epochs):
        opt.zero_grad()
        loss = ((yt - model(Xt)) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _xor_network(ctx: Any) -> None:
    fw = ctx.fw
    X, y = data.xor()
    model = ctx.model("xor-221", _net)
    n_params = sum(p.numel() for p in model.parameters())
    ctx.metric("net_parameters", n_params)

    # the forward pass in the slide's notation, for the whole batch (columns = samples)
    W1, b1 = model[0].weight, model[0].bias
    W2, b2 = model[2].weight, model[2].bias
    Xt = ctx.tensor(X, dtype=fw.float32)
    with fw.no_grad():
        Z1 = W1 @ Xt.T + b1[:, None]
        A1 = fw.sigmoid(Z1)
        y_hat = (W2 @ A1 + b2[:, None]).T
        gap = (y_hat - model(Xt)).abs().max().item()
    ctx.metric("forward_gap", gap)

    yt = ctx.tensor(y[:, None], dtype=fw.float32)
    epochs = ctx.pick(3000, 6000)
    # A few starting points fall into a flat region (a local minimum of the MSE); then we
    # restart from new random weights, as one would by hand — at most three attempts.
    for attempt in range(1, 4):
        if attempt > 1:
            model = ctx.model(f"xor-221-restart{attempt}", _net)
        losses = _train_xor(ctx, model, Xt, yt, epochs)
        if losses[-1] < 0.02:
            break
    ctx.metric("xor_net_attempts", attempt)
    with fw.no_grad():
        pred = ctx.numpy(model(Xt)).reshape(-1)
    ctx.metric("xor_net_mse", float(np.mean((pred - y) ** 2)))
    ctx.metric("xor_net_correct", int(np.sum((pred > 0.5) == (y > 0.5))))
    ctx.curve("xor_net_mse_curve", losses[:: max(1, epochs // 200)])
    ctx.table("xor_net", ["x1", "x2", "y", "ŷ"], [[*map(int, X[i]), int(y[i]), float(pred[i])]
                                                  for i in range(4)],
              caption=f"Red 2-2-1 ({n_params} parámetros) tras {epochs} épocas de descenso de gradiente")

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.8))
    ax[0].semilogy(losses)
    ax[0].set_xlabel("época")
    ax[0].set_ylabel("MSE")
    ax[0].set_title("Entrenamiento de la red 2-2-1")
    g = np.linspace(-0.5, 1.5, 121)
    gx, gy = np.meshgrid(g, g)
    grid = ctx.tensor(np.c_[gx.ravel(), gy.ravel()], dtype=fw.float32)
    with fw.no_grad():
        zz = ctx.numpy(model(grid)).reshape(gx.shape)
    cs = ax[1].contourf(gx, gy, zz, levels=20, cmap="coolwarm", alpha=0.8)
    ax[1].contour(gx, gy, zz, levels=[0.5], colors="k")
    ax[1].scatter(X[:, 0], X[:, 1], c=y, cmap="bwr", s=150, edgecolors="k")
    fig.colorbar(cs, ax=ax[1])
    ax[1].set_title("Frontera de decisión (ŷ = 0.5)")
    ctx.figure("xor_network", fig, "MSE por época y la frontera de decisión de la red 2-2-1.")
    ctx.text("**La red 2-2-1** tiene 2·2 + 2 + 2·1 + 1 = 9 parámetros. Su forward pass es "
             "`Z⁽¹⁾ = W⁽¹⁾·X + b⁽¹⁾`, `A⁽¹⁾ = σ(Z⁽¹⁾)`, `ŷ = W⁽²⁾·A⁽¹⁾ + b⁽²⁾` — exactamente lo que "
             "calcula `nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1))`. Entrenada con "
             "`W ← W − α·∇W L` sobre `(y − ŷ)²`, separa XOR, cosa que ningún modelo lineal puede.")


def run(ctx: Any) -> None:
    """Run every part of the lab, recording metrics, tables and figures."""
    _neuron(ctx)
    _fahrenheit(ctx)
    _xor_linear(ctx)
    _xor_network(ctx)
