"""One worker process's state: its shard's course pool, target, ledger, dead letters, pacing."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from locust import User
from locust.env import Environment
from locust.user.wait_time import constant, constant_throughput

from ..delivery import DeadLetters, TargetStats
from ..engine import Engine
from ..errors import SimulatorError
from ..signing import Signer, kid_beside, load_private_key
from .options import LoadOptions, usage_error
from .queue import QueueSender
from .sender import EventSender, Target, check_reachable
from .shard import CoursePool, Plan, course_pool
from .tally import shard_report


class WorkerState:
    """What this process's users share; set up when the shard plan arrives."""

    def __init__(self) -> None:
        self.plan: Plan | None = None
        self.pool: CoursePool | None = None
        self.target: Target | None = None
        self.stats = TargetStats("", "http")
        self.dead: DeadLetters | None = None
        self.environment: Environment | None = None
        self.pace: Callable[[User], float] = constant(0)
        self.queue: QueueSender | None = None  # with an sqs:// host: one sender for all users
        self._senders = 0

    @staticmethod
    def signer_of(options: LoadOptions) -> Signer | None:
        """The RS256 signer of ``--sign-key`` (a usage error, exit 2, for a missing or bad
        key, as ``run`` has it)."""
        if options.sign_key is None:
            return None
        try:
            key = load_private_key(options.sign_key)
        except SimulatorError as exc:
            raise usage_error(f"--sign-key: {exc}") from None
        kid = options.kid or kid_beside(options.sign_key, key)
        return Signer(key, kid=kid, issuer=options.issuer)

    def start(
        self,
        plan: Plan,
        environment: Environment,
        on_done: Callable[[], None],
        engine: Engine | None = None,
    ) -> None:
        """Build the shard (engine, courses, target) for ``plan``; ``on_done`` once every
        course was sent. With an ``sqs://`` host every user sends through one queue sender, a
        batch of its course's events per task (so the pace is divided by the batch)."""
        self.close()
        options = plan.options
        url = plan.url
        self.plan = plan
        self.environment = environment
        queue = options.sqs_target(url) if url.startswith("sqs://") else None
        if queue is None:
            self.target = Target(
                url=url,
                headers=tuple(options.header_pairs()),
                retry=options.retry,
                timeout_s=options.request_timeout,
                signer=self.signer_of(options),
                jwt_quoted=options.jwt_quoted,
                insecure=options.insecure,
            )
        self.stats = TargetStats(url, "http" if queue is None else "sqs")
        self.dead = DeadLetters(options.dead_letter_for(plan.shard, plan.shards))
        rate = options.per_user_rate(plan.users)
        batch = 1 if queue is None else queue.batch
        self.pace = constant_throughput(rate / batch) if rate else constant(0)
        pool = course_pool(plan, engine)
        # After the checks of the options (exit 2): the target can be used, or nothing is sent.
        if queue is None:
            check_reachable(url, options.request_timeout)
        else:
            seed = (options.seed or 0) * 1_000_003 + plan.shard
            fire = environment.events.request.fire
            self.queue = QueueSender(queue, self.stats, self.dead, fire, seed=seed)
            self.queue.connect()
        pool.on_done = on_done
        self.pool = pool
        pool.announce_if_empty()

    def sender(self) -> EventSender | QueueSender:
        """A new user's client (the worker's queue sender, with an ``sqs://`` host)."""
        if self.queue is not None:
            return self.queue
        assert self.target is not None and self.dead is not None and self.plan is not None
        assert self.environment is not None
        self._senders += 1
        seed = (self.plan.options.seed or 0, self.plan.shard, self._senders)
        return EventSender(
            self.target,
            self.stats,
            self.dead,
            self.environment.events.request.fire,
            random.Random(repr(seed)),
        )

    def report(self) -> dict[str, Any]:
        """The shard's ledger for the master."""
        pool, dead = self.pool, self.dead
        return shard_report(
            self.stats,
            generated=pool.generated if pool else 0,
            courses_done=pool.finished if pool else 0,
            dead_letter=str(dead.path) if dead is not None and dead.count else None,
        )

    def release(self, sender: EventSender | QueueSender) -> None:
        """A stopping user's client: closed, unless the users share it."""
        if sender is not self.queue:
            sender.close()

    def close(self) -> None:
        if self.queue is not None:
            self.queue.close()
            self.queue = None
        if self.dead is not None:
            self.dead.close()


STATE = WorkerState()
