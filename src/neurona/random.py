"""Random number generation: one seeded default generator, as ``torch.manual_seed`` expects.

Every random function (creation, ``uniform_``/``normal_``, dropout, initialisation, data
shuffling) draws from :data:`default_generator` unless given a :class:`Generator`.
NumPy's PCG64 produces the bits, so streams differ from PyTorch's; what matches is the
contract: the same seed gives the same numbers, on every run.
"""

from __future__ import annotations

import json

import numpy as np

_DEFAULT_SEED = 67280421310721  # PyTorch's default_generator seed, for the same "feel"


class Generator:
    """A source of random numbers with its own state (``torch.Generator``)."""

    def __init__(self, device: object = "cpu") -> None:
        self._seed = _DEFAULT_SEED
        self.np = np.random.Generator(np.random.PCG64(self._seed))
        self.device = device

    def manual_seed(self, seed: int) -> Generator:
        """Reset the state from ``seed``; returns the generator itself, like PyTorch."""
        seed = int(seed)
        self._seed = seed
        self.np = np.random.Generator(np.random.PCG64(seed & ((1 << 128) - 1)))
        return self

    def seed(self) -> int:
        """Seed from OS entropy and return the seed used."""
        seed = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):  # -> Tensor (uint8), as in PyTorch
        from .tensor import Tensor

        raw = json.dumps({"seed": self._seed, "state": self.np.bit_generator.state})
        return Tensor._wrap(np.frombuffer(raw.encode(), dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        data = np.asarray(getattr(new_state, "_data", new_state), dtype=np.uint8)
        try:
            raw = json.loads(data.tobytes().decode())
            state = raw["state"]
            bitgen = np.random.PCG64()
            bitgen.state = state
            seed = int(raw["seed"])
        except (ValueError, KeyError, TypeError, RecursionError) as e:
            raise RuntimeError(f"set_state: not a neurona generator state ({type(e).__name__})") from None
        self._seed = seed
        self.np = np.random.Generator(bitgen)
        return self


default_generator = Generator()


def _np(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator to draw from: ``generator``'s, or the default one."""
    if generator is None:
        return default_generator.np
    np_gen = getattr(generator, "np", None)
    if np_gen is None:
        raise TypeError(f"expected a neurona.Generator, got {type(generator).__name__}")
    return np_gen


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (``torch.manual_seed``); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor (save it, restore with set_rng_state)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)
