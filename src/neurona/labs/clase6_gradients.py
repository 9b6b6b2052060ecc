"""Gradients through time: vanishing in an RNN, carried by an LSTM; exploding, tamed by clipping.

Backpropagation through time multiplies one Jacobian per step: for ``hₜ = tanh(W xₜ + U hₜ₋₁ + b)``

    ∂h_T/∂hₜ = Π_{k=t+1..T} diag(1 − h_k²)·U,

so the gradient that reaches an early input shrinks (or grows) geometrically with the distance
T − t. An LSTM adds its cell ``cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ``, whose Jacobian along the cell path is
just the forget gate ``fₜ``: where the network learns ``fₜ ≈ 1`` the gradient travels unchanged.

* **Vanishing.** A task that needs every step equally: ``y = (x₁ + … + x₅₀)/10`` for xₜ ~ U(−1, 1),
  so the ideal ``∂y/∂xₜ`` is 0.1 for every t. We measure ``|∂ŷ/∂xₜ|`` (averaged over 256 series)
  for each t, for an RNN and an LSTM of 32 units, at initialisation and after training.
* **Exploding.** A tanh RNN with an orthogonal recurrent matrix (every singular value 1: the signal
  through time neither fades nor is damped) trained by SGD with momentum on the 1-step forecast.
  Without clipping, one large gradient throws the weights away and the loss overflows; with
  ``clip_grad_norm_(parameters, max_norm)`` — the gradient is rescaled to norm ``max_norm``
  whenever it is longer, keeping its direction — the same run trains.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .clase6_common import adam_cosine
from .clase6_signals import OBSERVED, recurrent

STEPS, HIDDEN = 50, 32


def _sum_task(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1, 1, (n, STEPS, 1)).astype(np.float32)
    return x, (x.sum(axis=(1, 2)) / 10).astype(np.float32)[:, None]


def input_gradients(ctx: Any, model: Any, x: np.ndarray) -> np.ndarray:
    """``mean_b |∂ŷ_b/∂x_{b,t}|`` for every step t (the samples are independent, so the gradient of
    Σ_b ŷ_b with respect to x_b is that of ŷ_b alone)."""
    xt = ctx.tensor(x).requires_grad_(True)
    model(xt).sum().backward()
    g = np.abs(ctx.numpy(xt.grad))[..., 0].mean(axis=0)
    model.zero_grad()
    return g


def vanishing(ctx: Any) -> None:
    """RNN vs LSTM on the sum task: gradient profiles before and after training."""
    probe, _ = _sum_task(ctx.rng("grad-probe"), 256)
    x_test, y_test = _sum_task(ctx.rng("grad-test"), 1_000)
    steps = ctx.pick(250, 600)
    profiles: dict[str, dict[str, np.ndarray]] = {}
    curves: dict[str, list[float]] = {}
    for kind in ("RNN", "LSTM"):
        model = ctx.model(f"grad-{kind}", lambda fw, k=kind: recurrent(fw, k, HIDDEN))
        before = input_gradients(ctx, model, probe)
        opt, sched = adam_cosine(ctx, model, 1e-2, steps)
        rng = ctx.rng("grad-train")  # the same series for both models and engines
        losses = []
        for _ in ctx.iterate(range(steps), f"suma {kind}", total=steps):
            xb, yb = _sum_task(rng, 64)
            loss = ((model(ctx.tensor(xb)) - ctx.tensor(yb)) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        after = input_gradients(ctx, model, probe)
        with ctx.fw.no_grad():
            mse = float(np.mean((ctx.numpy(model(ctx.tensor(x_test))) - y_test) ** 2))
        name = kind.lower()
        profiles[kind] = {"init": before, "trained": after}
        curves[kind] = losses
        ctx.metric(f"sum_{name}_test_mse", mse)
        if kind == "LSTM":
            ctx.metric("sum_lstm_over_rnn_mse", mse / ctx.metrics["sum_rnn_test_mse"])
        ctx.metric(f"grad_{name}_init_first_over_last", before[0] / before[-1])
        ctx.metric(f"grad_{name}_trained_first_over_last", after[0] / after[-1])
        ctx.metric(f"sum_{name}_steps_to_0.02", next((i for i, v in enumerate(np.convolve(
            losses, np.ones(10) / 10, mode="valid")) if v < 0.02), steps))
        ctx.curve(f"sum_{name}_train_mse", losses[:: max(1, steps // 100)])
    plt = ctx.plt()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), gridspec_kw={"width_ratios": [1, 1, 0.8]})
    t = np.arange(1, STEPS + 1)
    stages = ((axes[0], "init", "al inicializar"), (axes[1], "trained", "después de entrenar"))
    for ax, stage, title in stages:
        for kind, color in (("RNN", "tab:red"), ("LSTM", "tab:blue")):
            ax.semilogy(t, profiles[kind][stage], "o-", ms=3, color=color, label=kind)
        ax.axhline(0.1, color="k", ls=":", label="ideal: ∂y/∂xₜ = 0.1")
        ax.set_xlabel("paso t de la entrada")
        ax.set_title(f"|∂ŷ/∂xₜ| {title}")
        ax.legend()
    axes[0].set_ylabel("norma del gradiente (promedio sobre 256 series)")
    axes[1].set_ylim(bottom=min(1e-3, axes[1].get_ylim()[0]))
    for kind, color in (("RNN", "tab:red"), ("LSTM", "tab:blue")):
        axes[2].semilogy(np.convolve(curves[kind], np.ones(10) / 10, mode="valid"), color=color, label=kind)
    axes[2].set_title("MSE de entrenamiento (media móvil de 10 pasos)")
    axes[2].set_xlabel("paso de Adam")
    axes[2].legend()
    fig.tight_layout()
    ctx.figure("vanishing_gradients", fig, "Cuánto llega el gradiente a cada paso de la entrada (escala "
                                           "log). Tarea: y = (x₁ + … + x₅₀)/10.")
    m = ctx.metrics
    ctx.text(
        "**Gradientes que se desvanecen.** Con BPTT, el gradiente que llega a la entrada del paso t es un "
        "producto de T − t jacobianos `diag(1 − h²)·W_hh`; si su norma es menor que 1 decae geométricamente. "
        "Al inicializar, el gradiente de la salida respecto del primer paso es "
        f"{m['grad_rnn_init_first_over_last']:.1e} veces el del último en la RNN (y "
        f"{m['grad_lstm_init_first_over_last']:.1e} en la LSTM: su compuerta de olvido empieza en ≈ 0.5). "
        "La tarea, sumar los 50 valores, necesita a todos por igual. Entrenada, la LSTM aprende a "
        "dejar abierta la compuerta de olvido (`cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ`, con ∂cₜ/∂cₜ₋₁ = fₜ ≈ 1) y su "
        f"perfil queda plano (primer/último = {m['grad_lstm_trained_first_over_last']:.2f}) con MSE de test "
        f"{m['sum_lstm_test_mse']:.4f}. La RNN, que arranca sin señal para los primeros pasos, aprende más "
        f"despacio y peor: primer/último = {m['grad_rnn_trained_first_over_last']:.2f}, MSE "
        f"{m['sum_rnn_test_mse']:.4f} ({m['sum_rnn_test_mse'] / m['sum_lstm_test_mse']:.0f} veces el de la "
        "LSTM).")


def _clip_rnn(fw: Any) -> Any:
    model = recurrent(fw, "RNN", HIDDEN)
    with fw.no_grad():
        fw.nn.init.orthogonal_(model.rnn.weight_hh_l0)
    return model


def clipping(ctx: Any, series: np.ndarray) -> None:
    """The same run (weights, batches, SGD with momentum) with and without gradient clipping."""
    x, y = series[:, :OBSERVED], series[:, OBSERVED, 0:1]
    steps = ctx.pick(150, 300)
    rng = ctx.rng("clip-batches")
    batches = [rng.integers(0, len(x), 64) for _ in range(steps)]
    max_norm, lr = 0.5, 0.2
    runs: dict[str, tuple[list[float], list[float]]] = {}
    for label, clip in (("sin recorte", None), (f"clip_grad_norm_(max_norm={max_norm})", max_norm)):
        model = ctx.model("clip-rnn", _clip_rnn)
        opt = ctx.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        losses, norms = [], []
        with np.errstate(all="ignore"):  # the unclipped run overflows on purpose
            for idx in ctx.iterate(batches, label, total=steps):
                loss = ((model(ctx.tensor(x[idx])) - ctx.tensor(y[idx])) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                norm = ctx.nn.utils.clip_grad_norm_(model.parameters(), clip if clip else float("inf"))
                value = loss.item()
                losses.append(value)
                norms.append(float(norm))
                if not np.isfinite(value) or not np.isfinite(norms[-1]):
                    break
                opt.step()
        runs[label] = (losses, norms)
    (free, free_norms), (clipped, clip_norms) = runs.values()
    diverged = (not np.all(np.isfinite(free))) or max(free) > 100 * free[0]
    ctx.metric("clip_unclipped_diverged", float(diverged))
    ctx.metric("clip_unclipped_steps", len(free))
    ctx.metric("clip_final_loss", float(np.mean(clipped[-10:])))
    ctx.metric("clip_max_grad_norm", float(np.nanmax(np.where(np.isfinite(clip_norms), clip_norms, np.nan))))
    ctx.curve("clip_clipped_loss", clipped)

    plt = ctx.plt()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for (label, (losses, norms)), color in zip(runs.items(), ("tab:red", "tab:green")):
        lv = np.array(losses, dtype=np.float64)
        axes[0].semilogy(np.where(np.isfinite(lv), lv, np.nan), color=color, label=label)
        nv = np.array(norms, dtype=np.float64)
        axes[1].semilogy(np.where(np.isfinite(nv), nv, np.nan), color=color, label=label)
    if not np.isfinite(free[-1]) or not np.isfinite(free_norms[-1]):
        axes[0].axvline(len(free) - 1, color="tab:red", ls=":", label="la pérdida se vuelve inf/nan")
    axes[1].axhline(max_norm, color="k", ls=":", label=f"max_norm = {max_norm}")
    axes[0].set_title("MSE por paso de entrenamiento")
    axes[1].set_title("‖∇‖ antes de recortar")
    for ax in axes:
        ax.set_xlabel("paso de SGD")
        ax.legend()
    fig.tight_layout()
    ctx.figure("gradient_clipping", fig, f"RNN tanh (W_hh ortogonal), SGD lr={lr} con momento 0.9: la misma "
                                         "corrida con y sin recorte de gradientes.")
    ctx.text(
        "**Gradientes que explotan.** Si los jacobianos tienen norma mayor que 1, el gradiente crece con la "
        "distancia en el tiempo y un solo paso de SGD puede lanzar los pesos lejos: sin recorte, la pérdida "
        + (f"se vuelve infinita en el paso {len(free)}. " if diverged else "no llega a diverger aquí. ")
        + f"Con `nn.utils.clip_grad_norm_(model.parameters(), max_norm={max_norm})` entre `backward()` y "
        "`step()`, el gradiente se reescala a norma `max_norm` cuando es más largo (conserva su dirección) "
        f"y la misma corrida entrena: MSE final {ctx.metrics['clip_final_loss']:.4f}.")


def run_gradients(ctx: Any, series: np.ndarray) -> None:
    """Both experiments."""
    vanishing(ctx)
    clipping(ctx, series)
