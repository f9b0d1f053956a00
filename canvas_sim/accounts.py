"""The root accounts of a scenario (one, or several institutions each on its shard) and which
account each course block is in; ids, metadata and URLs follow a course's account."""

from __future__ import annotations

import difflib
import random
from typing import TYPE_CHECKING

from .errors import ScenarioError
from .randoms import canvas_uuid
from .world import Account
from .yamlsource import Located

if TYPE_CHECKING:
    from .scenario import CourseBlock, Scenario
    from .scenario.models import AccountSpec

Path = tuple[str | int, ...]


def _account(spec: AccountSpec, uuid: str) -> Account:
    return Account(
        id=spec.id,
        shard=spec.shard,
        domain=spec.domain,
        uuid=uuid,
        lti_guid=f"{uuid}.{spec.domain}",
        sub_account_id=spec.sub_account_id,
    )


class RootAccounts:
    """The scenario's root accounts by key (``None`` for the one top-level ``account``)."""

    def __init__(self, scenario: Scenario, rng: random.Random, seed: int, located: Located) -> None:
        # Drawn from the main stream whether or not it is used, so that one-account scenarios
        # draw as they always did; declared accounts draw from streams of their own.
        drawn = canvas_uuid(rng)
        self._located = located
        self._first: str | None = None
        self.zones: dict[str | None, str | None] = {None: None}
        self.by_key: dict[str | None, Account] = {}
        if not scenario.accounts:
            self.by_key[None] = _account(scenario.account, drawn)
            return
        if "account" in scenario.model_fields_set:
            raise located.error("give either account or accounts, not both", ("accounts",))
        places: set[tuple[int, int]] = set()
        for index, spec in enumerate(scenario.accounts):
            here = ("accounts", index)
            if spec.key in self.by_key:
                raise located.error(f"account key {spec.key!r} is used twice", (*here, "key"))
            if (spec.shard, spec.id) in places:
                raise located.error(
                    f"shard {spec.shard} already has a root account with id {spec.id}", here
                )
            places.add((spec.shard, spec.id))
            uuid = spec.uuid or canvas_uuid(random.Random(f"{seed}/account/{spec.key}"))
            self.by_key[spec.key] = _account(spec, uuid)
            self.zones[spec.key] = spec.time_zone
        self._first = scenario.accounts[0].key

    def key_of(self, block: CourseBlock, path: Path) -> str | None:
        """The key of the account a course block is in (a located error for an unknown one)."""
        if None in self.by_key:
            if block.account is not None:
                raise self._located_error(block.account, path)
            return None
        if block.account is None:
            return self._first
        if block.account not in self.by_key:
            raise self._located_error(block.account, path)
        return block.account

    def _located_error(self, key: str, path: Path) -> ScenarioError:
        known = [k for k in self.by_key if k is not None]
        if not known:
            message = f"account {key!r}: the scenario declares no accounts (add accounts: [...])"
        else:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f", did you mean {close[0]!r}?" if close else ""
            message = f"unknown account {key!r}{hint} (accounts: {', '.join(known)})"
        return self._located.error(message, (*path, "account"))

    def time_zone(self, key: str | None, block: CourseBlock) -> str:
        """The course's time zone: its own, else its account's, else the default."""
        account_zone = self.zones.get(key)
        if "time_zone" in block.model_fields_set or account_zone is None:
            return block.time_zone
        return account_zone
