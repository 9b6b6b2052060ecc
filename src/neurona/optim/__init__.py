"""Optimizers and learning-rate schedulers, with ``torch.optim``'s names, defaults and formulas.

``neurona.optim.SGD(params, lr=0.1, momentum=0.9)``, ``Adam``, ``AdamW``, ``RMSprop``,
``Adagrad``, ``Adadelta`` and ``NAdam`` update parameters in place from their ``.grad``;
``neurona.optim.lr_scheduler`` changes their learning rates over training.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "NAdam",
    "Optimizer",
    "RMSprop",
    "SGD",
    "lr_scheduler",
]
