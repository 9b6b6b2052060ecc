"""The course as runnable labs: one module per class (``clase1`` … ``clase8``).

``neurona lab 1`` runs one; ``neurona course`` runs all and writes the report.
"""

from .engine import LabContext
from .registry import Lab, Target, available, find

__all__ = ["Lab", "LabContext", "Target", "available", "find"]
