"""Shape errors of layers name the layer, the input's shape and what the layer needed.

The most common mistake of the CNN class: an image shrunk by convolutions and pooling until a
window no longer fits, or a ``Linear`` after ``Flatten`` with the wrong ``in_features``. For each,
PyTorch raises a ``RuntimeError`` whose text names neither the layer nor the input; neurona raises
the same exception type, with the layer's repr, the input's shape and the smallest spatial size
the layer accepts, followed by PyTorch's own sentence.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch

import neurona

CASES = [  # (id, make(nn), input shape, parts neurona's message must contain)
    ("maxpool2d", lambda nn: nn.MaxPool2d(2), (1, 8, 1, 1),
     ["MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", "[1, 8, 1, 1]",
      "(H x W) is 1 x 1", "at least 2 x 2", "Output size is too small"]),
    ("maxpool2d-unbatched", lambda nn: nn.MaxPool2d(3, stride=2), (4, 2, 9),
     ["MaxPool2d(kernel_size=3, stride=2", "[4, 2, 9]", "at least 3 x 3"]),
    ("maxpool2d-dilated", lambda nn: nn.MaxPool2d(3, dilation=2), (1, 2, 4, 8),
     ["MaxPool2d(kernel_size=3", "dilation=2", "[1, 2, 4, 8]", "at least 5 x 5"]),
    ("maxpool2d-padded", lambda nn: nn.MaxPool2d(5, padding=1), (1, 1, 2, 3),
     ["MaxPool2d(kernel_size=5", "padding=1", "[1, 1, 2, 3]", "at least 3 x 3"]),
    ("avgpool2d", lambda nn: nn.AvgPool2d(2), (2, 3, 1, 4),
     ["AvgPool2d(kernel_size=2, stride=2, padding=0)", "[2, 3, 1, 4]", "at least 2 x 2",
      "Given input size: (3x1x4). Calculated output size: (3x0x2). Output size is too small"]),
    ("maxpool1d", lambda nn: nn.MaxPool1d(4), (1, 2, 3),
     ["MaxPool1d(kernel_size=4", "[1, 2, 3]", "(L) is 3", "at least 4",
      "max_pool1d() Invalid computed output size: 0"]),
    ("avgpool1d", lambda nn: nn.AvgPool1d(4), (1, 2, 3),
     ["AvgPool1d(kernel_size=(4,)", "[1, 2, 3]", "at least 4",
      "Given input size: (2x1x3). Calculated output size: (2x1x0). Output size is too small"]),
    ("conv2d", lambda nn: nn.Conv2d(1, 4, 5), (1, 1, 3, 3),
     ["Conv2d(1, 4, kernel_size=(5, 5), stride=(1, 1))", "[1, 1, 3, 3]", "at least 5 x 5",
      "Calculated padded input size per channel: (3 x 3). Kernel size: (5 x 5). "
      "Kernel size can't be greater than actual input size"]),
    ("conv2d-padded", lambda nn: nn.Conv2d(1, 4, 5, padding=1), (1, 1, 2, 8),
     ["padding=(1, 1)", "[1, 1, 2, 8]", "(H x W) is 2 x 8", "at least 3 x 3", "(4 x 10)"]),
    ("conv2d-dilated", lambda nn: nn.Conv2d(2, 4, 3, dilation=3), (2, 2, 6, 7),
     ["dilation=(3, 3)", "[2, 2, 6, 7]", "at least 7 x 7"]),
    ("conv2d-replicate", lambda nn: nn.Conv2d(1, 4, 5, padding=1, padding_mode="replicate"), (1, 1, 2, 8),
     ["padding_mode=replicate", "[1, 1, 2, 8]", "at least 3 x 3"]),
    ("conv1d", lambda nn: nn.Conv1d(2, 4, 7), (1, 2, 5),
     ["Conv1d(2, 4, kernel_size=(7,), stride=(1,))", "[1, 2, 5]", "(L) is 5", "at least 7",
      "Calculated padded input size per channel: (5). Kernel size: (7)."]),
    ("conv1d-unbatched", lambda nn: nn.Conv1d(2, 4, 7, padding="valid"), (2, 5),
     ["Conv1d(2, 4", "[2, 5]", "at least 7"]),
    ("convtranspose2d", lambda nn: nn.ConvTranspose2d(1, 4, 3, padding=3), (1, 1, 2, 2),
     ["ConvTranspose2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(3, 3))", "[1, 1, 2, 2]",
      "at least 5 x 5", "Given input size per channel: (2 x 2). Calculated output size per channel: "
      "(-2 x -2). Output size is too small"]),
    ("convtranspose2d-strided", lambda nn: nn.ConvTranspose2d(1, 4, 2, stride=2, padding=3), (1, 1, 3, 4),
     ["ConvTranspose2d(1, 4", "[1, 1, 3, 4]", "at least 4 x 4"]),
    ("convtranspose1d", lambda nn: nn.ConvTranspose1d(1, 4, 3, padding=3), (1, 1, 2),
     ["ConvTranspose1d(1, 4", "[1, 1, 2]", "at least 5",
      "Given input size per channel: (1 x 2). Calculated output size per channel: (1 x -2)."]),
    ("linear-after-flatten", lambda nn: nn.Sequential(nn.Flatten(), nn.Linear(100, 10)), (2, 4, 4, 4),
     ["Linear(in_features=100, out_features=10)", "[2, 64]", "in_features=100", "(last dimension 64)",
      "mat1 and mat2 shapes cannot be multiplied (2x64 and 100x10)"]),
    ("cnn-shrunk-too-far", lambda nn: nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3),
                                                    nn.MaxPool2d(2), nn.Conv2d(8, 8, 3)), (1, 1, 12, 12),
     ["Conv2d(8, 8, kernel_size=(3, 3)", "[1, 8, 1, 1]", "at least 3 x 3"]),
]


def _raise(lib: Any, make: Any, shape: tuple) -> BaseException:
    model = make(lib.nn)
    with pytest.raises(Exception) as err:
        model(lib.zeros(*shape))
    return err.value


@pytest.mark.parametrize("name,make,shape,parts", CASES, ids=[c[0] for c in CASES])
def test_layer_names_itself_and_the_shapes(name: str, make: Any, shape: tuple, parts: list[str]) -> None:
    t_err = _raise(torch, make, shape)
    n_err = _raise(neurona, make, shape)
    assert type(n_err) is type(t_err) is RuntimeError, (n_err, t_err)
    msg = str(n_err)
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"
    # PyTorch's own sentence is kept, word for word, after neurona's context
    assert str(t_err).strip() in msg, (str(t_err), msg)


POOLS = [
    (lambda nn, k, s, p, d, c: nn.MaxPool2d(k, s, p, d, ceil_mode=c), True),
    (lambda nn, k, s, p, d, c: nn.AvgPool2d(k, s, p, ceil_mode=c), False),
    (lambda nn, k, s, p, d, c: nn.MaxPool1d(k, s, p, d, ceil_mode=c), True),
    (lambda nn, k, s, p, d, c: nn.AvgPool1d(k, s, p, ceil_mode=c), False),
]


@pytest.mark.parametrize("which", range(len(POOLS)))
def test_stated_minimum_is_the_smallest_size_torch_accepts(which: int) -> None:
    """The "needs at least n" of a pooling layer is exactly the smallest length PyTorch takes."""
    make, dilated = POOLS[which]
    spatial = 1 if "1d" in repr(make(torch.nn, 2, 1, 0, 1, False)).split("(")[0] else 2
    for k in (1, 2, 3, 5):
        for s in (1, 2, 3):
            for p in range(k // 2 + 1):
                for d in ((1, 2) if dilated else (1,)):
                    if p > (d * (k - 1) + 1) // 2:
                        continue
                    for ceil in (False, True):
                        smallest = next(n for n in range(0, 20) if _fits(make(torch.nn, k, s, p, d, ceil),
                                                                         spatial, n))
                        if smallest <= 1:
                            continue  # only an empty input would be too small
                        layer = make(neurona.nn, k, s, p, d, ceil)
                        shape = (1, 1) + (smallest - 1,) * spatial
                        with pytest.raises(RuntimeError) as err:
                            layer(neurona.zeros(*shape))
                        found = re.search(r"needs at least ([\d x]+)\.", str(err.value))
                        assert found, str(err.value)
                        want = " x ".join([str(smallest)] * spatial)
                        assert found.group(1).strip() == want, (k, s, p, d, ceil, str(err.value))


def _fits(layer: Any, spatial: int, n: int) -> bool:
    try:
        layer(torch.zeros((1, 1) + (n,) * spatial))
    except RuntimeError:
        return False
    return True


def test_other_errors_are_left_alone() -> None:
    """Errors that are not about the spatial size (wrong padding) keep PyTorch's message only."""
    with pytest.raises(RuntimeError) as err:
        neurona.nn.MaxPool2d(2, padding=2)(neurona.zeros(1, 1, 4, 4))
    assert str(err.value).startswith("pad should be at most half of effective kernel size")
