"""Class 8, part 1 — a vanilla GAN on a ring of 8 Gaussians, and how many modes it covers.

The data: ``datasets.toys2d.ring_of_gaussians`` (8 Gaussians of std σ = 0.1 on a circle of
radius 2). Generator and discriminator are small MLPs (z ∈ R⁸ → 64 → 64 → R², and
R² → 64 → 64 → logit) trained with the losses of :mod:`clase8_gan`.

**Mode coverage.** A generated point is *good* if it lies within 3σ of some centre (a perfect
generator: P(‖ε‖ < 3σ) = 1 − e^(−9/2) ≈ 0.989 of its points); a mode is *covered* when at
least a quarter of its fair share N/K of the N samples are good points of that mode. A GAN
that collapses onto a few modes scores low however good each of its points is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..datasets import toys2d
from .clase8_gan import adam_pair, forever, gan_step, noise

STD = 0.1
RADIUS = 2.0
MODES = 8
Z_DIM = 8
HIDDEN = 64


@dataclass
class Coverage:
    """Mode coverage of a set of samples: ``covered`` modes out of ``counts.size``,
    ``quality`` = fraction of good points, ``counts`` = good points per mode."""

    covered: int
    quality: float
    counts: np.ndarray


def mode_coverage(samples: np.ndarray, centres: np.ndarray, std: float, k_std: float = 3.0,
                  min_share: float = 0.25) -> Coverage:
    """How many modes ``samples`` (N, 2) cover: a sample is good if its distance to the nearest
    centre is < ``k_std``·``std``; mode k is covered if it has ≥ ``min_share``·N/K good samples."""
    samples = np.asarray(samples, dtype=np.float64)
    dist = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=2)  # (N, K)
    nearest = dist.argmin(1)
    good = dist[np.arange(len(samples)), nearest] < k_std * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    need = min_share * len(samples) / len(centres)
    return Coverage(int(np.sum(counts >= need)), float(good.mean()) if len(samples) else 0.0, counts)


def _counts(cov: Coverage) -> str:
    return " ".join(str(c) for c in cov.counts)


def generator(fw: Any) -> Any:
    """z (Z_DIM) → 64 → 64 → x̂ (2), ReLU."""
    nn = fw.nn
    return nn.Sequential(nn.Linear(Z_DIM, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                         nn.Linear(HIDDEN, 2))


def discriminator(fw: Any) -> Any:
    """x (2) → 64 → 64 → logit, LeakyReLU(0.2) (no dead units: every fake gets a gradient)."""
    nn = fw.nn
    return nn.Sequential(nn.Linear(2, HIDDEN), nn.LeakyReLU(0.2), nn.Linear(HIDDEN, HIDDEN),
                         nn.LeakyReLU(0.2), nn.Linear(HIDDEN, 1))


def _sample(ctx: Any, G: Any, z: np.ndarray) -> np.ndarray:
    with ctx.fw.no_grad():
        return ctx.numpy(G(ctx.tensor(z))).copy()


def run_gan2d(ctx: Any) -> None:
    """Train the vanilla GAN, record the coverage curve, the snapshots and the metrics."""
    x, _ = toys2d.ring_of_gaussians(10_000, MODES, RADIUS, STD, seed=ctx.seed)
    centres = toys2d.ring_centres(MODES, RADIUS)
    G = ctx.model("gan2d-generator", generator)
    D = ctx.model("gan2d-discriminator", discriminator)
    opt_g, opt_d = adam_pair(ctx.fw, G, D, lr=4e-3)
    loader = ctx.loader(x, batch_size=512, drop_last=True, key="gan2d")
    steps = ctx.pick(700, 2000)
    every = 25
    spacing = max(every, round(steps / 7 / every) * every)
    snap_at = {k * spacing for k in range(7)}  # and the final step: 8 snapshots
    z_rng, z_eval = ctx.rng("gan2d-noise"), noise(ctx.rng("gan2d-eval"), 2000, Z_DIM)

    snapshots: dict[int, np.ndarray] = {}
    evals: list[tuple[int, int, float]] = []
    loss_d: list[float] = []
    loss_g: list[float] = []
    for step, (real,) in zip(ctx.iterate(range(steps), "GAN 2-D", total=steps), forever(loader)):
        if step in snap_at or step % every == 0:
            pts = _sample(ctx, G, z_eval)
            if step in snap_at:
                snapshots[step] = pts
            cov = mode_coverage(pts, centres, STD)
            evals.append((step, cov.covered, cov.quality))
        out = gan_step(ctx.fw, G, D, opt_g, opt_d, real, ctx.tensor(noise(z_rng, len(real), Z_DIM)))
        loss_d.append(out.loss_d)
        loss_g.append(out.loss_g)
    final = _sample(ctx, G, z_eval)
    snapshots[steps] = final
    cov = mode_coverage(final, centres, STD)
    evals.append((steps, cov.covered, cov.quality))
    ctx.metric("gan2d_modes_covered", cov.covered)
    ctx.metric("gan2d_quality", cov.quality)
    ctx.metric("gan2d_steps", steps)
    first = next((s for s, c, _ in evals if c == MODES), None)
    if first is not None:
        ctx.metric("gan2d_first_step_all_modes", first)
    ctx.curve("gan2d_loss_d", loss_d[::every])
    ctx.curve("gan2d_modes", [c for _, c, _ in evals])
    real_cov = mode_coverage(x[:2000], centres, STD)
    ctx.table("gan2d", ["muestras", "modos cubiertos", "puntos a < 3σ de un centro",
                        "puntos por modo (a < 3σ)"],
              [["datos reales (2000)", real_cov.covered, real_cov.quality, _counts(real_cov)],
               [f"GAN, paso {steps} (2000)", cov.covered, cov.quality, _counts(cov)]],
              caption="Cobertura de modos: un modo está cubierto si tiene ≥ 1/4 de su parte justa N/8 "
                      "de puntos a menos de 3σ de su centro")
    _figures(ctx, x, centres, snapshots, evals, loss_d, loss_g)
    ctx.text("**GAN vainilla sobre un anillo de 8 gaussianas.** Los datos son una mezcla de 8 gaussianas "
             f"(σ = {STD}) con centros sobre una circunferencia de radio {RADIUS:g}. El generador G "
             f"(z ∈ R^{Z_DIM} → 64 → 64 → R²) y el discriminador D (R² → 64 → 64 → logit) son MLP chicos. "
             "El juego es `min_G max_D E[log σ(D(x))] + E[log(1 − σ(D(G(z))))]`: D aprende a separar "
             "reales de falsos con `BCEWithLogitsLoss`, y G usa la pérdida **no saturante** "
             "`−E[log σ(D(G(z)))]`, que no se aplana cuando D rechaza todo al principio. Adam con "
             f"β₁ = 0.5, lotes de 512, {steps} pasos. Un modo está **cubierto** si recibe al menos un "
             "cuarto de su parte justa de muestras a menos de 3σ de su centro: al final, "
             f"{cov.covered}/{MODES} modos cubiertos y {100 * cov.quality:.0f}% de los puntos cerca de "
             "algún centro. Si G **colapsa** (manda todo a pocos modos), D termina rechazando esos "
             "modos y G salta a otros: las instantáneas muestran esa persecución.")


def _figures(ctx: Any, x: np.ndarray, centres: np.ndarray, snapshots: dict[int, np.ndarray],
             evals: list[tuple[int, int, float]], loss_d: list[float], loss_g: list[float]) -> None:
    plt = ctx.plt()
    steps = sorted(snapshots)
    cols = 4
    rows = -(-len(steps) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 3.0 * rows), squeeze=False)
    theta = np.linspace(0, 2 * np.pi, 60)
    for ax, s in zip(axes.flat, steps):
        pts = snapshots[s]
        cov = mode_coverage(pts, centres, STD)
        ax.scatter(*x[:1000].T, s=2, color="0.75")
        ax.scatter(*pts[:1000].T, s=3, color="tab:blue", alpha=0.6)
        for k, c in enumerate(centres):
            ok = cov.counts[k] >= 0.25 * len(pts) / len(centres)
            ax.plot(c[0] + 3 * STD * np.cos(theta), c[1] + 3 * STD * np.sin(theta),
                    color="tab:green" if ok else "tab:red", lw=1)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"paso {s}: {cov.covered}/{len(centres)} modos", fontsize=9)
    for ax in list(axes.flat)[len(steps):]:
        ax.axis("off")
    fig.suptitle("GAN vainilla: muestras de G (azul) sobre los datos (gris); círculos de 3σ "
                 "(verde = modo cubierto)", fontsize=10)
    fig.tight_layout()
    ctx.figure("gan2d_snapshots", fig, "Instantáneas de 2000 muestras de G (las mismas z) durante el "
               "entrenamiento, sobre los datos reales.")

    fig, ax = plt.subplots(1, 2, figsize=(10, 3.4))
    s, c, q = (np.array(v) for v in zip(*evals))
    ax[0].plot(s, c, "o-", ms=3, label="modos cubiertos")
    ax[0].set_ylim(-0.3, len(centres) + 0.3)
    ax[0].set_xlabel("paso")
    ax[0].set_ylabel("modos cubiertos (de 8)")
    ax2 = ax[0].twinx()
    ax2.plot(s, q, color="tab:orange", lw=1, label="fracción a < 3σ")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("fracción de puntos a < 3σ", color="tab:orange")
    ax[0].set_title("Cobertura de modos")
    w = 10
    smooth = np.ones(w) / w
    ax[1].plot(np.convolve(loss_d, smooth, "valid"), label="L_D (discriminador)")
    ax[1].plot(np.convolve(loss_g, smooth, "valid"), label="L_G (generador, no saturante)")
    ax[1].axhline(2 * np.log(2), color="k", ls=":", lw=1, label="L_D en el equilibrio = 2 log 2")
    ax[1].set_xlabel("paso")
    ax[1].set_title("Pérdidas (media móvil de 10 pasos)")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    ctx.figure("gan2d_curves", fig, "Modos cubiertos y pérdidas de los dos jugadores por paso.")
