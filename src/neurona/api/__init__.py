"""Tensor-level functions (``neurona.exp``, ``neurona.cat``, ...): argument handling, dtype
promotion and error messages, in front of the array ops of :mod:`neurona.ops`."""
