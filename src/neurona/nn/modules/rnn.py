"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` (multi-layer, bidirectional, packed sequences)
and the single-step cells ``RNNCell``, ``LSTMCell``, ``GRUCell``.

Each layer and direction is one fused node of :mod:`neurona.ops.rnn` that runs the whole
sequence (BPTT inside). Parameters, their names and order, shapes and initialisation are
PyTorch's, per layer ``l`` and direction (``_reverse`` for the backward one)::

    weight_ih_l{l} (G·H, in)   weight_hh_l{l} (G·H, H)   bias_ih_l{l} (G·H)   bias_hh_l{l} (G·H)

with G = 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n), 1 (RNN); every one ~ U(−1/√H, 1/√H).
Input (T, B, in) — (B, T, in) with ``batch_first`` — or unbatched (T, in), or a
``PackedSequence``; output (…, D·H) (D = 2 if bidirectional), h_n (and c_n) (layers·D, B, H).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ...api import creation as C
from ...api import shape as S
from ...autograd.function import run, run_many
from ...ops.rnn import GatherRows, GRULayer, LSTMLayer, RNNLayer
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..functional_attention import warn_at_user_line
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _lengths_from_batch_sizes, packed_rows
from .module import Module

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]


def _apply_permutation(t: Tensor, permutation: Tensor, dim: int = 1) -> Tensor:
    return t.index_select(dim, permutation)


class RNNBase(Module):
    """Base class of ``RNN``, ``LSTM`` and ``GRU``: parameters, checks and the layer loop."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element "
                "being zeroed"
            )
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if dropout > 0 and num_layers == 1:
            warn_at_user_line(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}"
            )
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gates = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}.get(mode)
        if gates is None:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = gates * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(C.empty(shape, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    # -- PyTorch's bookkeeping ----------------------------------------------------------------
    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op (cuDNN's weight layout does not exist here)."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- checks (PyTorch's messages) ------------------------------------------------------------
    def check_input(self, input: Tensor, batch_sizes: Any) -> None:
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). Convert input: "
                f"input.to({w.dtype}), or convert model: model.to({input.dtype})"
            )
        expected = 2 if batch_sizes is not None else 3
        if input.ndim != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.ndim}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                f"{input.shape[-1]} (input shape {list(input.shape)})"
            )

    def get_expected_hidden_size(self, input: Tensor, batch_sizes: Any) -> tuple[int, int, int]:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.shape[0] if self.batch_first else input.shape[1]
        num_directions = 2 if self.bidirectional else 1
        hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, hidden)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(tuple(expected_hidden_size), list(hx.shape)))

    def check_forward_args(self, input: Tensor, hidden: Tensor, batch_sizes: Any) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx: Tensor, permutation: Tensor | None) -> Tensor:
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def _check_state_dtype(self, input: Tensor, *states: Tensor) -> None:
        for s in states:
            if s.dtype != input.dtype:
                raise RuntimeError(
                    f"{type(self).__name__}: the initial state's dtype ({s.dtype}) does not match the "
                    f"input's ({input.dtype}); convert hx with hx.to({input.dtype})"
                )

    # -- the computation --------------------------------------------------------------------------
    def _node(self, mask: np.ndarray | None, reverse: bool) -> Any:
        if self.mode == "LSTM":
            return LSTMLayer(self.bias, mask, reverse, has_proj=self.proj_size > 0)
        if self.mode == "GRU":
            return GRULayer(self.bias, mask, reverse)
        return RNNLayer(self.bias, mask, "relu" if self.mode == "RNN_RELU" else "tanh", reverse)

    def _run(self, x: Tensor, states: tuple, mask: np.ndarray | None) -> tuple:
        """All layers over time-major ``x`` (T, B, in); ``states`` is (h0,) or (h0, c0), each
        (layers·D, B, H) or None for zeros. Returns the output (T, B, D·H) and the final states."""
        num_directions = 2 if self.bidirectional else 1
        bsz = x.shape[1]
        finals: list[list[Tensor]] = [[] for _ in states]
        sizes = [self.proj_size or self.hidden_size, self.hidden_size]  # h (projected), c
        zeros: dict[int, Tensor] = {}
        for layer in range(self.num_layers):
            outs = []
            for d in range(num_directions):
                k = layer * num_directions + d
                init_states = []
                for j, s in enumerate(states):
                    if s is None:
                        if sizes[j] not in zeros:
                            zeros[sizes[j]] = Tensor._wrap(np.zeros((bsz, sizes[j]), x._data.dtype))
                        init_states.append(zeros[sizes[j]])
                    else:
                        init_states.append(s[k])
                weights = [getattr(self, n) for n in self._all_weights[k]]
                res = run_many(self._node(mask, d == 1), x, *init_states, *weights)
                outs.append(res[0])
                for j, f in enumerate(res[1:]):
                    finals[j].append(f)
            x = outs[0] if num_directions == 1 else S.cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        n = self.num_layers * num_directions
        result = tuple(S.unsqueeze(f[0], 0) if n == 1 else S.stack(f, 0) for f in finals)
        return (x, *result)

    def _forward(self, input: Any, hx: Any) -> tuple:
        is_lstm = self.mode == "LSTM"
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            bs = batch_sizes._data if isinstance(batch_sizes, Tensor) else np.asarray(batch_sizes)
            if hx is not None:
                hx = self.permute_hidden(hx, sorted_indices)
            states = tuple(hx) if is_lstm and hx is not None else (hx,)
            if is_lstm and hx is None:
                states = (None, None)
            if hx is not None:
                self._check_states(data, states, bs)
            else:
                self.check_input(data, bs)
            t_len, bsz = bs.size, int(bs[0])
            rows = packed_rows(bs, bsz)
            pad_idx = np.full(t_len * bsz, -1, np.int64)
            pad_idx[rows] = np.arange(rows.size)
            x = run(GatherRows(pad_idx, 1, (t_len, bsz)), data)
            lens = _lengths_from_batch_sizes(bs)
            mask = (np.arange(t_len)[:, None] < lens[None, :])[:, :, None]
            out, *final = self._run(x, states, mask)
            out_data = run(GatherRows(rows, 2, (rows.size,)), out)
            if unsorted_indices is not None:
                final = [_apply_permutation(f, unsorted_indices) for f in final]
            packed = PackedSequence(out_data, batch_sizes, sorted_indices, unsorted_indices)
            return packed, (tuple(final) if is_lstm else final[0])
        if input.ndim not in (2, 3):
            tail = "tensor instead" if self.mode.startswith("RNN") else "instead"
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D {tail}")
        is_batched = input.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if not is_batched:
            input = S.unsqueeze(input, batch_dim)
        if is_lstm:
            if hx is not None:
                if len(hx) != 2:
                    raise RuntimeError(f"LSTM: hx must be a tuple (h_0, c_0), got {len(hx)} tensor(s)")
                want = 3 if is_batched else 2
                if hx[0].ndim != want or hx[1].ndim != want:
                    kind = "batched 3-D" if is_batched else "unbatched 2-D"
                    raise RuntimeError(
                        f"For {kind} input, hx and cx should also be {want}-D but got ({hx[0].ndim}-D, "
                        f"{hx[1].ndim}-D) tensors"
                    )
                if not is_batched:
                    hx = (S.unsqueeze(hx[0], 1), S.unsqueeze(hx[1], 1))
                states = (hx[0], hx[1])
                self._check_states(input, states, None)
            else:
                states = (None, None)
                self.check_input(input, None)
        else:
            if hx is not None:
                if not is_batched and hx.ndim != 2:
                    raise RuntimeError(
                        f"For unbatched 2-D input, hx should also be 2-D but got {hx.ndim}-D tensor")
                if is_batched and hx.ndim != 3:
                    raise RuntimeError(
                        f"For batched 3-D input, hx should also be 3-D but got {hx.ndim}-D tensor")
                if not is_batched:
                    hx = S.unsqueeze(hx, 1)
                self._check_states(input, (hx,), None)
            else:
                self.check_input(input, None)
            states = (hx,)
        x = S.transpose(input, 0, 1) if self.batch_first else input
        out, *final = self._run(x, states, None)
        if self.batch_first:
            out = S.transpose(out, 0, 1)
        if not is_batched:
            out = S.squeeze(out, batch_dim)
            final = [S.squeeze(f, 1) for f in final]
        return out, (tuple(final) if is_lstm else final[0])

    def _check_states(self, input: Tensor, states: tuple, batch_sizes: Any) -> None:
        self.check_input(input, batch_sizes)
        expected = self.get_expected_hidden_size(input, batch_sizes)
        if self.mode == "LSTM":
            self.check_hidden_size(states[0], expected, "Expected hidden[0] size {}, got {}")
            self.check_hidden_size(states[1], (expected[0], expected[1], self.hidden_size),
                                   "Expected hidden[1] size {}, got {}")
        else:
            self.check_hidden_size(states[0], expected)
        self._check_state_dtype(input, *states)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) (or ReLU).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``; ``forward(input, hx=None)``
    returns ``(output, h_n)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.__dict__["nonlinearity"] = args[3]
            args = args[:3] + args[4:]
        else:
            self.__dict__["nonlinearity"] = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple:
        return self._forward(input, hx)


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gate order (i, f, g, o):
    i, f, o = σ(·), g = tanh(·) of x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh;
    c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)  (with ``proj_size`` = P > 0:
    h_t = W_hr·(o ⊙ tanh c_t), ``weight_hr_l{l}`` (P, H); outputs and h_n have size P).

    ``forward(input, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes: Any) -> tuple[int, int, int]:
        exp = self.get_expected_hidden_size(input, batch_sizes)
        return (exp[0], exp[1], self.hidden_size)

    def permute_hidden(self, hx: Any, permutation: Tensor | None) -> Any:
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)

    def forward(self, input: Any, hx: tuple | None = None) -> tuple:
        return self._forward(input, hx)


class GRU(RNNBase):
    """Gated recurrent unit (PyTorch's form, gate order r, z, n):
    r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr), z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz),
    n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.

    ``forward(input, h_0=None)`` returns ``(output, h_n)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple:
        return self._forward(input, hx)


# -- cells -----------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """Parameters of a one-step cell: weight_ih (G·H, in), weight_hh (G·H, H), bias_ih, bias_hh."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(C.empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(C.empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(C.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(C.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = self.__dict__.get("nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input: Tensor, states: list, state_names: list[str]) -> tuple:
        """Checks with PyTorch's messages; (B, in) input and (B, H) states (zeros if None)."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for s, sname in zip(states, state_names):
            if s is not None and s.ndim not in (1, 2):
                raise ValueError(f"{name}: Expected {sname} to be 1D or 2D, got {s.ndim}D instead")
        is_batched = input.ndim == 2
        if not is_batched:
            input = S.unsqueeze(input, 0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        w = self.weight_ih
        if input.dtype != w.dtype:
            raise RuntimeError(
                f"mat1 and mat2 must have the same dtype, but got {_type_name(input)} and {_type_name(w)} "
                f"({name}: the input is {input.dtype}, the weights {w.dtype})"
            )
        out = []
        for i, s in enumerate(states):
            if s is None:
                s = Tensor._wrap(np.zeros((input.shape[0], self.hidden_size), input._data.dtype))
            elif not is_batched:
                s = S.unsqueeze(s, 0)
            if s.ndim != 2 or s.shape[0] != input.shape[0]:
                raise RuntimeError(
                    f"Input batch size {input.shape[0]} doesn't match hidden{i} batch size "
                    f"{s.shape[0] if s.ndim else 1}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{i} has inconsistent hidden_size: got {s.shape[1]}, expected {self.hidden_size}")
            if s.dtype != input.dtype:
                raise RuntimeError(
                    f"{name}: hidden{i} dtype ({s.dtype}) does not match the input's ({input.dtype})")
            out.append(s)
        return is_batched, S.unsqueeze(input, 0), out

    def _weights(self) -> list:
        ws = [self.weight_ih, self.weight_hh]
        if self.bias:
            ws += [self.bias_ih, self.bias_hh]
        return ws


def _type_name(t: Tensor) -> str:
    return {"float64": "Double", "float32": "Float", "float16": "Half"}.get(str(t.dtype).rsplit(".", 1)[-1],
                                                                          str(t.dtype))


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h′ = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or ReLU).
    Input (B, in) or (in,); hx (B, H) or (H,), zeros if None."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        is_batched, x, (h,) = self._prepare(input, [hx], ["hidden"])
        node = RNNLayer(self.bias, None, self.nonlinearity)
        h1 = run_many(node, x, h, *self._weights())[1]
        return h1 if is_batched else S.squeeze(h1, 0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h′, c′) (see :class:`LSTM` for the equations).
    Input (B, in) or (in,); hx = (h, c), each (B, H) or (H,), zeros if None."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        states = [None, None] if hx is None else list(hx)
        is_batched, x, (h, c) = self._prepare(input, states, ["hx[0]", "hx[1]"])
        _, h1, c1 = run_many(LSTMLayer(self.bias), x, h, c, *self._weights())
        if not is_batched:
            return S.squeeze(h1, 0), S.squeeze(c1, 0)
        return h1, c1


class GRUCell(RNNCellBase):
    """One GRU step: returns h′ (see :class:`GRU` for the equations).
    Input (B, in) or (in,); hx (B, H) or (H,), zeros if None."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        is_batched, x, (h,) = self._prepare(input, [hx], ["hidden"])
        h1 = run_many(GRULayer(self.bias), x, h, *self._weights())[1]
        return h1 if is_batched else S.squeeze(h1, 0)
