"""The adversarial update shared by the three GANs of class 8 (vanilla, DCGAN, conditional).

A GAN is a game between a **generator** G, which turns noise z ~ N(0, I) into a sample
x̂ = G(z), and a **discriminator** D, which returns a logit: D(x) = log-odds that x is real.
With σ the sigmoid, Goodfellow et al. (2014) write the game as the minimax problem

    min_G max_D  V(D, G) = E_x[log σ(D(x))] + E_z[log(1 − σ(D(G(z))))].

For a fixed G the best discriminator is σ(D*(x)) = p_data(x)/(p_data(x) + p_G(x)), and with it
V = 2·JS(p_data ‖ p_G) − log 4: the generator minimises a Jensen–Shannon divergence, whose
minimum is p_G = p_data.

In practice each step alternates two gradient steps, both written as binary cross-entropies
``BCE(ℓ, t) = −t·log σ(ℓ) − (1 − t)·log(1 − σ(ℓ))`` (``BCEWithLogitsLoss``, stable for any ℓ):

* **discriminator**: minimise ``L_D = BCE(D(x), 1) + BCE(D(G(z)), 0) = −V`` with G frozen
  (``fake.detach()``: the gradient stops at the generated images);
* **generator, non-saturating loss**: minimise ``L_G = BCE(D(G(z)), 1) = −E_z[log σ(D(G(z)))]``
  instead of E_z[log(1 − σ(D(G(z))))]. Both have the same fixed point, but early on D rejects
  every fake (σ(D(G(z))) ≈ 0), where log(1 − σ) is flat and its gradient vanishes, while
  −log σ is steep: the generator keeps learning.

A conditional GAN passes the same extra inputs (the class label) to G and to D; the functions
below forward them untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class StepLosses:
    """What one adversarial step measured: both losses and D's mean opinion (a probability)
    of the real batch and of the fake batch (at the optimum both tend to 1/2)."""

    loss_d: float
    loss_g: float
    d_real: float
    d_fake: float


def noise(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """``n`` latent vectors z ~ N(0, I_dim) as float32 (drawn with NumPy, so both engines see the
    same z when ``rng`` comes from ``ctx.rng``)."""
    return rng.standard_normal((n, dim)).astype(np.float32)


def forever(loader: Iterable[Any]) -> Iterator[Any]:
    """The batches of ``loader``, epoch after epoch, without end (zip it with a step range)."""
    while True:
        yield from loader


def gan_step(fw: Any, G: Any, D: Any, opt_g: Any, opt_d: Any, real: Any, z: Any,
             cond_real: Sequence[Any] = (), cond_fake: Sequence[Any] = ()) -> StepLosses:
    """One step of each player (see the module docstring): D on ``L_D``, then G on the
    non-saturating ``L_G``. ``cond_real`` / ``cond_fake`` are extra inputs (e.g. labels) of the
    real batch and of the generated one: ``D(real, *cond_real)``, ``G(z, *cond_fake)``."""
    bce = fw.nn.functional.binary_cross_entropy_with_logits
    fake = G(z, *cond_fake)

    logit_real = D(real, *cond_real)
    logit_fake = D(fake.detach(), *cond_fake)
    loss_d = (bce(logit_real, fw.ones_like(logit_real))
              + bce(logit_fake, fw.zeros_like(logit_fake)))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()

    logit_gen = D(fake, *cond_fake)  # D after its update; the gradient flows into G
    loss_g = bce(logit_gen, fw.ones_like(logit_gen))
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    with fw.no_grad():
        d_real = fw.sigmoid(logit_real).mean().item()
        d_fake = fw.sigmoid(logit_fake).mean().item()
    return StepLosses(loss_d.item(), loss_g.item(), d_real, d_fake)


def adam_pair(fw: Any, G: Any, D: Any, lr: float) -> tuple[Any, Any]:
    """Adam for each player with β₁ = 0.5 (DCGAN's choice: less momentum follows the moving
    target of the game better than the default 0.9)."""
    return (fw.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999)),
            fw.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999)))
