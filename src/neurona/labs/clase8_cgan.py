"""Class 8, part 3 — a conditional GAN: ask for a digit, get that digit.

A conditional GAN (Mirza & Osindero, 2014) gives both players the label y: G(z, y) must make
an image of class y and D(x, y) judges whether x is a real image *of class y*. The minimax
game of :mod:`clase8_gan` becomes

    min_G max_D  E_(x,y)[log σ(D(x, y))] + E_(z,y)[log(1 − σ(D(G(z, y), y)))].

Like the original, both players are MLPs (on 14×14 = 196 pixels):

* G: [z ∈ R³² ; e_G(y) ∈ R¹⁰] → 128 → 128 → 196 → tanh, with e_G = ``nn.Embedding(10, 10)``,
  the label's learned vector (class 4's embeddings), concatenated with the noise;
* D, a **projection discriminator** (Miyato & Koyama, 2018): features φ(x) ∈ R¹²⁸ from a
  two-layer MLP, then ``D(x, y) = wᵀφ(x) + b + e_D(y)ᵀφ(x)`` with e_D = ``nn.Embedding(10, 128)``.
  The inner product asks "do these features look like class y?"; it makes D use the label far
  more than concatenating y to the input does, and G learns the classes in a few hundred steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .clase8_digits import SIDE, Quality, quality, tile
from .clase8_gan import adam_pair, forever, gan_step, noise

Z_DIM = 32
HIDDEN = 128
CLASSES = 10


def generator(fw: Any) -> Any:
    """G(z, y): concatenate z with the embedding of y, an MLP, a 1×14×14 image in [−1, 1]."""
    nn = fw.nn

    class ConditionalGenerator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(CLASSES, 10)
            self.net = nn.Sequential(
                nn.Linear(Z_DIM + 10, HIDDEN), nn.LeakyReLU(0.2), nn.Linear(HIDDEN, HIDDEN),
                nn.LeakyReLU(0.2), nn.Linear(HIDDEN, SIDE * SIDE), nn.Tanh(),
                nn.Unflatten(1, (1, SIDE, SIDE)))

        def forward(self, z: Any, y: Any) -> Any:
            return self.net(fw.cat([z, self.embed(y)], dim=1))

    return ConditionalGenerator()


def discriminator(fw: Any) -> Any:
    """D(x, y) = wᵀφ(x) + b + e(y)ᵀφ(x), the projection discriminator."""
    nn = fw.nn

    class ProjectionDiscriminator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(nn.Flatten(), nn.Linear(SIDE * SIDE, HIDDEN), nn.LeakyReLU(0.2),
                                          nn.Linear(HIDDEN, HIDDEN), nn.LeakyReLU(0.2))
            self.out = nn.Linear(HIDDEN, 1)
            self.embed = nn.Embedding(CLASSES, HIDDEN)

        def forward(self, x: Any, y: Any) -> Any:
            phi = self.features(x)
            return self.out(phi) + (self.embed(y) * phi).sum(dim=1, keepdim=True)

    return ProjectionDiscriminator()


def generate(ctx: Any, G: Any, z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """G(z, y) as a NumPy array (N, 1, 14, 14)."""
    with ctx.fw.no_grad():
        return ctx.numpy(G(ctx.tensor(z), ctx.tensor(labels))).copy()


def run_cgan(ctx: Any, judge: Any, train: tuple[np.ndarray, np.ndarray]) -> Quality:
    """Train the conditional GAN; record the judge's agreement with the requested digit per
    epoch and per digit, and the grid with one row per digit."""
    G = ctx.model("cgan-generator", generator)
    D = ctx.model("cgan-discriminator", discriminator)
    opt_g, opt_d = adam_pair(ctx.fw, G, D, lr=2e-3)
    loader = ctx.loader(*train, batch_size=64, drop_last=True, key="cgan")
    epochs = ctx.pick(5, 30)
    steps = epochs * len(loader)
    n_eval = ctx.pick(500, 1000)
    z_rng, y_rng = ctx.rng("cgan-noise"), ctx.rng("cgan-labels")
    z_eval = noise(ctx.rng("cgan-eval"), n_eval, Z_DIM)
    y_eval = np.arange(n_eval) % CLASSES

    agreement = [quality(ctx, judge, generate(ctx, G, z_eval, y_eval), y_eval).agreement]
    loss_d: list[float] = []
    for step, (real, labels) in zip(ctx.iterate(range(steps), "cGAN", total=steps), forever(loader)):
        asked = ctx.tensor(y_rng.integers(0, CLASSES, len(real)))
        out = gan_step(ctx.fw, G, D, opt_g, opt_d, real, ctx.tensor(noise(z_rng, len(real), Z_DIM)),
                       cond_real=(labels,), cond_fake=(asked,))
        loss_d.append(out.loss_d)
        if (step + 1) % len(loader) == 0:
            agreement.append(quality(ctx, judge, generate(ctx, G, z_eval, y_eval), y_eval).agreement)
    images = generate(ctx, G, z_eval, y_eval)
    final = quality(ctx, judge, images, y_eval)
    per_digit = [float(np.mean(final.predicted[y_eval == d] == d)) for d in range(CLASSES)]
    ctx.metric("cgan_agreement", final.agreement)
    ctx.metric("cgan_confident", final.confident)
    ctx.metric("cgan_entropy", final.entropy)
    ctx.metric("cgan_worst_digit_agreement", min(per_digit))
    ctx.metric("cgan_steps", steps)
    ctx.curve("cgan_agreement", agreement)
    ctx.curve("cgan_loss_d", loss_d[::len(loader)])
    ctx.table("cgan_per_digit", ["dígito pedido", *map(str, range(CLASSES))],
              [["el juez coincide", *[f"{100 * a:.0f}%" for a in per_digit]]],
              caption=f"cGAN: fracción de {n_eval // CLASSES} muestras por dígito que el juez clasifica "
                      "como el dígito pedido")
    _figures(ctx, G, agreement, len(loader))
    ctx.text("**GAN condicional.** G recibe, además del ruido z, el dígito pedido y (su *embedding* "
             "`nn.Embedding(10, 10)` se concatena con z), y D juzga pares (imagen, dígito). D es un "
             "**discriminador de proyección**: `D(x, y) = wᵀφ(x) + b + e(y)ᵀφ(x)`, el producto interno "
             "entre las características de la imagen y el vector del dígito, que obliga a D a mirar "
             f"la etiqueta. {epochs} épocas ({steps} pasos). Pedimos {n_eval} dígitos (todos por igual): "
             f"el juez coincide con el pedido en el {100 * final.agreement:.0f}% de las muestras (al azar "
             f"sería 10%); el peor dígito, {100 * min(per_digit):.0f}%. En la grilla, cada fila es un "
             "dígito y cada columna una misma z: el ruido fija el *estilo* (grosor, inclinación) y la "
             "etiqueta, el dígito.")
    return final


def _figures(ctx: Any, G: Any, agreement: list[float], per_epoch: int) -> None:
    plt = ctx.plt()
    cols = 10
    z = noise(ctx.rng("cgan-grid"), cols, Z_DIM)
    zz = np.tile(z, (CLASSES, 1))  # row d: the same 10 z, digit d
    yy = np.repeat(np.arange(CLASSES), cols)
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1.1, 1]})
    ax[0].imshow(tile(generate(ctx, G, zz, yy), CLASSES, cols), cmap="gray", vmin=0, vmax=1)
    ax[0].set_yticks([1 + (SIDE + 1) * d + SIDE / 2 for d in range(CLASSES)])
    ax[0].set_yticklabels([str(d) for d in range(CLASSES)])
    ax[0].set_xticks([])
    ax[0].set_ylabel("dígito pedido")
    ax[0].set_xlabel("la misma z en cada columna")
    ax[0].set_title("cGAN: una fila por dígito")
    ax[1].plot(np.arange(len(agreement)), agreement, "o-")
    ax[1].axhline(0.1, color="k", ls=":", lw=1, label="azar (10%)")
    ax[1].axhline(0.8, color="tab:green", ls="--", lw=1, label="objetivo perfil full (80%)")
    ax[1].set_ylim(0, 1.02)
    ax[1].set_xlabel(f"época ({per_epoch} pasos; 0 = sin entrenar)")
    ax[1].set_ylabel("el juez coincide con el dígito pedido")
    ax[1].set_title("Acuerdo con la etiqueta pedida")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    ctx.figure("cgan_grid", fig, "Dígitos generados a pedido (fila = dígito, columna = z) y el acuerdo del "
               "juez por época.")
