"""The seeded sources of a run's random choices: per course and per account streams, names."""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate
from typing import Any

from faker import Faker

TEXT_POOL_SIZE = 64


class WeightedNames:
    """Faker's weighted first and last names with the cumulative weights computed once.

    ``faker.first_name()`` goes through ``random.choices``, which sums the weights of every name
    on each call; this draws the same names (one ``random()`` each, the same bisection).
    """

    def __init__(self, faker: Faker) -> None:
        method: Any = faker.first_name
        provider = method.__self__  # the person provider
        self._generator = provider.generator
        self._first = self._table(provider.first_names)
        self._last = self._table(provider.last_names)

    @staticmethod
    def _table(names: dict[str, float]) -> tuple[tuple[str, ...], list[float], float]:
        cumulative = list(accumulate(names.values()))
        return tuple(names), cumulative, cumulative[-1] + 0.0

    def _draw(self, table: tuple[tuple[str, ...], list[float], float]) -> str:
        names, cumulative, total = table
        return names[bisect(cumulative, self._generator.random.random() * total, 0, len(names) - 1)]

    def first(self) -> str:
        return self._draw(self._first)

    def last(self) -> str:
        return self._draw(self._last)


class PublicAddresses:
    """Faker's ``ipv4_public()`` with each address class's networks and cumulative weights
    computed once: the same draws (a class, a network by weight, an offset in it)."""

    def __init__(self, faker: Faker) -> None:
        method: Any = faker.ipv4_public
        provider = method.__self__  # the internet provider
        self._generator = provider.generator
        self._classes: dict[str, tuple[list[tuple[int, int]], list[float], float]] = {}
        for name in "abc":
            networks, weights = provider._get_public_networks_and_weights(address_class=name)
            cumulative = list(accumulate(float(weight) for weight in weights))
            starts = [(int(net.network_address), net.num_addresses) for net in networks]
            self._classes[name] = starts, cumulative, cumulative[-1] + 0.0

    def ipv4_public(self) -> str:
        rng = self._generator.random
        starts, cumulative, total = self._classes[rng.choice("abc")]
        start, size = starts[bisect(cumulative, rng.random() * total, 0, len(starts) - 1)]
        address = start + rng.randint(0, size - 1)
        return f"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}"


class Draw:
    """The seeded sources of every random choice: one Random, one Faker instance."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        # Request ids and the milliseconds between events of one request come from a stream of
        # their own, so that adding an event type never reshuffles people, scores or times.
        self.wire_rng = random.Random(f"{seed}/wire")
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self.names = WeightedNames(self.faker)
        self.addresses = PublicAddresses(self.faker)
        self.sentences = [self.faker.sentence(nb_words=12) for _ in range(TEXT_POOL_SIZE)]
        self.paragraphs = [self.faker.paragraph(nb_sentences=4) for _ in range(TEXT_POOL_SIZE)]
        self.words = sorted(
            {word.strip(".,").lower() for text in self.paragraphs for word in text.split()}
        )

    def for_copy(self, ordinal: int) -> Draw:
        """The draw of the ``ordinal``-th course: own streams, shared text.

        Each course's people, scores and times come from streams of its own, so adding a course
        never changes what happens in the others, and a course can be simulated alone.
        """
        return self._derived(f"{self.seed}/course/{ordinal}", f"{self.seed}/wire/{ordinal}")

    def for_account(self) -> Draw:
        """The draw of account-level records (ids' starts, admin, developer key, server)."""
        return self._derived(f"{self.seed}/account", f"{self.seed}/wire/account")

    def _derived(self, stream: str, wire: str) -> Draw:
        copy = object.__new__(Draw)
        copy.seed = self.seed
        copy.rng = random.Random(stream)
        copy.wire_rng = random.Random(wire)
        # One Faker for all (they are slow to make), re-seeded for each stream's people.
        self.faker.seed_instance(stream)
        copy.faker, copy.sentences, copy.paragraphs = self.faker, self.sentences, self.paragraphs
        copy.names, copy.words, copy.addresses = self.names, self.words, self.addresses
        return copy
