"""Clase 3 — PyTorch: tensores, autograd y el mismo código en neurona y en PyTorch.

1. Tensors: the same lines of code (``torch.tensor([1, 2, 3]).dtype``, broadcasting, ``@``,
   ``view``) evaluated with ``torch`` bound to ``neurona`` and to PyTorch give the same results.
2. Autograd on small expressions: ``y = x² + 3x`` (dy/dx = 2x + 3), ``z = σ(w·x + b)``
   (∂z/∂w = σ(u)(1 − σ(u))·x, ∂z/∂b = σ(u)(1 − σ(u))), cross-entropy of logits s
   (∂L/∂s = softmax(s) − onehot(y)), a broadcast product (∂Σ(A ⊙ v)/∂v = Σᵢ Aᵢ) and the MSE
   of a linear model (∂/∂w ‖Xw − y‖²/n = 2Xᵀ(Xw − y)/n): both engines against the formula.
3. The proof that neurona's API is PyTorch's: ONE training function taking the module ``m``
   runs with ``m = neurona`` and ``m = torch`` — an MLP on the digits in float64, identical
   initial weights (copied through ``state_dict``) and identical batches, with SGD + momentum
   and with Adam. The two loss curves coincide to ≤ 1e-6 at every step.
4. "Continuous XOR" (noisy points around the four corners): a 2-8-1 tanh MLP with
   ``BCEWithLogitsLoss`` reaches 100% test accuracy; its decision boundary.
5. An MLP 64-256-10 on scikit-learn's 8×8 digits (standardised pixels, Adam, cross-entropy
   with label smoothing 0.1): ≥ 97% test accuracy; curves, confusion matrix, the mistakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..datasets import course, digits
from .registry import Lab, Target

LAB = Lab(
    id="clase3",
    number=3,
    slug="pytorch",
    title="PyTorch: tensores, autograd y el mismo código en los dos motores",
    summary="import neurona as torch: el mismo código da los mismos tensores, los mismos gradientes y "
            "las mismas curvas de entrenamiento (float64, ≤ 1e-6) que PyTorch; XOR continuo al 100%; "
            "un MLP sobre los dígitos 8×8 con ≥ 97% de exactitud en test.",
    targets=(
        Target("tensor_mismatches", "~", 0, tol=0, description="tensor expressions: neurona vs PyTorch"),
        Target("autograd_engine_gap", "<=", 1e-6, description="max |grad neurona − grad PyTorch|"),
        Target("autograd_formula_gap", "<=", 1e-5, description="max |grad − analytic formula| (float32)"),
        Target("parity_max_loss_gap", "<=", 1e-6,
               description="same code, float64: max |loss neurona − loss PyTorch| over every step"),
        Target("parity_max_weight_gap", "<=", 1e-6, description="final weights, same comparison"),
        Target("xor_test_accuracy", ">=", 1.0, description="continuous XOR, 2-8-1 tanh MLP"),
        Target("digits_test_accuracy", ">=", 0.97, description="MLP 64-256-10 on the 8×8 digits"),
    ),
)


# -- 1. tensors ----------------------------------------------------------------------------------
# Each line is evaluated with the name ``torch`` bound to neurona and then to PyTorch.
TENSOR_LINES: tuple[str, ...] = (
    "torch.tensor([1, 2, 3]).dtype",
    "torch.tensor([1.0, 2.0]).dtype",
    "torch.tensor([1, 2]) * 1.5",
    "torch.zeros(2, 3).shape",
    "torch.arange(6).view(2, 3)",
    "torch.arange(6).view(2, 3).sum(dim=0)",
    "torch.ones(2, 3) + torch.tensor([1.0, 2.0, 3.0])",
    "torch.tensor([[1.0, 2.0], [3.0, 4.0]]) @ torch.tensor([1.0, 1.0])",
    "torch.tensor([[1.0, 2.0], [3.0, 4.0]]).T.tolist()",
    "torch.tensor([0.5, -1.0]).abs().max().item()",
)


def _show(value: Any) -> str:
    """A value as text without the engine's name (``torch.float32`` → ``float32``)."""
    return " ".join(str(value).replace("torch.", "").replace("neurona.", "").split())


def _tensors(ctx: Any) -> None:
    import torch

    import neurona

    rows, mismatches = [], 0
    for line in TENSOR_LINES:
        a = _show(eval(line, {"torch": neurona}))  # our own constant lines, nothing from outside
        b = _show(eval(line, {"torch": torch}))
        mismatches += a != b
        rows.append([line, a, b])
    ctx.metric("tensor_mismatches", mismatches)
    ctx.table("tensors", ["código (torch = neurona / torch)", "neurona", "PyTorch"], rows,
              caption="Las mismas líneas, evaluadas con `torch` = neurona y con `torch` = PyTorch")
    ctx.text("**`import neurona as torch`.** neurona tiene exactamente la API de PyTorch: los mismos "
             "nombres, argumentos, valores por defecto y reglas de tipos (enteros → `int64`, reales → "
             "`float32`, un escalar de Python no cambia el tipo del tensor). La tabla evalúa cada línea "
             "con `torch` apuntando a cada motor: "
             f"{len(TENSOR_LINES) - mismatches} de {len(TENSOR_LINES)} resultados idénticos.")


# -- 2. autograd ---------------------------------------------------------------------------------
def _sigmoid(u: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-u))


def _softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max())
    return e / e.sum()


_X = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, -1.0]])
_Y = np.array([1.0, 0.5, -2.0])
_W = np.array([0.3, -0.2])

# (expression, code run with ``torch`` bound to each engine, leaf names, analytic gradients)
AUTOGRAD_CASES: tuple[tuple[str, str, tuple[str, ...], dict[str, np.ndarray]], ...] = (
    ("y = x² + 3x  (x = 2)",
     "x = torch.tensor(2.0, requires_grad=True)\ny = x**2 + 3*x\ny.backward()",
     ("x",), {"x": np.array(2 * 2.0 + 3)}),
    ("z = σ(w·x + b)",
     "w = torch.tensor([0.5, -1.0], requires_grad=True)\nb = torch.tensor(0.25, requires_grad=True)\n"
     "x = torch.tensor([1.0, 2.0])\nz = (w @ x + b).sigmoid()\nz.backward()",
     ("w", "b"),
     {"w": _sigmoid(-1.25) * (1 - _sigmoid(-1.25)) * np.array([1.0, 2.0]),
      "b": np.array(_sigmoid(-1.25) * (1 - _sigmoid(-1.25)))}),
    ("L = CE(s, clase 2)",
     "s = torch.tensor([[1.0, 2.0, 0.5]], requires_grad=True)\n"
     "L = torch.nn.functional.cross_entropy(s, torch.tensor([2]))\nL.backward()",
     ("s",), {"s": (_softmax(np.array([1.0, 2.0, 0.5])) - np.eye(3)[2])[None]}),
    ("L = Σ A ⊙ v  (v se difunde)",
     "A = torch.arange(6.0).view(2, 3)\nv = torch.ones(3, requires_grad=True)\nL = (A * v).sum()\n"
     "L.backward()",
     ("v",), {"v": np.arange(6.0).reshape(2, 3).sum(0)}),
    ("L = ‖Xw − y‖²/n",
     f"X = torch.tensor({_X.tolist()})\ny = torch.tensor({_Y.tolist()})\n"
     f"w = torch.tensor({_W.tolist()}, requires_grad=True)\nL = ((X @ w - y) ** 2).mean()\nL.backward()",
     ("w",), {"w": 2 * _X.T @ (_X @ _W - _Y) / len(_Y)}),
)


def _fmt_array(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a, dtype=np.float64), separator=", ",
                           formatter={"float_kind": lambda v: f"{v:.5g}"})


def _autograd(ctx: Any) -> None:
    import torch

    import neurona

    rows, engine_gap, formula_gap = [], 0.0, 0.0
    for expr, code, leaves, exact in AUTOGRAD_CASES:
        grads = []
        for m in (neurona, torch):
            scope: dict[str, Any] = {"torch": m}
            exec(code, scope)  # our own constant snippets above
            grads.append({k: scope[k].grad.detach().numpy().astype(np.float64) for k in leaves})
        for k in leaves:
            g_n, g_t = grads[0][k], grads[1][k]
            engine_gap = max(engine_gap, float(np.max(np.abs(g_n - g_t))))
            formula_gap = max(formula_gap, float(np.max(np.abs(g_n - exact[k]))),
                              float(np.max(np.abs(g_t - exact[k]))))
            rows.append([expr, f"∂/∂{k}", _fmt_array(g_n), _fmt_array(g_t), _fmt_array(exact[k])])
    ctx.metric("autograd_engine_gap", engine_gap)
    ctx.metric("autograd_formula_gap", formula_gap)
    ctx.table("autograd", ["expresión", "gradiente", "neurona", "PyTorch", "fórmula"], rows,
              caption="loss.backward() en los dos motores y la derivada escrita a mano")
    ctx.text("**Autograd.** Un tensor con `requires_grad=True` registra cada operación; `backward()` "
             "recorre el grafo al revés aplicando la regla de la cadena y deja el gradiente en `.grad`. "
             "Por ejemplo, para `z = σ(w·x + b)`: ∂z/∂w = σ(u)(1 − σ(u))·x; para la entropía cruzada de "
             "los logits s: ∂L/∂s = softmax(s) − onehot(y); y si un tensor se difunde (broadcasting), su "
             "gradiente se suma sobre las copias. Diferencia máxima entre motores: "
             f"{engine_gap:.1e}; contra la fórmula: {formula_gap:.1e} (float32).")


# -- 3. the same code on both engines ------------------------------------------------------------
def build_mlp(m: Any) -> Any:
    """The parity model, written once for either framework ``m``: 64 → 64 (ReLU) → 10."""
    return m.nn.Sequential(m.nn.Linear(64, 64), m.nn.ReLU(), m.nn.Linear(64, 10))


def train_same_code(m: Any, init: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                    batches: Sequence[np.ndarray], optimizer: str,
                    **hyper: float) -> tuple[list[float], dict[str, np.ndarray]]:
    """Train ``build_mlp(m)`` in float64 from the weights ``init`` on the mini-batches
    ``batches`` (index arrays) with ``m.optim.<optimizer>(**hyper)`` minimising the cross-entropy
    ``L = −(1/B) Σᵢ log softmax(f(xᵢ))_{yᵢ}``. ``m`` is ``neurona`` or ``torch``: this function
    does not know which. Returns the loss of every step and the final weights."""
    model = build_mlp(m).double()
    model.load_state_dict({k: m.tensor(v, dtype=m.float64) for k, v in init.items()})
    opt = getattr(m.optim, optimizer)(model.parameters(), **hyper)
    loss_fn = m.nn.CrossEntropyLoss()
    X, Y = m.tensor(x, dtype=m.float64), m.tensor(y)
    losses = []
    for idx in batches:
        i = m.as_tensor(idx)
        loss = loss_fn(model(X[i]), Y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    weights = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return losses, weights


def _standardise(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """(x − μ)/(σ + 0.1) with μ, σ of the training pixels (0.1: border pixels are always 0)."""
    mu, sd = train.mean(0), train.std(0) + 0.1
    return [((a - mu) / sd).astype(train.dtype) for a in (train, *others)]


def _same_code(ctx: Any) -> None:
    import torch

    import neurona

    x, y = digits.load_digits8()
    (xtr, ytr), _, _ = digits.train_val_test(x, y, seed=ctx.seed)
    (xtr,) = _standardise(xtr.astype(np.float64))
    rng = ctx.rng("parity-batches")
    epochs, bs = ctx.pick(3, 6), 64
    batches = [idx for _ in range(epochs) for idx in np.array_split(rng.permutation(len(xtr)),
                                                                     len(xtr) // bs)]
    # initial weights: built once (by neurona), copied into both engines through the state dict
    neurona.manual_seed(ctx.seed)
    init = {k: v.numpy().astype(np.float64) for k, v in build_mlp(neurona).state_dict().items()}
    runs = {"SGD (lr 0.05, momentum 0.9)": ("SGD", {"lr": 0.05, "momentum": 0.9}),
            "Adam (lr 1e-3)": ("Adam", {"lr": 1e-3})}
    curves: dict[str, dict[str, list[float]]] = {}
    loss_gap = weight_gap = 0.0
    rows = []
    for label, (name, hyper) in runs.items():
        out = {m.__name__: train_same_code(m, init, xtr, ytr, batches, name, **hyper)
               for m in (neurona, torch)}
        (ln, wn), (lt, wt) = out["neurona"], out["torch"]
        gap = float(np.max(np.abs(np.subtract(ln, lt))))
        wgap = max(float(np.max(np.abs(wn[k] - wt[k]))) for k in wn)
        loss_gap, weight_gap = max(loss_gap, gap), max(weight_gap, wgap)
        curves[label] = {"neurona": ln, "torch": lt}
        ctx.curve(f"parity_{name.lower()}_loss", ln)
        rows.append([label, len(batches), ln[0], ln[-1], lt[-1], gap, wgap])
    ctx.metric("parity_max_loss_gap", loss_gap)
    ctx.metric("parity_max_weight_gap", weight_gap)
    ctx.metric("parity_steps", len(batches))
    ctx.table("parity", ["optimizador", "pasos", "loss inicial", "loss final neurona", "loss final PyTorch",
                         "máx |Δ loss|", "máx |Δ pesos|"], rows,
              caption="train_same_code(m, ...) con m = neurona y m = torch: mismos pesos, mismos lotes")

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(11, 3.9))
    for (label, c), color in zip(curves.items(), ("tab:blue", "tab:orange")):
        ax[0].plot(c["neurona"], color=color, lw=2.5, alpha=0.5, label=f"{label} — neurona")
        ax[0].plot(c["torch"], "k:", lw=1.2)
        diff = np.abs(np.subtract(c["neurona"], c["torch"]))
        ax[1].semilogy(np.maximum(diff, 1e-18), color=color, label=label)
    ax[0].plot([], [], "k:", label="PyTorch (punteada)")
    ax[0].set_xlabel("paso")
    ax[0].set_ylabel("entropía cruzada")
    ax[0].set_title("El mismo código en neurona y en PyTorch (float64)")
    ax[0].legend(loc="upper right", fontsize=8)
    ax[1].axhline(1e-6, color="r", ls="--", lw=1, label="tolerancia 1e-6")
    ax[1].set_xlabel("paso")
    ax[1].set_ylabel("|loss neurona − loss PyTorch|")
    ax[1].set_title("Diferencia paso a paso (1e-18 = idénticas)")
    ax[1].legend(fontsize=8)
    ctx.figure("same_code", fig, "Curvas de pérdida superpuestas de neurona y PyTorch, y su diferencia.")
    ctx.text("**La prueba: el mismo código.** `train_same_code(m, ...)` construye "
             "`m.nn.Sequential(m.nn.Linear(64, 64), m.nn.ReLU(), m.nn.Linear(64, 10)).double()`, carga "
             "los pesos iniciales con `load_state_dict`, y entrena con `m.optim.SGD`/`m.optim.Adam` y "
             "`m.nn.CrossEntropyLoss()`. Se llama con `m = neurona` y con `m = torch`, los mismos lotes y "
             f"float64: en los {len(batches)} pasos las pérdidas difieren a lo sumo {loss_gap:.1e} y los "
             f"pesos finales {weight_gap:.1e}. Lo que se aprende con neurona es PyTorch.")


# -- 4. continuous XOR ---------------------------------------------------------------------------
def _xor_net(fw: Any) -> Any:
    """2 → 8 (tanh) → 1 logit."""
    return fw.nn.Sequential(fw.nn.Linear(2, 8), fw.nn.Tanh(), fw.nn.Linear(8, 1))


def _continuous_xor(ctx: Any) -> None:
    fw = ctx.fw
    x, y = course.continuous_xor(400, noise=0.1, seed=ctx.seed)
    tr, te = course.split(len(x), (0.75, 0.25), seed=ctx.seed)
    yf = y.astype(np.float32)[:, None]
    model = ctx.model("xor-mlp", _xor_net)
    loss_fn = fw.nn.BCEWithLogitsLoss()
    opt = fw.optim.Adam(model.parameters(), lr=0.03)
    epochs = ctx.pick(40, 80)
    hist = ctx.fit(model, loss_fn, opt, ctx.loader(x[tr], yf[tr], batch_size=32, key="xor"), epochs,
                   metrics=["accuracy"])
    with fw.no_grad():
        logits = ctx.numpy(model(ctx.tensor(x[te]))).reshape(-1)
    acc = float(np.mean((logits > 0) == (y[te] == 1)))
    ctx.metric("xor_test_accuracy", acc)
    ctx.metric("xor_train_loss", hist.last("loss"))
    ctx.curve("xor_loss", hist["loss"])

    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.9))
    ax[0].plot(hist.epochs, hist["loss"])
    ax[0].set_xlabel("época")
    ax[0].set_ylabel("BCEWithLogitsLoss")
    ax[0].set_title("Entrenamiento")
    g = np.linspace(-0.6, 1.6, 111, dtype=np.float32)
    gx, gy = np.meshgrid(g, g)
    with fw.no_grad():
        p = fw.sigmoid(model(ctx.tensor(np.c_[gx.ravel(), gy.ravel()])))
    zz = ctx.numpy(p).reshape(gx.shape)
    cs = ax[1].contourf(gx, gy, zz, levels=20, cmap="coolwarm", alpha=0.75)
    ax[1].contour(gx, gy, zz, levels=[0.5], colors="k")
    ax[1].scatter(*x[tr].T, c=y[tr], cmap="bwr", s=12, edgecolors="k", linewidths=0.3, label="train")
    ax[1].scatter(*x[te].T, c=y[te], cmap="bwr", s=40, marker="^", edgecolors="k", label="test")
    fig.colorbar(cs, ax=ax[1], label="P(y = 1)")
    ax[1].set_title(f"Frontera de decisión — test {100 * acc:.0f}%")
    ax[1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8)
    ctx.figure("continuous_xor", fig, "XOR continuo: pérdida por época y la frontera P(y=1) = 0.5.")
    ctx.text("**XOR continuo.** 400 puntos con ruido gaussiano (σ = 0.1) alrededor de las cuatro "
             "esquinas, etiquetados con el XOR de su esquina; 75% train, 25% test. Una red "
             "2-8-1 con tanh da un logit; `nn.BCEWithLogitsLoss` aplica la sigmoide y la entropía "
             "cruzada binaria en una sola operación estable: `ℓ = max(z, 0) − z·y + log(1 + e^(−|z|))`. "
             f"Exactitud en test: {100 * acc:.1f}%.")


# -- 5. digits -----------------------------------------------------------------------------------
def _digits_net(fw: Any) -> Any:
    """64 pixels → 256 (ReLU) → 10 logits."""
    return fw.nn.Sequential(fw.nn.Linear(64, 256), fw.nn.ReLU(), fw.nn.Linear(256, 10))


def _digits(ctx: Any) -> None:
    from sklearn.metrics import confusion_matrix

    fw = ctx.fw
    x, y = digits.load_digits8()
    (xtr, ytr), (xva, yva), (xte, yte) = digits.train_val_test(x, y, seed=ctx.seed)
    raw_te = xte
    xtr, xva, xte = _standardise(xtr, xva, xte)
    model = ctx.model("digits-mlp", _digits_net)
    loss_fn = fw.nn.CrossEntropyLoss(label_smoothing=0.1)
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    epochs = ctx.pick(25, 40)
    hist = ctx.fit(model, loss_fn, opt, ctx.loader(xtr, ytr, batch_size=32, key="digits"), epochs,
                   val_loader=ctx.loader(xva, yva, batch_size=256, shuffle=False, key="digits-val"),
                   metrics=["accuracy"])
    model.eval()
    with fw.no_grad():
        pred = ctx.numpy(model(ctx.tensor(xte))).argmax(1)
    acc = float(np.mean(pred == yte))
    ctx.metric("digits_test_accuracy", acc)
    ctx.metric("digits_val_accuracy", hist.last("val_accuracy"))
    ctx.metric("digits_parameters", sum(p.numel() for p in model.parameters()))
    ctx.curve("digits_loss", hist["loss"])
    ctx.curve("digits_val_accuracy", hist["val_accuracy"])

    fig = hist.plot(title=f"MLP 64-256-10 sobre los dígitos 8×8 ({ctx.label})")
    ctx.figure("digits_history", fig, "Pérdida y exactitud por época (train continua, validación a trazos).")

    plt = ctx.plt()
    cm = confusion_matrix(yte, pred, labels=range(10))
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
    ax.set_title(f"Matriz de confusión — test {100 * acc:.1f}%")
    fig.colorbar(im, ax=ax)
    ctx.figure("digits_confusion", fig, "Matriz de confusión en test (sklearn.metrics.confusion_matrix).")

    wrong = np.flatnonzero(pred != yte)[:12]
    if len(wrong):
        fig, axes = plt.subplots(1, len(wrong), figsize=(1.3 * len(wrong), 1.8), squeeze=False)
        for a, i in zip(axes[0], wrong):
            a.imshow(raw_te[i].reshape(8, 8), cmap="gray_r")
            a.set_title(f"{yte[i]} → {pred[i]}", fontsize=9)
            a.axis("off")
        ctx.figure("digits_mistakes", fig, "Dígitos de test mal clasificados (verdad → predicción).")
    ctx.text("**Dígitos 8×8.** Los 1.797 dígitos de scikit-learn (70% train, 15% validación, 15% test), "
             "con los píxeles estandarizados con la media y el desvío de train. Un MLP 64-256-10 (ReLU) "
             "con Adam y entropía cruzada con *label smoothing* 0.1 (el objetivo de cada ejemplo es "
             "0.91 para su clase y 0.01 para las otras, lo que evita logits desmesurados) llega a "
             f"{100 * acc:.1f}% en test: {len(np.flatnonzero(pred != yte))} errores en {len(yte)}.")


def run(ctx: Any) -> None:
    """Run every part of the lab, recording metrics, tables and figures."""
    _tensors(ctx)
    _autograd(ctx)
    _same_code(ctx)
    _continuous_xor(ctx)
    _digits(ctx)
