"""Interop: models and state dicts move between neurona and PyTorch with identical numbers."""

import zlib
from collections import OrderedDict

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


# -- every layer: neurona → torch → neurona, weights, repr, flags and outputs ------------------------

F64 = np.float64


def _f(*shape):
    """A float input of ``shape`` (drawn per test from one seeded generator)."""
    return ("float", shape)


def _i(high, *shape):
    """An int64 input of ``shape`` in [0, high)."""
    return ("int", high, shape)


def _p(*shape):
    """A float input in (0.05, 0.95) (probabilities, Poisson rates)."""
    return ("prob", shape)


# id: (build(fw) -> module, inputs (None: a container with no forward), train mode)
LAYERS = {
    "Linear": (lambda fw: fw.nn.Linear(6, 4), [_f(3, 6)], False),
    "Linear_no_bias": (lambda fw: fw.nn.Linear(6, 4, bias=False), [_f(2, 5, 6)], False),
    "Bilinear": (lambda fw: fw.nn.Bilinear(3, 4, 2), [_f(5, 3), _f(5, 4)], False),
    "Identity": (lambda fw: fw.nn.Identity(), [_f(2, 3)], False),
    "Flatten": (lambda fw: fw.nn.Flatten(1, 2), [_f(2, 3, 4, 2)], False),
    "Unflatten": (lambda fw: fw.nn.Unflatten(1, (2, 3)), [_f(2, 6)], False),
    "ReLU": (lambda fw: fw.nn.ReLU(), [_f(2, 5)], False),
    "ReLU6": (lambda fw: fw.nn.ReLU6(), [_f(2, 5)], False),
    "SELU": (lambda fw: fw.nn.SELU(), [_f(2, 5)], False),
    "SiLU": (lambda fw: fw.nn.SiLU(), [_f(2, 5)], False),
    "Mish": (lambda fw: fw.nn.Mish(), [_f(2, 5)], False),
    "Hardsigmoid": (lambda fw: fw.nn.Hardsigmoid(), [_f(2, 5)], False),
    "Hardswish": (lambda fw: fw.nn.Hardswish(), [_f(2, 5)], False),
    "LeakyReLU": (lambda fw: fw.nn.LeakyReLU(0.2), [_f(2, 5)], False),
    "PReLU": (lambda fw: fw.nn.PReLU(), [_f(2, 5)], False),
    "PReLU_channels": (lambda fw: fw.nn.PReLU(num_parameters=3, init=0.1), [_f(2, 3, 4)], False),
    "ELU": (lambda fw: fw.nn.ELU(alpha=0.7), [_f(2, 5)], False),
    "CELU": (lambda fw: fw.nn.CELU(alpha=1.3), [_f(2, 5)], False),
    "GELU": (lambda fw: fw.nn.GELU(), [_f(2, 5)], False),
    "GELU_tanh": (lambda fw: fw.nn.GELU(approximate="tanh"), [_f(2, 5)], False),
    "Sigmoid": (lambda fw: fw.nn.Sigmoid(), [_f(2, 5)], False),
    "Tanh": (lambda fw: fw.nn.Tanh(), [_f(2, 5)], False),
    "Softsign": (lambda fw: fw.nn.Softsign(), [_f(2, 5)], False),
    "LogSigmoid": (lambda fw: fw.nn.LogSigmoid(), [_f(2, 5)], False),
    "Tanhshrink": (lambda fw: fw.nn.Tanhshrink(), [_f(2, 5)], False),
    "Hardtanh": (lambda fw: fw.nn.Hardtanh(-0.5, 0.8), [_f(2, 5)], False),
    "Softplus": (lambda fw: fw.nn.Softplus(beta=2.0, threshold=1.0), [_f(2, 5)], False),
    "Threshold": (lambda fw: fw.nn.Threshold(0.1, -1.0), [_f(2, 5)], False),
    "Softmax": (lambda fw: fw.nn.Softmax(dim=1), [_f(2, 5)], False),
    "Softmin": (lambda fw: fw.nn.Softmin(dim=0), [_f(2, 5)], False),
    "LogSoftmax": (lambda fw: fw.nn.LogSoftmax(dim=-1), [_f(2, 5)], False),
    "GLU": (lambda fw: fw.nn.GLU(dim=1), [_f(2, 4)], False),
    "Dropout": (lambda fw: fw.nn.Dropout(0.3), [_f(2, 5)], False),
    "Dropout1d": (lambda fw: fw.nn.Dropout1d(0.3), [_f(2, 3, 4)], False),
    "Dropout2d": (lambda fw: fw.nn.Dropout2d(0.3), [_f(2, 3, 4, 4)], False),
    "AlphaDropout": (lambda fw: fw.nn.AlphaDropout(0.3), [_f(2, 5)], False),
    "BatchNorm1d": (lambda fw: fw.nn.BatchNorm1d(3), [_f(5, 3)], False),
    "BatchNorm1d_momentum_none_train": (lambda fw: fw.nn.BatchNorm1d(3, momentum=None), [_f(5, 3)], True),
    "BatchNorm1d_no_affine_3d": (lambda fw: fw.nn.BatchNorm1d(3, affine=False), [_f(4, 3, 5)], False),
    "BatchNorm2d": (lambda fw: fw.nn.BatchNorm2d(3, eps=1e-3, momentum=0.3), [_f(2, 3, 4, 4)], True),
    "BatchNorm2d_momentum_none_no_affine": (lambda fw: fw.nn.BatchNorm2d(3, momentum=None, affine=False),
                                            [_f(2, 3, 4, 4)], False),
    "BatchNorm2d_no_running_stats": (lambda fw: fw.nn.BatchNorm2d(3, track_running_stats=False),
                                     [_f(2, 3, 2, 2)], False),
    "LayerNorm": (lambda fw: fw.nn.LayerNorm((3, 4), eps=1e-3), [_f(2, 3, 4)], False),
    "LayerNorm_no_affine": (lambda fw: fw.nn.LayerNorm(4, elementwise_affine=False), [_f(2, 4)], False),
    "LayerNorm_no_bias": (lambda fw: fw.nn.LayerNorm(4, bias=False), [_f(2, 4)], False),
    "Embedding": (lambda fw: fw.nn.Embedding(10, 4), [_i(10, 2, 5)], False),
    "Embedding_padding_idx": (lambda fw: fw.nn.Embedding(10, 4, padding_idx=0), [_i(10, 2, 5)], False),
    "Embedding_max_norm": (lambda fw: fw.nn.Embedding(10, 4, max_norm=1.0), [_i(10, 2, 5)], False),
    "Embedding_neg_padding_max_norm_p1": (
        lambda fw: fw.nn.Embedding(10, 4, padding_idx=-1, max_norm=0.5, norm_type=1.0), [_i(10, 6)], False),
    "Conv1d_groups_reflect": (lambda fw: fw.nn.Conv1d(4, 6, 3, groups=2, padding=1, padding_mode="reflect"),
                              [_f(2, 4, 7)], False),
    "Conv1d_circular_strided": (
        lambda fw: fw.nn.Conv1d(2, 3, 3, stride=2, dilation=2, padding=2, bias=False,
                                padding_mode="circular"),
        [_f(2, 2, 9)], False),
    "Conv2d": (lambda fw: fw.nn.Conv2d(3, 2, (2, 3), stride=(2, 1), padding=(1, 0)), [_f(2, 3, 5, 6)], False),
    "Conv2d_depthwise_same_replicate": (
        lambda fw: fw.nn.Conv2d(4, 4, 3, groups=4, padding="same", padding_mode="replicate"),
        [_f(1, 4, 5, 5)], False),
    "Conv2d_groups_circular": (lambda fw: fw.nn.Conv2d(4, 6, 3, groups=2, padding=1, padding_mode="circular"),
                               [_f(1, 4, 4, 5)], False),
    "ConvTranspose1d": (lambda fw: fw.nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1, groups=2),
                        [_f(2, 4, 5)], False),
    "ConvTranspose2d": (lambda fw: fw.nn.ConvTranspose2d(2, 4, (3, 2), stride=2, padding=1, bias=False),
                        [_f(1, 2, 4, 3)], False),
    "MaxPool1d": (lambda fw: fw.nn.MaxPool1d(3, stride=2, padding=1), [_f(2, 3, 8)], False),
    "MaxPool2d_indices": (lambda fw: fw.nn.MaxPool2d(2, return_indices=True), [_f(1, 2, 4, 6)], False),
    "MaxPool2d_ceil": (lambda fw: fw.nn.MaxPool2d(3, stride=2, ceil_mode=True), [_f(1, 2, 6, 7)], False),
    "AvgPool1d": (lambda fw: fw.nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False),
                  [_f(2, 3, 8)], False),
    "AvgPool2d": (lambda fw: fw.nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, divisor_override=2),
                  [_f(1, 2, 6, 7)], False),
    "AdaptiveAvgPool1d": (lambda fw: fw.nn.AdaptiveAvgPool1d(3), [_f(2, 3, 8)], False),
    "AdaptiveAvgPool2d": (lambda fw: fw.nn.AdaptiveAvgPool2d((2, 3)), [_f(1, 2, 5, 7)], False),
    "AdaptiveMaxPool1d_indices": (lambda fw: fw.nn.AdaptiveMaxPool1d(2, return_indices=True), [_f(2, 3, 7)],
                                  False),
    "AdaptiveMaxPool2d": (lambda fw: fw.nn.AdaptiveMaxPool2d(3), [_f(1, 2, 5, 7)], False),
    "Upsample_nearest": (lambda fw: fw.nn.Upsample(scale_factor=2), [_f(1, 2, 3, 4)], False),
    "Upsample_bilinear_align": (lambda fw: fw.nn.Upsample(size=(5, 7), mode="bilinear", align_corners=True),
                                [_f(1, 2, 3, 4)], False),
    "Upsample_linear": (lambda fw: fw.nn.Upsample(scale_factor=1.5, mode="linear"), [_f(1, 2, 4)], False),
    "UpsamplingNearest2d": (lambda fw: fw.nn.UpsamplingNearest2d(scale_factor=2), [_f(1, 2, 3, 4)], False),
    "UpsamplingBilinear2d": (lambda fw: fw.nn.UpsamplingBilinear2d(size=(4, 6)), [_f(1, 2, 3, 4)], False),
    "Unfold": (lambda fw: fw.nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2), [_f(2, 3, 5, 6)],
               False),
    "Fold": (lambda fw: fw.nn.Fold((4, 5), 2, stride=1), [_f(2, 8, 12)], False),
    "PixelShuffle": (lambda fw: fw.nn.PixelShuffle(2), [_f(1, 8, 2, 3)], False),
    "PixelUnshuffle": (lambda fw: fw.nn.PixelUnshuffle(2), [_f(1, 2, 4, 6)], False),
    "RNN_bidirectional_2layer_relu": (
        lambda fw: fw.nn.RNN(4, 5, num_layers=2, bidirectional=True, nonlinearity="relu"),
        [_f(7, 2, 4)], False),
    "LSTM_bidirectional_2layer_batch_first": (
        lambda fw: fw.nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True),
        [_f(2, 7, 4)], False),
    "LSTM_proj_size": (lambda fw: fw.nn.LSTM(4, 6, num_layers=2, proj_size=3, bidirectional=True),
                       [_f(5, 2, 4)], False),
    "GRU_bidirectional_2layer_dropout": (
        lambda fw: fw.nn.GRU(4, 5, num_layers=2, bidirectional=True, dropout=0.3, bias=False),
        [_f(6, 2, 4)], False),
    "RNNCell": (lambda fw: fw.nn.RNNCell(4, 5, nonlinearity="relu"), [_f(3, 4)], False),
    "LSTMCell": (lambda fw: fw.nn.LSTMCell(4, 5), [_f(3, 4)], False),
    "GRUCell": (lambda fw: fw.nn.GRUCell(4, 5, bias=False), [_f(3, 4)], False),
    "MultiheadAttention": (lambda fw: fw.nn.MultiheadAttention(8, 2), [_f(5, 2, 8), _f(6, 2, 8), _f(6, 2, 8)],
                           False),
    "MultiheadAttention_kdim_vdim_bias_kv": (
        lambda fw: fw.nn.MultiheadAttention(8, 2, dropout=0.1, add_bias_kv=True, add_zero_attn=True,
                                            kdim=6, vdim=4, batch_first=True),
        [_f(2, 5, 8), _f(2, 3, 6), _f(2, 3, 4)], False),
    "TransformerEncoderLayer": (lambda fw: fw.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16),
                                [_f(5, 2, 8)], False),
    "TransformerEncoderLayer_norm_first_gelu": (
        lambda fw: fw.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.2, activation="gelu",
                                                 layer_norm_eps=1e-4, batch_first=True, norm_first=True),
        [_f(2, 5, 8)], False),
    "TransformerDecoderLayer": (lambda fw: fw.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16),
                                [_f(4, 2, 8), _f(5, 2, 8)], False),
    "TransformerDecoderLayer_norm_first_no_bias": (
        lambda fw: fw.nn.TransformerDecoderLayer(8, 2, 16, batch_first=True, norm_first=True, bias=False),
        [_f(2, 4, 8), _f(2, 5, 8)], False),
    "TransformerEncoder": (
        lambda fw: fw.nn.TransformerEncoder(fw.nn.TransformerEncoderLayer(8, 2, 16), 2,
                                            norm=fw.nn.LayerNorm(8), enable_nested_tensor=False),
        [_f(5, 2, 8)], False),
    "TransformerDecoder": (
        lambda fw: fw.nn.TransformerDecoder(fw.nn.TransformerDecoderLayer(8, 2, 16), 2),
        [_f(4, 2, 8), _f(5, 2, 8)], False),
    "Transformer": (
        lambda fw: fw.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=2,
                                     dim_feedforward=16),
        [_f(5, 2, 8), _f(4, 2, 8)], False),
    "Sequential": (
        lambda fw: fw.nn.Sequential(fw.nn.Conv1d(2, 4, 3), fw.nn.BatchNorm1d(4), fw.nn.ReLU(),
                                    fw.nn.Flatten(), fw.nn.Linear(4 * 6, 3)),
        [_f(3, 2, 8)], True),
    "Sequential_ordered_dict_nested": (
        lambda fw: fw.nn.Sequential(OrderedDict(
            inner=fw.nn.Sequential(fw.nn.Linear(3, 4), fw.nn.Tanh()), drop=fw.nn.Dropout(0.5),
            out=fw.nn.Linear(4, 2))),
        [_f(2, 3)], False),
    "ModuleList": (lambda fw: fw.nn.ModuleList([fw.nn.Linear(2, 3), fw.nn.ModuleList([fw.nn.PReLU(3)]),
                                                fw.nn.Sequential(fw.nn.Linear(3, 1))]), None, False),
    "ModuleDict": (lambda fw: fw.nn.ModuleDict({"enc": fw.nn.Linear(2, 3), "norm": fw.nn.LayerNorm(3),
                                                "heads": fw.nn.ModuleDict({"a": fw.nn.Embedding(4, 3)})}),
                   None, False),
    "ParameterList": (lambda fw: fw.nn.ParameterList([fw.nn.Parameter(fw.zeros(2, 3)),
                                                      fw.nn.Parameter(fw.zeros(4))]), None, False),
    "ParameterDict": (lambda fw: fw.nn.ParameterDict({"w": fw.nn.Parameter(fw.zeros(2, 3)),
                                                      "b": fw.nn.Parameter(fw.zeros(3))}), None, False),
    # losses are modules too (their weight buffers travel with them)
    "MSELoss": (lambda fw: fw.nn.MSELoss(reduction="sum"), [_f(3, 4), _f(3, 4)], False),
    "L1Loss": (lambda fw: fw.nn.L1Loss(reduction="none"), [_f(3, 4), _f(3, 4)], False),
    "HuberLoss": (lambda fw: fw.nn.HuberLoss(delta=0.5), [_f(3, 4), _f(3, 4)], False),
    "SmoothL1Loss": (lambda fw: fw.nn.SmoothL1Loss(beta=0.5), [_f(3, 4), _f(3, 4)], False),
    "BCELoss": (lambda fw: fw.nn.BCELoss(weight=fw.ones(4)), [_p(3, 4), _p(3, 4)], False),
    "BCEWithLogitsLoss": (lambda fw: fw.nn.BCEWithLogitsLoss(pos_weight=fw.ones(4)), [_f(3, 4), _p(3, 4)],
                          False),
    "CrossEntropyLoss": (lambda fw: fw.nn.CrossEntropyLoss(weight=fw.ones(3), ignore_index=1,
                                                           label_smoothing=0.1), [_f(5, 3), _i(3, 5)], False),
    "NLLLoss": (lambda fw: fw.nn.NLLLoss(weight=fw.ones(3), reduction="sum"), [_f(5, 3), _i(3, 5)], False),
    "KLDivLoss": (lambda fw: fw.nn.KLDivLoss(reduction="batchmean", log_target=True), [_f(3, 4), _f(3, 4)],
                  False),
    "PoissonNLLLoss": (lambda fw: fw.nn.PoissonNLLLoss(log_input=False, full=True), [_p(3, 4), _p(3, 4)],
                       False),
}


def _inputs(spec, rng):
    out = []
    for s in spec:
        if s[0] == "float":
            out.append(rng.standard_normal(s[1]))
        elif s[0] == "prob":
            out.append(rng.uniform(0.05, 0.95, s[1]))
        else:
            out.append(rng.integers(0, s[1], s[2]))
    return out


def _flat(result):
    """An output as a flat list of arrays (tuples such as LSTM's ``(out, (h, c))`` flattened)."""
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _flat(r)]
    return [] if result is None else [np.asarray(result.detach().numpy())]


def _arrays(module):
    return OrderedDict((k, np.array(v.detach().numpy())) for k, v in module.state_dict().items())


def _randomized(module, rng):
    """``module`` with every float entry of its state dict random (variances positive), loaded
    from a state dict of plain NumPy arrays."""
    sd = OrderedDict()
    for k, v in _arrays(module).items():
        if v.dtype.kind == "f":
            v = rng.uniform(0.5, 1.5, v.shape) if k.endswith("running_var") else rng.standard_normal(v.shape)
        else:
            v = np.full(v.shape, 3, v.dtype)  # num_batches_tracked
        sd[k] = v.astype(_arrays(module)[k].dtype)
    module.load_state_dict(sd)
    return module


def _assert_same_state(a, b, what):
    sa, sb = _arrays(a), _arrays(b)
    assert list(sa) == list(sb), f"{what}: keys {list(sa)} vs {list(sb)}"
    for k in sa:
        assert sa[k].dtype == sb[k].dtype, f"{what}: {k} dtype {sa[k].dtype} vs {sb[k].dtype}"
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=f"{what}: {k}")


def _flags(module):
    return ([(n, p.requires_grad) for n, p in module.named_parameters()],
            [(n, m.training) for n, m in module.named_modules()])


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_round_trips(name):
    build, spec, train = LAYERS[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    nt.manual_seed(0)
    m = _randomized(build(nt).double(), rng)
    m.train(train)
    t = to_torch(m)
    back = from_torch(t)
    # weights and buffers bit-equal, same keys and dtypes; same repr; same flags
    _assert_same_state(m, t, f"{name} to_torch")
    _assert_same_state(m, back, f"{name} round trip")
    assert repr(back) == repr(m)
    assert repr(t).replace("torch.", "neurona.") == repr(m)
    assert _flags(t) == _flags(m) == _flags(back)
    if spec is None:  # a container without forward
        return
    xs = _inputs(spec, rng)
    with torch.no_grad():
        outs_t = _flat(t(*[torch.from_numpy(x.copy()) for x in xs]))
    outs_m = _flat(m(*[nt.tensor(x) for x in xs]))
    outs_b = _flat(back(*[nt.tensor(x) for x in xs]))
    assert len(outs_m) == len(outs_t) == len(outs_b)
    for k, (a, b, c) in enumerate(zip(outs_m, outs_t, outs_b)):
        assert (a.shape, a.dtype) == (b.shape, b.dtype), f"{name} output {k}: vs torch {b.shape} {b.dtype}"
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{name} output {k} vs torch")
        np.testing.assert_array_equal(a, c, err_msg=f"{name} output {k} after the round trip")
    if train:  # running statistics updated the same way on both sides
        for k, v in _arrays(m).items():
            np.testing.assert_allclose(v, _arrays(t)[k], rtol=1e-12, atol=1e-14, err_msg=f"{name}: {k}")


def test_every_layer_is_covered():
    """Every module class neurona.nn exports (but the abstract bases) is in LAYERS."""
    from neurona.nn import modules

    skip = {"Module", "RNNBase", "RNNCellBase"}
    covered = {n.split("_")[0] for n in LAYERS}
    layers = {n for n in modules.__all__ if isinstance(getattr(modules, n), type)} - skip
    assert not sorted(layers - covered), f"layers without a round-trip case: {sorted(layers - covered)}"


def test_frozen_parameters_stay_frozen():
    nt.manual_seed(0)
    m = nt.nn.Sequential(nt.nn.Embedding(5, 3), nt.nn.LSTM(3, 4), ).double()
    m[0].weight.requires_grad_(False)
    m[1].weight_hh_l0.requires_grad_(False)
    t = to_torch(m)
    assert not t[0].weight.requires_grad and not t[1].weight_hh_l0.requires_grad
    assert t[1].weight_ih_l0.requires_grad
    back = from_torch(t)
    assert not back[0].weight.requires_grad and not back[1].weight_hh_l0.requires_grad
    assert back[1].weight_ih_l0.requires_grad
    assert _flags(back) == _flags(t) == _flags(m)


def test_submodule_modes_survive():
    m = nt.nn.Sequential(nt.nn.Linear(2, 2), nt.nn.Dropout(0.5), nt.nn.BatchNorm1d(2))
    m[2].eval()  # a frozen BatchNorm inside a model in training
    assert _flags(from_torch(to_torch(m))) == _flags(m)


def test_load_state_dict_from_numpy_arrays():
    nt.manual_seed(0)
    m = nt.nn.Sequential(nt.nn.Linear(3, 4), nt.nn.BatchNorm1d(4)).double()
    rng = np.random.default_rng(0)
    sd = OrderedDict((k, rng.standard_normal(v.shape)) for k, v in m.state_dict().items()
                     if v.dtype.is_floating_point)
    sd["1.num_batches_tracked"] = np.array(7)
    result = m.load_state_dict(sd)
    assert not result.missing_keys and not result.unexpected_keys
    for k, v in sd.items():
        np.testing.assert_array_equal(m.state_dict()[k].numpy(), v)
    assert m[0].weight.dtype == nt.float64 and m[0].weight.requires_grad  # copied in place, still a leaf
    with pytest.raises(RuntimeError, match="size mismatch|shape"):
        m.load_state_dict({**sd, "0.weight": np.zeros((2, 2))})
    with pytest.raises(RuntimeError, match="Missing"):
        m.load_state_dict({k: v for k, v in sd.items() if k != "0.bias"})
    t = to_torch(m)
    np.testing.assert_array_equal(t[1].running_mean.numpy(), sd["1.running_mean"])
    assert int(t[1].num_batches_tracked) == 7
