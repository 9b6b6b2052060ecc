"""Interop: models and state dicts move between neurona and PyTorch with identical numbers."""

import numpy as np
import pytest
import torch

import neurona as nt
from neurona.interop import from_torch, to_torch


def _model(fw):
    nn = fw.nn
    return nn.Sequential(
        nn.Linear(6, 8), nn.BatchNorm1d(8), nn.LeakyReLU(0.2), nn.Dropout(0.1),
        nn.Linear(8, 8), nn.LayerNorm(8), nn.GELU(approximate="tanh"), nn.Linear(8, 3),
        nn.LogSoftmax(dim=1),
    )


def test_round_trip_neurona_torch_neurona_is_exact():
    nt.manual_seed(0)
    m = _model(nt).double()
    m.eval()
    t = to_torch(m)
    assert not t.training
    back = from_torch(t)
    x = np.random.default_rng(0).standard_normal((5, 6))
    a = m(nt.tensor(x)).detach().numpy()
    b = t(torch.tensor(x)).detach().numpy()
    c = back(nt.tensor(x)).detach().numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(a, c)
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), back.state_dict()[k].numpy())
    assert repr(back) == repr(m)


def test_from_torch_keeps_weights_and_repr():
    torch.manual_seed(0)
    t = _model(torch)
    m = from_torch(t)
    assert repr(m) == repr(t).replace("torch.", "neurona.")
    for (k1, v1), (k2, v2) in zip(t.state_dict().items(), m.state_dict().items()):
        assert k1 == k2
        np.testing.assert_array_equal(v1.numpy(), v2.numpy())


def test_training_continues_in_torch_with_same_numbers():
    nt.manual_seed(1)
    m = nt.nn.Sequential(nt.nn.Linear(4, 5), nt.nn.Tanh(), nt.nn.Linear(5, 1)).double()
    t = to_torch(m)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 1))
    for fw, model in ((nt, m), (torch, t)):
        out = model(fw.tensor(x))
        loss = ((out - fw.tensor(y)) ** 2).mean()
        loss.backward()
    for (name, p), (_, q) in zip(m.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, err_msg=name)


def test_custom_modules_get_a_clear_error():
    class Net(nt.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nt.nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x)

    with pytest.raises(TypeError, match="load_state_dict"):
        to_torch(Net())


def test_load_state_dict_accepts_torch_tensors_directly():
    t = torch.nn.Linear(3, 2)
    m = nt.nn.Linear(3, 2)
    m.load_state_dict(t.state_dict())
    np.testing.assert_array_equal(m.bias.detach().numpy(), t.bias.detach().numpy())
