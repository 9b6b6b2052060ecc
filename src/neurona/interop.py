"""Moving models and weights between neurona and PyTorch.

Both frameworks use the same layer names, constructor arguments, attribute names and
state-dict keys, so a model is converted by building its twin layer by layer from one
table of constructor arguments (read from attributes both sides share) and copying the
state dict. Custom ``Module`` subclasses carry Python code that can't be translated:
instantiate the same class written against the other framework and ``load_state_dict``.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor


def _a(*names: str) -> Callable[[Any], dict]:
    """Constructor kwargs read from attributes of the same names."""
    return lambda m: {n: getattr(m, n) for n in names}


def _has_bias(m: Any) -> dict:
    return {"bias": m.bias is not None}


# layer name -> constructor kwargs from a module of either framework
SPECS: dict[str, Callable[[Any], dict]] = {
    "Linear": lambda m: {"in_features": m.in_features, "out_features": m.out_features, **_has_bias(m)},
    "Bilinear": lambda m: {"in1_features": m.in1_features, "in2_features": m.in2_features,
                           "out_features": m.out_features, **_has_bias(m)},
    "Identity": lambda m: {},
    "Flatten": _a("start_dim", "end_dim"),
    "Unflatten": _a("dim", "unflattened_size"),
    "ReLU": _a("inplace"), "ReLU6": _a("inplace"), "SELU": _a("inplace"), "SiLU": _a("inplace"),
    "Mish": _a("inplace"), "Hardsigmoid": _a("inplace"), "Hardswish": _a("inplace"),
    "LeakyReLU": _a("negative_slope", "inplace"),
    "PReLU": lambda m: {"num_parameters": m.num_parameters},
    "ELU": _a("alpha", "inplace"), "CELU": _a("alpha", "inplace"),
    "GELU": _a("approximate"),
    "Sigmoid": lambda m: {}, "Tanh": lambda m: {}, "Softsign": lambda m: {},
    "LogSigmoid": lambda m: {}, "Tanhshrink": lambda m: {},
    "Hardtanh": _a("min_val", "max_val", "inplace"),
    "Softplus": _a("beta", "threshold"),
    "Threshold": _a("threshold", "value", "inplace"),
    "Softmax": _a("dim"), "Softmin": _a("dim"), "LogSoftmax": _a("dim"), "GLU": _a("dim"),
    "Dropout": _a("p", "inplace"), "Dropout1d": _a("p", "inplace"), "Dropout2d": _a("p", "inplace"),
    "AlphaDropout": _a("p", "inplace"),
    "BatchNorm1d": lambda m: _bn_kwargs(m),
    "LayerNorm": lambda m: {"normalized_shape": m.normalized_shape, "eps": m.eps,
                            "elementwise_affine": m.elementwise_affine,
                            "bias": m.bias is not None if m.elementwise_affine else True},
    "Embedding": lambda m: {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim,
                            "padding_idx": m.padding_idx, "max_norm": m.max_norm,
                            "norm_type": m.norm_type},
    "BatchNorm2d": lambda m: _bn_kwargs(m),
    "Conv1d": lambda m: _conv_kwargs(m), "Conv2d": lambda m: _conv_kwargs(m),
    "ConvTranspose1d": lambda m: _conv_kwargs(m, transposed=True),
    "ConvTranspose2d": lambda m: _conv_kwargs(m, transposed=True),
    "MaxPool1d": _a("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "MaxPool2d": _a("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "AvgPool1d": _a("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "AvgPool2d": _a("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                    "divisor_override"),
    "AdaptiveAvgPool1d": _a("output_size"), "AdaptiveAvgPool2d": _a("output_size"),
    "AdaptiveMaxPool1d": _a("output_size", "return_indices"),
    "AdaptiveMaxPool2d": _a("output_size", "return_indices"),
    "Upsample": _a("size", "scale_factor", "mode", "align_corners"),
    "PixelShuffle": _a("upscale_factor"), "PixelUnshuffle": _a("downscale_factor"),
}
_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


def _bn_kwargs(m: Any) -> dict:
    return {"num_features": m.num_features, "eps": m.eps, "momentum": m.momentum, "affine": m.affine,
            "track_running_stats": m.track_running_stats,
            "bias": m.bias is not None if m.affine else True}


def _conv_kwargs(m: Any, transposed: bool = False) -> dict:
    kw = {"in_channels": m.in_channels, "out_channels": m.out_channels,
          "kernel_size": m.kernel_size, "stride": m.stride, "padding": m.padding,
          "dilation": m.dilation, "groups": m.groups, "bias": m.bias is not None,
          "padding_mode": m.padding_mode}
    if transposed:
        kw["output_padding"] = m.output_padding
    return kw


def _like(t: Any, fw: Any) -> Any:
    """A zero tensor of ``fw`` with the shape and dtype of ``t`` (a placeholder the state dict
    fills), or None."""
    if t is None:
        return None
    return fw.zeros(tuple(t.shape), dtype=getattr(fw, str(t.dtype).rsplit(".", 1)[-1]))


def _build(module: Any, fw: Any) -> Any:
    name = type(module).__name__
    nn = fw.nn
    if name in _CONTAINERS:
        children = OrderedDict((k, _build(c, fw)) for k, c in module.named_children())
        if name == "Sequential":
            return nn.Sequential(children)
        if name == "ModuleList":
            return nn.ModuleList(list(children.values()))
        return nn.ModuleDict(children)
    if name == "ParameterList":
        return nn.ParameterList([nn.Parameter(_like(p, fw), requires_grad=p.requires_grad) for p in module])
    if name == "ParameterDict":
        return nn.ParameterDict(OrderedDict(  # ordered: torch sorts the keys of a plain dict
            (k, nn.Parameter(_like(p, fw), requires_grad=p.requires_grad)) for k, p in module.items()))
    if name in NESTED_SPECS and hasattr(nn, name):
        return getattr(nn, name)(**NESTED_SPECS[name](module, fw))
    spec = SPECS.get(name)
    if spec is None or not hasattr(nn, name):
        raise TypeError(
            f"interop: don't know how to convert a {name}. For your own Module classes, create "
            "the same class with the other framework and call "
            "twin.load_state_dict(model.state_dict())."
        )
    return getattr(nn, name)(**spec(module))


def _first_float_dtype(module: Any) -> Any:
    """The dtype of the first floating-point parameter, else buffer (a BatchNorm with
    ``affine=False`` has only buffers), or None."""
    for t in (*module.parameters(), *module.buffers()):
        if t.is_floating_point():
            return t.dtype
    return None


def _copy_flags(src: Any, twin: Any) -> Any:
    """``twin`` with the same ``requires_grad`` per parameter (frozen layers stay frozen) and the
    same train/eval mode per submodule as ``src``."""
    params = dict(twin.named_parameters())
    for n, p in src.named_parameters():
        params[n].requires_grad_(p.requires_grad)
    modules = dict(twin.named_modules())
    for n, m in src.named_modules():
        modules[n].training = m.training
    return twin


def to_torch(model: Any) -> Any:
    """A PyTorch twin of a neurona model (same layers, same weights, same mode)."""
    import torch

    twin = _build(model, torch)
    d = _first_float_dtype(model)
    if d is not None and d.name == "float64":
        twin = twin.double()
    twin.load_state_dict(
        OrderedDict((k, torch.from_numpy(np.array(v._data))) for k, v in model.state_dict().items())
    )
    return _copy_flags(model, twin)


def from_torch(module: Any) -> Any:
    """A neurona twin of a PyTorch model (same layers, same weights, same mode)."""
    import neurona

    twin = _build(module, neurona)
    d = _first_float_dtype(module)
    if d is not None and str(d) == "torch.float64":
        twin = twin.double()
    twin.load_state_dict(module.state_dict())
    return _copy_flags(module, twin)


def state_dict_to_torch(state_dict: dict) -> OrderedDict:
    """A neurona state dict as torch tensors (copies)."""
    import torch

    return OrderedDict((k, torch.from_numpy(np.array(_array(v)))) for k, v in state_dict.items())


def state_dict_from_torch(state_dict: dict) -> OrderedDict:
    """A torch state dict as neurona tensors (copies)."""
    return OrderedDict((k, Tensor._wrap(np.array(_array(v)))) for k, v in state_dict.items())


def _array(v: Any) -> np.ndarray:
    if isinstance(v, Tensor):
        return v._data
    if hasattr(v, "detach"):
        return v.detach().cpu().numpy()
    return np.asarray(v)


def load_torch_checkpoint(path: str | os.PathLike) -> OrderedDict:
    """Read a PyTorch ``.pt``/``.pth`` state dict safely (``torch.load(weights_only=True)``,
    which refuses arbitrary objects) and return it as neurona tensors. Needs PyTorch."""
    import torch

    obj = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
    if hasattr(obj, "state_dict") and not isinstance(obj, dict):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise TypeError(f"{path}: expected a state dict, found a {type(obj).__name__}")
    return state_dict_from_torch(obj)


def convert_torch_checkpoint(path: str | os.PathLike, out_path: str | os.PathLike) -> None:
    """Convert a PyTorch state-dict file to a safetensors file neurona (and torch) can load."""
    from .io import save

    save(load_torch_checkpoint(path), out_path)


# -- recurrent layers and attention (issue 6) ------------------------------------------------------

SPECS.update({
    "RNN": _a("input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "batch_first", "dropout",
              "bidirectional"),
    "LSTM": _a("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional",
               "proj_size"),
    "GRU": _a("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional"),
    "RNNCell": _a("input_size", "hidden_size", "bias", "nonlinearity"),
    "LSTMCell": _a("input_size", "hidden_size", "bias"),
    "GRUCell": _a("input_size", "hidden_size", "bias"),
    "MultiheadAttention": lambda m: {
        "embed_dim": m.embed_dim, "num_heads": m.num_heads, "dropout": m.dropout,
        "bias": m.out_proj.bias is not None, "add_bias_kv": m.bias_k is not None,
        "add_zero_attn": m.add_zero_attn, "kdim": m.kdim, "vdim": m.vdim, "batch_first": m.batch_first},
})


# -- resampling, folding, losses; transformer layers (their children are built recursively) ----------

SPECS.update({
    "UpsamplingNearest2d": _a("size", "scale_factor"),
    "UpsamplingBilinear2d": _a("size", "scale_factor"),
    "Unfold": _a("kernel_size", "dilation", "padding", "stride"),
    "Fold": _a("output_size", "kernel_size", "dilation", "padding", "stride"),
    "MSELoss": _a("reduction"), "L1Loss": _a("reduction"),
    "HuberLoss": _a("reduction", "delta"), "SmoothL1Loss": _a("reduction", "beta"),
    "KLDivLoss": _a("reduction", "log_target"),
    "PoissonNLLLoss": _a("log_input", "full", "eps", "reduction"),
})


def _activation(act: Any, fw: Any) -> Any:
    """A transformer layer's activation for ``fw``: 'relu'/'gelu' for the functions, a converted
    module for a module (``nn.GELU(approximate='tanh')``); other callables can't be translated."""
    if hasattr(act, "named_children"):
        return _build(act, fw)
    name = getattr(act, "__name__", None)
    if name in ("relu", "gelu"):
        return name
    raise TypeError(f"interop: can't convert the transformer activation {act!r}; use 'relu', 'gelu' "
                    "or an activation module")


def _transformer_layer(m: Any, fw: Any) -> dict:
    return {"d_model": m.self_attn.embed_dim, "nhead": m.self_attn.num_heads,
            "dim_feedforward": m.linear1.out_features, "dropout": m.dropout.p,
            "activation": _activation(m.activation, fw), "layer_norm_eps": m.norm1.eps,
            "batch_first": m.self_attn.batch_first, "norm_first": m.norm_first,
            "bias": m.linear1.bias is not None}


def _stack(m: Any, fw: Any, layer: str) -> dict:
    return {layer: _build(m.layers[0], fw), "num_layers": len(m.layers),
            "norm": None if m.norm is None else _build(m.norm, fw)}


# layer name -> constructor kwargs from a module of either framework, for the framework ``fw``
NESTED_SPECS: dict[str, Callable[[Any, Any], dict]] = {
    "TransformerEncoderLayer": _transformer_layer,
    "TransformerDecoderLayer": _transformer_layer,
    "TransformerEncoder": lambda m, fw: {**_stack(m, fw, "encoder_layer"),
                                         "enable_nested_tensor": m.enable_nested_tensor,
                                         "mask_check": m.mask_check},
    "TransformerDecoder": lambda m, fw: _stack(m, fw, "decoder_layer"),
    "Transformer": lambda m, fw: {"d_model": m.d_model, "nhead": m.nhead, "batch_first": m.batch_first,
                                  "custom_encoder": _build(m.encoder, fw),
                                  "custom_decoder": _build(m.decoder, fw)},
    "BCELoss": lambda m, fw: {"weight": _like(m.weight, fw), "reduction": m.reduction},
    "BCEWithLogitsLoss": lambda m, fw: {"weight": _like(m.weight, fw), "reduction": m.reduction,
                                        "pos_weight": _like(m.pos_weight, fw)},
    "CrossEntropyLoss": lambda m, fw: {"weight": _like(m.weight, fw), "ignore_index": m.ignore_index,
                                       "reduction": m.reduction, "label_smoothing": m.label_smoothing},
    "NLLLoss": lambda m, fw: {"weight": _like(m.weight, fw), "ignore_index": m.ignore_index,
                              "reduction": m.reduction},
}
