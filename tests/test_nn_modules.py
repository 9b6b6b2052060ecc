"""Every layer of ``neurona.nn`` against its PyTorch twin: the same weights (copied with
``load_state_dict(torch_module.state_dict())``), the same inputs, in train and eval mode, in
float64 (tight) and float32; outputs, input gradients, every parameter gradient and the final
state dict are compared. Dropout is checked statistically; the functional forms are
``gradcheck``-ed in float64."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import neurona
import neurona.nn.functional as F
from neurona.autograd import gradcheck
from nn_parity import F32, F64, LAYERS, assert_close, build_pair, layer_parity, pair, seed_of

PARITY = [
    pytest.param(make, inputs, steps, dtype, train, id=f"{name}-{dtype}-{'train' if train else 'eval'}")
    for name, make, inputs, steps in LAYERS
    for dtype in (F64, F32)
    for train in (True, False)
]


@pytest.mark.parametrize("make,inputs,steps,dtype,train", PARITY)
def test_layer_parity(request: Any, make: Any, inputs: list, steps: int, dtype: str, train: bool) -> None:
    layer_parity(make, inputs, dtype, train, steps, name=request.node.callspec.id)


def test_every_layer_is_covered() -> None:
    covered = {name.split("-")[0] for name, *_ in LAYERS}
    wanted = {"Linear", "Identity", "Flatten", "Unflatten", "ReLU", "ReLU6", "LeakyReLU", "PReLU",
              "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Hardtanh",
              "Hardsigmoid", "Hardswish", "Softplus", "Softsign", "LogSigmoid", "Threshold",
              "Softmax", "LogSoftmax", "Dropout", "BatchNorm1d", "LayerNorm", "Embedding", "Bilinear"}
    assert wanted <= covered, sorted(wanted - covered)


def test_parity_harness_can_fail() -> None:
    """A weight changed after the copy must make the comparison fail."""

    def make(nn: Any) -> Any:
        layer = nn.Linear(3, 2)
        if nn is neurona.nn:
            layer.load_state_dict = lambda sd: type(layer).load_state_dict(
                layer, {**sd, "bias": sd["bias"] + 1e-3})
        return layer

    with pytest.raises(AssertionError):
        layer_parity(make, [(4, 3)], name="selftest")


def test_batchnorm_running_stats_several_steps() -> None:
    """num_batches_tracked counts steps; the running variance uses the unbiased estimate."""
    nm, tm = layer_parity(lambda nn: nn.BatchNorm1d(3), [(5, 3)], F64, True, 4, name="bn-stats")
    assert int(nm.num_batches_tracked) == 4
    assert nm.num_batches_tracked.dtype == neurona.int64
    # eval afterwards uses the running statistics
    x = np.random.default_rng(1).standard_normal((4, 3))
    nm.eval()
    tm.eval()
    nx, tx = pair(x)
    assert_close(nm(nx), tm(tx), F64, "eval after training")


def test_batchnorm_eval_without_stats_uses_batch() -> None:
    layer_parity(lambda nn: nn.BatchNorm1d(3, track_running_stats=False), [(5, 3)], F64, False, 2,
                 name="bn-nostats-eval")


@pytest.mark.parametrize("shape", [(1, 4), (1, 4, 1)])
def test_batchnorm_one_value_per_channel_raises(shape: tuple) -> None:
    nm, tm = build_pair(lambda nn: nn.BatchNorm1d(4), F64)
    nx, tx = pair(np.ones(shape))
    with pytest.raises(ValueError, match="more than 1 value per channel") as n_err:
        nm(nx)
    with pytest.raises(ValueError):
        tm(tx)
    assert "4" in str(n_err.value)
    # in eval mode a single sample is fine on both
    nm.eval()
    tm.eval()
    assert_close(nm(nx), tm(tx), F64, "eval single sample")


def test_batchnorm_wrong_input_raises_like_torch() -> None:
    bn, tbn = neurona.nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    with pytest.raises(RuntimeError, match="4") as err:
        bn(neurona.zeros(3, 5))
    assert "[3, 5]" in str(err.value)
    with pytest.raises(RuntimeError):
        tbn(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="2D or 3D"):
        bn(neurona.zeros(3, 4, 2, 2))
    with pytest.raises(ValueError):
        tbn(torch.zeros(3, 4, 2, 2))


def test_batchnorm_empty_batch_like_torch() -> None:
    nm, tm = build_pair(lambda nn: nn.BatchNorm1d(3), F64)
    nx, tx = pair(np.zeros((0, 3)), True)
    assert_close(nm(nx), tm(tx), F64, "empty batch")
    for key, value in tm.state_dict().items():
        assert_close(nm.state_dict()[key], value, F64, key)


def test_embedding_from_pretrained() -> None:
    table = np.random.default_rng(0).standard_normal((5, 3))
    idx = np.array([[0, 4, 1], [2, 2, 3]])
    for freeze in (True, False):
        ne = neurona.nn.Embedding.from_pretrained(neurona.tensor(table), freeze=freeze)
        te = torch.nn.Embedding.from_pretrained(torch.from_numpy(table), freeze=freeze)
        assert ne.weight.requires_grad == te.weight.requires_grad == (not freeze)
        assert (ne.num_embeddings, ne.embedding_dim) == (5, 3)
        n_out, t_out = ne(neurona.tensor(idx)), te(torch.from_numpy(idx))
        assert_close(n_out, t_out, F64, "from_pretrained")
        assert n_out.requires_grad == t_out.requires_grad
        if not freeze:
            n_out.sum().backward()
            t_out.sum().backward()
            assert_close(ne.weight.grad, te.weight.grad, F64, "from_pretrained grad")
    ne = neurona.nn.Embedding.from_pretrained(neurona.tensor(table), padding_idx=1)
    assert ne.padding_idx == 1
    np.testing.assert_array_equal(ne.weight.detach().numpy(), table)  # the row is not zeroed


def test_embedding_padding_row_starts_at_zero() -> None:
    e = neurona.nn.Embedding(6, 3, padding_idx=4)
    np.testing.assert_array_equal(e.weight.detach().numpy()[4], 0)
    e = neurona.nn.Embedding(6, 3, padding_idx=-2)
    assert e.padding_idx == 4
    np.testing.assert_array_equal(e.weight.detach().numpy()[4], 0)


def test_embedding_index_out_of_range_names_index_and_size() -> None:
    e = neurona.nn.Embedding(10, 3)
    with pytest.raises(IndexError, match="index out of range") as err:
        e(neurona.tensor([1, 12, 3]))
    assert "12" in str(err.value) and "10" in str(err.value)
    with pytest.raises(IndexError, match="-1"):
        e(neurona.tensor([-1]))
    with pytest.raises(IndexError):
        torch.nn.Embedding(10, 3)(torch.tensor([1, 12, 3]))
    with pytest.raises(RuntimeError, match="Long, Int"):
        e(neurona.tensor([1.0, 2.0]))


def test_linear_wrong_in_features_names_both_numbers() -> None:
    layer = neurona.nn.Linear(7, 3)
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied") as err:
        layer(neurona.zeros(4, 5))
    msg = str(err.value)
    assert "in_features=7" in msg and "5" in msg, msg
    with pytest.raises(RuntimeError):
        torch.nn.Linear(7, 3)(torch.zeros(4, 5))
    with pytest.raises(RuntimeError, match="in_features=7"):
        F.linear(neurona.zeros(2, 3, 5), layer.weight)


def test_linear_dtype_mismatch_raises() -> None:
    layer = neurona.nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="dtype"):
        layer(neurona.zeros(2, 3, dtype=neurona.float64))


def test_prelu_channel_mismatch_raises() -> None:
    with pytest.raises(RuntimeError, match="channel size"):
        neurona.nn.PReLU(3)(neurona.zeros(2, 4))
    # below 2-D there is no channel dim: one channel, as in torch
    with pytest.raises(RuntimeError, match="channel size = 1"):
        neurona.nn.PReLU(3)(neurona.zeros(3))
    with pytest.raises(RuntimeError):
        torch.nn.PReLU(3)(torch.zeros(3))


# -- in-place activations ------------------------------------------------------------------------

INPLACE = [
    ("ReLU", lambda nn: nn.ReLU(inplace=True)),
    ("ReLU6", lambda nn: nn.ReLU6(inplace=True)),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(0.1, inplace=True)),
    ("ELU", lambda nn: nn.ELU(inplace=True)),
    ("SELU", lambda nn: nn.SELU(inplace=True)),
    ("CELU", lambda nn: nn.CELU(inplace=True)),
    ("SiLU", lambda nn: nn.SiLU(inplace=True)),
    ("Mish", lambda nn: nn.Mish(inplace=True)),
    ("Hardtanh", lambda nn: nn.Hardtanh(inplace=True)),
    ("Hardsigmoid", lambda nn: nn.Hardsigmoid(inplace=True)),
    ("Hardswish", lambda nn: nn.Hardswish(inplace=True)),
    ("Threshold", lambda nn: nn.Threshold(0.5, -1.0, inplace=True)),
    ("Dropout-eval", lambda nn: nn.Dropout(0.5, inplace=True).eval()),
]


@pytest.mark.parametrize("make", [p[1] for p in INPLACE], ids=[p[0] for p in INPLACE])
def test_inplace_activation(make: Any) -> None:
    """``inplace=True`` writes into its input (a non-leaf) and still backpropagates like torch."""
    x = np.random.default_rng(3).standard_normal((3, 5)) * 3
    nx, tx = pair(x, True)
    na, ta = nx * 1, tx * 1
    n_out, t_out = make(neurona.nn)(na), make(torch.nn)(ta)
    assert_close(n_out, t_out, F64, "inplace output")
    assert_close(na, ta, F64, "inplace: the input was overwritten")
    up = np.random.default_rng(4).standard_normal(x.shape)
    n_out.backward(neurona.tensor(up))
    t_out.backward(torch.from_numpy(up))
    assert_close(nx.grad, tx.grad, F64, "inplace grad")


def test_layer_reprs_of_inplace() -> None:
    for _, make in INPLACE:
        assert repr(make(neurona.nn)) == repr(make(torch.nn))


# -- dropout --------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_train_statistics(p: float) -> None:
    neurona.manual_seed(0)
    layer = neurona.nn.Dropout(p)
    x = neurona.ones(200_000, requires_grad=True)
    y = layer(x)
    arr = y.detach().numpy()
    kept = arr != 0
    # the kept fraction is 1 − p within 5 standard errors; kept values scaled by 1/(1 − p)
    se = np.sqrt(p * (1 - p) / arr.size)
    assert abs(kept.mean() - (1 - p)) < 5 * se
    np.testing.assert_allclose(arr[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(arr.mean() - 1) < 0.02
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), arr, rtol=1e-6)  # the same mask for the gradient
    assert y.dtype == neurona.float32


def test_dropout_fresh_mask_each_call_and_seeded() -> None:
    layer = neurona.nn.Dropout(0.5)
    x = neurona.ones(1000)
    neurona.manual_seed(3)
    a = layer(x).numpy()
    b = layer(x).numpy()
    assert not np.array_equal(a, b)
    neurona.manual_seed(3)
    np.testing.assert_array_equal(layer(x).numpy(), a)


def test_dropout_eval_is_identity() -> None:
    layer = neurona.nn.Dropout(0.7).eval()
    x = neurona.randn(50, 4, requires_grad=True)
    y = layer(x)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((50, 4), np.float32))
    assert F.dropout(x, 0.7, training=False) is x
    assert torch.nn.functional.dropout(torch.ones(2), 0.7, training=False).sum() == 2


def test_dropout_p0_and_p1() -> None:
    x = neurona.randn(40, 5, dtype=neurona.float64, requires_grad=True)
    y0 = neurona.nn.Dropout(0.0)(x)
    np.testing.assert_array_equal(y0.detach().numpy(), x.detach().numpy())
    y1 = neurona.nn.Dropout(1.0)(x)
    np.testing.assert_array_equal(y1.detach().numpy(), np.zeros((40, 5)))
    assert not np.isnan(y1.detach().numpy()).any()
    y1.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((40, 5)))
    t1 = torch.nn.Dropout(1.0)(torch.ones(3, requires_grad=True))
    assert t1.sum().item() == 0


def test_dropout_bad_p_raises() -> None:
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            neurona.nn.Dropout(p)
        with pytest.raises(ValueError):
            torch.nn.Dropout(p)
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(neurona.ones(3), p)


def test_dropout_module_has_no_state() -> None:
    assert list(neurona.nn.Dropout().state_dict()) == []


# -- gradcheck of the functional forms ------------------------------------------------------------

GRADCHECK = [
    ("linear", lambda x, w, b: F.linear(x, w, b), [(2, 3), (4, 3), (4,)]),
    ("linear-nobias-3d", lambda x, w: F.linear(x, w), [(2, 1, 3), (2, 3)]),
    ("bilinear", lambda a, b, w, c: F.bilinear(a, b, w, c), [(2, 2), (2, 3), (2, 2, 3), (2,)]),
    ("relu", F.relu, [(3, 4)]),
    ("relu6", lambda x: F.relu6(x * 4), [(3, 4)]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), [(3, 4)]),
    ("prelu", F.prelu, [(2, 3, 2), (3,)]),
    ("prelu-shared", F.prelu, [(2, 3), (1,)]),
    ("elu", lambda x: F.elu(x, 0.8), [(3, 4)]),
    ("selu", F.selu, [(3, 4)]),
    ("celu", lambda x: F.celu(x, 1.3), [(3, 4)]),
    ("gelu", F.gelu, [(3, 4)]),
    ("gelu-tanh", lambda x: F.gelu(x, approximate="tanh"), [(3, 4)]),
    ("silu", F.silu, [(3, 4)]),
    ("mish", F.mish, [(3, 4)]),
    ("sigmoid", F.sigmoid, [(3, 4)]),
    ("tanh", F.tanh, [(3, 4)]),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.7), [(3, 4)]),
    ("hardsigmoid", lambda x: F.hardsigmoid(x * 4), [(3, 4)]),
    ("hardswish", lambda x: F.hardswish(x * 4), [(3, 4)]),
    ("softplus", lambda x: F.softplus(x, 2.0, 1.0), [(3, 4)]),
    ("softsign", F.softsign, [(3, 4)]),
    ("logsigmoid", F.logsigmoid, [(3, 4)]),
    ("threshold", lambda x: F.threshold(x, 0.3, 2.0), [(3, 4)]),
    ("softmax", lambda x: F.softmax(x, dim=1), [(3, 4)]),
    ("log_softmax", lambda x: F.log_softmax(x, dim=0), [(3, 4)]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (2, 3), w, b), [(2, 2, 3), (2, 3), (2, 3)]),
    ("layer_norm-plain", lambda x: F.layer_norm(x, (4,)), [(3, 4)]),
    ("batch_norm-train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     [(4, 3), (3,), (3,)]),
    ("batch_norm-train-3d", lambda x: F.batch_norm(x, None, None, training=True), [(3, 2, 2)]),
    ("batch_norm-eval", lambda x, w, b: F.batch_norm(
        x, neurona.tensor([0.1, -0.2, 0.3], dtype=neurona.float64),
        neurona.tensor([1.5, 0.5, 2.0], dtype=neurona.float64), w, b), [(4, 3), (3,), (3,)]),
    ("embedding", lambda w: F.embedding(neurona.tensor([[0, 2], [2, 3]]), w), [(4, 3)]),
    ("normalize", lambda x: F.normalize(x, dim=1), [(3, 4)]),
    ("cosine_similarity", lambda a, b: F.cosine_similarity(a, b), [(3, 4), (3, 4)]),
    ("pad-reflect", lambda x: F.pad(x, (2, 1), mode="reflect"), [(2, 4)]),
    ("pad-constant", lambda x: F.pad(x, (1, -1, 1, 0), value=3.0), [(2, 3)]),
    ("pad-circular", lambda x: F.pad(x, (2, -1), mode="circular"), [(1, 2, 3)]),
    ("pad-replicate-2d", lambda x: F.pad(x, (1, 2, 2, 0), mode="replicate"), [(1, 2, 2)]),
    ("mse_loss", lambda x, y: F.mse_loss(x, y), [(2, 3), (2, 3)]),
    ("mse_loss-weight", lambda x, y, w: F.mse_loss(x, y, weight=w), [(2, 3), (2, 3), ("prob", (2, 3))]),
    ("l1_loss", lambda x, y: F.l1_loss(x, y, reduction="sum"), [(2, 3), (2, 3)]),
    ("huber_loss", lambda x, y: F.huber_loss(x, y, delta=0.7, reduction="none"), [(2, 3), (2, 3)]),
    ("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, beta=0.6), [(2, 3), (2, 3)]),
    ("binary_cross_entropy", lambda x, y: F.binary_cross_entropy(x, y, reduction="none"),
     [("prob", (2, 3)), ("prob", (2, 3))]),
    ("binary_cross_entropy_with_logits", lambda x, y, w, pw: F.binary_cross_entropy_with_logits(
        x, y, weight=w, pos_weight=pw), [(2, 3), ("prob", (2, 3)), ("prob", (3,)), ("prob", (3,))]),
    ("cross_entropy", lambda x: F.cross_entropy(x, neurona.tensor([2, 0, 1])), [(3, 4)]),
    ("cross_entropy-options", lambda x: F.cross_entropy(
        x, neurona.tensor([2, -100, 1]), weight=neurona.tensor([0.5, 1.0, 2.0, 1.5], dtype=neurona.float64),
        label_smoothing=0.2, reduction="none"), [(3, 4)]),
    ("cross_entropy-probs", lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1),
     [(2, 3, 2), ("prob", (2, 3, 2))]),
    ("nll_loss", lambda x: F.nll_loss(x, neurona.tensor([[1, 0], [2, 2]]), reduction="sum"), [(2, 3, 2)]),
    ("kl_div", lambda x, y: F.kl_div(x, y, reduction="batchmean"), [(2, 3), ("prob", (2, 3))]),
    ("kl_div-log_target", lambda x, y: F.kl_div(x, y, reduction="sum", log_target=True), [(2, 3), (2, 3)]),
    ("poisson_nll_loss", lambda x, y: F.poisson_nll_loss(x, y * 4, full=True), [(2, 3), ("prob", (2, 3))]),
    ("cosine_embedding_loss", lambda a, b: F.cosine_embedding_loss(a, b, neurona.tensor([1, -1]), 0.1),
     [(2, 3), (2, 3)]),
    ("pairwise_distance", lambda a, b: F.pairwise_distance(a, b), [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("fn,shapes", [(g[1], g[2]) for g in GRADCHECK], ids=[g[0] for g in GRADCHECK])
def test_functional_gradcheck(fn: Any, shapes: list) -> None:
    rng = np.random.default_rng(seed_of("gradcheck", *shapes))
    xs = [neurona.tensor(rng.uniform(0.15, 0.85, s[1]) if s[0] == "prob" else rng.standard_normal(s) + 0.1,
                         requires_grad=True) for s in shapes]
    assert gradcheck(fn, xs)


def test_float32_parity_uses_float32_math() -> None:
    """The float32 run really is float32 on both sides (no silent upcast)."""
    nm, tm = build_pair(lambda nn: nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.LayerNorm(4),
                                                 nn.BatchNorm1d(4)), F32)
    y = nm(neurona.randn(5, 3))
    assert y.dtype == neurona.float32
    assert all(p.dtype == neurona.float32 for p in nm.parameters())
    assert nm[3].running_mean.dtype == neurona.float32


# -- extreme inputs and kinks ---------------------------------------------------------------------

EXTREME = np.array([-1e4, -100.0, -30.0, -20.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0,
                    6.0, 10.0, 20.0, 30.0, 100.0, 1e4])
ACTIVATIONS = [name for name, *_ in LAYERS if "-" not in name and name not in (
    "Linear", "Identity", "Flatten", "Unflatten", "BatchNorm1d", "LayerNorm", "Embedding", "Bilinear")]
ACTIVATIONS += ["LeakyReLU-0.2", "ELU-alpha", "CELU-alpha", "GELU-tanh", "Hardtanh-range",
                "Softplus-beta", "Softplus-beta-small", "PReLU-init"]


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_extremes_and_kinks(name: str, dtype: str) -> None:
    """Values and gradients at ±1e4 and exactly at every kink (0, ±1, ±3, 6, thresholds)
    equal torch's (its gradient convention at the kink included), and are finite."""
    make = next(mk for n, mk, *_ in LAYERS if n == name)
    nm, tm = build_pair(make, dtype)
    x = EXTREME.astype(dtype).reshape(1, -1) if "Softmax" in name else EXTREME.astype(dtype)
    nx, tx = pair(x, True)
    n_out, t_out = nm(nx), tm(tx)
    assert_close(n_out, t_out, dtype, f"{name} extreme values")
    assert np.isfinite(n_out.detach().numpy()).all() or not np.isfinite(t_out.detach().numpy()).all()
    n_out.sum().backward()
    t_out.sum().backward()
    assert_close(nx.grad, tx.grad, dtype, f"{name} extreme grads")
    for (k, p), q in zip(nm.named_parameters(), tm.parameters()):
        assert_close(p.grad, q.grad, dtype, f"{name} extreme grad of {k}")


@pytest.mark.parametrize("cls,shape,lead", [("Dropout1d", (50, 40, 6), 2), ("Dropout1d", (400, 6), 1),
                                            ("Dropout2d", (50, 40, 3, 3), 2), ("Dropout2d", (50, 40, 6), 2)])
def test_feature_dropout_zeroes_whole_channels(cls: str, shape: tuple, lead: int) -> None:
    """One draw per (sample, channel), as torch (a 3-D input to Dropout2d is (N, C, L), with a warning)."""
    neurona.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = getattr(neurona.nn, cls)(0.3)(neurona.ones(*shape)).numpy()
        t = getattr(torch.nn, cls)(0.3)(torch.ones(*shape)).numpy()
    for out in (y, t):
        per_channel = out.reshape(shape[:lead] + (-1,))
        assert (per_channel == per_channel[..., :1]).all(), "a channel is dropped or kept as a whole"
        assert abs((per_channel[..., 0] == 0).mean() - 0.3) < 0.05
        np.testing.assert_allclose(np.unique(out), [0, 1 / 0.7], rtol=1e-6)


def test_feature_dropout_rank_checks_like_torch() -> None:
    with pytest.raises(RuntimeError, match="2D or 3D"):
        neurona.nn.Dropout1d()(neurona.ones(2, 2, 2, 2))
    with pytest.raises(RuntimeError):
        torch.nn.Dropout1d()(torch.ones(2, 2, 2, 2))
    for shape in ((4, 3, 5), (4, 3)):
        with pytest.warns(UserWarning, match="dropout2d: Received a"):
            neurona.nn.Dropout2d()(neurona.ones(*shape))
        with pytest.warns(UserWarning, match="dropout2d: Received a"):
            torch.nn.Dropout2d()(torch.ones(*shape))
    x = neurona.ones(3, 4)
    assert neurona.nn.Dropout2d().eval()(neurona.ones(2, 3, 4, 4)).numpy().all()
    assert neurona.nn.Dropout1d(0.0)(x) is x


def test_alpha_dropout_keeps_mean_and_variance() -> None:
    neurona.manual_seed(0)
    x = neurona.randn(200_000, dtype=neurona.float64)
    for p in (0.1, 0.5):
        y = neurona.nn.AlphaDropout(p)(x).numpy()
        t = torch.nn.AlphaDropout(p)(torch.from_numpy(x.numpy())).numpy()
        assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
        assert abs(y.mean() - t.mean()) < 0.02 and abs(y.std() - t.std()) < 0.02
        # the dropped elements all take the same constant, equal on both sides, a fraction p of them
        vals, counts = np.unique(y, return_counts=True)
        tvals, tcounts = np.unique(t, return_counts=True)
        np.testing.assert_allclose(vals[counts.argmax()], tvals[tcounts.argmax()], rtol=1e-12)
        assert abs(counts.max() / y.size - p) < 0.01
    assert neurona.nn.AlphaDropout(0.5).eval()(x) is x


# -- hypothesis: random shapes for the shape-sensitive layers ---------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(n=st.integers(2, 5), c=st.integers(1, 4), length=st.integers(0, 3), affine=st.booleans(),
       track=st.booleans(), train=st.booleans(), steps=st.integers(1, 3))
def test_batchnorm_hypothesis(n: int, c: int, length: int, affine: bool, track: bool, train: bool,
                              steps: int) -> None:
    shape = (n, c, length) if length else (n, c)
    layer_parity(lambda nn: nn.BatchNorm1d(c, affine=affine, track_running_stats=track), [shape], F64,
                 train, steps, name=f"bn-hyp-{shape}")


@given(lead=st.lists(st.integers(1, 3), max_size=2), norm=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       affine=st.booleans(), bias=st.booleans())
def test_layer_norm_hypothesis(lead: list, norm: list, affine: bool, bias: bool) -> None:
    layer_parity(lambda nn: nn.LayerNorm(tuple(norm), elementwise_affine=affine, bias=bias),
                 [tuple(lead + norm)], F64, True, 1, name=f"ln-hyp-{lead}-{norm}")


@given(lead=st.lists(st.integers(0, 3), max_size=3), fin=st.integers(1, 4), fout=st.integers(1, 4),
       bias=st.booleans())
def test_linear_hypothesis(lead: list, fin: int, fout: int, bias: bool) -> None:
    layer_parity(lambda nn: nn.Linear(fin, fout, bias=bias), [tuple(lead + [fin])], F64, True, 1,
                 name=f"linear-hyp-{lead}")
