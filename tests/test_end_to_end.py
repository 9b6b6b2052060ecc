"""The same MLP trained on both engines from the same weights gives the same losses.

Digits (8×8), 3 epochs, Adam, a seeded loader, float64: every step's loss equal to 1e-6
(issue 3's end-to-end check — the proof that code written for neurona runs on PyTorch).
"""

import numpy as np
import torch

import neurona as nt
from neurona.datasets.digits import load_digits8


def _train(m, x, y, init_sd, batches, lr=5e-3):
    model = m.nn.Sequential(m.nn.Linear(64, 64), m.nn.ReLU(), m.nn.Dropout(0.0), m.nn.Linear(64, 32),
                            m.nn.Tanh(), m.nn.Linear(32, 10)).double()
    model.load_state_dict({k: m.tensor(v) for k, v in init_sd.items()})
    opt = m.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    loss_fn = m.nn.CrossEntropyLoss()
    xt, yt = m.tensor(x), m.tensor(y)
    losses = []
    for idx in batches:
        index = m.tensor(idx)
        opt.zero_grad()
        loss = loss_fn(model(xt[index]), yt[index])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, {k: v.detach().numpy() for k, v in model.state_dict().items()}


def test_mlp_on_digits_matches_torch_step_by_step():
    x, y = load_digits8()
    x = x.astype(np.float64)
    nt.manual_seed(0)
    ref = nt.nn.Sequential(nt.nn.Linear(64, 64), nt.nn.ReLU(), nt.nn.Dropout(0.0), nt.nn.Linear(64, 32),
                           nt.nn.Tanh(), nt.nn.Linear(32, 10)).double()
    init = {k: v.numpy().copy() for k, v in ref.state_dict().items()}
    # a seeded loader (neurona's own) decides the batches once; both engines see the same ones
    loader = nt.utils.data.DataLoader(nt.utils.data.TensorDataset(nt.arange(len(x))), batch_size=64,
                                      shuffle=True, generator=nt.Generator().manual_seed(7))
    batches = [b[0].numpy() for _ in range(3) for b in loader]
    assert len(batches) == 3 * 29
    ln, sd_n = _train(nt, x, y, init, batches)
    lt, sd_t = _train(torch, x, y, init, batches)
    np.testing.assert_allclose(ln, lt, rtol=0, atol=1e-6)
    assert max(abs(a - b) for a, b in zip(ln, lt)) < 1e-9  # in practice far tighter
    assert ln[-1] < 0.5 * ln[0]
    for k in sd_n:
        np.testing.assert_allclose(sd_n[k], sd_t[k], rtol=1e-7, atol=1e-9, err_msg=k)
