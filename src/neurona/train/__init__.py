"""``neurona.train``: ``fit``, callbacks, ``History`` and scikit-learn metrics."""

from . import metrics
from .callbacks import Callback, EarlyStopping, ModelCheckpoint
from .fit import TrainLoop, evaluate, fit, predict
from .history import History

__all__ = ["Callback", "EarlyStopping", "History", "ModelCheckpoint", "TrainLoop", "evaluate", "fit",
           "metrics", "predict"]
