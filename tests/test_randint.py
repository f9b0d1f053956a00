"""The engine's randint / randbelow give exactly ``random.Random``'s numbers."""

from __future__ import annotations

import random

import pytest

from canvas_sim.randoms import randbelow, randint

RANGES = [
    (0, 0),  # n = 1
    (5, 5),
    (0, 1),
    (2, 40),  # a gap between two events
    (0, 1500),  # a recompute's jitter
    (0, 63),  # n a power of two
    (0, 64),  # one past it: most draws are retried
    (-100, 100),
    (20_000, 120_000),
    (0, 2**64 - 1),
    (0, 2**64),
    (-(2**70), 2**70 + 12345),
]


@pytest.mark.parametrize(("low", "high"), RANGES)
def test_randint_draws_what_random_draws(low: int, high: int) -> None:
    for seed in range(100):
        ours, theirs = random.Random(seed), random.Random(seed)
        bits = ours.getrandbits
        assert [randint(bits, low, high) for _ in range(200)] == [
            theirs.randint(low, high) for _ in range(200)
        ]
        assert ours.getstate() == theirs.getstate()  # and leaves the generator in step


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 62, 1000, 2**31, 2**31 + 1, 10**20])
def test_randbelow_draws_what_randrange_draws(n: int) -> None:
    for seed in ("a", "b/wire", 7, 10**30):
        ours, theirs = random.Random(seed), random.Random(seed)
        bits = ours.getrandbits
        assert [randbelow(bits, n) for _ in range(500)] == [theirs.randrange(n) for _ in range(500)]
        assert ours.getstate() == theirs.getstate()


def test_mixed_draws_stay_in_step() -> None:
    """Interleaved with the generator's other methods, as in the engine."""
    ours, theirs = random.Random("mixed"), random.Random("mixed")
    bits = ours.getrandbits
    for i in range(2000):
        assert randint(bits, 2, 40) == theirs.randint(2, 40)
        assert ours.random() == theirs.random()
        assert randbelow(bits, i + 1) == theirs.randrange(i + 1)
        assert ours.choice("abcdefg") == theirs.choice("abcdefg")


@pytest.mark.parametrize("n", [0, -1, -64])
def test_empty_range_is_an_error_not_a_hang(n: int) -> None:
    with pytest.raises(ValueError, match="empty range"):
        randbelow(random.Random(1).getrandbits, n)
    with pytest.raises(ValueError, match="empty range"):
        randint(random.Random(1).getrandbits, 0, n - 1)
