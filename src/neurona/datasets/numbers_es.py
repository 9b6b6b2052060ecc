"""Numbers and their Spanish words — a sequence-to-sequence task (``num2words``, ``lang='es'``).

``4721`` → ``"cuatro mil setecientos veintiuno"``. Inputs are the digits of the number, outputs
the words (one token per word). The numbers are drawn with a uniform number of digits (1 to
``max_digits``) and then uniformly among the numbers with that many digits, so short numbers
with their irregular words (``quince``, ``veintidós``, ``cien``) appear as well as long ones; the
training and test numbers are disjoint.

Token ids: source ``0`` = padding, ``1 + d`` = digit ``d``; target ``0`` = padding, ``1`` = start
(``<s>``), ``2`` = end (``</s>``), then the words of :func:`word_vocabulary`.
"""

from __future__ import annotations

import functools

import numpy as np

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<s>", "</s>")
SOURCE_VOCAB = ("<pad>", *"0123456789")


def spanish(n: int) -> str:
    """The Spanish words of ``n`` (``num2words(n, lang='es')``)."""
    from num2words import num2words

    return str(num2words(int(n), lang="es"))


@functools.lru_cache(maxsize=8)
def word_vocabulary(max_digits: int = 6) -> tuple[str, ...]:
    """Every word used by the numbers below ``10**max_digits``, sorted, after the specials.

    Below a million a number reads as ``words(n // 1000) mil words(n % 1000)``, so the words of
    0–999 and of the thousands ``k·1000`` cover them all."""
    if not 1 <= max_digits <= 6:
        raise ValueError(f"max_digits must be between 1 and 6 (numbers below a million), got {max_digits}")
    nums = list(range(min(1000, 10 ** max_digits)))
    nums += [k * 1000 for k in range(1, 10 ** max(max_digits - 3, 0))]
    words = sorted({w for n in nums for w in spanish(n).split()})
    return (*SPECIALS, *words)


def sample_numbers(n: int, max_digits: int = 6, seed: int = 0,
                   exclude: set[int] | frozenset[int] = frozenset(), min_digits: int = 1) -> np.ndarray:
    """``n`` distinct numbers (int64) with ``min_digits`` to ``max_digits`` digits: the number of
    digits is uniform, then the number is uniform among those with that many digits; none in
    ``exclude``."""
    rng = np.random.default_rng(seed)
    capacity = 10 ** max_digits - (10 ** (min_digits - 1) if min_digits > 1 else 0) - len(exclude)
    if n > capacity:
        raise ValueError(f"only {capacity} numbers with at most {max_digits} digits are available")
    chosen: dict[int, None] = {}
    while len(chosen) < n:
        digits = rng.integers(min_digits, max_digits + 1, size=2 * (n - len(chosen)) + 16)
        low = np.where(digits == 1, 0, 10 ** (digits - 1))
        values = rng.integers(low, 10 ** digits)
        for v in values.tolist():
            if v not in exclude and v not in chosen:
                chosen[v] = None
                if len(chosen) == n:
                    break
    return np.fromiter(chosen, dtype=np.int64, count=n)


def encode_source(numbers: np.ndarray, max_digits: int = 6) -> np.ndarray:
    """Digits as ids, right-aligned and left-padded with ``PAD``: (N, max_digits) int64."""
    out = np.full((len(numbers), max_digits), PAD, dtype=np.int64)
    for i, v in enumerate(np.asarray(numbers).tolist()):
        s = str(int(v))
        if len(s) > max_digits:
            raise ValueError(f"{v} has more than {max_digits} digits")
        out[i, max_digits - len(s):] = [1 + int(c) for c in s]
    return out


def encode_target(numbers: np.ndarray, vocab: tuple[str, ...], length: int) -> np.ndarray:
    """Word ids ``<s> w₁ … w_k </s>`` padded with ``PAD``: (N, length) int64."""
    index = {w: i for i, w in enumerate(vocab)}
    out = np.full((len(numbers), length), PAD, dtype=np.int64)
    for i, v in enumerate(np.asarray(numbers).tolist()):
        ids = [BOS, *(index[w] for w in spanish(v).split()), EOS]
        if len(ids) > length:
            raise ValueError(f"{v} needs {len(ids)} target tokens, more than {length}")
        out[i, :len(ids)] = ids
    return out


def decode_target(ids: np.ndarray | list[int], vocab: tuple[str, ...]) -> str:
    """Word ids back to words, stopping at ``</s>`` and skipping ``<s>`` / padding."""
    words = []
    for i in np.asarray(ids).reshape(-1).tolist():
        if i == EOS:
            break
        if i not in (PAD, BOS):
            words.append(vocab[i])
    return " ".join(words)


def target_length(max_digits: int = 6) -> int:
    """Tokens needed by the longest target (``<s>`` + words + ``</s>``) below ``10**max_digits``."""
    return 2 + max(len(spanish(n).split()) for n in (7 * (10 ** max_digits - 1) // 9, 10 ** max_digits - 1))


def dataset(n_train: int, n_test: int, max_digits: int = 6,
            seed: int = 0) -> dict[str, np.ndarray | tuple[str, ...]]:
    """Disjoint training and test numbers with their encodings.

    The test numbers have at least three digits (``min(3, max_digits)``): the one- and two-digit
    numbers, whose words are irregular (``quince``, ``veintidós``), are too few to hold out.

    Returns ``numbers_train``/``numbers_test`` (int64), ``src_train``/``src_test`` (N, max_digits)
    and ``tgt_train``/``tgt_test`` (N, :func:`target_length`), and ``vocab`` (the target words)."""
    test = sample_numbers(n_test, max_digits, seed=seed + 1, min_digits=min(3, max_digits))
    train = sample_numbers(n_train, max_digits, seed=seed, exclude=set(test.tolist()))
    vocab = word_vocabulary(max_digits)
    length = target_length(max_digits)
    return {
        "numbers_train": train, "numbers_test": test,
        "src_train": encode_source(train, max_digits), "src_test": encode_source(test, max_digits),
        "tgt_train": encode_target(train, vocab, length), "tgt_test": encode_target(test, vocab, length),
        "vocab": vocab,
    }
