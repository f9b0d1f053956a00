"""The build's faster draws give exactly Faker's own values, and leave its stream where Faker
would (so every later draw is the same too)."""

from __future__ import annotations

import pytest
from faker import Faker

from canvas_sim.draw import PublicAddresses, WeightedNames


def pair(seed: int) -> tuple[Faker, Faker]:
    ours, theirs = Faker("en_US"), Faker("en_US")
    ours.seed_instance(seed)
    theirs.seed_instance(seed)
    return ours, theirs


@pytest.mark.parametrize("seed", range(40))
def test_public_addresses_are_fakers(seed: int) -> None:
    ours, theirs = pair(seed)
    addresses = PublicAddresses(ours)
    for _ in range(50):
        assert addresses.ipv4_public() == theirs.ipv4_public()
    assert ours.random.random() == theirs.random.random()


@pytest.mark.parametrize("seed", range(20))
def test_weighted_names_are_fakers(seed: int) -> None:
    ours, theirs = pair(seed)
    names = WeightedNames(ours)
    for _ in range(50):
        assert (names.first(), names.last()) == (theirs.first_name(), theirs.last_name())
    assert ours.random.random() == theirs.random.random()


def test_a_reseeded_faker_is_followed() -> None:
    # The build re-seeds one Faker per course: the tables keep drawing from its new stream.
    ours, theirs = pair(1)
    addresses = PublicAddresses(ours)
    ours.seed_instance("course/7")
    theirs.seed_instance("course/7")
    assert [addresses.ipv4_public() for _ in range(5)] == [theirs.ipv4_public() for _ in range(5)]


def test_canvas_uuids_are_choices_draws() -> None:
    # 40 draws of rng.choice over [A-Za-z0-9], as Canvas uuids were drawn one by one.
    import random

    from canvas_sim.randoms import _ALNUM, canvas_uuid

    for seed in range(300):
        ours, theirs = random.Random(seed), random.Random(seed)
        for _ in range(20):
            assert canvas_uuid(ours) == "".join(theirs.choice(_ALNUM) for _ in range(40))
        assert ours.random() == theirs.random()
