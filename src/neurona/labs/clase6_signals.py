"""Forecasting a noisy sum of two sines: 1 step and 10 steps ahead.

The series are ``course.two_sines`` (10,000 series, seeded): 50 observed steps and the 10 that
follow; 7,000 / 2,000 / 1,000 for training, validation and test.

* **1 step.** Baselines without recurrence — the last value (no training), a linear model
  ``ŷ = w·x + b`` on the 50 values and an MLP 50→64→1 — against recurrent networks that read the
  series one step at a time, ``hₜ = tanh(W_ih xₜ + W_hh hₜ₋₁ + b)``: an RNN with a single unit (its
  state *is* the prediction), with 5 units and a linear head, two stacked layers of 20, an LSTM
  and a GRU (20 units each).
* **10 steps.** An MLP 50→64→10; an LSTM whose last state goes to 10 outputs at once
  (sequence → vector — the course outline's "RNN with 10 outputs", built as an LSTM and labelled
  so); and an **encoder-decoder**: a GRU encoder summarises the 50 steps in its
  state, a GRU decoder starts from that state and produces the 10 values one at a time, each fed
  back as the next input. Trained **with teacher forcing** (the decoder reads the *true* previous
  value) or **without** (it reads its own prediction, as at test time).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..datasets import course
from .clase6_common import Timer, adam_cosine, n_params, predict, train

OBSERVED, HORIZON = 50, 10


def series(ctx: Any) -> dict[str, np.ndarray]:
    """The 10,000 series (50 observed + 10 future steps), split 7,000 / 2,000 / 1,000; the fast
    profile trains on fewer series."""
    s = course.two_sines(10_000, OBSERVED + HORIZON, seed=42)
    n_train = ctx.pick(2_000, 7_000)
    return {"train": s[:n_train], "val": s[7_000:9_000], "test": s[9_000:]}


# -- models --------------------------------------------------------------------------------------
def flat_mlp(fw: Any, outputs: int, hidden: int | None) -> Any:
    """Flatten the (B, 50, 1) window and map it to ``outputs`` values (linear if ``hidden`` is None)."""
    nn = fw.nn
    if hidden is None:
        return nn.Sequential(nn.Flatten(), nn.Linear(OBSERVED, outputs))
    return nn.Sequential(nn.Flatten(), nn.Linear(OBSERVED, hidden), nn.ReLU(), nn.Linear(hidden, outputs))


def recurrent(fw: Any, kind: str, hidden: int, layers: int = 1, outputs: int | None = 1) -> Any:
    """``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` over the series; its last output → ``Linear(hidden,
    outputs)`` (``outputs=None``: no head, the last state itself is the prediction)."""
    nn = fw.nn

    class Forecaster(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = getattr(nn, kind)(1, hidden, num_layers=layers, batch_first=True)
            self.head = nn.Linear(hidden, outputs) if outputs is not None else None

        def forward(self, x: Any) -> Any:
            out, _ = self.rnn(x)             # (B, T, hidden): the top layer's state at every step
            last = out[:, -1]                # (B, hidden)
            return self.head(last) if self.head is not None else last

    return Forecaster()


def encoder_decoder(fw: Any, hidden: int = 32) -> Any:
    """A GRU encoder and a GRU decoder that emits one value per step, fed back as its next input."""
    nn = fw.nn

    class EncoderDecoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = nn.GRU(1, hidden, batch_first=True)
            self.decoder = nn.GRU(1, hidden, batch_first=True)
            self.head = nn.Linear(hidden, 1)

        def forward(self, x: Any, y_prev: Any = None) -> Any:
            """x (B, 50, 1) → (B, 10). With ``y_prev`` (B, 10, 1) — the true previous values,
            ``[x₅₀, y₁, …, y₉]`` — the decoder reads them all at once (teacher forcing); without
            it, it runs step by step on its own predictions."""
            _, h = self.encoder(x)                      # h: (1, B, hidden) — the summary
            if y_prev is not None:
                out, _ = self.decoder(y_prev, h)
                return self.head(out)[..., 0]
            prev, outs = x[:, -1:], []
            for _ in range(HORIZON):
                out, h = self.decoder(prev, h)          # one step: (B, 1, hidden)
                prev = self.head(out)                   # (B, 1, 1), the next input
                outs.append(prev)
            return fw.cat(outs, dim=1)[..., 0]

    return EncoderDecoder()


# -- training ------------------------------------------------------------------------------------
def _fit_forecaster(ctx: Any, key: str, factory: Any, x: np.ndarray, y: np.ndarray, epochs: int, lr: float,
                    batch_size: int, teacher_forcing: bool = False) -> tuple[Any, list[float], float]:
    """Adam + cosine schedule on the MSE; returns (model, loss per epoch, seconds)."""
    model = ctx.model(key, factory)
    loader = ctx.loader(x, y, batch_size=batch_size, key="signals")
    opt, sched = adam_cosine(ctx, model, lr, epochs * len(loader))
    fw = ctx.fw

    def step_loss(m: Any, xb: Any, yb: Any) -> Any:
        if teacher_forcing:
            y_prev = fw.cat([xb[:, -1:, 0], yb[:, :-1]], dim=1)[..., None]
            pred = m(xb, y_prev)
        else:
            pred = m(xb)
        return ((pred - yb) ** 2).mean()

    with Timer() as t:
        hist = train(ctx, model, step_loss, opt, loader, epochs, scheduler=sched, desc=key)
    model.eval()
    return model, hist, t.seconds


def _mse(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((pred.reshape(y.shape) - y) ** 2))


ONE_STEP = (  # key, label, factory, is recurrent
    ("s1-linear", "lineal 50→1", lambda fw: flat_mlp(fw, 1, None), False),
    ("s1-mlp", "MLP 50→64→1", lambda fw: flat_mlp(fw, 1, 64), False),
    ("s1-rnn1", "RNN, 1 unidad (el estado es la predicción)",
     lambda fw: recurrent(fw, "RNN", 1, outputs=None), True),
    ("s1-rnn5", "RNN, 5 unidades + lineal", lambda fw: recurrent(fw, "RNN", 5), True),
    ("s1-rnn2x20", "RNN de 2 capas × 20 unidades", lambda fw: recurrent(fw, "RNN", 20, layers=2), True),
    ("s1-lstm", "LSTM, 20 unidades", lambda fw: recurrent(fw, "LSTM", 20), True),
    ("s1-gru", "GRU, 20 unidades", lambda fw: recurrent(fw, "GRU", 20), True),
)


def one_step(ctx: Any, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Train the 1-step models; record the table, metrics and curves; return test predictions."""
    tr, va, te = data["train"], data["val"], data["test"]
    x_tr, y_tr = tr[:, :OBSERVED], tr[:, OBSERVED, 0:1]
    epochs = ctx.pick(8, 20)
    naive = _mse(te[:, OBSERVED - 1, 0], te[:, OBSERVED, 0])
    rows: list[list[Any]] = [["último valor (ingenuo)", 0, "—", naive, 0.0]]
    preds: dict[str, np.ndarray] = {}
    best_rnn = best_base = np.inf
    for key, label, factory, is_rnn in ONE_STEP:
        model, hist, secs = _fit_forecaster(ctx, key, factory, x_tr, y_tr, epochs, lr=1e-2, batch_size=64)
        val = _mse(predict(ctx, model, va[:, :OBSERVED]), va[:, OBSERVED, 0])
        preds[label] = predict(ctx, model, te[:, :OBSERVED]).reshape(-1)
        test = _mse(preds[label], te[:, OBSERVED, 0])
        name = key.removeprefix("s1-")
        ctx.metric(f"signal1_{name}_test_mse", test)
        ctx.curve(f"signal1_{name}_train_mse", hist)
        rows.append([label, n_params(model), val, test, round(secs, 1)])
        if is_rnn:
            best_rnn = min(best_rnn, test)
        else:
            best_base = min(best_base, test)
    ctx.metric("signal1_naive_test_mse", naive)
    ctx.metric("signal1_best_rnn_test_mse", best_rnn)
    ctx.metric("signal1_best_baseline_test_mse", best_base)
    ctx.metric("signal1_rnn_over_linear", best_rnn / ctx.metrics["signal1_linear_test_mse"])
    ctx.metric("signal1_rnn_over_mlp", best_rnn / ctx.metrics["signal1_mlp_test_mse"])
    ctx.table("signals_1step", ["modelo", "parámetros", "MSE validación", "MSE test", "segundos"], rows,
              caption=f"Pronóstico a 1 paso (entrenamiento: {len(tr)} series, {epochs} épocas, "
                      "Adam + coseno)")
    return preds


def ten_steps(ctx: Any, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Train the 10-step models; record the table and metrics; return test predictions."""
    tr, va, te = data["train"], data["val"], data["test"]
    x_tr, y_tr = tr[:, :OBSERVED], tr[:, OBSERVED:, 0]
    epochs, batch_size = ctx.pick(8, 25), ctx.pick(16, 32)
    models = (
        ("s10-mlp", "MLP 50→64→10", lambda fw: flat_mlp(fw, HORIZON, 64), False),
        ("s10-lstm", "LSTM 32 → 10 salidas (secuencia → vector)",
         lambda fw: recurrent(fw, "LSTM", 32, outputs=HORIZON), False),
        ("s10-ed-tf", "codificador-decodificador GRU, con teacher forcing", encoder_decoder, True),
        ("s10-ed-free", "codificador-decodificador GRU, sin teacher forcing", encoder_decoder, False),
    )
    rows, preds = [], {}
    for key, label, factory, tf in models:
        model, hist, secs = _fit_forecaster(ctx, key, factory, x_tr, y_tr, epochs, lr=1e-2,
                                            batch_size=batch_size, teacher_forcing=tf)
        val = _mse(predict(ctx, model, va[:, :OBSERVED]), va[:, OBSERVED:, 0])
        preds[label] = predict(ctx, model, te[:, :OBSERVED])
        test = _mse(preds[label], te[:, OBSERVED:, 0])
        name = key.removeprefix("s10-").replace("-", "_")
        ctx.metric(f"signal10_{name}_test_mse", test)
        ctx.curve(f"signal10_{name}_train_mse", hist)
        rows.append([label, n_params(model), val, test, round(secs, 1)])
    ctx.metric("signal10_best_test_mse", min(r[3] for r in rows))
    best_rnn = min(ctx.metrics[f"signal10_{k}_test_mse"] for k in ("lstm", "ed_tf", "ed_free"))
    ctx.metric("signal10_rnn_over_mlp", best_rnn / ctx.metrics["signal10_mlp_test_mse"])
    ctx.table("signals_10steps", ["modelo", "parámetros", "MSE validación", "MSE test", "segundos"], rows,
              caption=f"Pronóstico a 10 pasos (MSE promedio sobre los 10 valores; {epochs} épocas). "
                      "En test los decodificadores usan siempre sus propias predicciones.")
    return preds


def plot_forecasts(ctx: Any, data: dict[str, np.ndarray], p1: dict[str, np.ndarray],
                   p10: dict[str, np.ndarray]) -> None:
    """Three test series with their true continuation and the predictions."""
    te = data["test"][..., 0]
    plt = ctx.plt()
    fig, axes = plt.subplots(2, 3, figsize=(13, 6.2), sharey=True)
    t_obs, t_fut = np.arange(OBSERVED), np.arange(OBSERVED, OBSERVED + HORIZON)
    show1 = ["lineal 50→1", "MLP 50→64→1", "RNN, 1 unidad (el estado es la predicción)", "LSTM, 20 unidades"]
    for j, i in enumerate((0, 1, 2)):
        for row, (preds, n) in enumerate(((p1, 1), (p10, HORIZON))):
            ax = axes[row, j]
            ax.plot(t_obs, te[i, :OBSERVED], ".-", color="k", lw=1, ms=3, label="observado")
            ax.plot(t_fut[:n], te[i, OBSERVED:OBSERVED + n], "o-", color="k", mfc="none", label="real")
            for label, p in preds.items():
                if row == 0 and label not in show1:
                    continue
                ax.plot(t_fut[:n], np.asarray(p[i]).reshape(-1)[:n], "x--", label=label)
            ax.set_xlim(30, OBSERVED + HORIZON)
            ax.set_title(f"serie de test {i} — {'1 paso' if n == 1 else '10 pasos'}")
            if j == 0:
                ax.set_ylabel("valor")
    for row in range(2):
        axes[row, -1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    ctx.figure("signals_forecasts", fig, "Pasos 30–50 observados (negro), la continuación real (círculos) y "
                                         "las predicciones: arriba a 1 paso, abajo a 10 pasos.")


def _key_of(label: str) -> str:
    """The metric name part (``rnn2x20``) of a 1-step model's label."""
    return next(key for key, lab, _, _ in ONE_STEP if lab == label).removeprefix("s1-")


def run_signals(ctx: Any) -> dict[str, np.ndarray]:
    """Both forecasting experiments, their tables, metrics and the plot; returns the data."""
    data = series(ctx)
    p1 = one_step(ctx, data)
    p10 = ten_steps(ctx, data)
    plot_forecasts(ctx, data, p1, p10)
    m = ctx.metrics
    best_label = min((label for key, label, _, rec in ONE_STEP if rec),
                     key=lambda label: m[f"signal1_{_key_of(label)}_test_mse"])
    ratio = m["signal1_rnn_over_mlp"]
    if ratio <= 0.9:
        versus_mlp = f"la mejor recurrente ({best_label}) lo mejora claramente: {ratio:.2f}× su error"
    elif ratio < 1:
        versus_mlp = f"la mejor recurrente ({best_label}) lo mejora apenas: {ratio:.2f}× su error"
    else:
        versus_mlp = f"aquí gana el MLP: la mejor recurrente ({best_label}) tiene {ratio:.2f}× su error"
    ctx.text(
        "**Series temporales.** Cada serie es la suma de dos senos con frecuencias y fases al azar, más "
        "ruido. A **1 paso**, el pronóstico ingenuo (repetir el último valor) tiene MSE "
        f"{m['signal1_naive_test_mse']:.4f}; el modelo lineal {m['signal1_linear_test_mse']:.4f}; la mejor "
        f"red recurrente {m['signal1_best_rnn_test_mse']:.4f} ({m['signal1_rnn_over_linear']:.2f}× la del "
        "lineal). Una RNN de **una sola unidad** es muy limitada (su estado, acotado por tanh, es la "
        f"predicción: MSE {m['signal1_rnn1_test_mse']:.4f}); con 5 unidades y una capa de salida ya compite. "
        "Una RNN lee la serie paso a paso con los *mismos* pesos en cada paso "
        "(`hₜ = tanh(W_ih·xₜ + W_hh·hₜ₋₁ + b)`): tiene pocos parámetros y sirve para cualquier longitud. "
        "Ojo: a 1 paso y sobre una señal tan suave, un MLP que ve la ventana entera también predice bien "
        f"(MSE {m['signal1_mlp_test_mse']:.4f}); {versus_mlp}. Con entrenamiento largo el modelo lineal se "
        "acerca al mejor predictor lineal; la ventaja de las recurrentes crece con secuencias largas o de "
        "longitud variable.")
    ctx.text(
        "**A 10 pasos** el error crece con el horizonte. El codificador-decodificador resume la serie en "
        "su estado y genera un valor por vez, realimentando cada predicción. Con **teacher forcing** el "
        "decodificador aprende leyendo los valores verdaderos, pero en test lee los suyos, con error, que "
        f"se acumula: MSE {m['signal10_ed_tf_test_mse']:.4f} contra {m['signal10_ed_free_test_mse']:.4f} "
        "entrenando sin teacher forcing, tal como se lo usa (con entrenamiento largo la diferencia se "
        f"achica). MLP: {m['signal10_mlp_test_mse']:.4f}; LSTM con 10 salidas: "
        f"{m['signal10_lstm_test_mse']:.4f}; la mejor recurrente tiene {m['signal10_rnn_over_mlp']:.2f}× el "
        "error del MLP.")
    return data
