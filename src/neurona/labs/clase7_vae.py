"""A variational autoencoder with a 2-D latent space on real MNIST.

The encoder gives a Gaussian ``q(z|x) = N(μ(x), diag σ²(x))`` instead of a point; a code is
sampled with the **reparameterisation** ``z = μ + σ ⊙ ε``, ``ε ~ N(0, I)`` (the randomness is an
input, so gradients flow through μ and σ); the decoder gives Bernoulli pixel probabilities
``p(x|z) = sigmoid(g(z))``. Training maximises the evidence lower bound, i.e. minimises

    L = E_q[−log p(x|z)] + β·KL(q(z|x) ‖ N(0, I)),
    KL = −½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²)        (closed form for two Gaussians),

the reconstruction term estimated with one sample (the BCE summed over the 784 pixels). The KL
term pulls every q(z|x) towards the prior, which fills the latent plane without holes: decoding
``z ~ N(0, I)`` gives new digits, and a grid of z through the prior's quantiles sweeps them. As a
rough quality score, the pretrained MNIST CNN of the transfer part classifies 200 such samples:
its mean confidence and how many different digits it sees among them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .clase7_autoencoders import knn_accuracy, mse, predict, train
from .clase7_image_transfer import normalise, pretrained_cnn

LATENT = 2
#: The weight β of the KL term.
KL_WEIGHT = 1.0


def vae(fw: Any) -> Any:
    """``Sequential(encoder, decoder)``: 784 → 256 → 2·LATENT (μ, log σ²); LATENT → 256 → 784 logits."""
    nn = fw.nn
    encoder = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 2 * LATENT))
    decoder = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 784))
    return nn.Sequential(encoder, decoder)


def vae_terms(F: Any, model: Any, x: Any, eps: Any) -> tuple[Any, Any]:
    """(reconstruction, KL), each summed over pixels / latent units and averaged over the batch."""
    stats = model[0](x)
    mu, logvar = stats[:, :LATENT], stats[:, LATENT:]
    z = mu + (0.5 * logvar).exp() * eps
    logits = model[1](z)
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
    kl = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(1).mean()
    return rec, kl


def run_vae(ctx: Any, data: tuple[np.ndarray, ...]) -> None:
    """Train the VAE; record the loss split, the latent plane, prior samples and the grid."""
    from scipy.stats import norm

    F = ctx.F
    xtr, ytr, xte, yte = data
    model = ctx.model("vae", vae)
    noise = ctx.rng("vae-eps")  # ε for the reparameterisation, identical on both engines
    parts: list[tuple[float, float]] = []

    def loss(x: Any) -> Any:
        eps = ctx.tensor(noise.standard_normal((x.shape[0], LATENT)).astype(np.float32))
        rec, kl = vae_terms(F, model, x, eps)
        parts.append((rec.item(), kl.item()))
        return rec + KL_WEIGHT * kl

    loader = ctx.loader(xtr, batch_size=64, key="vae")
    epochs = ctx.pick(6, 50)
    total = train(ctx, model.parameters(), loader, epochs, 3e-3, loss, "VAE")
    per_epoch = np.array(parts).reshape(epochs, len(loader), 2).mean(1)  # (approx.: batches equal-weighted)

    stats = predict(ctx, model[0], xte)
    mu = stats[:, :LATENT]
    with ctx.fw.no_grad():
        rec_te, kl_te = vae_terms(F, model, ctx.tensor(xte), ctx.tensor(np.zeros_like(mu)))
    recon = predict(ctx, lambda x: ctx.fw.sigmoid(model[1](model[0](x)[:, :LATENT])), xte)
    ctx.metric("vae_test_mse", mse(recon, xte))
    ctx.metric("vae_test_kl", kl_te.item())
    ctx.metric("vae_test_reconstruction_bce", rec_te.item())
    ctx.metric("vae_latent_std", float(mu.std()))
    ctx.metric("vae_latent_mean_abs", float(np.abs(mu.mean(0)).max()))
    ctx.metric("vae_latent_knn_accuracy", knn_accuracy(predict(ctx, model[0], xtr)[:, :LATENT], ytr, mu, yte))
    ctx.curve("vae_loss", total)
    ctx.curve("vae_kl", per_epoch[:, 1])

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.6))
    ep = np.arange(1, epochs + 1)
    ax[0].plot(ep, per_epoch[:, 0], label="reconstrucción  E[−log p(x|z)]")
    ax[0].plot(ep, per_epoch[:, 1], label="KL(q(z|x) ‖ N(0, I))")
    ax[0].plot(ep, total, "k--", lw=1, label=f"total = rec + {KL_WEIGHT:g}·KL")
    ax[0].set_yscale("log")
    ax[0].set_xlabel("época")
    ax[0].set_ylabel("nats por imagen")
    ax[0].legend(fontsize=8)
    ax[0].set_title("La pérdida del VAE, separada")
    sc = ax[1].scatter(mu[:, 0], mu[:, 1], c=yte, cmap="tab10", s=6, alpha=0.8)
    fig.colorbar(sc, ax=ax[1], ticks=range(10), label="dígito")
    t = np.linspace(-3, 3, 100)
    ax[1].plot(2 * np.cos(t * np.pi / 3), 2 * np.sin(t * np.pi / 3), "k:", lw=1, label="2σ de la prior")
    ax[1].legend(fontsize=8, loc="upper right")
    ax[1].set_title("μ(x) de las imágenes de test")
    ax[1].set_xlabel("z₁")
    ax[1].set_ylabel("z₂")
    n = 15
    q = norm.ppf(np.linspace(0.05, 0.95, n))  # quantiles of the prior: equal probability mass per cell
    grid = np.array([[a, b] for b in q[::-1] for a in q], dtype=np.float32)
    imgs = predict(ctx, lambda z: ctx.fw.sigmoid(model[1](z)), grid).reshape(n, n, 28, 28)
    ax[2].imshow(imgs.transpose(0, 2, 1, 3).reshape(n * 28, n * 28), cmap="gray_r")
    ax[2].set_title("Decodificando la grilla z = Φ⁻¹(cuantiles)")
    ax[2].axis("off")
    ctx.figure("vae_latent", fig, "La pérdida en sus dos términos; el plano latente (medias μ de test, "
               "coloreadas por dígito) y lo que el decodificador genera sobre una grilla de la prior.")

    # new digits from the prior, judged by the pretrained MNIST CNN of part 4
    z = ctx.rng("vae-prior-samples").standard_normal((200, LATENT)).astype(np.float32)
    samples = predict(ctx, lambda v: ctx.fw.sigmoid(model[1](v)), z)
    cnn = pretrained_cnn(ctx)
    with ctx.fw.no_grad():
        probs = ctx.numpy(ctx.F.softmax(cnn(ctx.tensor(normalise(samples).reshape(-1, 1, 28, 28))), dim=1))
    confidence, classes = float(probs.max(1).mean()), np.bincount(probs.argmax(1), minlength=10)
    ctx.metric("vae_sample_confidence", confidence)
    ctx.metric("vae_sample_classes", int(np.sum(classes >= 5)))
    fig, axes = plt.subplots(4, 10, figsize=(10, 4.6))
    for a, img, p in zip(axes.ravel(), samples, probs):
        a.imshow(img.reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        a.set_title(f"{p.argmax()} ({100 * p.max():.0f}%)", fontsize=7)
        a.axis("off")
    fig.suptitle("Muestras nuevas: z ~ N(0, I), x = g(z) — y lo que ve en ellas la CNN preentrenada",
                 fontsize=10)
    ctx.figure("vae_samples", fig, "40 de los 200 dígitos generados desde la prior, con la clase y la "
               "confianza que les asigna la CNN de MNIST de la parte 4.")
    ctx.text(
        "**VAE.** El codificador da una distribución `q(z|x) = N(μ, σ²)` y el código se muestrea como "
        "`z = μ + σ·ε` con `ε ~ N(0, I)` (*reparametrización*: el azar entra como dato y el gradiente "
        "pasa por μ y σ). La pérdida es la reconstrucción `−log p(x|z)` (BCE sumada sobre los 784 píxeles) "
        f"más β·KL con β = {KL_WEIGHT:g} y `KL = −½ Σ(1 + log σ² − μ² − σ²)`. En test: reconstrucción "
        f"{rec_te.item():.1f} nats, KL {kl_te.item():.2f} nats por imagen (MSE de la media "
        f"{mse(recon, xte):.4f}). "
        "El término KL empuja cada `q(z|x)` hacia la prior: las medias de test tienen desvío "
        f"{mu.std():.2f} (la prior, 1) y decodificar `z ~ N(0, I)` da dígitos nuevos: la CNN preentrenada "
        f"de la parte 4 reconoce en 200 muestras {int(np.sum(classes >= 5))} de los 10 dígitos, con "
        "confianza "
        f"media {100 * confidence:.0f}%.")
