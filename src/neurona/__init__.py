"""neurona: a readable deep-learning engine on NumPy with PyTorch's API.

``import neurona as torch`` and the code you write runs on both. The public namespace
mirrors ``torch``: tensors and their creation functions, dtypes, math, autograd and
random seeding.
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import _dtype, autograd, random
from . import tensor as _tensor  # first: binding Tensor's methods imports every api module
from ._dtype import (
    bool_ as bool,  # noqa: A001 - PyTorch's name
)
from ._dtype import (
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from .api._common import broadcast_shapes
from .api.creation import (
    arange,
    as_tensor,
    asarray,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from .api.indexing import (
    argsort,
    argwhere,
    bincount,
    bucketize,
    gather,
    index_select,
    kthvalue,
    masked_fill,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
    searchsorted,
    sort,
    take,
    take_along_dim,
    topk,
    unique,
)
from .api.linalg import addmm, bmm, dot, einsum, ger, inner, matmul, mm, mv, outer
from .api.pointwise import (
    abs,
    absolute,
    acos,
    add,
    addcdiv,
    addcmul,
    allclose,
    arccos,
    arcsin,
    arctan,
    arctan2,
    asin,
    atan,
    atan2,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    cos,
    cosh,
    div,
    divide,
    eq,
    equal,
    erf,
    exp,
    exp2,
    expm1,
    fix,
    float_power,
    floor,
    floor_divide,
    fmax,
    fmin,
    fmod,
    frac,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    le,
    lerp,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    nan_to_num,
    ne,
    neg,
    negative,
    not_equal,
    pow,
    reciprocal,
    relu,
    remainder,
    round,
    rsqrt,
    rsub,
    sgn,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    sub,
    tan,
    tanh,
    true_divide,
    trunc,
    where,
)
from .api.reduction import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    count_nonzero,
    cumsum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    nansum,
    norm,
    prod,
    softmax,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from .api.shape import (
    as_strided,
    atleast_1d,
    atleast_2d,
    broadcast_tensors,
    broadcast_to,
    cat,
    chunk,
    clone,
    concat,
    concatenate,
    detach,
    diag,
    diagonal,
    flatten,
    flip,
    fliplr,
    flipud,
    hstack,
    meshgrid,
    moveaxis,
    movedim,
    narrow,
    permute,
    repeat_interleave,
    reshape,
    roll,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    tensor_split,
    tile,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .tensor import Size, Tensor, device

float = float32  # noqa: A001 - torch.float
double = float64
half = float16
long = int64
int = int32  # noqa: A001 - torch.int
short = int16

FloatTensor = DoubleTensor = LongTensor = Tensor

from . import data, nn, optim, utils  # noqa: E402  (after the tensor API they build on)
from .io import load, save  # noqa: E402
from .nn.utils.summary import summary  # noqa: E402


def is_tensor(obj: object) -> bool:
    """True if ``obj`` is a neurona Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    return input.numel()


def result_type(tensor1: object, tensor2: object) -> dtype:
    """The dtype an operation on the two operands produces (``torch.result_type``)."""
    return _dtype.result_type(tensor1, tensor2)


def can_cast(from_: dtype, to: dtype) -> bool:
    order = {"b": 0, "u": 1, "i": 1, "f": 2}
    return order[from_.np.kind] <= order[to.np.kind]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted for compatibility: neurona is deterministic on the CPU."""


def set_num_threads(n: int) -> None:
    """Limit the threads NumPy's BLAS uses for matrix products (needs threadpoolctl, which
    scikit-learn brings; without it this is a no-op)."""
    from ._threads import set_blas_threads

    set_blas_threads(n)


def get_num_threads() -> int:
    """The number of threads NumPy's BLAS uses (the CPU count if unknown)."""
    from ._threads import get_blas_threads

    return get_blas_threads()
