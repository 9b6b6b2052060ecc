"""A BERT encoder written with the framework's layers, and the same network in plain NumPy.

``build_bert(fw, config)`` returns a ``fw.nn.Module`` whose ``state_dict`` keys are those of
Hugging Face's ``BertModel`` (``embeddings.word_embeddings.weight``,
``encoder.layer.0.attention.self.query.weight``, …), so all-MiniLM-L6-v2's safetensors load with
``load_state_dict``. For token ids ``t₁…t_T`` (and mask m):

* embeddings: ``h⁰ᵢ = LayerNorm(E_word[tᵢ] + E_pos[i] + E_type[0])``;
* each of the L layers (pre-residual, post-norm, as the original BERT):
  ``Q = hW_Qᵀ + b_Q``, ``K``, ``V`` alike, split into H heads of size d = hidden/H;
  ``A = softmax(QKᵀ/√d + M)`` with ``M = −∞`` (a large negative number) on padded keys;
  ``a = LayerNorm(h + concat_heads(AV)·W_Oᵀ + b_O)``;
  ``h' = LayerNorm(a + GELU(aW₁ᵀ + b₁)W₂ᵀ + b₂)`` with the exact ``GELU(x) = x·Φ(x)``;
* the sentence embedding (sentence-transformers' Pooling + Normalize):
  ``s = Σᵢ mᵢ hᴸᵢ / Σᵢ mᵢ`` and ``e = s / ‖s‖₂``.

``numpy_bert`` is the same computation in float64 NumPy: the reference both engines are checked
against.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: The additive mask for padded keys (exp(−10⁴) underflows to 0 in float32 and float64 alike).
MASK_VALUE = -1e4


def build_bert(fw: Any, config: dict[str, Any]) -> Any:
    """A BERT encoder for framework ``fw`` (``neurona`` or ``torch``) from a BERT ``config``;
    ``model(ids, mask)`` returns the last hidden states ``(batch, T, hidden)``."""
    nn, F = fw.nn, fw.nn.functional
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    ffn, eps = config["intermediate_size"], config["layer_norm_eps"]

    class Embeddings(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word_embeddings = nn.Embedding(config["vocab_size"], hidden,
                                                padding_idx=config["pad_token_id"])
            self.position_embeddings = nn.Embedding(config["max_position_embeddings"], hidden)
            self.token_type_embeddings = nn.Embedding(config["type_vocab_size"], hidden)
            self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

        def forward(self, ids: Any) -> Any:
            pos = fw.arange(ids.shape[1])
            e = self.word_embeddings(ids) + self.position_embeddings(pos)
            return self.LayerNorm(e + self.token_type_embeddings.weight[0])  # every token of type 0

    class SelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))

        def forward(self, h: Any, bias: Any) -> Any:
            b, t = bias.shape[0], bias.shape[-1]
            d = hidden // heads

            def split(x: Any) -> Any:  # (b·t, hidden) → (b, heads, t, d)
                return x.view(b, t, heads, d).transpose(1, 2)

            q, k, v = split(self.query(h)), split(self.key(h)), split(self.value(h))
            scores = q @ k.transpose(-2, -1) / math.sqrt(d) + bias  # (b, heads, t, t)
            ctx = F.softmax(scores, dim=-1) @ v
            return ctx.transpose(1, 2).reshape(b * t, hidden)

    class Projection(nn.Module):
        """``LayerNorm(residual + dense(x))`` (BERT's SelfOutput and Output)."""

        def __init__(self, n_in: int) -> None:
            super().__init__()
            self.dense = nn.Linear(n_in, hidden)
            self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

        def forward(self, x: Any, residual: Any) -> Any:
            return self.LayerNorm(residual + self.dense(x))

    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.self = SelfAttention()  # Hugging Face's name (the key is attention.self.query…)
            self.output = Projection(hidden)

        def forward(self, h: Any, bias: Any) -> Any:
            return self.output(self.self(h, bias), h)

    class Intermediate(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dense = nn.Linear(hidden, ffn)
            self.act = nn.GELU()

        def forward(self, x: Any) -> Any:
            return self.act(self.dense(x))

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attention = Attention()
            self.intermediate = Intermediate()
            self.output = Projection(ffn)

        def forward(self, h: Any, bias: Any) -> Any:
            a = self.attention(h, bias)
            return self.output(self.intermediate(a), a)

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.ModuleList([Layer() for _ in range(config["num_hidden_layers"])])

    class Bert(nn.Module):
        """BERT: embeddings, then ``num_hidden_layers`` transformer layers."""

        def __init__(self) -> None:
            super().__init__()
            self.embeddings = Embeddings()
            self.encoder = Encoder()

        def forward(self, ids: Any, mask: Any, first: int = 0, last: int | None = None,
                    hidden_states: Any = None) -> Any:
            """Hidden states ``(batch, T, hidden)`` after layer ``last`` (all layers by default).
            ``first > 0`` starts from ``hidden_states``, the output of layer ``first``, instead of
            the embeddings. Inside, the tokens are the rows of a ``(batch·T, hidden)`` matrix, so
            every Linear is one matrix product."""
            b, t = ids.shape
            bias = (1.0 - mask[:, None, None, :].to(fw.get_default_dtype())) * MASK_VALUE
            h = self.embeddings(ids) if first == 0 else hidden_states
            h = h.reshape(b * t, hidden)
            for layer in list(self.encoder.layer)[first:last]:
                h = layer(h, bias)
            return h.view(b, t, hidden)

    return Bert()


def mean_pool(fw: Any, hidden: Any, mask: Any, normalize: bool = True) -> Any:
    """sentence-transformers' pooling: ``s = Σᵢ mᵢhᵢ / max(Σᵢ mᵢ, 1e-9)``, then ``s/‖s‖₂``."""
    m = mask[..., None].to(hidden.dtype)
    s = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return fw.nn.functional.normalize(s, p=2.0, dim=1) if normalize else s


def load_bert(fw: Any, config: dict[str, Any], weights: dict[str, np.ndarray]) -> Any:
    """``build_bert`` with the pretrained ``weights`` loaded (strict: every key must match)."""
    model = build_bert(fw, config)
    model.load_state_dict({k: fw.as_tensor(np.array(v)) for k, v in weights.items()})
    return model.eval()


# -- the reference: the same network in float64 NumPy ------------------------------------------------
def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class _Float64(dict):
    """The weights, each converted to float64 the first time it is used."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.weights = weights

    def __missing__(self, key: str) -> np.ndarray:
        self[key] = value = np.asarray(self.weights[key], dtype=np.float64)
        return value


def numpy_bert(config: dict[str, Any], weights: dict[str, np.ndarray], ids: np.ndarray,
               mask: np.ndarray) -> np.ndarray:
    """Sentence embeddings (batch, hidden) of BERT + mean pooling + L2 normalisation, float64."""
    W = _Float64(weights)
    eps, heads = config["layer_norm_eps"], config["num_attention_heads"]
    b, t = ids.shape
    hid = config["hidden_size"]
    d = hid // heads
    e = "embeddings."
    h = weights[e + "word_embeddings.weight"][ids].astype(np.float64) \
        + W[e + "position_embeddings.weight"][:t] + W[e + "token_type_embeddings.weight"][0]
    h = _layer_norm(h, W[e + "LayerNorm.weight"], W[e + "LayerNorm.bias"], eps)
    bias = (1.0 - mask[:, None, None, :]) * MASK_VALUE

    def lin(x: np.ndarray, name: str) -> np.ndarray:
        return x @ W[name + ".weight"].T + W[name + ".bias"]

    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (lin(h, p + "attention.self." + n).reshape(b, t, heads, d).transpose(0, 2, 1, 3)
                   for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        c = (a @ v).transpose(0, 2, 1, 3).reshape(b, t, hid)
        h = _layer_norm(h + lin(c, p + "attention.output.dense"), W[p + "attention.output.LayerNorm.weight"],
                        W[p + "attention.output.LayerNorm.bias"], eps)
        f = lin(_gelu(lin(h, p + "intermediate.dense")), p + "output.dense")
        h = _layer_norm(h + f, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    m = mask[..., None].astype(np.float64)
    s = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-12)
