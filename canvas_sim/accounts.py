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

    def __init__(self, scenario: Scenario, seed: int, located: Located) -> None:
        self._located = located
        self._first: str | None = None
        self.specs: dict[str | None, AccountSpec] = {}
        self.zones: dict[str | None, str | None] = {None: None}
        self._uuids: dict[str | None, str | None] = {}
        if not scenario.accounts:
            self.specs[None], self._uuids[None] = scenario.account, None
            return
        if "account" in scenario.model_fields_set:
            raise located.error("give either account or accounts, not both", ("accounts",))
        places: set[tuple[int, int]] = set()
        for index, spec in enumerate(scenario.accounts):
            here = ("accounts", index)
            if spec.key in self.specs:
                raise located.error(f"account key {spec.key!r} is used twice", (*here, "key"))
            if (spec.shard, spec.id) in places:
                raise located.error(
                    f"shard {spec.shard} already has a root account with id {spec.id}", here
                )
            places.add((spec.shard, spec.id))
            self.specs[spec.key] = spec
            # Declared accounts draw their uuid from a stream of their own.
            self._uuids[spec.key] = spec.uuid or canvas_uuid(
                random.Random(f"{seed}/account/{spec.key}")
            )
            self.zones[spec.key] = spec.time_zone
        self._first = scenario.accounts[0].key

    def account(self, key: str | None, drawn_uuid: str) -> Account:
        """The account ``key`` names; ``drawn_uuid`` is the uuid of the one top-level account."""
        return _account(self.specs[key], self._uuids[key] or drawn_uuid)

    def key_of(self, block: CourseBlock, path: Path) -> str | None:
        """The key of the account a course block is in (a located error for an unknown one)."""
        if None in self.specs:
            if block.account is not None:
                raise self._located_error(block.account, path)
            return None
        if block.account is None:
            return self._first
        if block.account not in self.specs:
            raise self._located_error(block.account, path)
        return block.account

    def _located_error(self, key: str, path: Path) -> ScenarioError:
        known = [k for k in self.specs if k is not None]
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
