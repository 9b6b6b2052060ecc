"""Clase 8 — GANs (vainilla, DCGAN, condicional) y aprendizaje por refuerzo (REINFORCE).

1. A vanilla GAN (MLPs) on a ring of 8 Gaussians: sample snapshots during training and the
   number of modes covered (:mod:`clase8_gan2d`); the adversarial losses — minimax
   ``min_G max_D E[log σ(D(x))] + E[log(1 − σ(D(G(z))))]`` and the non-saturating generator
   loss ``−E[log σ(D(G(z)))]`` — live in :mod:`clase8_gan`.
2. The judge: a small CNN trained on the 14×14 MNIST digits, whose confident fraction and
   class-histogram entropy score generated digits (:mod:`clase8_digits`).
3. A DCGAN on the same digits (transposed convolutions, batch norm, tanh): a sample grid per
   epoch and the judge's score per epoch (:mod:`clase8_dcgan`).
4. A conditional GAN with a projection discriminator: one row per requested digit, and how
   often the judge agrees with the request (:mod:`clase8_cgan`).
5. REINFORCE with a learned baseline on Gymnasium's CartPole-v1: return per episode, the
   learned policy (:mod:`clase8_reinforce`).

GAN noise, fake labels, action sampling and environment seeds are NumPy draws from
``ctx.rng``: both engines see the same z, the same labels and the same random numbers.
"""

from __future__ import annotations

import time
from typing import Any

from .clase8_cgan import run_cgan
from .clase8_dcgan import run_dcgan
from .clase8_digits import Quality, run_judge
from .clase8_gan2d import run_gan2d
from .clase8_reinforce import run_reinforce
from .registry import Lab, Target

LAB = Lab(
    id="clase8",
    number=8,
    slug="gans",
    title="GANs (vainilla, DCGAN, condicional) y aprendizaje por refuerzo",
    summary="Una GAN vainilla cubre los 8 modos de un anillo de gaussianas; una DCGAN y una GAN "
            "condicional generan dígitos que una CNN reconoce (y del dígito pedido); REINFORCE con "
            "línea de base mantiene en pie el péndulo de CartPole.",
    aliases=("gan", "rl"),
    targets=(
        Target("gan2d_modes_covered", ">=", 6, profiles=("fast",),
               description="vanilla GAN, ring of 8 Gaussians"),
        Target("gan2d_modes_covered", ">=", 7, profiles=("full",),
               description="vanilla GAN, ring of 8 Gaussians"),
        Target("judge_test_accuracy", ">=", 0.9, description="the judge CNN on 14×14 MNIST test digits"),
        Target("dcgan_confident", ">=", 0.08, profiles=("fast",),
               description="DCGAN samples the judge recognises with p ≥ 0.9 (untrained G: 0)"),
        Target("dcgan_entropy", ">=", 1.8, profiles=("fast",),
               description="entropy of the judge's class histogram (max ln 10 = 2.30)"),
        Target("dcgan_confident", ">=", 0.4, profiles=("full",),
               description="DCGAN samples the judge recognises with p ≥ 0.9"),
        Target("dcgan_entropy", ">=", 2.0, profiles=("full",),
               description="entropy of the judge's class histogram (max ln 10 = 2.30)"),
        Target("cgan_agreement", ">=", 0.5, profiles=("fast",),
               description="judge's class = requested digit (chance 0.1)"),
        Target("cgan_agreement", ">=", 0.8, profiles=("full",),
               description="judge's class = requested digit (chance 0.1)"),
        Target("cartpole_last20_mean", ">=", 150, profiles=("fast",),
               description="REINFORCE on CartPole-v1, mean return of the last 20 episodes"),
        Target("cartpole_last20_mean", ">=", 475, profiles=("full",),
               description="REINFORCE on CartPole-v1, mean return of the last 20 episodes"),
    ),
)


def _quality_table(ctx: Any, rows: list[tuple[str, Quality]]) -> None:
    ctx.table("quality", ["imágenes", "confianza ≥ 0.9", "entropía de clases (nats)",
                          "coincide con la etiqueta"],
              [[name, q.confident, q.entropy, "—" if q.agreement != q.agreement else q.agreement]
               for name, q in rows],
              caption="El juez (CNN) sobre dígitos reales, ruido y muestras de las GAN; entropía máxima "
                      "ln 10 = 2.30")


def run(ctx: Any) -> None:
    """Run every part of the lab, recording metrics, tables and figures (and each part's time)."""
    t0 = time.perf_counter()

    def lap(part: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        ctx.note(f"{part}: {now - t0:.1f} s")
        t0 = now

    run_gan2d(ctx)
    lap("GAN 2-D")
    judge, train, reference = run_judge(ctx)
    lap("juez (datos + CNN)")
    dcgan = run_dcgan(ctx, judge, train[0])
    lap("DCGAN")
    cgan = run_cgan(ctx, judge, train)
    lap("GAN condicional")
    _quality_table(ctx, [("dígitos reales de test", reference["real"]),
                         ("ruido uniforme", reference["noise"]),
                         ("DCGAN sin entrenar", dcgan["untrained"]),
                         ("DCGAN entrenada", dcgan["trained"]),
                         ("GAN condicional", cgan)])
    run_reinforce(ctx)
    lap("REINFORCE")
