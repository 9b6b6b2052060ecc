"""``neurona.utils``: PyTorch's ``torch.utils`` path; ``neurona.utils.data`` is :mod:`neurona.data`."""

from __future__ import annotations

from . import data

__all__ = ["data"]
