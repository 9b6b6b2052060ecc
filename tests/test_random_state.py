"""Generator states: restoring one reproduces the stream; a foreign or hostile state is refused cleanly."""

import numpy as np
import pytest

import neurona


def test_state_round_trip_reproduces_the_stream():
    g = neurona.Generator().manual_seed(3)
    state = g.get_state()
    a = neurona.rand(5, generator=g)
    g.set_state(state)
    assert np.array_equal(neurona.rand(5, generator=g).numpy(), a.numpy())


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"seed": [], "state": 1}', b"not json", b"\xff\xfe",
                                 b'{"seed": 1}'])
def test_bad_state_is_a_clear_runtime_error(raw):
    g = neurona.Generator()
    with pytest.raises(RuntimeError, match="not a neurona generator state"):
        g.set_state(neurona.tensor(np.frombuffer(raw, np.uint8).copy()))
