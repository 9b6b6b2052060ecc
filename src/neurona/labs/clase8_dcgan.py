"""Class 8, part 2 — a DCGAN on the 14×14 MNIST digits, judged by the CNN of :mod:`clase8_digits`.

DCGAN (Radford et al., 2016) is a GAN built from convolutions, with the recipe that made
them train stably: upsampling by **transposed convolutions** in G and strided convolutions
(no pooling) in D, **batch norm** in G, ReLU in G and LeakyReLU(0.2) in D, tanh at the output
(images in [−1, 1]) and Adam with β₁ = 0.5. Here, scaled down for a CPU:

* G: z ∈ R¹⁶ → Linear → 32×7×7 → BN → ReLU → ConvTranspose2d(32→16, 4, stride 2, pad 1)
  → 16×14×14 → BN → ReLU → Conv2d(16→1, 3, pad 1) → tanh;
* D: 1×14×14 → Conv2d(1→16, 4, stride 2, pad 1) → 16×7×7 → LeakyReLU → Conv2d(16→32, 4, 2, 1)
  → 32×3×3 → LeakyReLU → Linear(288 → 1) (a logit).

A transposed convolution with kernel 4, stride 2 and padding 1 exactly doubles the side:
H_out = (H_in − 1)·2 − 2·1 + 4 = 2·H_in. The losses are those of :mod:`clase8_gan`.

The game never settles: G's weights keep circling around a good solution and its samples get
better and worse from one epoch to the next. The samples shown and scored come from the
**exponential moving average** of G's weights, θ̄ ← 0.99·θ̄ + 0.01·θ after every step
(Yazıcı et al., 2019), which sits near the centre of that circling; the score of the last
weights θ is plotted beside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .clase8_digits import Quality, quality, tile
from .clase8_gan import adam_pair, gan_step, noise

Z_DIM = 16
CH = 32
LR = 1e-3
BATCH = 32
EMA_BETA = 0.99


def generator(fw: Any) -> Any:
    """z (16) → 32×7×7 → (transposed conv) 16×14×14 → 1×14×14 in [−1, 1]."""
    nn = fw.nn
    return nn.Sequential(
        nn.Linear(Z_DIM, CH * 7 * 7), nn.BatchNorm1d(CH * 7 * 7), nn.ReLU(), nn.Unflatten(1, (CH, 7, 7)),
        nn.ConvTranspose2d(CH, CH // 2, 4, stride=2, padding=1), nn.BatchNorm2d(CH // 2), nn.ReLU(),
        nn.Conv2d(CH // 2, 1, 3, padding=1), nn.Tanh())


def discriminator(fw: Any) -> Any:
    """1×14×14 → (strided convs) 16×7×7 → 32×3×3 → logit."""
    nn = fw.nn
    return nn.Sequential(
        nn.Conv2d(1, CH // 2, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(CH // 2, CH, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(CH * 3 * 3, 1))


def average_weights(fw: Any, avg: Any, model: Any, beta: float) -> None:
    """θ̄ ← β·θ̄ + (1 − β)·θ for every parameter: an exponential moving average of the weights
    over the last ~1/(1 − β) steps."""
    with fw.no_grad():
        for pa, p in zip(avg.parameters(), model.parameters()):
            pa.mul_(beta).add_(p, alpha=1.0 - beta)


def generate(ctx: Any, G: Any, z: np.ndarray) -> np.ndarray:
    """G(z) as a NumPy array, without a graph. G stays in training mode, so batch norm uses the
    statistics of the batch being generated: the running averages of eval mode lag behind a
    generator that changes at every step of the game."""
    with ctx.fw.no_grad():
        return ctx.numpy(G(ctx.tensor(z))).copy()


def run_dcgan(ctx: Any, judge: Any, x_train: np.ndarray) -> dict[str, Quality]:
    """Train the DCGAN; per epoch: a sample grid (fixed z), mean losses and the judge's score.
    Returns the judge's verdicts on the untrained and on the trained generator."""
    G = ctx.model("dcgan-generator", generator)
    D = ctx.model("dcgan-discriminator", discriminator)
    opt_g, opt_d = adam_pair(ctx.fw, G, D, lr=LR)
    loader = ctx.loader(x_train, batch_size=BATCH, drop_last=True, key="dcgan")
    epochs = ctx.pick(6, 30)
    n_eval = ctx.pick(500, 1000)
    z_rng = ctx.rng("dcgan-noise")
    z_grid, z_eval = noise(ctx.rng("dcgan-grid"), 36, Z_DIM), noise(ctx.rng("dcgan-eval"), n_eval, Z_DIM)

    G_avg = ctx.model("dcgan-generator", generator)  # the running average of G's weights
    untrained = quality(ctx, judge, generate(ctx, G, z_eval))
    grids: list[np.ndarray] = [generate(ctx, G_avg, z_grid)]
    scores: list[Quality] = [untrained]
    raw: list[Quality] = [untrained]
    loss_d, loss_g = [], []
    for _ in ctx.iterate(range(epochs), "DCGAN", total=epochs):
        ld, lg = [], []
        for (real,) in loader:
            out = gan_step(ctx.fw, G, D, opt_g, opt_d, real, ctx.tensor(noise(z_rng, len(real), Z_DIM)))
            average_weights(ctx.fw, G_avg, G, EMA_BETA)
            ld.append(out.loss_d)
            lg.append(out.loss_g)
        loss_d.append(float(np.mean(ld)))
        loss_g.append(float(np.mean(lg)))
        grids.append(generate(ctx, G_avg, z_grid))
        scores.append(quality(ctx, judge, generate(ctx, G_avg, z_eval)))
        raw.append(quality(ctx, judge, generate(ctx, G, z_eval)))
    final = scores[-1]
    ctx.metric("dcgan_confident", final.confident)
    ctx.metric("dcgan_entropy", final.entropy)
    ctx.metric("dcgan_untrained_confident", untrained.confident)
    ctx.metric("dcgan_untrained_entropy", untrained.entropy)
    ctx.metric("dcgan_epochs", epochs)
    ctx.metric("dcgan_steps", epochs * len(loader))
    ctx.curve("dcgan_loss_d", loss_d)
    ctx.curve("dcgan_confident", [s.confident for s in scores])
    ctx.curve("dcgan_confident_last_weights", [s.confident for s in raw])
    _figures(ctx, grids, scores, raw, loss_d, loss_g)
    ctx.text("**DCGAN sobre los dígitos.** Una GAN convolucional con la receta de Radford et al.: G sube "
             "de 7×7 a 14×14 con una **convolución transpuesta** (kernel 4, paso 2, padding 1: "
             "(7 − 1)·2 − 2 + 4 = 14), con batch norm y ReLU, y termina en tanh (los píxeles están "
             "escalados a [−1, 1]); D baja con convoluciones de paso 2 (sin pooling) y LeakyReLU(0.2). "
             f"{epochs} épocas de {len(loader)} lotes de {BATCH} sobre 4000 dígitos de 14×14. "
             "El juego no se asienta: los pesos de G giran alrededor de una buena solución y las "
             "muestras mejoran y empeoran de una época a otra; por eso se muestran las de un **promedio "
             "móvil exponencial** de los pesos (θ̄ ← 0.99·θ̄ + 0.01·θ tras cada paso), más estable. "
             "La grilla de cada época usa siempre las mismas 36 z: se ve cómo las manchas se vuelven "
             f"dígitos. El juez (la CNN) reconoce con confianza ≥ 0.9 el {100 * final.confident:.0f}% de "
             f"{n_eval} muestras (sin entrenar: {100 * untrained.confident:.0f}%), y el histograma de "
             f"clases tiene entropía {final.entropy:.2f} nats (máximo ln 10 = 2.30; sin entrenar "
             f"{untrained.entropy:.2f}): la DCGAN genera los diez dígitos, no uno solo.")
    return {"untrained": untrained, "trained": final}


def _figures(ctx: Any, grids: list[np.ndarray], scores: list[Quality], raw: list[Quality],
             loss_d: list[float], loss_g: list[float]) -> None:
    plt = ctx.plt()
    epochs = len(grids) - 1
    shown = sorted(set(np.linspace(0, epochs, min(epochs + 1, 10)).round().astype(int).tolist()))
    cols = 5
    rows = -(-len(shown) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.3 * cols, 2.7 * rows), squeeze=False)
    for ax, e in zip(axes.flat, shown):
        ax.imshow(tile(grids[e], 6, 6), cmap="gray", vmin=0, vmax=1)
        ax.set_title("sin entrenar" if e == 0 else f"época {e}", fontsize=9)
        ax.axis("off")
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    fig.suptitle("DCGAN (pesos promediados): 36 muestras de las mismas z al final de cada época",
                 fontsize=10)
    fig.tight_layout()
    ctx.figure("dcgan_epochs", fig, "Muestras de la DCGAN por época (las mismas z en todas).")

    fig, ax = plt.subplots(1, 2, figsize=(10, 3.4))
    e = np.arange(1, epochs + 1)
    ax[0].plot(e, loss_d, "o-", label="L_D")
    ax[0].plot(e, loss_g, "s-", label="L_G (no saturante)")
    ax[0].set_xlabel("época")
    ax[0].set_title("Pérdidas medias por época")
    ax[0].legend(fontsize=8)
    e0 = np.arange(0, epochs + 1)
    ax[1].plot(e0, [s.confident for s in scores], "o-", label="confianza ≥ 0.9 (pesos promediados)")
    ax[1].plot(e0, [s.confident for s in raw], ":", color="tab:blue", label="confianza ≥ 0.9 (últimos pesos)")
    ax[1].plot(e0, [s.entropy / np.log(10) for s in scores], "s-", label="entropía de clases / ln 10")
    ax[1].set_ylim(0, 1.05)
    ax[1].set_xlabel("época (0 = sin entrenar)")
    ax[1].set_title("Calidad según el juez (CNN)")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    ctx.figure("dcgan_curves", fig, "Pérdidas de la DCGAN y su puntaje de calidad por época.")
