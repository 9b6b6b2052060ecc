"""word2vec: skip-gram with negative sampling on Shakespeare's plays.

Each word w has two vectors, ``v_w`` (as a centre word, ``nn.Embedding`` "in") and ``u_w`` (as a
context word, "out"). For every centre word c and each word o within a window around it, the
skip-gram asks ``σ(u_o·v_c)`` to be 1, and for K "negative" words nₖ drawn from the unigram
distribution raised to 3/4 (``P(w) ∝ count(w)^0.75``) asks ``σ(u_nₖ·v_c)`` to be 0:

    ℓ(c, o) = −log σ(u_o·v_c) − Σₖ log σ(−u_nₖ·v_c).

Frequent words are subsampled (word w is kept with probability ``min(1, √(t/f_w) + t/f_w)``,
t = 10⁻⁴) and the window is dynamic (a context at distance δ ≤ W is used with probability
(W − δ + 1)/W), as in Mikolov et al. (2013). Words that occur in similar contexts end up with
similar vectors; similarity is the cosine after removing the mean vector (which every word
shares and which otherwise dominates).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..datasets import plays

#: Words whose nearest neighbours are printed.
PROBES = ("king", "night", "sword", "thou", "love", "father", "death", "heaven")
#: Pairs of related words (their similarity is compared with random pairs).
RELATED = (("thou", "thee"), ("king", "queen"), ("father", "mother"), ("lord", "lady"), ("day", "night"),
           ("he", "she"), ("son", "daughter"), ("brother", "sister"), ("man", "woman"), ("his", "her"),
           ("heaven", "earth"), ("sun", "moon"), ("sword", "dagger"), ("morning", "night"),
           ("hast", "hath"), ("thy", "thine"))
SUBSAMPLE_T = 1e-4
NEGATIVES = 5


class Corpus:
    """The word ids of the dialogue and what sampling needs: vocabulary, counts, noise CDF."""

    def __init__(self, genres: tuple[str, ...], vocab_size: int) -> None:
        words = plays.words(genres)
        counts = Counter(words)
        self.vocab = [w for w, _ in counts.most_common(vocab_size)]
        self.index = {w: i for i, w in enumerate(self.vocab)}
        ids = np.array([self.index.get(w, -1) for w in words])
        self.ids = ids[ids >= 0]  # out-of-vocabulary words are dropped
        self.n_words = len(words)
        self.counts = np.array([counts[w] for w in self.vocab], dtype=np.float64)
        freq = self.counts / self.counts.sum()
        self.keep = np.minimum(1.0, np.sqrt(SUBSAMPLE_T / freq) + SUBSAMPLE_T / freq)
        noise = freq ** 0.75
        self.noise_cdf = np.cumsum(noise / noise.sum())

    def pairs(self, rng: np.random.Generator, window: int) -> tuple[np.ndarray, np.ndarray]:
        """(centre, context) id pairs of one epoch: subsampled words, dynamic window, shuffled."""
        s = self.ids[rng.random(len(self.ids)) < self.keep[self.ids]]
        centres, contexts = [], []
        for d in range(1, window + 1):
            for a, b in ((s[:-d], s[d:]), (s[d:], s[:-d])):
                used = rng.random(len(a)) < (window - d + 1) / window
                centres.append(a[used])
                contexts.append(b[used])
        c, o = np.concatenate(centres), np.concatenate(contexts)
        order = rng.permutation(len(c))
        return c[order], o[order]

    def negatives(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Word ids drawn from P(w) ∝ count(w)^0.75."""
        return np.minimum(np.searchsorted(self.noise_cdf, rng.random(shape)), len(self.vocab) - 1)


def skipgram(fw: Any, vocab: int, dim: int) -> Any:
    """Two tables: ``[0]`` centre vectors v (uniform ±0.5/dim), ``[1]`` context vectors u (zeros)."""
    nn = fw.nn
    model = nn.ModuleList([nn.Embedding(vocab, dim), nn.Embedding(vocab, dim)])
    with fw.no_grad():
        model[0].weight.uniform_(-0.5 / dim, 0.5 / dim)
        model[1].weight.zero_()
    return model


def sgns_loss(ctx: Any, model: Any, centre: Any, targets: Any, sign: Any) -> Any:
    """Mean over the batch of −Σⱼ log σ(sⱼ·u_tⱼ·v_c): targets (B, 1 + K) = the context and K
    negatives, sign = (+1, −1, …, −1)."""
    v = model[0](centre)  # (B, d)
    u = model[1](targets)  # (B, 1 + K, d)
    scores = (u * v.unsqueeze(1)).sum(-1) * sign
    return -ctx.F.logsigmoid(scores).sum(1).mean()


def unit_rows(e: np.ndarray) -> np.ndarray:
    """Rows minus their mean, scaled to unit length (cosine similarity = dot product)."""
    e = e - e.mean(0)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)


def run_word2vec(ctx: Any) -> None:
    """Train the skip-gram; record neighbours, the related-pairs score and a 2-D projection."""
    genres = ctx.pick(("comedies", "tragedies"), plays.GENRES)
    corpus = Corpus(genres, ctx.pick(2000, 5000))
    dim, window, epochs, batch = ctx.pick(64, 100), ctx.pick(2, 4), ctx.pick(2, 5), 1024
    V = len(corpus.vocab)
    model = ctx.model(f"skipgram-{V}-{dim}", lambda fw: skipgram(fw, V, dim))
    opt = ctx.optim.Adam(model.parameters(), lr=0.01)
    sign = ctx.tensor(np.array([1.0] + [-1.0] * NEGATIVES, dtype=np.float32))
    rng = ctx.rng("word2vec")
    losses, n_pairs = [], 0
    for _ in ctx.iterate(range(epochs), "word2vec", total=epochs):
        centres, contexts = corpus.pairs(rng, window)
        negs = corpus.negatives(rng, (len(centres), NEGATIVES))
        n_pairs += len(centres)
        total = 0.0
        for i in range(0, len(centres), batch):
            c = ctx.tensor(centres[i:i + batch])
            t = ctx.tensor(np.concatenate([contexts[i:i + batch, None], negs[i:i + batch]], 1))
            loss = sgns_loss(ctx, model, c, t, sign)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(c)
        losses.append(total / len(centres))
    ctx.curve("w2v_loss", losses)
    ctx.metric("w2v_final_loss", losses[-1])
    # untrained: every u = 0, so ℓ = (1 + K)·log 2
    ctx.metric("w2v_loss_ratio", losses[-1] / ((1 + NEGATIVES) * np.log(2)))

    E = unit_rows(ctx.numpy(model[0].weight).astype(np.float64))
    idx = corpus.index
    pairs = [(a, b) for a, b in RELATED if a in idx and b in idx]
    related = float(np.mean([E[idx[a]] @ E[idx[b]] for a, b in pairs]))
    r = ctx.rng("w2v-random-pairs").integers(0, V, (2000, 2))
    r = r[r[:, 0] != r[:, 1]]
    random_sim = float(np.mean(np.sum(E[r[:, 0]] * E[r[:, 1]], 1)))
    ctx.metric("w2v_related_similarity", related)
    ctx.metric("w2v_random_similarity", random_sim)
    ctx.metric("w2v_similarity_gap", related - random_sim)
    # how often a related word is among the 20 nearest neighbours of its partner
    hits = 0
    for a, b in pairs:
        sims = E @ E[idx[a]]
        sims[idx[a]] = -np.inf
        hits += idx[b] in np.argsort(-sims)[:20]
    ctx.metric("w2v_related_top20", hits / len(pairs))

    rows = []
    for w in PROBES:
        if w not in idx:
            continue
        sims = E @ E[idx[w]]
        sims[idx[w]] = -np.inf
        near = np.argsort(-sims)[:6]
        rows.append([w, ", ".join(f"{corpus.vocab[j]} ({sims[j]:.2f})" for j in near)])
    ctx.table("w2v_neighbours", ["palabra", "vecinos más cercanos (coseno)"], rows,
              caption=f"Skip-gram sobre {corpus.n_words:,} palabras ({', '.join(genres)}); vocabulario {V}, "
                      f"vectores de {dim} dimensiones")
    ctx.table("w2v_pairs", ["par", "coseno"], [[f"{a} – {b}", float(E[idx[a]] @ E[idx[b]])] for a, b in pairs]
              + [["(pares al azar, media)", random_sim]], caption="Palabras relacionadas vs pares al azar")
    _projection(ctx, E, corpus)
    ctx.text(
        "**word2vec (skip-gram con muestreo negativo).** Cada palabra tiene un vector como centro "
        "(`nn.Embedding` v) y otro como contexto (u). Para cada par (centro c, contexto o) dentro de una "
        f"ventana de ±{window} palabras y {NEGATIVES} palabras al azar nₖ (con probabilidad ∝ "
        "frecuencia^0.75) "
        "se minimiza `−log σ(u_o·v_c) − Σₖ log σ(−u_nₖ·v_c)`. "
        f"Con {n_pairs:,} pares y {epochs} épocas la pérdida baja de {(1 + NEGATIVES) * np.log(2):.2f} "
        f"(vectores nulos) a {losses[-1]:.2f}. Los pares relacionados (thou–thee, king–queen, day–night…) "
        f"tienen coseno medio {related:.2f} contra {random_sim:.2f} de pares al azar; en el "
        f"{100 * hits / len(pairs):.0f}% de ellos la pareja está entre los 20 vecinos más cercanos.")


def _projection(ctx: Any, E: np.ndarray, corpus: Corpus) -> None:
    """The probe words, their neighbours and the related pairs, projected on the first two
    principal components (SVD of the centred vectors)."""
    idx = corpus.index
    words = list(dict.fromkeys([w for pair in RELATED for w in pair] + list(PROBES)))
    words = [w for w in words if w in idx]
    X = E[[idx[w] for w in words]]
    X = X - X.mean(0)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    P = X @ vt[:2].T
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(8, 6.5))
    ax.scatter(P[:, 0], P[:, 1], s=10, color="tab:blue")
    for w, (a, b) in zip(words, P):
        ax.annotate(w, (a, b), fontsize=9, xytext=(3, 2), textcoords="offset points")
    for a, b in RELATED:
        if a in idx and b in idx:
            i, j = words.index(a), words.index(b)
            ax.plot(P[[i, j], 0], P[[i, j], 1], color="tab:gray", lw=0.6, alpha=0.6)
    ax.set_title("Vectores de palabras: proyección sobre las 2 primeras componentes principales")
    ax.set_xlabel("CP 1")
    ax.set_ylabel("CP 2")
    ctx.figure("w2v_projection", fig, "Palabras de Shakespeare proyectadas con PCA (SVD en NumPy); las "
               "líneas unen pares relacionados.")
