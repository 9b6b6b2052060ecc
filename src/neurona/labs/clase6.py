"""Clase 6 — redes recurrentes (RNN, LSTM, GRU) y atención.

1. Series temporales (``clase6_signals``): pronóstico a 1 paso (lineal, MLP, RNN de 1 y 5 unidades,
   RNN de 2 capas, LSTM, GRU) y a 10 pasos (MLP, LSTM secuencia → vector, codificador-decodificador
   con y sin teacher forcing).
2. Gradientes en el tiempo (``clase6_gradients``): la norma de ∂ŷ/∂xₜ para cada paso t en una RNN y
   en una LSTM (desvanecimiento), y el recorte de gradientes (``clip_grad_norm_``) salvando un
   entrenamiento que sin él diverge.
3. Una GRU sobre MNIST-1D (``clase6_mnist1d``): la tabla del paper da 91 % a la GRU.
4. Un modelo de lenguaje por caracteres sobre Shakespeare (``clase6_charlm``): pérdida en nats por
   carácter y texto generado a dos temperaturas.
5. Secuencia a secuencia con atención (``clase6_seq2seq``): números → palabras en castellano
   (4721 → "cuatro mil setecientos veintiuno") con un codificador-decodificador GRU con atención y
   con un ``nn.Transformer`` pequeño; mapas de atención.
"""

from __future__ import annotations

from typing import Any

from .clase6_charlm import run_charlm
from .clase6_gradients import run_gradients
from .clase6_mnist1d import run_mnist1d
from .clase6_seq2seq import run_seq2seq
from .clase6_signals import run_signals
from .registry import Lab, Target

LAB = Lab(
    id="clase6",
    number=6,
    slug="rnn-attention",
    title="Redes recurrentes y atención",
    summary="Pronóstico de series a 1 y 10 pasos (MLP vs RNN vs LSTM/GRU vs codificador-decodificador con "
            "y sin teacher forcing); gradientes que se desvanecen y recorte de gradientes; GRU sobre "
            "MNIST-1D; modelo de lenguaje por caracteres sobre Shakespeare; números → palabras con atención "
            "y con un Transformer.",
    aliases=("rnn", "clase-6"),
    targets=(
        Target("signal1_best_rnn_test_mse", "<=", 0.006, description="1 step ahead, best recurrent model"),
        Target("signal1_rnn_over_linear", "<=", 0.8, profiles=("fast",),
               description="best recurrent MSE / linear baseline MSE, same short training budget (with "
                           "long training the linear model nears the best linear predictor)"),
        Target("signal1_rnn_over_mlp", "<=", 0.9, profiles=("fast",),
               description="1 step ahead: best recurrent MSE / MLP MSE, same short training budget (with "
                           "the full profile's 7,000 series × 20 epochs the MLP wins: ratio ≈ 1.4)"),
        Target("signal10_best_test_mse", "<=", 0.010, description="10 steps ahead, best model"),
        Target("signal10_rnn_over_mlp", "<=", 0.5, profiles=("full",),
               description="10 steps ahead: best recurrent MSE / MLP MSE"),
        Target("grad_rnn_init_first_over_last", "<=", 1e-6,
               description="RNN at init: |∂ŷ/∂x₁| / |∂ŷ/∂x₅₀| (vanishing gradient)"),
        Target("grad_lstm_trained_first_over_last", ">=", 0.5,
               description="trained LSTM on the sum task: the gradient reaches the first step"),
        Target("sum_lstm_over_rnn_mse", "<=", 0.5,
               description="sum of 50 steps: LSTM test MSE / RNN test MSE"),
        Target("clip_unclipped_diverged", "~", 1, tol=0,
               description="SGD without clipping: the loss overflows"),
        Target("clip_final_loss", "<=", 0.01, description="the same run with clip_grad_norm_"),
        Target("mnist1d_gru_test_accuracy", ">=", 0.80, profiles=("fast",),
               description="GRU on MNIST-1D, 2,000 training sequences"),
        Target("mnist1d_gru_test_accuracy", ">=", 0.91, profiles=("full",),
               description="GRU on MNIST-1D (paper: 91%)"),
        Target("charlm_val_nats", "<=", 2.5, profiles=("fast",),
               description="Shakespeare, validation nats/char (unigram ≈ 3.34)"),
        Target("charlm_val_nats", "<=", 1.7, profiles=("full",),
               description="Shakespeare, validation nats/char"),
        Target("numbers_gru_attention_exact_match", ">=", 0.90, profiles=("fast",),
               description="numbers → Spanish words, held-out numbers, greedy"),
        Target("numbers_gru_attention_exact_match", ">=", 0.95, profiles=("full",),
               description="numbers → Spanish words, held-out numbers, greedy"),
        Target("numbers_transformer_exact_match", ">=", 0.80, profiles=("fast",),
               description="the same task with a small nn.Transformer"),
        Target("numbers_transformer_exact_match", ">=", 0.95, profiles=("full",),
               description="the same task with a small nn.Transformer"),
    ),
)


def run(ctx: Any) -> None:
    """Run every part of the lab, recording metrics, tables, figures and texts."""
    data = run_signals(ctx)
    run_gradients(ctx, data["train"])
    run_mnist1d(ctx)
    run_charlm(ctx)
    run_seq2seq(ctx)
