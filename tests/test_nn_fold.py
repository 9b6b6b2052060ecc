"""nn.Unfold / nn.Fold against PyTorch: repr, outputs and input gradients (float64)."""

import numpy as np
import pytest
import torch

import neurona

CASES = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 3), stride=2),
    dict(kernel_size=3, padding=1, dilation=2),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
]


@pytest.mark.parametrize("kw", CASES)
def test_unfold_then_fold_match_torch(kw):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    size = (7, 8)
    mods = {}
    for lib in (neurona, torch):
        unf, fold = lib.nn.Unfold(**kw), lib.nn.Fold(output_size=size, **kw)
        xt = lib.tensor(x, requires_grad=True)
        cols = unf(xt)
        img = fold(cols * cols)
        img.sum().backward()
        mods[lib.__name__] = (repr(unf), repr(fold), cols.detach().numpy(), img.detach().numpy(),
                              xt.grad.numpy())
    n, t = mods["neurona"], mods["torch"]
    assert n[:2] == t[:2]
    for a, b in zip(n[2:], t[2:]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_fold_rejects_columns_not_divisible_by_kernel():
    fold = neurona.nn.Fold(output_size=(4, 4), kernel_size=2)
    with pytest.raises(RuntimeError, match="divisible"):
        fold(neurona.zeros(1, 5, 9))
    with pytest.raises(RuntimeError):
        torch.nn.Fold(output_size=(4, 4), kernel_size=2)(torch.zeros(1, 5, 9))
