"""Sequence to sequence with attention: numbers → Spanish words (4721 → "cuatro mil setecientos
veintiuno"), with a GRU encoder-decoder and with a small ``nn.Transformer``.

**GRU with attention** (Bahdanau-style, with a bilinear score). The encoder, a bidirectional GRU,
turns the digits into vectors ``e₁ … e_S`` (one per digit, aware of both neighbours). At each output
step the decoder, with state ``s``, scores every digit, ``score_j = (W s)·e_j``, turns the scores
into weights ``α = softmax(score)`` (padding masked with −∞) and reads the **context**
``c = Σ_j α_j e_j``; then ``s ← GRUCell([embedding(previous word), c], s)`` and the next word's
logits are ``Linear([s, c])``. The weights α, one row per output word, are the attention heatmaps:
which digits the network looks at to write each word.

**Transformer** (``nn.Transformer``: self-attention in the encoder, masked self-attention and
cross-attention in the decoder, no recurrence), with learned position embeddings.

Both are trained with teacher forcing (the decoder reads the true previous word) and the
cross-entropy over the words (padding ignored); at test time they decode **greedily** (the most
probable word, fed back) and a number counts as right only if every word is (exact match).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..datasets import numbers_es as ne
from .clase6_common import Timer, adam_cosine, n_params, train

SHOWCASE = (4721, 15, 100, 101, 21_000, 999_999, 123_456)


# -- models --------------------------------------------------------------------------------------
def gru_attention(fw: Any, vocab_size: int, embed: int = 32, hidden: int = 64) -> Any:
    """The GRU encoder-decoder with attention described in the module docstring."""
    nn, F = fw.nn, fw.nn.functional

    class AttentionSeq2Seq(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.src_embed = nn.Embedding(len(ne.SOURCE_VOCAB), embed, padding_idx=ne.PAD)
            self.encoder = nn.GRU(embed, hidden // 2, batch_first=True, bidirectional=True)
            self.bridge = nn.Linear(hidden, hidden)        # encoder's final states → decoder's first
            self.tgt_embed = nn.Embedding(vocab_size, embed, padding_idx=ne.PAD)
            self.score = nn.Linear(hidden, hidden, bias=False)  # score_j = (W s)·e_j
            self.cell = nn.GRUCell(embed + hidden, hidden)
            self.out = nn.Linear(2 * hidden, vocab_size)

        def encode(self, src: Any) -> tuple[Any, Any, Any]:
            enc, h = self.encoder(self.src_embed(src))      # enc (B, S, hidden), h (2, B, hidden/2)
            s = fw.tanh(self.bridge(fw.cat([h[0], h[1]], dim=1)))
            return enc, s, (src == ne.PAD)

        def step(self, prev: Any, s: Any, enc: Any, pad: Any) -> tuple[Any, Any, Any]:
            """One output word: (logits (B, V), new state, attention weights (B, S))."""
            scores = fw.bmm(enc, self.score(s).unsqueeze(2)).squeeze(2)       # (B, S)
            alpha = F.softmax(scores.masked_fill(pad, float("-inf")), dim=1)
            context = fw.bmm(alpha.unsqueeze(1), enc).squeeze(1)             # (B, hidden)
            s = self.cell(fw.cat([self.tgt_embed(prev), context], dim=1), s)
            return self.out(fw.cat([s, context], dim=1)), s, alpha

        def forward(self, src: Any, tgt_in: Any) -> Any:
            """Teacher forcing: logits (B, T, V) for the inputs ``tgt_in`` (B, T) = <s> w₁ … ."""
            enc, s, pad = self.encode(src)
            logits = []
            for t in range(tgt_in.shape[1]):
                step_logits, s, _ = self.step(tgt_in[:, t], s, enc, pad)
                logits.append(step_logits)
            return fw.stack(logits, dim=1)

        def greedy(self, src: Any, length: int) -> tuple[Any, Any]:
            """Greedy decoding: word ids (B, length) and attention weights (B, length, S)."""
            enc, s, pad = self.encode(src)
            prev = fw.full((src.shape[0],), ne.BOS, dtype=fw.int64)
            words, alphas = [], []
            for _ in range(length):
                step_logits, s, alpha = self.step(prev, s, enc, pad)
                prev = step_logits.argmax(dim=1)
                words.append(prev)
                alphas.append(alpha)
            return fw.stack(words, dim=1), fw.stack(alphas, dim=1)

    return AttentionSeq2Seq()


def tiny_transformer(fw: Any, vocab_size: int, src_len: int, tgt_len: int, d_model: int = 64,
                     heads: int = 4, layers: int = 2, ff: int = 128) -> Any:
    """``nn.Transformer`` (``layers`` encoder and decoder layers, no dropout) with token and
    learned position embeddings and a linear output layer."""
    nn = fw.nn

    class TinyTransformer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.src_embed = nn.Embedding(len(ne.SOURCE_VOCAB), d_model, padding_idx=ne.PAD)
            self.tgt_embed = nn.Embedding(vocab_size, d_model, padding_idx=ne.PAD)
            self.src_pos = nn.Embedding(src_len, d_model)
            self.tgt_pos = nn.Embedding(tgt_len, d_model)
            self.transformer = nn.Transformer(d_model, heads, layers, layers, ff, dropout=0.0,
                                              batch_first=True)
            self.out = nn.Linear(d_model, vocab_size)
            self.scale = math.sqrt(d_model)

        def _src(self, src: Any) -> Any:
            return self.src_embed(src) * self.scale + self.src_pos(fw.arange(src.shape[1]))

        def _tgt(self, tgt: Any) -> Any:
            return self.tgt_embed(tgt) * self.scale + self.tgt_pos(fw.arange(tgt.shape[1]))

        def decode(self, tgt_in: Any, memory: Any, pad: Any) -> Any:
            mask = nn.Transformer.generate_square_subsequent_mask(tgt_in.shape[1])
            h = self.transformer.decoder(self._tgt(tgt_in), memory, tgt_mask=mask, tgt_is_causal=True,
                                         memory_key_padding_mask=pad)
            return self.out(h)

        def forward(self, src: Any, tgt_in: Any) -> Any:
            pad = src == ne.PAD
            memory = self.transformer.encoder(self._src(src), src_key_padding_mask=pad)
            return self.decode(tgt_in, memory, pad)

        def greedy(self, src: Any, length: int) -> tuple[Any, None]:
            pad = src == ne.PAD
            memory = self.transformer.encoder(self._src(src), src_key_padding_mask=pad)
            seq = fw.full((src.shape[0], 1), ne.BOS, dtype=fw.int64)
            for _ in range(length):
                nxt = self.decode(seq, memory, pad)[:, -1].argmax(dim=1)
                seq = fw.cat([seq, nxt.unsqueeze(1)], dim=1)
            return seq[:, 1:], None

    return TinyTransformer()


# -- training and evaluation ---------------------------------------------------------------------
def _fit(ctx: Any, key: str, factory: Any, src: np.ndarray, tgt: np.ndarray, epochs: int, lr: float,
         batch_size: int) -> tuple[Any, list[float], float]:
    model = ctx.model(key, factory)
    loader = ctx.loader(src, tgt, batch_size=batch_size, key="numbers")
    opt, sched = adam_cosine(ctx, model, lr, epochs * len(loader))
    F = ctx.F

    def step_loss(m: Any, s: Any, t: Any) -> Any:
        logits = m(s, t[:, :-1])                      # read <s> w₁ …, predict w₁ … </s>
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), t[:, 1:].reshape(-1),
                               ignore_index=ne.PAD)

    with Timer() as timer:
        hist = train(ctx, model, step_loss, opt, loader, epochs, scheduler=sched, clip=1.0, desc=key)
    model.eval()
    return model, hist, timer.seconds


def decode_all(ctx: Any, model: Any, src: np.ndarray, length: int,
               batch_size: int = 500) -> tuple[np.ndarray, np.ndarray | None]:
    """Greedy word ids (N, length) and, if the model has them, attention weights (N, length, S)."""
    words, alphas = [], []
    with ctx.fw.no_grad():
        for i in range(0, len(src), batch_size):
            w, a = model.greedy(ctx.tensor(src[i:i + batch_size]), length)
            words.append(ctx.numpy(w))
            if a is not None:
                alphas.append(ctx.numpy(a))
    return np.concatenate(words), (np.concatenate(alphas) if alphas else None)


def exact_match(pred: np.ndarray, tgt: np.ndarray, vocab: tuple[str, ...]) -> tuple[float, list[str]]:
    """The fraction of rows whose decoded words equal the target's; and the decoded strings."""
    texts = [ne.decode_target(p, vocab) for p in pred]
    truth = [ne.decode_target(t, vocab) for t in tgt]
    return float(np.mean([a == b for a, b in zip(texts, truth)])), texts


def _heatmaps(ctx: Any, numbers: np.ndarray, src: np.ndarray, words: np.ndarray, alphas: np.ndarray,
              vocab: tuple[str, ...]) -> None:
    plt = ctx.plt()
    fig, axes = plt.subplots(1, len(numbers), figsize=(4.2 * len(numbers), 4.2))
    for ax, n, s, w, a in zip(axes, numbers, src, words, alphas):
        digits = [i for i, tok in enumerate(s) if tok != ne.PAD]
        out = ne.decode_target(w, vocab).split()
        rows = a[:len(out) + 1][:, digits]  # the words and the end token
        ax.imshow(rows, cmap="viridis", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(digits)))
        ax.set_xticklabels([ne.SOURCE_VOCAB[s[i]] for i in digits])
        ax.set_yticks(range(len(out) + 1))
        ax.set_yticklabels([*out, "</s>"], fontsize=8)
        right = " ".join(out) == ne.spanish(n)
        ax.set_title(f"{n} ✓" if right else f"{n} ✗ (es «{ne.spanish(n)}»)", fontsize=10)
        ax.set_xlabel("dígito de entrada")
    fig.tight_layout()
    ctx.figure("attention_heatmaps", fig, "Pesos de atención α: cada fila es una palabra generada, cada "
                                          "columna un dígito; claro = la palabra se escribió mirando ese "
                                          "dígito.")


def run_seq2seq(ctx: Any) -> None:
    """Train both models on numbers → words; tables of accuracy and parameters; heatmaps."""
    max_digits = 6
    data = ne.dataset(ctx.pick(3_000, 20_000), ctx.pick(500, 1_000), max_digits=max_digits, seed=0)
    vocab = data["vocab"]
    length = ne.target_length(max_digits)
    src_tr, tgt_tr = data["src_train"], data["tgt_train"]
    src_te, tgt_te = data["src_test"], data["tgt_test"]
    d_model, heads, layers = ctx.pick(32, 64), ctx.pick(2, 4), ctx.pick(1, 2)
    models = (
        ("s2s-gru-attention", "GRU bidireccional + atención, decodificador GRUCell",
         lambda fw: gru_attention(fw, len(vocab)), ctx.pick(6, 15), ctx.pick(1e-2, 5e-3)),
        ("s2s-transformer", f"nn.Transformer (d={d_model}, {heads} cabezas, {layers}+{layers} capas)",
         lambda fw: tiny_transformer(fw, len(vocab), max_digits, length, d_model, heads, layers, 2 * d_model),
         ctx.pick(8, 15), ctx.pick(5e-3, 1e-3)),
    )
    rows, trained = [], {}
    for key, label, factory, epochs, lr in models:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's notes about its nested-tensor fast path
            model, hist, secs = _fit(ctx, key, factory, src_tr, tgt_tr, epochs, lr, batch_size=64)
            pred, alphas = decode_all(ctx, model, src_te, length - 1)
        acc, texts = exact_match(pred, tgt_te, vocab)
        name = key.removeprefix("s2s-").replace("-", "_")
        ctx.metric(f"numbers_{name}_exact_match", acc)
        ctx.metric(f"numbers_{name}_parameters", n_params(model))
        ctx.curve(f"numbers_{name}_train_loss", hist)
        rows.append([label, n_params(model), epochs, acc, round(secs, 1)])
        trained[name] = (model, hist, texts, alphas)
    ctx.table("numbers", ["modelo", "parámetros", "épocas", "exactitud (coincidencia exacta)", "segundos"],
              rows,
              caption=f"Números → palabras: {len(src_tr)} números de entrenamiento, {len(src_te)} de test "
                      f"(nunca vistos), decodificación greedy")

    gru, _, texts, alphas = trained["gru_attention"]
    truth = [ne.spanish(n) for n in data["numbers_test"]]
    errors = [[int(n), t, p] for n, t, p in zip(data["numbers_test"], truth, texts) if t != p][:6]
    if errors:
        ctx.table("numbers_errors", ["número", "correcto", "GRU + atención"], errors,
                  caption="Algunos errores en test")
    show = np.array(SHOWCASE)
    show_words, show_alpha = decode_all(ctx, gru, ne.encode_source(show, max_digits), length - 1)
    seen = set(data["numbers_train"].tolist())
    ctx.table("numbers_examples", ["número", "GRU + atención", "num2words", "¿visto al entrenar?"],
              [[int(n), ne.decode_target(w, vocab), ne.spanish(n), "sí" if int(n) in seen else "no"]
               for n, w in zip(show, show_words)], caption="Ejemplos (decodificación greedy)")
    pick = [int(i) for i in np.argsort([-len(str(n)) for n in data["numbers_test"]], kind="stable")[:2]]
    heat_numbers = np.array([4721, 21_000, *data["numbers_test"][pick]])
    heat_src = ne.encode_source(heat_numbers, max_digits)
    heat_words, heat_alpha = decode_all(ctx, gru, heat_src, length - 1)
    _heatmaps(ctx, heat_numbers, heat_src, heat_words, heat_alpha, vocab)

    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for name, (_, hist, _, _) in trained.items():
        ax.semilogy(np.arange(1, len(hist) + 1), hist, "o-", label=name.replace("_", " "))
    ax.set_xlabel("época")
    ax.set_ylabel("entropía cruzada por palabra")
    ax.set_title("Números → palabras: entrenamiento")
    ax.legend()
    ctx.figure("numbers_training", fig, "Pérdida de entrenamiento (teacher forcing) de los dos modelos.")
    m = ctx.metrics
    ctx.text(
        "**Secuencia a secuencia con atención.** La entrada son los dígitos (4721), la salida las palabras "
        "(«cuatro mil setecientos veintiuno»): longitudes distintas y un orden que no es uno a uno (el 2 y "
        "el 1 se leen juntos, «veintiuno»; 100 es «cien» pero 101 «ciento uno»). El codificador GRU "
        "bidireccional da un vector por dígito; en cada paso el decodificador puntúa todos los dígitos, "
        "`α = softmax((W·s)·eⱼ)`, y lee su promedio ponderado `c = Σ αⱼ·eⱼ`: ya no tiene que comprimir el "
        "número entero en un solo estado. Exactitud (todas las palabras bien) sobre números nunca vistos: "
        f"**{m['numbers_gru_attention_exact_match']:.1%}** con la GRU y atención "
        f"({m['numbers_gru_attention_parameters']:,.0f} parámetros), "
        f"**{m['numbers_transformer_exact_match']:.1%}** con un `nn.Transformer` pequeño "
        f"({m['numbers_transformer_parameters']:,.0f} parámetros), que reemplaza la recurrencia por atención "
        "entre todas las posiciones. En los mapas de atención cada palabra mira «su» dígito: «cuatro» el 4, "
        "«setecientos» el 7, «veintiuno» el 2 y el 1 a la vez, y «mil» el límite de los miles.")
