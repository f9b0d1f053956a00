"""Who simulates what: the master's shard plan, the workers' reports, and how a test ends.

At test start the master sorts the connected workers by Locust's worker index, numbers them
0..n-1 (never the raw index, which is not reused after a reconnect) and sends each its shard:
courses planned by ``canvas_sim.shardplan.plan_shards``. A worker reports its ledger with Locust's
periodic reports and says when its shard is done; the master quits when every shard is done,
fails the test when a worker goes missing or quits before that (naming its courses), and sets
the exit code from the ledger. A local runner plans shard 0 of 1 for itself.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import (
    STATE_MISSING,
    STATE_RUNNING,
    STATE_SPAWNING,
    LocalRunner,
    MasterRunner,
    Runner,
    WorkerRunner,
)

from ..cli.helpers import write_json
from ..errors import SimulatorError
from ..scenario import load_scenario
from ..shardplan import course_weights, plan_shards
from .options import LoadOptions
from .shard import Plan, build_engine, course_label
from .tally import Ledger, ShardRecord, summary_lines
from .worker import STATE

PLAN, DONE, FAILED = "canvas_shard_plan", "canvas_shard_done", "canvas_shard_failed"
LEDGER_KEY = "canvas_ledger"
WATCH_EVERY_S = 0.5
MISSING_GRACE_S = 5.0  # on top of Locust's own ~3 s without a heartbeat

log = logging.getLogger("canvas_sim.locust")


class Master:
    """The ledger of the current test on the master (or local runner), by worker id."""

    def __init__(self) -> None:
        self.ledger = Ledger()
        self.by_client: dict[str, ShardRecord] = {}
        self.options = LoadOptions()
        self.started = False  # a test began (test_start)
        self.local: ShardRecord | None = None  # a local runner's own shard

    def begin(self, environment: Environment) -> None:
        """Plan the shards and send them (test_start)."""
        runner = environment.runner
        self.ledger = Ledger()
        self.by_client = {}
        self.local = None
        self.started = True
        self.options.check_url(environment.host or "")
        if isinstance(runner, MasterRunner):
            self._plan_workers(runner)
        elif isinstance(runner, LocalRunner):
            self._plan_local(environment, runner)

    def _plan_workers(self, runner: MasterRunner) -> None:
        nodes = runner.clients.ready + runner.clients.running + runner.clients.spawning
        nodes.sort(key=lambda node: runner.get_worker_index(node.id))
        users = runner.target_user_count or 0
        if users < len(nodes):
            self.fail(
                runner,
                f"{users} user(s) for {len(nodes)} workers: a worker without users would never "
                f"send its shard; start at least {len(nodes)} users (-u)",
                code=2,
            )
            return
        engine = build_engine(self.options)
        plan = plan_shards(course_weights(engine), len(nodes))
        plan += [[] for _ in range(len(nodes) - len(plan))]  # more workers than courses
        for number, (node, ordinals) in enumerate(zip(nodes, plan, strict=True)):
            worker = f"worker index {runner.get_worker_index(node.id)}, {node.id}"
            labels = [course_label(engine, ordinal) for ordinal in ordinals]
            record = ShardRecord(number, len(nodes), worker, labels)
            self.ledger.records.append(record)
            self.by_client[node.id] = record
            url = runner.environment.host or ""
            message = Plan(number, len(nodes), ordinals, self.options, users, url)
            runner.send_message(PLAN, message.as_message(), client_id=node.id)
        gevent.spawn(self._watch, runner)

    def _plan_local(self, environment: Environment, runner: LocalRunner) -> None:
        engine = build_engine(self.options)
        ordinals = [course.ordinal for course in engine.courses]
        labels = [course_label(engine, ordinal) for ordinal in ordinals]
        record = ShardRecord(0, 1, "local", labels)
        self.ledger.records.append(record)
        self.local = record
        users = runner.target_user_count or 1

        def done() -> None:
            record.done, record.report = True, STATE.report()
            self.finish(runner)

        plan = Plan(0, 1, ordinals, self.options, users, environment.host or "")
        STATE.start(plan, environment, done, engine)

    def on_done(self, environment: Environment, msg: Any, **_: Any) -> None:
        record = self.by_client.get(msg.node_id)
        if record is None:
            return
        record.done, record.report = True, msg.data
        if self.ledger.all_done:
            self.finish(environment.runner)

    def on_failed(self, environment: Environment, msg: Any, **_: Any) -> None:
        record = self.by_client.get(msg.node_id)
        label = record.label if record else msg.node_id
        self.fail(environment.runner, f"{label}: {msg.data['error']}", msg.data.get("code", 1))

    def on_report(self, client_id: str, data: dict[str, Any], **_: Any) -> None:
        record = self.by_client.get(client_id)
        if record is not None and not record.done and LEDGER_KEY in data:
            record.report = data[LEDGER_KEY]

    def _watch(self, runner: MasterRunner) -> None:
        """Fail the test when a worker whose shard is not done quits, or stays missing (no
        heartbeat) for MISSING_GRACE_S: a busy worker that comes back has lost nothing."""
        ledger = self.ledger
        missing_since: dict[str, float] = {}
        while ledger is self.ledger and ledger.failure is None and not ledger.all_done:
            gevent.sleep(WATCH_EVERY_S)
            if runner.state not in (STATE_SPAWNING, STATE_RUNNING):
                continue  # stopping: Locust tells the workers to go
            now = time.monotonic()
            for client_id, record in self.by_client.items():
                node = runner.clients.get(client_id)
                if record.done or (node is not None and node.state != STATE_MISSING):
                    missing_since.pop(client_id, None)
                    continue
                since = missing_since.setdefault(client_id, now)
                if node is not None and now - since < MISSING_GRACE_S:
                    continue
                why = "went missing (no heartbeat)" if node is not None else "quit"
                unfinished = record.unfinished()
                self.fail(runner, f"a worker {why} before its shard was done: {unfinished}")
                return

    def fail(self, runner: Runner | None, message: str, code: int = 1) -> None:
        log.error(message)
        self.ledger.fail(message, code)
        if runner is not None:
            gevent.spawn(runner.quit)

    def finish(self, runner: Runner | None) -> None:
        """Every shard is done: end the test (headless: quit, with the web UI: stop)."""
        if runner is None:
            return
        options = runner.environment.parsed_options
        headless = options is None or getattr(options, "headless", True)
        gevent.spawn(runner.quit if headless else runner.stop)

    def exit_code(self, environment: Environment) -> None:
        """Locust's exit code comes from the ledger (quitting); the JSON is written."""
        if not self.started and self.ledger.failure is None:
            return  # no test ran (the web UI was never started)
        if not self.ledger.records:
            self.ledger.fail("the test stopped before its shards were planned (-t, Ctrl-C)")
        if self.local is not None and not self.local.done and STATE.pool is not None:
            self.local.report = STATE.report()  # stopped early: what it sent until then
        environment.process_exit_code = self.ledger.finish_code()
        if self.options.ledger_json:
            try:
                write_json(Path(self.options.ledger_json), self.ledger.summary())
            except SimulatorError as exc:
                log.error(str(exc))
                environment.process_exit_code = 1

    def print_summary(self) -> None:
        if self.ledger.records or self.ledger.failure is not None:
            sys.stderr.write("\n".join(summary_lines(self.ledger.summary())) + "\n")


MASTER = Master()


def on_init(environment: Environment, runner: Runner | None = None, **_: Any) -> None:
    """Check the options (master and local runner) and wire the messages."""
    if runner is None or environment.parsed_options is None:
        return
    if isinstance(runner, WorkerRunner):
        runner.register_message(PLAN, _on_plan)
        environment.events.report_to_master.add_listener(_report)
        return
    options = LoadOptions.from_namespace(environment.parsed_options)
    try:
        options.check()
        if getattr(environment.parsed_options, "headless", False):
            options.check_url(environment.host or "")
        load_scenario(str(options.scenario), options.overrides())
        STATE.signer_of(options)
    except SimulatorError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(exc.exit_code)
    MASTER.options = options
    if isinstance(runner, MasterRunner):
        runner.register_message(DONE, MASTER.on_done)
        runner.register_message(FAILED, MASTER.on_failed)
        environment.events.worker_report.add_listener(MASTER.on_report)


def _on_plan(environment: Environment, msg: Any, **_: Any) -> None:
    runner = environment.runner
    assert runner is not None
    try:
        STATE.start(
            Plan.from_message(msg.data),
            environment,
            lambda: runner.send_message(DONE, STATE.report()),
        )
    except SimulatorError as exc:
        runner.send_message(FAILED, {"error": str(exc), "code": exc.exit_code})


def _report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    if STATE.pool is not None:
        data[LEDGER_KEY] = STATE.report()


def on_test_start(environment: Environment, **_: Any) -> None:
    try:
        MASTER.begin(environment)
    except SimulatorError as exc:
        MASTER.fail(environment.runner, str(exc), exc.exit_code)


def on_quitting(environment: Environment, **_: Any) -> None:
    if not isinstance(environment.runner, WorkerRunner):
        MASTER.exit_code(environment)
    STATE.close()


def on_quit(**_: Any) -> None:
    MASTER.print_summary()


def register(environment_events: Any) -> None:
    """Add the listeners to Locust's events (the locustfile calls this once)."""
    environment_events.init.add_listener(on_init)
    environment_events.test_start.add_listener(on_test_start)
    environment_events.quitting.add_listener(on_quitting)
    environment_events.quit.add_listener(on_quit)
