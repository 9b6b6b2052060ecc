"""Reverse-mode automatic differentiation (``torch.autograd``)."""

from . import anomaly, function, grad_mode
from .anomaly import (
    GraphLeakWarning,
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
    set_graph_leak_check,
)
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck

__all__ = [
    "GraphLeakWarning", "anomaly", "detect_anomaly", "is_anomaly_check_nan_enabled", "is_anomaly_enabled",
    "set_detect_anomaly",
    "set_graph_leak_check",
    "Function", "FunctionCtx", "GradcheckError", "backward", "enable_grad", "function", "grad",
    "grad_mode", "gradcheck", "inference_mode", "is_grad_enabled", "no_grad",
    "once_differentiable", "set_grad_enabled",
]
